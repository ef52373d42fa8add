#!/usr/bin/python3
"""Turns compare.sh's results.tsv into the comparison table (stdout and
table.md) and chart.dat for gnuplot. Context lines come on stdin."""
import sys

COLS = ["t64", "t4k", "t4k_mib", "p50", "p99", "p999", "cpu", "rss", "idle_open", "hs", "lat_rate", "cpu_sat64", "cpu_sat4k"]
# (column, heading, format, higher is better)
SHOWN = [
    ("t64", "64 B msg/s", "{:,.0f}", True),
    ("t4k", "4 KiB msg/s", "{:,.0f}", True),
    ("p50", "p50 us", "{:.0f}", False),
    ("p99", "p99 us", "{:.0f}", False),
    ("p999", "p99.9 us", "{:.0f}", False),
    ("cpu", "CPU us/msg", "{:.2f}", False),
    ("cpu_sat64", "CPU us/msg sat 64 B", "{:.2f}", False),
    ("cpu_sat4k", "CPU us/msg sat 4 KiB", "{:.2f}", False),
    ("rss", "RSS B/idle conn", "{:,.0f}", False),
    ("hs", "handshakes/s", "{:,.0f}", True),
]


def num(text):
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if value >= 0 else None


def main():
    results, out = sys.argv[1], sys.argv[2]
    context = sys.stdin.read().strip().splitlines()
    rows = []
    with open(results) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            row = {"name": parts[0], "status": parts[1], "reason": parts[2]}
            for i, col in enumerate(COLS):
                row[col] = num(parts[3 + i]) if len(parts) > 3 + i else None
            rows.append(row)
    base = next((r for r in rows if r["name"] == "haproxy" and r["status"] == "ok"), None)

    header = ["system"] + [h for _, h, _, _ in SHOWN]
    table = []
    for r in rows:
        if r["status"] != "ok":
            table.append([r["name"]] + ["skipped: " + r["reason"]] + [""] * (len(SHOWN) - 1))
            continue
        cells = [r["name"]]
        for col, _, fmt, _ in SHOWN:
            v = r[col]
            if v is None:
                cells.append("n/a")
                continue
            cell = fmt.format(v)
            if base and base[col] and r is not base:
                cell += " ({:.2f}x)".format(v / base[col])
            cells.append(cell)
        table.append(cells)

    widths = [max(len(str(row[i])) for row in [header] + table) for i in range(len(header))]
    text = ["  ".join(str(c).ljust(widths[i]) for i, c in enumerate(row)).rstrip() for row in [header] + table]
    print("\n".join(context))
    print()
    print("\n".join(text))
    print("(x) = ratio to HAProxy; the CPU column counts messages relayed in both directions;"
          " latency at the fixed open-loop rate")

    md = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    md += ["| " + " | ".join(str(c) for c in row) + " |" for row in table]
    with open(out + "/table.md", "w") as f:
        f.write("\n".join("> " + c for c in context) + "\n\n" + "\n".join(md) + "\n")

    # Chart: every figure relative to HAProxy, inverted where lower is better,
    # so a taller bar is always better.
    ok = [r for r in rows if r["status"] == "ok"]
    if base and ok:
        with open(out + "/chart.dat", "w") as f:
            f.write("metric " + " ".join(r["name"] for r in ok) + "\n")
            for col, heading, _, higher in SHOWN:
                vals = []
                for r in ok:
                    v, b = r[col], base[col]
                    if v is None or not b or not v:
                        vals.append("0")
                    else:
                        vals.append("{:.4f}".format(v / b if higher else b / v))
                f.write('"{}" {}\n'.format(heading, " ".join(vals)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
