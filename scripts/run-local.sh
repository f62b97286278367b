#!/usr/bin/env bash
# The whole pipeline on this machine, without Docker or a cloud account: starts a secured sandbox NiFi
# (scripts/nifi-sandbox.sh), deploys the local flow (scripts/local-flow.sh, scripts/deploy-nifi.sh) with a DuckDB
# warehouse, runs it, then prints the SCD1/SCD2 row counts, one customer's history and the freshness figure, and
# stops everything it started.
#
#   scripts/run-local.sh [--seconds 120] [--work DIR]
#
# Needs a JDK 21+, curl, jq and openssl; the Maven wrapper builds the NARs and assembles NiFi on first use.
# The work directory keeps the NiFi home, the landing and quarantine folders and warehouse.duckdb afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=120 work="${TMPDIR:-/tmp}/customertrack-local-$(date +%Y%m%d-%H%M%S)"
while (( $# > 0 )); do
    case "$1" in
        --seconds) seconds="$2"; shift 2 ;;
        --work) work="$2"; shift 2 ;;
        -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
        *) echo "run-local: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
done
[[ "${seconds}" =~ ^[0-9]+$ ]] || { echo "run-local: --seconds takes a whole number" >&2; exit 2; }
for tool in curl jq openssl; do
    command -v "${tool}" >/dev/null || { echo "run-local: ${tool} is required (e.g. apt-get install ${tool})" >&2; exit 2; }
done
# shellcheck source=scripts/lib/jdk.sh
source scripts/lib/jdk.sh
use_jdk21
exec ./mvnw -q -B -DskipTests -Plocal-run -pl nifi-customertrack-sandbox -am package "-Dlocal.run.args=run ${seconds} ${work}"
