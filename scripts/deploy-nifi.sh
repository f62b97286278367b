#!/usr/bin/env bash
# Deploys CustomerTrack to a running NiFi 2.x (standalone or cluster) through its REST API. Builds nothing.
#
#   scripts/deploy-nifi.sh --url https://nifi-1:8443 --nar nifi-customertrack-nar/target/nifi-customertrack-nar-<v>.nar \
#       [--flow flows/customertrack/customertrack-pipeline.json] [--parameters params.properties] [--replace]
#       [--cacert ca.pem | --insecure] [--cert client.pem --key client.key | --cert client.p12 --cert-type P12]
#       [--timeout 300] [--drain-timeout 900] [--skip-nar [--bundle-version V]] [--if-absent]
#   scripts/deploy-nifi.sh --url ... --remove-retired [TLS and login options]
#
# Authentication: a client certificate (--cert/--key as PEM, or --cert-type P12 with the password in
# NIFI_CLIENT_CERT_PASSWORD), or username/password login with NIFI_USERNAME / NIFI_PASSWORD. Plain-HTTP NiFi needs
# neither. No password, token or parameter value is ever a process argument: curl and jq read them from files in a
# private temporary directory (mode 0700, removed on exit) or from the environment.
# Parameter values: a properties file and/or environment variables CUSTOMERTRACK_PARAM_<NAME> (NAME = parameter name
# upper-cased with dots as underscores, e.g. CUSTOMERTRACK_PARAM_S3_BUCKET for s3.bucket; the value byte for byte);
# the environment wins. The file, line by line: empty lines and lines starting with # are skipped; `name=value`
# splits at the FIRST `=`, the value is the rest of the line verbatim (spaces, quotes, backslashes, further `=`
# included) up to the line feed; `name@=path` takes the value from the file at path (relative to the properties
# file's directory), all of its bytes (a PEM, trailing newline included). CRLF line ends are refused.
#
# Steps: authenticate; grant the user the policies a deployment needs when NiFi lets it (a fresh secured NiFi gives
# its initial admin none on the root process group or parameter contexts); upload the NAR to the NAR Manager and
# wait until it is installed; import the flow definition as a new process group, pinned to the deployed NAR's
# version and with a parameter context of its own; set parameter values; enable its controller services; with
# --replace, retire the running version safely (stop its generator and carry its customer id sequence over, wait
# until its pipeline queues are empty, stop it and wait for its threads, disable its services, delete it and its
# parameter context); start the new group. The new group is named "CustomerTrack (deploying)" until the replaced
# version is stopped; a failure before that removes what the run created (group, parameter context) and restarts what
# it stopped, and a later run cleans up after a run that was killed. FlowFiles parked in the Needs-attention funnel's
# queues do not block --replace: they are reported, and the old group is kept stopped as "CustomerTrack (retired
# <time>)" until an operator has emptied it; --remove-retired removes retired groups whose queues are empty.
# Exit codes: 2 usage, 3 NiFi unreachable, 4 credentials or certificate rejected, 5 NAR rejected, 6 unknown
# parameter, 7 other NiFi error or time-out, 8 TLS failure (server certificate not trusted, client certificate
# or CA file unusable), 9 more than one active CustomerTrack group (their ids are listed). --skip-nar leaves the
# NAR alone, for NiFi instances that already load it from their autoload directory (the docker/ stack mounts it there).
# --if-absent exits 0 and changes nothing when a CustomerTrack group exists already (the Docker local profile's deploy
# service runs on every `up`). Two deployments must not run against the same NiFi at the same time.
set -euo pipefail

GROUP_NAME="CustomerTrack"
BUNDLE_GROUP="io.customertrack"
BUNDLE_ARTIFACT="nifi-customertrack-nar"
GENERATOR_TYPE="io.customertrack.nifi.processors.GenerateFakeCustomer"
url="" nar="" flow="flows/customertrack/customertrack-pipeline.json" parameters_file="" replace=false skip_nar=false if_absent=false
bundle_version="" timeout=300 drain_timeout=900 poll_interval="${CUSTOMERTRACK_POLL_INTERVAL:-2}"
cacert="" insecure=false cert="" key="" cert_type=PEM remove_retired=false
curl_tls=()

die() { local code="$1"; shift; echo "deploy-nifi: $*" >&2; exit "${code}"; }
log() { echo "deploy-nifi: $*" >&2; }

while (( $# > 0 )); do
    case "$1" in
        --url) url="${2%/}"; shift 2 ;;
        --nar) nar="$2"; shift 2 ;;
        --flow) flow="$2"; shift 2 ;;
        --parameters) parameters_file="$2"; shift 2 ;;
        --replace) replace=true; shift ;;
        --skip-nar) skip_nar=true; shift ;;
        --if-absent) if_absent=true; shift ;;
        --bundle-version) bundle_version="$2"; shift 2 ;;
        --cacert) cacert="$2"; shift 2 ;;
        --insecure) insecure=true; shift ;;
        --cert) cert="$2"; shift 2 ;;
        --key) key="$2"; shift 2 ;;
        --cert-type) cert_type="${2^^}"; shift 2 ;;
        --timeout) timeout="$2"; shift 2 ;;
        --drain-timeout) drain_timeout="$2"; shift 2 ;;
        --remove-retired) remove_retired=true; shift ;;
        -h|--help) sed -n '2,37p' "$0"; exit 0 ;;
        *) die 2 "unknown option '$1' (see --help)" ;;
    esac
done
for tool in curl jq; do
    command -v "${tool}" >/dev/null || die 2 "${tool} is required (e.g. apt-get install ${tool})"
