# shellcheck shell=bash
# Sourced by .ci/run and the sandbox scripts: NiFi 2.x needs Java 21+, and a machine's default java may be older.

java_major() {
    "$1" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}' | cut -d. -f1
}

# Exports JAVA_HOME as a JDK 21+: the current JAVA_HOME if it is one, else the default java, else the newest under
# /usr/lib/jvm. Returns 1 with a message when there is none.
use_jdk21() {
    if [[ -n "${JAVA_HOME:-}" && -x "${JAVA_HOME}/bin/java" && "$(java_major "${JAVA_HOME}/bin/java")" -ge 21 ]]; then
        export JAVA_HOME
        return 0
    fi
    JAVA_HOME=""
    if command -v java >/dev/null && [[ "$(java_major java)" -ge 21 ]]; then
        JAVA_HOME="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"
    else
        local candidate
        for candidate in /usr/lib/jvm/*/; do
            if [[ -x "${candidate}bin/java" && "$(java_major "${candidate}bin/java")" -ge 21 ]]; then
                JAVA_HOME="${candidate%/}"
            fi
        done
    fi
    if [[ -z "${JAVA_HOME}" ]]; then
        echo "No JDK 21+ found (JAVA_HOME, default java, /usr/lib/jvm/*); install one, e.g. temurin-21-jdk." >&2
        return 1
    fi
    export JAVA_HOME
}
