# shellcheck shell=bash
# write_authorizers_xml FILE CONF_DIR ADMIN [NODE_IDENTITY...]
# NiFi's managed authorizer over its file user-group and access-policy providers (nifi-file-authorizer): ADMIN is the
# initial admin, each NODE_IDENTITY a cluster node allowed to proxy requests. users.xml and authorizations.xml go to
# CONF_DIR; NiFi writes them on first start. Shared by scripts/nifi-sandbox.sh and the Docker nodes' entrypoint.
write_authorizers_xml() {
    local file="$1" conf="$2" admin="$3"
    shift 3
    local users="" nodes="" number=2 identity
    for identity in "$@"; do
        users+="        <property name=\"Initial User Identity ${number}\">$(xml_escape "${identity}")</property>"$'\n'
        nodes+="        <property name=\"Node Identity $((number - 1))\">$(xml_escape "${identity}")</property>"$'\n'
        number=$((number + 1))
    done
    cat > "${file}" <<XML
<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<authorizers>
    <userGroupProvider>
        <identifier>file-user-group-provider</identifier>
        <class>org.apache.nifi.authorization.FileUserGroupProvider</class>
        <property name="Users File">$(xml_escape "${conf}")/users.xml</property>
        <property name="Initial User Identity 1">$(xml_escape "${admin}")</property>
${users}    </userGroupProvider>
    <accessPolicyProvider>
        <identifier>file-access-policy-provider</identifier>
        <class>org.apache.nifi.authorization.FileAccessPolicyProvider</class>
        <property name="User Group Provider">file-user-group-provider</property>
        <property name="Authorizations File">$(xml_escape "${conf}")/authorizations.xml</property>
        <property name="Initial Admin Identity">$(xml_escape "${admin}")</property>
${nodes}    </accessPolicyProvider>
    <authorizer>
        <identifier>managed-authorizer</identifier>
        <class>org.apache.nifi.authorization.StandardManagedAuthorizer</class>
        <property name="Access Policy Provider">file-access-policy-provider</property>
    </authorizer>
</authorizers>
XML
}

xml_escape() {
    local text="$1"
    text="${text//&/&amp;}"
    text="${text//</&lt;}"
    text="${text//>/&gt;}"
    printf '%s' "${text//\"/&quot;}"
}
