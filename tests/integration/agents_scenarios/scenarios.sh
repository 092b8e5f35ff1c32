#!/usr/bin/env bash
# Agent scenarios of issue 8 as separate processes on loopback (docs/agents.md "What is tested"):
#   scenarios.sh PROSE_BINARY SCENARIO [PORT_BASE]
# SCENARIO: relay-not-authorised | ue-not-authorised | pkmf-down | loss | delay | rekey | address-change | stop-delivery |
#           key-request-trigger | pf-discovery | psdk-refresh | pf-not-authorised | gba | gba-rebootstrap
# Ports PORT_BASE .. PORT_BASE+19 on 127.0.0.1. Without PORT_BASE (as ctest runs it) a range of 20 ports that are
# all free for TCP and UDP at the start is drawn at random, so that scenarios of several checkouts run at once.
set -u
PROSE=$(realpath "$1") SCENARIO=$2 BASE=${3:-}
if [ -z "$BASE" ]; then
  BASE=$(python3 - <<'PY'
import random, socket
for _ in range(200):
    base = random.randrange(20000, 32768 - 20)  # below the ephemeral range
    held = []
    try:
        for port in range(base, base + 20):
            for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                s = socket.socket(socket.AF_INET, kind)
                held.append(s)
                s.bind(("127.0.0.1", port))
        print(base)
        break
    except OSError:
        pass
    finally:
        for s in held:
            s.close()
PY
  )
  [ -n "$BASE" ] || { echo "FAILED: no free range of 20 ports"; exit 1; }
