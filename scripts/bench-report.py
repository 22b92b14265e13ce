#!/usr/bin/env python3
"""Turn the console logs of `make bench` boots into results.json,
results.md and SVG plots (bench/README.md says what is measured).

Usage: bench-report.py --out DIR [--machine TEXT] [--command TEXT]
                       [--date YYYY-MM-DD] [--readme README.md] LOG...

Each LOG (plain or .gz) is one boot's serial console.  Lines read:
  BENCH-INFO kernel=K ...           the guest's kernel
  BENCH rep=R wl=W impl=I n=N ns=X [pN=..] [key=value...]
  BENCH-SKIP / BENCH-FAIL / BENCH-DMESG   reported as they are
  BENCH-HOST load1=L                the host's load when the boot ended
With --readme, the goals table replaces what is between the
bench-results markers of that file (the README's Performance section).
Ratios are paired: for each rep, shmdev's ns over the peer's ns in the
same rep of the same boot; the tables give the median and range of
those per-rep ratios.  Exit status 1 when no measurement was found.
"""
import argparse
import datetime
import gzip
import json
import math
import os
import re
import statistics
import sys

# The shmdev figure each workload's peers are compared with.
PRIMARY = {
    "micro.notify": "shmdev-notify",
    "micro.wait": "shmdev-wait",
    "pingpong.cross": "shmdev-fast",
    "pingpong.same": "shmdev-fast",
    "ring": "shmdev-fast",
    "bulk": "shmdev",
    "create.4k": "shmdev",
    "create.2m": "shmdev-huge",
}

# (id, text, workload, shmdev impl, peer impl, limit): met when the
# median of the paired per-rep ratios (shmdev time / peer time) <= limit.
GOALS = [
    ("notify", "NOTIFY, no waiter <= 1.0x FUTEX_WAKE, no waiter",
     "micro.notify", "shmdev-notify", "futex-wake", 1.0),
    ("post", "POST, no waiter <= 1.0x FUTEX_WAKE, no waiter",
     "micro.notify", "shmdev-post", "futex-wake", 1.0),
    ("wait", "WAIT returning at once <= 1.0x FUTEX_WAIT (mismatch)",
     "micro.wait", "shmdev-wait", "futex-wait", 1.0),
    ("ring-notify", "ring, NOTIFY every message <= 1.0x eventfd ring",
     "ring", "shmdev-notify", "eventfd", 1.0),
    ("ring-post", "ring, POST every message <= 1.0x eventfd ring",
     "ring", "shmdev-post", "eventfd", 1.0),
    ("ring-fast-eventfd", "ring, fast path >= 10x eventfd ring (time <= 0.1x)",
     "ring", "shmdev-fast", "eventfd", 0.1),
    ("ring-fast-futex", "ring, fast path <= 1.05x hand-written futex fast path",
     "ring", "shmdev-fast", "futex-fast", 1.05),
    ("pingpong-cross", "ping-pong cross-core <= 1.05x raw futex",
     "pingpong.cross", "shmdev-fast", "futex", 1.05),
    ("pingpong-same", "ping-pong same-core <= 1.05x raw futex",
     "pingpong.same", "shmdev-fast", "futex", 1.05),
    ("epoll-cross", "epoll ping-pong cross-core <= 1.0x eventfd+epoll",
     "pingpong.cross", "shmdev-epoll", "eventfd-epoll", 1.0),
    ("epoll-same", "epoll ping-pong same-core <= 1.0x eventfd+epoll",
     "pingpong.same", "shmdev-epoll", "eventfd-epoll", 1.0),
    ("bulk", "bulk >= 1.0x memfd double buffer (time <= 1.0x)",
     "bulk", "shmdev", "memfd", 1.0),
    ("create-2m", "create + first touch, 2 MiB (huge) <= 0.2x memfd",
     "create.2m", "shmdev-huge", "memfd", 0.2),
]
KFRAC_LIMIT = 0.001
MIN_REPS = 12

LINE_RE = re.compile(r"(BENCH(?:-SKIP|-FAIL|-INFO|-DMESG|-HOST)?) (.*)$")


def open_log(path):
    if path.endswith(".gz"):
        return gzip.open(path, "rt", errors="replace")
    return open(path, errors="replace")


