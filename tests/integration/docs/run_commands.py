#!/usr/bin/env python3
"""Every command in README.md and docs/ runs as written (integration.docs.commands).

Fenced blocks are classified by their info string, and an unclassified fence fails the test:
  ```sh       commands this test runs, in order, one scratch directory per document (so a later block may use
              what an earlier one wrote, e.g. lab/pkmf.toml). A line "$ command" is a command whose output
              follows (lines without "$ " after it are the output shown, not run); in a block without any "$ "
              line every line is a command. Lines ending in "\\" continue.
  ```text, ```toml, ```xml, ```cpp, ...   not run (usage synopses, output, file contents, code).
A ```sh block that should not run here (a server that runs until stopped, a 10-minute campaign, a command that
installs into the system) is preceded by the line
  <!-- docs-test: skip: <reason> -->
and the reason must say why (and, where there is one, which test runs it instead). The blocks after a
"<!-- walkthrough -->" marker (docs/agents.md) share one shell and are run by integration.agents_walkthrough.

The scratch directory holds links to the build directory (build/), schema/, scripts/ and the sources the commands
name, and build/bin is first on PATH, so `prose ...` and `build/bin/prose ...` both work as a reader would type them
from the repository root. Each block runs in bash (pipefail) with a timeout; a command whose exit status is not 0
fails the test (a document shows an expected failure with "; echo $?" or "|| ...").

  run_commands.py SOURCE_DIR BUILD_DIR [--list]
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

SKIP = re.compile(r"^<!-- docs-test: skip: (.+\S) -->$")
FENCE = re.compile(r"^```(\S*)\s*$")
WALKTHROUGH = "<!-- walkthrough -->"  # docs/agents.md: blocks run together by tests/integration/agents_walkthrough
TIMEOUT_S = 120


def documents(src):
    docs = [os.path.join(src, "README.md")]
    d = os.path.join(src, "docs")
    for name in sorted(os.listdir(d)):
        # docs/cli.md is the program's --help texts, generated and checked by integration.cli.
        if name.endswith(".md") and name != "cli.md":
            docs.append(os.path.join(d, name))
    return docs


def blocks(path):
    """(line number, info string, body lines, skip reason or None) for every fenced block."""
    lines = open(path, encoding="utf-8").read().split("\n")
    out, i = [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        start, info = i + 1, m.group(1)
        j = i + 1
        while j < len(lines) and not lines[j].startswith("```"):
            j += 1
        if j == len(lines):
            raise SystemExit("%s:%d: fence never closed" % (path, start))
        skip = None
        k = i - 1
        while k >= 0 and lines[k].strip() == "":
            k -= 1
        if k >= 0:
            s = SKIP.match(lines[k].strip())
            if s:
                skip = s.group(1)
            elif lines[k].strip() == WALKTHROUGH:
                skip = "a step of the docs/agents.md walk-through, which integration.agents_walkthrough runs in one shell"
        out.append((start, info, lines[i + 1:j], skip))
        i = j + 1
    return out


def commands(body):
    """The commands of a sh block, continuation lines joined."""
    prompted = any(line.startswith("$ ") for line in body)
    cmds, cur = [], None
    for line in body:
        if cur is not None:
            cur += "\n" + line
            if not line.endswith("\\"):
                cmds.append(cur)
                cur = None
            continue
        if prompted:
            if not line.startswith("$ "):
                continue  # output shown in the document
            line = line[2:]
        elif not line.strip() or line.lstrip().startswith("#"):
            continue
        if line.endswith("\\"):
            cur = line
        else:
            cmds.append(line)
    if cur is not None:
        cmds.append(cur)
    return cmds


def scratch(src, build):
    d = tempfile.mkdtemp(prefix="prose-docs-")
    os.symlink(build, os.path.join(d, "build"))
    for name in ("schema", "scripts", "fuzz", "packaging", "wireshark", "docs", "README.md", "Makefile",
                 "CMakeLists.txt", "cmake", "src", "apps", "tests", "bench"):
        p = os.path.join(src, name)
        if os.path.exists(p):
            os.symlink(p, os.path.join(d, name))
    return d


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    src, build = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    listing = "--list" in sys.argv[3:]
    errors, ran, skipped = [], 0, []
    env = dict(os.environ, PATH=os.path.join(build, "bin") + os.pathsep + os.environ.get("PATH", ""))
    for doc in documents(src):
        rel = os.path.relpath(doc, src)
        todo = []
        for line, info, body, skip in blocks(doc):
            where = "%s:%d" % (rel, line)
            if info == "":
                errors.append("%s: fence without an info string (```sh to run it, ```text otherwise)" % where)
                continue
            if skip is not None and info != "sh":
                errors.append("%s: a docs-test skip marker before a ```%s block (only sh blocks run)" % (where, info))
            if info != "sh":
                continue
            if skip is not None:
                skipped.append((where, skip))
                continue
            cmds = commands(body)
            if not cmds:
                errors.append("%s: a ```sh block without a command" % where)
                continue
            todo.append((where, cmds))
        if not todo:
            continue
        if listing:
            for where, cmds in todo:
                for c in cmds:
                    print("%s: %s" % (where, c))
            continue
        d = scratch(src, build)
        try:
            for where, cmds in todo:
                # Each command as a reader would type it: its own exit status counts (a document shows an
                # expected failure with "; echo $?" or "|| ..."), and the block stops at the first failure.
                script = "set -o pipefail\n" + "".join(
                    '%s\nrc=$?; if [ $rc -ne 0 ]; then echo "docs-test: exit status $rc: %s"; exit $rc; fi\n' % (
                        c, c.splitlines()[0].rstrip("\\").rstrip().replace('"', "'").replace("$", "\\$").replace("`", "'")) for c in cmds)
                try:
                    r = subprocess.run(["bash", "-c", script], cwd=d, env=env, stdout=subprocess.PIPE,
                                       stderr=subprocess.STDOUT, timeout=TIMEOUT_S)
                    out = r.stdout.decode(errors="replace")
                    if r.returncode != 0:
                        errors.append("%s: exit status %d\n%s\n--- output (last 30 lines)\n%s" % (
                            where, r.returncode, script, "\n".join(out.splitlines()[-30:])))
                    else:
                        print("ok: %s (%d command%s)" % (where, len(cmds), "" if len(cmds) == 1 else "s"))
                except subprocess.TimeoutExpired:
                    errors.append("%s: did not finish within %d s\n%s" % (where, TIMEOUT_S, script))
                ran += 1
        finally:
            shutil.rmtree(d, ignore_errors=True)
    for where, why in skipped:
        print("skipped: %s: %s" % (where, why))
    for e in errors:
        print("FAILED: " + e)
    if listing:
        return 1 if errors else 0
    print("DOCS COMMANDS: %d blocks run, %d skipped with a reason, %d failures" % (ran, len(skipped), len(errors)))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