done
[[ -n "${url}" ]] || die 2 "--url is required"
[[ "${if_absent}" == true && "${replace}" == true ]] && die 2 "--if-absent and --replace exclude each other"
[[ "${remove_retired}" == true || "${skip_nar}" == true || ( -n "${nar}" && -f "${nar}" ) ]] || die 2 "--nar must name an existing NAR file (build it with ./mvnw package)"
[[ "${remove_retired}" == true || -f "${flow}" ]] || die 2 "flow definition '${flow}' not found"
[[ -z "${parameters_file}" || -f "${parameters_file}" ]] || die 2 "parameters file '${parameters_file}' not found"
[[ "${cert_type}" == PEM || "${cert_type}" == P12 ]] || die 2 "--cert-type must be PEM or P12"
# A CA file is read on every request: a pipe such as <(...) can be read only once.
if [[ -n "${cacert}" ]]; then
    [[ -f "${cacert}" && -r "${cacert}" ]] || die 2 "--cacert '${cacert}' must be a readable regular file (not a pipe or process substitution)"
    curl_tls+=(--cacert "${cacert}")
fi
[[ "${insecure}" == true ]] && curl_tls+=(--insecure)
if [[ -n "${cert}" ]]; then
    [[ -f "${cert}" ]] || die 2 "--cert '${cert}' not found"
    if [[ "${cert_type}" == P12 ]]; then
        # The certificate's password goes into curl's private config file (below), never onto its command line.
        curl_tls+=(--cert-type P12)
    else
        [[ -n "${key}" && -f "${key}" ]] || die 2 "--cert as PEM needs --key with the private key file"
        curl_tls+=(--cert "${cert}" --key "${key}")
    fi
fi

api="${url}/nifi-api"
token=""
client_id="customertrack-deploy-$$"
# Everything this script writes is its user's only: secrets, request bodies, responses.
umask 077
work_dir="$(mktemp -d)"
response_file="${work_dir}/response"
status_file="${work_dir}/status"
body_file="${work_dir}/body"
curl_config="${work_dir}/curl.conf"
new_group_id="" context_id="" committed=false old_group="" old_generators=() old_stopped=false old_disabled=false
trap on_exit EXIT

# A value in double quotes for curl's config file (curl -K): backslash, quote and line ends escaped.
config_quote() {
    local value="${1//\\/\\\\}"
    value="${value//\"/\\\"}"
    value="${value//$'\n'/\\n}"
    value="${value//$'\r'/\\r}"
    printf '"%s"' "${value}"
}

# curl reads the client certificate's password and the access token from this file, not from its arguments.
write_curl_config() {
    : > "${curl_config}"
    if [[ -n "${cert}" && "${cert_type}" == P12 ]]; then
        printf 'cert = %s\n' "$(config_quote "${cert}:${NIFI_CLIENT_CERT_PASSWORD:-}")" >> "${curl_config}"
    fi
    if [[ -n "${token}" ]]; then
        printf 'header = %s\n' "$(config_quote "Authorization: Bearer ${token}")" >> "${curl_config}"
    fi
}
write_curl_config

# Transport failures, by curl's exit code: TLS problems are said as such, not as "unreachable".
transport_failure() { # transport_failure CURL_EXIT MESSAGE
    case "$1" in
        35|56)
            if grep -qiE 'alert|certificate|handshake' <<<"$2"; then
                die 4 "NiFi at ${url} refused the TLS client certificate (${cert:-none given}): $2"
            fi
            die 3 "NiFi unreachable at ${url}: $2" ;;
        51|60|83) die 8 "TLS: the server certificate of ${url} is not trusted (pass its CA with --cacert): $2" ;;
        58|77|80) die 8 "TLS: cannot use the client certificate or CA file: $2" ;;
        *) die 3 "NiFi unreachable at ${url}: $2" ;;
    esac
}

# request METHOD PATH [curl args...]: prints the body; transport errors exit, HTTP errors return 1. The status and
# body of the last request stay in files: request usually runs in $(...), whose variables do not come back.
request() {
    local method="$1" path="$2"; shift 2
    local status code=0
    status="$(curl -sS -K "${curl_config}" "${curl_tls[@]}" -o "${response_file}" -w '%{http_code}' -X "${method}" \
            "$@" "${api}${path}" 2>&1)" || code=$?
    (( code == 0 )) || transport_failure "${code}" "${status}"
    printf '%s' "${status}" > "${status_file}"
    (( status < 400 )) || return 1
    cat "${response_file}"
}

# request usually runs inside $(...), where it can only exit its subshell: a transport failure, already reported,
# comes back as its exit code (3, 4 or 8), an HTTP error as 1. http_error_only STATUS exits with the former.
http_error_only() { (( $1 == 1 )) || exit "$1"; }

# fail_http CODE MESSAGE, called as `x="$(request ...)" || fail_http ...`: an HTTP error becomes CODE with the message.
fail_http() {
    http_error_only $?
    die "$1" "$2 (HTTP $(http_status)): $(head -c 500 "${response_file}")"
}

http_status() { cat "${status_file}" 2>/dev/null || echo "?"; }

# json_request METHOD PATH BODY: the body goes to curl through a private file, as it may hold parameter values.
json_request() {
    local method="$1" path="$2"
    printf '%s' "$3" > "${body_file}"
    request "${method}" "${path}" -H 'Content-Type: application/json' --data-binary "@${body_file}"
}

wait_until() { # wait_until SECONDS DESCRIPTION COMMAND...: polls COMMAND until it succeeds
    local limit="$1" what="$2"; shift 2
    local deadline=$((SECONDS + limit))
    until "$@"; do
        (( SECONDS < deadline )) || die 7 "timed out after ${limit}s waiting for ${what}"
        sleep "${poll_interval}"
    done
}

