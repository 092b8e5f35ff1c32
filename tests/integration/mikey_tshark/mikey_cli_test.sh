#!/bin/sh
# End-to-end test of `prose mikey`: pruk-message -> open (and every rejection with exit 2 and its reason) -> decode.
# The settled profile items (profile.md section 4): ID payloads by default, 32-bit Key Type IDs, no silent
# downgrade to the RFC 3830 default algorithms, key validity from T, no key shown for the all-zero PRUK ID.
set -eu
P="$1"
W="$2/mikey_cli"
mkdir -p "$W"
rm -f "$W/replay.txt"

PMK=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
PRUK=a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf
NOW=1767225600
fail() { echo "FAIL: $*" >&2; exit 1; }

MSG=$("$P" mikey pruk-message --pmk $PMK --pmk-id c0ffee01 --key-type-id 00000001 --pruk-id 1122334455667788 --pruk $PRUK \
  --pkmf-fqdn pkmf.example.org --ue-id ue1@example.org --verify --lifetime 86400 --now $NOW --out "$W/m.bin")
[ -s "$W/m.bin" ] || fail "--out wrote nothing"
case "$MSG" in 01000581*) ;; *) fail "unexpected header: $MSG" ;; esac

OPEN="$P mikey open --pmk $PMK --pmk-id c0ffee01 --key-type-id 00000001"
OUT=$($OPEN --now $NOW "$MSG")
echo "$OUT" | grep -qx "PRUK ID: 1122334455667788" || fail "PRUK ID missing: $OUT"
echo "$OUT" | grep -qx "Key class: PRUK" || fail "key class"
echo "$OUT" | grep -qx "Lifetime: 86400" || fail "lifetime"
echo "$OUT" | grep -qx "Valid from: 2026-01-01T00:00:00Z" || fail "key validity must start at T: $OUT"
echo "$OUT" | grep -qx "Timestamp: 2026-01-01T00:00:00Z" || fail "timestamp: $OUT"
echo "$OUT" | grep -q "^Verification message: 01010501" || fail "verification message"
echo "$OUT" | grep -q "^PRUK: " && fail "key printed without --show-key"
$OPEN --now $NOW --in "$W/m.bin" --show-key | grep -qx "PRUK: $PRUK" || fail "--show-key / --in"
$OPEN --now $NOW --json "$MSG" | grep -q '"pruk_id": "1122334455667788"' || fail "--json"

expect_fail() {
  reason="$1"
  shift
  set +e
  out=$("$@" 2>&1)
  rc=$?
  set -e
  [ $rc -eq 2 ] || fail "exit $rc (want 2) for: $* -> $out"
  echo "$out" | grep -q -- "$reason" || fail "reason '$reason' not in: $out"
}
expect_fail "MAC failure" $P mikey open --pmk ff${PMK#00} --pmk-id c0ffee01 --key-type-id 00000001 --now $NOW "$MSG"
expect_fail "unknown PMK ID c0ffee01" $P mikey open --pmk $PMK --pmk-id beef --key-type-id 00000001 --now $NOW "$MSG"
expect_fail "unknown Key Type ID 00000001" $P mikey open --pmk $PMK --pmk-id c0ffee01 --key-type-id 00000002 --now $NOW "$MSG"
expect_fail "clock skew" $OPEN --now $((NOW + 301)) "$MSG"
expect_fail "clock skew" $OPEN --now $((NOW - 3600)) "$MSG"
SHORT=$(printf '%s' "$MSG" | cut -c1-100)
expect_fail "truncated at offset" $OPEN --now $NOW "$SHORT"
expect_fail "malformed at offset" $OPEN --now $NOW "${MSG}00"
expect_fail "unknown payload type" $P mikey decode "0100630011223344000200"
expect_fail "message" $P mikey open --pmk $PMK --pmk-id c0ffee01 --key-type-id 00000001 --now $NOW "zz"

# Replay detection across runs with --replay-cache.
$OPEN --now $NOW --replay-cache "$W/replay.txt" "$MSG" > /dev/null || fail "first open with replay cache"
expect_fail "replay" $OPEN --now $NOW --replay-cache "$W/replay.txt" "$MSG"

# All-zero PRUK ID: the UE must send a Key Request; the key is discarded, never shown (not even with --show-key).
Z=$("$P" mikey pruk-message --pmk $PMK --pmk-id c0ffee01 --key-type-id 00000001 --pruk-id 0 --pruk $PRUK \
  --pkmf-fqdn pkmf.example.org --ue-id ue1@example.org --now $NOW)
$OPEN --now $NOW "$Z" | grep -qx "Action: send a Key Request to the PKMF" || fail "trigger"
for flags in "" "--show-key" "--show-key --json"; do
  T=$($OPEN --now $NOW $flags "$Z")
  echo "$T" | grep -qi "$PRUK" && fail "trigger key shown with '$flags': $T"
  case "$flags" in
    *--json*) echo "$T" | tr -d ' \n' | grep -q '"action":"sendaKeyRequesttothePKMF".*"pruk":null' ||
                fail "trigger: no action or a key in the JSON ($flags): $T" ;;
    *) echo "$T" | grep -q "key request trigger: the delivered key is discarded" || fail "trigger discard note ($flags): $T" ;;
  esac
