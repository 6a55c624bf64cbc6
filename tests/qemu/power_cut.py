"""The power-cut kind of QEMU test (`kind = power-cut`, `trials = N`): no write lunbench reports
durable may be lost. Run it with `python3 tests/qemu/run_tests.py -g power-cut
[--power-cut-trials N] [--seed S]` (make power-cut POWER_CUT_TRIALS=N).

Each trial boots lunbench on 4 file-backed LUNs (raw images, QEMU's default writeback cache)
running a durable write job: sequential stamped writes over each LUN's region, pass after pass,
each pass ending with SYNCHRONIZE CACHE on every LUN and a line "durable: generation G". The test
kills QEMU (SIGKILL) at a random moment after the first durable line, then
  1. boots lunbench again with a verifying read job (verify_generation=G): every block must carry
     a valid stamp of generation G or newer;
  2. reads the image files itself and checks the same for every block (lunbench.stamp).
A single block that fails fails the test. The kill times come from a seed (the PASS or FAIL
line shows it; --seed repeats them). The trials' logs are in build/test-logs/NAME.work/; the
disk images of a trial that passed are removed, those of one that failed are kept.

Keys:
  trials       power cuts (run_tests.py --power-cut-trials N replaces it)
  backend      file (the default: raw images; QEMU's writes reach the host's page cache, so a
               kill loses nothing a flush did not already keep) or vscsi-target: the LUNs are
               our target's (tools/vscsi-target, ASan build) with a volatile write cache, one
               target per trial kept across both boots, and QEMU's death is the power cut that
               drops every unflushed block (but a random half, which reaches the store first);
               then only lunbench's verifying boot checks the blocks
  cut          kill (the default: QEMU is killed at a random moment) or rule (vscsi-target only:
               the target's power-cut rule, `power-cut after=N` with N drawn from the seed, cuts
               the power at the N+1st write, which makes a trial repeatable: the cache is lost
               and nothing answers until QEMU goes; the writer must then end by itself, status
               1, having named the HBA and LUNs that stopped answering)
  append       more lunbench options for the writing boot (test_skip_flush=yes: a driver that
               calls passes durable without flushing)
  expect_loss  yes: each trial must find lost blocks of the durable generation (the harness
               catching a broken driver); no (default): none may be lost
"""
import contextlib
import os
import random
import re
import shutil
import time

from harness import Outcome, status_problem
from lunbench import contract, qemu, stamp, vscsi_target
from lunbench.topology import Hba, Topology

KEYS = {"trials", "backend", "append", "expect_loss", "cut"}
MEMORY = "256"
LUNS = 4
REGION = 2 << 20      # bytes of each LUN the job writes, pass after pass
BLOCK = 512           # logical block size of the LUNs
BOOT_TIMEOUT = 120
LATEST_KILL = 1.5     # seconds after the first durable line; the kill comes at a uniform time before
PASS_WRITES = LUNS * REGION // 4096  # writes of one pass over every LUN (bs=4k)
RULE_APPEND = "cmd_timeout_ms=300"   # cut = rule: a device that stops answering is given up on quickly
DURABLE = r"durable: generation (\d+) \(pass (\d+)\)"
VERIFY_LINE = re.compile(r"^  verify: (\d+) blocks checked, (\d+) failed$", re.M)

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


def config_errors(test):
    trials = test.get("trials", "1")
    errors = [] if trials.isdigit() and int(trials) > 0 else ["trials = %r is not a positive number" % trials]
    if test.get("backend", "file") not in ("file", "vscsi-target"):
        errors.append("backend = %r is not file or vscsi-target" % test.get("backend"))
    if test.get("cut", "kill") not in ("kill", "rule"):
        errors.append("cut = %r is not kill or rule" % test.get("cut"))
    if test.get("cut", "kill") == "rule" and test.get("backend", "file") != "vscsi-target":
        errors.append("cut = rule needs backend = vscsi-target")
    if test.get("expect_loss", "no") not in ("yes", "no"):
        errors.append("expect_loss takes yes or no")
    return errors


