#!/usr/bin/env bash
# Diameter interoperability with freeDiameterd (freeDiameter 1.2.1) on loopback, with ephemeral ports and a temp
# directory:
#   phase 1: PKMF client -> freeDiameterd (relay) -> lossy proxy -> prose hss (Tw 6 s; freeDiameterd Tw 6 s
#            towards the PKMF, 12 s towards the HSS, so each side's watchdog shows): CER/CEA, an unknown M-bit
#            AVP (CER direct, MAR through the relay) answered 5001 + Failed-AVP, GBA Push, an idle period longer
#            than 2 x Tw with DWR/DWA, the next GBA Push at the first attempt, a lost GPA retransmitted (T flag)
#            and answered from the HSS's duplicate cache (one key for the P-TID), the PKMF's DPR on close,
#            freeDiameterd's DPR to the HSS on SIGTERM.
#   phase 2: prose hss (Tw 12 s) <- freeDiameterd (Tw 6 s): freeDiameterd's DWR answered by the HSS, then the
#            HSS's DPR to freeDiameterd on SIGTERM.
# tshark captures every link and must decode every message without a Malformed mark.
# usage: run.sh PROSE_BIN CLIENT_BIN WORK_DIR
set -u
PROSE=$1
CLIENT=$2
WORK=$3
HERE=$(cd "$(dirname "$0")" && pwd)
rm -rf "$WORK"
mkdir -p "$WORK"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
}
trap cleanup EXIT
die() {
  echo "FAIL: $*"
  for f in "$WORK"/hss*.err "$WORK"/fd*.log "$WORK"/client*.out "$WORK"/tshark.err; do
    [ -f "$f" ] && { echo "--- $f"; tail -30 "$f"; }
  done
  exit 1
}
command -v freeDiameterd > /dev/null || die "freeDiameterd is not installed (scripts/install-deps)"
FDX=/usr/lib/freeDiameter
[ -f "$FDX/acl_wl.fdx" ] || die "freeDiameter extensions missing ($FDX/acl_wl.fdx; scripts/install-deps)"

IMSI=001010123456789
K=465b5ce8b199b49faa5f0a2ee238a6bc # TS 35.208 test set 1
OPC=cd63cb71954a9f4e48a5994e37a02baf
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
HSS_PORT=$(free_port)
PROXY_PORT=$(free_port)
FD_PORT=$(free_port)

wait_for() { # wait_for FILE NEEDLE SECONDS
  for _ in $(seq 1 $(($3 * 10))); do grep -q -- "$2" "$1" 2> /dev/null && return 0; sleep 0.1; done
  return 1
}
count() { grep -c -- "$2" "$1" 2> /dev/null || true; }

# --- HSS configuration --------------------------------------------------------------------------------------
CFG=$("$PROSE" hss example-config --dir "$WORK/hss" --port "$HSS_PORT" --json |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["config"])') || die "example-config"
sed -i 's/^watchdog_interval = .*/watchdog_interval = 6/' "$CFG"
grep -q "^watchdog_interval = 6" "$CFG" || die "example config has no watchdog_interval"
"$PROSE" hss add-subscriber --config "$CFG" --imsi "$IMSI" --k "$K" --opc "$OPC" > /dev/null || die "add-subscriber"

# --- freeDiameterd as relay: identity relay.diameter.lab, accepts the PKMF (acl_wl), connects to the HSS ------
echo "ALLOW_IPSEC pkmf.prose.lab" > "$WORK/acl.conf" # no TLS on loopback: the acl_wl way to admit a TCP peer
fd_conf() { # fd_conf FILE HSS_TARGET_PORT HSS_TW
  cat > "$1" << CONF
Identity = "relay.diameter.lab";
Realm = "relay.lab";
Port = $FD_PORT;
SecPort = 0;
No_SCTP;
No_IPv6;
ListenOn = "127.0.0.1";
TwTimer = 6;
TcTimer = 6;
LoadExtension = "$FDX/acl_wl.fdx" : "$WORK/acl.conf";
ConnectPeer = "hss.prose.lab" { ConnectTo = "127.0.0.1"; Port = $2; No_TLS; TwTimer = $3; };
CONF
}

