# Shared helpers: expect_out EXPECTED CMD...; expect_exit CODE PATTERN CMD... (PATTERN must appear in stderr).
fails=0
checks=0
expect_out() {
  local want="$1"; shift
  local got
  checks=$((checks + 1))
  got="$("$@" 2>/tmp/prose_cli_err.$$)"
  local rc=$?
  if [[ $rc -ne 0 || "$got" != "$want" ]]; then
    echo "FAIL: $*"; echo "  want: $want"; echo "  got (rc=$rc): $got"; cat /tmp/prose_cli_err.$$
    fails=$((fails + 1))
  fi
}
expect_exit() {
  local code="$1" pattern="$2"; shift 2
  checks=$((checks + 1))
  "$@" >/tmp/prose_cli_out.$$ 2>/tmp/prose_cli_err.$$
  local rc=$?
  local err; err="$(cat /tmp/prose_cli_err.$$)"
  local lines; lines="$(wc -l </tmp/prose_cli_err.$$)"
  if [[ $rc -ne $code || "$err" != *"$pattern"* || $lines -gt 1 ]]; then
    echo "FAIL: $* -> rc=$rc (want $code), stderr: $err (want one line containing '$pattern')"
    fails=$((fails + 1))
  fi
}
finish() {
  rm -f /tmp/prose_cli_err.$$ /tmp/prose_cli_out.$$
  echo "$checks checks, $fails failed"
  [[ $fails -eq 0 ]]
}
