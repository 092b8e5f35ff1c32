#!/usr/bin/env bash
# README and docs/ are self-contained: every link and every repository path they name resolves inside the
# repository, and nothing points at files that only the developers have (the team's shared/ notes): not by path,
# not by file name, and not by the notes' own citation style (their section numbers and reliability tags). A
# citation names a public document and clause, or a row of docs/sources.md.
# Usage: check_links.sh <source dir>
set -euo pipefail
root=${1:?source dir}
cd "$root"
fail=0
say() { echo "$1"; fail=1; }
private_alts=(
  '(?<![\w-])(?<!docs/)design/[\w.-]+\.md'   # design/profile.md (the user's copy is docs/profile.md)
  '(?<![\w-])spec/[\w.-]+\.(md|txt)'          # spec/test-vectors.md, spec/seed-cr-....txt
  '(test-vectors|pc5-pdcp-gba-mikey|ts33303-relay-digest)\.md|(?i:seed-cr)'  # the notes by file name
  '\b[Tt]he digest\b(?!-)|\bspec digest\b|\bdigest (section [0-9]|[0-9]+\.[0-9]|tag\b|\[|S[0-9])'
  '\[(V|I|A)( S[0-9][^]]*)?\]|\[(M|L|X|C|R|CR|NF|OK)\]|(?<![\w-])R-[HML]\b'  # the notes' reliability tags
)
private=$(IFS='|'; echo "${private_alts[*]}")

mapfile -t files < <(ls README.md docs/*.md docs/*/*.md 2>/dev/null)
for f in "${files[@]}"; do
  dir=$(dirname "$f")
  # 1. Markdown links [text](target): relative targets must exist (anchors stripped); no links out of the repo.
  while IFS= read -r t; do
    [ -z "$t" ] && continue
    case "$t" in
      http://* | https://* | mailto:*) say "$f: link outside the repository: $t"; continue ;;
      \#*) continue ;;
    esac
    p=${t%%#*}
    [ -e "$dir/$p" ] || say "$f: broken link: $t"
  done < <(grep -oE '\]\([^) ]+\)' "$f" | sed -E 's/^\]\((.*)\)$/\1/')
  # 2. Repository paths in backticks (`docs/x.md`, `src/prose/...`): must exist. Paths with placeholders
  #    (<...>, *, {...}, $VAR) and build outputs are skipped.
  while IFS= read -r p; do
    case "$p" in *'<'* | *'*'* | *'{'* | *'$'* | *'...'*) continue ;; esac
    p=${p%%:*}    # file:line
    p=${p%%#*}
    [ -e "$p" ] || say "$f: names a path that does not exist: $p"
  done < <(grep -oE '`(docs|src|apps|tests|scripts|schema|fuzz|bench|cmake)/[^` ]+`' "$f" | tr -d '`' | sort -u)
  # 3. Nothing the user does not have.
  if grep -nE '(^|[^a-z_])shared/(spec|design)' "$f" >/dev/null; then
    grep -m5 -nE '(^|[^a-z_])shared/(spec|design)' "$f" | sed "s|^|$f:|"
    fail=1
  fi
  # 4. No citation of the private notes: their paths and names (design/profile.md is docs/profile.md here),
  #    "the digest" and its section numbers, and their reliability tags ([V S10], [I], [M], [A], R-M, ...).
  if grep -nP "$private" "$f" >/dev/null; then
    grep -m5 -nP "$private" "$f" | sed "s|^|$f: cites the private notes: |"  # -m5, not head: pipefail
    fail=1
  fi
done
[ "$fail" = 0 ] && echo "docs: ${#files[@]} files, every link and path resolves inside the repository"
exit $fail
