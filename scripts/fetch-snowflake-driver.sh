#!/usr/bin/env bash
# Downloads the pinned snowflake-jdbc jar from Maven Central into the given folder (docker/drivers by default),
# where the flow's DBCPConnectionPool loads it. Verifies the download against Central's SHA-1.
set -euo pipefail
version="${SNOWFLAKE_JDBC_VERSION:-4.0.0}"
target="${1:-$(dirname "$0")/../docker/drivers}"
base="https://repo1.maven.org/maven2/net/snowflake/snowflake-jdbc/${version}"
jar="snowflake-jdbc-${version}.jar"
mkdir -p "${target}"
if [[ -f "${target}/${jar}" ]]; then
    echo "${target}/${jar} already present"
    exit 0
fi
curl -fsSL -o "${target}/${jar}.part" "${base}/${jar}"
expected="$(curl -fsSL "${base}/${jar}.sha1" | cut -d' ' -f1)"
actual="$(sha1sum "${target}/${jar}.part" | cut -d' ' -f1)"
if [[ "${expected}" != "${actual}" ]]; then
    rm -f "${target}/${jar}.part"
    echo "checksum mismatch for ${jar}: expected ${expected}, got ${actual}" >&2
    exit 1
fi
mv "${target}/${jar}.part" "${target}/${jar}"
echo "fetched ${target}/${jar}"