fi
DIR=$(mktemp -d "${TMPDIR:-/tmp}/prose-agents-$SCENARIO-XXXXXX")
HSS_PORT=$BASE PKMF_PORT=$((BASE + 1)) ECHO_PORT=$((BASE + 2)) RELAY_SL=$((BASE + 3))
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
}
trap cleanup EXIT
fail() {
  echo "FAILED: $SCENARIO: $*"
  for f in "$DIR"/*.log; do echo "---- $f"; tail -n 40 "$f"; done
  exit 1
}
step() { echo "-- $*"; }
# wait_for FILE REGEX SECONDS
wait_for() {
  local end=$((SECONDS + $3))
  while ((SECONDS < end)); do
    grep -Eq -- "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  grep -Eq -- "$2" "$1" 2>/dev/null
}
# wait_exit PID SECONDS -> the exit status, 124 on timeout
wait_exit() {
  local end=$((SECONDS + $2))
  while ((SECONDS < end)); do
    if ! kill -0 "$1" 2>/dev/null; then
      wait "$1"
      return $?
    fi
    sleep 0.1
  done
  return 124
}
start() {  # start NAME ARGS... : runs in $DIR, stdout+stderr to NAME.log, pid in LAST
  local name=$1
  shift
  (cd "$DIR" && exec "$@" >"$DIR/$name.log" 2>&1) &
  LAST=$!
  PIDS+=("$LAST")
}

# UE table: name imsi l2 sidelink-port app-port
declare -A IMSI=([ue1]=001010000000201 [ue2]=001010000000202 [ue3]=001010000000203)
declare -A L2=([ue1]=0x00b001 [ue2]=0x00b002 [ue3]=0x00b003)
declare -A SL=([ue1]=$((BASE + 4)) [ue2]=$((BASE + 5)) [ue3]=$((BASE + 6)))
declare -A APP=([ue1]=$((BASE + 7)) [ue2]=$((BASE + 8)) [ue3]=$((BASE + 9)))
declare -A K OPC
LOSS=0
RELAY_RSC=0xabcd UE_RSC=0xabcd
# The agents log link::Retransmitted events as EVT|retransmit|<message> attempt <n> lines; 0 skips that check.
REQUIRE_RETRANSMIT_LOG=${REQUIRE_RETRANSMIT_LOG:-1}

setup_core() {  # HSS subscribers for all UEs, PKMF config with certificates for all UEs and relay r1
  "$PROSE" hss example-config --dir "$DIR/hss" --port "$HSS_PORT" >/dev/null || fail "hss example-config"
  sed -i 's/pkmf\.prose\.lab/pkmf.prose.test/g' "$DIR/hss/hss.toml"
  for u in ue1 ue2 ue3; do
    K[$u]=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
    OPC[$u]=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
    "$PROSE" hss add-subscriber --config "$DIR/hss/hss.toml" --imsi "${IMSI[$u]}" --k "${K[$u]}" --opc "${OPC[$u]}" \
      >/dev/null || fail "hss add-subscriber"
  done
  "$PROSE" pkmf example-config --dir "$DIR/pkmf" --port "$PKMF_PORT" --mikey-port 0 --hss-port "$HSS_PORT" \
    --ue "${IMSI[ue1]}" --ue "${IMSI[ue2]}" --ue "${IMSI[ue3]}" --relay r1 >/dev/null || fail "pkmf example-config"
  PCFG=$DIR/pkmf/pkmf.toml
}
admin() { "$PROSE" admin --config "$PCFG" "$@" >/dev/null || fail "admin $*"; }
start_hss() { start hss "$PROSE" hss --config "$DIR/hss/hss.toml"; }
start_pkmf() {
  start pkmf "$PROSE" pkmf --config "$PCFG"
  PKMF_PID=$LAST
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$PKMF_PORT") 2>/dev/null && return 0
    sleep 0.1
  done
  fail "PKMF did not open port $PKMF_PORT"
}
start_echo() {
  start echo python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
while True:
    d, a = s.recvfrom(65536)
    s.sendto(d, a)' "$ECHO_PORT"
}
pkmf_section() {  # pkmf_section CERT-BASE
  local pki=$DIR/pkmf/pki
  printf '[pkmf]\nhost = "127.0.0.1"\nport = %s\nca = "%s"\ncert = "%s"\nkey = "%s"\n' \
    "$PKMF_PORT" "$pki/ca.pem" "$pki/$1.pem" "$pki/$1.key"
}
start_relay() {
  local peers="${SL[ue1]}, ${SL[ue2]}, ${SL[ue3]}"
  {
    printf '[relay]\nname = "relay"\nl2_id = 0x00aa01\nrelay_service_code = %s\nannounce_ms = 200\n' "$RELAY_RSC"
    printf '[upstream]\nport = %s\n' "$ECHO_PORT"
    pkmf_section relay-r1
    printf '[sidelink]\nport = %s\npeers = [%s]\nloss = %s\n%s\n' "$RELAY_SL" "$peers" "$LOSS" "$SL_EXTRA"
  } >"$DIR/relay.toml"
  start relay "$PROSE" relay --config "$DIR/relay.toml"
  RELAY_PID=$LAST
}
start_ue() {  # start_ue NAME PROVISION(true|false) [EXTRA-UE-LINES] [SIDELINK-LOSS]; log NAME.log (appended per run)
  local u=$1
  {
    printf '[ue]\nname = "%s"\nimsi = "%s"\nl2_id = %s\nrelay_service_code = %s\n' "$u" "${IMSI[$u]}" "${L2[$u]}" "$UE_RSC"
    printf 'k = "%s"\nopc = "%s"\nkey_store = "%s.keys"\n' "${K[$u]}" "${OPC[$u]}" "$u"
    printf 'kek = "%s"\n' "$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"
    printf 'provision = %s\ndiscovery = "A"\napp_port = %s\n%s\n' "$2" "${APP[$u]}" "${3:-}"
    pkmf_section "ue-${IMSI[$u]}"
    printf '[sidelink]\nport = %s\npeers = [%s]\nloss = %s\n%s\n' "${SL[$u]}" "$RELAY_SL" "${4:-$LOSS}" "$SL_EXTRA"
  } >"$DIR/$u.toml"
  (cd "$DIR" && exec "$PROSE" remote-ue --config "$DIR/$u.toml" >>"$DIR/$u.log" 2>&1) &
  LAST=$!
  PIDS+=("$LAST")
}
# data_through NAME COUNT: COUNT datagrams through the UE's app port, each must come back from the echo server
data_through() {
  python3 - "${APP[$1]}" "$2" <<'PY' || fail "$1: user data did not come back through the relay"
import socket, sys
port, count = int(sys.argv[1]), int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1.0)
for i in range(count):
    msg = b"datagram %d through the relay" % i
    for attempt in range(8):
        s.sendto(msg, ("127.0.0.1", port))
        try:
            d = s.recv(4096)
            while d != msg:
                d = s.recv(4096)
            break
        except socket.timeout:
            continue
    else:
        sys.exit("datagram %d never came back" % i)
PY
}

SL_EXTRA=""
setup_core
start_hss
start_echo
case "$SCENARIO" in
relay-not-authorised)
  # r1 is authorised for RSC 0xabcd only; relay and UE use 0x1234, which the PKMF knows (relay r2 serves it) and
  # for which the UE itself is authorised.
  admin ue-add --imsi "${IMSI[ue1]}" --rsc 1234
  admin relay-add --id r1 --rsc abcd
  admin relay-add --id r2 --rsc 1234
  RELAY_RSC=0x1234 UE_RSC=0x1234
  start_pkmf
  start_relay
  step "ue1 (PRUK by MIKEY) asks relay r1, which is not authorised for RSC 0x1234"
  start_ue ue1 true
  UE=$LAST
  wait_for "$DIR/ue1.log" '^EVT\|pruk\|' 20 || fail "ue1 got no PRUK"
  wait_exit "$UE" 30
  rc=$?
  ((rc != 0 && rc != 124)) || fail "ue1 did not stop with an error (status $rc)"
  grep -E '^MSC\|PKMF\|relay\|PC8 Key Response \(error (unknown-relay-service-code|relay-not-authorised)' "$DIR/relay.log" ||
    fail "relay log has no PKMF error for the RSC"
  grep -E '^MSC\|relay\|ue@0x00b001\|Direct Communication Reject \(cause #' "$DIR/relay.log" ||
    fail "relay did not reject the DCR with a cause"
  grep -E '^EVT\|failed\|link setup failed: PC5 cause #[0-9]+ from the relay' "$DIR/ue1.log" ||
    fail "ue1 log has no clear setup failure with the cause"
  grep -q '^EVT|ready|' "$DIR/ue1.log" && fail "ue1 secured a link through an unauthorised relay"
  ;;
ue-not-authorised)
  # ue2 has a certificate and an HSS subscription but is not provisioned at the PKMF; ue3 is provisioned without
  # the relay's RSC. The relay r1 is authorised for 0xabcd.
  admin relay-add --id r1 --rsc abcd
  admin ue-add --imsi "${IMSI[ue3]}" --rsc 5678
  start_pkmf
  start_relay
  step "ue2 (not provisioned) sends a Key Request"
  start_ue ue2 true
  wait_exit "$LAST" 20
  rc=$?
  ((rc != 0 && rc != 124)) || fail "ue2 Key Request did not fail (status $rc)"
  grep -E 'PKMF refused the Key Request: [a-z-]+' "$DIR/ue2.log" || fail "no clear PKMF refusal in ue2's log"
  step "ue2 without a PRUK: DCR with its IMSI"
  start_ue ue2 false
  wait_exit "$LAST" 30
  rc=$?
  ((rc != 0 && rc != 124)) || fail "ue2 link setup did not fail (status $rc)"
  grep -E '^MSC\|PKMF\|relay\|PC8 Key Response \(error [a-z-]+\)' "$DIR/relay.log" || fail "relay got no PKMF error"
  grep -E '^MSC\|relay\|ue@0x00b002\|Direct Communication Reject \(cause #' "$DIR/relay.log" ||
    fail "relay did not reject ue2's DCR"
  grep -E '^EVT\|failed\|link setup failed: PC5 cause #[0-9]+ from the relay' "$DIR/ue2.log" ||
    fail "ue2 log has no setup failure with the cause"
  step "ue3 (provisioned for another RSC only) with its IMSI"
  start_ue ue3 false
  wait_exit "$LAST" 30
  rc=$?
  ((rc != 0 && rc != 124)) || fail "ue3 link setup did not fail (status $rc)"
  grep -E '^MSC\|relay\|ue@0x00b003\|Direct Communication Reject \(cause #' "$DIR/relay.log" ||
    fail "relay did not reject ue3's DCR"
  grep -q '^EVT|ready|' "$DIR/ue2.log" "$DIR/ue3.log" && fail "an unauthorised UE secured a link"
  ;;
pkmf-down)
  admin ue-add --imsi "${IMSI[ue1]}" --rsc abcd
  admin ue-add --imsi "${IMSI[ue2]}" --rsc abcd
  admin relay-add --id r1 --rsc abcd
  start_relay
  step "PKMF down: ue1's Key Request is retried every second"
  start_ue ue1 true
  UE1=$LAST
  wait_for "$DIR/ue1.log" '^EVT\|error\|PKMF unreachable or failed: .*\(retrying\)' 10 ||
    fail "ue1 reported no clear error while the PKMF is down"
  step "PKMF down: ue2's DCR (IMSI) is rejected by the relay with a cause"
  start_ue ue2 false
  wait_exit "$LAST" 30
  rc=$?
  ((rc != 0 && rc != 124)) || fail "ue2 link setup did not fail while the PKMF is down (status $rc)"
  grep -E '^EVT\|error\|PKMF request failed: ' "$DIR/relay.log" || fail "relay logged no PKMF error"
  grep -E '^MSC\|relay\|ue@0x00b002\|Direct Communication Reject \(cause #' "$DIR/relay.log" ||
    fail "relay did not reject ue2's DCR while the PKMF is down"
  grep -E '^EVT\|failed\|link setup failed: PC5 cause #[0-9]+ from the relay' "$DIR/ue2.log" ||
    fail "ue2 log has no setup failure with the cause"
  step "PKMF back: ue1's retried Key Request succeeds, then its link"
  start_pkmf
  wait_for "$DIR/ue1.log" '^EVT\|pruk\|MIKEY' 15 || fail "ue1 got no PRUK after the PKMF came back"
  wait_for "$DIR/ue1.log" '^EVT\|ready\|' 20 || fail "ue1 link not secured after the PKMF came back"
  data_through ue1 3
  step "PKMF back: a new attempt of ue2 succeeds (GBA Push)"
  start_ue ue2 false
  wait_for "$DIR/ue2.log" '^EVT\|ready\|.*\(from GPI\)' 30 || fail "ue2's new attempt did not secure a link"
  data_through ue2 3
  ;;
loss)
  LOSS=0.2
  admin ue-add --imsi "${IMSI[ue1]}" --rsc abcd
  admin ue-add --imsi "${IMSI[ue2]}" --rsc abcd
  admin relay-add --id r1 --rsc abcd
  start_pkmf
  start_relay
  step "20% of PC5 frames dropped in every direction: ue1 (PRUK ID) and ue2 (IMSI, GBA Push)"
  start_ue ue1 true
  start_ue ue2 false
  wait_for "$DIR/ue1.log" '^EVT\|ready\|' 50 || fail "ue1 link not secured under 20% loss"
  wait_for "$DIR/ue2.log" '^EVT\|ready\|' 30 || fail "ue2 link not secured under 20% loss"
  data_through ue1 5
  data_through ue2 5
  grep -q '^EVT|failed|' "$DIR/ue1.log" "$DIR/ue2.log" && fail "a link setup failed under 20% loss"
  # Retransmissions (link::Retransmitted, logged as EVT|retransmit|). Whether ue1/ue2 needed one depends on which
  # frames were lost (none of their 8 handshake PDUs is lost in about 17% of runs), so they are only counted; ue3
  # loses every frame it sends, so its DCR is retransmitted for certain.
  n=$(cat "$DIR/ue1.log" "$DIR/ue2.log" "$DIR/relay.log" | grep -c '^EVT|retransmit|')
  echo "retransmissions logged by ue1, ue2 and the relay: $n"
  if ((REQUIRE_RETRANSMIT_LOG)); then
    step "ue3 loses all its PC5 frames: its DCR is retransmitted (T4100) and the retransmission is logged"
    start_ue ue3 false '' 1.0
    wait_for "$DIR/ue3.log" '^EVT\|retransmit\|DIRECT_COMMUNICATION_REQUEST attempt 1' 15 ||
      fail "ue3 logged no retransmission of its lost DCR"
    grep -q '^EVT|ready|' "$DIR/ue3.log" && fail "ue3 secured a link although all its frames were lost"
  fi
  ;;
delay)
  LOSS=0.1
  SL_EXTRA=$'delay_ms = 40\njitter_ms = 30'
  admin ue-add --imsi "${IMSI[ue1]}" --rsc abcd
  admin ue-add --imsi "${IMSI[ue2]}" --rsc abcd
  admin relay-add --id r1 --rsc abcd
  start_pkmf
  start_relay
  step "every PC5 frame delayed 40-70 ms (so reordered) and 10% lost: ue1 (PRUK ID) and ue2 (IMSI, GBA Push)"
  start_ue ue1 true
  start_ue ue2 false
  wait_for "$DIR/ue1.log" '^EVT\|ready\|' 50 || fail "ue1 link not secured with delay"
  wait_for "$DIR/ue2.log" '^EVT\|ready\|' 30 || fail "ue2 link not secured with delay"
  data_through ue1 5
  data_through ue2 5
  grep -q '^EVT|failed|' "$DIR/ue1.log" "$DIR/ue2.log" && fail "a link setup failed with delay"
  # The delay is real: a datagram's round trip crosses PC5 twice, so it takes at least 2 x 40 ms.
  python3 - "${APP[ue1]}" <<'PY' || fail "round trips through the delayed sidelink were faster than the delay"
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1.0)
rtts = []
for i in range(10):
    msg = b"timed %d" % i
    t0 = time.monotonic()
    s.sendto(msg, ("127.0.0.1", int(sys.argv[1])))
    try:
        while s.recv(4096) != msg:
            pass
    except socket.timeout:
        continue
    rtts.append(time.monotonic() - t0)
print("round trips through the relay (ms):", " ".join("%.0f" % (r * 1000) for r in rtts))
sys.exit(0 if rtts and min(rtts) >= 0.080 else 1)
PY
  ;;
rekey)
  admin ue-add --imsi "${IMSI[ue1]}" --rsc abcd
  admin ue-add --imsi "${IMSI[ue2]}" --rsc abcd
  admin relay-add --id r1 --rsc abcd
  start_pkmf
  start_relay
  # ue2's PRUK came from the GPI of its setup: link::RemoteUe keeps it, so its Auth Flag rekeys (the PKMF derives KD
  # from that PRUK, no new GPI) work too.
  step "ue1 (PRUK by MIKEY) and ue2 (PRUK by GBA Push) rekey with Auth Flag 1 (fresh KD from the PKMF) every 4 datagrams"
  start_ue ue1 true $'rekey_every = 4\nrekey_auth = true'
  start_ue ue2 false $'rekey_every = 4\nrekey_auth = true'
  wait_for "$DIR/ue1.log" '^EVT\|ready\|' 20 || fail "ue1 link not secured"
  wait_for "$DIR/ue2.log" '^EVT\|ready\|' 20 || fail "ue2 link not secured"
  # Data keeps flowing while a rekey runs (the relay fetches the fresh KD off its event loop), so how many datagrams
  # a rekey spans depends on the PKMF round trip: send in rounds of 8 until each UE completed 3 rekeys.
  for u in ue1 ue2; do
    sent=0
    while :; do
      data_through $u 8
      sent=$((sent + 8))
      n=$(grep -c '^EVT|rekeyed|' "$DIR/$u.log")
      ((n >= 3 || sent >= 400)) && break
    done
    ((n >= 3)) || fail "$u: only $n rekeys completed while $sent datagrams flowed"
    echo "$u: $n rekeys, $sent datagrams echoed"
  done
  grep -q '^EVT|failed|' "$DIR/ue1.log" "$DIR/ue2.log" && fail "a link failed during rekeying"
  n=$(grep -c '^MSC|PKMF|relay|PC8 Key Response (KD' "$DIR/relay.log")
  ((n >= 8)) || fail "relay fetched only $n KDs (Auth Flag rekeys of both UEs must fetch fresh ones)"
  ;;
address-change)
  # Issue 8: a Remote UE whose address changes sends a new Key Request with it; a later PRUK push arrives there.
  # SIGHUP emulates the change (new MIKEY socket). pruk_max_age_s = 1 makes the PKMF push a fresh PRUK on that
  # Key Request (its newest PRUK is then older than its policy allows).
  admin ue-add --imsi "${IMSI[ue1]}" --rsc abcd
  admin relay-add --id r1 --rsc abcd
  sed -i 's/^pruk_max_age_s = .*/pruk_max_age_s = 1/' "$PCFG"
  start_pkmf
  start_relay
  start_ue ue1 true
  UE1=$LAST
  wait_for "$DIR/ue1.log" '^EVT\|ready\|' 20 || fail "ue1 link not secured"
  data_through ue1 2
  OLD=$(sed -n 's/^EVT|start|.* MIKEY address 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$DIR/ue1.log")
  FIRST=$(sed -n 's/^EVT|pruk|MIKEY PRUK ID \([0-9a-f]*\) .*/\1/p' "$DIR/ue1.log" | head -n 1)
  [[ -n $OLD && -n $FIRST ]] || fail "ue1 logged no MIKEY address or PRUK"
  sleep 2
  step "ue1's address changes (SIGHUP): new Key Request with the new address, the next PRUK push goes there"
  kill -HUP "$UE1"
  wait_for "$DIR/ue1.log" '^EVT\|address\|' 5 || fail "ue1 did not change its address"
  NEW=$(sed -n 's/^EVT|address|UE address changed: MIKEY now at 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$DIR/ue1.log")
  [[ -n $NEW && $NEW != "$OLD" ]] || fail "no new MIKEY port (old $OLD, new '$NEW')"
  wait_for "$DIR/ue1.log" "^MSC\|ue1\|PKMF\|PC8 Key Request \(PRUK delivery start, UE address 127\.0\.0\.1:$NEW," 10 ||
    fail "no Key Request with the new address 127.0.0.1:$NEW"
  wait_for "$DIR/ue1.log" "^EVT\|pruk\|MIKEY PRUK ID [0-9a-f]+ PRUK .* at 127\.0\.0\.1:$NEW\$" 15 ||
    fail "no PRUK push arrived at the new address 127.0.0.1:$NEW"
  SECOND=$(sed -n 's/^EVT|pruk|MIKEY PRUK ID \([0-9a-f]*\) .*/\1/p' "$DIR/ue1.log" | tail -n 1)
  [[ $SECOND != "$FIRST" ]] || fail "the push after the address change carried the old PRUK ID"
  echo "ue1: MIKEY port $OLD -> $NEW, PRUK ID $FIRST -> $SECOND"
  data_through ue1 2
  ;;
stop-delivery)
  # Issue 8: before a Remote UE gives up PRUK delivery it tells the PKMF (Key Request with the stop indication);
  # the PKMF's store then shows delivery off. ue1: on demand (SIGUSR1); ue2: on exit (stop_pruk_delivery_on_exit).
  admin ue-add --imsi "${IMSI[ue1]}" --rsc abcd
  admin ue-add --imsi "${IMSI[ue2]}" --rsc abcd
  admin relay-add --id r1 --rsc abcd
  start_pkmf
  start_relay
  delivery() { "$PROSE" admin --json --config "$PCFG" ue-show --imsi "${IMSI[$1]}" | tr -d ' \n' |
    grep -o '"pruk_delivery":[a-z]*' | cut -d: -f2; }
  start_ue ue1 true
  UE1=$LAST
  start_ue ue2 true 'stop_pruk_delivery_on_exit = true'
  UE2=$LAST
  wait_for "$DIR/ue1.log" '^EVT\|ready\|' 20 || fail "ue1 link not secured"
  wait_for "$DIR/ue2.log" '^EVT\|ready\|' 20 || fail "ue2 link not secured"
  [[ $(delivery ue1) == true && $(delivery ue2) == true ]] || fail "PKMF store does not show delivery on"
  step "ue1 gives up PRUK delivery on demand (SIGUSR1)"
  kill -USR1 "$UE1"
  wait_for "$DIR/ue1.log" '^EVT\|delivery\|PRUK delivery stopped at PKMF' 10 || fail "ue1 logged no stop"
  grep -E '^MSC\|ue1\|PKMF\|PC8 Key Request \(PRUK delivery stop,' "$DIR/ue1.log" || fail "ue1 sent no stop request"
  [[ $(delivery ue1) == false ]] || fail "PKMF store still shows delivery on for ue1 ($(delivery ue1))"
  [[ $(delivery ue2) == true ]] || fail "ue2's delivery changed with ue1's stop"
  step "after the stop an address change of ue1 sends no Key Request (it no longer wants PRUKs)"
  kill -HUP "$UE1"
  wait_for "$DIR/ue1.log" '^EVT\|address\|' 5 || fail "ue1 did not change its address"
  sleep 1
  n=$(grep -c '^MSC|ue1|PKMF|PC8 Key Request (PRUK delivery start' "$DIR/ue1.log")
  ((n == 1)) || fail "ue1 sent $n start Key Requests, expected 1"
  [[ $(delivery ue1) == false ]] || fail "ue1's delivery was switched on again"
  data_through ue1 2
  step "ue2 stops (SIGTERM) with stop_pruk_delivery_on_exit = true"
  kill -TERM "$UE2"
  wait_exit "$UE2" 10
  wait_for "$DIR/ue2.log" '^EVT\|delivery\|PRUK delivery stopped at PKMF' 1 || fail "ue2 logged no stop on exit"
  [[ $(delivery ue2) == false ]] || fail "PKMF store still shows delivery on for ue2"
  ;;
key-request-trigger)
  # Issue 13: the operator asks a UE to come back with a Key Request (MIKEY with the all-zero PRUK ID, clause
  # 6.X.3.3.2.3). With --revoke-pmk the UE gets a new PMK and a new PRUK; without it the PKMF's policy decides (the
  # UE holds the newest PRUK: none). A link up on the old PRUK keeps running; the next link uses the new PRUK.
  admin ue-add --imsi "${IMSI[ue1]}" --rsc abcd
  admin ue-add --imsi "${IMSI[ue2]}" --rsc abcd
  admin relay-add --id r1 --rsc abcd
  start_pkmf
  start_relay
  trigger() { "$PROSE" admin --config "$PCFG" --json trigger-key-request --imsi "$@"; }
  pruk_ids() { grep -oE '^EVT\|pruk\|MIKEY PRUK ID [0-9a-f]{16}' "$DIR/ue1.log" | grep -oE '[0-9a-f]{16}$'; }
  pmk_ids() { grep -oE '^MSC\|PKMF\|ue1\|PC8 Key Response \(Key Type ID [0-9a-f]+, PMK ID [0-9a-f]{16}' "$DIR/ue1.log" |
    grep -oE '[0-9a-f]{16}$'; }
  key_requests() { grep -c '^MSC|ue1|PKMF|PC8 Key Request (PRUK delivery start' "$DIR/ue1.log"; }
  step "a UE that never sent a Key Request cannot be triggered (no address, no PMK)"
  out=$(trigger "${IMSI[ue2]}" 2>&1)
  rc=$?
  ((rc == 2)) || fail "trigger for ue2 exited $rc, expected 2 (bad input): $out"
  grep -q 'has not reported a MIKEY address\|has no PMK' <<<"$out" || fail "no clear reason for ue2: $out"
  step "ue1 gets a PRUK by MIKEY and secures a link with it"
  start_ue ue1 true
  UE1=$LAST
  wait_for "$DIR/ue1.log" '^EVT\|ready\|' 30 || fail "ue1 link not secured"
  first=$(pruk_ids | tail -n 1)
  [[ -n $first ]] || fail "no MIKEY PRUK in ue1's log"
  grep -qE "^EVT\|ready\|.*PRUK ID $first" "$DIR/ue1.log" || fail "ue1's link does not use PRUK $first"
  data_through ue1 2
  step "operator: trigger-key-request --revoke-pmk"
  trigger "${IMSI[ue1]}" --revoke-pmk >"$DIR/trigger1.json" 2>&1 || fail "trigger failed: $(cat "$DIR/trigger1.json")"
  tr -d ' \n' <"$DIR/trigger1.json" | grep -q '"verified_by_the_ue":true' || fail "trigger not verified"
  wait_for "$DIR/ue1.log" '^EVT\|trigger\|MIKEY with the all-zero PRUK ID' 10 || fail "ue1 logged no trigger"
  for _ in $(seq 100); do [[ $(pruk_ids | wc -l) -ge 2 ]] && break; sleep 0.1; done
  second=$(pruk_ids | tail -n 1)
  [[ -n $second && $second != "$first" ]] || fail "ue1 got no new PRUK after the trigger (PRUKs: $(pruk_ids | xargs))"
  (($(key_requests) == 2)) || fail "ue1 sent $(key_requests) Key Requests, expected 2"
  [[ $(pmk_ids | wc -l) -eq 2 && $(pmk_ids | sort -u | wc -l) -eq 2 ]] || fail "ue1 did not get a new PMK: $(pmk_ids | xargs)"
  grep '^EVT|trigger|' "$DIR/ue1.log" | grep -qE 'PRUK [0-9a-f]|[0-9a-f]{32}' && fail "the trigger's key was shown"
  step "the link secured with the old PRUK keeps running on its KD"
  data_through ue1 2
  step "operator: trigger-key-request again, without --revoke-pmk: the UE holds the newest PRUK, so no new one"
  trigger "${IMSI[ue1]}" >"$DIR/trigger2.json" 2>&1 || fail "second trigger failed: $(cat "$DIR/trigger2.json")"
  for _ in $(seq 100); do (($(key_requests) >= 3)) && break; sleep 0.1; done
  (($(key_requests) == 3)) || fail "ue1 sent $(key_requests) Key Requests after the second trigger, expected 3"
  sleep 1
  [[ $(pruk_ids | wc -l) -eq 2 ]] || fail "a PRUK was pushed although the UE holds the newest one"
  [[ $(pmk_ids | wc -l) -eq 2 ]] || fail "a PMK was issued without --revoke-pmk"
  step "the UE's next link uses the new PRUK"
  kill -TERM "$UE1"
  wait_exit "$UE1" 10
  sed -i 's/^provision = true/provision = false/' "$DIR/ue1.toml"  # same key store and KEK, no Key Request
  (cd "$DIR" && exec "$PROSE" remote-ue --config "$DIR/ue1.toml" >>"$DIR/ue1.log" 2>&1) &
  LAST=$!
  PIDS+=("$LAST")
  wait_for "$DIR/ue1.log" "^EVT\|ready\|.*PRUK ID $second" 30 || fail "ue1's next link does not use PRUK $second"
  data_through ue1 2
  step "a UE that stopped PRUK delivery is not triggered (its address may no longer be its own)"
  kill -USR1 "$LAST"
  wait_for "$DIR/ue1.log" '^EVT\|delivery\|PRUK delivery stopped at PKMF' 10 || fail "ue1 logged no stop"
  out=$(trigger "${IMSI[ue1]}" 2>&1)
  rc=$?
  ((rc == 2)) || fail "trigger after the stop exited $rc, expected 2: $out"
  grep -q 'has stopped PRUK delivery' <<<"$out" || fail "no clear reason after the stop: $out"
  ;;
gba | gba-rebootstrap)
  # Issue 21: the agents authenticate with GBA instead of client certificates. The HSS/BSF serves Ub; the agents
  # bootstrap with their USIM and reach the ProSe Function (hosted in the PKMF, PC3) and the PKMF (PC8) with
  # PSK-TLS 1.3 (B-TID, Ks_(ext)_NAF); the PKMF takes the keys from the BSF over Zn. The relay bootstraps with its own
  # subscription, mapped to relay r1 by the PKMF's [tls] relay_imsis.
  UB_PORT=$((BASE + 10)) RELAY_IMSI=001010000000901
  RELAY_K=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n') RELAY_OPC=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
  sed -i "s|^# ub_listen = .*|ub_listen = \"127.0.0.1:$UB_PORT\"|" "$DIR/hss/hss.toml"
  grep -q '^ub_listen' "$DIR/hss/hss.toml" || fail "the HSS example config has no ub_listen line to enable"
  "$PROSE" hss add-subscriber --config "$DIR/hss/hss.toml" --imsi "$RELAY_IMSI" --k "$RELAY_K" --opc "$RELAY_OPC" \
    >/dev/null || fail "hss add-subscriber (relay)"
  kill "${PIDS[0]}" 2>/dev/null
  wait "${PIDS[0]}" 2>/dev/null
  start_hss  # again, with Ub
  HSS_PID=$LAST
  admin ue-add --imsi "${IMSI[ue1]}" --rsc abcd
  admin ue-add --imsi "${IMSI[ue2]}" --rsc abcd
  admin relay-add --id r1 --rsc abcd
  # The PKMF's [tls]: gba mode instead of the certificate files; the hosted ProSe Function is served on it too.
  python3 - "$PCFG" "$RELAY_IMSI" <<'PY' || fail "could not switch the PKMF to [tls] mode = gba"
