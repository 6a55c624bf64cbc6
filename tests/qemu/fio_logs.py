"""The fio-logs kind of QEMU test: a job file with fio's log options (write_lat_log=, ...) booted
through tools/lunbench-run, which writes the log files the guest sends on COM2 into the run's
directory; then fio's own tools read them. Keys:

  job        the job file (relative to the repository root)
  topology   HBAs, one per line, in lunbench-run's --hba syntax
  files      the log files the run must write, exactly (fio's names); none where it is left out
  checks     what else is asserted, any of:
               every-io   every log has one line per accounted I/O of its job (the JSON's
                          total_ios), and line by line lat = clat + slat, bw = bytes * 10^6 / clat,
                          iops 1, the same time, direction, block size (and offset) in each
               averaged   block size 0 on every line; a latency log's lines one per direction
                          and log_avg_msec window (and the windows open at the job's end), a bw
                          or iops log's at least log_avg_msec apart
               fio-twin   fio itself (ioengine=null on /dev/null) runs the same job file: it must
                          write files of the same names, whose lines have the same shape (the
                          number of fields, the directions, block sizes and priority column)
               plots      fio_generate_plots draws every lat/clat/slat/bw/iops log: its SVGs plot
                          a point for each line where every line has a time of its own (gnuplot
                          draws a point at the same place as the one before it once), else at
                          least half of them
               hist       fiologparser_hist.py (Debian's fio package) reads the clat_hist log:
                          its sample count is the bins' in the file, at least half the job's
                          I/Os (fio writes nothing for the last, unfinished period) and no bin
                          holds more than the JSON's json+ bin; its median is the bins' within 3%
               terse      terse.txt (output_format with terse) holds one line per entry of the
                          JSON's jobs, each fio's terse v3: 121 fields (3 more with
                          continue_on_error and a description), every field at fio's position
                          the JSON's value in fio's unit (KiB, KiB/s, ms, us), and the same count
                          of fields as fio's own terse line for the same job file (fio on
                          ioengine=null)
               json       output_format json: results.json holds no "bins" but the
                          percentiles, and the console no normal report
               json+      output_format json+: every clat_ns with I/Os has bins that sum to its
                          N, at fio's bin values (plat_idx_to_val), and fio_jsonplus_clat2csv
                          (Debian's fio package) reads the document: its CSV's counts sum to
                          each job's I/Os
               status     status-interval.json (status_interval=N in append) holds fio's
                          periodic documents one after another: one per N s of each job, each of
                          the jobs so far, their I/Os and runtimes growing (cumulative, as fio's),
                          never past the final results.json's
  append     lunbench's command line
  output_format  passed as tools/lunbench-run --output-format (fio's list)
  timeout    seconds for the boot (default 120)
Everything a run wrote is in build/test-logs/<test>.work/.
"""
import glob
import gzip
import json
import os
import re
import shutil
import subprocess
import sys

from harness import Outcome, Skip
from lunbench import ROOT, contract

KEYS = {"job", "topology", "files", "checks", "timeout", "append", "output_format"}
CHECKS = {"every-io", "averaged", "fio-twin", "plots", "hist", "status", "terse", "json", "json+"}
LAUNCHER = os.path.join(ROOT, "tools", "lunbench-run")
HIST_PARSER = "/usr/share/doc/fio/fiologparser_hist.py.gz"
PLOTTED = ("lat", "clat", "slat", "bw", "iops")
HIST_BINS = contract.HIST_PLAT_GROUP_NR << contract.HIST_PLAT_BITS


def config_errors(test):
    errors = ["unknown check %r (one of %s)" % (c, ", ".join(sorted(CHECKS)))
              for c in test.get("checks", "").split() if c not in CHECKS]
    if not test.get("job") or not (test.lines("files") or test.get("output_format")):
        errors.append("job and files are needed (files may be left out with output_format: then none is written)")
    return errors


def log_lines(path):
    """Every line of a log as a list of its fields (strings), checking fio's ", " separators."""
    with open(path, encoding="ascii") as f:
        text = f.read()
    if text and not text.endswith("\n"):
        raise ValueError("%s: the last line has no newline" % os.path.basename(path))
    rows = []
    for n, line in enumerate(text.splitlines(), 1):
        fields = line.split(", ")
        if not all(re.fullmatch(r"\d+|0x[0-9a-f]{4}", f) for f in fields):
            raise ValueError("%s:%d: not fio's format: %r" % (os.path.basename(path), n, line[:80]))
        rows.append(fields)
    return rows


