#!/usr/bin/env bash
# Kafka over TLS (issue 11): a private broker with a TLS listener on 127.0.0.1 (scripts/kafka
# --ssl-keystore), its certificate signed by a CA this test makes with openssl, and the shipped
# pipeline (simulator, sink_postgres, validator) talking to it only through that listener.
#
#   tls_kafka.sh ssl_listener|wrong_ca|mutual_tls
#     ssl_listener: the worker trusts the CA through its own client properties
#                   (--kafka-property security.protocol=ssl, ssl.ca.location): the validator PASSes,
#                   in `ingest run` and again alone in `ingest validate`.
#     wrong_ca:     a worker that trusts another CA fails clearly: it exits 1 naming the certificate
#                   verification failure, and a connector added to a running worker shows it in its
#                   status.
#     mutual_tls:   the broker requires client certificates; the worker has none, each connector
#                   names its own through *.override.ssl.* keys (the sink's key encrypted, its
#                   password a secret override): refused without a --client-file-dir that holds them,
#                   with the reason; with it, the validator PASSes and the password is shown nowhere.
# shellcheck source=../../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../lib.sh"

case=${1:?ssl_listener, wrong_ca or mutual_tls}
[[ $case == ssl_listener || $case == wrong_ca || $case == mutual_tls ]] || fail "unknown case '$case'"
fresh_work_dir
require_runner
command -v openssl >/dev/null || fail "openssl is not installed"
kafka_dir=$INGEST_TEST_WORK/kafka
stop_broker() { "$INGEST_ROOT/scripts/kafka" stop --dir "$kafka_dir" >/dev/null 2>&1 || true; }
trap 'kill_test_processes; stop_broker' EXIT

tls=$INGEST_TEST_WORK/tls
mkdir -p "$tls/clients"
# make_ca NAME: a self-signed CA, NAME.pem and NAME.key.
make_ca() {
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=ingest test $1" \
    -keyout "$tls/$1.key" -out "$tls/$1.pem" 2>/dev/null || fail "openssl could not make the CA $1"
}
# make_cert CA OUT_PREFIX CN [KEY_PASSWORD]: a certificate signed by CA for 127.0.0.1 (librdkafka
# checks the broker's name: ssl.endpoint.identification.algorithm=https), and its key, encrypted
# when a password is given.
make_cert() {
  local ca=$1 out=$2 cn=$3 password=${4:-}
  openssl req -newkey rsa:2048 -nodes -subj "/CN=$cn" -keyout "$out.key" -out "$out.csr" 2>/dev/null \
    && printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$out.ext" \
    && openssl x509 -req -days 2 -in "$out.csr" -CA "$tls/$ca.pem" -CAkey "$tls/$ca.key" -CAcreateserial \
      -extfile "$out.ext" -out "$out.pem" 2>/dev/null \
    || fail "openssl could not make the certificate $out"
  if [[ -n $password ]]; then
    openssl pkcs8 -topk8 -v2 aes-256-cbc -in "$out.key" -out "$out.key.enc" -passout "pass:$password" \
      && mv "$out.key.enc" "$out.key" || fail "openssl could not encrypt $out.key"
  fi
}
make_ca ca
make_cert ca "$tls/broker" 127.0.0.1
printf 'broker-keystore-%s\n' "$RANDOM$RANDOM" >"$tls/keystore-password"
openssl pkcs12 -export -in "$tls/broker.pem" -inkey "$tls/broker.key" -certfile "$tls/ca.pem" -name broker \
  -out "$tls/broker.p12" -passout "file:$tls/keystore-password" || fail "openssl could not make the broker's keystore"

