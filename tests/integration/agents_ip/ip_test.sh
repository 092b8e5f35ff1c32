#!/usr/bin/env bash
# IP mode end to end (see CMakeLists.txt): ip_test.sh PROSE_BINARY
#
#   ue netns                 (agents, PKMF, ProSe Function: this namespace, PC5 over loopback)   relay netns          upstream netns
#   prose-u0 10.45.0.2/24 <-- Remote UE agent == PC5 (IP SDUs) == relay agent --> prose-r0 10.45.0.1/24
#                                                                                 veth 10.46.0.1 <------> veth 10.46.0.2
# The relay namespace forwards (ip_forward=1); the upstream one routes 10.45.0.0/24 back through it.
# IPv4 only (the relay has no ipv6_prefix) and with the UDP plane's ports still in the configurations; the bed is
# ip_env.sh's, shared with ip_flow_test.sh.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/ip_env.sh"
ip_env_init "$1"
ip_env_namespaces
ip_env_servers
IP_ENV_IPV4_ONLY=1
ip_env_agent_configs "$UE_SL" "$RELAY_SL"
ip_env_start_agents
grep -q "EVT|ip|IP mode: TUN prose-r0 in netns $NS_RELAY 10.45.0.1/24" relay.log || fail "relay TUN"
wait_for ue1.log "EVT\|lease\|DHCPv4 lease 10\.45\.0\.2/24 router 10\.45\.0\.1" 15 || fail "no DHCPv4 lease"
grep -q "MSC|r1|ue@0x00ee31|DHCPACK 10.45.0.2 " relay.log || fail "no DHCPACK in the relay's trace"
ip -n "$NS_UE" -4 addr show dev prose-u0 | grep -q "inet 10.45.0.2/24" || fail "the lease is not on prose-u0"
wait_for ue1.log "EVT\|route\|default route via 10\.45\.0\.1 dev prose-u0 in netns $NS_UE" 5 ||
  fail "no default route from the lease"
ip -n "$NS_UE" route show default | grep -q "default via 10.45.0.1 dev prose-u0 proto dhcp" ||
  fail "the default route in $NS_UE is not the lease's: $(ip -n "$NS_UE" route show default)"
ip -n "$NS_UE" link show prose-u0 | grep -q "mtu 1491" || fail "prose-u0 MTU is not 1500 - 9"

step "ping 10.46.0.2 (upstream) from $NS_UE"
ip netns exec "$NS_UE" ping -c 3 -i 0.2 -W 2 10.46.0.2 >"$DIR/ping.log" 2>&1 || fail "ping"
cat "$DIR/ping.log"
grep -q " 0% packet loss" "$DIR/ping.log" || fail "ping lost packets"

step "MTU: the largest packet goes through whole, a larger one is refused or fragmented, never cut"
# 1463 octets of ICMP data + 8 (ICMP) + 20 (IPv4) = 1491, the TUN's MTU: through the relay and back, as it was.
ip netns exec "$NS_UE" ping -c 1 -W 2 -M do -s 1463 10.46.0.2 >"$DIR/mtu.log" 2>&1 ||
  fail "a 1491-octet packet (the TUN MTU) did not get through: $(cat "$DIR/mtu.log")"
grep -q "1471 bytes from 10.46.0.2" "$DIR/mtu.log" || fail "the 1491-octet echo came back changed: $(cat "$DIR/mtu.log")"
# One octet more with DF: the UE's kernel refuses it (it never reaches the agent).
ip netns exec "$NS_UE" ping -c 1 -W 2 -M do -s 1464 10.46.0.2 >"$DIR/mtu.log" 2>&1 &&
  fail "a 1492-octet packet with DF was sent through a 1491-octet TUN"
grep -qi "message too long" "$DIR/mtu.log" || fail "no 'message too long' for 1492 octets: $(cat "$DIR/mtu.log")"
# Downlink, from the upstream host (veth MTU 1500) with DF: the relay's kernel answers with ICMP "fragmentation
# needed" naming the TUN's MTU (RFC 1191), so the sender learns the path MTU instead of losing the packet.
ip netns exec "$NS_UP" ping -c 1 -W 2 -M do -s 1464 10.45.0.2 >"$DIR/mtu.log" 2>&1 &&
  fail "a 1492-octet packet with DF went through the relay's 1491-octet TUN"
grep -qi "frag needed.*mtu = 1491\|mtu=1491\|message too long" "$DIR/mtu.log" ||
  fail "no fragmentation-needed answer for 1492 octets downlink: $(cat "$DIR/mtu.log")"
# Without DF, 3000 octets are fragmented by the kernels and reassembled, both ways.
ip netns exec "$NS_UE" ping -c 1 -W 2 -M dont -s 3000 10.46.0.2 >"$DIR/mtu.log" 2>&1 ||
  fail "a fragmented 3028-octet ping did not get through: $(cat "$DIR/mtu.log")"
grep -q "3008 bytes from 10.46.0.2" "$DIR/mtu.log" || fail "the fragmented echo came back changed: $(cat "$DIR/mtu.log")"
# (The relay's kernel sends IPv6 link-scope packets on its TUN, dropped by a relay without IPv6: not ours.)
DROPS=$(grep "ip-drop" relay.log | grep -v "IPv6 packet, but the relay offers no IPv6" || true)
[ -z "$DROPS" ] || fail "the relay dropped packets of the MTU checks: $(echo "$DROPS" | head -3)"

step "TCP: 4 MiB over HTTP from the upstream namespace"
ip_env_http_server
ip_env_fetch $((4 * 1024 * 1024))
grep -q "ip-drop.*spoofed" relay.log && fail "the relay dropped spoofed packets of a well-behaved UE"

step "anti-spoofing: a packet with another source from $NS_UE is dropped by the relay"
ip -n "$NS_UE" addr add 10.45.0.77/32 dev prose-u0 || fail "second address"
ip netns exec "$NS_UE" ping -c 1 -W 1 -I 10.45.0.77 10.46.0.2 >/dev/null 2>&1 && fail "a spoofed ping got an answer"
wait_for relay.log "EVT\|ip-drop\|.*uplink spoofed-source: IPv4 source 10\.45\.0\.77" 5 || fail "no spoofed-source drop traced"
ip netns exec "$NS_UE" ping -c 1 -W 2 10.46.0.2 >/dev/null || fail "ping after the spoofed one"
echo "AGENTS IP: passed"
