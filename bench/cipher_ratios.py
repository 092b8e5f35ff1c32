#!/usr/bin/env python3
"""Ratios for docs/performance/cipher.md from a bench_cipher_throughput --benchmark_out JSON file.

usage: cipher_ratios.py results.json
"""
import json
import sys


def main() -> int:
    data = json.load(open(sys.argv[1]))
    bps = {}
    for b in data["benchmarks"]:
        if b.get("run_type", "iteration") != "iteration" or "bytes_per_second" not in b:
            continue
        bps[b["name"]] = b["bytes_per_second"]

    def get(alg, who, n):
        return bps.get(f"{alg}/{who}/{n}")

    print("| size | algorithm | portable MB/s | ipsec-mb backend MB/s | baseline MB/s | ratio | target |")
    print("|---|---|---|---|---|---|---|")
    for n in (40, 1500, 9000):
        for alg in ("eea1", "eea3", "eia1", "eia3"):
            p, m, d = get(alg, "portable", n), get(alg, "ipsec-mb", n), get(alg, "direct-ipsec-mb", n)
            if None in (p, m, d):
                continue
            print(f"| {n} | {alg} | {p/1e6:.0f} | {m/1e6:.0f} | {d/1e6:.0f} (direct ipsec-mb) | "
                  f"backend/direct {m/d:.2f}; portable/direct {p/d:.2f} | >= 0.9; >= 0.25 at 1500 |")
        for be in ("portable", "ipsec-mb"):
            o, r, i = get("eea2", be, n), get("eea2", "openssl-ctr-rekey", n), get("eea2", "openssl-ctr-ivonly", n)
            if None not in (o, r, i):
                print(f"| {n} | eea2 ({be}) | | {o/1e6:.0f} | {r/1e6:.0f} (CTR, key+IV per buffer) / "
                      f"{i/1e6:.0f} (CTR, IV only) | {o/r:.2f} / {o/i:.2f} | >= 0.9 |")
            e, c = get("eia2", be, n), get("eia2", "openssl-cmac", n)
            if None not in (e, c):
                print(f"| {n} | eia2 ({be}) | | {e/1e6:.0f} | {c/1e6:.0f} (OpenSSL EVP_MAC CMAC) | {e/c:.2f} | (info) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
