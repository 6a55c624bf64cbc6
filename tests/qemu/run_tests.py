#!/usr/bin/env python3
"""Run the QEMU tests listed in tests/qemu/unittests.cfg and assert on console and exit status.

  python3 tests/qemu/run_tests.py [-j N] [NAME_REGEX ...]

Each test boots one lunbench image under QEMU (TCG), checks that QEMU's exit code is lunbench's
expected status (2*status+1; 0 is always a failure: a triple fault), that every `expect` pattern
matches the console and no `reject` pattern does, and runs the named `check`s. Console logs go
to build/test-logs/<test>.log. The last line is "qemu: N passed, N failed".
"""
import argparse
import concurrent.futures
import configparser
import os
import re
import shlex
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "tools"))
import lunbench.qemu as lunbench_qemu  # noqa: E402
from lunbench import ROOT, contract, results, stamp  # noqa: E402
from lunbench.topology import Hba, Topology  # noqa: E402

LOG_DIR = os.path.join(ROOT, "build", "test-logs")
HOST_TSC = os.path.join(ROOT, "build", "host", "host_tsc")
TIMEOUT = 120


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


def check_tsc(console):
    m = re.search(r"^TSC: ([\d.]+) MHz from (.*?),", console, re.M)
    if not m:
        return "no TSC line"
    guest = float(m.group(1)) * 1e6
    truth = host_tsc_hz()
    error = abs(guest - truth) / truth
    if error > 0.10:
        return "TSC %.3f MHz (%s) is %.1f%% off the host's %.3f MHz" % (guest / 1e6, m.group(2), error * 100, truth / 1e6)
    return None


def check_pci_bars_disjoint(console):
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
    if len(hbas) != len(topology.hbas):
        return "%d HBAs reported, %d attached" % (len(hbas), len(topology.hbas))
    got = sorted((l["hba"], l["target"], l["lun"], l["type"], l["blocks"], l["block_size"]) for l in doc["luns"])
    want = topology.expected_luns()
    if got != want:
        missing = sorted(set(want) - set(got))[:5]
        extra = sorted(set(got) - set(want))[:5]
        return "inventory differs: %d LUNs reported, %d attached; missing %s; unexpected %s" % (
            len(got), len(want), missing, extra)
    if not isinstance(doc.get("discovery_ms"), (int, float)) or doc["discovery_ms"] <= 0:
        return "discovery_ms missing or not positive"
    return None


def check_fio_json(console, topology=None):
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
        for ddir in ("read", "write"):
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
            # A percentile is its bucket's midpoint: within 1/64 of the exact value (fio's buckets).
            if not clat["min"] * (1 - 1 / 64) <= pct[0][1] or not pct[-1][1] <= clat["max"] * (1 + 1 / 64):
                return "job %s %s: percentiles %s outside [min %d, max %d] by more than a bucket" % (
                    job["jobname"], ddir, pct, clat["min"], clat["max"])
    return None if ran else "no job did any I/O"