def parse_kv(text):
    out = {}
    for word in text.split():
        if "=" in word:
            k, v = word.split("=", 1)
            out[k] = v
    return out


def num(v):
    try:
        return float(v)
    except ValueError:
        return v


def parse_logs(paths):
    """Records, skips, failures and dmesg lines of all boots."""
    recs, skips, fails, dmesg, kernels = [], [], [], [], {}
    loads = []
    for boot_no, path in enumerate(paths):
        kernel, boot, clock = "unknown", boot_no, None
        with open_log(path) as f:
            for line in f:
                m = LINE_RE.search(line.rstrip("\n"))
                if not m:
                    continue
                tag, rest = m.groups()
                if tag == "BENCH-DMESG":
                    dmesg.append({"kernel": kernel, "log": os.path.basename(path),
                                  "line": rest})
                    continue
                kv = parse_kv(rest)
                if tag == "BENCH-HOST":
                    loads.append(float(kv.get("load1", "nan")))
                    continue
                if tag == "BENCH-INFO":
                    kernel = kv.get("kernel", kernel)
                    if "boot" in kv:
                        boot = int(kv["boot"])
                    clock = kv.get("clocksource", clock)
                    continue
                if tag == "BENCH":
                    if "ns" not in kv:
                        continue
                    rec = {k: num(v) for k, v in kv.items()}
                    rec.update(kernel=kernel, boot=boot, rep=int(kv["rep"]),
                               log=os.path.basename(path))
                    recs.append(rec)
                    kernels.setdefault(kernel, {"boots": set(), "clocksource": clock})
                    kernels[kernel]["boots"].add(boot)
                    kernels[kernel]["clocksource"] = clock
                elif tag == "BENCH-SKIP":
                    skips.append(dict(kv, kernel=kernel))
                else:
                    fails.append(dict(kv, kernel=kernel))
    return recs, skips, fails, dmesg, kernels, loads


def summary(values):
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values),
            "max": max(values), "n": len(values)}


def analyse(recs):
    """Per kernel and workload: per-impl figures and paired ratios."""
    by = {}
    for r in recs:
        w = by.setdefault(r["kernel"], {}).setdefault(r["wl"], {})
        w.setdefault(r["impl"], {})[(r["boot"], r["rep"])] = r
    out = {}
    for kernel, wls in by.items():
        out[kernel] = {}
        for wl, impls in wls.items():
            prim = PRIMARY.get(wl, "shmdev")
            entry = {"primary": prim, "impls": {}}
            for impl, reps in impls.items():
                e = {"ns": summary([r["ns"] for r in reps.values()])}
                # The ring's system calls, by side: producer wakes, consumer sleeps.
                for key, src in (("prod_frac", "prod_sys"), ("cons_frac", "cons_sys")):
                    vals = [r[src] / r["n"] for r in reps.values()
                            if isinstance(r.get(src), float) and r.get("n")]
                    if vals:
                        e[key] = summary(vals)
                for key in ("kfrac", "mibs", "wake", "csw", "p1", "p10", "p25",
                            "p50", "p75", "p90", "p99"):
                    vals = [r[key] for r in reps.values()
                            if isinstance(r.get(key), float)]
                    if vals:
                        e[key] = summary(vals)
                if prim in impls and impl != prim:
                    e["ratio"] = summary(paired(impls[prim], reps))
                entry["impls"][impl] = e
            out[kernel][wl] = entry
    return by, out


def paired(a, b):
    return [a[k]["ns"] / b[k]["ns"] for k in a if k in b and b[k]["ns"] > 0]


def goals(by):
    res = []
    for kernel in sorted(by):
        wls = by[kernel]
        for gid, text, wl, mine, peer, limit in GOALS:
            a = wls.get(wl, {}).get(mine, {})
            b = wls.get(wl, {}).get(peer, {})
            vals = paired(a, b)
            res.append(goal_row(kernel, gid, text, summary(vals), limit, "<=",
                                vals))
        fast = wls.get("ring", {}).get("shmdev-fast", {})
        vals = [r["kfrac"] for r in fast.values() if "kfrac" in r]
        res.append(goal_row(kernel, "ring-kfrac",
                            "ring, fast path: messages entering the kernel < 0.1 %",
                            summary(vals), KFRAC_LIMIT, "<", vals))
    return res