authenticate() {
    if [[ -n "${NIFI_USERNAME:-}" && -z "${cert}" ]]; then
        [[ -n "${NIFI_PASSWORD:-}" ]] || die 2 "NIFI_USERNAME is set but NIFI_PASSWORD is not"
        # jq reads the credentials from its environment and url-encodes them into a private file.
        jq -nj '"username=\($ENV.NIFI_USERNAME | @uri)&password=\($ENV.NIFI_PASSWORD | @uri)"' > "${work_dir}/login"
        token="$(request POST /access/token --data-binary "@${work_dir}/login")" \
            || fail_http 4 "login rejected for user '${NIFI_USERNAME}' (or this NiFi has no username/password login)"
        rm -f "${work_dir}/login"
        [[ -n "${token}" ]] || die 4 "NiFi returned an empty access token"
        write_curl_config
    fi
    local user
    user="$(request GET /flow/current-user)" || {
        http_error_only $?
        case "$(http_status)" in
            401|403) die 4 "NiFi at ${url} did not accept these credentials (HTTP $(http_status)): $(head -c 300 "${response_file}")" ;;
            *) die 7 "cannot read the current user (HTTP $(http_status)): $(head -c 300 "${response_file}")" ;;
        esac
    }
    identity="$(jq -r '.identity' <<<"${user}")"
    if [[ "$(jq -r '.anonymous' <<<"${user}")" == true && "${url}" == https:* ]]; then
        die 4 "NiFi at ${url} treats this client as anonymous: give a client certificate or NIFI_USERNAME/NIFI_PASSWORD"
    fi
    log "authenticated as ${identity}"
}

# ensure_policy ACTION RESOURCE: adds the current user to the policy on exactly RESOURCE, creating it if needed.
# GET answers with the nearest inherited policy, so a policy is ours only when its resource is the one asked for.
ensure_policy() {
    local action="$1" resource="$2" policy body
    if policy="$(request GET "/policies/${action}${resource}")" \
            && [[ "$(jq -r '.component.resource' <<<"${policy}")" == "${resource}" ]]; then
        jq -e --arg id "${user_id}" 'any(.component.users[]?; .id == $id)' <<<"${policy}" >/dev/null && return 0
        body="$(jq --arg id "${user_id}" '{revision: .revision, component: {id: .id, resource: .component.resource,
            action: .component.action, users: ([.component.users[]? | {id}] + [{id: $id}]),
            userGroups: [.component.userGroups[]? | {id}]}}' <<<"${policy}")"
        json_request PUT "/policies/$(jq -r '.id' <<<"${policy}")" "${body}" >/dev/null \
            || fail_http 4 "${identity} may not change the ${action} policy on ${resource}; an administrator must grant it"
    else
        http_error_only $?
        body="$(jq -n --arg a "${action}" --arg r "${resource}" --arg id "${user_id}" \
            '{revision: {version: 0}, component: {action: $a, resource: $r, users: [{id: $id}], userGroups: []}}')"
        json_request POST /policies "${body}" >/dev/null \
            || fail_http 4 "${identity} may not create the ${action} policy on ${resource}; an administrator must grant it"
    fi
    log "granted ${identity} ${action} on ${resource}"
}

# A fresh secured NiFi gives its initial admin /tenants and /policies but nothing on the root process group or on
# parameter contexts. Users NiFi does not manage (plain HTTP, an external authorizer) are left as they are.
ensure_policies() {
    local root_id="$1" flow_permissions context_permissions
    flow_permissions="$(request GET "/process-groups/${root_id}" | jq -c '.permissions')" || flow_permissions='{}'
    context_permissions="$(request GET /flow/current-user | jq -c '.parameterContextPermissions')"
    if [[ "$(jq -r '.canRead and .canWrite' <<<"${flow_permissions}")" == true \
            && "$(jq -r '.canRead and .canWrite' <<<"${context_permissions}")" == true ]]; then
        return 0
    fi
    local users
    users="$(request GET "/tenants/search-results?q=$(jq -rn --arg q "${identity}" '$q|@uri')")" \
        || fail_http 4 "${identity} lacks read and write on the root process group and parameter contexts, and may not read tenants to grant them"
    user_id="$(jq -r --arg i "${identity}" '.users[] | select(.component.identity == $i) | .id' <<<"${users}")"
    [[ -n "${user_id}" ]] || die 4 "${identity} is not a user NiFi manages; an administrator must grant it read and write on the root process group and parameter contexts"
    local action resource
    for resource in "/process-groups/${root_id}" "/data/process-groups/${root_id}" /parameter-contexts; do
        for action in read write; do
            ensure_policy "${action}" "${resource}"
        done
    done
}

nar_installed() {
    local summary state
    summary="$(request GET "/controller/nar-manager/nars/${nar_id}")" || fail_http 7 "cannot read the NAR's state"
    # NarSummaryDTO carries the state's display value (DtoFactory: getState().getValue()).
    state="$(jq -r '.narSummary.state' <<<"${summary}")"
    case "${state}" in
        Installed) [[ "$(jq -r '.narSummary.installComplete' <<<"${summary}")" == true ]] ;;
        Failed|"Missing Dependency") die 5 "NAR rejected (${state}): $(jq -r '.narSummary.failureMessage // "no message"' <<<"${summary}")" ;;
        *) return 1 ;;
    esac
}

