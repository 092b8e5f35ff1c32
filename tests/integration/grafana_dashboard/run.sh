#!/usr/bin/env bash
# usage: run.sh PROSE_BIN DASHBOARD_JSON WORK_DIR (see CMakeLists.txt)
set -u
PROSE=$1
DASH=$2
WORK=$3
rm -rf "$WORK"
mkdir -p "$WORK"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; }
trap cleanup EXIT
die() {
  echo "FAIL: $*"
  for f in "$WORK"/*.log; do [ -f "$f" ] && { echo "--- $f"; tail -20 "$f"; }; done
  exit 1
}
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PKMF_PORT=$(free_port)
PF_PORT=$(free_port)
IMSI=001010000000001

# The PKI and configurations the other integration tests use: the examples (with the operator certificate ops).
"$PROSE" pkmf example-config --dir "$WORK" --port "$PKMF_PORT" --mikey-port 0 --hss-port 0 --ue $IMSI --relay r1 \
  > /dev/null || die "pkmf example-config"
"$PROSE" prose-function example-config --dir "$WORK" --port "$PF_PORT" --pkmf-port "$PKMF_PORT" > /dev/null ||
  die "prose-function example-config"
"$PROSE" admin --config "$WORK/pkmf.toml" ue-add --imsi $IMSI --rsc 00abcd > /dev/null || die "admin ue-add"
(cd "$WORK" && exec "$PROSE" pkmf --config pkmf.toml > pkmf.log 2>&1) &
PIDS+=($!)
(cd "$WORK" && exec "$PROSE" prose-function --config prose-function.toml > prose-function.log 2>&1) &
PIDS+=($!)
for _ in $(seq 100); do
  grep -q "listening on https port" "$WORK/pkmf.log" 2>/dev/null &&
    grep -q "listening on https port" "$WORK/prose-function.log" 2>/dev/null && break
  sleep 0.1
done
grep -q "listening on https port" "$WORK/pkmf.log" || die "the PKMF did not start"
grep -q "listening on https port" "$WORK/prose-function.log" || die "the ProSe Function did not start"

PKI=$WORK/pki
op() { curl -sS --cacert "$PKI/ca.pem" --cert "$PKI/operator-ops.pem" --key "$PKI/operator-ops.key" "$@"; }
# Some traffic, so that the series shown only once they count something are there: a PC3 request, a path that is
# not served on either server.
"$PROSE" prose-function query --port "$PF_PORT" --ca "$PKI/ca.pem" --cert "$PKI/ue-$IMSI.pem" --key "$PKI/ue-$IMSI.key" \
  --server-name prose-function.prose.test --rsc 00abcd > "$WORK/query.log" 2>&1 || die "prose-function query"
op -o /dev/null "https://127.0.0.1:$PKMF_PORT/nothing-here" || die "curl to the PKMF"
op -o /dev/null "https://127.0.0.1:$PF_PORT/nothing-here" || die "curl to the ProSe Function"
# A UE is no operator: 403 on both.
for port in "$PKMF_PORT" "$PF_PORT"; do
  code=$(curl -sS -o /dev/null -w '%{http_code}' --cacert "$PKI/ca.pem" --cert "$PKI/ue-$IMSI.pem" \
    --key "$PKI/ue-$IMSI.key" "https://127.0.0.1:$port/metrics")
  [ "$code" = 403 ] || die "a UE certificate got $code for /metrics on port $port"
done
op "https://127.0.0.1:$PKMF_PORT/metrics" > "$WORK/pkmf.metrics" || die "scraping the PKMF"
op "https://127.0.0.1:$PF_PORT/metrics" > "$WORK/prosefn.metrics" || die "scraping the ProSe Function"

python3 - "$DASH" "$WORK/pkmf.metrics" "$WORK/prosefn.metrics" <<'PY' || die "dashboard against the scrapes"
import json, re, sys
dash = json.load(open(sys.argv[1]))
served = set()
for path in sys.argv[2:]:
    for line in open(path):
        if line.startswith("#") or not line.strip():
            continue
        m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$", line.rstrip("\n"))
        assert m, f"not an exposition line: {line!r}"
        float(m.group(3))
        served.add(m.group(1))
# Every PromQL expression of the panels (rows included) and the query variables.
exprs = []
def walk(panels):
    for p in panels:
        for t in p.get("targets", []):
            exprs.append((p["title"], t["expr"]))
        walk(p.get("panels", []))
walk(dash["panels"])
for v in dash["templating"]["list"]:
    if v["type"] == "query":
        exprs.append(("variable " + v["name"], v["definition"]))
assert len(exprs) >= 20, len(exprs)
# Metric names: identifiers that are no function, keyword, label name or variable. The label matchers and the
# by (...) lists are removed first; what is left are metric names and PromQL words.
words = {"sum", "rate", "irate", "increase", "max", "min", "avg", "count", "by", "without", "histogram_quantile",
         "label_values", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool", "offset"}
missing = []
for title, e in exprs:
    names = set()
    # a regex of names in {__name__=~"a|b"}
    for alt in re.findall(r'__name__=~"([^"]*)"', e):
        names.update(alt.split("|"))
    rest = re.sub(r"\{[^}]*\}", "", e)               # label matchers
    rest = re.sub(r"\b(by|without)\s*\([^)]*\)", "", rest)  # grouping labels
    rest = re.sub(r"\[[^\]]*\]", "", rest)          # ranges
    rest = re.sub(r",\s*[a-z_]+\)\s*$", ")", rest) if rest.startswith("label_values") else rest
    for w in re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", rest):
        if w not in words:
            names.add(w)
    assert names, f"{title}: no metric in {e}"
    for n in names:
        if n not in served:
            missing.append(f"{title}: {n}")
assert not missing, "queried but not served:\n  " + "\n  ".join(missing)
print(f"{len(exprs)} expressions, {len(served)} metric names served, every queried one present")
PY
grep -q 'prose_prosefn_requests_total{outcome="answered"} 1' "$WORK/prosefn.metrics" || die "the PC3 request is not counted"
grep -q 'prose_pkmf_store_rows{table="ue"} 1' "$WORK/pkmf.metrics" || die "the store rows are not served"
echo "GRAFANA DASHBOARD: passed"
