#!/usr/bin/env bash
# Integration test of GBA bootstrapping through the CLI: `prose hss` with [bsf] ub_listen is the BSF,
# `prose gba bootstrap` the UE with an emulated USIM.
# usage: run.sh PROSE_BIN WORK_DIR
set -u
PROSE=$1
WORK=$2
rm -rf "$WORK"
mkdir -p "$WORK"
HSS_PID=""
cleanup() {
  [ -n "$HSS_PID" ] && kill "$HSS_PID" 2>/dev/null
  wait 2>/dev/null
}
trap cleanup EXIT
die() {
  echo "FAIL: $*"
  for f in "$WORK"/hss.err "$WORK"/boot.out "$WORK"/neg.err; do [ -f "$f" ] && { echo "--- $f"; tail -40 "$f"; }; done
  exit 1
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

IMSI=001010123456789
K=465b5ce8b199b49faa5f0a2ee238a6bc      # TS 35.208 test set 1
OPC=cd63cb71954a9f4e48a5994e37a02baf
PORT=$(free_port)
UB_PORT=$(free_port)

CFG=$("$PROSE" hss example-config --dir "$WORK/cfg" --port "$PORT" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["config"])') \
  || die "example-config"
sed -i "s|^# ub_listen = .*|ub_listen = \"127.0.0.1:$UB_PORT\"|" "$CFG"
grep -q "^ub_listen" "$CFG" || die "example config has no ub_listen line to enable"
"$PROSE" hss add-subscriber --config "$CFG" --imsi "$IMSI" --k "$K" --opc "$OPC" --sqn 0 --amf 8000 > /dev/null \
  || die "add-subscriber"
"$PROSE" hss --config "$CFG" > "$WORK/hss.out" 2> "$WORK/hss.err" &
HSS_PID=$!
for _ in $(seq 1 100); do grep -q "^Ub:" "$WORK/hss.out" 2>/dev/null && break; sleep 0.1; done
grep -q "^Ub: http://127.0.0.1:$UB_PORT/" "$WORK/hss.out" || die "hss did not report its Ub URL"
BSF="http://127.0.0.1:$UB_PORT/"

# --- a fresh USIM: B-TID and the PKMF's TLS 1.3 key -------------------------------------------------------------
"$PROSE" gba bootstrap --bsf "$BSF" --imsi "$IMSI" --k "$K" --opc "$OPC" --naf-fqdn pkmf.prose.test --json \
  > "$WORK/boot.out" || die "bootstrap"
python3 - "$WORK/boot.out" <<'PY' || die "bootstrap output"
import json, sys, base64
o = json.load(open(sys.argv[1]))
assert o["ok"] is True, o
rand, host = o["btid"].split("@")
assert host == "bsf.prose.lab" and len(base64.b64decode(rand)) == 16, o["btid"]
assert o["impi"] == "001010123456789@ims.mnc001.mcc001.3gppnetwork.org", o["impi"]
assert o["resynchronised"] is False
assert o["naf_id"] == "pkmf.prose.test".encode().hex() + "0100000007", o["naf_id"]
assert len(o["ks_naf"]) == 64, o["ks_naf"]
PY
grep -q "Ub GET / impi=$IMSI@.* -> 200 btid=" "$WORK/hss.err" || die "hss log has no Ub 200 line"
echo "ok   bootstrap: B-TID, TLS 1.3 Ks_NAF"

# --- TLS 1.2 key: the suite is part of the NAF_Id ----------------------------------------------------------------
"$PROSE" gba bootstrap --bsf "$BSF" --imsi "$IMSI" --k "$K" --opc "$OPC" --naf-fqdn pkmf.prose.test --tls 1.2 \
  --cipher-suite 008c > "$WORK/boot12.out" || die "bootstrap tls 1.2"
grep -q "^NAF_Id: $(printf pkmf.prose.test | xxd -p)010001008c$" "$WORK/boot12.out" || die "TLS 1.2 NAF_Id"
echo "ok   bootstrap: TLS 1.2 NAF_Id"

# --- a USIM far ahead of the HSS: AUTS, resynchronisation, then success --------------------------------------------
"$PROSE" gba bootstrap --bsf "$BSF" --imsi "$IMSI" --k "$K" --opc "$OPC" --sqn-ms 100000 --json > "$WORK/sync.out" \
  || die "bootstrap with resync"
python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); assert o["ok"] and o["resynchronised"] is True, o' \
  "$WORK/sync.out" || die "resynchronised flag"
grep -q "resync sqn_ms=" "$WORK/hss.err" || die "hss log has no resync"
echo "ok   resynchronisation with AUTS"

# --- refusals and bad input ------------------------------------------------------------------------------------------
expect_exit() {  # expect_exit CODE NEEDLE CMD...
  local code=$1 needle=$2
  shift 2
  "$@" > "$WORK/neg.out" 2> "$WORK/neg.err"
  local got=$?
  [ "$got" = "$code" ] || die "expected exit $code, got $got: $*"
  grep -q -- "$needle" "$WORK/neg.err" || die "message without '$needle': $(cat "$WORK/neg.err")"
}
# Another subscriber's K: the USIM's AUTN check fails (the network is not authenticated).
expect_exit 1 "MAC" "$PROSE" gba bootstrap --bsf "$BSF" --imsi "$IMSI" --k 00112233445566778899aabbccddeeff --opc "$OPC"
expect_exit 1 "403" "$PROSE" gba bootstrap --bsf "$BSF" --imsi 001019999999999 --k "$K" --opc "$OPC"
expect_exit 2 "--tls" "$PROSE" gba bootstrap --bsf "$BSF" --imsi "$IMSI" --k "$K" --opc "$OPC" --tls 1.1
expect_exit 2 "--cipher-suite" "$PROSE" gba bootstrap --bsf "$BSF" --imsi "$IMSI" --k "$K" --opc "$OPC" --tls 1.2
expect_exit 2 "--bsf" "$PROSE" gba bootstrap --bsf "ftp://x" --imsi "$IMSI" --k "$K" --opc "$OPC"
expect_exit 1 "connect" "$PROSE" gba bootstrap --bsf "http://127.0.0.1:$(free_port)/" --imsi "$IMSI" --k "$K" --opc "$OPC"
echo "ok   refusals and bad input"
echo "PASS"
