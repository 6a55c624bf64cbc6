"""Side-by-side comparisons (tools/compare, make compare): the arithmetic and the summary.

A comparison runs the same job file on the same topology with two or more sides, rounds
interleaved (A B A B ...). Each round of each side yields one figure per metric and job
(figures()); merge() gathers the rounds into medians and min-max spreads; ratios() divides
every other side's medians by the first side's (B/A); table() prints them, one table per job.
Pure: nothing here runs QEMU.
"""
import math

# (key, heading, unit); percentiles are fio's clat_ns.percentile keys
METRICS = [
    ("iops", "IOPS", ""),
    ("bw_mib", "BW", "MiB/s"),
    ("p50_us", "clat p50", "µs"),
    ("p99_us", "clat p99", "µs"),
    ("p99.9_us", "clat p99.9", "µs"),
]
PERCENTILES = {"p50_us": "50.000000", "p99_us": "99.000000", "p99.9_us": "99.900000"}
# guest instructions per I/O under -icount shift=0 (1 ns of guest time per instruction)
ICOUNT_METRIC = ("instr_per_io", "guest instr/I/O", "")
DIRECTIONS = ("read", "write")


class CompareError(ValueError):
    pass


def median(values):
    """The median (the mean of the middle two of an even count); CompareError when empty."""
    xs = sorted(v for v in values if v is not None)
    if not xs:
        raise CompareError("median of no values")
    mid = len(xs) // 2
    return xs[mid] if len(xs) % 2 else (xs[mid - 1] + xs[mid]) / 2.0


def ratio(b, a):
    """b / a, or None when either is missing or a is 0."""
    if a is None or b is None or a == 0:
        return None
    return b / a


def _num(obj, key, where):
    value = obj.get(key) if isinstance(obj, dict) else None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise CompareError("%s: \"%s\" is %r, not a number" % (where, key, value))
    return value


def figures(job, kind, where):
    """One round's figures of one job, from its fio-layout JSON (lunbench's or fio's own).

    IOPS and bandwidth add both directions; percentiles are the busier direction's. kind
    "lunbench": instr_per_io is the driver's cycles per I/O (TSC cycles, which -icount makes
    guest instructions); kind "linux": fio's usr_cpu + sys_cpu (percent of job_runtime, in ms)
    as virtual nanoseconds, divided by the I/Os."""
    if not isinstance(job, dict):
        raise CompareError("%s: not a job object" % where)
    dirs = {}
    for d in DIRECTIONS:
        if d in job:
            dirs[d] = job[d]
    if not dirs:
        raise CompareError("%s: no read or write section" % where)
    ios = {d: _num(v, "total_ios", "%s.%s" % (where, d)) for d, v in dirs.items()}
    total = sum(ios.values())
    out = {"ios": total,
           "iops": sum(_num(v, "iops", "%s.%s" % (where, d)) for d, v in dirs.items()),
           "bw_mib": sum(_num(v, "bw_bytes", "%s.%s" % (where, d)) for d, v in dirs.items()) / float(1 << 20)}
    busy = max(dirs, key=lambda d: ios[d])
    pct = dirs[busy].get("clat_ns", {}).get("percentile") if total else None
    for key, name in PERCENTILES.items():
        if pct is None:
            out[key] = None
        else:
            out[key] = _num(pct, name, "%s.%s.clat_ns.percentile" % (where, busy)) / 1000.0
    if kind == "lunbench":
        lb = job.get("lunbench")
        out["instr_per_io"] = _num(lb, "driver_cycles_per_io", where + ".lunbench") if isinstance(lb, dict) else None
    elif kind == "linux":
        cpu = _num(job, "usr_cpu", where) + _num(job, "sys_cpu", where)
        runtime_ms = _num(job, "job_runtime", where)
        out["instr_per_io"] = cpu / 100.0 * runtime_ms * 1e6 / total if total else None
    else:
        raise CompareError("unknown kind %r" % kind)
    return out


def doc_figures(doc, kind, where):
    """{job name: figures} of one round's results document, in job order."""
    jobs = doc.get("jobs") if isinstance(doc, dict) else None
    if not isinstance(jobs, list) or not jobs:
        raise CompareError("%s: no \"jobs\" list" % where)
    out = {}
    for i, job in enumerate(jobs):
        name = job.get("jobname") if isinstance(job, dict) else None
        if not isinstance(name, str):
            raise CompareError("%s: jobs[%d] has no jobname" % (where, i))
        if name in out:
            raise CompareError("%s: job %r twice" % (where, name))
        out[name] = figures(job, kind, "%s: job '%s'" % (where, name))
    return out