upload_nar() {
    local summary
    summary="$(request POST /controller/nar-manager/nars/content -H 'Content-Type: application/octet-stream' \
        -H "Filename: $(basename "${nar}")" --data-binary "@${nar}")" || {
        http_error_only $?
        [[ "$(http_status)" == 409 ]] && die 5 "NiFi refused the NAR (HTTP 409): $(head -c 300 "${response_file}"). If this NiFi already loads it from its autoload directory, deploy with --skip-nar"
        die 5 "NAR rejected on upload (HTTP $(http_status)): $(head -c 500 "${response_file}")"
    }
    nar_id="$(jq -r '.narSummary.identifier' <<<"${summary}")"
    bundle_version="$(jq -r '.narSummary.coordinate.version' <<<"${summary}")"
    log "uploaded $(basename "${nar}") as NAR ${nar_id} (version ${bundle_version}); waiting for installation"
    # NiFi reports no failure for a NAR it cannot unpack: it stays "Installing" (see nifi-app.log, StandardNarLoader).
    local status=0
    (wait_until "${timeout}" "the NAR to be installed" nar_installed) || status=$?
    if (( status == 7 )); then
        die 5 "NAR ${nar_id} not installed after ${timeout}s (NiFi still reports '$(request GET "/controller/nar-manager/nars/${nar_id}" | jq -r '.narSummary.state')'); a NAR NiFi cannot unpack stays 'Installing': see nifi-app.log"
    fi
    (( status == 0 )) || exit "${status}"
    log "NAR installed"
}

# With --skip-nar: the one CustomerTrack bundle version NiFi has loaded, unless --bundle-version names it.
loaded_bundle_version() {
    [[ -n "${bundle_version}" ]] && return 0
    local types versions
    types="$(request GET "/flow/processor-types?bundleGroupFilter=${BUNDLE_GROUP}&bundleArtifactFilter=${BUNDLE_ARTIFACT}")" \
        || fail_http 7 "cannot list processor types"
    versions="$(jq -r '[.processorTypes[].bundle.version] | unique | .[]' <<<"${types}")"
    [[ -n "${versions}" ]] || die 5 "NiFi has no ${BUNDLE_GROUP}:${BUNDLE_ARTIFACT} bundle loaded; deploy it with --nar"
    (( $(wc -l <<<"${versions}") == 1 )) || die 2 "NiFi has several ${BUNDLE_ARTIFACT} versions loaded ($(tr '\n' ' ' <<<"${versions}")); choose one with --bundle-version"
    bundle_version="${versions}"
}

root_flow() { request GET /flow/process-groups/root || fail_http 7 "cannot read the root process group"; }

# The flow as deployed: CustomerTrack components pinned to the deployed bundle version (with several versions
# loaded NiFi would otherwise make ghosts or pick the old code), and a parameter context named for this deployment
# (an upload reuses an existing context of the same name, and the running version would see the new values).
deployable_flow() {
    local context_name="$1"
    jq --arg g "${BUNDLE_GROUP}" --arg a "${BUNDLE_ARTIFACT}" --arg v "${bundle_version}" --arg c "${context_name}" '
        (.. | objects | select(.bundle? and .bundle.group == $g and .bundle.artifact == $a) | .bundle.version) |= $v
        | (.flowContents.parameterContextName) as $old
        | .flowContents.parameterContextName = $c
        | .parameterContexts = (.parameterContexts | with_entries(if .key == $old then .key = $c | .value.name = $c else . end))
    ' "${flow}" > "${work_dir}/flow.json"
}

import_flow() {
    local root_id="$1" entity context_name
    context_name="${GROUP_NAME} ${bundle_version} $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    deployable_flow "${context_name}"
    entity="$(request POST "/process-groups/${root_id}/process-groups/upload" \
        -F "groupName=${DEPLOYING_NAME}" -F "positionX=0" -F "positionY=0" -F "clientId=${client_id}" \
        -F "disconnectedNodeAcknowledged=false" -F "file=@${work_dir}/flow.json;type=application/json")" \
        || fail_http 7 "flow import rejected"
    new_group_id="$(jq -r '.id' <<<"${entity}")"
    context_id="$(jq -r '.component.parameterContext.id // empty' <<<"${entity}")"
    [[ -n "${context_id}" ]] || die 7 "imported group ${new_group_id} has no parameter context"
    log "imported ${flow} (bundle ${bundle_version}) as process group ${new_group_id} with parameter context '${context_name}'"
}

