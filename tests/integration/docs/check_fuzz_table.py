#!/usr/bin/env python3
"""docs/reliability.md's fuzzing table is `scripts/fuzz-campaign --markdown` (fuzz/campaign-results.tsv) as it is."""
import os
import subprocess
import sys

root = sys.argv[1]
doc = open(os.path.join(root, "docs", "reliability.md")).read()
begin, end = "<!-- fuzz-table:begin -->\n", "<!-- fuzz-table:end -->"
if begin not in doc or end not in doc:
    sys.exit("docs/reliability.md: the fuzz table markers are missing")
shown = doc[doc.index(begin) + len(begin):doc.index(end)]
table = subprocess.run([os.path.join(root, "scripts", "fuzz-campaign"), "--markdown"], check=True,
                       capture_output=True, text=True).stdout
if shown != table:
    sys.exit("docs/reliability.md: the fuzz table differs from fuzz/campaign-results.tsv (run scripts/assemble-docs)")
print("fuzz table: %d targets, as recorded" % (table.count("\n") - 2))