def check_clat2csv(console, topology=None):
    """Debian's fio_jsonplus_clat2csv converts (and --validate checks) our JSON."""
    import json
    import tempfile
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
    the right CRC)."""
    if topology is None or not topology.disk_dir:
        return "no file-backed topology"
    for i, h in enumerate(topology.hbas):
        for t in h.targets:
            for lun in h.luns:
                path = topology.disk_path(i, t, lun)
                bad = stamp.check_image(path, h.block_size, (i, t, lun), 1 << 20)
                if bad:
                    return "%s block %d: %s" % (path, bad[0][0], bad[0][1])
    return None


CHECKS = {"tsc": check_tsc, "pci-bars-disjoint": check_pci_bars_disjoint}
TOPOLOGY_CHECKS = {"fio-json": check_fio_json, "clat2csv": check_clat2csv, "stamps": check_stamps}


def lines(value):
    return [l.strip() for l in value.strip().splitlines() if l.strip()] if value else []


def run_one(name, sec):
    status = int(sec.get("status", "0"))
    topology = None
    extra = shlex.split(" ".join(lines(sec.get("extra", ""))))
    if sec.get("topology"):
        topology = Topology([Hba.from_spec(l) for l in lines(sec["topology"])],
                                          disk_dir=os.path.join(LOG_DIR, name + "-disks"))
        extra = topology.qemu_args() + extra
    if sec.get("initrd"):
        extra += ["-initrd", sec["initrd"]]
    cmd = lunbench_qemu.qemu_command(
        image=sec.get("image", "multiboot"), machine=sec.get("machine", "q35"),
        firmware=sec.get("firmware", "seabios"), append=sec.get("append", ""), memory=sec.get("memory", "256"),
        extra=extra,
        debug_exit=sec.get("debug_exit", "yes") != "no")
    rc, console, _, total = lunbench_qemu.run_qemu(cmd, float(sec.get("timeout", TIMEOUT)))
    with open(os.path.join(LOG_DIR, name + ".log"), "w") as f:
        f.write("$ " + " ".join(shlex.quote(c) for c in cmd) + "\n" + console)
    problems = []
    if rc is None:
        problems.append("timed out after %s s" % sec.get("timeout", TIMEOUT))
    else:
        got, why = lunbench_qemu.status_from_exit(rc, console)
        if got != status:
            problems.append("QEMU exit code %d: %s; expected status %d" % (rc, why, status))
    for pattern in lines(sec.get("expect", "")):
        if not re.search(pattern, console, re.M):
            problems.append("no match for expect: %s" % pattern)
    for pattern in lines(sec.get("reject", "")):
        if re.search(pattern, console, re.M):
            problems.append("matched reject: %s" % pattern)
    if topology is not None and rc is not None and status in (0, 1) and sec.get("inventory", "yes") == "yes":
        why = check_inventory(console, topology)
        if why:
            problems.append("inventory: " + why)
    for check in lines(sec.get("check", "")):
        if check not in CHECKS and check not in TOPOLOGY_CHECKS:
            problems.append("unknown check %r" % check)
        elif rc is not None:
            why = CHECKS[check](console) if check in CHECKS else TOPOLOGY_CHECKS[check](console, topology)
            if why:
                problems.append("check %s: %s" % (check, why))
    return name, problems, total


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("-j", "--jobs", type=int, default=2, help="tests at once (default 2)")
    p.add_argument("--config", default=os.path.join(HERE, "unittests.cfg"))
    p.add_argument("names", nargs="*", help="only tests whose name matches one of these regexes")
    a = p.parse_args()
    cfg = configparser.ConfigParser(interpolation=None, comment_prefixes=("#",), inline_comment_prefixes=None)
    cfg.read(a.config)
    names = [n for n in cfg.sections() if not a.names or any(re.search(r, n) for r in a.names)]
    for image in lunbench_qemu.IMAGES.values():
        if not os.path.exists(image):
            sys.exit("run_tests: %s is missing: run make first" % image)
    os.makedirs(LOG_DIR, exist_ok=True)
    os.chdir(ROOT)  # paths in unittests.cfg are relative to the repository root
    build_host_tsc()
    passed = failed = 0
    start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as pool:
        for name, problems, total in pool.map(lambda n: run_one(n, cfg[n]), names):
            if problems:
                failed += 1
                print("FAIL %s (%.1f s; log build/test-logs/%s.log)" % (name, total, name))
                for why in problems:
                    print("     " + why)
            else:
                passed += 1
                print("PASS %s (%.1f s)" % (name, total))
            sys.stdout.flush()
    print("qemu: %d tests in %.1f s" % (passed + failed, time.monotonic() - start))
    print("qemu: %d passed, %d failed" % (passed, failed))
    return 1 if failed or not names else 0


if __name__ == "__main__":
    sys.exit(main())