def median_ci(values, level=0.95):
    """A distribution-free confidence interval for the median: the order
    statistics x(k) and x(n-k+1), with k the largest for which the
    binomial tails leave at least `level` between them.  None below six
    values, where no such pair reaches 95 %."""
    xs = sorted(values)
    n = len(xs)
    tail, k = 0.0, 0
    for j in range(n // 2):
        tail += math.comb(n, j) / 2 ** n
        if 2 * tail > 1 - level:
            break
        k = j + 1
    if k == 0:
        return None
    return xs[k - 1], xs[n - k]


def goal_row(kernel, gid, text, s, limit, op, values=None):
    row = {"kernel": kernel, "id": gid, "goal": text, "limit": limit, "op": op,
           "summary": s}
    if not s:
        row["verdict"] = "not measured"
        return row
    ok = s["median"] <= limit if op == "<=" else s["median"] < limit
    row["verdict"] = "met" if ok else "NOT met"
    ci = median_ci(values) if values else None
    if ci:
        s["ci"] = list(ci)
        # The interval reaching across the limit: another run may well
        # put the median on the other side.
        if ci[0] <= limit <= ci[1]:
            row["verdict"] += ", level (the 95 % CI spans the limit)"
    if s["n"] < MIN_REPS:
        row["verdict"] += f" ({s['n']} reps < {MIN_REPS}: provisional)"
    return row


def fmt_ns(v):
    if v >= 1e6:
        return f"{v / 1e6:.2f} ms"
    if v >= 1e3:
        return f"{v / 1e3:.2f} us"
    return f"{v:.0f} ns"


def fmt_ratio(s):
    if not s:
        return "-"
    return f"{s['median']:.3f} ({s['min']:.2f}-{s['max']:.2f})"


def fmt_ci(s, scale=1.0, digits=3):
    if not s or "ci" not in s:
        return "-"
    return f"{s['ci'][0] * scale:.{digits}f}-{s['ci'][1] * scale:.{digits}f}"


def wl_key(wl):
    parts = wl.split(".")
    last = parts[-1]
    return (parts[0], ".".join(parts[1:-1]), int(last) if last.isdigit() else 0, wl)


def markdown(meta, summ, goal_rows, skips, fails, dmesg):
    md = [f"# shmdev benchmark results, {meta['date']}", ""]
    md += [f"- Machine: {meta['machine']}",
           f"- Kernels: {', '.join(sorted(summ))}",
           f"- Command: `{meta['command']}`",
           f"- Boots per kernel: {meta['boots']}; measurements: {meta['records']}",
           f"- Host load average (1 min) when each boot ended: {meta['host_load']} "
           "(the host has 2 CPUs; above about 2 other work competed with the guest)",
           "- Figures are times (lower is better).  A ratio is shmdev's time over the peer's "
           "in the same rep of the same boot; the tables give the median of those paired "
           "ratios and their range (min-max).  Under TCG only ratios mean anything, "
           "never absolute times.", ""]
    md += ["## Goals", "",
           "| kernel | goal | shmdev / peer, median (range) | 95 % CI of the median | reps | verdict |",
           "|---|---|---|---|---|---|"]
    for g in goal_rows:
        s = g["summary"]
        if g["id"] == "ring-kfrac":
            fig = (f"{s['median'] * 100:.4f} % ({s['min'] * 100:.4f}-{s['max'] * 100:.4f})"
                   if s else "-")
            ci = fmt_ci(s, 100, 4) + (" %" if s and "ci" in s else "")
        else:
            fig = fmt_ratio(s)
            ci = fmt_ci(s)
        md.append(f"| {g['kernel']} | {g['goal']} | {fig} | {ci} | {s['n'] if s else 0} | "
                  f"{g['verdict']} |")
    md.append("")
    for kernel in sorted(summ):
        md += [f"## {kernel}", ""]
        for wl in sorted(summ[kernel], key=wl_key):
            e = summ[kernel][wl]
            prim = e["primary"]
            md += [f"### {wl}", "",
                   f"| impl | median | range | {prim} / impl | extra |",
                   "|---|---|---|---|---|"]
            for impl in sorted(e["impls"], key=lambda i: (i != prim, i)):
                x = e["impls"][impl]
                extra = []
                if "kfrac" in x:
                    t = f"kernel entries {x['kfrac']['median'] * 100:.3f} %"
                    if "prod_frac" in x and "cons_frac" in x:
                        t += (f" (producer {x['prod_frac']['median'] * 100:.3f} %, "
                              f"consumer {x['cons_frac']['median'] * 100:.3f} %)")
                    extra.append(t)
                if "mibs" in x:
                    extra.append(f"{x['mibs']['median']:.0f} MiB/s")
                if "wake" in x:
                    extra.append(f"wake call {fmt_ns(x['wake']['median'])}")
                if "csw" in x:
                    extra.append(f"{x['csw']['median']:.2f} switches/round trip")
                if "p99" in x:
                    extra.append(f"p99 {fmt_ns(x['p99']['median'])}")
                ns = x["ns"]
                md.append(f"| {impl} | {fmt_ns(ns['median'])} | {fmt_ns(ns['min'])}-"
                          f"{fmt_ns(ns['max'])} | {fmt_ratio(x.get('ratio'))} | "
                          f"{'; '.join(extra)} |")
            md.append("")
    md += scale_md(summ)
    if skips or fails or dmesg:
        md += ["## Not measured, failures, kernel messages", ""]
        seen = set()
        for s in skips:
            key = (s.get("kernel"), s.get("wl"), s.get("impl"), s.get("why"))
            if key not in seen:
                seen.add(key)
                md.append(f"- skipped: {s.get('kernel')} {s.get('wl')} {s.get('impl')}: "
                          f"{s.get('why', '').replace('_', ' ')}")
        for f in fails:
            md.append(f"- FAILED: {f.get('kernel')} rep {f.get('rep')} {f.get('wl')}: "
                      f"exit status {f.get('rc')}")
        for d in dmesg:
            md.append(f"- dmesg ({d['kernel']}, {d['log']}): `{d['line']}`")
        md.append("")
    return "\n".join(md)


SCALE_TEXT = {
    "waiters": ("ns per waiter woken, N waiters on one channel (futex)",
                "O(N) in all (one wake-up per waiter): the per-waiter cost "
                "should not grow"),
    "epoll": ("ns per signal + epoll_wait + ACK, N files in the set",
              "O(1): only the ready file is visited"),
    "create": ("mean ns per create with up to N alive",
               "shmdev: the name is looked up in a fixed 256-bucket hash "
               "(O(N/256)) and the id goes into an xarray (O(log N))"),
    "destroy": ("mean ns per destroy of N",
                "shmdev: the same hash and xarray"),
}


def scale_points(summ, kernel):
    """{family: {impl: [(N, per-op ns)]}} of the scale workloads."""
    fams = {}
    for wl, e in summ.get(kernel, {}).items():
        m = re.match(r"scale\.(\w+)\.(\d+)$", wl)
        if not m:
            continue
        n = int(m.group(2))
        for impl, x in e["impls"].items():
            v = x["ns"]["median"] / (n if m.group(1) == "waiters" else 1)
            fams.setdefault(m.group(1), {}).setdefault(impl, []).append((n, v))
    for impls in fams.values():
        for pts in impls.values():
            pts.sort()
    return fams


def scale_md(summ):
    """Per-op cost at each N, and how it grew from the smallest N to the largest."""
    md = []
    for kernel in sorted(summ):
        fams = scale_points(summ, kernel)
        if not fams:
            continue
        md += [f"## Scale, {kernel}", "",
               "Medians over reps. growth: per-op cost at the largest N over the "
               "smallest (1.0 = constant per op).", ""]
        for fam in sorted(fams):
            what, expect = SCALE_TEXT.get(fam, (fam, ""))
            ns_all = sorted({n for pts in fams[fam].values() for n, _ in pts})
            md += [f"### {fam}: {what}; {expect}", "",
                   "| impl | " + " | ".join(f"N={n}" for n in ns_all) + " | growth |",
                   "|---|" + "---|" * (len(ns_all) + 1)]
            for impl, pts in sorted(fams[fam].items()):
                d = dict(pts)
                cells = [fmt_ns(d[n]) if n in d else "-" for n in ns_all]
                growth = pts[-1][1] / pts[0][1] if len(pts) > 1 and pts[0][1] else float("nan")
                md.append(f"| {impl} | " + " | ".join(cells) + f" | {growth:.2f} |")
            md.append("")
    return md


# ---- SVG (hand-written: no plotting library on the machines)

def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def svg_doc(w, h, body, title):
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
            f'font-family="sans-serif" font-size="11">\n<title>{esc(title)}</title>\n'
            f'<rect width="{w}" height="{h}" fill="white"/>\n'
            f'<text x="10" y="16" font-size="13" font-weight="bold">{esc(title)}</text>\n'
            + "\n".join(body) + "\n</svg>\n")


