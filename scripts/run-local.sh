#!/usr/bin/env bash
# The whole pipeline on this machine, without Docker or a cloud account: starts a secured sandbox NiFi
# (scripts/nifi-sandbox.sh), deploys the local flow (scripts/local-flow.sh, scripts/deploy-nifi.sh) with a DuckDB
# warehouse, runs it, then prints the SCD1/SCD2 row counts, one customer's history and the freshness figure, and
# stops everything it started. A failed step is named, with NiFi's bulletins and the end of its log (exit 1).
#
#   scripts/run-local.sh [options]
#     --seconds N            how long the generator runs (default 120)
#     --records-per-file N   generator records per FlowFile (default 200; 1000 with --freshness)
#     --schedule PERIOD      generator run schedule, a NiFi time period (default "1 sec"; "2 sec" with --freshness)
#     --work DIR             where the NiFi home, landing and quarantine folders and warehouse.duckdb go
#                            (default: a new customertrack-local-<date>-<time> under $TMPDIR or /tmp)
#     --declaration FILE     your own attributes (docs/attributes.md): the warehouse, the flow's COPY and the
#                            parameter customertrack.declaration follow it (default: the default declaration)
#     --freshness FILES      instead of a timed run: run until FILES files landed, print freshness p50/p95
#     --throughput           instead of a timed run: raise the rate in steps of 60 s until freshness p95
#                            reaches 10 s, print each step and the highest rate that kept p95 under 10 s
#   CUSTOMERTRACK_PARAM_<NAME> sets the flow parameter <name> (lower case, underscores as dots), as for
#   scripts/deploy-nifi.sh; it wins over the options above.
#
# Needs a JDK 21+, curl, jq and openssl; the Maven wrapper builds the NARs and assembles NiFi on first use.
set -euo pipefail
# Paths the caller gives are read from the caller's folder, not from the repository's, where the run goes.
arguments=()
previous=""
for argument in "$@"; do
    if [[ ( "${previous}" == --declaration || "${previous}" == --work ) && "${argument}" != /* ]]; then
        argument="${PWD}/${argument}"
    fi
    arguments+=("${argument}")
    previous="${argument}"
done
set -- "${arguments[@]+"${arguments[@]}"}"
cd "$(dirname "$0")/.."

for argument in "$@"; do
    if [[ "${argument}" == -h || "${argument}" == --help ]]; then
        sed -n '2,21p' "$0"
        exit 0
    fi
done
for tool in curl jq openssl; do
    command -v "${tool}" >/dev/null || { echo "run-local: ${tool} is required (e.g. apt-get install ${tool})" >&2; exit 2; }
done
# shellcheck source=scripts/lib/jdk.sh
source scripts/lib/jdk.sh
use_jdk21

echo "==> Building the NARs and the sandbox NiFi (./mvnw package, tests skipped)"
if ! ./mvnw -q -B -DskipTests -Plocal-run -pl nifi-customertrack-sandbox -am package; then
    echo "run-local: the build failed (Maven's output is above)" >&2
    exit 1
fi

sandbox=nifi-customertrack-sandbox
version="$(sed -n 's:.*<version>\(.*\)</version>.*:\1:p' "${sandbox}/pom.xml" | head -n 1)"
# LocalRun checks the options (exit 2 on a bad one).
exec "${JAVA_HOME}/bin/java" --add-opens=java.base/java.nio=ALL-UNNAMED -Djava.io.tmpdir="${TMPDIR:-/tmp}" \
    --enable-native-access=ALL-UNNAMED -Dslf4j.internal.verbosity=ERROR \
    -Dsandbox.dist="${PWD}/${sandbox}/target/nifi-sandbox-dist" \
    -Dproject.root="${PWD}" \
    -Dcustomertrack.nar="${PWD}/nifi-customertrack-nar/target/nifi-customertrack-nar-${version}.nar" \
    -cp "${PWD}/${sandbox}/target/test-classes:$(cat "${sandbox}/target/local-run.classpath")" \
    io.customertrack.nifi.sandbox.LocalRun "$@"
