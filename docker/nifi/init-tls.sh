#!/usr/bin/env bash
# Creates, once, the TLS material of the local cluster: a CA, one PKCS#12 keystore per node (CN=<node>, SAN
# dns:<node>) signed by it, and a truststore holding the CA. Nodes trust each other through the CA, which the
# cluster protocol and request replication need. Uses keytool from the NiFi image, so nothing is downloaded.
set -euo pipefail

dir=/opt/nifi/tls
password="${NIFI_TLS_PASSWORD:?NIFI_TLS_PASSWORD is not set}"
# docker/.env.example's placeholders never protect real keys.
for name in NIFI_TLS_PASSWORD NIFI_USERNAME; do
    if [[ "${!name:-}" == CHANGE-ME* ]]; then
        echo "refusing to create TLS material: ${name} still holds the placeholder from docker/.env.example" >&2
        exit 64
    fi
done
nodes="${NIFI_NODES:?NIFI_NODES is not set}"

if [[ -f "${dir}/truststore.p12" ]]; then
    echo "TLS material already present in ${dir}; nothing to do"
    exit 0
fi

keytool -genkeypair -alias ca -keyalg RSA -keysize 3072 -validity 825 -dname "CN=CustomerTrack local CA" \
    -ext bc:c -keystore "${dir}/ca.p12" -storetype PKCS12 -storepass "${password}"
keytool -exportcert -alias ca -rfc -keystore "${dir}/ca.p12" -storepass "${password}" -file "${dir}/ca.pem"
keytool -importcert -noprompt -alias ca -file "${dir}/ca.pem" \
    -keystore "${dir}/truststore.p12" -storetype PKCS12 -storepass "${password}"

for node in ${nodes}; do
    keystore="${dir}/${node}.p12"
    keytool -genkeypair -alias nifi-key -keyalg RSA -keysize 2048 -validity 825 -dname "CN=${node}" \
        -keystore "${keystore}" -storetype PKCS12 -storepass "${password}" -keypass "${password}"
    keytool -certreq -alias nifi-key -keystore "${keystore}" -storepass "${password}" -file "${dir}/${node}.csr"
    keytool -gencert -alias ca -keystore "${dir}/ca.p12" -storepass "${password}" -rfc -validity 825 \
        -ext "SAN=dns:${node},dns:localhost" -ext "EKU=serverAuth,clientAuth" \
        -infile "${dir}/${node}.csr" -outfile "${dir}/${node}.pem"
    keytool -importcert -noprompt -alias ca -file "${dir}/ca.pem" -keystore "${keystore}" -storepass "${password}"
    keytool -importcert -noprompt -alias nifi-key -file "${dir}/${node}.pem" -keystore "${keystore}" -storepass "${password}"
    rm -f "${dir}/${node}.csr"
done

# The nifi user (uid 1000) reads the stores; the CA key stays readable by root only.
chown 1000:1000 "${dir}"/*.p12 "${dir}"/*.pem
chmod 0600 "${dir}/ca.p12"
chown 0:0 "${dir}/ca.p12"
echo "Created CA, truststore and keystores for: ${nodes}"
