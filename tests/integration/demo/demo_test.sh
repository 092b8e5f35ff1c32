#!/usr/bin/env bash
# integration.demo: runs `prose demo --out DIR` and checks its output directory (docs/demo.md):
#   demo_test.sh PROSE_BINARY
# Passes ("DEMO TEST: passed") only when the demo itself reported every step and the artefacts are right.
set -u
PROSE=$(realpath "$1")
DIR=$(mktemp -d "${TMPDIR:-/tmp}/prose-demo-test-XXXXXX")
fail() {
  echo "FAILED: demo test: $*"
  for f in "$DIR"/*.log; do echo "---- $f"; tail -n 30 "$f"; done
  exit 1
}
"$PROSE" demo --out "$DIR" | tee "$DIR/demo.out"
rc=${PIPESTATUS[0]}
((rc == 0)) || fail "prose demo exited with $rc"
grep -q '^RESULT: every step worked' "$DIR/demo.out" || fail "demo did not report success"

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
