#!/bin/sh
# Usage: run.sh PROSE XMLLINT SCHEMA WORKDIR
# Every example validates with xmllint and with `prose pc8 validate`, and the values embedded in it are accepted by
# the project's own code; broken files exit 2 with a reason.
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
  "$PROSE" pc8 validate --json "$f" | grep -q '"valid": true' || fail "validate --json $k"
done
[ "$n" -ge 8 ] || fail "expected at least 8 example kinds, got $n"

# Every value embedded in a sample is one the project's own code accepts. A GPI decodes (`prose gba gpi-decode`) and
# opens on the UE side (`prose gba gpi-open`: AUTN and GPI MAC verified) for the subscriber the samples name, the
# TS 35.208 Milenage test set 1 (USIM last accepted SQN ff9bb4d0b5e7), with the NAF_Id of pkmf.example.org.
K=465b5ce8b199b49faa5f0a2ee238a6bc OPC=cd63cb71954a9f4e48a5994e37a02baf
IMPI=001010123456789@ims.mnc001.mcc001.3gppnetwork.org
NAF=$(printf pkmf.example.org | od -An -tx1 | tr -d ' \n')010000010a
gpis=0
for k in $kinds; do
  for g in $(sed -n 's|.*<GPI>\([^<]*\)</GPI>.*|\1|p' "$WORK/$k.xml"); do
    gpis=$((gpis + 1))
    "$PROSE" gba gpi-decode --gpi "$g" > "$WORK/gpi.out" 2>&1 || fail "$k: prose gba gpi-decode refuses its GPI: $(cat "$WORK/gpi.out")"
    "$PROSE" gba gpi-open --k $K --opc $OPC --sqn ff9bb4d0b5e7 --impi $IMPI --naf-id "$NAF" --gpi "$g" > "$WORK/gpi.out" 2>&1 ||
      fail "$k: prose gba gpi-open refuses its GPI: $(cat "$WORK/gpi.out")"
  done
done
[ "$gpis" -ge 1 ] || fail "no sample carries a GPI"
# A PSDK with the discovery configuration sent with it (key combination, Encrypted_bits_mask, confidentiality
# algorithm) protects and opens a relay discovery announcement (`prose discovery protect` / `open`).
psdks=0
for k in $kinds; do
  awk '/<discovery-key>/ { rsc = ""; psdk = ""; keys = "duik,dusk,duck"; mask = "-"; eea = "-" }
       { v = $0; gsub(/^ *<[^>]*>|<\/.*$/, "", v) }
       /<relay-service-code>/ { rsc = v }
       /<PSDK>/ { psdk = v }
       /<key-combination>/ { keys = tolower(v); gsub(/-/, ",", keys) }
       /<encrypted-bits-mask>/ { mask = v }
       /<confidentiality-algorithm>/ { eea = v }
       /<\/discovery-key>/ && psdk != "" { print rsc, psdk, keys, mask, eea }' "$WORK/$k.xml" > "$WORK/psdks"
  while read -r rsc psdk keys mask eea; do
    psdks=$((psdks + 1))
    set -- --psdk "$psdk" --keys "$keys" --counter 692914e0
    [ "$mask" = - ] || set -- "$@" --mask "$mask"
    [ "$eea" = - ] || set -- "$@" --eea "$eea"
    if pdu=$("$PROSE" discovery protect --type announcement --rsc "$rsc" --user-info 3344556677aa --l2-id 0a0b0c "$@" 2>&1); then
      "$PROSE" discovery open "$pdu" "$@" > "$WORK/disc.out" 2>&1 && grep -q "^MIC verified: yes" "$WORK/disc.out" ||
        fail "$k: prose discovery open refuses RSC $rsc's configuration: $(cat "$WORK/disc.out")"
    else
      fail "$k: prose discovery protect refuses RSC $rsc's configuration: $pdu"
    fi
  done < "$WORK/psdks"
done
[ "$psdks" -ge 1 ] || fail "no sample carries a PSDK"

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
expect_exit2 "garbage" "$WORK/garbage.xml" "not-well-formed"
# Broken: content after the root (issue 17, defect 10): both xmllint and prose refuse, with libxml2's reason.
{ cat "$WORK/kd-request.xml"; printf '\n<'; } > "$WORK/trailing.xml"
"$XMLLINT" --noout --nonet "$WORK/trailing.xml" 2> /dev/null && fail "xmllint accepts content after the root"
expect_exit2 "content after the root" "$WORK/trailing.xml" "Extra content at the end of the document"
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
echo "pc8_cli: $n examples validated by xmllint and prose; their $gpis GPI(s) and $psdks PSDK(s) accepted; negative cases exit 2"