import re, sys
path, relay_imsi = sys.argv[1], sys.argv[2]
text = open(path).read()
gba = '[tls]\nmode = "gba"\nnaf_fqdn = "pkmf.prose.test"\nrelay_imsis = { r1 = "%s" }\n\n' % relay_imsi
text, n = re.subn(r'(?ms)^\[tls\]\n.*?(?=^\[)', gba, text)
if n != 1:
    sys.exit("no [tls] section")
open(path, "w").write(text + '\n[prose_function]\nenabled = true\n')
PY
  pkmf_section() {  # replaces [pkmf]: the ProSe Function's address and [gba] (no certificate files)
    printf '[prose_function]\nhost = "127.0.0.1"\nport = %s\n[gba]\nbsf = "http://127.0.0.1:%s/"\n' "$PKMF_PORT" "$UB_PORT"
    [[ $1 == relay-r1 ]] && printf 'imsi = "%s"\nk = "%s"\nopc = "%s"\n' "$RELAY_IMSI" "$RELAY_K" "$RELAY_OPC"
    true
  }
  start_pkmf
  start_relay
  wait_for "$DIR/relay.log" '^EVT\|authorised\|relay for RSC 0x00abcd' 15 || fail "relay not authorised over PC3 with GBA"
  grep -E '^MSC\|BSF\|relay\|Ub 401 Unauthorized' "$DIR/relay.log" >/dev/null || fail "relay log shows no Ub challenge"
  grep -E '^EVT\|gba\|bootstrapped as 001010000000901@' "$DIR/relay.log" || fail "relay did not bootstrap"
  wait_for "$DIR/relay.log" '^EVT\|psdk\|RSC 0x00abcd PSDK ID ' 10 || fail "relay got no PSDK over PC8 with GBA"
  step "ue1 (Key Request over PC8 with GBA, PRUK by MIKEY) -> relay KD request -> DSM"
  start_ue ue1 true
  UE1=$LAST
  wait_for "$DIR/ue1.log" '^EVT\|pruk\|' 20 || fail "ue1 got no PRUK"
  grep -E "^EVT\|gba\|bootstrapped as ${IMSI[ue1]}@.*: B-TID [A-Za-z0-9+/=]+@bsf\.prose\.lab until " "$DIR/ue1.log" ||
    fail "ue1 did not bootstrap"
  wait_for "$DIR/ue1.log" '^EVT\|ready\|' 20 || fail "ue1 link not secured"
  grep -E '^MSC\|relay\|PKMF\|PC8 Key Request' "$DIR/relay.log" >/dev/null || fail "relay sent no KD request"
  data_through ue1 3
  grep -E 'gba: PSK identity .* refused' "$DIR/pkmf.log" && fail "the PKMF refused a B-TID in the normal flow"
  grep -E "Ub GET / impi=${IMSI[ue1]}@.* -> 200 btid=" "$DIR/hss.log" >/dev/null || fail "the BSF logged no Ub 200 for ue1"
  if [[ $SCENARIO == gba ]]; then
    step "ue2 (IMSI, GBA Push through the relay) shares its USIM between Ub and GBA Push: no SQN failure"
    start_ue ue2 false
    wait_for "$DIR/ue2.log" '^EVT\|ready\|.*\(from GPI\)' 30 || fail "ue2 did not secure a link with a GBA Push PRUK"
    grep -E "^EVT\|gba\|bootstrapped as ${IMSI[ue2]}@" "$DIR/ue2.log" || fail "ue2 did not bootstrap"
    grep -qi 'sync' "$DIR/ue2.log" && fail "ue2 saw an SQN failure"
    data_through ue2 3
  else
    step "the HSS/BSF and the PKMF restart: the B-TIDs the agents hold are unknown; the next request re-bootstraps"
    kill "$HSS_PID" "$PKMF_PID"
    wait "$HSS_PID" "$PKMF_PID" 2>/dev/null
    start_hss
    start_pkmf
    for _ in $(seq 50); do grep -q "^Ub:" "$DIR/hss.log" && break; sleep 0.1; done
    responses=$(grep -c '^MSC|PKMF|ue1|PC8 Key Response' "$DIR/ue1.log")
    step "ue1's address changes (SIGHUP): its new Key Request meets the restarted PKMF with the old B-TID"
    kill -HUP "$UE1"
    wait_for "$DIR/ue1.log" '^EVT\|gba\|the NAF refused B-TID .*: bootstrapping again' 15 ||
      fail "ue1 did not notice that the PKMF refused its B-TID"
    wait_for "$DIR/ue1.log" '^EVT\|gba\|bootstrapped as .* \(replaces .*\)' 10 || fail "ue1 did not bootstrap again"
    for _ in $(seq 100); do
      (($(grep -c '^MSC|PKMF|ue1|PC8 Key Response' "$DIR/ue1.log") > responses)) && break
      sleep 0.1
    done
    (($(grep -c '^MSC|PKMF|ue1|PC8 Key Response' "$DIR/ue1.log") > responses)) ||
      fail "ue1's Key Request got no answer after the new bootstrap"
    grep -E 'gba: PSK identity .* refused' "$DIR/pkmf.log" >/dev/null || fail "the PKMF logged no refused B-TID"
    (($(grep -c '^EVT|gba|bootstrapped' "$DIR/ue1.log") == 2)) || fail "ue1 bootstrapped more than once again"
  fi
  ;;
