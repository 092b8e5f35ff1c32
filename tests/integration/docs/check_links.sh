#!/usr/bin/env bash
# README and docs/ are self-contained: every link and every repository path they name resolves inside the
# repository, and nothing points at files that only the developers have (the team's shared/ notes).
# Usage: check_links.sh <source dir>
set -euo pipefail
root=${1:?source dir}
cd "$root"
fail=0
say() { echo "$1"; fail=1; }

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
    grep -nE '(^|[^a-z_])shared/(spec|design)' "$f" | sed "s|^|$f:|" | head -5
    fail=1
  fi
done
[ "$fail" = 0 ] && echo "docs: ${#files[@]} files, every link and path resolves inside the repository"
exit $fail
