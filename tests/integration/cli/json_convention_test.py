#!/usr/bin/env python3
"""Every `prose` command with --json follows the JSON convention (docs/cli.md "JSON output", issue 16).

The commands are enumerated from `prose cli-reference` (every section whose help shows --json), so a new command
with --json fails this test until it has cases here. Each command runs at least once where it fails (and, where it
is quick to set up, once where it works); every output is checked mechanically:
  - stdout is exactly one JSON object (streaming commands: JSON lines, each an object);
  - every key, recursively, is snake_case;
  - "ok" is a boolean, true exactly when the exit status is 0; "error" is null when ok, otherwise
    {"code": snake_case, "message": non-empty text};
  - the keys are exactly "ok", "error" and the keys the --json help declares, whether it worked or not;
  - no value is a decimal number written as a string (or a comma-separated list in a string), except identifiers
    people read as digits (IMSI, ...).
  - --json is accepted before the subcommand words too.
Usage: json_convention_test.py PROSE_BINARY
"""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile

PROSE = sys.argv[1]
W = tempfile.mkdtemp(prefix="prose-json-")
failures = []
SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")
DIGIT_IDS = {"imsi", "imei", "identity", "ue_id", "idr", "idi", "step"}  # identifiers that may be all digits

# Commands whose success case needs a running PKMF / ProSe Function / relay set-up (their own tests run them):
# here they run where they fail, which still checks the whole shape (same declared keys on success and failure).
FAILURE_ONLY = {
    "prose pkmf-load", "prose pkmf-soak", "prose pkmf-crash", "prose relay-load", "prose relay", "prose remote-ue",
    "prose hss", "prose gba bootstrap",
    "prose prose-function query", "prose admin trigger-key-request",
}
# Commands not yet written to the convention, with the reason; the test fails when a pending command already
# follows it (remove it from this set then).
PENDING = {}


def run(args, stdin=None, timeout=60):
    p = subprocess.run([PROSE] + args, capture_output=True, text=True, input=stdin, timeout=timeout, cwd=W)
    return p.returncode, p.stdout, p.stderr


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg)


def walk_keys(v, path, errs):
    if isinstance(v, dict):
        for k, x in v.items():
            if not SNAKE.match(k):
                errs.append(f"key '{path}{k}' is not snake_case")
            if isinstance(x, str) and k not in DIGIT_IDS:
                if re.fullmatch(r"-?[1-9][0-9]*(\.[0-9]+)?", x) and (len(x) % 2 == 1 or "." in x):
                    errs.append(f"'{path}{k}' is a number written as a string: {x!r}")
                if re.fullmatch(r"[0-9a-fA-Fx]+(,[0-9a-fA-Fx]+)+", x):
                    errs.append(f"'{path}{k}' is a list written as a string: {x!r}")
            walk_keys(x, path + k + ".", errs)
    elif isinstance(v, list):
        for i, x in enumerate(v):
            walk_keys(x, f"{path}[{i}].", errs)


def check_object(name, o, rc, declared):
    errs = []
    if not isinstance(o, dict):
        return [f"not a JSON object: {o!r}"]
    if not isinstance(o.get("ok"), bool):
        errs.append('"ok" missing or not a boolean')
    elif o["ok"] != (rc == 0):
        errs.append(f'"ok" is {o["ok"]} but the exit status is {rc}')
    if "error" not in o:
        errs.append('"error" missing')
    elif o.get("ok") is True and o["error"] is not None:
        errs.append('"error" is not null although ok')
    elif o.get("ok") is False:
        e = o["error"]
        if not isinstance(e, dict) or set(e) != {"code", "message"} or not SNAKE.match(str(e.get("code"))) \
                or not e.get("message"):
            errs.append(f'"error" is not {{"code": snake_case, "message": text}}: {e!r}')
    if declared is not None and set(o) != {"ok", "error"} | set(declared):
        errs.append(f"keys {sorted(o)} differ from the declared {sorted({'ok', 'error'} | set(declared))}")
    walk_keys(o, "", errs)
    return errs


def outputs(stdout, lines):
    if lines:
        return [json.loads(l) for l in stdout.splitlines() if l.strip()]
    return [json.loads(stdout)]  # exactly one object: json.loads refuses anything after it


