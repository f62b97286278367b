#!/usr/bin/env bash
# Writes the local variant of the CustomerTrack flow to standard output, generated from the flow in flows/ (the
# source of truth) for a NiFi without S3 and a warehouse on this machine:
#   - the two PutS3Object processors become PutFile into #{local.landing.directory} and #{local.quarantine.directory},
#     and the AWS credentials service goes (PutFile replaces an existing file: after a crash NiFi replays the
#     FlowFile that wrote it, with the same content, and "fail" would strand that file unloaded);
#   - TriggerSnowflakeMerge finds a file by its path (PutFile writes no s3.key) and loads it with a statement of the
#     same shape as the pipe's COPY that the warehouse can run on a local file (flows/local/<warehouse>-copy.sql);
#   - with --warehouse duckdb the connection service uses DuckDB's driver; with fakesnow (the Docker local profile) it
#     keeps snowflake-jdbc and logs in with a password, which fakesnow accepts whatever it is, instead of a key;
#   - the merge cadence, parameter snowflake.merge.schedule, defaults to 5 sec (production: 30 sec, docs/operations/cost.md):
#     a local warehouse costs nothing to keep busy, and the local freshness figures (BENCHMARKS.md) are measured at it.
# Everything else (processors, services, schedules, connections, parameters) is the production flow unchanged.
#
#   scripts/local-flow.sh [--flow flows/customertrack/customertrack-pipeline.json] [--warehouse duckdb|fakesnow]
#                         [--copy-dir DIR]
# --copy-dir: where <warehouse>-copy.sql is (default flows/local, the default declaration's); for another declaration,
# the local/ folder scripts/render-sql.sh writes.
set -euo pipefail

flow="$(dirname "$0")/../flows/customertrack/customertrack-pipeline.json"
warehouse=duckdb
copy_dir="$(dirname "$0")/../flows/local"
while (( $# > 0 )); do
    case "$1" in
        --flow) flow="$2"; shift 2 ;;
        --warehouse) warehouse="$2"; shift 2 ;;
        --copy-dir) copy_dir="$2"; shift 2 ;;
        -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
        *) echo "local-flow: unknown option '$1'" >&2; exit 2 ;;
    esac
done
[[ "${warehouse}" == duckdb || "${warehouse}" == fakesnow ]] || { echo "local-flow: --warehouse must be duckdb or fakesnow" >&2; exit 2; }
command -v jq >/dev/null || { echo "local-flow: jq is required" >&2; exit 2; }
[[ -f "${flow}" ]] || { echo "local-flow: flow definition '${flow}' not found" >&2; exit 2; }

# TriggerSnowflakeMerge's COPY for DuckDB, of the same shape as the pipe's: source_file is the path, rows numbered
# per file, the CSV dialect of the flow's writer (double quotes, quotes inside doubled, no escape character).
copy_statement="${copy_dir}/${warehouse}-copy.sql"
[[ -f "${copy_statement}" ]] || { echo "local-flow: COPY statement '${copy_statement}' not found" >&2; exit 2; }

jq --arg warehouse "${warehouse}" --rawfile copy_statement "${copy_statement}" '
    def standard_bundle: {group: "org.apache.nifi", artifact: "nifi-standard-nar",
                          version: ([.. | objects | select(.group? == "org.apache.nifi") | .version] | first)};
    def parameter($name; $value; $description):
        {name: $name, description: $description, sensitive: false, provided: false, value: $value};
    (standard_bundle) as $standard
    | (.flowContents.controllerServices[] | select(.type | endswith("AWSCredentialsProviderControllerService")) | .identifier) as $aws
    | .flowContents.controllerServices |= map(select(.identifier != $aws))
    | .flowContents.processors |= map(
        if .type == "org.apache.nifi.processors.aws.s3.PutS3Object" then
            .type = "org.apache.nifi.processors.standard.PutFile"
            | .bundle = $standard
            | .name = (.name | sub("to S3"; "to a local folder"))
            | .properties = {
                "Directory": (if (.properties["Object Key"] | startswith("#{s3.quarantine.prefix}"))
                              then "#{local.quarantine.directory}" else "#{local.landing.directory}" end),
                "Conflict Resolution Strategy": "replace",
                "Create Missing Directories": "true"}
            | .propertyDescriptors = {}
        elif .type == "io.customertrack.nifi.processors.TriggerSnowflakeMerge" then
            .properties["Staged File Name"] = "#{local.landing.directory}/${filename}"
            | .properties["Copy Statement"] = $copy_statement
        else . end)
    | if $warehouse == "duckdb" then
        .flowContents.controllerServices |= map(
            if .type == "org.apache.nifi.dbcp.DBCPConnectionPool" then
                .properties = {
                    "Database Connection URL": "#{snowflake.jdbc.url}",
                    "Database Driver Class Name": "org.duckdb.DuckDBDriver",
                    "database-driver-locations": "#{snowflake.jdbc.driver.location}",
                    "Max Total Connections": "1",
                    "Validation-query": "SELECT 1",
                    "autoinstall_known_extensions": "false",
                    "autoload_known_extensions": "false"}
                | .propertyDescriptors = {}
            else . end)
      else
        .flowContents.controllerServices |= map(
            if .type == "org.apache.nifi.dbcp.DBCPConnectionPool" then
                .properties |= (del(.private_key_file) + {"password": "fakesnow", "Max Total Connections": "1"})
                | .propertyDescriptors |= del(.private_key_file)
            else . end)
      end
    | .parameterContexts[.flowContents.parameterContextName].parameters |=
        map(if .name == "snowflake.merge.schedule" then .value = "5 sec" else . end)
    | .parameterContexts[.flowContents.parameterContextName].parameters += [
        parameter("local.landing.directory"; "/tmp/customertrack/landing"; "Folder PutFile lands valid files in; the warehouse loads them from there"),
        parameter("local.quarantine.directory"; "/tmp/customertrack/quarantine"; "Folder for invalid records, with their validation_errors")]
' "${flow}"
