#!/usr/bin/env bash
# Deploys CustomerTrack to a running NiFi 2.x (standalone or cluster) through its REST API. Builds nothing.
#
#   scripts/deploy-nifi.sh --url https://nifi-1:8443 --nar nifi-customertrack-nar/target/nifi-customertrack-nar-<v>.nar \
#       [--flow flows/customertrack/customertrack-pipeline.json] [--parameters params.properties] [--replace]
#       [--cacert ca.pem | --insecure] [--cert client.pem --key client.key | --cert client.p12 --cert-type P12]
#       [--timeout 300] [--drain-timeout 900] [--skip-nar [--bundle-version V]] [--if-absent]
#
# Authentication: a client certificate (--cert/--key as PEM, or --cert-type P12 with the password in
# NIFI_CLIENT_CERT_PASSWORD), or username/password login with NIFI_USERNAME / NIFI_PASSWORD. Plain-HTTP NiFi needs
# neither. Parameter values: a properties file of name=value lines and/or environment variables
# CUSTOMERTRACK_PARAM_<NAME> (NAME = parameter name upper-cased with dots as underscores, e.g.
# CUSTOMERTRACK_PARAM_S3_BUCKET for s3.bucket); the environment wins.
#
# Steps: authenticate; grant the user the policies a deployment needs when NiFi lets it (a fresh secured NiFi gives
# its initial admin none on the root process group or parameter contexts); upload the NAR to the NAR Manager and
# wait until it is installed; import the flow definition as a new process group, pinned to the deployed NAR's
# version and with a parameter context of its own; set parameter values; enable its controller services; with
# --replace, retire the running version safely (stop its generator and carry its customer id sequence over, wait
# until its queues are empty, stop it and wait for its threads, disable its services, delete it and its parameter
# context); start the new group.
# Exit codes: 2 usage, 3 NiFi unreachable, 4 credentials or certificate rejected, 5 NAR rejected, 6 unknown
# parameter, 7 other NiFi error or time-out, 8 TLS failure (server certificate not trusted, client certificate
# or CA file unusable). --skip-nar leaves the NAR alone, for NiFi instances that already load it from their
# autoload directory (the docker/ stack mounts it there). --if-absent exits 0 and changes nothing when a CustomerTrack
# group exists already (the Docker local profile's deploy service runs on every `up`).
set -euo pipefail

GROUP_NAME="CustomerTrack"
BUNDLE_GROUP="io.customertrack"
BUNDLE_ARTIFACT="nifi-customertrack-nar"
GENERATOR_TYPE="io.customertrack.nifi.processors.GenerateFakeCustomer"
url="" nar="" flow="flows/customertrack/customertrack-pipeline.json" parameters_file="" replace=false skip_nar=false if_absent=false
bundle_version="" timeout=300 drain_timeout=900 poll_interval="${CUSTOMERTRACK_POLL_INTERVAL:-2}"
cacert="" insecure=false cert="" key="" cert_type=PEM
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
        -h|--help) sed -n '2,29p' "$0"; exit 0 ;;
        *) die 2 "unknown option '$1' (see --help)" ;;
    esac
done
for tool in curl jq; do
    command -v "${tool}" >/dev/null || die 2 "${tool} is required (e.g. apt-get install ${tool})"
done
[[ -n "${url}" ]] || die 2 "--url is required"
[[ "${if_absent}" == true && "${replace}" == true ]] && die 2 "--if-absent and --replace exclude each other"
[[ "${skip_nar}" == true || ( -n "${nar}" && -f "${nar}" ) ]] || die 2 "--nar must name an existing NAR file (build it with ./mvnw package)"
[[ -f "${flow}" ]] || die 2 "flow definition '${flow}' not found"
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
        curl_tls+=(--cert-type P12 --cert "${cert}:${NIFI_CLIENT_CERT_PASSWORD:-}")
    else
        [[ -n "${key}" && -f "${key}" ]] || die 2 "--cert as PEM needs --key with the private key file"
        curl_tls+=(--cert "${cert}" --key "${key}")
    fi
