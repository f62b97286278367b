#!/usr/bin/env bash
# Prints the path of a Python virtual environment holding scripts/python-requirements.txt (fakesnow, sqlglot,
# sqlfluff), creating it first when it is missing. It lives in ~/.cache/customertrack (or $CUSTOMERTRACK_CACHE),
# keyed by the requirements' checksum, so `./mvnw clean` keeps it and a change of pins makes a new one.
# Needs Python 3.9+ with venv and pip, and PyPI.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
requirements="${root}/scripts/python-requirements.txt"
python="${PYTHON:-python3}"
command -v "${python}" >/dev/null || { echo "python-tools: ${python} not found; install Python 3 with venv" >&2; exit 2; }
key="$(sha256sum "${requirements}" | cut -c1-12)"
venv="${CUSTOMERTRACK_CACHE:-${HOME}/.cache/customertrack}/python-${key}"
if [[ ! -f "${venv}/.complete" ]]; then
    echo "python-tools: creating ${venv} from scripts/python-requirements.txt" >&2
    rm -rf "${venv}"
    "${python}" -m venv "${venv}" || { echo "python-tools: '${python} -m venv' failed; install python3-venv" >&2; exit 2; }
    "${venv}/bin/pip" install -q --disable-pip-version-check -r "${requirements}" >&2 \
        || { echo "python-tools: pip install failed (is PyPI reachable?)" >&2; exit 2; }
    touch "${venv}/.complete"
fi
echo "${venv}"
