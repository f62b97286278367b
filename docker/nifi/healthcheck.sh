#!/usr/bin/env bash
# Container healthcheck of a NiFi cluster node: healthy once the node is connected to the cluster, as NiFi's own
# cluster summary (GET /nifi-api/flow/cluster/summary, ClusterSummaryDTO.connectedToCluster) reports it. The UI
# answers long before that, while the node is still joining or after it was disconnected.
#
# Environment: NIFI_HEALTH_URL (default https://$HOSTNAME:8443), NIFI_HEALTH_CACERT (default /opt/nifi/tls/ca.pem
# when it exists), and the login: SINGLE_USER_CREDENTIALS_USERNAME/PASSWORD (what the apache/nifi image is given)
# or a client certificate in NIFI_HEALTH_CERT/NIFI_HEALTH_KEY; neither for plain HTTP.
# Exit codes: 0 connected, 1 anything else, with the reason on standard error.
set -uo pipefail

url="${NIFI_HEALTH_URL:-https://${HOSTNAME}:8443}"
url="${url%/}/nifi-api"
cacert="${NIFI_HEALTH_CACERT:-/opt/nifi/tls/ca.pem}"
curl_options=(--silent --show-error --max-time 8)
[[ -f "${cacert}" ]] && curl_options+=(--cacert "${cacert}")
if [[ -n "${NIFI_HEALTH_CERT:-}" ]]; then
    curl_options+=(--cert "${NIFI_HEALTH_CERT}" --key "${NIFI_HEALTH_KEY:?NIFI_HEALTH_KEY must name the client key}")
elif [[ -n "${SINGLE_USER_CREDENTIALS_USERNAME:-}" ]]; then
    # The password and the token never become process arguments (visible in /proc/*/cmdline): jq takes the
    # credentials from the environment, curl reads the login body and the Authorization header from private files.
    umask 077
    private="$(mktemp -d)" || { echo "nifi-health: cannot create a private temporary directory" >&2; exit 1; }
    trap 'rm -rf "${private}"' EXIT
    jq -nj '"username=\($ENV.SINGLE_USER_CREDENTIALS_USERNAME | @uri)&password=\($ENV.SINGLE_USER_CREDENTIALS_PASSWORD // "" | @uri)"' \
        > "${private}/login"
    curl "${curl_options[@]}" --fail -X POST --data-binary "@${private}/login" -o "${private}/token" "${url}/access/token" \
        || { echo "nifi-health: no access token from ${url}/access/token" >&2; exit 1; }
    { printf 'Authorization: Bearer '; cat "${private}/token"; printf '\n'; } > "${private}/header"
    curl_options+=(--header "@${private}/header")
fi

summary="$(curl "${curl_options[@]}" --fail "${url}/flow/cluster/summary")" \
    || { echo "nifi-health: ${url}/flow/cluster/summary did not answer" >&2; exit 1; }
if ! jq -e '.clusterSummary.connectedToCluster == true' <<<"${summary}" >/dev/null; then
    echo "nifi-health: not connected to a cluster: $(jq -c '.clusterSummary' <<<"${summary}" 2>/dev/null || echo "${summary}")" >&2
    exit 1
fi
echo "nifi-health: connected ($(jq -r '.clusterSummary.connectedNodes // "?"' <<<"${summary}") nodes)"