broker_args=(start --dir "$kafka_dir" --ssl-keystore "$tls/broker.p12" --ssl-password-file "$tls/keystore-password")
[[ $case == mutual_tls ]] && broker_args+=(--ssl-client-ca "$tls/ca.pem")
plaintext=$("$INGEST_ROOT/scripts/kafka" "${broker_args[@]}") || fail "the private broker did not start"
[[ -s $kafka_dir/bootstrap-ssl ]] || fail "scripts/kafka wrote no TLS address (bootstrap-ssl)"
bootstrap=$(<"$kafka_dir/bootstrap-ssl")
[[ $bootstrap != "$plaintext" ]] || fail "the TLS listener has the plaintext listener's address"
# Independent of the runner: kcat reaches the TLS listener with the CA (and a client certificate when
# the broker requires one), and only then.
kcat_tls() { kcat -L -b "$bootstrap" -m 10 -X security.protocol=ssl -X "ssl.ca.location=$tls/ca.pem" "$@" >/dev/null 2>&1; }
if [[ $case == mutual_tls ]]; then
  make_cert ca "$tls/kcat" kcat
  kcat_tls -X "ssl.certificate.location=$tls/kcat.pem" -X "ssl.key.location=$tls/kcat.key" \
    || fail "kcat with a client certificate cannot reach $bootstrap"
  ! kcat_tls || fail "the broker accepts a client without a certificate: the overrides would prove nothing"
else
  kcat_tls || fail "kcat with the CA cannot reach $bootstrap"
fi
pass "private broker with a TLS listener on $bootstrap (plaintext $plaintext, controller plaintext)"