def job_options(job_file):
    """{job name: {option: value}} from a job file, [global] folded in (enough for the checks)."""
    jobs, glob_opts, cur = {}, {}, None
    with open(job_file) as f:
        for raw in f:
            line = re.split(r"[;#]", raw, 1)[0].strip()
            if not line:
                continue
            if line.startswith("["):
                name = line.strip("[]").strip()
                cur = glob_opts if name == "global" else jobs.setdefault(name, dict(glob_opts))
                continue
            key, _, value = line.partition("=")
            cur[key.strip()] = value.strip()
    return jobs


def shape(rows, hist):
    """What fio's format fixes about a log's lines: fields per line, the directions, block sizes
    and (not for a histogram) the priority column's values."""
    if not rows:
        return None
    return (frozenset(len(r) for r in rows), frozenset(r[1 if hist else 2] for r in rows),
            frozenset(r[2 if hist else 3] for r in rows), None if hist else frozenset(r[-1] for r in rows))


LOG_OPTION = {"lat": "write_lat_log", "clat": "write_lat_log", "slat": "write_lat_log", "bw": "write_bw_log",
              "iops": "write_iops_log"}


def log_name(name, options, kind, number):
    """HOWTO write_bw_log: PREFIX_TYPE.N.log (PREFIX_TYPE.log with per_job_logs=0), PREFIX the
    option's value or the job's name."""
    prefix = options.get(LOG_OPTION[kind]) or name
    return "%s_%s.log" % (prefix, kind) if options.get("per_job_logs") == "0" else "%s_%s.%d.log" % (prefix, kind, number)


def check_every_io(run_dir, job_file, doc, problems):
    for number, ((name, options), job) in enumerate(zip(job_options(job_file).items(), doc["jobs"]), 1):
        ios = job["read"]["total_ios"] + job["write"]["total_ios"]
        logs = {}
        for kind in LOG_OPTION:
            path = os.path.join(run_dir, log_name(name, options, kind, number))
            if LOG_OPTION[kind] in options and os.path.exists(path):
                logs[kind] = log_lines(path)
                if len(logs[kind]) != ios:
                    problems.append("job %d: %s log has %d lines for %d I/Os" % (number, kind, len(logs[kind]), ios))
        if not logs:
            problems.append("job %d: no per-I/O logs found" % number)
        if not logs or problems:
            continue
        some = next(iter(logs.values()))
        for i in range(len(some)):
            for kind, rows in logs.items():
                if rows[i][:1] + rows[i][2:] != some[i][:1] + some[i][2:]:
                    problems.append("job %d line %d: %s log says %s, another %s" % (number, i + 1, kind, rows[i], some[i]))
                    return
            if "lat" in logs and "clat" in logs and "slat" in logs and \
                    int(logs["lat"][i][1]) != int(logs["clat"][i][1]) + int(logs["slat"][i][1]):
                problems.append("job %d line %d: lat %s is not clat + slat" % (number, i + 1, logs["lat"][i][1]))
                return
            if "bw" in logs and "clat" in logs and \
                    int(logs["bw"][i][1]) != int(logs["bw"][i][3]) * 1000000 // int(logs["clat"][i][1]):
                problems.append("job %d line %d: bw %s is not bytes * 10^6 / clat" % (number, i + 1, logs["bw"][i][1]))
                return
            if "iops" in logs and logs["iops"][i][1] != "1":
                problems.append("job %d line %d: iops %s is not 1" % (number, i + 1, logs["iops"][i][1]))
                return


