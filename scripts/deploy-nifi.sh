#!/usr/bin/env bash
# Deploys CustomerTrack to a running NiFi 2.x (standalone or cluster) through its REST API. Builds nothing.
#
#   scripts/deploy-nifi.sh --url https://nifi-1:8443 --nar nifi-customertrack-nar/target/nifi-customertrack-nar-<v>.nar \
#       [--flow flows/customertrack/customertrack-pipeline.json] [--parameters params.properties] [--replace]
#       [--cacert docker-ca.pem | --insecure] [--timeout 300] [--drain-timeout 900] [--skip-nar]
#
# Credentials: NIFI_USERNAME / NIFI_PASSWORD (single-user login). Parameter values: a properties file of
# name=value lines and/or environment variables CUSTOMERTRACK_PARAM_<NAME> (NAME = parameter name upper-cased with
# dots as underscores, e.g. CUSTOMERTRACK_PARAM_S3_BUCKET for s3.bucket); the environment wins.
#
# Steps: log in; upload the NAR to the NAR Manager and wait until it is installed; import the flow definition as a
# new process group; set parameter values; enable its controller services; with --replace, retire the running
# version safely (stop its generator, wait until its queues are empty, stop it, disable its services, delete it);
# start the new group. Exit codes: 2 usage, 3 NiFi unreachable, 4 bad credentials, 5 NAR rejected, 6 unknown
# parameter, 7 other NiFi error or time-out. --skip-nar leaves the NAR alone, for NiFi instances that already load it
# from their autoload directory (the docker/ stack mounts it there).
set -euo pipefail

GROUP_NAME="CustomerTrack"
GENERATOR_TYPE="io.customertrack.nifi.processors.GenerateFakeCustomer"
url="" nar="" flow="flows/customertrack/customertrack-pipeline.json" parameters_file="" replace=false skip_nar=false
timeout=300 drain_timeout=900 poll_interval="${CUSTOMERTRACK_POLL_INTERVAL:-2}"
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
        --cacert) curl_tls=(--cacert "$2"); shift 2 ;;
        --insecure) curl_tls=(--insecure); shift ;;
        --timeout) timeout="$2"; shift 2 ;;
        --drain-timeout) drain_timeout="$2"; shift 2 ;;
        -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
        *) die 2 "unknown option '$1' (see --help)" ;;
    esac
done
[[ -n "${url}" ]] || die 2 "--url is required"
[[ "${skip_nar}" == true || ( -n "${nar}" && -f "${nar}" ) ]] || die 2 "--nar must name an existing NAR file (build it with ./mvnw package)"
[[ -f "${flow}" ]] || die 2 "flow definition '${flow}' not found"
[[ -z "${parameters_file}" || -f "${parameters_file}" ]] || die 2 "parameters file '${parameters_file}' not found"
: "${NIFI_USERNAME:?set NIFI_USERNAME}" "${NIFI_PASSWORD:?set NIFI_PASSWORD}"
command -v jq >/dev/null || die 2 "jq is required"

api="${url}/nifi-api"
token=""
client_id="customertrack-deploy-$$"
response_file="$(mktemp)"
trap 'rm -f "${response_file}"' EXIT

# request METHOD PATH [curl args...]: prints the body; fails with a clear message on transport or HTTP errors.
request() {
    local method="$1" path="$2"; shift 2
    local status
    local auth=()
    [[ -n "${token}" ]] && auth=(-H "Authorization: Bearer ${token}")
    if ! status="$(curl -sS "${curl_tls[@]}" -o "${response_file}" -w '%{http_code}' -X "${method}" \
            "${auth[@]}" "$@" "${api}${path}" 2>&1)"; then
        die 3 "NiFi unreachable at ${url}: ${status}"
    fi
    if [[ "${status}" -ge 400 ]]; then
        HTTP_STATUS="${status}"
        return 1
    fi
    cat "${response_file}"
}

# fail_http CODE MESSAGE, called as `x="$(request ...)" || fail_http ...`: request inside $(...) can only exit its
# subshell, so a transport failure (already reported, status 3) is passed on here rather than re-labelled.
fail_http() {
    local status=$?
    (( status == 3 )) && exit 3
    die "$1" "$2 (HTTP ${HTTP_STATUS:-?}): $(head -c 500 "${response_file}")"
}

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

login() {
    token="$(request POST /access/token --data-urlencode "username=${NIFI_USERNAME}" \
            --data-urlencode "password=${NIFI_PASSWORD}")" \
        || fail_http 4 "bad credentials for user '${NIFI_USERNAME}' (or single-user login is not enabled)"
    [[ -n "${token}" ]] || die 4 "NiFi returned an empty access token"
    log "logged in as ${NIFI_USERNAME}"
}