def check_images(topo, generation):
    """The host's own check of every block: magic, LBA, LUN address and generation, and the
    CRC of a sample of them."""
    bad = []
    for lun in range(LUNS):
        for lba, why in stamp.check_image(topo.disk_path(0, 0, lun), BLOCK, (0, 0, lun), REGION, generation):
            bad.append("LUN %d LBA %d: %s" % (lun, lba, why))
    return bad


def run_writer(topo, job_file, kill_after, append):
    """Boot the durable writer; kill it kill_after seconds after its first durable line (None: let
    it end by itself). Returns (the last durable generation it printed before it died, console,
    QEMU's exit code).

    The kill comes from a thread of its own that sleeps to the deadline: a kill decided where the
    console is read would follow QEMU's output, that is the durable lines, and so land just after
    a flush far more often than a uniform time does (on a loaded host every cut of a run found
    the write cache empty)."""
    first_durable = re.compile(DURABLE.encode())
    deadline = []  # set once, from the console reader
    done = []

    def watch(output):
        if not deadline and kill_after is not None and first_durable.search(output):
            deadline.append(time.monotonic() + kill_after)
        return False

    def killer(proc):
        while not done and proc.poll() is None:
            if deadline and time.monotonic() >= deadline[0]:
                proc.kill()
                return
            time.sleep(0.001)

    cmd = qemu.qemu_command(extra=topo.qemu_args(memory=MEMORY) + ["-initrd", job_file],
                            append=("progress=no " + append).strip(), memory=MEMORY)
    try:
        rc, console, _, _ = qemu.run_qemu(cmd, BOOT_TIMEOUT, kill_when=watch, alongside=killer)
    finally:
        done.append(True)
    generations = re.findall(DURABLE, console)
    return (int(generations[-1][0]) if generations else None), console, rc


