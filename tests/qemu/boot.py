"""The boot kind of QEMU test (a section without `kind`, or `kind = boot`): boot one lunbench
image on what the section describes, then check QEMU's exit code against the expected status,
the console against the `expect` and `reject` patterns, the JSON inventory against the
`topology`, and run the named `check`s. unittests.cfg's header lists the keys.
"""
import contextlib
import json
import os
import re
import shlex
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET

from harness import LOG_DIR, Outcome, Skip, console_problems, status_problem
from lunbench import ROOT, contract, esp, junit, qemu, results, stamp, vscsi_target
from lunbench.topology import Hba, Topology

KEYS = {"image", "machine", "firmware", "append", "extra", "status", "expect", "reject", "memory", "debug_exit",
        "topology", "inventory", "initrd", "timeout", "check", "ovmf", "load_options", "target_expect",
        "target_reject"}
TIMEOUT = 120
HERE = os.path.dirname(os.path.abspath(__file__))
HOST_TSC = os.path.join(ROOT, "build", "host", "host_tsc")
BUCKET = 1 / (1 << contract.HIST_PLAT_BITS)  # a histogram bucket's width, relative to its value


def build_host_tsc():
    """Build the host TSC probe once, before tests run in parallel (one writing the binary while
    another executes it fails), into a temporary name renamed into place."""
    source = os.path.join(HERE, "host_tsc.c")
    if os.path.exists(HOST_TSC) and os.path.getmtime(HOST_TSC) >= os.path.getmtime(source):
        return
    os.makedirs(os.path.dirname(HOST_TSC), exist_ok=True)
    subprocess.run(["gcc", "-O2", "-Wall", "-Werror", "-o", HOST_TSC + ".tmp", source], check=True)
    os.replace(HOST_TSC + ".tmp", HOST_TSC)


def host_tsc_hz():
    """The host TSC rate: the truth under TCG, where the guest reads the host's TSC."""
    return float(subprocess.run([HOST_TSC], check=True, capture_output=True, text=True).stdout)


def check_tsc(console, topology):
    """The guest's TSC frequency is within 10% of the host's."""
    m = re.search(r"^TSC: ([\d.]+) MHz from (.*?),", console, re.M)
    if not m:
        return "no TSC line"
    guest = float(m.group(1)) * 1e6
    truth = host_tsc_hz()
    error = abs(guest - truth) / truth
    if error > 0.10:
        return "TSC %.3f MHz (%s) is %.1f%% off the host's %.3f MHz" % (guest / 1e6, m.group(2), error * 100, truth / 1e6)
    return None


def check_pci_bars_disjoint(console, topology):
    """Every assigned memory BAR is size-aligned and no two overlap."""
    bars = [(int(a, 16), int(s, 16)) for a, s in
            re.findall(r"^           BAR\d mem(?:32|64)(?: prefetchable)? (0x[0-9a-f]+) size (0x[0-9a-f]+)", console, re.M)]
    if not bars:
        return "no memory BARs in the PCI table"
    for addr, size in bars:
        if addr % size:
            return "BAR at 0x%x is not aligned to its size 0x%x" % (addr, size)
    bars.sort()
    for (a, s), (b, _) in zip(bars, bars[1:]):
        if a + s > b:
            return "BARs at 0x%x (size 0x%x) and 0x%x overlap" % (a, s, b)
    return None


def check_inventory(console, topology):
    """The JSON inventory lists exactly the LUNs the topology attached: HBA, target, LUN, device
    type, block count and block size."""
    try:
        found = results.from_console(console)
    except ValueError as e:
        return "the results are not valid JSON: %s" % e
    if found is None:
        return "no results between the markers on the console"
    doc = found["lunbench"]
    hbas = doc["hbas"]
    if len(hbas) != topology.device_count():
        return "%d HBAs reported, %d attached" % (len(hbas), topology.device_count())
    kinds = ["virtio-blk" if h.device == "blk" else "virtio-scsi" for _, h, _ in topology.devices()]
    if [h.get("kind") for h in hbas] != kinds:
        return "HBA kinds %s reported, %s attached" % ([h.get("kind") for h in hbas], kinds)
    try:
        rows = results.inventory_luns(doc)
    except results.ResultsError as e:
        return str(e)
    for l in rows:
        if l.get("kind") != kinds[l["hba"]]:
            return "LUN %d:%d:%d has kind %r, its HBA is a %s" % (l["hba"], l["target"], l["lun"], l.get("kind"),
                                                                   kinds[l["hba"]])
    got = sorted((l["hba"], l["target"], l["lun"], l["type"], l["blocks"], l["block_size"]) for l in rows)
    want = topology.expected_luns()
    if got != want:
        missing = sorted(set(want) - set(got))[:5]
        extra = sorted(set(got) - set(want))[:5]
        return "inventory differs: %d LUNs reported, %d attached; missing %s; unexpected %s" % (
            len(got), len(want), missing, extra)
    if not isinstance(doc.get("discovery_ms"), (int, float)) or doc["discovery_ms"] <= 0:
        return "discovery_ms missing or not positive"
    return None


