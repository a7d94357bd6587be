"""Summarise a nextpnr-ice40 --report JSON: utilization and Fmax per clock.

usage: summary.py VARIANT TARGET_MHZ REPORT_JSON
Prints the lines bitstreams/ice40/README.md and docs/resources.md quote, and
"timing: met" or "timing: FAILED" (the check target looks for the latter).
"""
import json
import sys


def main():
    variant, target, path = sys.argv[1], float(sys.argv[2]), sys.argv[3]
    with open(path) as f:
        rep = json.load(f)
    print(f"variant: {variant}")
    util = rep.get("utilization", {})
    for cell in ("ICESTORM_LC", "ICESTORM_RAM", "ICESTORM_SPRAM", "ICESTORM_DSP", "SB_IO",
                 "SB_GB"):
        if cell in util:
            u = util[cell]
            print(f"  {cell:<15} {u['used']:>5} / {u['available']:<5}")
    ok = True
    fmax = rep.get("fmax", {})
    if not fmax:
        print("timing: FAILED (no clock in the report)")
        return 1
    for clk, t in sorted(fmax.items()):
        achieved = t["achieved"]
        print(f"  clock {clk}: Fmax {achieved:.1f} MHz (constraint {target:g} MHz)")
        ok = ok and achieved >= target
    print("timing: met" if ok else "timing: FAILED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
