#!/usr/bin/env python3
"""`prose demo --json` and what it leaves behind (docs/demo.md), one check per ctest test:

  demo_checks.py run   PROSE DIR   runs `prose demo --json --out DIR`: stdout -> DIR/summary.json,
                                   stderr (the trace) -> DIR/trace.txt; passes when the demo exits 0
  demo_checks.py json  DIR         the summary follows the JSON convention, every step ok, KD fingerprints equal
  demo_checks.py trace DIR         every trace line carries its step, in causal order; the agents' logs are filled
  demo_checks.py chart DIR         demo.html is self-contained; headless Chromium draws every lane and step

Exit 0: passed; 1: failed (the message says why); 77: skipped (chart: no Chromium).
"""
import html.parser
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

STEPS = ["0", "1a", "1b", "1c", "1d", "2", "3", "4a", "4b", "4c", "5a", "5b", "6"]
LANES = ["ue1", "ue2", "relay", "prose_function", "pkmf", "hss_bsf"]
UES = {"ue1": "0x00b001", "ue2": "0x00b002"}


def fail(msg):
    print("FAILED: " + msg)
    sys.exit(1)


def load_summary(d):
    try:
        with open(os.path.join(d, "summary.json")) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        fail(f"no readable summary.json in {d} (did integration.demo.run pass?): {e}")


# ---- run ----------------------------------------------------------------------------------------------------------
def run(prose, d):
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    with open(os.path.join(d, "trace.txt"), "w") as err:
        p = subprocess.run([prose, "demo", "--json", "--out", d], stdout=subprocess.PIPE, stderr=err, timeout=150)
    with open(os.path.join(d, "summary.json"), "wb") as f:
        f.write(p.stdout)
    print(p.stdout.decode(errors="replace"))
    if p.returncode != 0:
        print(open(os.path.join(d, "trace.txt")).read()[-4000:])
        fail(f"prose demo --json exited with {p.returncode}")
    print("demo ran")


# ---- json ---------------------------------------------------------------------------------------------------------
KEY = re.compile(r"^[a-z][a-z0-9_]*$")


def check_keys(v, where):
    if isinstance(v, dict):
        for k, x in v.items():
            if not KEY.match(k):
                fail(f"key {k!r} at {where} is not snake_case")
            check_keys(x, f"{where}.{k}")
    elif isinstance(v, list):
        for i, x in enumerate(v):
            check_keys(x, f"{where}[{i}]")


def hexstr(v, n, what):
    if not isinstance(v, str) or not re.fullmatch(f"[0-9a-f]{{{n}}}", v):
        fail(f"{what} = {v!r}: expected {n} lowercase hex digits")