def trial(n, rng, work, backend="file", append="", expect_loss=False, dropped=None, cut="kill"):
    """One power cut and its checks: (None or what failed, blocks checked, blocks bad). With the
    vscsi-target backend, the unflushed blocks the cut dropped are appended to dropped."""
    dropped = [] if dropped is None else dropped
    disks = os.path.join(work, "disks%d" % n)
    kill_after = rng.uniform(0.0, LATEST_KILL)
    faults = None
    if cut == "rule":
        # after one whole pass (so that a generation is durable) and within the next four
        faults = os.path.join(work, "cut%d.rules" % n)
        with open(faults, "w") as f:
            f.write("power-cut after=%d\n" % rng.randrange(PASS_WRITES, 5 * PASS_WRITES))
        kill_after = None
        append = (append + " " + RULE_APPEND).strip()
    if backend == "vscsi-target":
        hba = Hba(targets="1", luns=str(LUNS), size=str(REGION * 2), backend="vscsi-target", write_cache="volatile",
                  faults=faults)
        topo = Topology([hba])
        targets = vscsi_target.Targets(topo, os.path.join(work, "trial%d." % n), sanitized=True)
    else:
        topo = Topology([Hba(targets="1", luns=str(LUNS), size=str(REGION * 2), backend="file")], disk_dir=disks)
        targets = contextlib.nullcontext()
    write_job = os.path.join(work, "write%d.fio" % n)
    with open(write_job, "w") as f:
        f.write(WRITE_JOB)
    with targets:
        durable, console, writer_rc = run_writer(topo, write_job, kill_after, append)
        with open(os.path.join(work, "writer%d.log" % n), "w") as f:
            f.write(console)
        if durable is None:
            return "no durable line before the kill (see writer%d.log)" % n, 0, 0
        if cut == "rule":
            # the device stopped answering: the writer must give up on it by itself, saying so
            why = status_problem(writer_rc, console, contract.EXIT.ERRORS, BOOT_TIMEOUT)
            if why or not re.search(r"^lunbench: HBA 0 \(\S+\) target 0 LUN \d: .*not answered", console, re.M):
                return "the writer (writer%d.log) did not give up on the powered-off device: %s" % (
                    n, why or "no line naming the LUN that stopped answering"), 0, 0
        read_job = os.path.join(work, "read%d.fio" % n)
        with open(read_job, "w") as f:
            f.write(READ_JOB % (durable, REGION, durable))
        cmd = qemu.qemu_command(extra=topo.qemu_args(memory=MEMORY) + ["-initrd", read_job], append="progress=no",
                                memory=MEMORY)
        rc, console, _, _ = qemu.run_qemu(cmd, BOOT_TIMEOUT)
    with open(os.path.join(work, "reader%d.log" % n), "w") as f:
        f.write(console)
    m = VERIFY_LINE.search(console)
    blocks = LUNS * REGION // BLOCK
    if backend == "vscsi-target":
        if targets.problems:
            return "; ".join(targets.problems), blocks, 0
        cause = r"rule on line 1" if cut == "rule" else r"QEMU disconnected"
        found = re.search(r"power cut \(%s\): \d+ unflushed blocks on \d+ LUNs: \d+ reached the medium, "
                          r"(\d+) lost" % cause, targets.logs[0])
        if not found:
            return "the target logged no power cut (trial%d.vscsi-target-hba0.log)" % n, blocks, 0
        dropped.append(int(found.group(1)))
    if expect_loss:
        # the verifying boot must find blocks of the generation called durable lost or stale
        if m and int(m.group(2)) > 0 and int(m.group(1)) == blocks:
            return None, blocks, int(m.group(2))
        return "the verifying boot (reader%d.log) found no lost block: %s" % (
            n, m.group(0).strip() if m else "no verify line"), blocks, 0
    why = status_problem(rc, console, contract.EXIT.OK, BOOT_TIMEOUT)
    bad = check_images(topo, durable) if backend == "file" else []
    if why or not m or int(m.group(1)) != blocks or int(m.group(2)) != 0:
        return "the verifying boot (reader%d.log): %s; %s" % (
            n, why or "status 0", m.group(0).strip() if m else "no verify line"), blocks, int(m.group(2)) if m else 0
    if bad:
        return "%d blocks lost or stale on disk, first: %s" % (len(bad), bad[0]), blocks, len(bad)
    if backend == "file":
        shutil.rmtree(disks)
    return None, blocks, 0


def run(test):
    trials = test.options.power_cut_trials or int(test.get("trials", "1"))
    seed = test.options.seed if test.options.seed is not None else int(time.time())
    rng = random.Random(seed)
    work = test.work_dir()
    lines = ["power-cut: %d trials, seed %d, work in %s" % (trials, seed, work)]
    problems = []
    checked = lost = 0
    backend, append, cut = test.get("backend", "file"), test.get("append", ""), test.get("cut", "kill")
    expect_loss = test.get("expect_loss", "no") == "yes"
    dropped = []  # per vscsi-target trial: unflushed blocks the cut lost (a cut right after a flush loses none)
    for n in range(trials):
        why, blocks, bad = trial(n, rng, work, backend, append, expect_loss, dropped, cut)
        checked += blocks
        lost += bad
        if why:
            problems.append("trial %d: %s" % (n, why))
        checks = "twice" if backend == "file" else "by the verifying boot"
        lines.append("%s trial %d%s" % ("FAIL" if why else "PASS", n, ": " + why if why else
                                        " (%d blocks checked %s)" % (blocks, checks)))
    summary = "%d trials, seed %d: %d blocks of durable generations checked, %d lost%s" % (
        trials, seed, checked, lost, " (as expected: the writer skipped its flushes)" if expect_loss else "")
    with open(test.log, "w") as f:
        f.write("\n".join(lines + ["power-cut: " + summary]) + "\n")
    if dropped:
        summary += "; the cuts dropped %d unflushed blocks in all" % sum(dropped)
        if not sum(dropped):
            problems.append("no cut found unflushed blocks in the write cache: the trials proved nothing")
    if problems:
        problems.append("%s; --seed %d repeats the kill times" % (summary, seed))
    return Outcome(problems, note=summary)
