#!/usr/bin/env bash
# Packs what an EC2 host needs (docker/, scripts/, flows/, sql/) into target/customertrack-docker.tar.gz and copies the
# NAR beside it; upload both to s3://<bucket>/releases/<version>/ for docker/ec2/cloud-init.yaml. Builds nothing:
# run ./mvnw package first.
set -euo pipefail
cd "$(dirname "$0")/.."
nar="$(find nifi-customertrack-nar/target -maxdepth 1 -name "nifi-customertrack-nar-*.nar" -print -quit 2>/dev/null || true)"
[[ -n "${nar}" ]] || { echo "no NAR in nifi-customertrack-nar/target; run ./mvnw package first" >&2; exit 1; }
mkdir -p target
tar --exclude='docker/.env' --exclude='docker/keys/*.p8' --exclude='docker/drivers/*.jar' \
    -czf target/customertrack-docker.tar.gz docker scripts flows sql
cp "${nar}" target/
echo "release files: target/customertrack-docker.tar.gz target/$(basename "${nar}")"
