#!/usr/bin/env bash
# integration.wireshark: `prose demo`, then tshark with the plugin (installed into a private HOME's personal plugin
# folder, as `make wireshark` does) and the demo's TLS and PC5 key logs:
#   wireshark_test.sh PROSE_BINARY PLUGIN_SO WIRESHARK_ABI
# Checks (issue 14): every PC5 signalling message of the run is dissected (count by type = the agents' trace), every
# ciphered PDU is decrypted with MAC-I correct, the user data equals what the demo sent, PC8/PC3 XML (with the GPI),
# Diameter and MIKEY are decoded, protected discovery opens, 0 Malformed and 0 expert errors; without the PC5 key
# log every header and unprotected message is still dissected; one flipped bit gives exactly one MAC-I incorrect.
set -u
PROSE=$(realpath "$1")
PLUGIN=$(realpath "$2")
ABI=$3
DIR=$(mktemp -d "${TMPDIR:-/tmp}/prose-wireshark-test-XXXXXX")
fail() {
  echo "FAILED: wireshark test: $*"
  exit 1
}
command -v tshark >/dev/null || fail "tshark not installed (scripts/install-deps)"
export HOME=$DIR/home
mkdir -p "$HOME/.local/lib/wireshark/plugins/$ABI/epan"
cp "$PLUGIN" "$HOME/.local/lib/wireshark/plugins/$ABI/epan/prose.so"
# Wireshark loads no personal plugins when run as root (CI is): tshark then runs as nobody, with read access.
tshark() {
  if [ "$(id -u)" -eq 0 ]; then
    setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME="$HOME" tshark "$@"
  else
    command tshark "$@"
  fi
}
chmod -R a+rX "$DIR"
tshark -G protocols 2>/dev/null | grep -q '^ProSe PC5 signalling' || fail "tshark did not load the plugin from $HOME"

"$PROSE" demo --out "$DIR/run" >"$DIR/demo.out" 2>&1
rc=$?
((rc == 0)) || { tail -n 40 "$DIR/demo.out"; fail "prose demo exited with $rc"; }
chmod -R a+rX "$DIR/run"
PCAP=$DIR/run/demo.pcap
TLS=$DIR/run/tls-keys.log
PC5=$DIR/run/pc5-keys.log
[[ -s $PC5 ]] || fail "the demo wrote no PC5 key log"
for who in relay ue1 ue2; do
  grep -q "\[$who\] warning: PC5 key log on: " "$DIR/demo.out" || fail "$who printed no warning about the PC5 key log"
done
# The demo prints the one command line to use; it must be this one.
cmd=$(grep -o 'tshark -r .*' "$DIR/demo.out")
[[ $cmd == "tshark -r $PCAP -o tls.keylog_file:$TLS -o prose_sl.keylog_file:$PC5" ]] || fail "printed command: $cmd"

ts() { tshark -r "$PCAP" -o "tls.keylog_file:$TLS" -o "prose_sl.keylog_file:$PC5" "$@" 2>"$DIR/tshark.err"; }
count() { ts -Y "$1" | wc -l; }

python3 - "$DIR/demo.out" <(ts -Y prose_pc5s -T fields -e _ws.col.Info) <<'PY' || fail "PC5 signalling counts differ"
import re, sys, collections
trace = {}
for line in open(sys.argv[1]):
    if "PC5 signalling messages sent (the agents' trace):" in line:
        for kv in line.split(":", 1)[1].split():
            k, v = kv.split("=")
            trace[k] = int(v)
seen = collections.Counter()
for line in open(sys.argv[2]):
    m = re.search(r"\b([A-Z_]{10,}) \(seq \d+\)", line)
    if m:
        seen[m.group(1)] += 1
print("trace:", dict(sorted(trace.items())))
print("tshark:", dict(sorted(seen.items())))
need = {"DIRECT_COMMUNICATION_REQUEST", "DIRECT_SECURITY_MODE_COMMAND", "DIRECT_SECURITY_MODE_COMPLETE",
        "DIRECT_COMMUNICATION_ACCEPT"}
sys.exit(0 if trace and dict(seen) == trace and need <= set(trace) else 1)
PY

ciphered=$(count 'prose_pdcp.kd_sess_id != 0')
decrypted=$(count 'prose_pdcp.kd_sess_id != 0 && prose_pdcp.decrypted == 1')
sig=$(count 'prose_pdcp.kd_sess_id != 0 && prose_pdcp.sdu_type == 2')
mac_ok=$(count 'prose_pdcp.mac_ok == 1')
echo "ciphered PDUs $ciphered, decrypted $decrypted; protected signalling $sig, MAC-I correct $mac_ok"
((ciphered > 0 && decrypted == ciphered)) || fail "$decrypted of $ciphered ciphered PDUs decrypted"
((sig > 0 && mac_ok == sig)) || fail "$mac_ok of $sig protected PC5 signalling PDUs with MAC-I correct"
((mac_ok > 0)) || fail "no MAC-I checked"

python3 - "$DIR/demo.out" <(ts -Y prose_pdcp.user_data -T fields -e prose_pdcp.user_data) <<'PY' || fail "user data"
import re, sys, collections
sent = collections.Counter(re.findall(r'app -> \w+: "([^"]*)"', open(sys.argv[1]).read()))
got = collections.Counter()
for line in open(sys.argv[2]):
    h = line.strip().replace(":", "")
    if h:
        got[bytes.fromhex(h).decode("utf-8", "replace")] += 1
