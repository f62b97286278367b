#!/usr/bin/env bash
# A real, headless Apache NiFi on 127.0.0.1, assembled from Maven artifacts (no distribution download), for the
# end-to-end tests and scripts/run-local.sh.
#
#   scripts/nifi-sandbox.sh start  --home DIR [--port 18443] [--management-port PORT+1] [--http] [--heap 1g]
#                                  [--timeout 180] [--tls-dir DIR]
#                                  [--zookeeper 127.0.0.1:2181 --protocol-port N --load-balance-port N]
#   scripts/nifi-sandbox.sh stop   --home DIR      SIGTERM by PID (SIGKILL after 60 s)
#   scripts/nifi-sandbox.sh kill   --home DIR      SIGKILL by PID: a crash, for fault tests
#   scripts/nifi-sandbox.sh status --home DIR      exit 0 when it runs and answers, 1 otherwise
#
# The framework jars and NARs come from nifi-customertrack-sandbox/target/nifi-sandbox-dist (built by Maven when
# missing; --dist DIR or NIFI_SANDBOX_DIST points elsewhere). The home gets its own conf/, repositories, state and
# logs. By default NiFi is secured as in production: HTTPS with a CA generated into the TLS directory (home/tls, or a
# shared --tls-dir for a cluster), client-certificate authentication and the managed authorizer with
# CN=customertrack-admin as initial admin, on a fresh empty flow. The admin's client certificate is in the TLS
# directory as admin.pem/admin.key and admin.p12 (password in admin.p12.password), the CA as ca.pem.
# --http runs unsecured on plain HTTP (the cluster tests, see README). --zookeeper makes the NiFi a cluster node.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=scripts/lib/authorizers.sh
source "${ROOT}/scripts/lib/authorizers.sh"
ADMIN_IDENTITY="CN=customertrack-admin"

die() { echo "nifi-sandbox: $*" >&2; exit 1; }
log() { echo "nifi-sandbox: $*" >&2; }

command="${1:-}"; shift || true
home="" port=18443 management_port="" http=false heap=1g timeout=180 tls_dir="" dist="${NIFI_SANDBOX_DIST:-}"
zookeeper="" protocol_port="" load_balance_port=""
while (( $# > 0 )); do
    case "$1" in
        --home) home="$2"; shift 2 ;;
        --port) port="$2"; shift 2 ;;
        --management-port) management_port="$2"; shift 2 ;;
        --http) http=true; shift ;;
        --heap) heap="$2"; shift 2 ;;
        --timeout) timeout="$2"; shift 2 ;;
        --tls-dir) tls_dir="$2"; shift 2 ;;
        --dist) dist="$2"; shift 2 ;;
        --zookeeper) zookeeper="$2"; shift 2 ;;
        --protocol-port) protocol_port="$2"; shift 2 ;;
        --load-balance-port) load_balance_port="$2"; shift 2 ;;
        -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
        *) die "unknown option '$1' (see --help)" ;;
    esac
done
[[ "${command}" =~ ^(start|stop|kill|status)$ ]] || die "usage: nifi-sandbox.sh start|stop|kill|status --home DIR (see --help)"
[[ -n "${home}" ]] || die "--home is required"
mkdir -p "${home}"
home="$(cd "${home}" && pwd)"
# status, stop and kill use the TLS directory the sandbox was started with.
[[ -z "${tls_dir}" && -f "${home}/run/tls_dir" ]] && tls_dir="$(cat "${home}/run/tls_dir")"
tls_dir="${tls_dir:-${home}/tls}"
management_port="${management_port:-$((port + 1))}"
pid_file="${home}/run/nifi.pid"
log_file="${home}/logs/nifi-app.log"

running_pid() { # prints the PID when the sandbox's process is alive
    [[ -f "${pid_file}" ]] || return 1
    local pid
    pid="$(cat "${pid_file}")"
    kill -0 "${pid}" 2>/dev/null || return 1
    echo "${pid}"
}

base_url() {
    if [[ "$(cat "${home}/run/scheme" 2>/dev/null || echo https)" == http ]]; then
        echo "http://127.0.0.1:$(cat "${home}/run/port")"
    else
        echo "https://127.0.0.1:$(cat "${home}/run/port")"
    fi
}

