#!/usr/bin/env bash
# Packs what an EC2 host needs (docker/, scripts/, flows/, sql/) into target/customertrack-docker.tar.gz, copies the
# NAR beside it and writes target/SHA256SUMS for both; upload the three to s3://<bucket>/releases/<version>/ and put
# the SHA-256 of SHA256SUMS (printed last) into docker/ec2/cloud-init.yaml, which checks both before installing.
# Builds nothing: run ./mvnw package first.
# Ships no key material: docker/.env and the contents of docker/keys/ (except its README) stay out, and any other
# key, keystore, certificate or .env file in what would be packed stops the release.
set -euo pipefail
cd "$(dirname "$0")/.."
nar="$(find nifi-customertrack-nar/target -maxdepth 1 -name "nifi-customertrack-nar-*.nar" -print -quit 2>/dev/null || true)"
[[ -n "${nar}" ]] || { echo "no NAR in nifi-customertrack-nar/target; run ./mvnw package first" >&2; exit 1; }

# Names that hold or may hold keys: PEM/DER/PKCS#8/PKCS#12/JKS and friends, SSH and PGP keys, dotenv files.
key_material='\.(pem|key|crt|cer|der|p7b|p8|p12|pfx|jks|jceks|bcfks|keystore|truststore|ppk|asc|gpg|kdbx)$|(^|/)id_(rsa|dsa|ecdsa|ed25519)[^/]*$|(^|/)\.env$'
mapfile -t files < <(find docker scripts flows sql -type f \
    ! -path 'docker/.env' ! -path 'docker/drivers/*.jar' \( ! -path 'docker/keys/*' -o -path 'docker/keys/README.md' \) \
    | LC_ALL=C sort)
mapfile -t keys < <(printf '%s\n' "${files[@]}" | grep -iE "${key_material}" || true)
if (( ${#keys[@]} > 0 )); then
    echo "refusing to pack key material; move these out of docker/, scripts/, flows/ and sql/ (keys belong in docker/keys/):" >&2
    printf '  %s\n' "${keys[@]}" >&2
    exit 1
fi

mkdir -p target
printf '%s\0' "${files[@]}" | tar --null --files-from=- --owner=0 --group=0 --numeric-owner \
    -czf target/customertrack-docker.tar.gz
cp "${nar}" target/
(cd target && sha256sum customertrack-docker.tar.gz "$(basename "${nar}")" > SHA256SUMS)
echo "release files: target/customertrack-docker.tar.gz target/$(basename "${nar}") target/SHA256SUMS"
echo "SHA-256 of SHA256SUMS (CUSTOMERTRACK_SHA256SUMS_SHA256 in docker/ec2/cloud-init.yaml): $(sha256sum target/SHA256SUMS | cut -d' ' -f1)"
