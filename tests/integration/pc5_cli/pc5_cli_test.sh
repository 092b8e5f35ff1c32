#!/usr/bin/env bash
# Integration test of `prose pc5`. Usage: pc5_cli_test.sh PATH_TO_PROSE
set -u
PROSE="$1"
fails=0
pass() { echo "ok   - $1"; }
failt() { echo "FAIL - $1"; fails=$((fails + 1)); }
expect_eq() { if [ "$2" = "$3" ]; then pass "$1"; else failt "$1: expected '$3', got '$2'"; fi; }
expect_contains() { if printf '%s' "$2" | grep -qF -- "$3"; then pass "$1"; else failt "$1: '$3' not in: $2"; fi; }
# expect_exit NAME CODE MESSAGE_PART cmd...
expect_exit() {
  local name="$1" code="$2" part="$3"
  shift 3
  local err rc
  err=$("$@" 2>&1 >/dev/null)
  rc=$?
  if [ "$rc" -ne "$code" ]; then failt "$name: exit $rc, expected $code ($err)"; return; fi
  expect_contains "$name" "$err" "$part"
}

# ---- decode -------------------------------------------------------------------------------------------------
DCR=0101020903091010103254769804'00000e10'000102030405060708090a0b0c0d0e0f'f070a5'11deadbeef19123456
DCR=${DCR//\'/}
out=$("$PROSE" pc5 decode "$DCR")
expect_contains "decode: type" "$out" "Message type: DIRECT_COMMUNICATION_REQUEST (0x01)"
expect_contains "decode: seq" "$out" "Sequence Number: 258"
expect_contains "decode: IMSI" "$out" "User Info: IMSI 001010123456789"
expect_contains "decode: RSC" "$out" "Relay Service Code: 0x123456"
expect_contains "decode: KD ID" "$out" "KD ID: 0xdeadbeef"
expect_contains "decode: caps" "$out" "UE Security Capabilities: 0xf070 (EEA0,1,2,3; EIA1,2,3)"
json=$("$PROSE" pc5 decode "${DCR^^}" --json)
nonce=$(printf '%s' "$json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["ies"]["nonce_1"])')
expect_eq "decode --json: Nonce_1 (uppercase input)" "$nonce" "000102030405060708090a0b0c0d0e0f"
expect_exit "decode: unknown type" 2 "unknown message type 0x08" "$PROSE" pc5 decode 080001
expect_exit "decode: truncated" 2 "offset" "$PROSE" pc5 decode 0c0001
expect_exit "decode: duplicate IE" 2 "duplicate" "$PROSE" pc5 decode 0d00010f12340f1234
expect_exit "decode: odd hex" 2 "HEX" "$PROSE" pc5 decode 0d0
expect_exit "decode: missing input" 2 "HEX" "$PROSE" pc5 decode

# ---- protect / unprotect, cross-checked against the raw algorithms ----------------------------------------------
PEK=d3c5d592327fb11c4035c6680af8c6d1
PIK=2bd6459f82c5b300952c49104881ff48
SDU=0c0001606000112233445566778899aabbccddeeff2200
for e in 0 1 2 3; do
  for i in 1 2 3; do
    pdu=$("$PROSE" pc5 protect --enc-alg $e --int-alg $i --pek $PEK --pik $PIK --kd-sess-id a55a --count 0001fffe \
          --bearer 0 --direction 1 --sdu-type 2 --in $SDU)
    hdr=40a55afffe
    mac=$("$PROSE" crypto eia --alg $i --key $PIK --count 0001fffe --bearer 0 --direction 1 --in "$hdr$SDU")
    if [ $e -eq 0 ]; then ct=$SDU; else
      ct=$("$PROSE" crypto eea --alg $e --key $PEK --count 0001fffe --bearer 0 --direction 1 --in $SDU)
    fi
    expect_eq "protect EEA$e/EIA$i = header || EEA(data) || EIA(header || plaintext)" "$pdu" "$hdr$ct$mac"
    back=$("$PROSE" pc5 unprotect --enc-alg $e --int-alg $i --pek $PEK --pik $PIK --count 0001fffe --bearer 0 \
           --direction 1 --in "$pdu")
    expect_eq "unprotect EEA$e/EIA$i" "$back" "$SDU"
  done
done
# User plane: ciphering only (no PIK -> no MAC-I).
up=$("$PROSE" pc5 protect --enc-alg 2 --int-alg 2 --pek $PEK --kd-sess-id 0101 --count 5 --bearer 3 --direction 0 \
     --sdu-type 0 --in 45000014)
expect_eq "user plane PDU length (no MAC-I)" "${#up}" "$(( (5 + 4) * 2 ))"
back=$("$PROSE" pc5 unprotect --enc-alg 2 --int-alg 2 --pek $PEK --count 5 --bearer 3 --direction 0 --in "$up" --json)
sdu=$(printf '%s' "$back" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["sdu"], d["count"], d["integrity_checked"])')
expect_eq "unprotect --json" "$sdu" "45000014 00000005 False"
# Unprotected PDU.
plain=$("$PROSE" pc5 protect --enc-alg 0 --int-alg 0 --kd-sess-id 0 --count 0 --bearer 0 --direction 0 --sdu-type 2 \
        --in "$DCR")
expect_eq "unprotected PDU" "$plain" "4000000000$DCR"
expect_eq "unprotected PDU back" "$("$PROSE" pc5 unprotect --enc-alg 0 --int-alg 0 --bearer 0 --direction 0 --in "$plain")" "$DCR"
# Reserved bits (the 5 bits after the SDU type, TS 36.323 V14.1.0 figure 6.2.10.2): ignored on receipt (6.3.6).
expect_eq "unprotected PDU with reserved bits set" \
  "$("$PROSE" pc5 unprotect --enc-alg 0 --int-alg 0 --bearer 0 --direction 0 --in "5f${plain:2}")" "$DCR"

# ---- failures: exit 2 with the reason ----------------------------------------------------------------------------
good=$("$PROSE" pc5 protect --enc-alg 2 --int-alg 2 --pek $PEK --pik $PIK --kd-sess-id a55a --count 7 --bearer 0 \
       --direction 0 --sdu-type 2 --in $SDU)
tampered="${good:0:20}$(printf '%x' $(( 0x${good:20:1} ^ 1 )))${good:21}"
U=("$PROSE" pc5 unprotect --enc-alg 2 --int-alg 2 --pek $PEK --pik $PIK --bearer 0 --direction 0)
expect_exit "tampered data" 2 "MAC-I" "${U[@]}" --count 7 --in "$tampered"
# A reserved bit is not checked on its own but is covered by the MAC-I.
expect_exit "reserved bit flipped" 2 "MAC-I" "${U[@]}" --count 7 --in "$(printf '%02x' $(( 0x${good:0:2} ^ 0x04 )))${good:2}"
expect_exit "wrong HFN" 2 "MAC-I" "${U[@]}" --count 10007 --in "$good"
expect_exit "wrong DIRECTION" 2 "MAC-I" "$PROSE" pc5 unprotect --enc-alg 2 --int-alg 2 --pek $PEK --pik $PIK \
  --bearer 0 --direction 1 --count 7 --in "$good"
expect_exit "COUNT does not match SN" 2 "--count" "${U[@]}" --count 8 --in "$good"
expect_exit "KD-sess ID mismatch" 2 "--kd-sess-id" "${U[@]}" --kd-sess-id 1234 --in "$good"
expect_exit "unprotected PDU with keys" 2 "unprotected" "${U[@]}" --in "$plain"
expect_exit "truncated PDU" 2 "--in" "${U[@]}" --in 40a5
expect_exit "reserved SDU type" 2 "SDU type" "${U[@]}" --in e0a55a000700
expect_exit "missing PEK" 2 "--pek" "$PROSE" pc5 protect --enc-alg 2 --int-alg 0 --kd-sess-id 1 --count 0 --bearer 0 \
  --direction 0 --sdu-type 0 --in 00
expect_exit "short PEK" 2 "--pek" "$PROSE" pc5 protect --enc-alg 2 --int-alg 0 --pek 0011 --kd-sess-id 1 --count 0 \
  --bearer 0 --direction 0 --sdu-type 0 --in 00
expect_exit "unknown algorithm" 2 "--enc-alg" "$PROSE" pc5 protect --enc-alg 4 --int-alg 0 --pek $PEK --kd-sess-id 1 \
  --count 0 --bearer 0 --direction 0 --sdu-type 0 --in 00
expect_exit "bearer out of range" 2 "--bearer" "$PROSE" pc5 protect --enc-alg 2 --int-alg 0 --pek $PEK --kd-sess-id 1 \
  --count 0 --bearer 32 --direction 0 --sdu-type 0 --in 00
expect_exit "COUNT too wide" 2 "--count" "$PROSE" pc5 protect --enc-alg 2 --int-alg 0 --pek $PEK --kd-sess-id 1 \
  --count 100000000 --bearer 0 --direction 0 --sdu-type 0 --in 00
expect_exit "reserved --sdu-type" 2 "--sdu-type" "$PROSE" pc5 protect --enc-alg 2 --int-alg 0 --pek $PEK \
  --kd-sess-id 1 --count 0 --bearer 0 --direction 0 --sdu-type 4 --in 00
expect_exit "KD-sess ID 0 with ciphering" 2 "--kd-sess-id" "$PROSE" pc5 protect --enc-alg 2 --int-alg 0 --pek $PEK \
  --kd-sess-id 0 --count 0 --bearer 0 --direction 0 --sdu-type 0 --in 00
"$PROSE" pc5 --help >/dev/null && pass "pc5 --help" || failt "pc5 --help"

# --- pc5 example: every sample decodes, one per message type -------------------------------------------------------
n=0
while read -r name hex; do
  n=$((n + 1))
  got=$("$PROSE" pc5 decode "$hex" | head -1)
  expect_contains "example $name decodes" "$got" "$name"
done < <("$PROSE" pc5 example)
types=$("$PROSE" pc5 example | cut -d' ' -f1 | sort -u | wc -l)
expect_eq "pc5 example: one per message type" "$types" "15"
expect_eq "pc5 example TYPE prints only its hex" "$("$PROSE" pc5 example direct-security-mode-complete)" "0d090a0f1234"
expect_exit "pc5 example unknown type" 2 "unknown message type" "$PROSE" pc5 example NOPE

# --- pc5 decode --frame: a frame built from the codec (layer-2 IDs, SL PDCP, PC5 signalling, MAC-I) --------------
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
FPEK=000102030405060708090a0b0c0d0e0f; FPIK=101112131415161718191a1b1c1d1e1f
DSMC=$("$PROSE" pc5 example DIRECT_SECURITY_MODE_COMMAND)
FPDU=$("$PROSE" pc5 protect --enc-alg 2 --int-alg 2 --pek $FPEK --pik $FPIK --bearer 0 --direction 0 \
  --kd-sess-id 0102 --count 3 --sdu-type 2 --in "$DSMC")
echo "PC5_LINK 00ee01 00aa01 0102 2 2 $FPEK $FPIK" > "$W/keylog"
FRAME=00ee0100aa01$FPDU
out=$("$PROSE" pc5 decode --frame "$FRAME" --keylog "$W/keylog")
expect_contains "frame: layer-2 source" "$out" "Layer-2 source ID: 0x00ee01"
expect_contains "frame: KD-sess ID" "$out" "KD-sess ID: 0x0102"
expect_contains "frame: MAC-I verified" "$out" "MAC-I correct: True"
expect_contains "frame: deciphered PC5 signalling" "$out" "DIRECT_SECURITY_MODE_COMMAND"
js=$("$PROSE" pc5 decode --json --frame "$FRAME" --keylog "$W/keylog" | python3 -c '
import json, sys
d = json.load(sys.stdin)
def find(n, f):
    if n["field"] == f: return n["value"]
    for c in n["children"]:
        v = find(c, f)
        if v is not None: return v
vals = [find(l, f) for f in ("prose_sl.src", "prose_pdcp.kd_sess_id", "prose_pdcp.mac_ok") for l in d["frame"]["layers"]]
print(d["ok"], [v for v in vals if v is not None])')
expect_eq "frame --json: typed layers" "$js" "True ['00ee01', '0102', True]"
TAMPERED=${FRAME:0:${#FRAME}-2}$(printf '%02x' $(( (0x${FRAME: -2} + 1) % 256 )))
expect_exit "frame: tampered MAC-I reported, exit 2" 2 "does not verify" \
  "$PROSE" pc5 decode --frame "$TAMPERED" --keylog "$W/keylog"
code=$("$PROSE" pc5 decode --frame "$TAMPERED" --keylog "$W/keylog" --json 2>/dev/null |
  python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["ok"], d["error"]["code"], d["frame"] is not None)')
expect_eq "frame --json: tampered MAC-I" "$code" "False frame_check_failed True"
expect_exit "frame: too short" 2 "layer-2 header" "$PROSE" pc5 decode --frame 00ee01

if [ $fails -ne 0 ]; then
  echo "$fails failure(s)"
  exit 1
fi
echo "all pc5 CLI checks passed"
