#!/usr/bin/env bash
# Integration test of `prose hss`: configuration and provisioning through the CLI, the Diameter server on
# loopback, a client (PKMF + UE with an emulated USIM) exercising AV, GPI, resync and error answers, and
# tshark's Diameter dissector over a live capture of the traffic.
# usage: run.sh PROSE_BIN CLIENT_BIN WORK_DIR
set -u
PROSE=$1
CLIENT=$2
WORK=$3
rm -rf "$WORK"
mkdir -p "$WORK"
LOG="$WORK/test.log"
HSS_PID=""
TSHARK_PID=""
cleanup() {
  [ -n "$HSS_PID" ] && kill "$HSS_PID" 2>/dev/null
  [ -n "$TSHARK_PID" ] && kill "$TSHARK_PID" 2>/dev/null
  wait 2>/dev/null
}
trap cleanup EXIT
die() {
  echo "FAIL: $*"
  for f in "$WORK"/hss.err "$WORK"/client.out "$WORK"/tshark.err; do [ -f "$f" ] && { echo "--- $f"; tail -40 "$f"; }; done
  exit 1
}

IMSI=001010123456789
IMPI="$IMSI@ims.mnc001.mcc001.3gppnetwork.org"
K=465b5ce8b199b49faa5f0a2ee238a6bc      # TS 35.208 test set 1
OPC=cd63cb71954a9f4e48a5994e37a02baf
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')

# --- configuration and provisioning through the CLI --------------------------------------------------------
CFG=$("$PROSE" hss example-config --dir "$WORK/cfg" --port "$PORT" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["config"])') \
  || die "example-config"
[ -f "$CFG" ] || die "example-config did not write $CFG"
"$PROSE" hss add-subscriber --config "$CFG" --imsi "$IMSI" --k "$K" --opc "$OPC" --sqn 0 --amf 0000 > "$WORK/add.out" \
  || die "add-subscriber"
grep -q "IMSI: $IMSI" "$WORK/add.out" || die "add-subscriber output"
grep -qi "$K" "$WORK/add.out" && die "add-subscriber printed the key"

expect_exit() {  # expect_exit CODE NEEDLE CMD...
  local code=$1 needle=$2
  shift 2
  "$@" > "$WORK/neg.out" 2> "$WORK/neg.err"
  local got=$?
  [ "$got" = "$code" ] || die "expected exit $code, got $got: $*"
  grep -q -- "$needle" "$WORK/neg.err" || die "message without '$needle': $(cat "$WORK/neg.err")"
}
expect_exit 2 "already exists" "$PROSE" hss add-subscriber --config "$CFG" --imsi "$IMSI" --k "$K" --opc "$OPC"
expect_exit 2 "--k" "$PROSE" hss add-subscriber --config "$CFG" --imsi 001010000000002 --k abc --opc "$OPC"
expect_exit 2 "--imsi" "$PROSE" hss add-subscriber --config "$CFG" --imsi 12ab --k "$K" --opc "$OPC"
expect_exit 2 "cannot open" "$PROSE" hss --config "$WORK/missing.toml"
printf '[server]\nlisten_port = "x"\n[database]\npath = "a.db"\n' > "$WORK/bad.toml"
expect_exit 2 "server.listen_port" "$PROSE" hss --config "$WORK/bad.toml"
echo "ok   CLI provisioning and bad-input handling"

# --- live capture on loopback ----------------------------------------------------------------------------------
tshark -i lo -f "tcp port $PORT" -w "$WORK/hss.pcap" > /dev/null 2> "$WORK/tshark.err" &
TSHARK_PID=$!
for _ in $(seq 1 100); do grep -q "Capturing on" "$WORK/tshark.err" 2>/dev/null && break; sleep 0.1; done
grep -q "Capturing on" "$WORK/tshark.err" || die "tshark did not start capturing"

# --- the server ------------------------------------------------------------------------------------------------
"$PROSE" hss --config "$CFG" > "$WORK/hss.out" 2> "$WORK/hss.err" &
HSS_PID=$!
for _ in $(seq 1 100); do grep -q "Listening:" "$WORK/hss.out" 2>/dev/null && break; sleep 0.1; done
grep -q "Listening: 127.0.0.1:$PORT" "$WORK/hss.out" || die "server did not start"

"$CLIENT" "$PORT" "$IMSI" "$IMPI" "$K" "$OPC" pkmf.prose.test > "$WORK/client.out" 2>&1
CLIENT_RC=$?
cat "$WORK/client.out"
[ "$CLIENT_RC" = 0 ] || die "client steps failed"

# Graceful stop on SIGTERM; the log names requests but holds no key material.
kill -TERM "$HSS_PID"
wait "$HSS_PID"
HSS_RC=$?
HSS_PID=""
[ "$HSS_RC" = 0 ] || die "prose hss exited $HSS_RC after SIGTERM"
grep -q "SIGTERM" "$WORK/hss.err" || die "no SIGTERM log line"
grep -q "stopped" "$WORK/hss.err" || die "no 'stopped' log line"
grep -q "GPR impi=$IMPI" "$WORK/hss.err" || die "GPR not logged"
grep -qi "$K\|$OPC" "$WORK/hss.err" && die "key material in the log"
echo "ok   server stopped gracefully on SIGTERM"

# SQN durability: the database holds the advanced SQN after the restart-free run (read with sqlite3).
SQN=$(sqlite3 "$WORK/cfg/hss.db" "SELECT sqn FROM subscribers WHERE imsi='$IMSI'")
[ -n "$SQN" ] && [ "$SQN" -gt 3200000 ] || die "stored SQN $SQN does not reflect the resynchronisation"
echo "ok   stored SQN after resync: $SQN"