def log_axis(lo, hi, x0, x1):
    lo, hi = math.log10(lo), math.log10(hi)
    if hi - lo < 1e-9:
        lo, hi = lo - 0.5, hi + 0.5
    return lambda v: x0 + (math.log10(v) - lo) / (hi - lo) * (x1 - x0), 10 ** lo, 10 ** hi


def ticks(lo, hi):
    out = []
    for e in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1):
        for m in (1, 2, 5):
            v = m * 10 ** e
            if lo <= v <= hi:
                out.append(v)
    return out


def ratio_svg(kernel, by):
    """Per-rep paired ratios of each goal, a strip per goal, with its limit."""
    rows = []
    for gid, text, wl, mine, peer, limit in GOALS:
        a = by.get(kernel, {}).get(wl, {}).get(mine, {})
        b = by.get(kernel, {}).get(wl, {}).get(peer, {})
        vals = paired(a, b)
        if vals:
            rows.append((f"{wl}: {mine} / {peer}", vals, limit))
    if not rows:
        return None
    allv = [v for _, vals, lim in rows for v in vals + [lim]]
    x0, x1, top, rh = 330, 860, 40, 24
    sx, lo, hi = log_axis(min(allv) / 1.3, max(allv) * 1.3, x0, x1)
    body = []
    h = top + rh * len(rows) + 40
    for v in ticks(lo, hi):
        x = sx(v)
        body.append(f'<line x1="{x:.1f}" y1="{top - 5}" x2="{x:.1f}" y2="{h - 35}" '
                    f'stroke="#ddd"/><text x="{x:.1f}" y="{h - 22}" text-anchor="middle">'
                    f'{v:g}x</text>')
    for i, (label, vals, limit) in enumerate(rows):
        y = top + rh * i + rh / 2
        body.append(f'<text x="{x0 - 8}" y="{y + 4:.1f}" text-anchor="end">{esc(label)}</text>')
        xl = sx(limit)
        body.append(f'<line x1="{xl:.1f}" y1="{y - 9:.1f}" x2="{xl:.1f}" y2="{y + 9:.1f}" '
                    f'stroke="#c00" stroke-width="2"/>')
        med = statistics.median(vals)
        colour = "#080" if med <= limit else "#c00"
        for v in vals:
            body.append(f'<circle cx="{sx(v):.1f}" cy="{y:.1f}" r="3" fill="{colour}" '
                        f'fill-opacity="0.45"/>')
        xm = sx(med)
        body.append(f'<line x1="{xm:.1f}" y1="{y - 7:.1f}" x2="{xm:.1f}" y2="{y + 7:.1f}" '
                    f'stroke="black" stroke-width="2"/>')
    body.append(f'<text x="{x0}" y="{h - 6}">dots: per-rep ratios (shmdev time / peer time); '
                f'black: median; red: the goal\'s limit (log scale)</text>')
    return svg_doc(900, h, body, f"shmdev / peer, paired per rep, {kernel}")