def check_json(d):
    raw = open(os.path.join(d, "summary.json")).read()
    try:
        s = json.loads(raw)  # the whole of stdout: one object and nothing else
    except ValueError as e:
        fail(f"stdout of prose demo --json is not one JSON object: {e}: {raw[:300]!r}")
    if not isinstance(s, dict):
        fail("the summary is not an object")
    check_keys(s, "$")
    if s.get("ok") is not True or "error" not in s or s["error"] is not None:
        fail(f"ok/error: {s.get('ok')!r} {s.get('error')!r}")
    if s.get("tls_mode") != "gba":
        fail(f"tls_mode = {s.get('tls_mode')!r}: the demo runs with GBA by default")
    for k, t in [("elapsed_s", (int, float)), ("steps", list), ("remote_ues", list), ("user_data_octets", int),
                 ("phases", list), ("pc5_signalling", list), ("files", dict)]:
        if not isinstance(s.get(k), t) or isinstance(s.get(k), bool):
            fail(f"{k} missing or of the wrong type: {s.get(k)!r}")
    ids = [x.get("step") for x in s["steps"]]
    if ids != STEPS:
        fail(f"steps {ids} are not the requirement's {STEPS}")
    for x in s["steps"]:
        if x.get("status") != "ok" or not isinstance(x.get("messages"), int) or x["messages"] < 1:
            fail(f"step {x['step']}: {x}")
        if not (isinstance(x.get("first_s"), (int, float)) and x["first_s"] <= x["last_s"]):
            fail(f"step {x['step']} timing: {x}")
        if not isinstance(x.get("title"), str) or not x["title"]:
            fail(f"step {x['step']} has no title")
    ues = {u["name"]: u for u in s["remote_ues"]}
    if set(ues) != set(UES):
        fail(f"remote_ues {sorted(ues)}")
    for name, u in ues.items():
        hexstr(u["kd_fingerprint_relay"], 8, f"{name}.kd_fingerprint_relay")
        hexstr(u["kd_fingerprint_remote_ue"], 8, f"{name}.kd_fingerprint_remote_ue")
        if u["kd_fingerprint_relay"] != u["kd_fingerprint_remote_ue"] or u["kd_fingerprints_equal"] is not True:
            fail(f"{name}: KD fingerprints differ: {u}")
        hexstr(u["pruk_id"], 16, f"{name}.pruk_id")
        hexstr(u["pruk_fingerprint"], 8, f"{name}.pruk_fingerprint")
        hexstr(u["kd_id"], 8, f"{name}.kd_id")
        hexstr(u["kd_sess_id"], 4, f"{name}.kd_sess_id")
        hexstr(u["l2_id"], 6, f"{name}.l2_id")
    if ues["ue1"]["pruk_delivery"] != "mikey" or ues["ue2"]["pruk_delivery"] != "gba_push":
        fail(f"PRUK delivery: ue1 {ues['ue1']['pruk_delivery']}, ue2 {ues['ue2']['pruk_delivery']}")
    if ues["ue1"]["kd_fingerprint_relay"] == ues["ue2"]["kd_fingerprint_relay"]:
        fail("both Remote UEs got the same KD")
    if s["user_data_octets"] <= 0:
        fail("no user data echoed")
    f = s["files"]
    for k in ["pcap", "tls_keylog", "pc5_keylog", "chart"]:
        if not (isinstance(f.get(k), str) and os.path.getsize(f[k]) > 0):
            fail(f"files.{k} = {f.get(k)!r} is not a non-empty file")
    if not isinstance(f.get("pcap_frames"), int) or f["pcap_frames"] < 50:
        fail(f"files.pcap_frames = {f.get('pcap_frames')!r}")
    for a in ["relay", "ue1", "ue2"]:
        if not os.path.isfile(f.get("logs", {}).get(a, "")):
            fail(f"files.logs.{a} missing")
    for p in s["pc5_signalling"]:
        if not (isinstance(p.get("message"), str) and isinstance(p.get("count"), int)):
            fail(f"pc5_signalling entry {p}")
    print(f"summary: {len(s['steps'])} steps ok; KD ue1 {ues['ue1']['kd_fingerprint_relay']}, "
          f"ue2 {ues['ue2']['kd_fingerprint_relay']} (relay = Remote UE)")
    print("DEMO JSON: passed")


# ---- trace --------------------------------------------------------------------------------------------------------
LINE = re.compile(r"^\s*(\d+\.\d{3}) \[\s*([0-9a-d-]+)\] (.*)$")
MSG = re.compile(r"^(.+?)\s+-> (ProSe Function|HSS/BSF|\S+)\s+(.*)$")
EVT = re.compile(r"^\[([^\]]+)\] ([a-z_]+): (.*)$")


def parse_trace(d):
    out = []
    for raw in open(os.path.join(d, "trace.txt")):
        raw = raw.rstrip("\n")
        m = LINE.match(raw)
        if not m:
            continue
        step, rest = m.group(2), m.group(3)
        if step != "-" and step not in STEPS:
            fail(f"unknown step tag {step!r}: {raw}")
        e = EVT.match(rest)
        if e:
            out.append(dict(step=step, event=True, frm=e.group(1), to=e.group(1), name=e.group(2), text=e.group(3),
                            raw=raw))
            continue
        g = MSG.match(rest)
        if not g:
            fail(f"a tagged trace line is neither a message nor an event: {raw}")
        out.append(dict(step=step, event=False, frm=g.group(1).strip(), to=g.group(2), name="", text=g.group(3),
                        raw=raw))
    return out


def first(lines, pred, what, start=0):
    for i in range(start, len(lines)):
        if pred(lines[i]):
            return i
    fail(f"no trace line for: {what}")