sleep 0.5
kill -INT "$TSHARK_PID"
wait "$TSHARK_PID" 2>/dev/null
TSHARK_PID=""

# --- tshark's Diameter dissector -------------------------------------------------------------------------------
tshark -r "$WORK/hss.pcap" -d "tcp.port==$PORT,diameter" -V > "$WORK/decoded.txt" 2> "$WORK/decode.err" \
  || die "tshark -r failed"
if grep -q "Malformed" "$WORK/decoded.txt"; then
  grep -n -B5 "Malformed" "$WORK/decoded.txt" | head -40
  die "tshark reports malformed packets"
fi
for needle in "Command Code: Capabilities-Exchange (257)" "Command Code: Device-Watchdog (280)" \
  "Command Code: Multimedia-Auth (303)" "Command Code: GBAPush-Info (312)" "Command Code: Disconnect-Peer (282)" \
  "ApplicationId: 3GPP Zh (16777221)" "ApplicationId: 3GPP Zpn (16777268)" "AVP: GBA-Push-Info(417)" \
  "AVP: ME-Key-Material(405)" "AVP: NAF-SA-Identifier(418)" "AVP: 3GPP-SIP-Auth-Data-Item(612)" \
  "AVP: 3GPP-SIP-Authenticate(609)" "AVP: 3GPP-SIP-Authorization(610)" "AVP: Confidentiality-Key(625)" \
  "AVP: Integrity-Key(626)" "AVP: UE-Id(411)" "Result-Code: DIAMETER_SUCCESS (2001)" \
  "Experimental-Result-Code: DIAMETER_ERROR_USER_UNKNOWN (5001)" "Experimental-Result-Code: DIAMETER_ERROR_IMPI_UNKNOWN (5401)" \
  "Experimental-Result-Code: DIAMETER_ERROR_NOT_AUTHORIZED (5402)"; do
  grep -q -- "$needle" "$WORK/decoded.txt" || die "tshark output lacks '$needle'"
done
REQ=$(grep -c "Request: Set" "$WORK/decoded.txt")
ANS=$(grep -c "Request: Not set" "$WORK/decoded.txt")
[ "$REQ" = "$ANS" ] && [ "$REQ" -ge 11 ] || die "requests ($REQ) and answers ($ANS) do not pair up"
# The GPI tshark extracts is byte for byte the one the client opened with the USIM.
GPI=$(sed -n 's/^GPI: //p' "$WORK/client.out")
[ -n "$GPI" ] || die "client did not print the GPI"
tshark -r "$WORK/hss.pcap" -d "tcp.port==$PORT,diameter" -T fields -e diameter.GBA-Push-Info 2>/dev/null \
  | tr -d ':' | grep -qx "$GPI" || die "GBA-Push-Info extracted by tshark differs from the GPI the UE opened"
N=$(tshark -r "$WORK/hss.pcap" -d "tcp.port==$PORT,diameter" -Y diameter -T fields -e diameter.cmd.code 2>/dev/null | wc -l)
[ "$N" -ge 22 ] || die "only $N Diameter PDUs decoded"
echo "ok   tshark decodes $N Diameter PDUs, GBA-Push-Info present, no Malformed"

# --- [server] log_format = "json": the same run on a fresh database, every stderr line one JSON object -----------
JPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
JCFG=$("$PROSE" hss example-config --dir "$WORK/cfg-json" --port "$JPORT" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["config"])') \
  || die "example-config (json)"
sed -i 's/^log_format = "text"/log_format = "json"/' "$JCFG"
grep -q '^log_format = "json"' "$JCFG" || die "the example configuration has no [server] log_format line"
"$PROSE" hss add-subscriber --config "$JCFG" --imsi "$IMSI" --k "$K" --opc "$OPC" > /dev/null || die "add-subscriber (json)"
"$PROSE" hss --config "$JCFG" > "$WORK/hss-json.out" 2> "$WORK/hss-json.err" &
HSS_PID=$!
for _ in $(seq 1 100); do grep -q "Listening:" "$WORK/hss-json.out" 2>/dev/null && break; sleep 0.1; done
grep -q "Listening: 127.0.0.1:$JPORT" "$WORK/hss-json.out" || die "server (json) did not start: $(cat "$WORK/hss-json.err")"
"$CLIENT" "$JPORT" "$IMSI" "$IMPI" "$K" "$OPC" pkmf.prose.test > "$WORK/client-json.out" 2>&1 || die "client steps failed (json)"
kill -TERM "$HSS_PID"
wait "$HSS_PID"
HSS_RC=$?
HSS_PID=""
[ "$HSS_RC" = 0 ] || die "prose hss (json) exited $HSS_RC after SIGTERM"
grep -qi "$K\|$OPC" "$WORK/hss-json.err" && die "key material in the JSON log"
python3 - "$WORK/hss-json.err" "$IMPI" <<'PY' || die "JSON log lines: $(head -5 "$WORK/hss-json.err")"
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
assert len(lines) >= 5, f"only {len(lines)} lines"
objs = [json.loads(l) for l in lines]  # every line is one JSON object
for o in objs:
    assert set(o) == {"time", "level", "component", "msg", "fields"}, o
    assert o["component"] == "hss" and o["time"].endswith("Z"), o
gpr = [o for o in objs if "] GPR impi=" in o["msg"] and o["fields"].get("impi") == sys.argv[2]]
assert gpr, "no GPR line with the IMPI as a field"
assert any("SIGTERM" in o["msg"] for o in objs) and objs[-1]["msg"] == "stopped", objs[-1]
print(f"{len(objs)} JSON lines, {len(gpr)} GPR lines with fields.impi")
PY
echo "ok   log_format = \"json\": every log line is a JSON object with the request fields"
echo "PASSED"
