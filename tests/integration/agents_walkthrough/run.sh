#!/usr/bin/env bash
# Runs the walk-through of docs/agents.md as written (see CMakeLists.txt).
# usage: run.sh DOC BIN_DIR SCRATCH_DIR
set -u
DOC=$1
BIN=$(cd "$2" && pwd)
LAB=$3
rm -rf "$LAB"
SCRIPT="$LAB.sh"
mkdir -p "$(dirname "$LAB")"

# The blocks: a ```sh fence on the line after a marker, up to the closing fence.
awk '
  /^<!-- walkthrough -->$/ { marked = 1; next }
  marked && /^```sh$/ { inside = 1; marked = 0; next }
  { marked = 0 }
  inside && /^```$/ { inside = 0; print ""; next }
  inside { print }
' "$DOC" > "$SCRIPT.blocks"
[ "$(grep -c . "$SCRIPT.blocks")" -gt 10 ] || { echo "FAIL: no walkthrough blocks in $DOC"; exit 1; }
# The one change: the lab directory.
grep -qx 'LAB=$HOME/prose-lab' "$SCRIPT.blocks" || { echo "FAIL: the walkthrough does not set LAB=\$HOME/prose-lab"; exit 1; }
{
  echo "set -e"
  # Whatever is still running when the script ends (it failed before its last block) is stopped.
  echo 'trap '"'"'kill $(jobs -p) 2>/dev/null || true'"'"' EXIT'
  sed "s|^LAB=\$HOME/prose-lab\$|LAB=$LAB|" "$SCRIPT.blocks"
} > "$SCRIPT"

PATH="$BIN:$PATH" bash "$SCRIPT" > "$LAB.out" 2>&1
RC=$?
cat "$LAB.out"
if [ "$RC" != 0 ] || ! grep -qx "ue1: hello through the relay" "$LAB.out" ||
  ! grep -qx "ue2: hello through the relay" "$LAB.out"; then
  echo "FAIL: the walkthrough exited $RC without both echoes"
  for f in "$LAB"/*.log; do [ -f "$f" ] && { echo "---- $f"; tail -30 "$f"; }; done
  exit 1
fi
for ue in ue1 ue2; do
  grep -q "EVT|discovered|.*protected" "$LAB/$ue.log" || { echo "FAIL: $ue did not discover the relay by protected discovery"; exit 1; }
done
grep -q 'prose_pkmf_gba_push_total{result="ok"} 1' "$LAB.out" || { echo "FAIL: ue2 got no PRUK by GBA Push"; exit 1; }
grep -q 'prose_pkmf_pruks_issued_total{delivery="mikey"} 1' "$LAB.out" || { echo "FAIL: ue1 got no PRUK by MIKEY"; exit 1; }
echo "WALKTHROUGH: passed"