def check_fio_json(console, topology):
    """fio's JSON: every job has read, write, trim and sync; wherever I/O ran, IOPS > 0,
    clat_ns.N equals total_ios, the bins add up to N, percentiles rise with the percentile."""
    try:
        doc = results.from_console(console)
    except ValueError as e:
        return "the results are not valid JSON: %s" % e
    if doc is None or "jobs" not in doc or not doc["jobs"]:
        return "no fio JSON with jobs between the markers"
    if not doc.get("fio version", "").startswith("lunbench-"):
        return "\"fio version\" is %r" % doc.get("fio version")
    ran = 0
    for job in doc["jobs"]:
        for ddir in ("read", "write", "trim", "sync"):
            if ddir not in job:
                return "job %s has no %s object" % (job.get("jobname"), ddir)
        for ddir in ("read", "write", "trim"):
            d = job[ddir]
            if d["total_ios"] == 0:
                continue
            ran += 1
            clat = d["clat_ns"]
            if d["iops"] <= 0 or d["bw_bytes"] <= 0:
                return "job %s %s: iops %s, bw_bytes %s" % (job["jobname"], ddir, d["iops"], d["bw_bytes"])
            if clat["N"] != d["total_ios"] or sum(clat["bins"].values()) != d["total_ios"]:
                return "job %s %s: clat N %d, bins %d, total_ios %d" % (
                    job["jobname"], ddir, clat["N"], sum(clat["bins"].values()), d["total_ios"])
            pct = sorted((float(k), v) for k, v in clat["percentile"].items())
            if any(b[1] < a[1] for a, b in zip(pct, pct[1:])):
                return "job %s %s: percentiles not monotone: %s" % (job["jobname"], ddir, pct)
            # A percentile is its bucket's midpoint: within one bucket (2**-HIST_PLAT_BITS) of the
            # exact value.
            if not clat["min"] * (1 - BUCKET) <= pct[0][1] or not pct[-1][1] <= clat["max"] * (1 + BUCKET):
                return "job %s %s: percentiles %s outside [min %d, max %d] by more than a bucket" % (
                    job["jobname"], ddir, pct, clat["min"], clat["max"])
    return None if ran else "no job did any I/O"


def check_trimmed_to_zero(console, topology):
    """Every file-backed LUN's image reads as zeros and is nearly all holes: the job wrote it,
    then trimmed all of it, and with discard=unmap QEMU punched the UNMAPs through to the file."""
    if topology is None or not topology.disk_dir:
        return "no file-backed topology"
    for i, h in enumerate(topology.hbas):
        for t in sorted(h.targets):
            for lun in sorted(h.luns):
                path = topology.disk_path(i, t, lun)
                with open(path, "rb") as f:
                    data = f.read()
                if data.count(0) != len(data):
                    return "%s: %d of %d bytes are not zero after the trims" % (path, len(data) - data.count(0), len(data))
                allocated = os.stat(path).st_blocks * 512
                if allocated > len(data) // 16:
                    return "%s: %d of %d bytes still allocated: the UNMAPs punched no holes" % (path, allocated, len(data))
    return None


def check_junit(console, topology):
    """mode=check's document makes junit.xml (what lunbench-run writes) whose counts are the
    console's SUMMARY line, with a <failure> for every FAIL line."""
    try:
        doc = results.from_console(console)
        xml = junit.junit_xml(doc if doc is not None else {}, "the results between the markers")
    except (ValueError, results.ResultsError) as e:
        return str(e)
    m = re.search(r"^SUMMARY: (\d+) tests, (\d+) unexpected failures, (\d+) skipped$", console, re.M)
    if m is None:
        return "no SUMMARY line"
    root = ET.fromstring(xml)
    got = [root.get(k) for k in ("tests", "failures", "skipped")]
    if got != list(m.groups()):
        return "junit.xml counts %s tests/failures/skipped, the SUMMARY line %s" % ("/".join(got), "/".join(m.groups()))
    fails = {"%s %s" % f for f in re.findall(r"^FAIL: (\S+) (\d+:\d+:\d+) ", console, re.M)}
    failed_cases = {c.get("name") for c in root.iter("testcase") if c.find("failure") is not None}
    return None if fails == failed_cases else "FAIL lines %s, junit failures %s" % (
        sorted(fails ^ failed_cases)[:3], len(failed_cases))