# --- capture every link ------------------------------------------------------------------------------------------
tshark -i lo -f "tcp port $HSS_PORT or tcp port $PROXY_PORT or tcp port $FD_PORT" -w "$WORK/diameter.pcap" \
  > /dev/null 2> "$WORK/tshark.err" &
TSHARK_PID=$!
PIDS+=("$TSHARK_PID")
wait_for "$WORK/tshark.err" "Capturing on" 10 || die "tshark did not start capturing"

start_hss() { # start_hss LOGNAME
  "$PROSE" hss --config "$CFG" > "$WORK/$1.out" 2> "$WORK/$1.err" &
  HSS_PID=$!
  PIDS+=("$HSS_PID")
  wait_for "$WORK/$1.out" "Listening:" 10 || die "prose hss did not start"
}
start_fd() { # start_fd CONF LOG
  freeDiameterd -c "$1" > "$WORK/$2" 2>&1 &
  FD_PID=$!
  PIDS+=("$FD_PID")
}
stop() { # stop PID: SIGTERM, then wait for the process
  kill -TERM "$1" 2> /dev/null
  for _ in $(seq 1 100); do kill -0 "$1" 2> /dev/null || break; sleep 0.1; done
  wait "$1" 2> /dev/null
}

# ================================ phase 1 ========================================================================
start_hss hss1
python3 "$HERE/drop_proxy.py" "$PROXY_PORT" "$HSS_PORT" "$WORK" 2> "$WORK/proxy.err" &
PIDS+=("$!")
sleep 0.3
fd_conf "$WORK/fd1.conf" "$PROXY_PORT" 12
start_fd "$WORK/fd1.conf" fd1.log
wait_for "$WORK/hss1.err" "CER from relay.diameter.lab -> 2001" 20 || die "freeDiameterd did not connect to the HSS"
echo "ok   freeDiameterd -> HSS: CER/CEA"

"$CLIENT" cer-unknown-avp "$HSS_PORT" > "$WORK/client-cer.out" 2>&1 || die "CER with an unknown M-bit AVP"
cat "$WORK/client-cer.out"
"$CLIENT" unknown-avp "$FD_PORT" "$IMSI" > "$WORK/client-avp.out" 2>&1 || die "MAR through freeDiameterd"
cat "$WORK/client-avp.out"

"$CLIENT" gba "$FD_PORT" "$IMSI" "$K" "$OPC" 16 12 "$WORK" > "$WORK/client-gba.out" 2>&1
GBA_RC=$?
cat "$WORK/client-gba.out"
[ "$GBA_RC" = 0 ] || die "GBA Push through freeDiameterd"

# One key for the retransmitted request's P-TID (0x1003 = 4099): the HSS made it once and answered the copy from
# its duplicate cache; the key the PKMF got is that one.
[ "$(count "$WORK/hss1.err" "p-tid=4099 ")" = 1 ] || die "the HSS made $(count "$WORK/hss1.err" "p-tid=4099 ") keys for P-TID 4099"
grep -q "GPR duplicate of end-to-end .* (T flag): answered from the cache" "$WORK/hss1.err" ||
  die "the HSS did not answer the retransmission from its duplicate cache"
KEY=$(sed -n 's/^P-TID 4099 key //p' "$WORK/client-gba.out")
grep "p-tid=4099 " "$WORK/hss1.err" | grep -q "key=$KEY " || die "the PKMF's key for P-TID 4099 is not the HSS's"
echo "ok   one key for the retransmitted P-TID ($KEY)"

# freeDiameterd stops: it sends DPR to the HSS, which answers DPA.
stop "$FD_PID"
wait_for "$WORK/hss1.err" "DPR from relay.diameter.lab: closing" 10 || die "no DPR from freeDiameterd on SIGTERM"
echo "ok   freeDiameterd -> HSS: DPR/DPA on SIGTERM"
stop "$HSS_PID"

