#!/usr/bin/env bash
# NiFi node entrypoint: single-user login (from docker/.env) with a file-based authorizer, because the
# single-user authorizer knows no node identities and a cluster's nodes must be allowed to proxy requests.
# Writes authorizers.xml, then hands over to the image's own start script.
set -euo pipefail

conf=/opt/nifi/nifi-current/conf
admin="${SINGLE_USER_CREDENTIALS_USERNAME:?SINGLE_USER_CREDENTIALS_USERNAME is not set}"

xml_escape() {
    local text="$1"
    text="${text//&/&amp;}"
    text="${text//</&lt;}"
    text="${text//>/&gt;}"
    printf '%s' "${text//\"/&quot;}"
}

admin_xml="$(xml_escape "${admin}")"
cat > "${conf}/authorizers.xml" <<XML
<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<authorizers>
    <userGroupProvider>
        <identifier>file-user-group-provider</identifier>
        <class>org.apache.nifi.authorization.FileUserGroupProvider</class>
        <property name="Users File">./conf/users.xml</property>
        <property name="Initial User Identity 1">${admin_xml}</property>
        <property name="Initial User Identity 2">CN=nifi-1</property>
        <property name="Initial User Identity 3">CN=nifi-2</property>
    </userGroupProvider>
    <accessPolicyProvider>
        <identifier>file-access-policy-provider</identifier>
        <class>org.apache.nifi.authorization.FileAccessPolicyProvider</class>
        <property name="User Group Provider">file-user-group-provider</property>
        <property name="Authorizations File">./conf/authorizations.xml</property>
        <property name="Initial Admin Identity">${admin_xml}</property>
        <property name="Node Identity 1">CN=nifi-1</property>
        <property name="Node Identity 2">CN=nifi-2</property>
    </accessPolicyProvider>
    <authorizer>
        <identifier>managed-authorizer</identifier>
        <class>org.apache.nifi.authorization.StandardManagedAuthorizer</class>
        <property name="Access Policy Provider">file-access-policy-provider</property>
    </authorizer>
</authorizers>
XML

export NIFI_SECURITY_USER_AUTHORIZER=managed-authorizer
export NIFI_SECURITY_USER_LOGIN_IDENTITY_PROVIDER=single-user-provider
exec /opt/nifi/scripts/start.sh
