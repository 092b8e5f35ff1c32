#!/bin/sh
# End-to-end test of `prose mikey`: pruk-message -> open (and every rejection with exit 2 and its reason) -> decode.
set -eu
P="$1"
W="$2/mikey_cli"
mkdir -p "$W"
rm -f "$W/replay.txt"

PMK=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
PRUK=a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf
NOW=1767225600
fail() { echo "FAIL: $*" >&2; exit 1; }

MSG=$("$P" mikey pruk-message --pmk $PMK --pmk-id c0ffee01 --key-type-id 01 --pruk-id 1122334455667788 --pruk $PRUK \
  --pkmf-fqdn pkmf.example.org --ue-id ue1@example.org --verify --lifetime 86400 --now $NOW --out "$W/m.bin")
[ -s "$W/m.bin" ] || fail "--out wrote nothing"
case "$MSG" in 01000581*) ;; *) fail "unexpected header: $MSG" ;; esac

OPEN="$P mikey open --pmk $PMK --pmk-id c0ffee01 --key-type-id 01"
OUT=$($OPEN --now $NOW "$MSG")
echo "$OUT" | grep -qx "PRUK ID: 1122334455667788" || fail "PRUK ID missing: $OUT"
echo "$OUT" | grep -qx "Key class: PRUK" || fail "key class"
echo "$OUT" | grep -qx "Lifetime: 86400" || fail "lifetime"
echo "$OUT" | grep -q "^Verification message: 01010501" || fail "verification message"
echo "$OUT" | grep -q "^PRUK: " && fail "key printed without --show-key"
$OPEN --now $NOW --in "$W/m.bin" --show-key | grep -qx "PRUK: $PRUK" || fail "--show-key / --in"
$OPEN --now $NOW --json "$MSG" | grep -q '"PRUK ID": "1122334455667788"' || fail "--json"

expect_fail() {
  reason="$1"
  shift
  set +e
  out=$("$@" 2>&1)
  rc=$?
  set -e
  [ $rc -eq 2 ] || fail "exit $rc (want 2) for: $* -> $out"
  echo "$out" | grep -q "$reason" || fail "reason '$reason' not in: $out"
}
expect_fail "MAC failure" $P mikey open --pmk ff${PMK#00} --pmk-id c0ffee01 --key-type-id 01 --now $NOW "$MSG"
expect_fail "unknown PMK ID c0ffee01" $P mikey open --pmk $PMK --pmk-id beef --key-type-id 01 --now $NOW "$MSG"
expect_fail "unknown Key Type ID 01" $P mikey open --pmk $PMK --pmk-id c0ffee01 --key-type-id 02 --now $NOW "$MSG"
expect_fail "clock skew" $OPEN --now $((NOW + 301)) "$MSG"
expect_fail "clock skew" $OPEN --now $((NOW - 3600)) "$MSG"
SHORT=$(printf '%s' "$MSG" | cut -c1-100)
expect_fail "truncated at offset" $OPEN --now $NOW "$SHORT"
expect_fail "malformed at offset" $OPEN --now $NOW "${MSG}00"
expect_fail "unknown payload type" $P mikey decode "0100630011223344000200"
expect_fail "message" $P mikey open --pmk $PMK --pmk-id c0ffee01 --key-type-id 01 --now $NOW "zz"

# Replay detection across runs with --replay-cache.
$OPEN --now $NOW --replay-cache "$W/replay.txt" "$MSG" > /dev/null || fail "first open with replay cache"
expect_fail "replay" $OPEN --now $NOW --replay-cache "$W/replay.txt" "$MSG"

# All-zero PRUK ID: the UE must send a Key Request.
Z=$("$P" mikey pruk-message --pmk $PMK --pmk-id c0ffee01 --key-type-id 01 --pruk-id 0 --pruk $PRUK \
  --pkmf-fqdn pkmf.example.org --ue-id ue1@example.org --now $NOW)
$OPEN --now $NOW "$Z" | grep -qx "Action: send a Key Request to the PKMF" || fail "trigger"

# Decoder.
D=$("$P" mikey decode "$MSG")
echo "$D" | grep -q "^IDR (offset 38)" || fail "decode IDR: $D"
echo "$D" | grep -q "id: 011122334455667788@pkmf.example.org" || fail "decode IDi"
echo "$D" | grep -q "mac_alg: 2 (HMAC-SHA-256-256)" || fail "decode KEMAC"
"$P" mikey decode --json --in "$W/m.bin" | grep -q '"csb_id"' || fail "decode --json"
"$P" mikey --help > /dev/null
echo "mikey CLI: all checks passed"