def case(name, args, want_ok, declared, lines=False, stdin=None):
    rc, out, err = run(args, stdin)
    label = f"{name} ({'success' if want_ok else 'failure'}): prose {' '.join(args)}"
    if (rc == 0) != want_ok:
        return [f"{label}: exit status {rc}, expected {'0' if want_ok else 'non-zero'}; stderr: {err.strip()[:300]}"]
    try:
        objs = outputs(out, lines)
    except ValueError as e:
        return [f"{label}: stdout is not one JSON object ({e}): {out[:300]!r}"]
    if not objs:
        return [f"{label}: nothing on stdout"]
    errs = []
    for o in objs:
        errs += [f"{label}: {m}" for m in check_object(name, o, rc if not lines or o is objs[-1] else 0, declared)]
    return errs


# ---- the commands with --json, from the generated reference --------------------------------------------------
ref = run(["cli-reference"])[1]
parts = re.split(r"\n## `([^`]*)`\n", ref)
declared = {}
streaming = set()
for i in range(1, len(parts), 2):
    m = re.search(r"--json\s+Print (JSON lines|the result as one JSON object)[^(]*(?:\(keys: ([^;)]*))?", parts[i + 1])
    if "--json" in parts[i + 1]:
        keys = None
        if m and m.group(2):
            keys = [k.strip() for k in re.sub(r"\s+", " ", m.group(2)).split(",")]
            keys = [k for k in keys if k not in ("ok", "error")]
        declared[parts[i]] = keys
        if m and m.group(1) == "JSON lines":
            streaming.add(parts[i])
print(f"{len(declared)} commands with --json")

# ---- set-up --------------------------------------------------------------------------------------------------
K, OPC = "465b5ce8b199b49faa5f0a2ee238a6bc", "cd63cb71954a9f4e48a5994e37a02baf"
PRUK = "00" * 31 + "01"
PMK = "11" * 32
NAF = "6e61662e6578616d706c650100000002"  # FQDN naf.example || Ua security protocol id
assert run(["pkmf", "example-config", "--dir", W + "/pkmf", "--port", "0", "--mikey-port", "0", "--hss-port", "0",
            "--ue", "001010000000001", "--relay", "r1"])[0] == 0, "pkmf example-config"
PCFG = W + "/pkmf/pkmf.toml"
assert run(["admin", "--config", PCFG, "ue-add", "--imsi", "001010000000001", "--rsc", "00abcd"])[0] == 0
GPI = run(["gba", "gpi-create", "--k", K, "--opc", OPC, "--sqn", "ff9bb4d0b607", "--amf", "b9b9", "--rand",
           "23553cbe9637a89d218ae64dae47bf35", "--impi", "u@x", "--naf-id", NAF, "--pruk-id", "0102"])[1].strip()
MSG = run(["mikey", "pruk-message", "--pmk", PMK, "--pmk-id", "c0ffee01", "--key-type-id", "00000001", "--pruk-id",
           "1122334455667788", "--pruk", PRUK, "--pkmf-fqdn", "pkmf.example", "--ue-id", "001010000000001",
           "--now", "1700000000"])[1].strip()
PC5_MSG = run(["pc5", "example", "DIRECT_SECURITY_MODE_COMPLETE"])[1].strip()
PDU = run(["pc5", "protect", "--enc-alg", "2", "--int-alg", "2", "--pek", "00" * 16, "--pik", "11" * 16, "--bearer",
           "0", "--direction", "0", "--kd-sess-id", "0102", "--count", "5", "--sdu-type", "2", "--in", "00"])[1].strip()
DISC = run(["discovery", "protect", "--type", "announcement", "--rsc", "00abcd", "--user-info", "010203040506",
            "--counter", "12345678", "--psdk", "22" * 32, "--keys", "duik"])[1].strip()
with open(W + "/pc8.xml", "w") as f:
    f.write(run(["pc8", "example", "kd-request"])[1])
with open(W + "/pc3.xml", "w") as f:
    f.write(run(["prose-function", "example", "request"])[1])
with open(W + "/bad.xml", "w") as f:
    f.write("<not-a-message/>")
