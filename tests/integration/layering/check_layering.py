#!/usr/bin/env python3
"""The layering the build enforces (docs/architecture.md, "Module dependencies").

The table between the markers <!-- layering-table:begin --> and <!-- layering-table:end --> in docs/architecture.md
is the one place the module dependencies are written down. Each row: `module`, its layer (a number, higher is
further up), and the modules it may use. This check fails when
  * a file in src/prose/<m>/ includes "prose/<x>/..." and x is not m and not in m's row (an entry written
    `x (h.h)` allows only the header prose/x/h.h, and needs no link dependency);
  * the modules src/prose/<m>/CMakeLists.txt links (prose_<x> in prose_module's DEPS or a target_link_libraries of
    prose_<m>) differ from m's row (header-only entries excepted), or the modules named in prose_module's HEADERS_OF
    (include path without link) differ from the row's header-only entries;
  * a row names a module of a higher layer, or the rows have a cycle;
  * a module directory has no row, or a row no directory.
Usage: check_layering.py SOURCE_DIR
"""
import pathlib
import re
import sys

BEGIN, END = "<!-- layering-table:begin -->", "<!-- layering-table:end -->"
INCLUDE = re.compile(r'^\s*#\s*include\s+"prose/([a-z0-9_]+)/([^"]+)"', re.M)
PROSE_DEP = re.compile(r"\bprose_([a-z0-9_]+)\b")


def parse_table(doc: str):
    if BEGIN not in doc or END not in doc:
        raise SystemExit(f"docs/architecture.md: no {BEGIN} ... {END} table")
    body = doc.split(BEGIN, 1)[1].split(END, 1)[0]
    rows = {}
    for line in body.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 3 or not cells[0].startswith("`"):
            continue  # header, separator, blank
        module = cells[0].strip("`")
        layer = int(cells[1])
        uses, headers = set(), {}
        for entry in filter(None, (e.strip() for e in cells[2].split(","))):
            m = re.fullmatch(r"`?([a-z0-9_]+)`?(?:\s*\(([^)]*)\))?", entry)
            if not m:
                raise SystemExit(f"docs/architecture.md: row {module}: cannot read entry {entry!r}")
            if m.group(2):
                headers[m.group(1)] = {h.strip() for h in m.group(2).split() if h.strip()}
            else:
                uses.add(m.group(1))
        if module in rows:
            raise SystemExit(f"docs/architecture.md: module {module} has two rows")
        rows[module] = (layer, uses, headers)
    return rows


def cmake_deps(cmake: pathlib.Path, module: str):
    """The modules src/prose/<m>/CMakeLists.txt links, and those it names in prose_module's HEADERS_OF."""
    text = re.sub(r"#[^\n]*", "", cmake.read_text())
    deps, headers_of = set(), set()
    for call in re.finditer(r"(prose_module|target_link_libraries)\s*\(([^)]*)\)", text):
        args = call.group(2).split()
        if call.group(1) == "prose_module" and "HEADERS_OF" in args:
            at = args.index("HEADERS_OF")
            headers_of = set(args[at + 1 :])
            args = args[:at]
        if call.group(1) == "prose_module" or (args and args[0] == f"prose_{module}"):
            deps |= set(PROSE_DEP.findall(" ".join(args[1:])))
    deps.discard(module)
    return deps, headers_of


def main(src_root: pathlib.Path) -> int:
    rows = parse_table((src_root / "docs" / "architecture.md").read_text())
    errors = []
    modules = sorted(p.name for p in (src_root / "src" / "prose").iterdir() if p.is_dir())
    for m in modules:
        if m not in rows:
            errors.append(f"src/prose/{m}/: no row in the layering table of docs/architecture.md")
    for m in rows:
        if m not in modules:
            errors.append(f"layering table: row {m} has no src/prose/{m}/")
    for m, (layer, uses, headers) in rows.items():
        for d in uses | set(headers):
            if d not in rows:
                errors.append(f"layering table: {m} uses {d}, which has no row")
            elif rows[d][0] > layer:
                errors.append(f"layering table: {m} (layer {layer}) uses {d} of the higher layer {rows[d][0]}")
    # Cycles, over the full rows.
    state = {}

    def visit(m, path):
        if state.get(m) == 1:
            errors.append("layering table: cycle " + " -> ".join(path[path.index(m):] + [m]))
            return
        if state.get(m) == 2 or m not in rows:
            return
        state[m] = 1
        for d in sorted(rows[m][1] | set(rows[m][2])):
            visit(d, path + [m])
        state[m] = 2

    for m in rows:
        visit(m, [])
    for m in modules:
        if m not in rows:
            continue
        _, uses, headers = rows[m]
        for f in sorted((src_root / "src" / "prose" / m).rglob("*")):
            if f.suffix not in (".h", ".cpp"):
                continue
            for inc in INCLUDE.finditer(f.read_text(errors="replace")):
                target, header = inc.group(1), inc.group(2)
                if target == m or target in uses:
                    continue
                if target in headers and header in headers[target]:
                    continue
                rel = f.relative_to(src_root)
                line = f.read_text(errors="replace")[: inc.start()].count("\n") + 1
                errors.append(f'{rel}:{line}: includes "prose/{target}/{header}", but module {m} may use only: '
                              + (", ".join(sorted(uses | {f"{k} ({' '.join(sorted(v))})" for k, v in headers.items()}))
                                 or "nothing"))
        cmake = src_root / "src" / "prose" / m / "CMakeLists.txt"
        if cmake.exists():
            linked, headers_of = cmake_deps(cmake, m)
            if headers_of != set(headers):
                errors.append(f"src/prose/{m}/CMakeLists.txt: HEADERS_OF {' '.join(sorted(headers_of)) or 'nothing'}; "
                              f"the table's header-only entries are {' '.join(sorted(headers)) or 'none'}")
            if linked != uses:
                missing, extra = sorted(uses - linked), sorted(linked - uses)
                errors.append(f"src/prose/{m}/CMakeLists.txt: links {' '.join(sorted(linked)) or 'no module'}; the "
                              f"table says {' '.join(sorted(uses)) or 'none'}"
                              + (f" (not linked: {' '.join(missing)})" if missing else "")
                              + (f" (not in the table: {' '.join(extra)})" if extra else ""))
    for e in errors:
        print(e)
    if not errors:
        print(f"layering: {len(rows)} modules, every include and link dependency is allowed by the table")
    return 1 if errors else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    sys.exit(main(pathlib.Path(sys.argv[1])))
