#!/usr/bin/env bash
# IP mode, a TCP flow that keeps going through what happens on the link (see CMakeLists.txt): ip_flow_test.sh PROSE
# The bed is ip_test.sh's (ip_env.sh), with the PC5 frames going through tamper_proxy.py (an attacker on the air).
#  1. Rekeying: the Remote UE sends a Direct Rekeying Request (Auth Flag 1: a fresh KD from the PKMF) after every 50
#     IP packets it sent on one KD-sess. Each rekey takes a PKMF round trip while the flow goes on, so an 8 MiB
#     download (about 1,400 uplink packets) spans several, with packets of both directions in flight across each
#     key change (link::RemoteUe/Relay keep the previous KD-sess for them). Passes when the file arrives intact, both
#     agents traced at least 2 completed rekeys during it, and neither dropped a PDU (also not a Direct Rekeying
#     Response that arrives after the UE started its next rekey).
#  2. Tampering: user data are ciphered but not integrity protected (TS 33.303 6.X: PIK protects PC5 signalling
#     only), so PDCP cannot refuse a changed user-data PDU; what refuses it is IP. The proxy
#     - flips the last octet of one large downlink PDU: it deciphers to a TCP segment with one changed payload octet,
#       which the Remote UE's kernel drops on the TCP checksum (Tcp InCsumErrors in its namespace goes up) and the
#       server sends again;
#     - cuts 4 octets off one uplink PDU (a TCP ACK): the IPv4 total length no longer matches, and the relay's router
#       drops it before its TUN (EVT|ip-drop|ue@<L2>: uplink malformed: ... IPv4: total length ...); a later ACK covers it.
#     Passes when the second 4 MiB download arrives intact, both changes were made, and each was dropped where said.
# Root only (network namespaces, TUN): skipped (77) otherwise.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/ip_env.sh"
ip_env_init "$1"
ip_env_namespaces
ip_env_servers

PROXY_UE=$(free_udp_port) PROXY_RELAY=$(free_udp_port)
ARM=$DIR/tamper.arm
start proxy python3 "$HERE/tamper_proxy.py" "$PROXY_UE" "$PROXY_RELAY" "$UE_SL" "$RELAY_SL" \
  "$ARM" "$DIR/tamper.log"
wait_for "$DIR/tamper.log" "proxy up" 10 || fail "tamper proxy did not start"
ip_env_agent_configs "$PROXY_RELAY" "$PROXY_UE"
sed -i 's|^rekey_every = 0|rekey_every = 50|; s|^rekey_auth = false|rekey_auth = true|' ue1.toml
grep -q '^rekey_every = 50' ue1.toml || fail "no rekey_every in the example"
ip_env_start_agents
ip_env_http_server

rekeys() { grep -c '^EVT|rekeyed|' "$DIR/$1.log"; }

step "IPv6: the relay's Router Advertisement, then ping -6 fd00:46::2 (upstream) from $NS_UE"
grep -q "MSC|r1|ue@0x00ee31|Router Advertisement (prefix fd00:45::/64" relay.log || fail "no RA in the relay's trace"
grep -q "EVT|ipv6|IPv6 address fd00:45::ff:fe00:ee31/64" ue1.log || fail "no IPv6 address traced by the UE"
ip -n "$NS_UE" -6 addr show dev prose-u0 | grep -q "inet6 fd00:45::ff:fe00:ee31/64" || fail "not on prose-u0"
ip netns exec "$NS_UE" ping -6 -c 3 -i 0.2 -W 2 fd00:46::2 >"$DIR/ping6.log" 2>&1 || fail "ping -6"
grep -q " 0% packet loss" "$DIR/ping6.log" || fail "ping -6 lost packets"

step "rekeying every 50 uplink packets during an 8 MiB TCP download"
UE0=$(rekeys ue1) RELAY0=$(rekeys relay)
ip_env_fetch $((8 * 1024 * 1024))
UE1=$(rekeys ue1) RELAY1=$(rekeys relay)
echo "rekeys during the transfer: Remote UE $((UE1 - UE0)), relay $((RELAY1 - RELAY0))"
((UE1 - UE0 >= 2)) || fail "the Remote UE completed $((UE1 - UE0)) rekeys during the transfer, want at least 2"
((RELAY1 - RELAY0 >= 2)) || fail "the relay completed $((RELAY1 - RELAY0)) rekeys during the transfer, want at least 2"
grep -q '^EVT|\(failed\|released\)|' ue1.log && fail "the link ended"
grep '^EVT|dropped|' ue1.log relay.log && fail "PDUs dropped across the rekeys"

step "one downlink PDU changed, one uplink PDU cut, during a 4 MiB TCP download"
tcp_csum_errors() {  # the Tcp InCsumErrors counter of the UE's namespace (/proc/net/snmp is per namespace)
  ip netns exec "$NS_UE" awk '/^Tcp:/ { if (!n) { for (i = 1; i <= NF; i++) if ($i == "InCsumErrors") c = i; n = 1 }
                                        else print $c }' /proc/net/snmp
}
CSUM0=$(tcp_csum_errors)
touch "$ARM"
ip_env_fetch $((4 * 1024 * 1024))
cat "$DIR/tamper.log"
grep -q "^flipped" "$DIR/tamper.log" || fail "the proxy changed no downlink PDU"
grep -q "^truncated" "$DIR/tamper.log" || fail "the proxy cut no uplink PDU"
CSUM1=$(tcp_csum_errors)
echo "Tcp InCsumErrors in $NS_UE: $CSUM0 -> $CSUM1"
((CSUM1 > CSUM0)) || fail "the changed segment was not dropped on its TCP checksum"
wait_for relay.log "EVT\|ip-drop\|.*uplink malformed: .*(total|payload) length" 5 || fail "no malformed drop traced"
grep -q '^EVT|\(failed\|released\)|' ue1.log && fail "the link ended"
echo "AGENTS IP FLOW: passed"
