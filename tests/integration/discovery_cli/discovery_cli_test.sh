#!/usr/bin/env bash
# Usage: discovery_cli_test.sh PROSE
set -u
PROSE=$1
PSDK=$(printf '5a%.0s' $(seq 32))
OTHER=$(printf 'a5%.0s' $(seq 32))
T=1900000000   # the sender's clock (Unix seconds)
fails=0
check() { if eval "$2"; then echo "ok   $1"; else echo "FAIL $1"; fails=$((fails + 1)); fi; }

for type in announcement solicitation response; do
  for keys in duik duik,dusk duik,duck duik,dusk,duck; do
    pdu=$("$PROSE" discovery protect --type $type --rsc 00a1b2 --user-info 0102030405a6 --l2-id 00c0de \
          --time $T --psdk $PSDK --keys $keys --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["pdu"])')
    check "$type [$keys] is 29 octets" '[ ${#pdu} -eq 58 ]'
    out=$("$PROSE" discovery open "$pdu" --time $((T + 5)) --psdk $PSDK --keys $keys 2>&1)
    check "$type [$keys] opens with the PSDK" '[ $? -eq 0 ] && grep -qi "a1b2" <<<"$out" && grep -qi "0102030405a6" <<<"$out"'
    "$PROSE" discovery open "$pdu" --time $((T + 5)) --psdk $OTHER --keys $keys >/dev/null 2>&1
    check "$type [$keys] refused with another PSDK (exit 2)" '[ $? -eq 2 ]'
    # Flip one bit of the MIC-protected part (octet 5).
    flipped=$(python3 -c "import sys; b=bytearray.fromhex('$pdu'); b[5]^=0x10; print(b.hex())")
    "$PROSE" discovery open "$flipped" --time $((T + 5)) --psdk $PSDK --keys $keys >/dev/null 2>&1
    check "$type [$keys] refused with one flipped bit (exit 2)" '[ $? -eq 2 ]'
    "$PROSE" discovery open "$pdu" --time $((T + 100)) --psdk $PSDK --keys $keys >/dev/null 2>&1
    check "$type [$keys] refused outside the 32 s window (exit 2)" '[ $? -eq 2 ]'
  done
done
# Confidentiality and scrambling hide the Relay Service Code: its octets do not appear in the PDU.
pdu=$("$PROSE" discovery protect --type announcement --rsc 00a1b2 --user-info 0102030405a6 --l2-id 00c0de --time $T \
      --psdk $PSDK --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["pdu"])')
plain=$("$PROSE" discovery protect --type announcement --rsc 00a1b2 --user-info 0102030405a6 --l2-id 00c0de --time $T \
      --psdk $PSDK --keys duik --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["pdu"])')
check "the MIC-only PDU carries the RSC in clear" '[ "${plain:2:6}" = "00a1b2" ]'
check "the fully protected PDU does not" '[ "${pdu:2:6}" != "00a1b2" ]'
"$PROSE" discovery open zz --psdk $PSDK >/dev/null 2>&1
check "a non-hex PDU is a usage error (exit 2)" '[ $? -eq 2 ]'

if [ $fails -eq 0 ]; then echo "RESULT: discovery cli passed"; else echo "RESULT: $fails FAILED"; exit 1; fi
