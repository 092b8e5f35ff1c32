#!/usr/bin/env bash
# The prose command guides: an unknown command or option is named with a "did you mean", followed by the usage of
# the level reached; --version names the commit; docs/cli.md equals `prose cli-reference`.
# Usage: cli_test.sh <prose binary> <source dir>
set -uo pipefail
prose=${1:?prose binary}
src=${2:?source dir}
fails=0
check() {  # check "<args>" <expected exit> <regex of the first stderr line> <regex somewhere in stderr>
  local args=$1 want_rc=$2 first=$3 usage=$4 err rc
  # shellcheck disable=SC2086
  err=$("$prose" $args 2>&1 >/dev/null)
  rc=$?
  if [ "$rc" != "$want_rc" ] || ! head -1 <<<"$err" | grep -Eq -- "$first" || ! grep -Eq -- "$usage" <<<"$err"; then
    echo "FAILED: prose $args (exit $rc, want $want_rc):"
    sed 's/^/    /' <<<"$err" | head -8
    fails=$((fails + 1))
  else
    echo "ok: prose $args -> $(head -1 <<<"$err")"
  fi
}
check "" 2 "^prose: 'prose' needs a command$" "^Usage: prose \[OPTIONS\] SUBCOMMAND"
check "bogus" 2 "^prose: unknown command 'bogus' for 'prose'$" "^Usage: prose \[OPTIONS\] SUBCOMMAND"
check "--bogus" 2 "^prose: unknown option '--bogus' for 'prose'$" "^Usage: prose \[OPTIONS\]"
check "crypto kdd" 2 "^prose: unknown command 'kdd' for 'prose crypto' \(did you mean 'kd' or 'kdf'\?\)$" \
  "^Usage: prose crypto \[OPTIONS\] SUBCOMMAND"
check "crypto milenag" 2 "did you mean 'milenage'\?" "^Usage: prose crypto "
check "crypto kd --prk 00" 2 "^prose: unknown option '--prk' for 'prose crypto kd' \(did you mean '--pruk'\?\)$" \
  "^Usage: prose crypto kd \[OPTIONS\]"
check "crypto kd --prk=00" 2 "unknown option '--prk' .*did you mean '--pruk'" "^Usage: prose crypto kd "
check "crypto kd --pruk 00" 2 "^prose: --freshness is required$" "^Usage: prose crypto kd "
check "admin trig" 2 "did you mean 'trigger-key-request'\?" "^Usage: prose admin "
check "crypto" 2 "^prose: 'prose crypto' needs a command$" "^Usage: prose crypto "
check "crypto kd extra" 2 "^prose: unexpected argument 'extra' for 'prose crypto kd'$" "^Usage: prose crypto kd "

v=$("$prose" --version)
if grep -Eq '^prose [0-9]+\.[0-9]+\.[0-9]+ \(commit ([0-9a-f]{12}(-modified)?|unknown)\)$' <<<"$v"; then
  echo "ok: --version -> $v"
else
  echo "FAILED: --version printed '$v'"
  fails=$((fails + 1))
fi
if [ -d "$src/.git" ] || git -C "$src" rev-parse HEAD >/dev/null 2>&1; then
  head=$(git -C "$src" rev-parse --short=12 HEAD)
  grep -q "commit $head" <<<"$v" || { echo "FAILED: --version does not name HEAD $head: $v"; fails=$((fails + 1)); }
fi

if diff -u "$src/docs/cli.md" <("$prose" cli-reference) >/tmp/cli-reference.$$.diff; then
  echo "ok: docs/cli.md equals prose cli-reference"
else
  echo "FAILED: docs/cli.md differs from 'prose cli-reference' (run scripts/assemble-docs):"
  head -20 /tmp/cli-reference.$$.diff
  fails=$((fails + 1))
fi
rm -f /tmp/cli-reference.$$.diff
[ "$fails" = 0 ] && echo "CLI TEST: passed" || echo "CLI TEST: $fails FAILED"
exit $((fails != 0))