run(["hss", "example-config", "--dir", W + "/hss", "--port", "0"])
run(["pki", "init", "--dir", W + "/pki", "--ue", "001010000000001", "--relay", "r1"])
CIPHER = ["--alg", "2", "--key", "00" * 16, "--count", "0", "--bearer", "0", "--direction", "0", "--in", "00" * 8]
X = "zz"  # an argument every command refuses

# name -> list of (args, want_ok)
CASES = {
    # The whole demo once (a few seconds; integration.demo.json checks its content), and an --out it cannot create.
    "prose demo": [(["demo", "--out", W + "/demo", "--json"], True),
                   (["--json", "demo", "--out", "/proc/no-such-dir/demo"], False)],
    "prose admin ue-add": [(["admin", "--config", PCFG, "ue-add", "--imsi", "001010000000002", "--rsc", "001234",
                             "--rsc", "00abcd", "--json"], True),
                           (["admin", "--config", PCFG, "ue-add", "--imsi", "12", "--rsc", "1", "--json"], False)],
    "prose admin ue-remove": [(["--json", "admin", "--config", PCFG, "ue-remove", "--imsi", "001010000000002"], True),
                              (["admin", "--config", PCFG, "ue-remove", "--imsi", "009", "--json"], False)],
    "prose admin ue-list": [(["admin", "--config", PCFG, "ue-list", "--json"], True),
                            (["admin", "--config", W + "/none.toml", "ue-list", "--json"], False)],
    "prose admin ue-show": [(["admin", "--json", "--config", PCFG, "ue-show", "--imsi", "001010000000001"], True),
                            (["admin", "--config", PCFG, "ue-show", "--imsi", "001019", "--json"], False)],
    "prose admin trigger-key-request": [(["admin", "--config", PCFG, "trigger-key-request", "--imsi", "009",
                                         "--json"], False)],
    "prose admin relay-add": [(["admin", "--config", PCFG, "relay-add", "--id", "r2", "--rsc", "00abcd", "--json"], True),
                              (["admin", "--config", PCFG, "relay-add", "--id", "r2", "--rsc", X, "--json"], False)],
    "prose admin relay-remove": [(["admin", "--config", PCFG, "relay-remove", "--id", "r2", "--json"], True),
                                 (["admin", "--config", PCFG, "relay-remove", "--id", "nope", "--json"], False)],
    "prose admin relay-list": [(["admin", "--config", PCFG, "relay-list", "--json"], True),
                               (["admin", "--config", W + "/none.toml", "relay-list", "--json"], False)],
    "prose admin psdk-list": [(["admin", "--config", PCFG, "psdk-list", "--json"], True),
                              (["admin", "--config", W + "/none.toml", "psdk-list", "--json"], False)],
    "prose admin psdk-purge": [(["admin", "--config", PCFG, "psdk-purge", "--json"], True),
                               (["admin", "--config", W + "/none.toml", "psdk-purge", "--json"], False)],
    "prose admin check": [(["admin", "--config", PCFG, "check", "--json"], True),
                          (["admin", "--config", W + "/none.toml", "check", "--json"], False)],
    "prose admin import": [(["admin", "--config", PCFG, "import", "--csv", W + "/ues.csv", "--json"], True),
                           (["admin", "--config", PCFG, "import", "--csv", W + "/none.csv", "--json"], False)],
    "prose relay": [(["relay", "--config", W + "/none.toml", "--json"], False)],
    "prose remote-ue": [(["remote-ue", "--json", "--config", W + "/none.toml"], False)],
    "prose crypto eea": [(["crypto", "eea", "--json"] + CIPHER, True), (["crypto", "eea", "--json", "--alg", "9",
                                                                         "--key", X, "--count", "0", "--bearer", "0",
                                                                         "--direction", "0", "--in", "00"], False)],
    "prose crypto eia": [(["--json", "crypto", "eia"] + CIPHER, True), (["crypto", "eia", "--json"] + CIPHER[:2] +
                                                                        ["--key", X] + CIPHER[4:], False)],
    "prose crypto kdf": [(["crypto", "kdf", "--key", "00", "--fc", "10", "--json"], True),
                         (["crypto", "kdf", "--key", X, "--fc", "10", "--json"], False)],
    "prose crypto kd": [(["--json", "crypto", "kd", "--pruk", PRUK, "--freshness", "00" * 16], True),
                        (["crypto", "kd", "--pruk", "00", "--freshness", "00" * 16, "--json"], False)],
    "prose crypto kd-sess": [(["crypto", "kd-sess", "--kd", PRUK, "--nonce1", "00" * 16, "--nonce2", "11" * 16,
                               "--json"], True),
                             (["crypto", "kd-sess", "--kd", PRUK, "--nonce1", "00", "--nonce2", "11", "--json"], False)],
    "prose crypto pek": [(["crypto", "pek", "--kd-sess", PRUK, "--alg", "2", "--json"], True),
                         (["crypto", "pek", "--kd-sess", PRUK, "--alg", "7", "--json"], False)],
    "prose crypto pik": [(["crypto", "pik", "--kd-sess", PRUK, "--alg", "2", "--json"], True),
                         (["crypto", "pik", "--kd-sess", X, "--alg", "2", "--json"], False)],
    "prose crypto naf-key": [(["crypto", "naf-key", "--ck", "00" * 16, "--ik", "11" * 16, "--rand", "22" * 16,
                               "--impi", "u@x", "--naf-id", NAF, "--json"], True),
                             (["crypto", "naf-key", "--ck", "00", "--ik", "11" * 16, "--rand", "22" * 16,
                               "--impi", "u@x", "--naf-id", NAF, "--json"], False)],
    "prose crypto milenage": [(["crypto", "milenage", "--k", K, "--opc", OPC, "--rand", "23553cbe9637a89d218ae64dae47bf35",
                                "--sqn", "ff9bb4d0b607", "--amf", "b9b9", "--json"], True),
                              (["crypto", "milenage", "--k", K, "--rand", "00" * 16, "--sqn", "00" * 6, "--amf", "0000",
                                "--json"], False)],
    "prose demo": [(["demo", "--json"], True), (["demo", "--json", "--bogus-option"], False)],
    "prose discovery protect": [(["discovery", "protect", "--type", "announcement", "--rsc", "00abcd", "--user-info",
                                  "010203040506", "--counter", "12345678", "--psdk", "22" * 32, "--keys", "duik",
                                  "--json"], True),
                                (["discovery", "protect", "--type", "bogus", "--rsc", "00abcd", "--user-info", "01",
                                  "--psdk", "22" * 32, "--json"], False)],
    "prose discovery open": [(["discovery", "open", DISC, "--counter", "12345678", "--psdk", "22" * 32, "--keys", "duik",
                               "--json"], True),
                             (["discovery", "open", DISC, "--counter", "12345678", "--psdk", "33" * 32, "--keys",
                               "duik", "--json"], False)],
    "prose discovery decode": [(["discovery", "decode", DISC, "--json"], True),
                               (["discovery", "decode", "00", "--json"], False)],
    "prose discovery constants": [(["discovery", "constants", "--json"], True),
                                  (["discovery", "constants", "--json", X], False)],
    "prose gba gpi-create": [(["gba", "gpi-create", "--k", K, "--opc", OPC, "--sqn", "ff9bb4d0b607", "--amf", "b9b9",
                               "--rand", "23553cbe9637a89d218ae64dae47bf35", "--impi", "u@x", "--naf-id", NAF,
                               "--pruk-id", "0102", "--json"], True),
                             (["gba", "gpi-create", "--k", X, "--opc", OPC, "--sqn", "0", "--amf", "b9b9", "--rand",
                               "00" * 16, "--impi", "u@x", "--naf-id", NAF, "--pruk-id", "0102", "--json"], False)],
    "prose gba gpi-open": [(["gba", "gpi-open", "--k", K, "--opc", OPC, "--sqn", "ff9bb4d0b5e7", "--impi", "u@x", "--naf-id",
                             NAF, "--gpi", GPI, "--json"], True),
                           (["gba", "gpi-open", "--k", K, "--opc", OPC, "--sqn", "0", "--impi", "u@y", "--naf-id",
                             NAF, "--gpi", GPI, "--json"], False)],
    # success: integration.gba_bootstrap (needs a running BSF); here a BSF that is not there
    "prose gba bootstrap": [(["gba", "bootstrap", "--bsf", "http://127.0.0.1:1/", "--imsi", "001010000000001", "--k", K,
                              "--opc", OPC, "--json"], False)],
    "prose gba gpi-decode": [(["gba", "gpi-decode", "--gpi", GPI, "--json"], True),
                             (["gba", "gpi-decode", "--gpi", "01", "--json"], False)],
    "prose hss add-subscriber": [(["hss", "add-subscriber", "--config", W + "/hss/hss.toml", "--imsi", "001010000000001",
                                   "--k", K, "--opc", OPC, "--json"], True),
                                 (["hss", "add-subscriber", "--config", W + "/hss/hss.toml", "--imsi", "1", "--k", K,
                                   "--opc", OPC, "--json"], False)],
    "prose hss example-config": [(["hss", "example-config", "--dir", W + "/hss", "--port", "0", "--json"], True),
                                 (["hss", "example-config", "--dir", W + "/hss", "--port", "99999", "--json"], False)],
    "prose hss": [(["hss", "--config", W + "/none.toml", "--json"], False)],  # success: the server below
    "prose mikey pruk-message": [(["mikey", "pruk-message", "--pmk", PMK, "--pmk-id", "c0ffee01", "--key-type-id",
                                   "00000001", "--pruk-id", "1122334455667788", "--pruk", PRUK, "--pkmf-fqdn",
                                   "pkmf.example", "--ue-id", "001010000000001", "--json"], True),
                                 (["mikey", "pruk-message", "--pmk", PMK, "--pmk-id", "c0ffee01", "--key-type-id",
                                   "01", "--pruk-id", "1", "--pruk", PRUK, "--pkmf-fqdn", "f", "--ue-id", "u", "--json"],
                                  False)],
    "prose mikey open": [(["mikey", "open", "--pmk", PMK, "--pmk-id", "c0ffee01", "--key-type-id", "00000001", "--now",
                           "1700000000", MSG, "--json"], True),
                         (["mikey", "open", "--pmk", "22" * 32, "--pmk-id", "c0ffee01", "--key-type-id", "00000001",
                           "--now", "1700000000", MSG, "--json"], False)],
    "prose mikey decode": [(["mikey", "decode", MSG, "--json"], True), (["mikey", "decode", "0102", "--json"], False)],
    "prose pc5 decode": [(["pc5", "decode", PC5_MSG, "--json"], True), (["pc5", "decode", "ff00", "--json"], False)],
    "prose pc5 protect": [(["pc5", "protect", "--enc-alg", "2", "--int-alg", "2", "--pek", "00" * 16, "--pik",
                            "11" * 16, "--bearer", "0", "--direction", "0", "--kd-sess-id", "0102", "--count", "5",
                            "--sdu-type", "2", "--in", "00", "--json"], True),
                          (["pc5", "protect", "--enc-alg", "2", "--int-alg", "2", "--bearer", "0", "--direction", "0",
                            "--kd-sess-id", "0102", "--count", "5", "--sdu-type", "2", "--in", "00", "--json"], False)],
    "prose pc5 unprotect": [(["pc5", "unprotect", "--enc-alg", "2", "--int-alg", "2", "--pek", "00" * 16, "--pik",
                              "11" * 16, "--bearer", "0", "--direction", "0", "--in", PDU, "--json"], True),
                            (["pc5", "unprotect", "--enc-alg", "2", "--int-alg", "2", "--pek", "00" * 16, "--pik",
                              "22" * 16, "--bearer", "0", "--direction", "0", "--in", PDU, "--json"], False)],
    "prose pc5 example": [(["pc5", "example", "--json"], True), (["pc5", "example", "NOPE", "--json"], False)],
    "prose pc8 example": [(["pc8", "example", "kd-request", "--json"], True),
                          (["pc8", "example", "nope", "--json"], False)],
    "prose pc8 validate": [(["pc8", "validate", W + "/pc8.xml", "--json"], True),
                           (["pc8", "validate", W + "/bad.xml", "--json"], False)],
    "prose pki init": [(["pki", "init", "--dir", W + "/pki2", "--ue", "001010000000001", "--json"], True),
                       (["pki", "init", "--dir", W + "/pki2", "--json"], False)],
    "prose pki issue": [(["pki", "issue", "--dir", W + "/pki", "--relay", "r9", "--json"], True),
                        (["pki", "issue", "--dir", W + "/nopki", "--relay", "r9", "--json"], False)],
    "prose pki revoke": [(["pki", "revoke", "--dir", W + "/pki", "--relay", "r9", "--json"], True),
                         (["pki", "revoke", "--dir", W + "/pki", "--json"], False)],
    "prose pki crl": [(["pki", "crl", "--dir", W + "/pki", "--json"], True),
                      (["pki", "crl", "--dir", W + "/nopki", "--json"], False)],
    "prose pki show": [(["pki", "show", "--cert", W + "/pki/relay-r1.pem", "--json"], True),
                       (["pki", "show", "--cert", W + "/bad.xml", "--json"], False)],
    "prose pkmf-crash": [(["pkmf-crash", "--kills", "0", "--json"], False)],
    "prose pkmf-load": [(["pkmf-load", "--ues", "0", "--json"], False)],
    "prose pkmf-soak": [(["pkmf-soak", "--clients", "0", "--json"], False)],
    "prose prose-function query": [(["prose-function", "query", "--ca", W + "/none.pem", "--cert", W + "/none.pem",
                                     "--key", W + "/none.pem", "--rsc", "00abcd", "--port", "1", "--json"], False)],
    "prose prose-function validate": [(["prose-function", "validate", W + "/pc3.xml", "--json"], True),
                                      (["prose-function", "validate", W + "/bad.xml", "--json"], False)],
    "prose relay-load": [(["relay-load", "--ues", "0", "--json"], False)],
}
with open(W + "/ues.csv", "w") as f:
    f.write("imsi,rsc\n001010000000003,00abcd;001234\n")