def check_averaged(run_dir, job_file, files, problems):
    jobs = list(job_options(job_file).values())
    for name in files:
        m = re.search(r"_(lat|clat|slat|bw|iops)\.(\d+)\.log$", name)
        if not m:
            continue
        avg = int(jobs[int(m.group(2)) - 1].get("log_avg_msec", "0"))
        rows = log_lines(os.path.join(run_dir, name))
        if avg == 0 or not rows:
            problems.append("%s: no lines, or no log_avg_msec" % name)
            continue
        off = [r for r in rows if r[3] != "0"]
        last, end = {}, rows[-1][0]
        for r in rows:
            t = int(r[0])
            if r[2] in last:
                if m.group(1) in ("lat", "clat", "slat"):
                    # A window closes at its first I/O in a later window: one line per window,
                    # but for the windows still open at the job's end (fio's finalize_logs).
                    if t // avg <= last[r[2]] // avg and r[0] != end:
                        off.append(r)
                elif t - last[r[2]] < avg:  # fio's samples: avg_msec or more apart
                    off.append(r)
            last[r[2]] = t
        if off:
            problems.append("%s: %d lines off the %d ms windows or with a block size, first %s" % (
                name, len(off), avg, off[0]))


def run_fio_twin(job_file, twin, size, args):
    """fio itself (ioengine=null on /dev/null, size bytes) on the same job file, in the folder
    twin, its output in twin/fio.out; the finished process. Skip without fio."""
    if shutil.which("fio") is None:
        raise Skip("fio is not installed (Debian's fio package)")
    os.makedirs(twin)
    with open(job_file) as f:
        text = f.read()
    with open(os.path.join(twin, "twin.fio"), "w") as f:
        f.write("[global]\nioengine=null\nfilename=/dev/null\nsize=%s\n" % size + text)
    return subprocess.run(["fio"] + args + ["--output=fio.out", "twin.fio"], cwd=twin, capture_output=True, text=True,
                          timeout=120)


def check_fio_twin(run_dir, job_file, files, work, problems):
    twin = os.path.join(work, "fio-twin")
    p = run_fio_twin(job_file, twin, "64m", [])
    if p.returncode != 0:
        problems.append("fio on the same job failed (%d): %s" % (p.returncode, (p.stderr or p.stdout).strip()[:200]))
        return
    theirs = sorted(os.path.relpath(path, twin) for path in glob.glob(os.path.join(twin, "**", "*.log"), recursive=True))
    if theirs != sorted(files):
        problems.append("fio writes %s, lunbench %s" % (" ".join(theirs), " ".join(sorted(files))))
        return
    for name in files:
        hist = "_clat_hist" in name
        ours, fios = shape(log_lines(os.path.join(run_dir, name)), hist), shape(log_lines(os.path.join(twin, name)), hist)
        if ours != fios and None not in (ours, fios):
            problems.append("%s: lunbench's lines %s, fio's %s (fields, directions, block sizes, priority)" % (
                name, ours, fios))


def svg_points(svg):
    """Points of the first plotted line (line style 1), less the two of its key sample."""
    paths = re.findall(r"<path stroke='rgb\(228,\s*26,\s*28\)'\s+d='([^']*)'", svg)
    return sum(len(re.findall(r"[-\d.]+,[-\d.]+", d)) for d in paths) - 2


