#!/usr/bin/env bash
# integration.demo: runs `prose demo --out DIR` and checks its output directory (docs/demo.md):
#   demo_test.sh PROSE_BINARY [gba|certificate]
# gba (the default, as `prose demo` runs): the agents bootstrap over Ub and use PSK-TLS; certificate: `--tls
# certificate`, client certificates of the test PKI.
# Passes ("DEMO TEST: passed") only when the demo itself reported every step and the artefacts are right.
set -u
PROSE=$(realpath "$1") TLS=${2:-gba}
DIR=$(mktemp -d "${TMPDIR:-/tmp}/prose-demo-test-XXXXXX")
fail() {
  echo "FAILED: demo test: $*"
  for f in "$DIR"/*.log; do echo "---- $f"; tail -n 30 "$f"; done
  exit 1
}
if [[ $TLS == gba ]]; then
  "$PROSE" demo --out "$DIR" | tee "$DIR/demo.out"
else
  "$PROSE" demo --tls "$TLS" --out "$DIR" | tee "$DIR/demo.out"
fi
rc=${PIPESTATUS[0]}
((rc == 0)) || fail "prose demo exited with $rc"
grep -q '^RESULT: every step worked' "$DIR/demo.out" || fail "demo did not report success"

# Issue 9 steps in the message sequence chart: the agents start from the ProSe Function's address only.
need() { grep -Eq -- "$1" "$DIR/demo.out" || fail "the demo output has no line matching: $1"; }
for who in relay ue1 ue2; do
  need "$who +-> ProSe Function +PC3 Service Authorisation Request \\(role (relay|remote-ue), RSC 0x00abcd\\)"
  need "ProSe Function -> $who +PC3 Service Authorisation Response \\(authorised as (relay|remote-ue): PKMF https://127"
  need "$who +-> PKMF +PC8 Discovery Key Request \\(RSC 0x00abcd"
  need "PKMF +-> $who +PC8 Discovery Key Response \\(PSDK ID [0-9a-f]{8}, PSDK [0-9a-f]+, expires "
done
need 'relay +-> \* +Discovery Announcement \(Model A, protected'
need '\[ue1\] discovered: relay L2 0x00aa01 by protected Discovery Announcement \(Model A\)'
need 'ue2 +-> \* +Discovery Solicitation \(Model B, protected'
need 'ue@0x00b002 -> relay +Discovery Solicitation \(Model B, protected; MIC verified'
need 'relay +-> ue@0x00b002 +Discovery Response \(Model B, protected'
need '\[ue2\] discovered: relay L2 0x00aa01 by protected Discovery Response \(Model B\)'
# The agent configs carry no PKMF address: it came from the ProSe Function.
for f in relay ue1 ue2; do
  grep -q '^\[prose_function\]' "$DIR/$f.toml" || fail "$f.toml has no [prose_function]"
  grep -q '^\[pkmf\]' "$DIR/$f.toml" && fail "$f.toml still names the PKMF"
done
# The TLS mode: with GBA every agent bootstraps over Ub (step 0 of the trace) and has no certificate in its config;
# the PKMF runs [tls] mode = "gba" and fetches the B-TIDs' keys over Zn (BIR/BIA, step 0).
if [[ $TLS == gba ]]; then
  for who in relay ue1 ue2; do
    need "\\[ 0\\] $who +-> HSS/BSF +Ub GET \\(Authorization: Digest username="
    need "\\[ 0\\] HSS/BSF +-> $who +Ub 401 Unauthorized"
    need "\\[ 0\\] HSS/BSF +-> $who +Ub 200 OK \\(B-TID "
    need "\\[ 0\\] \\[$who\\] gba: bootstrapped as "
    grep -q '^\[gba\]' "$DIR/$who.toml" || fail "$who.toml has no [gba]"
    grep -q '^cert = ' "$DIR/$who.toml" && fail "$who.toml still has a client certificate"
  done
  need '\[ 0\] PKMF +-> HSS/BSF +Diameter Bootstrapping-Info-Request \(BIR, Zn'
  need '\[ 0\] HSS/BSF +-> PKMF +Diameter Bootstrapping-Info-Answer \(BIA, Zn'
  grep -q '^mode = "gba"' "$DIR/pkmf/pkmf.toml" || fail "the PKMF does not run [tls] mode = \"gba\""
  need 'TLS to the ProSe Function and the PKMF: gba'
else
  grep -Eq ' Ub (GET|401|200)' "$DIR/demo.out" && fail "a certificate run shows Ub lines"
  for who in relay ue1 ue2; do
    grep -q '^cert = ' "$DIR/$who.toml" || fail "$who.toml has no client certificate"
    grep -q '^\[gba\]' "$DIR/$who.toml" && fail "$who.toml has [gba] in a certificate run"
  done
  need 'TLS to the ProSe Function and the PKMF: certificate'
fi
# Same PSDK on all three (one per RSC at the PKMF).
n=$(grep -Eo 'PKMF +-> (relay|ue1|ue2) +PC8 Discovery Key Response \(PSDK ID [0-9a-f]{8}' "$DIR/demo.out" |
  grep -Eo '[0-9a-f]{8}$' | sort -u | wc -l)
((n == 1)) || fail "relay and UEs got $n different PSDKs for one RSC"

# The pcap: MIKEY (I_MESSAGE from the PKMF on UDP 2269, R_MESSAGE back) decodes without "Decode As".
PCAP=$DIR/demo.pcap
[[ -s $PCAP ]] || fail "no demo.pcap"
command -v tshark >/dev/null || fail "tshark not installed (scripts/install-deps)"
n=$(tshark -r "$PCAP" -Y mikey 2>/dev/null | wc -l)
((n >= 2)) || fail "tshark -Y mikey shows $n MIKEY frames, expected the I_MESSAGE and the R_MESSAGE"
tshark -r "$PCAP" -Y 'mikey && udp.srcport == 2269' -T fields -e frame.protocols 2>/dev/null | grep -q 'udp:mikey' ||
  fail "no MIKEY message from the PKMF side on UDP 2269"
tshark -r "$PCAP" -Y 'mikey && udp.dstport == 2269' 2>/dev/null | grep -q . ||
  fail "no MIKEY verification message to the PKMF side on UDP 2269"
echo "pcap: $n MIKEY frames decoded by tshark"
rm -rf "$DIR"
echo "DEMO TEST: passed"
