#!/usr/bin/env python3
"""What each module's compiler sees (cmake/ProseModules.cmake): only its own headers and those of the modules the
table of docs/architecture.md lets it use, not the whole of src/.

Input: include_dirs.tsv (module, then its include directories as CMake evaluates them, transitive usage
requirements included), written at generate time. This check fails when
  * a module sees prose/<x> and x is neither the module nor reachable through the table's rows (uses and
    header-only entries, transitively);
  * a module does not see a module its row names directly;
  * src/ itself is on a module's include path;
and it runs the compiler once each way for one module: a header the module may use compiles, one it may not is
"not found" (so the compiler, not only this script, refuses a crossing include).
Usage: check_include_paths.py SOURCE_DIR INCLUDE_DIRS_TSV CXX
"""
import pathlib
import subprocess
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from check_layering import parse_table  # noqa: E402


def visible_modules(dirs: list[str], src_root: pathlib.Path):
    seen, whole_src = set(), False
    for d in dirs:
        p = pathlib.Path(d)
        if p.resolve() == (src_root / "src").resolve():
            whole_src = True
        inner = p / "prose"
        if "prose-include" in p.parts and inner.is_dir():
            seen |= {c.name for c in inner.iterdir()}
    return seen, whole_src


def closure(rows, m):
    out, todo = set(), [m]
    while todo:
        x = todo.pop()
        if x in out or x not in rows:
            continue
        out.add(x)
        todo += sorted(rows[x][1] | set(rows[x][2]))
    return out


def compiles(cxx: str, dirs: list[str], header: str) -> tuple[bool, str]:
    with tempfile.TemporaryDirectory() as tmp:
        probe = pathlib.Path(tmp) / "probe.cpp"
        probe.write_text(f'#include "{header}"\n')
        args = [cxx, "-std=c++20", "-fsyntax-only"] + [f"-I{d}" for d in dirs] + [str(probe)]
        r = subprocess.run(args, capture_output=True, text=True)
        return r.returncode == 0, r.stderr


def main(src_root: pathlib.Path, tsv: pathlib.Path, cxx: str) -> int:
    rows = parse_table((src_root / "docs" / "architecture.md").read_text())
    errors, dirs_of = [], {}
    for line in tsv.read_text().splitlines():
        if not line.strip():
            continue
        m, _, dirs = line.partition("\t")
        dirs_of[m] = [d for d in dirs.split(";") if d]
    if not dirs_of:
        errors.append(f"{tsv}: no modules")
    for m, dirs in sorted(dirs_of.items()):
        seen, whole_src = visible_modules(dirs, src_root)
        if whole_src:
            errors.append(f"module {m}: src/ is on its include path (every module's headers visible)")
        if m not in rows:
            errors.append(f"module {m}: no row in the layering table")
            continue
        allowed = closure(rows, m)
        for x in sorted(seen - allowed):
            errors.append(f"module {m} sees prose/{x}/, which its row does not reach")
        for x in sorted(({m} | rows[m][1] | set(rows[m][2])) - seen):
            errors.append(f"module {m} does not see prose/{x}/, which its row names")
    # The compiler refuses a crossing include: pc5 (layer 4) may use pc5/constants.h, not the PKMF's service.
    if "pc5" in dirs_of:
        ok, err = compiles(cxx, dirs_of["pc5"], "prose/pc5/constants.h")
        if not ok:
            errors.append("module pc5: its own prose/pc5/constants.h does not compile with its include path:\n" + err)
        ok, err = compiles(cxx, dirs_of["pc5"], "prose/pkmf/service.h")
        if ok or "prose/pkmf/service.h" not in err:
            errors.append("module pc5: including prose/pkmf/service.h was not refused as not found:\n" + err)
    else:
        errors.append("module pc5: not in " + str(tsv))
    for e in errors:
        print(e)
    if not errors:
        print(f"include paths: {len(dirs_of)} modules, each sees only what its row reaches; "
              "pc5 including prose/pkmf/service.h is refused by the compiler")
    return 1 if errors else 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    sys.exit(main(pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3]))