def latency_svg(kernel, wl, summ):
    """Round-trip percentiles: p1-p99 whiskers, p25-p75 box, p50 bar."""
    e = summ.get(kernel, {}).get(wl)
    if not e:
        return None
    rows = [(i, x) for i, x in sorted(e["impls"].items()) if "p50" in x]
    if not rows:
        return None
    vals = [x[k]["median"] for _, x in rows for k in ("p1", "p99")]
    x0, x1, top, rh = 130, 860, 40, 22
    sx, lo, hi = log_axis(max(min(vals) / 1.3, 1), max(vals) * 1.3, x0, x1)
    h = top + rh * len(rows) + 40
    body = []
    for v in ticks(lo, hi):
        x = sx(v)
        body.append(f'<line x1="{x:.1f}" y1="{top - 5}" x2="{x:.1f}" y2="{h - 35}" '
                    f'stroke="#ddd"/><text x="{x:.1f}" y="{h - 22}" text-anchor="middle">'
                    f'{esc(fmt_ns(v))}</text>')
    for i, (impl, x) in enumerate(rows):
        y = top + rh * i + rh / 2
        p = {k: sx(x[k]["median"]) for k in ("p1", "p10", "p25", "p50", "p75", "p90", "p99")}
        colour = "#06c" if impl.startswith("shmdev") else "#888"
        body.append(f'<text x="{x0 - 8}" y="{y + 4:.1f}" text-anchor="end">{esc(impl)}</text>')
        body.append(f'<line x1="{p["p1"]:.1f}" y1="{y:.1f}" x2="{p["p99"]:.1f}" y2="{y:.1f}" '
                    f'stroke="{colour}"/>')
        body.append(f'<rect x="{p["p10"]:.1f}" y="{y - 4:.1f}" width="{p["p90"] - p["p10"]:.1f}" '
                    f'height="8" fill="{colour}" fill-opacity="0.25"/>')
        body.append(f'<rect x="{p["p25"]:.1f}" y="{y - 7:.1f}" width="{p["p75"] - p["p25"]:.1f}" '
                    f'height="14" fill="{colour}" fill-opacity="0.6"/>')
        body.append(f'<line x1="{p["p50"]:.1f}" y1="{y - 9:.1f}" x2="{p["p50"]:.1f}" '
                    f'y2="{y + 9:.1f}" stroke="black" stroke-width="2"/>')
    body.append(f'<text x="{x0}" y="{h - 6}">line p1-p99, light p10-p90, box p25-p75, bar '
                f'p50 (each the median over reps; log scale)</text>')
    return svg_doc(900, h, body, f"{wl} round-trip latency, {kernel}")