db=it_tls_kafka_$case
export INGEST_PG_DSN=$(fresh_database "$(service_file postgres/dsn)" "$db")
export INGEST_STATE_DIR=$INGEST_TEST_WORK/state
export INGEST_EVENTS=20000
mkdir -p connectors
cp "$CONNECTORS_DIR"/*.json connectors/
worker_tls=(--kafka-property security.protocol=ssl --kafka-property "ssl.ca.location=$tls/ca.pem")
log=$INGEST_TEST_WORK/ingest.log

# run_until_done ARGS...: `ingest run --until-done` in the background; waits for its exit status.
run_until_done() {
  "$INGEST_BIN" run --connectors connectors --state-dir "$INGEST_STATE_DIR" --bootstrap "$bootstrap" --until-done \
    "$@" >"$log" 2>&1 </dev/null &
  local runner=$!
  test_pids+=("$runner")
  wait_until 240 "ingest run --until-done to exit" not pid_alive "$runner" || { show_log "$log"; fail "the run did not end"; }
  status=0
  wait "$runner" || status=$?
  assert_no_crash "$status" "$log"
}

# expect_pass: the run exited 0 with the validator's PASS, and the sink stored the topic's end offsets.
expect_pass() {
  ((status == 0)) || { show_log "$log" 60; fail "ingest run --until-done exited $status"; }
  grep -q 'verdict PASS' "$log" || { show_log "$log" 60; fail "no verdict PASS"; }
  local committed
  committed=$(psql -X -q -t -A -d "$INGEST_PG_DSN" -c "SELECT coalesce(sum(next_offset), 0) FROM ingest_offsets")
  [[ $committed == "$(topic_end_offsets "$plaintext" "$TOPIC")" ]] || fail "stored offsets $committed differ from the topic's end"
}

case $case in
  ssl_listener)
    run_until_done "${worker_tls[@]}"
    expect_pass
    pass "the pipeline over TLS ($bootstrap): the validator PASSes"
    # `ingest validate` (the validator alone, re-reading both topics) takes the same properties.
    status=0
    timeout 240 "$INGEST_BIN" validate --connectors connectors --bootstrap "$bootstrap" \
      --state-dir "$INGEST_TEST_WORK/validate-state" "${worker_tls[@]}" >"$INGEST_TEST_WORK/validate.log" 2>&1 </dev/null \
      || status=$?
    ((status == 0)) || { show_log "$INGEST_TEST_WORK/validate.log"; fail "ingest validate over TLS exited $status"; }
    grep -q 'verdict PASS' "$INGEST_TEST_WORK/validate.log" || { show_log "$INGEST_TEST_WORK/validate.log"; fail "no verdict PASS"; }
    pass "ingest validate over TLS: PASS"
    ;;

  wrong_ca)
    make_ca other
    wrong=(--kafka-property security.protocol=ssl --kafka-property "ssl.ca.location=$tls/other.pem")
    # 1. At start: the worker cannot create its connectors' topics and says why.
    run_until_done "${wrong[@]}"
    ((status == 1)) || { show_log "$log"; fail "a worker that trusts another CA exited $status, expected 1"; }
    grep -qF 'certificate verify failed' "$log" || { show_log "$log"; fail "the log does not name the certificate verification failure"; }
    grep -E "Kafka at $bootstrap: .*the client's last error: .*certificate verify failed" "$log" >/dev/null \
      || { show_log "$log"; fail "the worker's own error does not give the cause"; }
    pass "a worker that trusts another CA exits 1 naming the certificate verification failure"

    # 2. A connector added to a running worker: FAILED, its status naming the cause.
    mkdir -p later
    "$INGEST_BIN" run --connectors later --state-dir "$INGEST_STATE_DIR" --bootstrap "$bootstrap" "${wrong[@]}" \
      >"$log" 2>&1 </dev/null &
    runner=$!
    test_pids+=("$runner")
    wait_until 60 "the worker's status file" test -s "$INGEST_STATE_DIR/status.json" || { show_log "$log"; fail "no status file"; }
    cp connectors/user-events-simulator.json later/
    failed_with_cause() { grep -q '"state":"FAILED"' "$INGEST_STATE_DIR/status.json" && grep -qF 'certificate verify failed' "$INGEST_STATE_DIR/status.json"; }
    wait_until 120 "the connector's status to name the certificate failure" failed_with_cause \
      || { show_log "$log"; fail "status: $(cat "$INGEST_STATE_DIR/status.json")"; }
    kill -TERM "$runner"
    wait_until 60 "the worker to exit" not pid_alive "$runner" || fail "the worker did not stop"
    pass "a connector added to that worker is FAILED, its status naming the certificate verification failure"
    ;;

  mutual_tls)
    # Each connector's clients present the connector's own certificate: its producer (a sink's
    # dead-letter producer too), its consumer and its admin client (topics, offsets).
    key_password=sink-key-password-$RANDOM$RANDOM
    make_cert ca "$tls/clients/simulator" user-events-simulator
    make_cert ca "$tls/clients/sink" user-events-postgres "$key_password"
    make_cert ca "$tls/clients/validator" user-events-validator
    # add_overrides FILE NAME PREFIX...: FILE's connector presents clients/NAME.pem through each prefix.
    add_overrides() {
      local file=$1 name=$2 prefix
      shift 2
      for prefix in "$@"; do
        sed -i "s|\"config\": {|\"config\": {\n    \"$prefix.ssl.certificate.location\": \"$tls/clients/$name.pem\",\n    \"$prefix.ssl.key.location\": \"$tls/clients/$name.key\",|" "$file"
        [[ $name != sink ]] || sed -i "s|\"config\": {|\"config\": {\n    \"$prefix.ssl.key.password\": \"$key_password\",|" "$file"
      done
    }
    add_overrides connectors/user-events-simulator.json simulator producer.override admin.override
    add_overrides connectors/user-events-postgres.json sink consumer.override producer.override admin.override
    add_overrides connectors/user-events-validator.json validator consumer.override producer.override admin.override
    grep -qF "consumer.override.ssl.key.password" connectors/user-events-postgres.json || fail "could not add the overrides"

    # 1. The worker config does not allow connectors to name files: refused, with the reason.
    run_until_done "${worker_tls[@]}"
    ((status == 2)) || { show_log "$log"; fail "connectors naming files without a --client-file-dir: exit $status, expected 2"; }
    grep -qF "key 'consumer.override.ssl.key.location': 'ssl.key.location' reads the file '$tls/clients/sink.key'; connectors may name files only under the worker config's client-file-dir directories, and this worker allows none" "$log" \
      || { show_log "$log"; fail "no reason for the refused override"; }
    pass "client certificates named by connectors are refused without a --client-file-dir, with the reason"

    # 2. Allowed: each connector's clients present its certificate; the validator PASSes.
    run_until_done "${worker_tls[@]}" --client-file-dir "$tls/clients"
    expect_pass
    ! grep -rqF "$key_password" "$log" "$INGEST_STATE_DIR/status.json" || fail "the key password is shown"
    pass "mutual TLS through connector overrides: the validator PASSes, the key password is masked"
    ;;
esac
