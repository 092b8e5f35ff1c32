#!/usr/bin/env bash
# IP mode end to end (see CMakeLists.txt): ip_test.sh PROSE_BINARY
#
#   ue netns                 (agents, PKMF, ProSe Function: this namespace, PC5 over loopback)   relay netns          upstream netns
#   prose-u0 10.45.0.2/24 <-- Remote UE agent == PC5 (IP SDUs) == relay agent --> prose-r0 10.45.0.1/24
#                                                                                 veth 10.46.0.1 <------> veth 10.46.0.2
# The relay namespace forwards (ip_forward=1); the upstream one routes 10.45.0.0/24 back through it.
set -u
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespaces, TUN devices)"; exit 77; }
for tool in ip ping python3; do
  command -v $tool >/dev/null || { echo "SKIP: $tool is not installed (scripts/install-deps --for test)"; exit 77; }
done
[ -c /dev/net/tun ] || { echo "SKIP: no /dev/net/tun"; exit 77; }
PROSE=$(realpath "$1")
ID=$$
NS_RELAY=prose-relay-$ID NS_UP=prose-up-$ID NS_UE=prose-ue-$ID
VETH_R=vr$ID VETH_U=vu$ID
DIR=$(mktemp -d "${TMPDIR:-/tmp}/prose-agents-ip-XXXXXX")
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
  for ns in "$NS_RELAY" "$NS_UP" "$NS_UE"; do ip netns del "$ns" 2>/dev/null; done  # with their devices
  if [ -n "${KEEP:-}" ]; then echo "kept $DIR"; else rm -rf "$DIR"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() {
  echo "FAILED: $*"
  for f in "$DIR"/*.log; do echo "---- $f"; tail -n 40 "$f"; done
  exit 1
}
step() { echo "-- $*"; }
wait_for() {  # wait_for FILE REGEX SECONDS
  local end=$((SECONDS + $3))
  while ((SECONDS < end)); do
    grep -Eq -- "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}
start() {  # start NAME CMD...: in $DIR, output to NAME.log
  local name=$1
  shift
  (cd "$DIR" && exec "$@" >"$DIR/$name.log" 2>&1) &
  PIDS+=("$!")
}
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

step "namespaces $NS_RELAY, $NS_UP, $NS_UE"
# Root without CAP_SYS_ADMIN (some containers) cannot make namespaces: skipped, as the ip_tun unit test is.
if ! err=$(ip netns add "$NS_RELAY" 2>&1); then
  echo "SKIP: ip netns add: $err"
  exit 77
fi
for ns in "$NS_RELAY" "$NS_UP" "$NS_UE"; do
  [ "$ns" = "$NS_RELAY" ] || ip netns add "$ns" || fail "ip netns add $ns"
  ip -n "$ns" link set lo up
done
ip link add "$VETH_R" netns "$NS_RELAY" type veth peer name "$VETH_U" netns "$NS_UP" || fail "veth pair"
ip -n "$NS_RELAY" addr add 10.46.0.1/24 dev "$VETH_R" && ip -n "$NS_RELAY" link set "$VETH_R" up || fail "relay veth"
ip -n "$NS_UP" addr add 10.46.0.2/24 dev "$VETH_U" && ip -n "$NS_UP" link set "$VETH_U" up || fail "upstream veth"
ip netns exec "$NS_RELAY" sysctl -qw net.ipv4.ip_forward=1 || fail "ip_forward"
ip -n "$NS_UP" route add 10.45.0.0/24 via 10.46.0.1 || fail "upstream route back to the pool"

step "PKI, PKMF, ProSe Function"
IMSI=001010000000301
PKMF_PORT=$(free_port) PF_PORT=$(free_port) HSS_PORT=$(free_port) RELAY_SL=$(free_port) UE_SL=$(free_port)
APP_PORT=$(free_port) UPSTREAM_PORT=$(free_port)
cd "$DIR" || fail "cd $DIR"
"$PROSE" pki init --dir pki --ue $IMSI --relay r1 --operator ops >/dev/null || fail "pki init"
"$PROSE" pkmf example-config --dir . --port "$PKMF_PORT" --mikey-port 0 --hss-port "$HSS_PORT" >/dev/null ||
  fail "pkmf example-config"
"$PROSE" prose-function example-config --dir . --port "$PF_PORT" --pkmf-port "$PKMF_PORT" >/dev/null ||
  fail "prose-function example-config"
"$PROSE" admin --config pkmf.toml ue-add --imsi $IMSI --rsc 00abcd >/dev/null || fail "ue-add"
"$PROSE" admin --config pkmf.toml relay-add --id r1 --rsc 00abcd >/dev/null || fail "relay-add"
start pkmf "$PROSE" pkmf --config pkmf.toml
start prose-function "$PROSE" prose-function --config prose-function.toml
wait_for pkmf.log "listening on https port" 30 || fail "PKMF did not start"
wait_for prose-function.log "listening on https port" 30 || fail "ProSe Function did not start"

step "relay (TUN prose-r0 in $NS_RELAY) and Remote UE (TUN prose-u0 in $NS_UE) in IP mode"
"$PROSE" relay example-config --id r1 --sidelink-port "$RELAY_SL" --peer "$UE_SL" --upstream-port "$UPSTREAM_PORT" \
  --prose-function-port "$PF_PORT" >relay.toml || fail "relay example-config"
sed -i "s|^# tun = \"prose-r0\"|tun = \"prose-r0\"|; s|^# netns = \"relay\"|netns = \"$NS_RELAY\"|; s|^# ipv4_pool = .*|ipv4_pool = \"10.45.0.0/24\"|" relay.toml
"$PROSE" remote-ue example-config --name ue1 --imsi $IMSI --l2-id 0x00ee31 --sidelink-port "$UE_SL" \
  --peer "$RELAY_SL" --app-port "$APP_PORT" --prose-function-port "$PF_PORT" >ue1.toml || fail "remote-ue example-config"
sed -i "s|^# tun = \"prose-u0\"|tun = \"prose-u0\"|; s|^# netns = \"ue\"|netns = \"$NS_UE\"|" ue1.toml
grep -q '^tun = "prose-r0"' relay.toml && grep -q '^tun = "prose-u0"' ue1.toml || fail "no [ip] tun in the examples"
start relay "$PROSE" relay --config relay.toml
wait_for relay.log "EVT\|psdk\|" 30 || fail "relay not ready"
grep -q "EVT|ip|IP mode: TUN prose-r0 in netns $NS_RELAY 10.45.0.1/24" relay.log || fail "relay TUN"
start ue1 "$PROSE" remote-ue --config ue1.toml
wait_for ue1.log "EVT\|ready\|" 30 || fail "link not secured"
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
mkdir -p "$DIR/www" && head -c $((4 * 1024 * 1024)) /dev/urandom >"$DIR/www/blob"
WANT=$(sha256sum "$DIR/www/blob" | cut -d' ' -f1)
(cd "$DIR/www" && exec ip netns exec "$NS_UP" python3 -m http.server --bind 10.46.0.2 8080 >"$DIR/http.log" 2>&1) &
PIDS+=("$!")
for _ in $(seq 50); do
  ip netns exec "$NS_UP" python3 -c 'import socket; socket.create_connection(("10.46.0.2", 8080), 1)' 2>/dev/null && break
  sleep 0.1
done
T0=$SECONDS
GOT=$(ip netns exec "$NS_UE" python3 -c '
import hashlib, urllib.request
data = urllib.request.urlopen("http://10.46.0.2:8080/blob", timeout=30).read()
print(len(data), hashlib.sha256(data).hexdigest())') || fail "HTTP transfer"
echo "received $GOT in $((SECONDS - T0)) s"
[ "$GOT" = "$((4 * 1024 * 1024)) $WANT" ] || fail "transfer: got '$GOT', want 4194304 $WANT"
grep -q "ip-drop.*spoofed" relay.log && fail "the relay dropped spoofed packets of a well-behaved UE"

step "anti-spoofing: a packet with another source from $NS_UE is dropped by the relay"
ip -n "$NS_UE" addr add 10.45.0.77/32 dev prose-u0 || fail "second address"
ip netns exec "$NS_UE" ping -c 1 -W 1 -I 10.45.0.77 10.46.0.2 >/dev/null 2>&1 && fail "a spoofed ping got an answer"
wait_for relay.log "EVT\|ip-drop\|.*uplink spoofed-source: IPv4 source 10\.45\.0\.77" 5 || fail "no spoofed-source drop traced"
ip netns exec "$NS_UE" ping -c 1 -W 2 10.46.0.2 >/dev/null || fail "ping after the spoofed one"
echo "AGENTS IP: passed"