def scale_svg(kernel, summ):
    """Per-op cost against N for each scale family, log-log."""
    fams = scale_points(summ, kernel)
    if not fams:
        return None
    pw, ph, body = 270, 200, []
    palette = ["#06c", "#c60", "#393", "#939"]
    for fi, (fam, impls) in enumerate(sorted(fams.items())):
        ox, oy = 50 + fi * (pw + 40), 50
        pts = [p for v in impls.values() for p in v]
        sx, nlo, nhi = log_axis(min(p[0] for p in pts) / 1.5, max(p[0] for p in pts) * 1.5,
                                ox, ox + pw)
        sy0, vlo, vhi = log_axis(min(p[1] for p in pts) / 1.5, max(p[1] for p in pts) * 1.5,
                                 0, ph)

        def sy(v, sy0=sy0):
            return oy + ph - sy0(v)
        body.append(f'<rect x="{ox}" y="{oy}" width="{pw}" height="{ph}" fill="none" '
                    f'stroke="#999"/>')
        body.append(f'<text x="{ox}" y="{oy - 8}" font-weight="bold">{fam}: ns per '
                    f'{"waiter woken" if fam == "waiters" else "op"} vs N</text>')
        for v in ticks(vlo, vhi):
            body.append(f'<text x="{ox - 4}" y="{sy(v) + 4:.1f}" text-anchor="end">'
                        f'{esc(fmt_ns(v))}</text>')
        for v in sorted({p[0] for p in pts}):
            body.append(f'<text x="{sx(v):.1f}" y="{oy + ph + 14}" text-anchor="middle">'
                        f'{v}</text>')
        for ii, (impl, ptl) in enumerate(sorted(impls.items())):
            c = palette[ii % len(palette)]
            ptl.sort()
            path = " ".join(f"{sx(n):.1f},{sy(v):.1f}" for n, v in ptl)
            body.append(f'<polyline points="{path}" fill="none" stroke="{c}" stroke-width="2"/>')
            body.append(f'<text x="{ox + 6}" y="{oy + 14 + 13 * ii}" fill="{c}">{esc(impl)}</text>')
    return svg_doc(60 + len(fams) * (pw + 40), ph + 90, body,
                   f"scale: cost per operation against N, {kernel}")


README_BEGIN = "<!-- bench-results-begin: made by scripts/bench-report.py -->"
README_END = "<!-- bench-results-end -->"


