#!/usr/bin/env bash
# `prose demo --ip` (docs/demo.md "IP mode"), root only (network namespaces, veth, TUN): skipped (77) otherwise.
#   demo_ip_test.sh PROSE_BINARY run       the demo to its end with --json: exit 0, the summary's ping and download
#                                          lines, the JSON "ip" object, and nothing of the run left afterwards
#   demo_ip_test.sh PROSE_BINARY sigterm   SIGTERM once ue1 has its lease and route (its ping or download running):
#                                          the demo ends, and leaves no namespace, device or agent behind
# A run names everything after its process ID: namespaces prose-<pid>-{relay,up,ue1,ue2}, veth pv<pid>r/pv<pid>u;
# the TUN devices live only in those namespaces.
set -u
PROSE=$(realpath "$1") MODE=${2:-run}
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespaces, TUN devices)"; exit 77; }
for tool in ip ping curl python3; do
  command -v $tool >/dev/null || { echo "SKIP: $tool is not installed (scripts/install-deps --for test)"; exit 77; }
done
[ -c /dev/net/tun ] || { echo "SKIP: no /dev/net/tun"; exit 77; }
# Root without CAP_SYS_ADMIN (some containers) cannot make namespaces: skipped, as integration.agents_ip is.
probe=prose-probe-$$
if ! err=$(ip netns add "$probe" 2>&1); then
  echo "SKIP: ip netns add: $err"
  exit 77
fi
ip netns del "$probe"
DIR=$(mktemp -d "${TMPDIR:-/tmp}/prose-demo-ip-XXXXXX")
trap '[ -n "${KEEP:-}" ] && echo "kept $DIR" || rm -rf "$DIR"' EXIT
fail() {
  echo "FAILED: demo --ip test ($MODE): $*"
  for f in "$DIR"/*.log "$DIR/demo.out"; do [ -f "$f" ] && { echo "---- $f"; tail -n 30 "$f"; }; done
  exit 1
}
# Nothing of run $1 left: namespaces, their /run/netns files, veth ends in this namespace, agent processes.
nothing_left() {
  local pid=$1
  local ns
  ns=$(ip netns list | grep -E "^prose-$pid-" || true)
  [ -z "$ns" ] || fail "namespaces left: $ns"
  ls /run/netns 2>/dev/null | grep -q "^prose-$pid-" && fail "files left in /run/netns: $(ls /run/netns)"
  ip -o link show | grep -Eq ": pv${pid}[ru][@:]" && fail "a veth end left: $(ip -o link show | grep "pv$pid")"
  pgrep -f -- "$DIR/" >/dev/null && fail "processes left: $(pgrep -af -- "$DIR/")"
  return 0
}

# Not root: refused in one line, exit 2.
if command -v setpriv >/dev/null; then
  out=$(setpriv --reuid 65534 --regid 65534 --clear-groups "$PROSE" demo --ip --out "$DIR/nobody" 2>&1)
  rc=$?
  ((rc == 2)) || fail "as nobody: exit $rc, want 2"
  [ "$out" = "prose: demo --ip needs root (network namespaces, a veth pair, TUN devices): run it with sudo" ] ||
    fail "as nobody: '$out'"
fi

case $MODE in
run)
  "$PROSE" demo --ip --json --out "$DIR" >"$DIR/demo.json" 2>"$DIR/demo.out" &
  pid=$!
  wait $pid
  rc=$?
  ((rc == 0)) || fail "prose demo --ip exited with $rc"
  need() { grep -Eq -- "$1" "$DIR/demo.out" || fail "the demo output has no line matching: $1"; }
  need '^RESULT: every step worked'
  need "^== IP: namespaces prose-$pid-relay prose-$pid-up prose-$pid-ue1 prose-$pid-ue2; veth pv${pid}r "
  need "\\[ 6\\] ue1 +-> relay +DHCPDISCOVER \\([0-9]+ octets, protected\\)"
  need "\\[ 6\\] relay +-> ue@0x00b001 +DHCPACK 10\\.45\\.0\\.2 "
  need "\\[ue1\\] lease: DHCPv4 lease 10\\.45\\.0\\.2/24 router 10\\.45\\.0\\.1"
  need "\\[ue1\\] route: default route via 10\\.45\\.0\\.1 dev prose-u0 in netns prose-$pid-ue1"
  need "\\[ue2\\] lease: DHCPv4 lease 10\\.45\\.0\\.3/24"
  need '^   ping ue1 -> 10\.46\.0\.2: 5/5 answered, rtt min/avg/max [0-9.]+/[0-9.]+/[0-9.]+ ms$'
  need '^   ping ue2 -> 10\.46\.0\.2: [1-5]/5 answered, rtt min/avg/max [0-9.]+/[0-9.]+/[0-9.]+ ms$'
  need '^   download ue1 <- http://10\.46\.0\.2:8080/blob: 4194304 octets in [0-9.]+ s, [0-9.]+ Mbit/s, SHA-256 matches$'
  need '^   IP: namespaces deleted'
  python3 - "$DIR/demo.json" "$pid" <<'PY' || fail "the JSON summary"
import json, sys
j = json.load(open(sys.argv[1]))
pid = sys.argv[2]
assert j["ok"] is True and j["error"] is None, j["error"]
ip = j["ip"]
assert ip["namespaces"] == [f"prose-{pid}-{n}" for n in ("relay", "up", "ue1", "ue2")], ip["namespaces"]
assert ip["devices"] == [f"pv{pid}r", f"pv{pid}u"], ip["devices"]
assert ip["pool"] == "10.45.0.0/24"
assert [p["remote_ue"] for p in ip["ping"]] == ["ue1", "ue2"]
assert [p["address"] for p in ip["ping"]] == ["10.45.0.2", "10.45.0.3"]
for p in ip["ping"]:
    assert p["ok"] and p["received"] > 0 and p["sent"] == 5, p
    assert 0 < p["rtt_min_ms"] <= p["rtt_avg_ms"] <= p["rtt_max_ms"], p
d = ip["download"]
assert d["ok"] and d["sha256_ok"] and d["octets"] == 4194304 and d["seconds"] > 0 and d["mbit_per_s"] > 0, d
assert len(d["sha256"]) == 64
print("json ok: ping", [p["rtt_avg_ms"] for p in ip["ping"]], "ms avg,", round(d["mbit_per_s"], 1), "Mbit/s")
PY
  nothing_left "$pid"
  ;;
sigterm)
  "$PROSE" demo --ip --out "$DIR" >"$DIR/demo.out" 2>&1 &
  pid=$!
  for _ in $(seq 300); do
    grep -q 'EVT|route|default route via' "$DIR/ue1.log" 2>/dev/null && break
    kill -0 $pid 2>/dev/null || fail "the demo ended before ue1 had its route"
    sleep 0.1
  done
  grep -q 'EVT|route|default route via' "$DIR/ue1.log" || fail "ue1 got no route within 30 s"
  ip netns list | grep -q "^prose-$pid-ue1" || fail "no namespace prose-$pid-ue1 while the demo runs"
  kill -TERM $pid
  wait $pid
  rc=$?
  ((rc == 1)) || fail "after SIGTERM: exit $rc, want 1"
  grep -q '^RESULT: FAILED: stopped by SIGTERM' "$DIR/demo.out" || fail "the summary does not say SIGTERM stopped it"
  nothing_left "$pid"
  ;;
*) fail "unknown mode $MODE" ;;
esac
echo "DEMO IP TEST ($MODE): passed"