def check_clat2csv(console, topology):
    """Debian's fio_jsonplus_clat2csv converts (and --validate checks) our JSON."""
    doc = results.from_console(console)
    if doc is None:
        return "no results"
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "results.json")
        with open(src, "w") as f:
            json.dump(doc, f)
        dest = os.path.join(tmp, "out")
        for extra in ([], ["--validate"]):  # convert, then check the CSV against the JSON's bins
            p = subprocess.run(["fio_jsonplus_clat2csv"] + extra + [src, dest], capture_output=True, text=True)
            if p.returncode != 0:
                return "fio_jsonplus_clat2csv %sfailed (%d): %s" % (
                    " ".join(extra) + " " if extra else "", p.returncode, (p.stderr or p.stdout).strip()[-300:])
        if not [n for n in os.listdir(tmp) if n.startswith("out_job")]:
            return "fio_jsonplus_clat2csv wrote no CSV"
    return None


def check_stamps(console, topology):
    """The write-verify job's stamps are in the raw image files: every block of the first MiB
    of every LUN carries the magic, its own LBA and its LUN's address (and a sample of them
    the right CRC). A vscsi-target HBA with store=file:PATH keeps LUN k (target then LUN order)
    at byte k x size of PATH; the file outlives the run, so there the stamps must also be of the
    generation this boot wrote (its durable line), not left from an earlier one."""
    if topology is None or not (topology.disk_dir or any(h.store.startswith("file:") for h in topology.hbas
                                                          if h.vscsi_target)):
        return "no file-backed topology"
    generations = re.findall(r"durable: generation (\d+)", console)
    for i, h in enumerate(topology.hbas):
        in_store = h.vscsi_target and h.store.startswith("file:")
        if h.vscsi_target and not in_store:
            return "HBA %d: a vscsi-target HBA without store=file:PATH keeps no image to check" % i
        if in_store and not generations:
            return "no durable line: the generation this boot wrote is unknown"
        k = 0
        for t in sorted(h.targets):
            for lun in sorted(h.luns):
                if in_store:
                    path, offset, newest = h.store[5:], k * h.size, int(generations[-1])
                else:
                    path, offset, newest = topology.disk_path(i, t, lun), 0, 0
                k += 1
                bad = stamp.check_image(path, h.block_size, (i, t, lun), 1 << 20, min_generation=newest,
                                        offset=offset)
                if bad:
                    return "%s block %d: %s" % (path, bad[0][0], bad[0][1])
    return None


PROGRESS = re.compile(r"^lunbench: job '([^']+)' (\d+)s: read (\d+) IOPS", re.M)