def check_trace(d):
    lines = parse_trace(d)
    if len(lines) < 40:
        fail(f"only {len(lines)} tagged trace lines")
    seen = {x["step"] for x in lines}
    for s in STEPS:
        if s not in seen:
            fail(f"no trace line tagged with step {s}")
    order = {s: i for i, s in enumerate(STEPS)}
    # The expected tags of the lines a reader follows.
    expect = [
        (lambda x: x["text"].startswith("PC3 Service Authorisation Request"), "0"),
        (lambda x: x["text"].startswith("Ub "), "0"),
        (lambda x: re.match(r"Diameter Bootstrapping-Info", x["text"]), "0"),
        (lambda x: x["text"].startswith("PC8 Key Request (PRUK delivery"), "1a"),
        (lambda x: x["text"].startswith("PC8 Key Response (Key Type ID"), "1b"),
        (lambda x: x["text"].startswith("MIKEY I_MESSAGE"), "1c"),
        (lambda x: x["text"].startswith("MIKEY R_MESSAGE"), "1d"),
        (lambda x: re.match(r"Diameter (Capabilities-Exchange|Multimedia-Auth|GBA-Push-Info)", x["text"]), "4b"),
        (lambda x: x["text"].startswith("Direct Security Mode Command"), "5a"),
        (lambda x: x["text"].startswith("Direct Security Mode Complete"), "5b"),
        (lambda x: x["text"].startswith("Direct Communication Accept"), "6"),
    ]
    for pred, step in expect:
        for x in lines:
            if pred(x) and x["step"] != step:
                fail(f"tagged {x['step']}, expected {step}: {x['raw']}")
    # GBA (the default): every agent bootstraps over Ub in the TLS handshake of its first PC3 request (the request
    # line comes first: the handshake it starts needs the B-TID), before the ProSe Function answers.
    for a in ["relay", "ue1", "ue2"]:
        req = first(lines, lambda x, a=a: x["frm"] == a and x["text"].startswith("PC3 Service Authorisation Request"),
                    f"{a}'s PC3 request")
        ok = first(lines, lambda x, a=a: x["frm"] == "HSS/BSF" and x["to"] == a and x["text"].startswith("Ub 200 OK"),
                   f"{a}'s Ub 200 OK")
        rsp = first(lines, lambda x, a=a: x["to"] == a and x["text"].startswith("PC3 Service Authorisation Response"),
                    f"{a}'s PC3 response")
        if not req < ok < rsp:
            fail(f"{a}: PC3 request, Ub 200 OK and PC3 response out of order (lines {req}, {ok}, {rsp})")
    # MIKEY names Key Type ID || PRUK ID; the KD freshness is in the Key Response and the DSMC.
    first(lines, lambda x: re.search(r"MIKEY I_MESSAGE \(IDi Key Type ID [0-9a-f]{8} \|\| PRUK ID [0-9a-f]{16} @ ",
                                     x["text"]), "MIKEY I_MESSAGE with Key Type ID || PRUK ID")
    first(lines, lambda x: re.search(r"^PC8 Key Response \(KD [0-9a-f]{8}, KD freshness [0-9a-f]{32}", x["text"]),
          "relay's Key Response with the KD freshness")
    first(lines, lambda x: re.search(r"^Direct Security Mode Command \(KD freshness [0-9a-f]{32}", x["text"]),
          "DSMC with the KD freshness")
    # ue1: provisioning in order.
    i = [first(lines, lambda x, s=s: x["step"] == s and (x["frm"] == "ue1" or x["to"] == "ue1"), f"ue1 step {s}")
         for s in ["1a", "1b", "1c", "1d"]]
    if i != sorted(i):
        fail(f"ue1's steps 1a-1d out of order (lines {i})")
    # Each Remote UE's link setup: from its Direct Communication Request to the Accept, the steps never go back;
    # the relay's exchange with the PKMF (and the HSS/BSF for ue2) sits between the request and the DSMC.
    for ue, l2 in UES.items():
        mine = lambda x: ue in (x["frm"], x["to"]) or l2 in x["frm"] or l2 in x["to"] or x["text"].startswith(
            "ue@" + l2)
        a = first(lines, lambda x: mine(x) and x["text"].startswith("Direct Communication Request"), f"{ue} DCR")
        b = first(lines, lambda x: mine(x) and x["text"].startswith("Direct Communication Accept"), f"{ue} DCA", a)
        seq = [x for x in lines[a:b + 1] if x["step"] != "-" and (mine(x) or x["step"] in ("4a", "4b", "4c"))]
        idx = [order[x["step"]] for x in seq]
        for k in range(1, len(idx)):
            if idx[k] < idx[k - 1]:
                fail(f"{ue}: step {seq[k]['step']} after {seq[k - 1]['step']}:\n  {seq[k - 1]['raw']}\n  "
                     f"{seq[k]['raw']}")
        for s in ["3", "4a", "4c", "5a", "5b", "6"] + (["4b"] if ue == "ue2" else []):
            if s not in {x["step"] for x in seq}:
                fail(f"{ue}: no step {s} between its Direct Communication Request and the Accept")
        kd_relay = first(lines, lambda x: x["event"] and x["name"] == "kd" and x["text"].startswith("ue@" + l2), "", a)
        kd_ue = first(lines, lambda x: x["event"] and x["frm"] == ue and x["name"] == "kd", f"{ue} KD event", a)
        dsm = first(lines, lambda x: x["frm"] == ue and x["text"].startswith("Direct Security Mode Complete"), "", a)
        if not kd_relay < kd_ue < dsm:
            fail(f"{ue}: the relay's KD, the UE's KD and the DSM Complete are out of order")
        fp_relay = re.search(r"KD ([0-9a-f]{8})", lines[kd_relay]["text"]).group(1)
        fp_ue = re.search(r"^KD ([0-9a-f]{8})", lines[kd_ue]["text"]).group(1)
        if fp_relay != fp_ue:
            fail(f"{ue}: KD {fp_relay} at the relay, {fp_ue} at the UE")
        if ue == "ue2":
            mar = first(lines, lambda x: x["step"] == "4b" and x["frm"] == "PKMF", "Diameter request", a)
            maa = first(lines, lambda x: x["step"] == "4b" and x["frm"] == "HSS/BSF", "Diameter answer", a)
            pruk = first(lines, lambda x: x["frm"] == "ue2" and x["name"] == "pruk", "ue2's new PRUK", a)
            if not mar < maa < pruk < dsm:
                fail("ue2: Diameter request, answer, the new PRUK and the DSM Complete out of order")
    # The agents' logs.
    for a in ["relay", "ue1", "ue2"]:
        p = os.path.join(d, a + ".log")
        n = sum(1 for l in open(p) if l.startswith(("MSC|", "EVT|")))
        if n < 5:
            fail(f"{p} holds {n} MSC/EVT lines")
    if "PC8 Key Request" not in open(os.path.join(d, "relay.log")).read():
        fail("relay.log has no PC8 Key Request")
    print(f"trace: {len(lines)} tagged lines in causal order; relay.log, ue1.log, ue2.log filled")
    print("DEMO TRACE: passed")