fi

api="${url}/nifi-api"
token=""
client_id="customertrack-deploy-$$"
work_dir="$(mktemp -d)"
response_file="${work_dir}/response"
status_file="${work_dir}/status"
trap 'rm -rf "${work_dir}"' EXIT

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
    local auth=()
    [[ -n "${token}" ]] && auth=(-H "Authorization: Bearer ${token}")
    status="$(curl -sS "${curl_tls[@]}" -o "${response_file}" -w '%{http_code}' -X "${method}" \
            "${auth[@]}" "$@" "${api}${path}" 2>&1)" || code=$?
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

json_request() {
    local method="$1" path="$2" body="$3"
    request "${method}" "${path}" -H 'Content-Type: application/json' --data-binary "${body}"
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
        token="$(request POST /access/token --data-urlencode "username=${NIFI_USERNAME}" \
                --data-urlencode "password=${NIFI_PASSWORD}")" \
            || fail_http 4 "login rejected for user '${NIFI_USERNAME}' (or this NiFi has no username/password login)"
        [[ -n "${token}" ]] || die 4 "NiFi returned an empty access token"
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
        -F "groupName=${GROUP_NAME}" -F "positionX=0" -F "positionY=0" -F "clientId=${client_id}" \
        -F "disconnectedNodeAcknowledged=false" -F "file=@${work_dir}/flow.json;type=application/json")" \
        || fail_http 7 "flow import rejected"
    new_group_id="$(jq -r '.id' <<<"${entity}")"
    context_id="$(jq -r '.component.parameterContext.id // empty' <<<"${entity}")"
    [[ -n "${context_id}" ]] || die 7 "imported group ${new_group_id} has no parameter context"
    log "imported ${flow} (bundle ${bundle_version}) as process group ${new_group_id} with parameter context '${context_name}'"
}

# Collects name=value pairs from the file, then the environment (which wins).
collect_parameters() {
    local line name value
    declare -gA wanted=()
    if [[ -n "${parameters_file}" ]]; then
        while IFS= read -r line || [[ -n "${line}" ]]; do
            [[ -z "${line}" || "${line}" == \#* ]] && continue
            [[ "${line}" == *=* ]] || die 2 "parameters file: '${line}' is not name=value"
            name="${line%%=*}"; value="${line#*=}"
            wanted["${name}"]="${value}"
        done < "${parameters_file}"
    fi
    while IFS='=' read -r name value; do
        name="${name#CUSTOMERTRACK_PARAM_}"
        name="${name,,}"
        wanted["${name//_/.}"]="${value}"
    done < <(env | grep '^CUSTOMERTRACK_PARAM_' || true)
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
    for name in "${!wanted[@]}"; do
        updates="$(jq --arg n "${name}" --arg v "${wanted[${name}]}" --argjson ctx "${context}" \
            '. + [{parameter: {name: $n, value: $v,
                   sensitive: ($ctx.component.parameters[] | select(.parameter.name == $n) | .parameter.sensitive)}}]' <<<"${updates}")"
    done
    local body submitted
    body="$(jq --argjson p "${updates}" '{id: .id, revision: .revision, component: {id: .id, parameters: $p}}' <<<"${context}")"
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
    [[ -n "${wanted[snowflake.private.key.password]:-}" ]] || return 0
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

queues_empty() {
    local status
    status="$(request GET "/flow/process-groups/$1/status")" || fail_http 7 "cannot read the status of $1"
    [[ "$(jq -r '.processGroupStatus.aggregateSnapshot.flowFilesQueued' <<<"${status}")" == "0" ]]
}

# Stopping is asynchronous: services can be disabled only once no processor runs and no thread is active.
fully_stopped() {
    local group status
    group="$(request GET "/flow/process-groups/$1")" || fail_http 7 "cannot read process group $1"
    status="$(request GET "/flow/process-groups/$1/status")" || fail_http 7 "cannot read the status of $1"
    jq -e 'all(.processGroupFlow.flow.processors[]; .component.state != "RUNNING" and .component.state != "STARTING")' <<<"${group}" >/dev/null \
        && [[ "$(jq -r '.processGroupStatus.aggregateSnapshot.activeThreadCount' <<<"${status}")" == "0" ]]
}