answers() { # the REST API answers the admin with 200
    local tls=()
    [[ "$(cat "${home}/run/scheme")" == https ]] && tls=(--cacert "${tls_dir}/ca.pem" --cert "${tls_dir}/admin.pem" --key "${tls_dir}/admin.key")
    [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "${tls[@]}" "$(base_url)/nifi-api/flow/about")" == 200 ]]
}

show_log_tail() {
    echo "---- last lines of ${log_file} ----" >&2
    tail -n 40 "${log_file}" 2>/dev/null >&2 || true
    tail -n 20 "${home}/logs/stdout.log" 2>/dev/null >&2 || true
}

# A CA, a server certificate for localhost/127.0.0.1 and the admin's client certificate, made once per TLS directory.
make_tls() {
    [[ -f "${tls_dir}/keystore.p12" ]] && return 0
    command -v openssl >/dev/null || die "openssl is required to generate the sandbox's certificates"
    mkdir -p "${tls_dir}"
    local password
    password="$(openssl rand -hex 16)"
    (
        # Keys and passwords are the owner's only from the moment they exist; no password is a process argument.
        umask 077
        export SANDBOX_STORE_PASSWORD="${password}"
        cd "${tls_dir}"
        openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=CustomerTrack sandbox CA" \
            -keyout ca.key -out ca.pem -addext "basicConstraints=critical,CA:TRUE" \
            -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
        issue() { # issue NAME SUBJECT EXTENSIONS
            openssl req -newkey rsa:2048 -nodes -subj "$2" -keyout "$1.key" -out "$1.csr" 2>/dev/null
            printf '%s\n' "$3" > "$1.ext"
            openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 -extfile "$1.ext" -out "$1.pem" 2>/dev/null
            rm -f "$1.csr" "$1.ext"
        }
        issue server "/CN=localhost" "subjectAltName=DNS:localhost,IP:127.0.0.1
extendedKeyUsage=serverAuth,clientAuth"
        issue admin "/${ADMIN_IDENTITY}" "extendedKeyUsage=clientAuth"
        openssl pkcs12 -export -in server.pem -inkey server.key -certfile ca.pem -name nifi-key \
            -passout env:SANDBOX_STORE_PASSWORD -out keystore.p12
        openssl pkcs12 -export -in admin.pem -inkey admin.key -certfile ca.pem -name admin \
            -passout env:SANDBOX_STORE_PASSWORD -out admin.p12
        rm -f truststore.p12
        "${JAVA_HOME}/bin/keytool" -importcert -noprompt -alias ca -file ca.pem -keystore truststore.p12 \
            -storetype PKCS12 -storepass:env SANDBOX_STORE_PASSWORD >/dev/null
        printf '%s' "${password}" > store.password
        printf '%s' "${password}" > admin.p12.password
        chmod 600 ./*.key ./*.password ./*.p12
    )
    log "generated a CA and certificates in ${tls_dir} (admin: ${ADMIN_IDENTITY})"
}

write_conf() {
    local conf="${home}/conf" sensitive_key web security cluster store_password=""
    mkdir -p "${conf}" "${home}/logs" "${home}/run" "${home}/extensions"
    # nifi.properties carries the keystore passwords and the sensitive properties key: owner only.
    local previous_umask
    previous_umask="$(umask)"
    umask 077
    # Keep the sensitive properties key across restarts: the flow's secrets are encrypted with it.
    [[ -f "${home}/run/sensitive.key" ]] || openssl rand -hex 16 > "${home}/run/sensitive.key"
    sensitive_key="$(cat "${home}/run/sensitive.key")"
    if [[ "${http}" == true ]]; then
        web="nifi.web.http.host=127.0.0.1
nifi.web.http.port=${port}
nifi.web.https.host=
nifi.web.https.port="
        security="nifi.security.user.authorizer=
nifi.security.user.login.identity.provider="
    else
        store_password="$(cat "${tls_dir}/store.password")"
        web="nifi.web.http.host=
nifi.web.http.port=
nifi.web.https.host=127.0.0.1
nifi.web.https.port=${port}
nifi.web.proxy.host=127.0.0.1:${port},localhost:${port}"
        security="nifi.security.keystore=${tls_dir}/keystore.p12
nifi.security.keystoreType=PKCS12
nifi.security.keystorePasswd=${store_password}
nifi.security.keyPasswd=${store_password}
nifi.security.truststore=${tls_dir}/truststore.p12
nifi.security.truststoreType=PKCS12
nifi.security.truststorePasswd=${store_password}
nifi.security.user.authorizer=managed-authorizer
nifi.security.user.login.identity.provider=
nifi.security.allow.anonymous.authentication=false"
    fi
    if [[ -n "${zookeeper}" ]]; then
        [[ -n "${protocol_port}" && -n "${load_balance_port}" ]] || die "--zookeeper needs --protocol-port and --load-balance-port"
        cluster="nifi.cluster.is.node=true
nifi.cluster.protocol.is.secure=false
nifi.cluster.node.address=127.0.0.1
nifi.cluster.node.protocol.port=${protocol_port}
nifi.cluster.load.balance.host=127.0.0.1
nifi.cluster.load.balance.port=${load_balance_port}
nifi.cluster.flow.election.max.candidates=2
nifi.cluster.flow.election.max.wait.time=1 min
nifi.zookeeper.connect.string=${zookeeper}
nifi.zookeeper.root.node=/nifi"
    else
        cluster="nifi.cluster.is.node=false
nifi.cluster.load.balance.host=127.0.0.1
nifi.cluster.load.balance.port=0"
    fi
    cat > "${conf}/nifi.properties" <<PROPERTIES
# Written by scripts/nifi-sandbox.sh; keys as in NiFi's own nifi.properties (nifi-resources, rel/nifi-2.3.0).
nifi.flow.configuration.file=${home}/conf/flow.json.gz
nifi.flow.configuration.archive.enabled=false
nifi.flowcontroller.autoResumeState=true
nifi.flowcontroller.graceful.shutdown.period=10 sec
nifi.flowservice.writedelay.interval=500 ms
nifi.administrative.yield.duration=30 sec
nifi.bored.yield.duration=10 millis
nifi.queue.backpressure.count=10000
nifi.queue.backpressure.size=1 GB
nifi.authorizer.configuration.file=${conf}/authorizers.xml
nifi.login.identity.provider.configuration.file=${conf}/login-identity-providers.xml
nifi.nar.library.directory=${dist}/lib
nifi.nar.library.autoload.directory=${home}/extensions
nifi.nar.working.directory=${home}/work/nar/
nifi.upload.working.directory=${home}/work/uploads
nifi.python.framework.source.directory=${home}/python/framework
nifi.python.extensions.source.directory.default=${home}/python/extensions
nifi.python.working.directory=${home}/work/python
nifi.state.management.configuration.file=${conf}/state-management.xml
nifi.state.management.provider.local=local-provider
nifi.state.management.provider.cluster=zk-provider
nifi.state.management.embedded.zookeeper.start=false
nifi.database.directory=${home}/database_repository
nifi.flowfile.repository.implementation=org.apache.nifi.controller.repository.WriteAheadFlowFileRepository
nifi.flowfile.repository.wal.implementation=org.apache.nifi.wali.SequentialAccessWriteAheadLog
nifi.flowfile.repository.directory=${home}/flowfile_repository
nifi.flowfile.repository.checkpoint.interval=20 secs
nifi.flowfile.repository.always.sync=false
nifi.swap.manager.implementation=org.apache.nifi.controller.FileSystemSwapManager
nifi.queue.swap.threshold=20000
nifi.content.repository.implementation=org.apache.nifi.controller.repository.FileSystemRepository
nifi.content.claim.max.appendable.size=50 KB
nifi.content.repository.directory.default=${home}/content_repository
nifi.content.repository.archive.enabled=false
nifi.provenance.repository.implementation=org.apache.nifi.provenance.WriteAheadProvenanceRepository
nifi.provenance.repository.directory.default=${home}/provenance_repository
nifi.provenance.repository.max.storage.time=1 day
nifi.provenance.repository.max.storage.size=1 GB
nifi.provenance.repository.rollover.time=30 secs
nifi.provenance.repository.rollover.size=100 MB
nifi.provenance.repository.query.threads=2
nifi.provenance.repository.index.threads=1
nifi.provenance.repository.compress.on.rollover=false
nifi.provenance.repository.indexed.fields=EventType, FlowFileUUID, Filename, ProcessorID, Relationship
nifi.provenance.repository.index.shard.size=100 MB
nifi.provenance.repository.max.attribute.length=65536
nifi.provenance.repository.concurrent.merge.threads=1
nifi.components.status.repository.implementation=org.apache.nifi.controller.status.history.VolatileComponentStatusRepository
nifi.components.status.repository.buffer.size=1440
nifi.components.status.snapshot.frequency=1 min
nifi.nar.persistence.provider.implementation=org.apache.nifi.nar.StandardNarPersistenceProvider
nifi.nar.persistence.provider.properties.directory=${home}/nar_repository
nifi.asset.manager.implementation=org.apache.nifi.asset.StandardAssetManager
nifi.asset.manager.properties.directory=${home}/assets
nifi.remote.input.host=127.0.0.1
nifi.remote.input.secure=false
nifi.remote.input.socket.port=
nifi.remote.input.http.enabled=false
${web}
nifi.web.https.application.protocols=http/1.1
nifi.web.jetty.working.directory=${home}/work/jetty
nifi.web.jetty.threads=50
nifi.web.max.header.size=16 KB
nifi.web.max.requests.per.second=30000
nifi.web.max.access.token.requests.per.second=25
nifi.web.request.timeout=60 secs
nifi.web.should.send.server.version=true
nifi.sensitive.props.key=${sensitive_key}
nifi.sensitive.props.algorithm=NIFI_PBKDF2_AES_GCM_256
${security}
nifi.cluster.protocol.heartbeat.interval=5 sec
nifi.cluster.protocol.heartbeat.missable.max=8
${cluster}
nifi.zookeeper.connect.timeout=10 secs
nifi.zookeeper.session.timeout=10 secs
nifi.zookeeper.client.secure=false
nifi.analytics.predict.enabled=false
nifi.monitor.long.running.task.schedule=1 min
nifi.monitor.long.running.task.threshold=5 mins
nifi.performance.tracking.percentage=0
PROPERTIES
    chmod 600 "${conf}/nifi.properties" "${home}/run/sensitive.key"
    umask "${previous_umask}"
    cat > "${conf}/state-management.xml" <<XML
<stateManagement>
    <local-provider>
        <id>local-provider</id>
        <class>org.apache.nifi.controller.state.providers.local.WriteAheadLocalStateProvider</class>
        <property name="Directory">${home}/state/local</property>
        <property name="Always Sync">false</property>
        <property name="Partitions">16</property>
        <property name="Checkpoint Interval">2 mins</property>
    </local-provider>
    <cluster-provider>
        <id>zk-provider</id>
        <class>org.apache.nifi.controller.state.providers.zookeeper.ZooKeeperStateProvider</class>
        <property name="Connect String">${zookeeper}</property>
        <property name="Root Node">/nifi</property>
        <property name="Session Timeout">10 seconds</property>
        <property name="Access Control">Open</property>
    </cluster-provider>
</stateManagement>
XML
    # No single-user authorizer: its classes are not served.
    write_authorizers_xml "${conf}/authorizers.xml" "${conf}" "${ADMIN_IDENTITY}"
    cat > "${conf}/login-identity-providers.xml" <<XML
<loginIdentityProviders>
</loginIdentityProviders>
XML
    # NiFi's own logback.xml names an appender from nifi-per-process-group-logging, which is not served.
    cat > "${conf}/logback.xml" <<XML
<configuration>
    <contextListener class="ch.qos.logback.classic.jul.LevelChangePropagator">
        <resetJUL>true</resetJUL>
    </contextListener>
    <appender name="APP_FILE" class="ch.qos.logback.core.FileAppender">
        <file>${home}/logs/nifi-app.log</file>
        <encoder><pattern>%date %level [%thread] %logger{40} %msg%n</pattern></encoder>
    </appender>
    <appender name="USER_FILE" class="ch.qos.logback.core.FileAppender">
        <file>${home}/logs/nifi-user.log</file>
        <encoder><pattern>%date %level [%thread] %logger{40} %msg%n</pattern></encoder>
    </appender>
    <logger name="org.apache.nifi" level="INFO"/>
    <logger name="org.apache.nifi.web.security" level="INFO" additivity="false"><appender-ref ref="USER_FILE"/></logger>
    <logger name="org.apache.nifi.web.api.config" level="INFO" additivity="false"><appender-ref ref="USER_FILE"/></logger>
    <logger name="org.apache.nifi.authorization" level="INFO" additivity="false"><appender-ref ref="USER_FILE"/></logger>
    <logger name="org.apache.nifi.processors.standard.LogAttribute" level="INFO"/>
    <logger name="org.apache.zookeeper" level="WARN"/>
    <logger name="org.apache.curator" level="WARN"/>
    <logger name="org.eclipse.jetty" level="WARN"/>
    <root level="INFO"><appender-ref ref="APP_FILE"/></root>
</configuration>
XML
    echo "${port}" > "${home}/run/port"
    echo "${tls_dir}" > "${home}/run/tls_dir"
    if [[ "${http}" == true ]]; then echo http; else echo https; fi > "${home}/run/scheme"
}

ensure_dist() {
    dist="${dist:-${ROOT}/nifi-customertrack-sandbox/target/nifi-sandbox-dist}"
    if ! compgen -G "${dist}/lib/nifi-framework-nar-*.nar" >/dev/null; then
        log "no sandbox distribution in ${dist}; assembling it with Maven (first time: a few minutes)"
        (cd "${ROOT}" && ./mvnw -q -B -DskipTests -pl nifi-customertrack-sandbox -am package) \
            || die "could not assemble the sandbox distribution"
    fi
    dist="$(cd "${dist}" && pwd)"
}

start() {
    if pid="$(running_pid)"; then die "already running (PID ${pid}) in ${home}"; fi
    # shellcheck source=scripts/lib/jdk.sh
    source "${ROOT}/scripts/lib/jdk.sh"
    use_jdk21 || exit 1
    command -v curl >/dev/null || die "curl is required"
    ensure_dist
    [[ "${http}" == true ]] || make_tls
    write_conf
    local classpath
    classpath="$(find "${dist}/lib" -maxdepth 1 -name '*.jar' | sort | tr '\n' ':')${home}/conf"
    # The java.arg.* options of NiFi's bootstrap.conf, without the bootstrap (nifi-bootstrap is not served).
    (
        cd "${home}"
        exec nohup "${JAVA_HOME}/bin/java" -Xms256m "-Xmx${heap}" \
            -Dsun.net.http.allowRestrictedHeaders=true -Djava.protocol.handler.pkgs=sun.net.www.protocol \
            -Djava.awt.headless=true -Dcurator-log-only-first-connection-issue-as-error-level=true \
            -Djavax.security.auth.useSubjectCredsOnly=true --add-opens=java.base/java.nio=ALL-UNNAMED \
            --enable-native-access=ALL-UNNAMED \
            "-Dnifi.properties.file.path=${home}/conf/nifi.properties" \
            "-Dorg.apache.nifi.bootstrap.config.log.dir=${home}/logs" \
            "-Dorg.apache.nifi.management.server.address=127.0.0.1:${management_port}" \
            "-Dlogback.configurationFile=${home}/conf/logback.xml" \
            --class-path "${classpath}" org.apache.nifi.NiFi
    ) > "${home}/logs/stdout.log" 2>&1 < /dev/null &
    echo $! > "${pid_file}"
    log "started NiFi (PID $!) in ${home}; waiting up to ${timeout}s for $(base_url)"
    local deadline=$((SECONDS + timeout))
    until answers; do
        if ! running_pid >/dev/null; then
            show_log_tail
            die "NiFi exited during start-up"
        fi
        if (( SECONDS >= deadline )); then
            show_log_tail
            kill -9 "$(cat "${pid_file}")" 2>/dev/null || true
            rm -f "${pid_file}"
            die "NiFi did not answer within ${timeout}s; killed it"
        fi
        sleep 1
    done
    log "NiFi answers at $(base_url)"
}

stop() {
    local pid signal="$1" waited=0
    if ! pid="$(running_pid)"; then log "not running in ${home}"; rm -f "${pid_file}"; return 0; fi
    kill "-${signal}" "${pid}" 2>/dev/null || true
    while kill -0 "${pid}" 2>/dev/null; do
        if (( waited == 120 )); then
            log "NiFi (PID ${pid}) still runs after 60 s; killing it"
            kill -9 "${pid}" 2>/dev/null || true
        fi
        sleep 0.5
        waited=$((waited + 1))
    done
    rm -f "${pid_file}"
    log "stopped NiFi (PID ${pid}, SIG${signal})"
}

case "${command}" in
    start) start ;;
    stop) stop TERM ;;
    kill) stop KILL ;;
    status)
        if running_pid >/dev/null && answers; then echo "running at $(base_url)"; else echo "not running"; exit 1; fi ;;
esac