print("sent:", dict(sent), "decrypted:", dict(got))
# Each datagram crosses the sidelink twice: to the relay and, echoed, back.
sys.exit(0 if sent and got == collections.Counter({k: 2 * v for k, v in sent.items()}) else 1)
PY

pc8=$(count 'http.content_type contains "prose-pc8+xml" && xml')
pc3=$(count 'http.content_type contains "prose-pc3+xml" && xml')
gpi_xml=$(count 'xml && prose_gpi.p_tid')
gpi_dsmc=$(count 'prose_pc5s.gpi && prose_gpi.p_tid')
diameter=$(count diameter)
mikey=$(count mikey)
disc=$(count 'prose_disc.mic_ok == 1')
disc_all=$(count prose_disc)
echo "PC8 XML $pc8, PC3 XML $pc3, GPI in XML $gpi_xml, GPI in a DSMC $gpi_dsmc, Diameter $diameter, MIKEY $mikey," \
  "discovery $disc of $disc_all with MIC verified"
((pc8 >= 4 && pc3 >= 6)) || fail "PC8/PC3 XML not decoded over TLS"
((gpi_xml >= 1 && gpi_dsmc >= 1)) || fail "GPI not dissected in the PC8 Key Response and in the DSMC"
((diameter >= 2)) || fail "Diameter not decoded"
((mikey >= 2)) || fail "MIKEY not decoded"
((disc > 0 && disc == disc_all)) || fail "discovery: $disc of $disc_all opened"
malformed=$(count _ws.malformed)
errors=$(count '_ws.expert.severity == error')
((malformed == 0)) || fail "$malformed Malformed frames"
((errors == 0)) || { ts -Y '_ws.expert.severity == error' | head; fail "$errors frames with expert errors"; }
frames=$(ts | wc -l)
sl=$(count prose_sl)
echo "clean run: $frames frames, $sl PC5 frames, 0 Malformed, 0 expert errors"

# Without the PC5 key log: every frame is still a PC5 frame with its header, unprotected messages in full.
nk() { tshark -r "$PCAP" -o "tls.keylog_file:$TLS" "$@" 2>/dev/null; }
sl_nk=$(nk -Y prose_sl | wc -l)
pdcp_nk=$(nk -Y 'prose_pdcp.sn' | wc -l)
pdcp=$(count 'prose_pdcp.sn')
dcr=$(count 'prose_pc5s.msg_type == 0x01')
dcr_nk=$(nk -Y 'prose_pc5s.msg_type == 0x01' | wc -l)
nokeys=$(nk -Y 'prose_pdcp.no_keys || prose_disc' | wc -l)
echo "without the PC5 key log: $sl_nk PC5 frames, $pdcp_nk PDCP headers, $dcr_nk DCRs, $nokeys marked 'no key'"
((sl_nk == sl && pdcp_nk == pdcp && dcr_nk == dcr && dcr > 0)) || fail "headers or unprotected messages lost without keys"
((nokeys > 0)) || fail "protected frames not marked"
(($(nk -Y _ws.malformed | wc -l) == 0)) || fail "Malformed without the key log"

# One flipped bit in the first protected PC5 signalling PDU (the DSMC): exactly one MAC-I incorrect. tshark names
# the frame (the capture also holds MIKEY over UDP, whose random header octets can look like a PDCP header).
dsmc_frame=$(ts -Y 'prose_pc5s.msg_type == 0x0c' -T fields -e frame.number | head -n 1)
[[ -n $dsmc_frame ]] || fail "no DSMC in the capture"
python3 - "$PCAP" "$DIR/flipped.pcap" "$dsmc_frame" <<'PY' || fail "could not flip a bit in frame $dsmc_frame"
import struct, sys
data = bytearray(open(sys.argv[1], "rb").read())
want = int(sys.argv[3])
off, number = 24, 0
while off < len(data):
    incl = struct.unpack_from("<I", data, off + 8)[0]
    pkt = off + 16
    number += 1
    if number == want:
        pdu = pkt + 14 + 20 + 8 + 6  # Ethernet, IPv4, UDP, the sidelink frame header
        if data[pkt + 23] != 17 or data[pdu] >> 5 != 2 or data[pdu + 1:pdu + 3] == b"\0\0":
            sys.exit(1)
        data[pdu + 6] ^= 0x04  # inside the message, which the MAC-I covers
        open(sys.argv[2], "wb").write(data)
        sys.exit(0)
    off = pkt + incl
sys.exit(1)
PY
bad=$(tshark -r "$DIR/flipped.pcap" -o "tls.keylog_file:$TLS" -o "prose_sl.keylog_file:$PC5" \
  -Y 'prose_pdcp.mac_ok == 0' 2>/dev/null | wc -l)
incorrect=$(tshark -r "$DIR/flipped.pcap" -o "tls.keylog_file:$TLS" -o "prose_sl.keylog_file:$PC5" \
  -Y 'prose_pdcp.mac_incorrect' 2>/dev/null | wc -l)
echo "one flipped bit: $bad PDU with MAC-I incorrect ($incorrect expert infos)"
((bad == 1 && incorrect == 1)) || fail "expected exactly one MAC-I incorrect, got $bad ($incorrect)"
rm -rf "$DIR"
echo "WIRESHARK TEST: passed"
