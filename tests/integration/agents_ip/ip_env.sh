# The IP mode test bed, sourced by the agents_ip scripts (ip_flow_test.sh): the three network namespaces, the PKI,
# PKMF and ProSe Function on loopback, and the relay and Remote UE agents in IP mode (see ip_test.sh for the picture).
#   ip_env_init PROSE_BINARY      checks (exit 77 when not root or tools are missing), scratch directory, cleanup
#   ip_env_namespaces             relay/upstream/ue namespaces, veth pair, forwarding, route back to the pool
#   ip_env_servers                PKI, PKMF, ProSe Function
#   ip_env_agent_configs R_PEER U_PEER   relay.toml and ue1.toml in IP mode; the relay's frames go to port R_PEER,
#                                 the UE's to U_PEER (their sidelink ports RELAY_SL and UE_SL, or a proxy's).
#                                 IP_ENV_IPV4_ONLY=1: the relay offers no IPv6 (no ipv6_prefix) and the configurations
#                                 keep the UDP plane's ports (upstream.port, ue.app_port), unused in IP mode
#   ip_env_start_agents           relay, then the Remote UE; waits for the link, the lease and the agent's default routes
#   ip_env_http_server; ip_env_fetch SIZE   a file of SIZE octets over HTTP from upstream to ue, checked by SHA-256
set -u

ip_env_init() {
  [ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespaces, TUN devices)"; exit 77; }
  for tool in ip ping python3 sha256sum; do
    command -v $tool >/dev/null || { echo "SKIP: $tool is not installed (scripts/install-deps --for test)"; exit 77; }
  done
  [ -c /dev/net/tun ] || { echo "SKIP: no /dev/net/tun"; exit 77; }
  PROSE=$(realpath "$1")
  ID=$$
  NS_RELAY=prose-relay-$ID NS_UP=prose-up-$ID NS_UE=prose-ue-$ID
  VETH_R=vr$ID VETH_U=vu$ID
  DIR=$(mktemp -d "${TMPDIR:-/tmp}/prose-agents-ip-XXXXXX")
  PIDS=()
  trap ip_env_cleanup EXIT
  trap 'exit 1' INT TERM
  IMSI=001010000000301
  PKMF_PORT=$(free_port) PF_PORT=$(free_port) HSS_PORT=$(free_port) RELAY_SL=$(free_port) UE_SL=$(free_port)
  APP_PORT=$(free_port) UPSTREAM_PORT=$(free_port)
}

