#!/usr/bin/env bash
# NiFi node entrypoint: single-user login (from docker/.env) with NiFi's managed file-based authorizer, because the
# single-user authorizer knows no node identities and a cluster's nodes must be allowed to proxy requests.
# Writes authorizers.xml (scripts/lib/authorizers.sh, which the sandbox NiFi of the tests uses too) and the retention of
# what NiFi keeps of the data it moved, then hands over to the image's own start script.
set -euo pipefail

# docker/.env.example marks every value to choose with CHANGE-ME: a node never starts on one of them. The image's
# scripts write the keystore passwords and the sensitive properties key into nifi.properties with sed (common.sh
# prop_replace, s|...|...|), where a '|', '&' or '\' would break or alter the value: those are refused as well.
for name in $(compgen -e); do
    if [[ "${!name}" == CHANGE-ME* ]]; then
        echo "refusing to start: ${name} still holds the placeholder from docker/.env.example; set it in docker/.env" >&2
        exit 64
    fi
done
for name in KEYSTORE_PASSWORD TRUSTSTORE_PASSWORD NIFI_SENSITIVE_PROPS_KEY; do
    if [[ "${!name:-}" == *[\|\&\\]* ]]; then
        echo "refusing to start: ${name} contains a pipe, an ampersand or a backslash, which the image's nifi.properties writer alters" >&2
        exit 64
    fi
done

# shellcheck source=scripts/lib/authorizers.sh
source /opt/customertrack/lib/authorizers.sh
admin="${SINGLE_USER_CREDENTIALS_USERNAME:?SINGLE_USER_CREDENTIALS_USERNAME is not set}"
read -r -a nodes <<<"${NIFI_NODE_IDENTITIES:?NIFI_NODE_IDENTITIES is not set}"
write_authorizers_xml /opt/nifi/nifi-current/conf/authorizers.xml ./conf "${admin}" "${nodes[@]}"

# How long NiFi keeps FlowFile content after processing (the content archive) and provenance events: part of the
# erasure bound (docs/design/merge.md, "Erasure"). The image's start.sh (apache/nifi rel/nifi-2.6.0) sets neither
# property from the environment, so they are written here with its own helper; a restart applies changed values.
# shellcheck source=/dev/null
source /opt/nifi/scripts/common.sh
prop_replace nifi.content.repository.archive.max.retention.period "${CUSTOMERTRACK_CONTENT_ARCHIVE_RETENTION:?CUSTOMERTRACK_CONTENT_ARCHIVE_RETENTION is not set}"
prop_replace nifi.provenance.repository.max.storage.time "${CUSTOMERTRACK_PROVENANCE_RETENTION:?CUSTOMERTRACK_PROVENANCE_RETENTION is not set}"

# nifi.properties (keystore passwords, sensitive properties key) and login-identity-providers.xml (the password's bcrypt
# hash) readable by the nifi user only; the image's sed -i and NiFi's credentials writer (FileOutputStream) keep a file's mode.
chmod 0600 /opt/nifi/nifi-current/conf/nifi.properties /opt/nifi/nifi-current/conf/login-identity-providers.xml

export NIFI_SECURITY_USER_AUTHORIZER=managed-authorizer
export NIFI_SECURITY_USER_LOGIN_IDENTITY_PROVIDER=single-user-provider
exec /opt/nifi/scripts/start.sh