nar_installed() {
    local summary state
    summary="$(request GET "/controller/nar-manager/nars/${nar_id}")" || fail_http 7 "cannot read the NAR's state"
    state="$(jq -r '.narSummary.state' <<<"${summary}")"
    case "${state}" in
        INSTALLED) return 0 ;;
        FAILED|MISSING_DEPENDENCY) die 5 "NAR rejected (${state}): $(jq -r '.narSummary.failureMessage // "no message"' <<<"${summary}")" ;;
        *) return 1 ;;
    esac
}

upload_nar() {
    local summary
    summary="$(request POST /controller/nar-manager/nars/content -H 'Content-Type: application/octet-stream' \
        -H "Filename: $(basename "${nar}")" --data-binary "@${nar}")" || fail_http 5 "NAR rejected on upload"
    nar_id="$(jq -r '.narSummary.identifier' <<<"${summary}")"
    log "uploaded $(basename "${nar}") as NAR ${nar_id}; waiting for installation"
    wait_until "${timeout}" "the NAR to be installed" nar_installed
    log "NAR installed"
}

root_flow() { request GET /flow/process-groups/root || fail_http 7 "cannot read the root process group"; }

import_flow() {
    local root_id="$1" entity
    entity="$(request POST "/process-groups/${root_id}/process-groups/upload" \
        -F "groupName=${GROUP_NAME}" -F "positionX=0" -F "positionY=0" -F "clientId=${client_id}" \
        -F "disconnectedNodeAcknowledged=false" -F "file=@${flow};type=application/json")" \
        || fail_http 7 "flow import rejected"
    new_group_id="$(jq -r '.id' <<<"${entity}")"
    context_id="$(jq -r '.component.parameterContext.id // empty' <<<"${entity}")"
    [[ -n "${context_id}" ]] || die 7 "imported group ${new_group_id} has no parameter context"
    log "imported ${flow} as process group ${new_group_id} (parameter context ${context_id})"
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

set_parameters() {
    collect_parameters
    (( ${#wanted[@]} > 0 )) || { log "no parameter values given; keeping the context's values"; return; }
    local context known name updates="[]"
    context="$(request GET "/parameter-contexts/${context_id}")" || fail_http 7 "cannot read the parameter context"
    known="$(jq -r '.component.parameters[].parameter.name' <<<"${context}")"
    for name in "${!wanted[@]}"; do
        grep -qxF "${name}" <<<"${known}" || die 6 "unknown parameter '${name}'; the flow defines: $(tr '\n' ' ' <<<"${known}")"
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

retire_group() {
    local old="$1" flow_json generator
    flow_json="$(request GET "/flow/process-groups/${old}")" || fail_http 7 "cannot read process group ${old}"
    # Stop the source first so the rest of the old version can finish what is already in flight.
    while read -r generator; do
        [[ -z "${generator}" ]] && continue
        local revision
        revision="$(jq -c --arg id "${generator}" '.processGroupFlow.flow.processors[] | select(.id == $id) | .revision' <<<"${flow_json}")"
        json_request PUT "/processors/${generator}/run-status" \
            "$(jq -n --argjson r "${revision}" '{revision: $r, state: "STOPPED", disconnectedNodeAcknowledged: false}')" >/dev/null \
            || fail_http 7 "cannot stop generator ${generator}"
        log "stopped generator ${generator} of the running version"
    done < <(jq -r --arg t "${GENERATOR_TYPE}" '.processGroupFlow.flow.processors[] | select(.component.type == $t) | .id' <<<"${flow_json}")
    if ! (wait_until "${drain_timeout}" "the running version's queues to drain" queues_empty "${old}"); then
        die 7 "the running version (${old}) still holds FlowFiles after ${drain_timeout}s; nothing was deleted. Resolve them, then run again with --replace"
    fi
    set_group_state "${old}" STOPPED
    set_services "${old}" DISABLED
    local version
    version="$(request GET "/process-groups/${old}" | jq -r '.revision.version')" || fail_http 7 "cannot read ${old}"
    request DELETE "/process-groups/${old}?version=${version}&clientId=${client_id}&disconnectedNodeAcknowledged=false" >/dev/null \
        || fail_http 7 "cannot delete the previous version ${old}"
    log "removed the previous version ${old}"
}

login
root="$(root_flow)"
root_id="$(jq -r '.processGroupFlow.id' <<<"${root}")"
existing="$(jq -r --arg n "${GROUP_NAME}" '.processGroupFlow.flow.processGroups[] | select(.component.name == $n) | .id' <<<"${root}")"
if [[ -n "${existing}" && "${replace}" != true ]]; then
    die 7 "a '${GROUP_NAME}' process group (${existing}) is already deployed; run with --replace to replace it"
fi
if [[ "${skip_nar}" == true ]]; then
    log "skipping the NAR upload (--skip-nar)"
else
    upload_nar
fi
import_flow "${root_id}"
set_parameters
set_services "${new_group_id}" ENABLED
if [[ -n "${existing}" ]]; then
    retire_group "${existing}"
fi
set_group_state "${new_group_id}" RUNNING
log "CustomerTrack is running as process group ${new_group_id}"