pf-discovery | psdk-refresh | pf-not-authorised)
  # Issue 9: agents that know only the ProSe Function (hosted in the PKMF process): PC3 service authorisation gives
  # the PKMF address and the discovery settings, the PKMF the PSDK; discovery is protected (MIC, DUCK, DUSK).
  pf_config() {  # the PKMF process also serves the ProSe Function (after the admin commands)
    printf '\n[prose_function]\nenabled = true\n\n[prose_function.discovery]\nmax_offset = 10\n' >>"$PCFG"
    if [[ $SCENARIO == psdk-refresh ]]; then
      # PSDKs live 60 s (the PKMF's minimum) and the PKMF makes the next one only when the current one has expired;
      # the agents ask again 57 s before expiry, so their first PSDK is "about to expire" 3 s after they got it.
      sed -i 's/^psdk_lifetime_s = .*/psdk_lifetime_s = 60/; s/^psdk_renew_before_s = .*/psdk_renew_before_s = 0/' "$PCFG"
      grep -q '^psdk_lifetime_s = 60' "$PCFG" || printf '\n[discovery]\npsdk_lifetime_s = 60\npsdk_renew_before_s = 0\n' >>"$PCFG"
    fi
  }
  [[ $SCENARIO == psdk-refresh ]] && PF_EXTRA='psdk_refresh_before_s = 57'
  pkmf_section() {  # replaces [pkmf]: the agents know only the ProSe Function's address and their TLS files
    local pki=$DIR/pkmf/pki
    printf '[prose_function]\nhost = "127.0.0.1"\nport = %s\nca = "%s"\ncert = "%s"\nkey = "%s"\n%s\n' \
      "$PKMF_PORT" "$pki/ca.pem" "$pki/$1.pem" "$pki/$1.key" "${PF_EXTRA:-}"
  }
  start_ue_model() {  # start_ue_model NAME PROVISION MODEL
    local u=$1
    {
      printf '[ue]\nname = "%s"\nimsi = "%s"\nl2_id = %s\nrelay_service_code = %s\n' "$u" "${IMSI[$u]}" "${L2[$u]}" "$UE_RSC"
      printf 'k = "%s"\nopc = "%s"\nkey_store = "%s.keys"\n' "${K[$u]}" "${OPC[$u]}" "$u"
      printf 'kek = "%s"\n' "$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"
      printf 'provision = %s\ndiscovery = "%s"\napp_port = %s\n' "$2" "$3" "${APP[$u]}"
      pkmf_section "ue-${IMSI[$u]}"
      printf '[sidelink]\nport = %s\npeers = [%s]\n' "${SL[$u]}" "$RELAY_SL"
    } >"$DIR/$u.toml"
    (cd "$DIR" && exec "$PROSE" remote-ue --config "$DIR/$u.toml" >>"$DIR/$u.log" 2>&1) &
    LAST=$!
    PIDS+=("$LAST")
  }
  # inject FILE-WITH-CAP-LINES MODE: resend to the relay the last discovery frame the log shows as sent, the
  # freshest, so that a slow machine does not push it out of the receiver's time window (MODE copy: unchanged, a
  # replay; flip: one MIC bit flipped, a forgery; short: cut to 20 octets).
  inject() {
    python3 - "$1" "$2" "$RELAY_SL" <<'PY' || fail "could not inject a discovery frame"
import socket, sys
log, mode, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
frame = None
for line in open(log):
    p = line.strip().split("|")
    if p[0] == "CAP" and len(p) == 5 and p[4][6:12] == "ffffff" and len(p[4]) == 2 * (6 + 29):
        frame = bytearray(bytes.fromhex(p[4]))
if frame is None:
    sys.exit("no discovery frame in " + log)
if mode == "flip":
    frame[6 + 25] ^= 0x01
elif mode == "short":
    frame = frame[:20]
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(bytes(frame), ("127.0.0.1", port))
PY
  }
  case "$SCENARIO" in
  pf-discovery)
    admin ue-add --imsi "${IMSI[ue1]}" --rsc abcd
    admin ue-add --imsi "${IMSI[ue2]}" --rsc abcd
    admin ue-add --imsi "${IMSI[ue3]}" --rsc abcd
    admin relay-add --id r1 --rsc abcd
    pf_config
    start_pkmf
    start_relay
    wait_for "$DIR/relay.log" '^EVT\|psdk\|RSC 0x00abcd PSDK ID ' 10 || fail "relay got no PSDK"
    grep -E '^MSC\|relay\|ProSe Function\|PC3 Service Authorisation Request \(role relay, RSC 0x00abcd\)' \
      "$DIR/relay.log" >/dev/null || fail "relay sent no PC3 request"
    grep -E '^EVT\|authorised\|relay for RSC 0x00abcd; PKMF ' "$DIR/relay.log" || fail "relay not authorised by the PF"
    step "Model A: ue1 (PRUK by MIKEY) finds the relay by a protected announcement"
    start_ue_model ue1 true A
    wait_for "$DIR/ue1.log" '^EVT\|discovered\|relay L2 0x00aa01 by protected Discovery Announcement \(Model A\)' 20 ||
      fail "ue1 did not discover the relay by a protected announcement"
    grep -E '^EVT\|psdk\|' "$DIR/ue1.log" >/dev/null || fail "ue1 got no PSDK"
    wait_for "$DIR/ue1.log" '^EVT\|ready\|' 20 || fail "ue1 link not secured"
    data_through ue1 2
    step "Model B: ue2 (IMSI, GBA Push) solicits; the relay answers with a protected response"
    start_ue_model ue2 false B
    wait_for "$DIR/ue2.log" '^EVT\|discovered\|relay L2 0x00aa01 by protected Discovery Response \(Model B\)' 20 ||
      fail "ue2 did not discover the relay by a protected response"
    grep -E '^MSC\|ue@0x00b002\|relay\|Discovery Solicitation \(Model B, protected; MIC verified' "$DIR/relay.log" ||
      fail "relay did not verify ue2's solicitation"
    step "a replayed, a forged (MIC bit flipped) and a truncated copy of ue2's solicitation are ignored"
    n0=$(grep -c '^MSC|relay|ue@0x00b002|Discovery Response' "$DIR/relay.log")
    inject "$DIR/ue2.log" copy
    wait_for "$DIR/relay.log" '^EVT\|debug\|discovery PDU from L2 0x00b002 ignored: replay' 5 ||
      fail "relay did not report the replayed solicitation"
    inject "$DIR/ue2.log" flip
    wait_for "$DIR/relay.log" '^EVT\|debug\|discovery PDU from L2 0x00b002 ignored: auth' 5 ||
      fail "relay did not report the forged solicitation"
    inject "$DIR/ue2.log" short
    wait_for "$DIR/relay.log" '^EVT\|debug\|discovery PDU from L2 0x00b002 ignored: (truncated|malformed)' 5 ||
      fail "relay did not report the truncated solicitation"
    n1=$(grep -c '^MSC|relay|ue@0x00b002|Discovery Response' "$DIR/relay.log")
    ((n1 == n0)) || fail "relay answered an injected solicitation ($n0 -> $n1 responses)"
    wait_for "$DIR/ue2.log" '^EVT\|ready\|.*\(from GPI\)' 20 || fail "ue2 link not secured"
    data_through ue2 2
    step "discovery still works: ue3 (Model B) after the injected frames"
    start_ue_model ue3 false B
    wait_for "$DIR/ue3.log" '^EVT\|discovered\|relay L2 0x00aa01 by protected Discovery Response' 20 ||
      fail "ue3 did not discover the relay after the injected frames"
    wait_for "$DIR/ue3.log" '^EVT\|ready\|' 20 || fail "ue3 link not secured"
    data_through ue3 2
    grep -E '^MSC\|relay\|\*\|Discovery Announcement \(Model A, protected' "$DIR/relay.log" >/dev/null ||
      fail "relay did not announce protected"
    ;;
  psdk-refresh)
    admin ue-add --imsi "${IMSI[ue1]}" --rsc abcd
    admin relay-add --id r1 --rsc abcd
    pf_config
    start_pkmf
    start_relay
    wait_for "$DIR/relay.log" '^EVT\|psdk\|' 10 || fail "relay got no PSDK"
    FIRST=$(sed -n 's/^EVT|psdk|RSC 0x00abcd PSDK ID \([0-9a-f-]*\) .*/\1/p' "$DIR/relay.log" | head -n 1)
    step "the relay's PSDK ($FIRST) is about to expire: a new Discovery Key Request before it is used again"
    wait_for "$DIR/relay.log" '^MSC\|relay\|PKMF\|PC8 Discovery Key Request \(RSC 0x00abcd, PSDK expires in [0-9]+ s\)' 10 ||
      fail "relay sent no new Discovery Key Request for a PSDK about to expire"
    step "the PSDK expires: the relay asks again before announcing and gets the PKMF's next PSDK"
    end=$((SECONDS + 70))
    SECOND=$FIRST
    while ((SECONDS < end)) && [[ $SECOND == "$FIRST" ]]; do
      sleep 1
      SECOND=$(sed -n 's/^EVT|psdk|RSC 0x00abcd PSDK ID \([0-9a-f-]*\) .*/\1/p' "$DIR/relay.log" | tail -n 1)
    done
    [[ $SECOND != "$FIRST" ]] || fail "relay still has PSDK $FIRST"
    grep -E '^MSC\|relay\|PKMF\|PC8 Discovery Key Request \(RSC 0x00abcd, PSDK expired\)' "$DIR/relay.log" ||
      fail "the new PSDK did not come from a Discovery Key Request for an expired PSDK"
    echo "relay: PSDK ID $FIRST -> $SECOND"
    step "ue1 finds the relay under the new PSDK"
    start_ue_model ue1 true A
    wait_for "$DIR/ue1.log" "^EVT\|psdk\|RSC 0x00abcd PSDK ID $SECOND " 10 || fail "ue1 did not get PSDK $SECOND"
    wait_for "$DIR/ue1.log" '^EVT\|discovered\|relay L2 0x00aa01 by protected Discovery Announcement' 20 ||
      fail "ue1 did not discover the relay under the new PSDK"
    wait_for "$DIR/ue1.log" '^EVT\|ready\|' 20 || fail "ue1 link not secured"
    data_through ue1 2
    ;;
  pf-not-authorised)
    admin ue-add --imsi "${IMSI[ue1]}" --rsc abcd
    admin ue-add --imsi "${IMSI[ue3]}" --rsc 5678
    admin relay-add --id r1 --rsc abcd
    pf_config
    start_pkmf
    step "ue3 is authorised for RSC 0x005678 only and asks for 0x00abcd"
    start_ue_model ue3 false A
    wait_exit "$LAST" 15
    rc=$?
    ((rc != 0 && rc != 124)) || fail "ue3 did not stop with an error (status $rc)"
    grep -E '^EVT\|failed\|ProSe Function refused role remote-ue for RSC 0x00abcd: .*not-authorised' "$DIR/ue3.log" ||
      fail "ue3 logged no clear refusal by the ProSe Function"
    grep -q '^MSC|ue3|PKMF|' "$DIR/ue3.log" && fail "ue3 contacted the PKMF although the PF refused it"
    step "ue1 (a Remote UE) asks for the relay role with its own certificate"
    printf '[relay]\nname = "fake"\nl2_id = 0x00aa02\nrelay_service_code = 0xabcd\n[upstream]\nport = %s\n%s\n[sidelink]\nport = %s\n' \
      "$ECHO_PORT" "$(pkmf_section "ue-${IMSI[ue1]}")" "$((BASE + 10))" >"$DIR/fake.toml"
    start fake "$PROSE" relay --config "$DIR/fake.toml"
    wait_exit "$LAST" 15
    rc=$?
    ((rc != 0 && rc != 124)) || fail "the UE acting as relay did not stop with an error (status $rc)"
    grep -E '^EVT\|failed\|ProSe Function refused role relay for RSC 0x00abcd: .*not-authorised' "$DIR/fake.log" ||
      fail "no clear refusal of the relay role"
    step "relay r1 asks for RSC 0x001234, which it does not serve"
    RELAY_RSC=0x1234
    start_relay
    wait_exit "$LAST" 15
    rc=$?
    ((rc != 0 && rc != 124)) || fail "relay r1 did not stop with an error for RSC 0x1234 (status $rc)"
    grep -E '^EVT\|failed\|ProSe Function refused role relay for RSC 0x001234: .*not-authorised' "$DIR/relay.log" ||
      fail "no clear refusal of r1 for RSC 0x001234"
    ;;
  esac
  ;;
*)
  fail "unknown scenario"
  ;;
esac
echo "RESULT: scenario $SCENARIO passed"
[[ -n ${KEEP:-} ]] || rm -rf "$DIR"