def check_plots(run_dir, files, problems):
    if shutil.which("fio_generate_plots") is None or shutil.which("gnuplot") is None:
        raise Skip("fio_generate_plots or gnuplot is not installed (Debian's fio and gnuplot-nox)")
    p = subprocess.run(["fio_generate_plots", "lunbench"], cwd=run_dir, capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        problems.append("fio_generate_plots failed (%d): %s" % (p.returncode, (p.stdout + p.stderr).strip()[-200:]))
        return
    for kind in PLOTTED:
        logs = [n for n in files if re.search(r"_%s(\.\d+)?\.log$" % kind, n)]
        if len(logs) != 1:
            continue
        svg_path = os.path.join(run_dir, "lunbench-%s.svg" % kind)
        if not os.path.exists(svg_path):
            problems.append("fio_generate_plots drew no %s" % os.path.basename(svg_path))
            continue
        with open(svg_path) as f:
            points = svg_points(f.read())
        rows = log_lines(os.path.join(run_dir, logs[0]))
        # gnuplot draws a point the same as the one before it (same time and value) only once, and
        # also merges points that land on the same pixel: exact where every line has a time of
        # its own, at least half of them otherwise.
        distinct = sum(1 for i, r in enumerate(rows) if i == 0 or r[:2] != rows[i - 1][:2])
        own_times = all(r[0] != rows[i - 1][0] for i, r in enumerate(rows) if i)
        if (points != distinct) if own_times else not distinct / 2 <= points <= distinct:
            problems.append("lunbench-%s.svg plots %d points of %s's %d (%d lines)" % (
                kind, points, logs[0], distinct, len(rows)))


def json_documents(text):
    """The JSON documents of a text that holds them one after another (fio's status output)."""
    decoder, pos, docs = json.JSONDecoder(), 0, []
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos == len(text):
            return docs
        doc, pos = decoder.raw_decode(text, pos)
        docs.append(doc)


def check_status(run_dir, job_file, append, final, problems):
    m = re.search(r"\bstatus_interval=(\d+)\b", append)
    if not m:
        problems.append("no status_interval= in append")
        return
    every_ms = int(m.group(1)) * 1000
    with open(os.path.join(run_dir, "status-interval.json")) as f:
        docs = json_documents(f.read())
    names = [j["jobname"] for j in final["jobs"]]
    runtimes = [int(options.get("runtime", "0")) * 1000 for options in job_options(job_file).values()]
    # A document every N s of each job's time; the one due as a job ends may come before its end.
    least = sum(max(r // every_ms - 1, 0) for r in runtimes)
    if not least <= len(docs) <= sum(r // every_ms for r in runtimes):
        problems.append("%d status documents for jobs of %s ms at every %d ms" % (len(docs), runtimes, every_ms))
    before = {}
    for n, doc in enumerate(docs, 1):
        jobs = doc.get("jobs", [])
        if [j["jobname"] for j in jobs] != names[:len(jobs)] or not jobs:
            problems.append("document %d lists jobs %s, not the first of %s" % (n, [j["jobname"] for j in jobs], names))
            return
        running = jobs[-1]
        ios = running["read"]["total_ios"] + running["write"]["total_ios"]
        prev = before.get(running["jobname"])
        if prev and (ios <= prev[0] or running["job_runtime"] <= prev[1]):
            problems.append("document %d: job %s at %d ms with %d I/Os, after %s" % (
                n, running["jobname"], running["job_runtime"], ios, prev))
        before[running["jobname"]] = (ios, running["job_runtime"])
        for job, done in zip(jobs, final["jobs"]):
            if job["read"]["total_ios"] + job["write"]["total_ios"] > done["read"]["total_ios"] + done["write"]["total_ios"]:
                problems.append("document %d: job %s has more I/Os than its final results" % (n, job["jobname"]))


def pandas_python():
    for python in dict.fromkeys([sys.executable, "/usr/bin/python3"]):
        if os.path.exists(python) and subprocess.run([python, "-c", "import numpy, pandas"],
                                                     capture_output=True).returncode == 0:
            return python
    return None


def check_hist(run_dir, doc, files, work, problems):
    python = pandas_python()
    if not os.path.exists(HIST_PARSER) or python is None:
        raise Skip("fiologparser_hist.py needs Debian's fio and python3-pandas")
    script = os.path.join(work, "fiologparser_hist.py")
    with gzip.open(HIST_PARSER) as src, open(script, "wb") as dst:
        dst.write(src.read())
    for number, job in enumerate(doc["jobs"], 1):
        hist = [n for n in files if n.endswith("_clat_hist.%d.log" % number)]
        if not hist:
            continue
        path = os.path.join(run_dir, hist[0])
        rows = log_lines(path)
        in_file = sum(int(v) for r in rows for v in r[3:])
        # One interval longer than the run: every line in it, unweighted.
        p = subprocess.run([python, script, "--noweight", "-i", "100000", path], capture_output=True, text=True,
                           timeout=120)
        out = [line.split(", ") for line in p.stdout.strip().splitlines()]
        if p.returncode != 0 or len(out) < 2 or out[0][:2] != ["end-time", "samples"]:
            problems.append("fiologparser_hist.py on %s failed (%d): %s" % (hist[0], p.returncode,
                                                                              (p.stderr or p.stdout)[-200:]))
            continue
        samples = sum(int(float(r[1])) for r in out[1:])
        ios = job["read"]["total_ios"] + job["write"]["total_ios"]
        if samples != in_file or not ios * 0.5 <= samples <= ios:
            problems.append("fiologparser_hist.py counts %d samples; the file holds %d, the job did %d I/Os" % (
                samples, in_file, ios))
        # The lines are deltas of the job's histogram: no bin holds more than the JSON's json+ bins.
        bins = [0] * HIST_BINS
        for r in rows:
            for i, v in enumerate(r[3:]):
                bins[i] += int(v)
        json_bins = {}
        for d in ("read", "write"):
            for value, count in job[d]["clat_ns"].get("bins", {}).items():
                json_bins[int(value)] = json_bins.get(int(value), 0) + count
        over = [i for i, n in enumerate(bins) if n > json_bins.get(bin_value(i), 0)]
        if over:
            problems.append("%s: bin %d (%d ns) holds %d I/Os, the JSON's %d" % (
                hist[0], over[0], bin_value(over[0]), bins[over[0]], json_bins.get(bin_value(over[0]), 0)))
        # Its median is the bins' (it interpolates within a bin: within 3%).
        half, seen = in_file / 2, 0
        for i, n in enumerate(bins):
            seen += n
            if seen >= half:
                break
        median = float(out[1][out[0].index("median")])
        if abs(median - bin_value(i)) > 0.03 * bin_value(i):
            problems.append("fiologparser_hist.py's median %.0f ns; the bins' is %d ns" % (median, bin_value(i)))


TERSE_DIR_FIELDS = 41  # per direction in version 3: read, then write (no trim)


def terse_rows(path):
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n").split(";") for line in f]


def check_terse_dir(where, row, at, ddir, problems):
    """The 41 fields of one direction from row[at], against the JSON's ddir object."""
    def near(i, want, what, rel=0.0, absolute=0.0):
        got = float(row[at + i].rstrip("%"))
        if abs(got - want) > max(rel * abs(want), absolute):
            problems.append("%s field %d (%s): %s, the JSON's %s" % (where, at + i + 1, what, row[at + i], want))
    runtime = ddir["runtime"]
    near(0, ddir["io_kbytes"], "KiB")
    near(1, ddir["bw"], "bw KiB/s", rel=0.01, absolute=1)  # ms against the JSON's ns runtime
    near(2, ddir["iops"], "IOPS", rel=0.01, absolute=1)
    near(3, runtime, "runtime ms")
    for off, key in ((4, "slat_ns"), (8, "clat_ns"), (32, "lat_ns")):
        lat = ddir[key]
        near(off, lat["min"] // 1000, key + " min us")
        near(off + 1, lat["max"] // 1000, key + " max us")
        near(off + 2, lat["mean"] / 1000, key + " mean us", absolute=1e-5)
        near(off + 3, lat["stddev"] / 1000, key + " stdev us", rel=1e-6, absolute=1e-5)
    # fio's: of lat where lat_percentiles is on, else of clat; 0 where nothing was measured (the
    # JSON then has no percentiles).
    pcts = ddir["lat_ns"].get("percentile") or ddir["clat_ns"].get("percentile") or {}
    for k in range(20):
        field = row[at + 12 + k]
        m = re.fullmatch(r"(\d+\.\d+)%=(\d+)|0%=0", field)
        if not m:
            problems.append("%s field %d: %r is not fio's P%%=us" % (where, at + 13 + k, field))
        elif m.group(1) is not None and int(m.group(2)) != pcts.get(m.group(1), 0 if not pcts else -1000) // 1000:
            problems.append("%s field %d: %s, the JSON's %s percentile %s ns" % (
                where, at + 13 + k, field, m.group(1), pcts.get(m.group(1))))
    near(36, ddir["bw_min"], "bw min")
    near(37, ddir["bw_max"], "bw max")
    near(38, ddir["bw_agg"], "bw agg %", absolute=1e-5)
    near(39, ddir["bw_mean"], "bw mean", absolute=1e-5)
    near(40, ddir["bw_dev"], "bw dev", rel=1e-6, absolute=1e-5)


def check_terse(run_dir, job_file, doc, work, problems):
    rows = terse_rows(os.path.join(run_dir, "terse.txt"))
    options = list(job_options(job_file).values())
    if len(rows) != len(doc["jobs"]):
        problems.append("terse.txt has %d lines for %d jobs" % (len(rows), len(doc["jobs"])))
        return
    for n, (row, job, opts) in enumerate(zip(rows, doc["jobs"], options), 1):
        where = "terse line %d" % n
        extra = (2 if "continue_on_error" in opts else 0) + (1 if opts.get("description") else 0)
        if len(row) != 121 + extra:
            problems.append("%s: %d fields, not %d" % (where, len(row), 121 + extra))
            continue
        head = [str(v) for v in (3, doc["fio version"], job["jobname"], job["groupid"], job["error"])]
        if row[:5] != head:
            problems.append("%s: begins %s, not %s" % (where, row[:5], head))
        check_terse_dir(where, row, 5, job["read"], problems)
        check_terse_dir(where, row, 5 + TERSE_DIR_FIELDS, job["write"], problems)
        cpu = 5 + 2 * TERSE_DIR_FIELDS
        depths = [float(v.rstrip("%")) for v in row[cpu + 5:cpu + 12]]
        want = [job["iodepth_level"][k] for k in ("1", "2", "4", "8", "16", "32", ">=64")]
        if any(abs(a - b) > 0.051 for a, b in zip(depths, want)):
            problems.append("%s: I/O depths %s, the JSON's %s" % (where, depths, want))
        lat = [float(v.rstrip("%")) for v in row[cpu + 12:cpu + 34]]
        want = [sum(job["latency_ns"].values()) + job["latency_us"]["2"]] + \
            [job["latency_us"][k] for k in ("4", "10", "20", "50", "100", "250", "500", "750", "1000")] + \
            list(job["latency_ms"].values())
        if any(abs(a - b) > 0.006 for a, b in zip(lat, want)):
            problems.append("%s: latency distribution %s, the JSON's %s" % (where, lat, want))
        if opts.get("description") and row[-1] != opts["description"]:
            problems.append("%s: ends %r, not the description %r" % (where, row[-1], opts["description"]))
    twin = os.path.join(work, "fio-twin-terse")
    p = run_fio_twin(job_file, twin, "16m", ["--output-format=terse"])
    if p.returncode != 0:
        problems.append("fio on the same job failed (%d): %s" % (p.returncode, (p.stderr or p.stdout).strip()[:200]))
        return
    theirs = [line for line in terse_rows(os.path.join(twin, "fio.out")) if line[0] == "3"]
    if [len(r) for r in theirs] != [len(r) for r in rows]:
        problems.append("fio's terse lines have %s fields, lunbench's %s" % ([len(r) for r in theirs],
                                                                           [len(r) for r in rows]))


def json_paths(obj, key, path=""):
    """Every path in obj whose last key is key."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == key:
                yield path + "." + k
            yield from json_paths(v, key, path + "." + k)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from json_paths(v, key, "%s[%d]" % (path, i))


def check_json(run_dir, doc, problems):
    bins = list(json_paths(doc, "bins"))
    if bins:
        problems.append("output-format=json, yet %s holds bins (json+ only)" % bins[0])
    if not any("percentile" in job[d]["clat_ns"] for job in doc["jobs"] for d in ("read", "write")):
        problems.append("no clat_ns percentiles in the JSON")
    with open(os.path.join(run_dir, "console.log")) as f:
        console = f.read()
    if re.search(r"^Run status group|^  (read|write): IOPS=", console, re.M):
        problems.append("output-format=json, yet the console holds the normal report")


def check_json_plus(run_dir, doc, work, problems):
    valid = {bin_value(i) for i in range(HIST_BINS)}
    for job in doc["jobs"]:
        for d in ("read", "write", "trim"):
            clat = job[d]["clat_ns"]
            if clat["N"] == 0:
                continue
            bins = {int(k): v for k, v in clat.get("bins", {}).items()}
            if sum(bins.values()) != clat["N"] or clat["N"] != job[d]["total_ios"]:
                problems.append("%s %s: bins sum to %d, N %d, total_ios %d" % (
                    job["jobname"], d, sum(bins.values()), clat["N"], job[d]["total_ios"]))
            odd = sorted(set(bins) - valid)
            if odd:
                problems.append("%s %s: bin %d is no bin value of fio's" % (job["jobname"], d, odd[0]))
    if shutil.which("fio_jsonplus_clat2csv") is None:
        raise Skip("fio_jsonplus_clat2csv is not installed (Debian's fio package)")
    src = os.path.join(run_dir, "results.json")
    dest = os.path.join(work, "clat.csv")
    p = subprocess.run(["fio_jsonplus_clat2csv", src, dest], capture_output=True, text=True, timeout=120)
    if p.returncode == 0:  # then its own check of the CSVs against the document
        p = subprocess.run(["fio_jsonplus_clat2csv", src, dest, "--validate"], capture_output=True, text=True,
                           timeout=120)
    outs = sorted(glob.glob(os.path.join(work, "clat_job*.csv")))
    if p.returncode != 0 or len(outs) != len(doc["jobs"]) or p.stdout.count("validated") != len(outs):
        problems.append("fio_jsonplus_clat2csv failed (%d) or wrote %d CSVs for %d jobs: %s" % (
            p.returncode, len(outs), len(doc["jobs"]), (p.stderr or p.stdout).strip()[:200]))
        return
    for out, job in zip(sorted(outs, key=lambda o: int(re.search(r"job(\d+)", o).group(1))), doc["jobs"]):
        with open(out) as f:
            header = [h.strip() for h in f.readline().split(",")]
            rows = [[float(v) if v.strip() else 0.0 for v in line.split(",")] for line in f if line.strip()]
        for d in ("read", "write"):
            key = d + "_clat_ns_count"
            col = header.index(key) if key in header else None
            got = sum(r[col] for r in rows) if col is not None else 0
            if got != job[d]["total_ios"]:
                problems.append("%s: fio_jsonplus_clat2csv counts %d %ss, the JSON %d" % (
                    os.path.basename(out), got, d, job[d]["total_ios"]))


def bin_value(index):
    """fio's plat_idx_to_val (stat.c): the middle of latency bin index, in ns."""
    bits = contract.HIST_PLAT_BITS
    if index < 2 << bits:
        return index
    error_bits = (index >> bits) - 1
    return (1 << (error_bits + bits)) + int(((index % (1 << bits)) + 0.5) * (1 << error_bits))


def run(test):
    work = test.work_dir()
    job_file = os.path.join(ROOT, test.get("job"))
    cmd = [sys.executable, LAUNCHER, "--job", job_file, "--results", work, "--no-plots",
           "--timeout", test.get("timeout", "120"), "--append", test.get("append", "")]
    if test.get("output_format"):
        cmd += ["--output-format", test.get("output_format")]
    for spec in test.lines("topology"):
        cmd += ["--hba", spec]
    p = subprocess.run(cmd, capture_output=True, text=True)
    with open(test.log, "w") as f:
        f.write("$ %s\n%s%s" % (" ".join(cmd), p.stdout, p.stderr))
    runs = [d for d in glob.glob(os.path.join(work, "*")) if os.path.isdir(d)]
    if p.returncode != 0 or len(runs) != 1:
        return Outcome(["lunbench-run exited %d (see %s)" % (p.returncode, test.log)])
    run_dir = runs[0]
    problems = ["lunbench-run: " + line for line in p.stderr.splitlines() if "log files:" in line]
    written = sorted(os.path.relpath(path, run_dir) for path in glob.glob(os.path.join(run_dir, "**", "*"),
                                                                          recursive=True)
                     if os.path.isfile(path) and os.path.basename(path) not in ("console.log", "command", "results.json"))
    want = sorted(test.lines("files"))
    if written != want:
        problems.append("log files written: %s; expected %s" % (" ".join(written) or "none", " ".join(want)))
        return Outcome(problems)
    with open(os.path.join(run_dir, "results.json")) as f:
        doc = json.load(f)  # the frames are gone from it: plain JSON
    checks = test.get("checks", "").split()
    try:
        if "every-io" in checks:
            check_every_io(run_dir, job_file, doc, problems)
        if "averaged" in checks:
            check_averaged(run_dir, job_file, want, problems)
        if "fio-twin" in checks:
            check_fio_twin(run_dir, job_file, want, work, problems)
        if "plots" in checks:
            check_plots(run_dir, want, problems)
        if "hist" in checks:
            check_hist(run_dir, doc, want, work, problems)
        if "status" in checks:
            check_status(run_dir, job_file, test.get("append", ""), doc, problems)
        if "terse" in checks:
            check_terse(run_dir, job_file, doc, work, problems)
        if "json" in checks:
            check_json(run_dir, doc, problems)
        if "json+" in checks:
            check_json_plus(run_dir, doc, work, problems)
    except ValueError as e:
        problems.append(str(e))
    lines = sum(len(log_lines(os.path.join(run_dir, n))) for n in want if n.endswith(".log"))
    return Outcome(problems, note="%d files, %d log lines; checked %s" % (len(want), lines, " ".join(checks) or "names"))
