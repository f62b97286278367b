#!/usr/bin/env bash
# Renders the Snowflake SQL for a customer declaration: the scripts of sql/ (tables with the declared types and
# sizes, file format and pipe column list, the merge, CUSTOMER_AS_OF, the monitoring queries) into --out, and the local
# warehouses' COPY statements (flows/local/*-copy.sql) into --local-out (default: DIR/local). Without --declaration,
# the default declaration, whose rendering sql/ and flows/local/ hold.
#
# With --from OLD (the declaration the pipeline runs today), also DIR/migrate.sql: the change from OLD to the
# declaration, which may only append attributes (docs/attributes.md, "Adding an attribute").
#
#   scripts/render-sql.sh [--from OLD] [--declaration FILE] --out DIR [--local-out DIR]
#
# Exit codes: 0 written, 1 the renderer could not be built, 2 usage or a folder that cannot be written, 3 an invalid
# declaration (the message names the attribute), 4 a change from OLD that is not a migration (the message says what
# to do instead).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=scripts/lib/jdk.sh
source "${root}/scripts/lib/jdk.sh"
use_jdk21 || exit 1

module="${root}/nifi-customertrack-declaration"
if ! (cd "${root}" && ./mvnw -q -B -DskipTests -Dcheckstyle.skip -pl nifi-customertrack-declaration package \
        dependency:build-classpath -Dmdep.outputFile=target/render-sql.classpath -Dmdep.includeScope=runtime) >&2; then
    echo "render-sql: building nifi-customertrack-declaration failed" >&2
    exit 1
fi
exec "${JAVA_HOME}/bin/java" -cp "${module}/target/classes:$(cat "${module}/target/render-sql.classpath")" \
    io.customertrack.declaration.sql.RenderSql "$@"
