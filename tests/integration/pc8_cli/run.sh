#!/bin/sh
# Usage: run.sh PROSE XMLLINT SCHEMA WORKDIR
# Every example validates with xmllint and with `prose pc8 validate`; broken files exit 2 with a reason.
set -u
PROSE=$1 XMLLINT=$2 SCHEMA=$3 WORK=$4
rm -rf "$WORK" && mkdir -p "$WORK" || exit 1
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

kinds=$("$PROSE" pc8 example --list | awk '{print $1}')
[ -n "$kinds" ] || fail "example --list printed nothing"
n=0
for k in $kinds; do
  n=$((n + 1))
  f="$WORK/$k.xml"
  "$PROSE" pc8 example "$k" > "$f" || fail "example $k exited $?"
  "$XMLLINT" --noout --nonet --schema "$SCHEMA" "$f" 2> "$WORK/$k.xmllint" || { cat "$WORK/$k.xmllint"; fail "xmllint rejects $k"; }
  out=$("$PROSE" pc8 validate "$f") || fail "prose pc8 validate $k exited $?"
  echo "$out" | grep -q "^Kind: " || fail "validate $k: no Kind line"
  "$PROSE" pc8 validate --json "$f" | grep -q '"Valid": true' || fail "validate --json $k"
done
[ "$n" -ge 8 ] || fail "expected at least 8 example kinds, got $n"

# --json example carries the same XML.
"$PROSE" pc8 example --json kd-request | grep -q '"xml": "<?xml' || fail "example --json"

# The embedded schema is the repository's schema.
"$PROSE" pc8 schema > "$WORK/embedded.xsd" && cmp -s "$WORK/embedded.xsd" "$SCHEMA" || fail "prose pc8 schema differs from $SCHEMA"

# Standard input.
"$PROSE" pc8 example kd-response | "$PROSE" pc8 validate - > /dev/null || fail "validate - (stdin)"

expect_exit2() {  # NAME FILE PATTERN
  "$PROSE" pc8 validate "$2" > "$WORK/out" 2> "$WORK/err"
  rc=$?
  [ $rc -eq 2 ] || fail "$1: exit $rc, expected 2"
  [ "$(wc -l < "$WORK/err")" -eq 1 ] || fail "$1: expected a one-line message, got: $(cat "$WORK/err")"
  grep -q -- "$3" "$WORK/err" || fail "$1: message lacks '$3': $(cat "$WORK/err")"
}

# Broken: KD one octet short (both xmllint and prose refuse).
sed 's|<KD>80|<KD>|' "$WORK/kd-response.xml" > "$WORK/short-kd.xml"
"$XMLLINT" --noout --nonet --schema "$SCHEMA" "$WORK/short-kd.xml" 2> /dev/null && fail "xmllint accepts a short KD"
expect_exit2 "short KD" "$WORK/short-kd.xml" "KD"

# Broken: not XML at all; unknown element; a DTD.
echo "hello" > "$WORK/garbage.xml"
expect_exit2 "garbage" "$WORK/garbage.xml" "not well-formed"
sed 's|</KD-request>|<bogus/></KD-request>|' "$WORK/kd-request.xml" > "$WORK/unknown.xml"
expect_exit2 "unknown element" "$WORK/unknown.xml" "bogus"
sed 's|<KEY_REQUEST|<!DOCTYPE KEY_REQUEST [<!ENTITY x "y">]><KEY_REQUEST|' "$WORK/kd-request.xml" > "$WORK/dtd.xml"
expect_exit2 "DTD" "$WORK/dtd.xml" "DOCTYPE"

# Schema-valid but refused by the codec (namespace prefix): xmllint accepts, prose validate exits 2.
sed -e 's|<\([A-Za-z]\)|<p:\1|g' -e 's|</|</p:|g' -e 's|xmlns=|xmlns:p=|' "$WORK/kd-request.xml" > "$WORK/prefixed.xml"
"$XMLLINT" --noout --nonet --schema "$SCHEMA" "$WORK/prefixed.xml" 2> /dev/null || fail "xmllint rejects the prefixed document"
expect_exit2 "prefixed" "$WORK/prefixed.xml" "codec"

# Bad arguments.
"$PROSE" pc8 example no-such-kind > /dev/null 2>&1; [ $? -eq 2 ] || fail "unknown kind should exit 2"
"$PROSE" pc8 validate "$WORK/does-not-exist.xml" > /dev/null 2>&1; [ $? -eq 2 ] || fail "missing file should exit 2"

if [ $failures -ne 0 ]; then echo "$failures failure(s)"; exit 1; fi
echo "pc8_cli: $n examples validated by xmllint and prose; negative cases exit 2"