# Collects the parameter values, from the file and then the environment (which wins), as files: wanted[NAME] is the
# path of a file holding the value byte for byte, for jq --rawfile. Values never pass through a process's arguments.
collect_parameters() {
    local line name value number=0 line_number=0 base variable
    declare -gA wanted=()
    mkdir -p "${work_dir}/values"
    if [[ -n "${parameters_file}" ]]; then
        base="$(dirname "${parameters_file}")"
        while IFS= read -r line || [[ -n "${line}" ]]; do
            line_number=$((line_number + 1))
            [[ -z "${line}" || "${line}" == \#* ]] && continue
            [[ "${line}" != *$'\r' ]] || die 2 "parameters file, line ${line_number}: ends with a carriage return (CRLF line ends); save the file with LF line ends"
            [[ "${line}" == *=* ]] || die 2 "parameters file, line ${line_number}: not name=value or name@=file"
            name="${line%%=*}" value="${line#*=}"
            if [[ "${name}" == *@ ]]; then
                name="${name%@}"
                [[ "${value}" == /* ]] || value="${base}/${value}"
                [[ -f "${value}" && -r "${value}" ]] || die 2 "parameters file, line ${line_number}: cannot read '${value}' for ${name}"
                wanted["${name}"]="${value}"
            else
                number=$((number + 1))
                printf '%s' "${value}" > "${work_dir}/values/${number}"
                wanted["${name}"]="${work_dir}/values/${number}"
            fi
        done < "${parameters_file}"
    fi
    for variable in "${!CUSTOMERTRACK_PARAM_@}"; do
        name="${variable#CUSTOMERTRACK_PARAM_}"
        name="${name,,}"
        number=$((number + 1))
        printf '%s' "${!variable}" > "${work_dir}/values/${number}"
        wanted["${name//_/.}"]="${work_dir}/values/${number}"
    done
}

update_finished() {
    local state
    state="$(request GET "/parameter-contexts/${context_id}/update-requests/${update_id}")" \
        || fail_http 7 "cannot read the parameter update"
    if [[ "$(jq -r '.request.failureReason // empty' <<<"${state}")" != "" ]]; then
        die 7 "parameter update failed: $(jq -r '.request.failureReason' <<<"${state}")"
    fi
    [[ "$(jq -r '.request.complete' <<<"${state}")" == "true" ]]
}

# Parameter names are checked against the flow definition before NiFi is touched, so a typo changes nothing.
check_parameter_names() {
    collect_parameters
    local known name
    known="$(jq -r '.flowContents.parameterContextName as $c | .parameterContexts[$c].parameters[].name' "${flow}")"
    for name in "${!wanted[@]}"; do
        grep -qxF "${name}" <<<"${known}" || die 6 "unknown parameter '${name}'; the flow defines: $(tr '\n' ' ' <<<"${known}")"
    done
}

set_parameters() {
    (( ${#wanted[@]} > 0 )) || { log "no parameter values given; keeping the context's values"; return; }
    local context name updates="[]"
    context="$(request GET "/parameter-contexts/${context_id}")" || fail_http 7 "cannot read the parameter context"
    printf '%s' "${context}" > "${work_dir}/context.json"
    for name in "${!wanted[@]}"; do
        updates="$(jq --arg n "${name}" --rawfile v "${wanted[${name}]}" --slurpfile ctx "${work_dir}/context.json" \
            '. + [{parameter: {name: $n, value: $v,
                   sensitive: ($ctx[0].component.parameters[] | select(.parameter.name == $n) | .parameter.sensitive)}}]' <<<"${updates}")"
    done
    local body submitted
    printf '%s' "${updates}" > "${work_dir}/updates.json"
    body="$(jq --slurpfile p "${work_dir}/updates.json" '{id: .id, revision: .revision, component: {id: .id, parameters: $p[0]}}' \
        <<<"${context}")"
    rm -f "${work_dir}/updates.json"
    submitted="$(json_request POST "/parameter-contexts/${context_id}/update-requests" "${body}")" \
        || fail_http 7 "parameter update rejected"
    update_id="$(jq -r '.request.requestId' <<<"${submitted}")"
    wait_until "${timeout}" "the parameter update" update_finished
    request DELETE "/parameter-contexts/${context_id}/update-requests/${update_id}" >/dev/null || true
    log "set ${#wanted[@]} parameter value(s)"
}

# DBCPConnectionPool fails to enable (NullPointerException) when a dynamic property's parameter has no value, so
# the Snowflake key's password property exists only when the password parameter has a value.
add_key_password_property() {
    [[ -s "${wanted[snowflake.private.key.password]:-/dev/null}" ]] || return 0
    local services service body
    services="$(request GET "/flow/process-groups/${new_group_id}/controller-services?includeAncestorGroups=false")" \
        || fail_http 7 "cannot read controller services"
    service="$(jq -c '.controllerServices[] | select(.component.type == "org.apache.nifi.dbcp.DBCPConnectionPool")' <<<"${services}" | head -n 1)"
    [[ -n "${service}" ]] || return 0
    body="$(jq '{revision: .revision, component: {id: .id, properties: {"SENSITIVE.private_key_pwd": "#{snowflake.private.key.password}"}}}' <<<"${service}")"
    json_request PUT "/controller-services/$(jq -r '.id' <<<"${service}")" "${body}" >/dev/null \
        || fail_http 7 "cannot set the private key password property"
    log "the Snowflake connection reads the key's password from snowflake.private.key.password"
}

services_in_state() { # services_in_state GROUP STATE
    local services
    services="$(request GET "/flow/process-groups/$1/controller-services?includeAncestorGroups=false&includeDescendantGroups=true")" \
        || fail_http 7 "cannot read controller services"
    if [[ "$2" == ENABLED ]] && jq -e '.controllerServices[] | select(.component.validationStatus == "INVALID")' <<<"${services}" >/dev/null; then
        die 7 "invalid controller service(s): $(jq -c '[.controllerServices[] | select(.component.validationStatus == "INVALID")
            | {name: .component.name, errors: .component.validationErrors}]' <<<"${services}")"
    fi
    jq -e --arg s "$2" 'all(.controllerServices[]; .component.state == $s)' <<<"${services}" >/dev/null
}

set_services() { # set_services GROUP ENABLED|DISABLED
    json_request PUT "/flow/process-groups/$1/controller-services" \
        "$(jq -n --arg id "$1" --arg s "$2" '{id: $id, state: $s, disconnectedNodeAcknowledged: false}')" >/dev/null \
        || fail_http 7 "cannot set controller services of $1 to $2"
    wait_until "${timeout}" "controller services of $1 to be $2" services_in_state "$1" "$2"
    log "controller services of $1 ${2,,}"
}

set_group_state() { # set_group_state GROUP RUNNING|STOPPED
    json_request PUT "/flow/process-groups/$1" \
        "$(jq -n --arg id "$1" --arg s "$2" '{id: $id, state: $s, disconnectedNodeAcknowledged: false}')" >/dev/null \
        || fail_http 7 "cannot set process group $1 to $2"
    log "process group $1 ${2,,}"
}

# The group's connections as {id, name, funnel (whether it feeds a funnel: Needs attention), queued}.
group_queues() {
    request GET "/flow/process-groups/$1" | jq -c '[.processGroupFlow.flow.connections[] | {id, name: (.component.name // ""),
        funnel: (.component.destination.type == "FUNNEL"), queued: .status.aggregateSnapshot.flowFilesQueued}]' \
        || fail_http 7 "cannot read the connections of $1"
}

# The pipeline's own queues; FlowFiles parked for attention (queues into the Needs-attention funnel) do not count.
pipeline_drained() {
    jq -e 'all(.[]; .funnel or .queued == 0)' <<<"$(group_queues "$1")" >/dev/null
}

# "name (id): N FlowFiles" of every non-empty queue of GROUP ("parked" for funnel queues only).
describe_queues() { # describe_queues GROUP parked|all
    jq -r --arg which "$2" '[.[] | select(.queued > 0 and ($which == "all" or .funnel))
        | "\(.name) (\(.id)): \(.queued) FlowFile(s)"] | join(", ")' <<<"$(group_queues "$1")"
}

# Stopping is asynchronous: services can be disabled only once no processor runs and no thread is active.
fully_stopped() {
    local group status
    group="$(request GET "/flow/process-groups/$1")" || fail_http 7 "cannot read process group $1"
    status="$(request GET "/flow/process-groups/$1/status")" || fail_http 7 "cannot read the status of $1"
    jq -e 'all(.processGroupFlow.flow.processors[]; .component.state != "RUNNING" and .component.state != "STARTING")' <<<"${group}" >/dev/null \
        && [[ "$(jq -r '.processGroupStatus.aggregateSnapshot.activeThreadCount' <<<"${status}")" == "0" ]]
}

# Stops the old generator and returns the next customer id it would issue: from its state, or, when it never ran,
# its Customer ID Start (a replacement that was never started still carries the sequence on).
stop_generator() {
    local generator="$1" entity revision state next
    entity="$(request GET "/processors/${generator}")" || fail_http 7 "cannot read generator ${generator}"
    revision="$(jq -c '.revision' <<<"${entity}")"
    json_request PUT "/processors/${generator}/run-status" \
        "$(jq -n --argjson r "${revision}" '{revision: $r, state: "STOPPED", disconnectedNodeAcknowledged: false}')" >/dev/null \
        || fail_http 7 "cannot stop generator ${generator}"
    wait_until "${timeout}" "generator ${generator} to stop" generator_stopped "${generator}"
    state="$(request GET "/processors/${generator}/state")" || fail_http 7 "cannot read the state of generator ${generator}"
    next="$(jq -r '[.componentState.clusterState.state[]?, .componentState.localState.state[]?]
        | map(select(.key == "customer.id.next") | .value) | first // empty' <<<"${state}")"
    [[ -n "${next}" ]] || next="$(jq -r '.component.config.properties["Customer ID Start"] // empty' <<<"${entity}")"
    printf '%s' "${next}"
}

start_processor() {
    local revision
    revision="$(request GET "/processors/$1" | jq -c '.revision')" || fail_http 7 "cannot read processor $1"
    json_request PUT "/processors/$1/run-status" \
        "$(jq -n --argjson r "${revision}" '{revision: $r, state: "RUNNING", disconnectedNodeAcknowledged: false}')" >/dev/null \
        || fail_http 7 "cannot start processor $1"
}

generator_stopped() {
    local status
    status="$(request GET "/processors/$1")" || fail_http 7 "cannot read processor $1"
    [[ "$(jq -r '.component.state' <<<"${status}")" == STOPPED && "$(jq -r '.status.aggregateSnapshot.activeThreadCount' <<<"${status}")" == 0 ]]
}

# The new generator starts where the old one stopped: Customer ID Start only ever moves the next id up.
continue_id_sequence() {
    local next_id="$1" flow_json generator entity body
    [[ -n "${next_id}" ]] || return 0
    flow_json="$(request GET "/flow/process-groups/${new_group_id}")" || fail_http 7 "cannot read process group ${new_group_id}"
    generator="$(jq -r --arg t "${GENERATOR_TYPE}" '.processGroupFlow.flow.processors[] | select(.component.type == $t) | .id' <<<"${flow_json}")"
    [[ -n "${generator}" ]] || return 0
    entity="$(request GET "/processors/${generator}")" || fail_http 7 "cannot read processor ${generator}"
    body="$(jq --arg n "${next_id}" '{revision: .revision, component: {id: .id, config: {properties: {"Customer ID Start": $n}}}}' <<<"${entity}")"
    json_request PUT "/processors/${generator}" "${body}" >/dev/null || fail_http 7 "cannot set Customer ID Start on ${generator}"
    log "the new generator continues the customer id sequence at ${next_id}"
}

# shellcheck disable=SC2016 # jq programs: $t, $n, $d and $m are jq variables
GENERATOR_IDS='.processGroupFlow.flow.processors[] | select(.component.type == $t) | .id'
REPLACING_MARK="customertrack-deploy: being replaced by"
STARTING_MARK="customertrack-deploy: not started yet"
DEPLOYING_NAME="${GROUP_NAME} (deploying)"

# update_group GROUP NAME MARK: renames a process group and puts MARK (a "customertrack-deploy: ..." line saying what a
# deployment is doing with it) as the first line of its comments, or, with an empty MARK, removes that line. The
# group's own comments (the flow's description) stay below it.
update_group() {
    local entity body
    entity="$(request GET "/process-groups/$1")" || fail_http 7 "cannot read process group $1"
    body="$(jq --arg n "$2" --arg mark "$3" '{revision: .revision, disconnectedNodeAcknowledged: false,
        component: {id: .id, name: $n, comments: ((.component.comments // "")
            | (if startswith("customertrack-deploy:") then (split("\n")[1:] | join("\n")) else . end)
            | [$mark, .] | map(select(. != "")) | join("\n"))}}' <<<"${entity}")"
    json_request PUT "/process-groups/$1" "${body}" >/dev/null || fail_http 7 "cannot rename process group $1"
}

delete_context() {
    local context
    context="$(request GET "/parameter-contexts/$1")" || fail_http 7 "cannot read parameter context $1"
    if jq -e '(.component.boundProcessGroups // []) | length == 0' <<<"${context}" >/dev/null; then
        request DELETE "/parameter-contexts/$1?version=$(jq -r '.revision.version' <<<"${context}")&clientId=${client_id}&disconnectedNodeAcknowledged=false" >/dev/null \
            || fail_http 7 "cannot delete parameter context $1"
        log "removed parameter context $1"
    fi
}

# remove_group GROUP: stops it, disables its services, deletes it and then its parameter context if nothing else uses it.
remove_group() {
    local group="$1" context version
    context="$(request GET "/process-groups/${group}" | jq -r '.component.parameterContext.id // empty')" || fail_http 7 "cannot read ${group}"
    set_group_state "${group}" STOPPED
    wait_until "${timeout}" "every processor of ${group} to stop" fully_stopped "${group}"
    set_services "${group}" DISABLED
    version="$(request GET "/process-groups/${group}" | jq -r '.revision.version')" || fail_http 7 "cannot read ${group}"
    request DELETE "/process-groups/${group}?version=${version}&clientId=${client_id}&disconnectedNodeAcknowledged=false" >/dev/null \
        || fail_http 7 "cannot delete process group ${group}"
    log "removed process group ${group}"
    [[ -z "${context}" || "${context}" == "${context_id}" ]] || delete_context "${context}"
}

# Stops the running version: its generator first (the new one continues the id sequence), then, once the pipeline's
# own queues are empty, the whole group and its services. What is stopped is recorded for a rollback.
stop_old_version() {
    local old="$1" flow_json generator next_id=""
    flow_json="$(request GET "/flow/process-groups/${old}")" || fail_http 7 "cannot read process group ${old}"
    update_group "${old}" "${GROUP_NAME}" "${REPLACING_MARK} ${new_group_id}"
    old_group="${old}"
    while read -r generator; do
        [[ -z "${generator}" ]] && continue
        old_generators+=("${generator}")
        next_id="$(stop_generator "${generator}")"
        log "stopped generator ${generator} of the running version (next customer id: ${next_id:-none issued})"
    done < <(jq -r --arg t "${GENERATOR_TYPE}" "${GENERATOR_IDS}" <<<"${flow_json}")
    continue_id_sequence "${next_id}"
    if ! (wait_until "${drain_timeout}" "the running version's queues to drain" pipeline_drained "${old}"); then
        die 7 "the running version (${old}) still holds FlowFiles in its pipeline after ${drain_timeout}s: $(describe_queues "${old}" all)"
    fi
    old_stopped=true
    set_group_state "${old}" STOPPED
    wait_until "${timeout}" "every processor of ${old} to stop" fully_stopped "${old}"
    old_disabled=true
    set_services "${old}" DISABLED
}

# The replaced version goes, or, while FlowFiles are parked for attention in it, stays stopped as a retired group.
finish_old_version() {
    local old="$1" parked stamp
    parked="$(describe_queues "${old}" parked)"
    if [[ -z "${parked}" ]]; then
        remove_group "${old}"
        return
    fi
    stamp="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    update_group "${old}" "${GROUP_NAME} (retired ${stamp})" \
        "customertrack-deploy: retired ${stamp}, holds FlowFiles that need attention; remove with --remove-retired once empty"
    log "the previous version ${old} holds FlowFiles parked for attention: ${parked}. It stays stopped as '${GROUP_NAME} (retired ${stamp})'; empty those queues, then run with --remove-retired"
}

# Undoes an unfinished run: removes the group and context it created, restarts what it stopped.
# Each part runs in a subshell of its own: a failure in one (reported by die) does not skip the other.
rollback() {
    local complete=true
    if [[ -n "${new_group_id}" ]]; then
        log "rolling back: removing the process group ${new_group_id} this run created"
        (remove_group "${new_group_id}"
         [[ -z "${context_id}" ]] || ! request GET "/parameter-contexts/${context_id}" >/dev/null || delete_context "${context_id}") \
            || complete=false
    fi
    if [[ -n "${old_group}" ]]; then
        (restore_group "${old_group}") || complete=false
    fi
    [[ "${complete}" == true ]]
}

# restore_group GROUP: the running version as it was before this (or an interrupted) run began to replace it.
restore_group() {
    local generator
    update_group "$1" "${GROUP_NAME}" ""
    if [[ "${old_disabled}" == true || "${old_stopped}" == true || ${#old_generators[@]} == 0 ]]; then
        # Also the way back for a group an interrupted run left behind, whose state this run does not know.
        set_services "$1" ENABLED
        set_group_state "$1" RUNNING
    else
        for generator in "${old_generators[@]}"; do
            start_processor "${generator}"
            log "restarted generator ${generator}"
        done
    fi
    log "restored the running version $1"
}

on_exit() {
    local status=$?
    trap - EXIT
    if (( status != 0 )) && [[ "${committed}" != true && ( -n "${new_group_id}" || -n "${old_group}" ) ]]; then
        rollback || log "the rollback did not complete; a later run cleans up what is left"
    fi
    rm -rf "${work_dir}"
    exit "${status}"
}

# Test hook: CUSTOMERTRACK_DEPLOY_FAIL_AFTER=STEP makes the run fail after STEP (import, stop), as a NiFi error would.
fail_point() {
    [[ "${CUSTOMERTRACK_DEPLOY_FAIL_AFTER:-}" != "$1" ]] || die 7 "failing after '$1' (CUSTOMERTRACK_DEPLOY_FAIL_AFTER)"
}

# groups_where JQ_CONDITION: ids of the root's process groups matching the condition on .component.
groups_where() {
    root_flow | jq -r --arg n "${GROUP_NAME}" --arg d "${DEPLOYING_NAME}" --arg m "${REPLACING_MARK}" --arg s "${STARTING_MARK}" \
        ".processGroupFlow.flow.processGroups[] | select(.component | $1) | .id"
}
# shellcheck disable=SC2016
ACTIVE='.name == $n and ((.comments // "") | startswith($m) | not)'
# shellcheck disable=SC2016
REPLACING='.name == $n and ((.comments // "") | startswith($m))'
# shellcheck disable=SC2016
RETIRED='.name | startswith($n + " (retired ")'
# shellcheck disable=SC2016
DEPLOYING='.name == $d'
# shellcheck disable=SC2016
STARTING='.name == $n and ((.comments // "") | startswith($s))'

# Converges after a run that was killed: its "deploying" group goes; a version it was replacing is restored, or, when
# the replacement had already taken over, retired as the run would have done; a new version it had not started yet
# is started; parameter contexts of former deployments ("CustomerTrack <version> <time>") that no group uses go.
recover() {
    local group replacement
    while read -r group; do
        [[ -z "${group}" ]] && continue
        log "removing process group ${group} left by an interrupted deployment"
        remove_group "${group}"
    done < <(groups_where "${DEPLOYING}")
    while read -r group; do
        [[ -z "${group}" ]] && continue
        replacement="$(request GET "/process-groups/${group}" | jq -r --arg m "${REPLACING_MARK} " '.component.comments | split("\n")[0] | ltrimstr($m)')"
        if grep -qxF "${replacement}" <<<"$(groups_where "${ACTIVE}")"; then
            log "finishing the interrupted replacement of ${group} by ${replacement}"
            set_group_state "${group}" STOPPED
            wait_until "${timeout}" "every processor of ${group} to stop" fully_stopped "${group}"
            set_services "${group}" DISABLED
            finish_old_version "${group}"
        else
            log "restoring ${group}, which an interrupted deployment was replacing"
            restore_group "${group}"
        fi
    done < <(groups_where "${REPLACING}")
    while read -r group; do
        [[ -z "${group}" ]] && continue
        log "starting ${group}, which an interrupted deployment had not started yet"
        set_services "${group}" ENABLED
        set_group_state "${group}" RUNNING
        update_group "${group}" "${GROUP_NAME}" ""
    done < <(groups_where "${STARTING}")
    local contexts
    contexts="$(request GET /flow/parameter-contexts)" || fail_http 7 "cannot list parameter contexts"
    while read -r group; do
        [[ -z "${group}" ]] && continue
        log "removing parameter context ${group}, left unused by an interrupted deployment"
        delete_context "${group}"
    done < <(jq -r --arg p "${GROUP_NAME} " '.parameterContexts[] | select((.component.name // "") | startswith($p))
        | select((.component.boundProcessGroups // []) | length == 0) | .id' <<<"${contexts}")
}

remove_retired_groups() {
    local group parked
    while read -r group; do
        [[ -z "${group}" ]] && continue
        parked="$(describe_queues "${group}" all)"
        if [[ -n "${parked}" ]]; then
            log "keeping retired group ${group}: it still holds ${parked}"
        else
            remove_group "${group}"
        fi
    done < <(groups_where "${RETIRED}")
}

[[ "${remove_retired}" == true ]] || check_parameter_names
authenticate
root="$(root_flow)"
root_id="$(jq -r '.processGroupFlow.id' <<<"${root}")"
ensure_policies "${root_id}"
recover
if [[ "${remove_retired}" == true ]]; then
    remove_retired_groups
    exit 0
fi
existing="$(groups_where "${ACTIVE}")"
if (( $(grep -c . <<<"${existing}") > 1 )); then
    die 9 "more than one active '${GROUP_NAME}' process group: $(tr '\n' ' ' <<<"${existing}")- keep one (delete or rename the others), then run again"
fi
if [[ -n "${existing}" && "${if_absent}" == true ]]; then
    log "a '${GROUP_NAME}' process group (${existing}) is already deployed; leaving it as it is (--if-absent)"
    exit 0
fi
if [[ -n "${existing}" && "${replace}" != true ]]; then
    die 7 "a '${GROUP_NAME}' process group (${existing}) is already deployed; run with --replace to replace it"
fi
if [[ "${skip_nar}" == true ]]; then
    loaded_bundle_version
    log "skipping the NAR upload (--skip-nar); using the loaded bundle ${bundle_version}"
else
    upload_nar
fi
import_flow "${root_id}"
set_parameters
add_key_password_property
set_services "${new_group_id}" ENABLED
fail_point import
if [[ -n "${existing}" ]]; then
    stop_old_version "${existing}"
fi
fail_point stop
update_group "${new_group_id}" "${GROUP_NAME}" "${STARTING_MARK}"
committed=true
if [[ -n "${existing}" ]]; then
    finish_old_version "${existing}"
fi
set_group_state "${new_group_id}" RUNNING
update_group "${new_group_id}" "${GROUP_NAME}" ""
log "CustomerTrack is running as process group ${new_group_id}"
