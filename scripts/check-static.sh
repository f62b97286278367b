#!/usr/bin/env bash
# Static checks of everything outside Java: compose files, shell scripts, YAML. Run by `./mvnw verify`
# (verify phase of the root project) and so by CI. Without CI=true a missing tool is reported as SKIPPED
# and the check does not fail; with CI=true (as .ci/run sets it) a missing tool fails the build.
set -euo pipefail
cd "$(dirname "$0")/.."

status=0
passed=0
failed=0
skipped=0
pass() { echo "ok: $*"; passed=$((passed + 1)); }
fail() { echo "FAILED: $*" >&2; failed=$((failed + 1)); status=1; }
require() {
    if command -v "$1" >/dev/null; then
        return 0
    fi
    if [[ "${CI:-}" == "true" ]]; then
        fail "$1 is not installed (CI requires it)"
    else
        echo "SKIPPED: $1 is not installed; install it to run this check" >&2
        skipped=$((skipped + 1))
    fi
    return 1
}

if require docker-compose; then
    # Validate with the committed example environment, as a fresh checkout would be configured.
    for profile in "" "--profile local"; do
        # shellcheck disable=SC2086
        if docker-compose --env-file docker/.env.example -f docker/docker-compose.yml $profile config -q; then
            pass "docker/docker-compose.yml ${profile:-(default profile)}"
        else
            fail "docker/docker-compose.yml ${profile:-(default profile)}"
        fi
    done
fi

if require shellcheck; then
    mapfile -t scripts < <(git ls-files '*.sh' .ci/run 2>/dev/null || find . -name '*.sh' -not -path './target/*')
    if shellcheck -x "${scripts[@]}"; then
        pass "shellcheck ${#scripts[@]} scripts"
    else
        fail "shellcheck"
    fi
fi

if require yamllint; then
    mapfile -t yamls < <(git ls-files '*.yml' '*.yaml' 2>/dev/null)
    if (( ${#yamls[@]} == 0 )) || yamllint -d '{extends: relaxed, rules: {line-length: {max: 160}}}' "${yamls[@]}"; then
        pass "yamllint ${#yamls[@]} files"
    else
        fail "yamllint"
    fi
fi

echo "Static checks: ${passed} passed, ${failed} failed, ${skipped} skipped"
exit "${status}"
