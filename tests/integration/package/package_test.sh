#!/usr/bin/env bash
# The Debian package: built by CPack from this build, it holds the program, schemas, docs, example configurations
# and systemd units; the unit files pass `systemd-analyze verify` with no warning; the packaged program runs; and
# each packaged service starts on its example configuration (paths moved into a scratch root) and stops cleanly on
# SIGTERM, as systemd stops it.
# Usage: package_test.sh <build dir> <source dir>
set -uo pipefail
build=${1:?build dir}
src=${2:?source dir}
work=$(mktemp -d "${TMPDIR:-/tmp}/prose-package.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
fails=0
fail() { echo "FAILED: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

# 1. Build the package into the scratch directory.
if ! (cd "$build" && cpack -G DEB -B "$work/out" >"$work/cpack.log" 2>&1); then
  cat "$work/cpack.log"
  echo "PACKAGE TEST: FAILED (cpack)"
  exit 1
fi
deb=$(ls "$work"/out/prose_*.deb 2>/dev/null | head -1)
[ -n "$deb" ] || { echo "PACKAGE TEST: FAILED (no .deb)"; exit 1; }
ok "built $(basename "$deb") ($(stat -c %s "$deb") octets)"

# 2. Control fields and contents.
info=$(dpkg-deb -I "$deb")
for dep in adduser libssl3 libsqlite3-0 libxml2 libipsec-mb1; do
  grep -q "^ Depends:.*$dep" <<<"$info" && ok "Depends names $dep" || fail "Depends lacks $dep"
done
for f in postinst postrm; do
  grep -q " $f " <<<"$info" && ok "maintainer script $f" || fail "no $f in the control archive"
done
list=$(dpkg-deb -c "$deb" | awk '{print $6}')
for f in ./usr/bin/prose ./usr/share/prose/schema/pc8.xsd ./usr/share/prose/schema/pc3.xsd ./usr/share/prose/grafana/prose.json \
  ./usr/share/doc/prose/README.md ./usr/share/doc/prose/install.md ./usr/share/doc/prose/cli.md \
  ./usr/share/doc/prose/examples/pkmf.toml ./usr/share/doc/prose/examples/prose-function.toml \
  ./usr/share/doc/prose/examples/hss.toml ./lib/systemd/system/prose-pkmf.service \
  ./lib/systemd/system/prose-function.service ./lib/systemd/system/prose-hss.service; do
  grep -qx -- "$f" <<<"$list" && ok "contains $f" || fail "package lacks $f"
done
if grep -Eq '\.(key|db)$' <<<"$list"; then fail "package ships a key or a database: $(grep -E '\.(key|db)$' <<<"$list")"; fi
dpkg-deb -e "$deb" "$work/control" 2>/dev/null
for s in postinst postrm; do
  sh -n "$work/control/$s" && ok "$s parses (sh -n)" || fail "$s does not parse"
done

# 3. Extract into a scratch root; the packaged program runs.
root=$work/root
dpkg-deb -x "$deb" "$root"
v=$("$root/usr/bin/prose" --version) && grep -Eq '^prose [0-9.]+ \(commit ' <<<"$v" && ok "packaged prose --version: $v" ||
  fail "packaged prose --version: $v"

# 4. The units: systemd-analyze verify prints nothing (any warning fails). ExecStart points at the extracted program.
if command -v systemd-analyze >/dev/null; then
  mkdir -p "$work/units"
  for u in "$root"/lib/systemd/system/*.service; do
    sed "s|/usr/bin/prose|$root/usr/bin/prose|" "$u" >"$work/units/$(basename "$u")"
  done
  out=$(systemd-analyze verify --man=no "$work"/units/*.service 2>&1)
  if [ $? -eq 0 ] && [ -z "$out" ]; then ok "systemd-analyze verify: 3 units, no warning"; else fail "systemd-analyze verify: $out"; fi
  for u in "$work"/units/*.service; do
    for k in NoNewPrivileges=yes ProtectSystem=strict PrivateTmp=yes User=prose KillSignal=SIGTERM; do
      grep -qx "$k" "$u" || fail "$(basename "$u") lacks $k"
    done
  done
else
  echo "skip: systemd-analyze not installed (unit syntax not verified)"
fi

# 5. Each service on its packaged example configuration, with /etc/prose and /var/lib/prose moved under the root.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
etc=$root/etc/prose
var=$root/var/lib/prose
mkdir -p "$etc/pki" "$var"
"$root/usr/bin/prose" pkmf example-config --dir "$work/gen" >/dev/null &&
  "$root/usr/bin/prose" prose-function example-config --dir "$work/gen" >/dev/null &&
  cp "$work"/gen/pki/* "$etc/pki/" || fail "test PKI"
export PROSE_KEK=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
run_service() {  # run_service NAME CONFIG ARGS... : starts, waits for its TCP port, SIGTERM, expects exit 0
  local name=$1 cfg=$2 port=$3
  shift 3
  "$root/usr/bin/prose" "$@" --config "$cfg" >"$work/$name.log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  local up=0
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then up=1; break; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if [ "$up" != 1 ]; then
    fail "$name did not listen on $port:"
    tail -5 "$work/$name.log"
    return
  fi
  kill -TERM "$pid"
  local rc=0
  wait "$pid" || rc=$?
  [ "$rc" = 0 ] && ok "$name: started on its example configuration, stopped on SIGTERM with exit 0" ||
    { fail "$name exited $rc on SIGTERM"; tail -5 "$work/$name.log"; }
}
move() {  # move SRC DST: the example with its absolute paths under the root and loopback ports
  sed -e "s|/etc/prose|$etc|g" -e "s|/var/lib/prose|$var|g" -e 's|"0.0.0.0"|"127.0.0.1"|g' "$1" >"$2"
}
ex=$root/usr/share/doc/prose/examples
hp=$(free_port)
move "$ex/hss.toml" "$etc/hss.toml"
sed -i "s|^listen_port = 3868|listen_port = $hp|" "$etc/hss.toml"
run_service hss "$etc/hss.toml" "$hp" hss
pp=$(free_port)
mp=$(free_port)
move "$ex/pkmf.toml" "$etc/pkmf.toml"
sed -i -e "s|^port = 8443|port = $pp|" -e "s|^port = 2269|port = $mp|" "$etc/pkmf.toml"
run_service pkmf "$etc/pkmf.toml" "$pp" pkmf
[ -s "$var/pkmf.db" ] && ok "the PKMF store is in the state directory" || fail "no $var/pkmf.db"
fp=$(free_port)
move "$ex/prose-function.toml" "$etc/prose-function.toml"
sed -i "s|^port = 8444|port = $fp|" "$etc/prose-function.toml"
run_service prose-function "$etc/prose-function.toml" "$fp" prose-function

[ "$fails" = 0 ] && echo "PACKAGE TEST: passed" || echo "PACKAGE TEST: $fails FAILED"
exit $((fails != 0))
