#!/usr/bin/env python3
"""Power-cut test: no write lunbench reports durable may be lost.

  python3 tests/qemu/power_cut.py [--trials N] [--seed S]

Each trial boots lunbench on 4 file-backed LUNs (raw images, QEMU's default writeback cache)
running a durable write job: sequential stamped writes over each LUN's region, pass after pass,
each pass ending with SYNCHRONIZE CACHE on every LUN and a line "durable: generation G". The test
kills QEMU (SIGKILL) at a random moment after the first durable line, then
  1. boots lunbench again with a verifying read job (verify_generation=G): every block must carry
     a valid stamp of generation G or newer;
  2. reads the image files itself and checks the same for every block.
A single block that fails fails the test. The last line is "power-cut: N passed, N failed".
"""
import argparse
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "tools"))
import lunbench.qemu as lunbench_qemu  # noqa: E402
from lunbench import ROOT, contract, results, stamp  # noqa: E402
from lunbench.topology import Hba, Topology  # noqa: E402

LUNS = 4
REGION = 2 << 20      # bytes of each LUN the job writes, pass after pass
BLOCK = 512           # logical block size of the LUNs
DURABLE = re.compile(rb"durable: generation (\d+) \(pass (\d+)\)")

WRITE_JOB = """; power-cut test: stamped sequential writes, a flush and a durable line per pass
[durable-writes]
rw=write
bs=4k
iodepth=16
size=%d
verify=crc32c
do_verify=0
runtime=60
time_based
""" % REGION

READ_JOB = """; power-cut test: every block must be stamped with generation %d or newer
[verify-after-power-cut]
rw=read
bs=4k
iodepth=16
size=%d
verify=crc32c
verify_generation=%d
"""


def check_images(topo, generation):
    """The host's own check of every block: magic, LBA, LUN address and generation, and the
    CRC of a sample of them."""
    bad = []
    for lun in range(LUNS):
        for lba, why in stamp.check_image(topo.disk_path(0, 0, lun), BLOCK, (0, 0, lun), REGION, generation):
            bad.append("LUN %d LBA %d: %s" % (lun, lba, why))
    return bad


def run_writer(topo, job_file, kill_after, rng):
    """Boot the durable writer; kill it kill_after seconds after its first durable line. Returns
    (the last durable generation seen before the kill, console)."""
    cmd = lunbench_qemu.qemu_command(extra=topo.qemu_args() + ["-initrd", job_file], append="progress=no")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, preexec_fn=lunbench_qemu.raise_arg_max)
    os.set_blocking(proc.stdout.fileno(), False)
    out = bytearray()
    durable = None
    deadline = None
    start = time.monotonic()
    while True:
        chunk = proc.stdout.read(65536) or b""
        out += chunk
        for m in DURABLE.finditer(out):
            durable = int(m.group(1))
        if durable is not None and deadline is None:
            deadline = time.monotonic() + kill_after
        if deadline is not None and time.monotonic() >= deadline:
            proc.send_signal(signal.SIGKILL)  # the power cut: no flush, no clean exit
            proc.wait()
            break
        if proc.poll() is not None or time.monotonic() - start > 120:
            proc.kill()
            proc.wait()
            break
        time.sleep(0.001 + rng.random() * 0.002)
    # Lines already in the pipe were printed before the kill: they count too.
    rest = proc.stdout.read() or b""
    out += rest
    for m in DURABLE.finditer(out):
        durable = int(m.group(1))
    return durable, out.decode("utf-8", "replace")


def trial(n, rng, workdir):
    topo = Topology([Hba(targets="1", luns=str(LUNS), size=str(REGION * 2),
                                                     backend="file")], disk_dir=os.path.join(workdir, "disks%d" % n))
    write_job = os.path.join(workdir, "write%d.fio" % n)
    with open(write_job, "w") as f:
        f.write(WRITE_JOB)
    kill_after = rng.uniform(0.0, 1.5)
    durable, console = run_writer(topo, write_job, kill_after, rng)
    with open(os.path.join(workdir, "writer%d.log" % n), "w") as f:
        f.write(console)
    if durable is None:
        return "no durable line before the kill (see writer%d.log)" % n, 0, 0
    read_job = os.path.join(workdir, "read%d.fio" % n)
    with open(read_job, "w") as f:
        f.write(READ_JOB % (durable, REGION, durable))
    cmd = lunbench_qemu.qemu_command(extra=topo.qemu_args() + ["-initrd", read_job], append="progress=no")
    rc, console, _, _ = lunbench_qemu.run_qemu(cmd, 120)
    with open(os.path.join(workdir, "reader%d.log" % n), "w") as f:
        f.write(console)
    status, why = lunbench_qemu.status_from_exit(rc if rc is not None else -9, console)
    m = re.search(r"^  verify: (\d+) blocks checked, (\d+) failed$", console, re.M)
    blocks = LUNS * REGION // BLOCK
    bad = check_images(topo, durable)
    if status != 0 or not m or int(m.group(1)) != blocks or int(m.group(2)) != 0:
        return "the verifying boot: %s; %s" % (why, m.group(0) if m else "no verify line"), blocks, len(bad)
    if bad:
        return "%d blocks lost or stale on disk, first: %s" % (len(bad), bad[0]), blocks, len(bad)
    return None, blocks, 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--trials", type=int, default=5)
    p.add_argument("--seed", type=int, default=None, help="random seed (default: time); printed")
    p.add_argument("--keep", action="store_true", help="keep the work directory")
    a = p.parse_args()
    seed = a.seed if a.seed is not None else int(time.time())
    rng = random.Random(seed)
    workdir = tempfile.mkdtemp(prefix="lunbench-power-cut-")
    print("power-cut: %d trials, seed %d, work in %s" % (a.trials, seed, workdir))
    passed = failed = checked = lost = 0
    for n in range(a.trials):
        why, blocks, bad = trial(n, rng, workdir)
        checked += blocks
        lost += bad
        if why:
            failed += 1
            print("FAIL power-cut trial %d: %s" % (n, why))
        else:
            passed += 1
            print("PASS power-cut trial %d (%d blocks checked twice)" % (n, blocks))
        sys.stdout.flush()
    if not failed and not a.keep:
        shutil.rmtree(workdir)
    print("power-cut: %d blocks of durable generations checked, %d lost" % (checked, lost))
    print("power-cut: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