ip_env_cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
  for ns in "$NS_RELAY" "$NS_UP" "$NS_UE"; do ip netns del "$ns" 2>/dev/null; done  # with their devices
  if [ -n "${KEEP:-}" ]; then echo "kept $DIR"; else rm -rf "$DIR"; fi
}

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
free_udp_port() {
  python3 -c 'import socket; s = socket.socket(type=socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

ip_env_namespaces() {
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
  # IPv6: the relay advertises fd00:45::/64 to its Remote UEs; fd00:46::/64 on the veth pair (no DAD: usable at once).
  ip -n "$NS_RELAY" addr add fd00:46::1/64 dev "$VETH_R" nodad && ip -n "$NS_UP" addr add fd00:46::2/64 dev "$VETH_U" nodad ||
    fail "IPv6 on the veth pair"
  ip netns exec "$NS_RELAY" sysctl -qw net.ipv6.conf.all.forwarding=1 || fail "IPv6 forwarding"
  ip -n "$NS_UP" -6 route add fd00:45::/64 via fd00:46::1 || fail "upstream route back to the relay's /64"
}

ip_env_servers() {
  step "PKI, PKMF, ProSe Function"
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
}

ip_env_agent_configs() {  # ip_env_agent_configs RELAY_PEER UE_PEER
  "$PROSE" relay example-config --id r1 --sidelink-port "$RELAY_SL" --peer "$1" --upstream-port "$UPSTREAM_PORT" \
    --prose-function-port "$PF_PORT" >relay.toml || fail "relay example-config"
  sed -i "s|^# tun = \"prose-r0\"|tun = \"prose-r0\"|; s|^# netns = \"relay\"|netns = \"$NS_RELAY\"|" relay.toml
  sed -i "s|^# ipv4_pool = .*|ipv4_pool = \"10.45.0.0/24\"|" relay.toml
  if [ -z "${IP_ENV_IPV4_ONLY:-}" ]; then
    sed -i "s|^# ipv6_prefix = .*|ipv6_prefix = \"fd00:45::/64\"|" relay.toml
    grep -q '^ipv6_prefix = "fd00:45::/64"' relay.toml || fail "no ipv6_prefix in the relay's example"
  fi
  "$PROSE" remote-ue example-config --name ue1 --imsi $IMSI --l2-id 0x00ee31 --sidelink-port "$UE_SL" \
    --peer "$2" --app-port "$APP_PORT" --prose-function-port "$PF_PORT" >ue1.toml || fail "remote-ue example-config"
  sed -i "s|^# tun = \"prose-u0\"|tun = \"prose-u0\"|; s|^# netns = \"ue\"|netns = \"$NS_UE\"|" ue1.toml
  grep -q '^tun = "prose-r0"' relay.toml && grep -q '^tun = "prose-u0"' ue1.toml || fail "no [ip] tun in the examples"
  [ -n "${IP_ENV_IPV4_ONLY:-}" ] && return 0
  # The UDP plane's ports are optional in IP mode: left out.
  sed -i '/^\[upstream\]/,/^\[/ { /^port = /d }' relay.toml && sed -i '/^app_port = /d' ue1.toml
  ! grep -q '^port = '"$UPSTREAM_PORT"'$' relay.toml && ! grep -q '^app_port' ue1.toml || fail "UDP ports still set"
}

ip_env_start_agents() {
  step "relay (TUN prose-r0 in $NS_RELAY) and Remote UE (TUN prose-u0 in $NS_UE) in IP mode"
  start relay "$PROSE" relay --config relay.toml
  wait_for relay.log "EVT\|psdk\|" 30 || fail "relay not ready"
  start ue1 "$PROSE" remote-ue --config ue1.toml
  wait_for ue1.log "EVT\|ready\|" 30 || fail "link not secured"
  wait_for ue1.log "EVT\|lease\|DHCPv4 lease 10\.45\.0\.2/24" 15 || fail "no DHCPv4 lease"
  # The agent puts the lease on prose-u0 and the lease's router as the namespace's default route.
  wait_for ue1.log "EVT\|route\|default route via 10\.45\.0\.1 dev prose-u0 in netns $NS_UE" 10 ||
    fail "no default route from the lease"
  [ -n "${IP_ENV_IPV4_ONLY:-}" ] && return 0
  # IPv6: the address the UE formed from the relay's Router Advertisement (fd00:45:: + ::ff:fe00:ee31 for 0x00ee31),
  # and the IPv6 default route through its TUN (the RA's router lifetime is not 0).
  wait_for ue1.log "EVT\|ip\|prose-u0 is fd00:45::ff:fe00:ee31/64" 10 || fail "no IPv6 address from the RA"
  wait_for ue1.log "EVT\|route\|IPv6 default route dev prose-u0 in netns $NS_UE" 10 || fail "no IPv6 default route"
  ip -n "$NS_UE" -6 route show default | grep -q "default dev prose-u0 proto ra" ||
    fail "the IPv6 default route in $NS_UE is not the agent's: $(ip -n "$NS_UE" -6 route show default)"
}

ip_env_http_server() {  # serves $DIR/www on 10.46.0.2:8080 in the upstream namespace
  mkdir -p "$DIR/www"
  (cd "$DIR/www" && exec ip netns exec "$NS_UP" python3 -m http.server --bind 10.46.0.2 8080 >"$DIR/http.log" 2>&1) &
  PIDS+=("$!")
  for _ in $(seq 50); do
    ip netns exec "$NS_UP" python3 -c 'import socket; socket.create_connection(("10.46.0.2", 8080), 1)' 2>/dev/null &&
      return 0
    sleep 0.1
  done
  fail "HTTP server did not start"
}

ip_env_fetch() {  # ip_env_fetch SIZE: a new random file of SIZE octets from upstream, checked by length and SHA-256
  local size=$1 want got t0=$SECONDS
  head -c "$size" /dev/urandom >"$DIR/www/blob"
  want=$(sha256sum "$DIR/www/blob" | cut -d' ' -f1)
  got=$(ip netns exec "$NS_UE" python3 -c '
import hashlib, urllib.request
data = urllib.request.urlopen("http://10.46.0.2:8080/blob", timeout=60).read()
print(len(data), hashlib.sha256(data).hexdigest())') || fail "HTTP transfer"
  echo "received $got in $((SECONDS - t0)) s"
  [ "$got" = "$size $want" ] || fail "transfer: got '$got', want $size $want"
}