def check_stall_isolation(console, topology):
    """tests/qemu/data/jobs/stall-isolation.fio: every second of the jobs that include the
    stalled LUN keeps at least a fifth of the median rate of the other LUNs alone (the lower of
    the 'healthy' and 'healthy-after' medians), and each of those jobs takes the stalled LUN out
    of its run. A stall that held the others would bring a second near 0; a fifth, not half,
    because a second of a TCG guest is a second of a shared host (seen at 0.27, 0.30 and 0.48 of
    healthy with four builds beside it)."""
    seconds = {}
    for job, _, iops in PROGRESS.findall(console):
        seconds.setdefault(job, []).append(int(iops))
    medians = []
    for job in ("healthy", "healthy-after"):
        rates = sorted(seconds.get(job, []))
        if not rates:
            return "no progress lines from job %r (progress=yes?)" % job
        medians.append(rates[len(rates) // 2])
    reference = min(medians)
    for job in ("stall-roundrobin", "stall-random"):
        if len(seconds.get(job, [])) < 3:
            return "job %r reported %d seconds, not 3" % (job, len(seconds.get(job, [])))
        worst = min(seconds[job])
        if worst < reference / 5:
            return "job %r: a second at %d IOPS, under a fifth of healthy's %d (%s)" % (job, worst, reference,
                                                                                  seconds[job])
        if not re.search(r"^lunbench: job '%s': LUN 0:0:0 stalled again after a LOGICAL UNIT RESET" % job, console,
                         re.M):
            return "job %r did not take the stalled LUN 0:0:0 out of its run" % job
    return None


def guest_spans(console):
    """([(jobname, start_ns, end_ns)] of every JSON entry, by the guest's own clock), or (None, why)
    where there are not two entries or more."""
    try:
        doc = results.from_console(console)
        if doc is None or not doc.get("jobs"):
            return None, "no fio JSON with jobs"
        spans = [(j["jobname"], j["lunbench"]["start_ns"], j["lunbench"]["end_ns"]) for j in doc["jobs"]]
    except (ValueError, KeyError) as e:
        return None, "the JSON: %s" % e
    return (spans, None) if len(spans) >= 2 else (None, "%d job entries, not 2 or more" % len(spans))


def check_jobs_overlap(console, topology):
    """The jobs ran at the same time, by the guest's clock: every two overlap, and the whole file
    took less than 1.5 times its longest job (two 3 s jobs: about 3 s, not 6)."""
    spans, why = guest_spans(console)
    if spans is None:
        return why
    for i, a in enumerate(spans):
        for b in spans[i + 1:]:
            if not (a[1] < b[2] and b[1] < a[2]):
                return "jobs %r and %r do not overlap: %s, %s" % (a[0], b[0], a[1:3], b[1:3])
    whole = max(s[2] for s in spans) - min(s[1] for s in spans)
    longest = max(s[2] - s[1] for s in spans)
    if whole >= 1.5 * longest:
        return "the jobs took %.2f s together, %.2f s the longest alone" % (whole / 1e9, longest / 1e9)
    return None


def check_jobs_serial(console, topology):
    """Each job started after the one before it ended, by the guest's clock (stonewall)."""
    spans, why = guest_spans(console)
    if spans is None:
        return why
    for a, b in zip(spans, spans[1:]):
        if b[1] < a[2]:
            return "job %r started at %d ns, before %r ended at %d ns" % (b[0], b[1], a[0], a[2])
    return None


def check_four_clones(console, topology):
    """tests/qemu/data/jobs/numjobs.fio: four entries named 'clones' in group 0, one entry each
    (that ran side by side), then one group_reporting entry 'grouped' of 4 jobs in group 1 whose
    I/Os are counted in it."""
    doc = results.from_console(console)
    if doc is None or not doc.get("jobs"):
        return "no fio JSON with jobs"
    jobs = doc["jobs"]
    names = [(j["jobname"], j["groupid"], j["lunbench"]["jobs"]) for j in jobs]
    if names != [("clones", 0, 1)] * 4 + [("grouped", 1, 4)]:
        return "entries (jobname, groupid, jobs) %s" % names
    for j in jobs[:4]:
        if j["read"]["total_ios"] <= 0:
            return "a clone did no I/O"
    ends = [j["lunbench"]["end_ns"] for j in jobs[:4]]
    if max(j["lunbench"]["start_ns"] for j in jobs[:4]) >= min(ends):
        return "the clones did not run side by side"
    if jobs[4]["write"]["total_ios"] <= 0 or jobs[4]["lunbench"]["start_ns"] < max(ends):
        return "the grouped job did no I/O, or started before the clones ended"
    return None


def check_cpu_queues(console, topology):
    """Every CPU in the JSON's lunbench.cpus started and read its own APIC ID (the MADT's for
    that CPU); each that ran a job reaped I/O, no request queue was reaped by two CPUs, and what
    the CPUs reaped adds up to the jobs' I/Os."""
    doc = results.from_console(console)
    started = re.search(r"^CPUs: (\d+) started", console, re.M)
    if doc is None or started is None:
        return "no fio JSON, or no CPUs line"
    cpus = doc.get("lunbench", {}).get("cpus", [])
    if not cpus or any(c["cpu"] >= int(started.group(1)) for c in cpus):
        return "lunbench.cpus lists CPUs %s, %s started" % ([c["cpu"] for c in cpus], started.group(1))
    ids = re.search(r"APIC IDs ([\d ]+)$", console, re.M)
    madt = [int(i) for i in ids.group(1).split()] if ids else [0]
    for c in cpus:
        if c["apic_id"] != madt[c["cpu"]]:
            return "CPU %d read APIC ID %d, the MADT lists %d for it" % (c["cpu"], c["apic_id"], madt[c["cpu"]])
    owner = {}
    for c in cpus:
        if c["job_instances"] > 0 and c["completions"] <= 0:
            return "CPU %d ran %d jobs and reaped nothing" % (c["cpu"], c["job_instances"])
        for q in c["queues"]:
            key = (q["hba"], q["queue"])
            if key in owner:
                return "queue %s reaped by CPU %d and CPU %d" % (key, owner[key], c["cpu"])
            owner[key] = c["cpu"]
    reaped = sum(c["completions"] for c in cpus)
    ios = sum(j[d]["total_ios"] for j in doc["jobs"] for d in ("read", "write"))
    if reaped != ios:
        return "the CPUs reaped %d completions, the jobs count %d I/Os" % (reaped, ios)
    return None


def check_flow_ratio(console, topology):
    """The jobs of each flow_id did their I/Os in the ratio of their flow= weights, within 3% (fio's
    flows, bench/wave.h), by the JSON's I/O counts and job options; every job in a flow did I/O."""
    doc = results.from_console(console)
    if doc is None or not doc.get("jobs"):
        return "no fio JSON with jobs"
    flows = {}
    for j in doc["jobs"]:
        opts = j.get("job options", {})
        if "flow" not in opts:
            continue
        ios = sum(j[d]["total_ios"] for d in ("read", "write", "trim"))
        if ios <= 0:
            return "job %r in a flow did no I/O" % j["jobname"]
        flows.setdefault(opts.get("flow_id", "0"), []).append((j["jobname"], int(opts["flow"]), ios))
    if not any(len(f) >= 2 for f in flows.values()):
        return "no flow with two jobs or more"
    for fid, jobs in flows.items():
        weight = sum(w for _, w, _ in jobs)
        total = sum(n for _, _, n in jobs)
        for name, w, n in jobs:
            share, want = n / total, w / weight
            if abs(share - want) > 0.03 * want:
                return "flow %s: job %r did %d of %d I/Os (%.4f), its weight %d of %d (%.4f)" % (
                    fid, name, n, total, share, w, weight, want)
    return None


CHECKS = {"tsc": check_tsc, "pci-bars-disjoint": check_pci_bars_disjoint, "fio-json": check_fio_json,
          "trimmed-to-zero": check_trimmed_to_zero,
          "junit": check_junit, "clat2csv": check_clat2csv, "stamps": check_stamps, "stall-isolation": check_stall_isolation,
          "jobs-overlap": check_jobs_overlap, "jobs-serial": check_jobs_serial, "four-clones": check_four_clones,
          "cpu-queues": check_cpu_queues, "flow-ratio": check_flow_ratio}
# What a check runs besides QEMU: without it the test is skipped, not failed.
CHECK_NEEDS = {"clat2csv": "fio_jsonplus_clat2csv", "tsc": "gcc"}


def json_shape(obj, path=""):
    """Every key path of a JSON document ("jobs[].read.iops"), list items taken together; fio's
    "bins" objects are data (latency bucket -> count), not keys."""
    if isinstance(obj, dict):
        paths = set()
        for k, v in obj.items():
            paths |= {path + "." + k} | (set() if k == "bins" else json_shape(v, path + "." + k))
        return paths
    if isinstance(obj, list):
        return set().union(*(json_shape(v, path + "[]") for v in obj)) if obj else set()
    return set()


def check_same_as_multiboot(test, extra, console):
    """Boot the Multiboot image on the same topology, command line and job file: its JSON must
    have the same keys, and its inventory the same LUNs (HBA, target, LUN, type, blocks, block
    size), as this run's."""
    twin_extra = list(extra) + (["-initrd", test.get("initrd")] if test.get("initrd") else [])
    cmd = qemu.qemu_command(image="multiboot", machine=test.get("machine", "q35"), append=test.get("append", ""),
                            memory=test.get("memory", "256"), extra=twin_extra)
    rc, twin, _, _ = qemu.run_qemu(cmd, float(test.get("timeout", TIMEOUT)))
    test.write_log(cmd, twin, suffix=".multiboot")
    try:
        ours, theirs = results.from_console(console), results.from_console(twin)
    except ValueError as e:
        return "results are not valid JSON: %s" % e
    if ours is None or theirs is None:
        return "no results on the %s console" % ("UEFI" if ours is None else "Multiboot")
    only_ours, only_theirs = json_shape(ours) - json_shape(theirs), json_shape(theirs) - json_shape(ours)
    if only_ours or only_theirs:
        return "JSON keys differ: only under UEFI %s, only under Multiboot %s" % (
            sorted(only_ours)[:5], sorted(only_theirs)[:5])
    luns = lambda doc: sorted((l["hba"], l["target"], l["lun"], l["type"], l["blocks"], l["block_size"])  # noqa: E731
                              for l in doc["lunbench"]["luns"])
    if luns(ours) != luns(theirs):
        return "the inventories differ: %d LUNs under UEFI, %d under Multiboot" % (len(luns(ours)), len(luns(theirs)))
    return None


# Checks that boot a second image themselves: they get the test and its QEMU arguments.
TWIN_CHECKS = {"same-as-multiboot": check_same_as_multiboot}


def config_errors(test):
    known = list(CHECKS) + list(TWIN_CHECKS)
    return ["unknown check %r (known: %s)" % (c, ", ".join(known)) for c in test.lines("check") if c not in known]


def prepare(tests):
    if any("tsc" in t.lines("check") for t in tests) and shutil.which(CHECK_NEEDS["tsc"]):
        build_host_tsc()


def run(test):
    firmware = "ovmf" if test.get("image") == "uefi" else test.get("firmware", "seabios")
    rom = qemu.FIRMWARE.get(firmware)
    if rom and not os.path.exists(rom):
        raise Skip("no %s firmware at %s" % (firmware, rom))
    for check in test.lines("check"):
        if check in CHECK_NEEDS and shutil.which(CHECK_NEEDS[check]) is None:
            raise Skip("check %s needs %s" % (check, CHECK_NEEDS[check]))
    status = int(test.get("status", "0"))
    timeout = float(test.get("timeout", TIMEOUT))
    topology = None
    extra = shlex.split(" ".join(test.lines("extra")))
    if test.get("topology"):
        hbas = [Hba.from_spec(spec) for spec in test.lines("topology")]
        disks = os.path.join(test.work_dir(), "disks") if any(h.backend == "file" for h in hbas) else None
        topology = Topology(hbas, disk_dir=disks)
        extra = topology.qemu_args(memory=test.get("memory", "256")) + extra
    image = test.get("image", "multiboot")
    if image == "uefi":
        # The UEFI image boots from an ESP holding its command line and the job files.
        jobs = test.get("initrd").split(",") if test.get("initrd") else []
        kw = esp.prepare_uefi(test.work_dir(), test.get("append", ""), jobs, test.get("ovmf", "bios"),
                              via_shell=test.get("load_options", "no") == "yes")
        cmd = qemu.qemu_command(image=image, machine=test.get("machine", "q35"), firmware="ovmf",
                                memory=test.get("memory", "256"), extra=extra,
                                debug_exit=test.get("debug_exit", "yes") != "no", **kw)
    else:
        if test.get("initrd"):
            extra += ["-initrd", test.get("initrd")]
        cmd = qemu.qemu_command(image=image, machine=test.get("machine", "q35"), firmware=firmware,
                                append=test.get("append", ""), memory=test.get("memory", "256"), extra=extra,
                                debug_exit=test.get("debug_exit", "yes") != "no")
    # backend=vscsi-target HBAs: our target (its ASan/UBSan build) runs beside QEMU
    targets = vscsi_target.Targets(topology, os.path.join(LOG_DIR, test.name + "."), sanitized=True) \
        if topology is not None and topology.vscsi_target_hbas() else contextlib.nullcontext()
    with targets:
        rc, console, _, _ = qemu.run_qemu(cmd, timeout)
    test.write_log(cmd, console)
    problems = [p for p in [status_problem(rc, console, status, timeout)] if p]
    problems += console_problems(console, test.lines("expect"), test.lines("reject"))
    if isinstance(targets, vscsi_target.Targets):
        problems += targets.problems
        target_log = "\n".join(targets.logs.values())
        problems += ["target log: " + p for p in console_problems(target_log, test.lines("target_expect"),
                                                                   test.lines("target_reject"))]
    elif test.lines("target_expect") or test.lines("target_reject"):
        problems.append("target_expect/target_reject need a backend=vscsi-target HBA in the topology")
    if rc is None:
        return Outcome(problems)
    if topology is not None and status in (contract.EXIT.OK, contract.EXIT.ERRORS) \
            and test.get("inventory", "yes") == "yes":
        why = check_inventory(console, topology)
        if why:
            problems.append("inventory: " + why)
    for check in test.lines("check"):
        why = TWIN_CHECKS[check](test, extra, console) if check in TWIN_CHECKS else CHECKS[check](console, topology)
        if why:
            problems.append("check %s: %s" % (check, why))
    return Outcome(problems)