done
$OPEN --now $NOW --show-key "$Z" | grep -qx "PRUK ID: 0000000000000000" || fail "trigger PRUK ID"

# Key Type ID: exactly 32 bits (8 hex digits) on both sides.
for k in 01 000001 0000000001 00000000000000000000000000000001; do
  expect_fail "--key-type-id: expected 4 octets (8 hex digits)" $P mikey pruk-message --pmk $PMK --pmk-id c0ffee01 \
    --key-type-id $k --pruk-id 1 --pruk $PRUK --pkmf-fqdn pkmf.example.org --ue-id ue1@example.org --now $NOW
  expect_fail "--key-type-id: expected 4 octets (8 hex digits)" $P mikey open --pmk $PMK --pmk-id c0ffee01 \
    --key-type-id $k --now $NOW "$MSG"
  expect_fail "--pgk-key-type-id: expected 4 octets (8 hex digits)" $OPEN --pgk-key-type-id $k --now $NOW "$MSG"
done

# The RFC 3830 default algorithms are refused by the UE unless --accept-rfc3830-defaults (no silent downgrade).
build() {
  "$P" mikey pruk-message --pmk $PMK --pmk-id c0ffee01 --key-type-id 00000001 --pruk-id 2 --pruk $PRUK \
    --pkmf-fqdn pkmf.example.org --ue-id ue1@example.org --now $NOW "$@"
}
M1=$(build --prf mikey-1)
S1=$(build --mac hmac-sha-1)
expect_fail "PRF func MIKEY-1 (the RFC 3830 default) refused" $OPEN --now $NOW "$M1"
expect_fail "MAC alg HMAC-SHA-1-160 (the RFC 3830 default) refused" $OPEN --now $NOW "$S1"
expect_fail "unsupported at offset 3" $OPEN --now $NOW "$M1"
for m in "$M1" "$S1"; do
  $OPEN --now $NOW --accept-rfc3830-defaults --show-key "$m" | grep -qx "PRUK: $PRUK" || fail "--accept-rfc3830-defaults"
done

# Identities: RFC 3830 ID payloads by default; RFC 6043 IDR payloads on request, and still accepted.
I=$(build --id-payload idr)
"$P" mikey decode "$I" | grep -q "^IDR (offset 38)" || fail "--id-payload idr"
$OPEN --now $NOW --show-key "$I" | grep -qx "PRUK: $PRUK" || fail "IDR payloads not accepted"
expect_fail "--id-payload: expected id or idr" build --id-payload x

# Decoder.
D=$("$P" mikey decode "$MSG")
echo "$D" | grep -q "^ID (offset 38)" || fail "decode ID (RFC 3830 ID payload by default): $D"
echo "$D" | grep -q "^ID (offset 83)" || fail "decode second ID (IDr): $D"
echo "$D" | grep -q "id_type: 0 (NAI)" || fail "decode ID type NAI: $D"
echo "$D" | grep -q "^IDR" && fail "IDR payload by default: $D"
echo "$D" | grep -q "id: 000000011122334455667788@pkmf.example.org" || fail "decode IDi"
echo "$D" | grep -q "mac_alg: 2 (HMAC-SHA-256-256)" || fail "decode KEMAC"
"$P" mikey decode --json --in "$W/m.bin" | grep -q '"csb_id"' || fail "decode --json"
"$P" mikey --help > /dev/null
echo "mikey CLI: all checks passed"