# ---- run ----------------------------------------------------------------------------------------------------
for name in sorted(declared):
    if name not in CASES:
        fail(f"{name} has --json but no case in this test: add one")
        continue
    kinds = {ok for _, ok in CASES[name]}
    if False not in kinds or (True not in kinds and name not in FAILURE_ONLY):
        fail(f"{name}: needs a success and a failure case")
    errs = []
    for args, ok in CASES[name]:
        errs += case(name, args, ok, declared[name], lines=name in streaming)
    if declared[name] is None and name not in PENDING:
        errs.append(f"{name}: the --json help does not declare the keys")
    if name in PENDING:
        if errs:
            print(f"pending: {name} ({PENDING[name]}): {errs[0]}")
        else:
            fail(f"{name} follows the convention now: remove it from PENDING")
        continue
    for e in errs:
        fail(e)
    if not errs:
        print(f"ok   {name}")
for name in CASES:
    if name not in declared:
        fail(f"{name} has a case here but no --json in the reference")

# A streaming server: its first line is an object of the convention, and SIGTERM stops it.
p = subprocess.Popen([PROSE, "hss", "--config", W + "/hss/hss.toml", "--json"], stdout=subprocess.PIPE,
                     stderr=subprocess.DEVNULL, text=True, cwd=W)
first = p.stdout.readline()
p.send_signal(signal.SIGTERM)
p.wait(timeout=20)
try:
    errs = check_object("prose hss", json.loads(first), 0, declared.get("prose hss"))
except ValueError:
    errs = [f"not JSON: {first!r}"]
for e in errs:
    fail("prose hss (server, first line): " + e)

# --json on a command without JSON output is refused with the convention's failure object.
rc, out, _ = run(["pc8", "schema", "--json"])
try:
    o = json.loads(out)
    if rc != 2 or o.get("ok") is not False or o["error"]["code"] != "usage":
        fail(f"pc8 schema --json: expected exit 2 and error code usage, got {rc} {o}")
except (ValueError, KeyError, TypeError):
    fail(f"pc8 schema --json: stdout is not the failure object: {out!r}")

print("JSON CONVENTION TEST: " + ("passed" if not failures else f"{len(failures)} failures"))
sys.exit(1 if failures else 0)