# ================================ phase 2 ========================================================================
sed -i 's/^watchdog_interval = .*/watchdog_interval = 12/' "$CFG"
start_hss hss2
fd_conf "$WORK/fd2.conf" "$HSS_PORT" 6
start_fd "$WORK/fd2.conf" fd2.log
wait_for "$WORK/hss2.err" "CER from relay.diameter.lab -> 2001" 20 || die "freeDiameterd did not connect to the HSS"
wait_for "$WORK/hss2.err" "DWR from relay.diameter.lab" 12 || die "no DWR from freeDiameterd"
echo "ok   freeDiameterd -> HSS: DWR/DWA"
stop "$HSS_PID"
grep -q "sending DPR to relay.diameter.lab" "$WORK/hss2.err" || die "the HSS sent no DPR on SIGTERM"
grep -q "DPA from relay.diameter.lab: closing" "$WORK/hss2.err" || die "no DPA from freeDiameterd"
echo "ok   HSS -> freeDiameterd: DPR/DPA on SIGTERM"
stop "$FD_PID"

sleep 0.5
kill -INT "$TSHARK_PID"
wait "$TSHARK_PID" 2> /dev/null

# ================================ tshark =========================================================================
DEC=(-d "tcp.port==$HSS_PORT,diameter" -d "tcp.port==$PROXY_PORT,diameter" -d "tcp.port==$FD_PORT,diameter")
tshark -r "$WORK/diameter.pcap" "${DEC[@]}" -V > "$WORK/decoded.txt" 2> "$WORK/decode.err" || die "tshark -r failed"
if grep -q "Malformed" "$WORK/decoded.txt"; then
  grep -n -B8 "Malformed" "$WORK/decoded.txt" | head -60
  die "tshark reports malformed packets"
fi
frames() { tshark -r "$WORK/diameter.pcap" "${DEC[@]}" -Y "$1" 2> /dev/null | wc -l; }
expect_frames() { # expect_frames FILTER WHAT
  [ "$(frames "$1")" -ge 1 ] || die "tshark finds no $2 ($1)"
  echo "ok   tshark: $2"
}
R='diameter.flags.request==1'
A='diameter.flags.request==0'
expect_frames "diameter.cmd.code==280 && $R && tcp.srcport==$HSS_PORT" "DWR HSS -> freeDiameterd"
expect_frames "diameter.cmd.code==280 && $A && tcp.dstport==$HSS_PORT" "DWA freeDiameterd -> HSS"
expect_frames "diameter.cmd.code==280 && $R && tcp.dstport==$HSS_PORT" "DWR freeDiameterd -> HSS"
expect_frames "diameter.cmd.code==280 && $A && tcp.srcport==$HSS_PORT" "DWA HSS -> freeDiameterd"
expect_frames "diameter.cmd.code==280 && $R && tcp.srcport==$FD_PORT" "DWR freeDiameterd -> PKMF"
expect_frames "diameter.cmd.code==280 && $A && tcp.dstport==$FD_PORT" "DWA PKMF -> freeDiameterd"
expect_frames "diameter.cmd.code==282 && $R && tcp.dstport==$FD_PORT" "DPR PKMF -> freeDiameterd"
expect_frames "diameter.cmd.code==282 && $A && tcp.srcport==$FD_PORT" "DPA freeDiameterd -> PKMF"
expect_frames "diameter.cmd.code==282 && $R && tcp.dstport==$HSS_PORT" "DPR freeDiameterd -> HSS"
expect_frames "diameter.cmd.code==282 && $R && tcp.srcport==$HSS_PORT" "DPR HSS -> freeDiameterd"
expect_frames "diameter.cmd.code==282 && $A && tcp.dstport==$HSS_PORT" "DPA freeDiameterd -> HSS"
expect_frames "diameter.cmd.code==312 && diameter.flags.T==1 && tcp.dstport==$HSS_PORT" "GPR retransmission (T flag) at the HSS"
expect_frames "diameter.cmd.code==303 && $A && diameter.Result-Code==2001 && tcp.srcport==$FD_PORT" "MAA 2001 relayed to the PKMF"
expect_frames "diameter.cmd.code==312 && $A && diameter.Result-Code==2001 && tcp.srcport==$FD_PORT" "GPA 2001 relayed to the PKMF"
expect_frames "diameter.cmd.code==303 && diameter.Result-Code==5001 && diameter.Failed-AVP" "MAA 5001 with Failed-AVP"
N=$(tshark -r "$WORK/diameter.pcap" "${DEC[@]}" -Y diameter -T fields -e diameter.cmd.code 2> /dev/null | tr ',' '\n' | grep -c .)
echo "ok   tshark decodes $N Diameter messages, none Malformed"
echo "PASSED"
