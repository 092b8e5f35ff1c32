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
TSHARK_PID=""
PF_PID=""
cleanup() {
  [ -n "$PF_PID" ] && kill "$PF_PID" 2>/dev/null
  [ -n "$HSS_PID" ] && kill "$HSS_PID" 2>/dev/null
  [ -n "$TSHARK_PID" ] && kill "$TSHARK_PID" 2>/dev/null
  wait 2>/dev/null
}
trap cleanup EXIT
die() {
  echo "FAIL: $*"
  for f in "$WORK"/hss.err "$WORK"/boot.out "$WORK"/neg.err "$WORK"/tshark.err "$WORK"/ub.txt "$WORK"/pf.err "$WORK"/pc3.out; do [ -f "$f" ] && { echo "--- $f"; tail -40 "$f"; }; done
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

# A live capture of Ub on loopback (tshark, a decoder we did not write) for the first bootstrap and the resync.
tshark -i lo -f "tcp port $UB_PORT" -w "$WORK/ub.pcap" > /dev/null 2> "$WORK/tshark.err" &
TSHARK_PID=$!
for _ in $(seq 1 100); do grep -q "Capturing on" "$WORK/tshark.err" 2>/dev/null && break; sleep 0.1; done
grep -q "Capturing on" "$WORK/tshark.err" || die "tshark did not start capturing"

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

# --- tshark decodes the HTTP Digest AKA exchange ----------------------------------------------------------------------
sleep 0.5
kill -INT "$TSHARK_PID"
wait "$TSHARK_PID" 2>/dev/null
TSHARK_PID=""
tshark -r "$WORK/ub.pcap" -d "tcp.port==$UB_PORT,http" -V > "$WORK/ub.txt" 2> "$WORK/ub.err" || die "tshark -r failed"
grep -q "Malformed" "$WORK/ub.txt" && die "tshark marks a Ub frame as Malformed"
fields() { tshark -r "$WORK/ub.pcap" -d "tcp.port==$UB_PORT,http" -Y "$1" -T fields -e "$2" 2> /dev/null; }
# Three runs (TLS 1.3 key, TLS 1.2 key, resync): each a GET with the IMPI and no response, a 401 with the AKA
# challenge, a GET with the response, a 200 with the B-TID; the resync adds a GET with auts and a second 401.
CHALLENGES=$(fields 'http.response.code == 401' http.www_authenticate)
[ "$(echo "$CHALLENGES" | grep -c 'algorithm=AKAv1-MD5')" -ge 4 ] || die "401s with AKAv1-MD5: $CHALLENGES"
echo "$CHALLENGES" | grep -q 'nonce="[A-Za-z0-9+/=]\{44,\}"' || die "no base64(RAND || AUTN) nonce in: $CHALLENGES"
echo "$CHALLENGES" | grep -q 'qop="auth-int"' || die "no qop auth-int in: $CHALLENGES"
AUTHS=$(fields 'http.request.method == "GET"' http.authorization)
echo "$AUTHS" | grep -q "username=\"$IMSI@ims.mnc001.mcc001.3gppnetwork.org\"" || die "no IMPI in: $AUTHS"
echo "$AUTHS" | grep -q 'response="[0-9a-f]\{32\}"' || die "no Digest response in: $AUTHS"
[ "$(echo "$AUTHS" | grep -c 'auts=')" -eq 1 ] || die "expected one request with auts: $AUTHS"
[ "$(fields 'http.response.code == 200' http.content_type | grep -c '^application/vnd.3gpp.bsf+xml')" -eq 3 ] \
  || die "expected three 200s with application/vnd.3gpp.bsf+xml"
grep -q "Authentication-Info: .*rspauth=" "$WORK/ub.txt" || die "no rspauth in the 200s"
grep -q "btid" "$WORK/ub.txt" || die "tshark's XML dissector shows no <btid>"
echo "ok   tshark decodes Ub: $(echo "$CHALLENGES" | grep -c .) challenges, AKAv1-MD5, auts once, three 200s with the B-TID"

# --- the ProSe Function as a NAF: openssl s_client with the B-TID gets the PC3 answer for the subscriber ----------------
# `prose prose-function` in [tls] mode = "gba" takes Ks_(ext)_NAF from this BSF over Zn (Diameter on $PORT) and
# authorises the IMSI behind the IMPI the BSF returned; `openssl s_client` is the UE's TLS (a peer we did not write).
PF_PORT=$(free_port)
"$PROSE" pkmf example-config --dir "$WORK/pf" --hss-port "$PORT" > /dev/null || die "pkmf example-config"
"$PROSE" prose-function example-config --dir "$WORK/pf" --port "$PF_PORT" > /dev/null || die "prose-function example-config"
"$PROSE" admin --config "$WORK/pf/pkmf.toml" ue-add --imsi "$IMSI" --rsc 00abcd > /dev/null || die "admin ue-add"
python3 - "$WORK/pf/prose-function.toml" "$PORT" <<'PY' || die "gba config"
import re, sys
path, port = sys.argv[1], sys.argv[2]
text = open(path).read()
text = re.sub(r"\[tls\]\n(?:[^\[]*\n)", '[tls]\nmode = "gba"\nnaf_fqdn = "pf.prose.test"\n\n', text, count=1)
text += "\n[hss]\nhost = \"127.0.0.1\"\nport = %s\n" % port
open(path, "w").write(text)
PY
"$PROSE" prose-function --config "$WORK/pf/prose-function.toml" > "$WORK/pf.out" 2> "$WORK/pf.err" &
PF_PID=$!
for _ in $(seq 1 100); do grep -q "listening" "$WORK/pf.out" 2>/dev/null && break; sleep 0.1; done
grep -q "listening on https port $PF_PORT" "$WORK/pf.out" || die "prose-function did not start"
"$PROSE" gba bootstrap --bsf "$BSF" --imsi "$IMSI" --k "$K" --opc "$OPC" --naf-fqdn pf.prose.test --json \
  > "$WORK/pfboot.out" || die "bootstrap for the ProSe Function"
BTID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["btid"])' "$WORK/pfboot.out")
KS_NAF=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["ks_naf"])' "$WORK/pfboot.out")
"$PROSE" prose-function example request > "$WORK/pc3-request.xml" || die "example request"
pc3() {  # pc3 IDENTITY KEY TLS-FLAG: one PC3 request over openssl s_client
  { printf 'POST /prose/pc3 HTTP/1.1\r\nHost: pf\r\nContent-Type: application/vnd.3gpp.prose-pc3+xml\r\n'
    printf 'Content-Length: %s\r\nConnection: close\r\n\r\n' "$(wc -c < "$WORK/pc3-request.xml")"
    cat "$WORK/pc3-request.xml"; } | timeout 20 openssl s_client -connect "127.0.0.1:$PF_PORT" -psk_identity "$1" \
    -psk "$2" "$3" -quiet 2>&1
}
pc3 "$BTID" "$KS_NAF" -tls1_3 > "$WORK/pc3.out"
grep -q "^HTTP/1.1 200" "$WORK/pc3.out" || die "no 200 from the ProSe Function over PSK-TLS"
sed -n '/<?xml/,$p' "$WORK/pc3.out" > "$WORK/pc3-response.xml"
"$PROSE" prose-function validate "$WORK/pc3-response.xml" > /dev/null || die "the PC3 answer is not valid"
grep -q "<authorised-rsc>00abcd\|<relay-service-code>00abcd" "$WORK/pc3-response.xml" || die "00abcd not authorised"
grep -q "peer=imsi-$IMSI outcome=granted" "$WORK/pf.err" || die "the ProSe Function did not authorise the IMSI of the B-TID"
pc3 "$BTID" 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff -tls1_3 > "$WORK/pc3-bad.out"
grep -q "^HTTP/1.1" "$WORK/pc3-bad.out" && die "a wrong Ks_NAF got an answer"
pc3 "AAAAAAAAAAAAAAAAAAAAAA==@bsf.prose.lab" "$KS_NAF" -tls1_3 > "$WORK/pc3-bad.out"
grep -q "^HTTP/1.1" "$WORK/pc3-bad.out" && die "an unknown B-TID got an answer"
grep -q "refused: .*5403" "$WORK/pf.err" || die "no Zn refusal (5403) logged for the unknown B-TID"
echo "ok   ProSe Function in gba mode: openssl s_client with the B-TID gets the PC3 answer; wrong key, unknown B-TID refused"

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