# ---- chart --------------------------------------------------------------------------------------------------------
class Dom(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.lanes, self.steps, self.rendered, self.counts = set(), {}, False, {}
        self._row = None
        self._count = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        cls = (a.get("class") or "").split()
        if tag == "body" and a.get("data-rendered") == "yes":
            self.rendered = True
        if tag == "g" and "lane" in cls:
            self.lanes.add(a.get("data-lane"))
        if tag == "g" and "msg" in cls:
            self.steps[a.get("data-step")] = self.steps.get(a.get("data-step"), 0) + 1
        if tag == "tr" and "data-step" in a:
            self._row = a["data-step"]
        if tag == "td" and "count" in cls:
            self._count = True

    def handle_endtag(self, tag):
        if tag == "td":
            self._count = False

    def handle_data(self, data):
        if self._count and self._row:
            self.counts[self._row] = self.counts.get(self._row, "") + data


def png_pixels(path):
    """Width, height and the RGB(A) rows of an 8-bit non-interlaced PNG (what Chromium writes)."""
    b = open(path, "rb").read()
    if b[:8] != b"\x89PNG\r\n\x1a\n":
        fail(f"{path} is not a PNG")
    pos, idat, w = 8, b"", 0
    while pos < len(b):
        n, typ = struct.unpack(">I4s", b[pos:pos + 8])
        body = b[pos + 8:pos + 8 + n]
        if typ == b"IHDR":
            w, h, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or colour not in (2, 6) or interlace:
                fail(f"unexpected PNG format: depth {depth} colour {colour} interlace {interlace}")
            bpp = 3 if colour == 2 else 4
        elif typ == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev = [], bytearray(stride)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            up = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + up) & 255
            elif f == 3:
                line[x] = (line[x] + (a + up) // 2) & 255
            elif f == 4:
                p = a + up - c
                pa, pb, pc = abs(p - a), abs(p - up), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else up if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


def chromium():
    for n in ["chromium", "chromium-browser", "google-chrome"]:
        p = shutil.which(n)
        if p:
            return p
    return None


def check_chart(d):
    s = load_summary(d)
    chart = s["files"]["chart"]
    text = open(chart, encoding="utf-8").read()
    # Self-contained: no external scripts, styles, fonts or images.
    # (The messages' text may name URLs, e.g. the PKMF address in PC3: as text, never as something to load.)
    for pat in [r"\ssrc\s*=", r"\shref\s*=", r"@import", r"url\(\s*['\"]?(https?:)?//", r"@font-face",
                r"<(link|img|iframe|object|embed|image|use|audio|video|source)\b", r"\bfetch\(", r"XMLHttpRequest"]:
        if re.search(pat, text, re.I):
            fail(f"demo.html refers to something outside itself ({pat})")
    exe = chromium()
    if not exe:
        print("SKIP: chromium is not installed (scripts/install-deps installs the Debian package chromium)")
        sys.exit(77)
    url = "file://" + os.path.abspath(chart)
    common = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
              "--no-first-run", "--disable-extensions", "--disable-background-networking"]
    with tempfile.TemporaryDirectory() as tmp:
        prof = ["--user-data-dir=" + os.path.join(tmp, "profile")]
        dom = subprocess.run(common + prof + ["--dump-dom", url], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             timeout=120)
        if dom.returncode != 0 or not dom.stdout:
            fail(f"chromium --dump-dom failed ({dom.returncode}): {dom.stderr.decode(errors='replace')[-2000:]}")
        shot = os.path.join(d, "demo.png")
        if os.path.exists(shot):
            os.remove(shot)
        width, height = 1500, 1200
        r = subprocess.run(common + prof + ["--screenshot=" + shot, f"--window-size={width},{height}", url],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
        if r.returncode != 0 or not os.path.exists(shot):
            fail(f"chromium --screenshot failed ({r.returncode}): {r.stderr.decode(errors='replace')[-2000:]}")
    p = Dom()
    p.feed(dom.stdout.decode("utf-8", errors="replace"))
    if not p.rendered:
        fail("the chart's script did not run (no data-rendered on body after Chromium loaded it)")
    for lane in LANES:
        if lane not in p.lanes:
            fail(f"lane {lane} not drawn (lanes: {sorted(p.lanes)})")
    for st in STEPS:
        if p.steps.get(st, 0) < 1:
            fail(f"no arrow or note of step {st} drawn (steps: {p.steps})")
        if not re.match(r"^[1-9][0-9]* messages?$", p.counts.get(st, "")):
            fail(f"the legend's count for step {st} is {p.counts.get(st)!r}")
    w, h, bpp, rows = png_pixels(shot)
    if (w, h) != (width, height):
        fail(f"screenshot is {w}x{h}, expected {width}x{height}")
    size = os.path.getsize(shot)
    if size < 20000:
        fail(f"screenshot of {size} octets: blank?")
    colours, dark = set(), 0
    for row in rows[::4]:
        for x in range(0, len(row), bpp * 4):
            px = row[x:x + 3]
            colours.add(px)
            if sum(px) < 384:
                dark += 1
    if len(colours) < 20 or dark < 500:
        fail(f"screenshot looks blank: {len(colours)} colours, {dark} dark sampled pixels")
    print(f"chart: {len(p.lanes)} lanes, {sum(p.steps.values())} messages over {len(p.steps)} steps; screenshot "
          f"{shot} {w}x{h}, {size} octets, {len(colours)} colours")
    print("DEMO CHART: passed")


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        sys.exit(2)
    cmd = sys.argv[1]
    if cmd == "run" and len(sys.argv) == 4:
        run(os.path.realpath(sys.argv[2]), sys.argv[3])
    elif cmd == "json":
        check_json(sys.argv[2])
    elif cmd == "trace":
        check_trace(sys.argv[2])
    elif cmd == "chart":
        check_chart(sys.argv[2])
    else:
        print(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main()