# Stops the old generator and returns the next customer id it would issue (empty when it never ran).
stop_generator() {
    local generator="$1" revision state
    revision="$(request GET "/processors/${generator}" | jq -c '.revision')" || fail_http 7 "cannot read generator ${generator}"
    json_request PUT "/processors/${generator}/run-status" \
        "$(jq -n --argjson r "${revision}" '{revision: $r, state: "STOPPED", disconnectedNodeAcknowledged: false}')" >/dev/null \
        || fail_http 7 "cannot stop generator ${generator}"
    wait_until "${timeout}" "generator ${generator} to stop" generator_stopped "${generator}"
    state="$(request GET "/processors/${generator}/state")" || fail_http 7 "cannot read the state of generator ${generator}"
    jq -r '[.componentState.clusterState.state[]?, .componentState.localState.state[]?]
        | map(select(.key == "customer.id.next") | .value) | first // empty' <<<"${state}"
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

retire_group() {
    local old="$1" flow_json generator next_id="" old_context
    flow_json="$(request GET "/flow/process-groups/${old}")" || fail_http 7 "cannot read process group ${old}"
    old_context="$(request GET "/process-groups/${old}" | jq -r '.component.parameterContext.id // empty')" || fail_http 7 "cannot read ${old}"
    # Stop the source first so the rest of the old version can finish what is already in flight.
    while read -r generator; do
        [[ -z "${generator}" ]] && continue
        next_id="$(stop_generator "${generator}")"
        log "stopped generator ${generator} of the running version (next customer id: ${next_id:-none issued})"
    done < <(jq -r --arg t "${GENERATOR_TYPE}" '.processGroupFlow.flow.processors[] | select(.component.type == $t) | .id' <<<"${flow_json}")
    continue_id_sequence "${next_id}"
    if ! (wait_until "${drain_timeout}" "the running version's queues to drain" queues_empty "${old}"); then
        die 7 "the running version (${old}) still holds FlowFiles after ${drain_timeout}s; nothing was deleted. Resolve them, then run again with --replace"
    fi
    set_group_state "${old}" STOPPED
    wait_until "${timeout}" "every processor of ${old} to stop" fully_stopped "${old}"
    set_services "${old}" DISABLED
    local version
    version="$(request GET "/process-groups/${old}" | jq -r '.revision.version')" || fail_http 7 "cannot read ${old}"
    request DELETE "/process-groups/${old}?version=${version}&clientId=${client_id}&disconnectedNodeAcknowledged=false" >/dev/null \
        || fail_http 7 "cannot delete the previous version ${old}"
    log "removed the previous version ${old}"
    if [[ -n "${old_context}" && "${old_context}" != "${context_id}" ]]; then
        local context
        context="$(request GET "/parameter-contexts/${old_context}")" || fail_http 7 "cannot read parameter context ${old_context}"
        if jq -e '(.component.boundProcessGroups // []) | length == 0' <<<"${context}" >/dev/null; then
            request DELETE "/parameter-contexts/${old_context}?version=$(jq -r '.revision.version' <<<"${context}")&clientId=${client_id}&disconnectedNodeAcknowledged=false" >/dev/null \
                || fail_http 7 "cannot delete the previous parameter context ${old_context}"
            log "removed the previous parameter context ${old_context}"
        fi
    fi
}

check_parameter_names
authenticate
root="$(root_flow)"
root_id="$(jq -r '.processGroupFlow.id' <<<"${root}")"
ensure_policies "${root_id}"
root="$(root_flow)"
existing="$(jq -r --arg n "${GROUP_NAME}" '.processGroupFlow.flow.processGroups[] | select(.component.name == $n) | .id' <<<"${root}")"
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
if [[ -n "${existing}" ]]; then
    retire_group "${existing}"
fi
set_group_state "${new_group_id}" RUNNING
log "CustomerTrack is running as process group ${new_group_id}"