def readme_section(meta, goal_rows, where):
    """The goals, one column per kernel, for the README's Performance section."""
    kernels = sorted({g["kernel"] for g in goal_rows})
    out = [f"Measured {meta['date']} on {meta['machine']} with `{meta['command']}`; "
           f"boots per kernel: {meta['boots']}; host load average "
           f"{meta['host_load']}. Full tables and plots: [{where}/results.md]"
           f"({where}/results.md).", "",
           "| goal | " + " | ".join(kernels) + " |",
           "|---|" + "---|" * len(kernels)]
    for gid in [g[0] for g in GOALS] + ["ring-kfrac"]:
        rows = {g["kernel"]: g for g in goal_rows if g["id"] == gid}
        text = next(iter(rows.values()))["goal"]
        cells = []
        for k in kernels:
            g = rows.get(k)
            s = g["summary"] if g else None
            if not s:
                cells.append("not measured")
            elif gid == "ring-kfrac":
                cells.append(f"{s['median'] * 100:.3f} %: {g['verdict']}")
            else:
                cells.append(f"{s['median']:.2f}x ({s['min']:.2f}-{s['max']:.2f}): "
                             f"{g['verdict']}")
        out.append(f"| {text} | " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


def update_readme(path, section):
    text = open(path).read()
    # The begin marker's comment text may vary: match up to its line's end.
    b = text.find(README_BEGIN.split(":")[0])
    e = text.find(README_END)
    if b < 0 or e < b:
        print(f"bench-report.py: {path} has no {README_BEGIN} ... {README_END} "
              "markers; README not updated", file=sys.stderr)
        return False
    b = text.index("\n", b) + 1
    text = text[:b] + section + text[e:]
    with open(path, "w") as f:
        f.write(text)
    return True


def slug(s):
    return re.sub(r"[^A-Za-z0-9.]+", "-", s).strip("-")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="directory for the results")
    ap.add_argument("--machine", default="unknown machine")
    ap.add_argument("--command", default="make bench")
    ap.add_argument("--date", default=datetime.datetime.now(datetime.timezone.utc)
                    .strftime("%Y-%m-%d"))
    ap.add_argument("--readme", help="README to update between the bench-results markers")
    ap.add_argument("logs", nargs="+", help="console logs (plain or .gz)")
    a = ap.parse_args()
    for p in a.logs:
        if not os.path.isfile(p):
            print(f"bench-report.py: no log file {p}", file=sys.stderr)
            return 2
    recs, skips, fails, dmesg, kernels, loads = parse_logs(a.logs)
    if not recs:
        print("bench-report.py: no BENCH lines in the logs (did the guest run "
              "shmdev-bench? see the logs' ends)", file=sys.stderr)
        return 1
    by, summ = analyse(recs)
    grows = goals(by)
    boots = ", ".join(f"{k}: {len(v['boots'])} (clock {v['clocksource']})"
                      for k, v in sorted(kernels.items()))
    loads = [x for x in loads if x == x]
    meta = {"date": a.date, "machine": a.machine, "command": a.command,
            "boots": boots, "records": len(recs),
            "host_load": (f"{min(loads):.1f}-{max(loads):.1f}" if loads else "not recorded")}
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "results.json"), "w") as f:
        # Compact: the records make most of it (about 2,000 a run).
        json.dump({"meta": meta, "goals": grows, "summary": summ, "records": recs,
                   "skipped": skips, "failed": fails, "dmesg": dmesg}, f,
                  separators=(",", ":"), sort_keys=True)
    md = markdown(meta, summ, grows, skips, fails, dmesg)
    plots = []
    for kernel in sorted(summ):
        k = slug(kernel)
        for name, svg in ((f"ratios-{k}.svg", ratio_svg(kernel, by)),
                          (f"latency-cross-{k}.svg", latency_svg(kernel, "pingpong.cross", summ)),
                          (f"latency-same-{k}.svg", latency_svg(kernel, "pingpong.same", summ)),
                          (f"scale-{k}.svg", scale_svg(kernel, summ))):
            if svg:
                with open(os.path.join(a.out, name), "w") as f:
                    f.write(svg)
                plots.append(name)
    md += "\n## Plots\n\n" + "\n".join(f"![{p}]({p})" for p in plots) + "\n"
    with open(os.path.join(a.out, "results.md"), "w") as f:
        f.write(md)
    if a.readme:
        where = os.path.relpath(os.path.abspath(a.out),
                                os.path.dirname(os.path.abspath(a.readme)))
        if not update_readme(a.readme, readme_section(meta, grows, where)):
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
