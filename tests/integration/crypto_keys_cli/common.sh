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
  # The reason is one line; a command-line error may add, after a blank line, the usage of the command reached.
  local first; first="$(head -n 1 /tmp/prose_cli_err.$$)"
  local rest; rest="$(tail -n +2 /tmp/prose_cli_err.$$)"
  local rest_ok=1
  if [[ -n "$rest" && ( "$(sed -n 2p /tmp/prose_cli_err.$$)" != "" || "$rest" != *$'\nUsage: prose '* ) ]]; then rest_ok=0; fi
  if [[ $rc -ne $code || "$first" != *"$pattern"* || $rest_ok -ne 1 ]]; then
    echo "FAIL: $* -> rc=$rc (want $code), stderr: $err (want a first line containing '$pattern', then nothing or the usage)"
    fails=$((fails + 1))
  fi
}
finish() {
  rm -f /tmp/prose_cli_err.$$ /tmp/prose_cli_out.$$
  echo "$checks checks, $fails failed"
  [[ $fails -eq 0 ]]
}
