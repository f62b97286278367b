#!/usr/bin/env bash
# The whole pipeline on this machine, without Docker or a cloud account: starts a secured sandbox NiFi
# (scripts/nifi-sandbox.sh), deploys the local flow (scripts/local-flow.sh, scripts/deploy-nifi.sh) with a DuckDB
# warehouse, runs it, then prints the SCD1/SCD2 row counts, one customer's history and the freshness figure, and
# stops everything it started. --freshness and --throughput run the pipeline benchmarks instead.
#
#   scripts/run-local.sh [--seconds 120] [--records-per-file 200] [--schedule "1 sec"] [--work DIR]
#   scripts/run-local.sh --freshness FILES | --throughput        (--help for all options)
#
# Needs a JDK 21+, curl, jq and openssl; the Maven wrapper builds the NARs and assembles NiFi on first use.
# The work directory keeps the NiFi home, the landing and quarantine folders and warehouse.duckdb afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

for argument in "$@"; do
    if [[ "${argument}" == -h || "${argument}" == --help ]]; then
        sed -n '2,11p' "$0"
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
# Options are checked by LocalRun itself, which prints the usage on a bad one (exit 2).
exec "${JAVA_HOME}/bin/java" --add-opens=java.base/java.nio=ALL-UNNAMED -Djava.io.tmpdir="${TMPDIR:-/tmp}" \
    --enable-native-access=ALL-UNNAMED -Dslf4j.internal.verbosity=ERROR \
    -Dsandbox.dist="${PWD}/${sandbox}/target/nifi-sandbox-dist" \
    -Dproject.root="${PWD}" \
    -Dcustomertrack.nar="${PWD}/nifi-customertrack-nar/target/nifi-customertrack-nar-${version}.nar" \
    -cp "${PWD}/${sandbox}/target/test-classes:$(cat "${sandbox}/target/local-run.classpath")" \
    io.customertrack.nifi.sandbox.LocalRun "$@"