def merge(rounds, jobs, where):
    """One side's rounds ([{job: figures}], one per round) as {job: {"rounds": [figures],
    "median": {metric: m}, "min": {...}, "max": {...}}} over jobs (the job file's names, in
    order). A round that lacks a job, or holds one the job file does not, is an error naming both."""
    if not rounds:
        raise CompareError("%s: no rounds" % where)
    for r, figs in enumerate(rounds, 1):
        missing = [j for j in jobs if j not in figs]
        extra = [j for j in figs if j not in jobs]
        if missing or extra:
            raise CompareError("%s: round %d: %s" % (where, r, "; ".join(
                (["no job %s" % ", ".join(missing)] if missing else []) +
                (["job %s not in the job file" % ", ".join(extra)] if extra else []))))
    out = {}
    for j in jobs:
        per = [figs[j] for figs in rounds]
        keys = sorted({k for f in per for k in f})
        summary = {"rounds": per, "median": {}, "min": {}, "max": {}}
        for k in keys:
            vals = [f.get(k) for f in per if f.get(k) is not None]
            if not vals:
                summary["median"][k] = summary["min"][k] = summary["max"][k] = None
                continue
            summary["median"][k] = median(vals)
            summary["min"][k] = min(vals)
            summary["max"][k] = max(vals)
        out[j] = summary
    return out


def ratios(merged, base):
    """{side: {job: {metric: median(side) / median(base)}}} for every side but base.
    merged: {side: merge()'s result}."""
    out = {}
    for side, jobs in merged.items():
        if side == base:
            continue
        out[side] = {}
        for j, s in jobs.items():
            a = merged[base][j]["median"]
            out[side][j] = {k: ratio(v, a.get(k)) for k, v in s["median"].items() if k != "ios"}
    return out


def discovery_ratios(sides, base):
    """{side: its median discovery time / base's} for every other side that reported one (None
    where base did not). sides: {side: summary.json's side object, with discovery_ms's median}."""
    a = (sides.get(base) or {}).get("discovery_ms", {}).get("median")
    return {s: ratio(info["discovery_ms"]["median"], a) for s, info in sides.items()
            if s != base and "discovery_ms" in info}


def load_note(loads, cpus):
    """summary.md's line on the host's 1-minute load averages as the rounds started (a non-empty
    list): it says so when the host was busier than its CPUs, since then the rates, and the
    ratios of a side that spins against one that halts, are the host's as much as the sides'."""
    return "host: %d CPUs; its 1-minute load average as the rounds started: median %s, max %s%s" % (
        cpus, fmt(median(loads)), fmt(max(loads)),
        " (busier than its CPUs: the rates and their ratios are the host's as much as the sides')"
        if max(loads) > cpus else "")


def fmt(value, unit=""):
    """A figure as the table prints it: 3 significant figures, whole numbers above 1000."""
    if value is None:
        return "-"
    if abs(value) >= 1000:
        return "{:,.0f}".format(value)
    if abs(value) >= 100:
        return "%.0f" % value
    if abs(value) >= 10:
        return "%.1f" % value
    return "%.2f" % value


def table(merged, sides, jobs, icount=False):
    """Markdown: one table per job, a row per metric, per side its median [min-max] over the
    rounds, then B/A for each side after the first."""
    base = sides[0]
    rat = ratios(merged, base)
    metrics = METRICS + ([ICOUNT_METRIC] if icount else [])
    out = []
    for j in jobs:
        n = len(merged[base][j]["rounds"])
        out += ["### %s (%d rounds each)" % (j, n), "",
                "| metric | " + " | ".join(sides) + "".join(" | %s/%s" % (s, base) for s in sides[1:]) + " |",
                "|---|" + "---:|" * (len(sides) * 2 - 1)]
        for key, name, unit in metrics:
            cells = []
            for s in sides:
                m = merged[s][j]
                cells.append("%s [%s–%s]" % (fmt(m["median"].get(key)), fmt(m["min"].get(key)), fmt(m["max"].get(key))))
            for s in sides[1:]:
                r = rat[s][j].get(key)
                cells.append("-" if r is None else "%.3g" % r)
            out.append("| %s%s | %s |" % (name, " (%s)" % unit if unit else "", " | ".join(cells)))
        out.append("")
    return "\n".join(out)
