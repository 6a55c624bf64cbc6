"""The soak kind of QEMU test (`kind = soak`, `rounds = N`): random faults at a low rate against
a long write-and-verify job, round after round, each round its own seed. Run it with
`python3 tests/qemu/run_tests.py -g soak [--soak-rounds N] [--seed S]` (`make soak`).

Each round writes a rule file for our target (tools/vscsi-target, ASan build) from the round's
seed: two to five rules drawn from the faults that never change data (latency, descriptors
rewritten, used lengths past the buffers, event floods and EVENTS_MISSED, commands held until
an ABORT TASK, sense_len past sense_size, residuals past the transfer, UNIT ATTENTIONs
3f/0e and 2a/09 that change nothing), each at a low
probability, and boots lunbench on four LUNs with a job that writes stamped blocks in random
order, then reads every block it wrote back and checks its stamp. A round passes when

  - lunbench ends by itself (no hang) with status 0 or 1 (1 only when the device failed commands:
    its errors are counted in the JSON), and prints its results;
  - no block fails verification: the device never corrupts data in these rounds, so a verify
    failure is a lost or misplaced acknowledged write, lunbench's fault;
  - the target ends cleanly, without a sanitizer report, and its log counts the faults fired.

The summary line gives rounds, seeds, I/Os, blocks verified, faults fired by kind and the data
lost (must be 0). The round logs are in build/test-logs/NAME.work/.

Keys:
  rounds     rounds (run_tests.py --soak-rounds N replaces it: make soak)
  runtime    seconds of writing per round (default 2)
  image      the lunbench image (default multiboot; guard: build/lunbench-guard.elf, every device
             buffer against a guard page, so that a read past one ends the round in a page fault)
"""
import os
import random
import re
import time

from harness import Outcome, status_problem
from lunbench import contract, qemu, results, vscsi_target
from lunbench.topology import Hba, Topology

KEYS = {"rounds", "runtime", "image"}
MEMORY = "256"
LUNS = 4
LUN_SIZE = 16 << 20
BOOT_TIMEOUT = 120
APPEND = "progress=no cmd_timeout_ms=300"

JOB = """; soak: random stamped writes over each LUN's first 8 MiB for a while, then every block written
; read back and checked
[soak]
rw=randwrite
bs=4k
iodepth=8
size=8m
verify=crc32c
runtime=%d
time_based
"""

FAULTS_FIRED = re.compile(r"faults fired: (.*?);")


def config_errors(test):
    errors = []
    for key, default in (("rounds", "1"), ("runtime", "2")):
        value = test.get(key, default)
        if not (value.isdigit() and int(value) > 0):
            errors.append("%s = %r is not a positive number" % (key, value))
    return errors


def random_rules(rng):
    """Two to five low-rate rules, none of which changes data. The LUN of each is random too."""
    def lun():
        return rng.randrange(LUNS)

    makers = [
        lambda: "latency lun=%d us=%d-%d prob=%.3f" % (lun(), rng.randrange(50, 500), rng.randrange(500, 20000),
                                                       rng.uniform(0.001, 0.05)),
        lambda: "desc-rewrite cmd=any when=%s prob=%.3f" % (rng.choice(["before", "after"]), rng.uniform(0.01, 0.3)),
        lambda: "used-len lun=%d extra=%d prob=%.3f" % (lun(), rng.choice([1, 512, 4096, 1 << 20]),
                                                        rng.uniform(0.01, 0.2)),
        lambda: "event lun=%d type=%s n=%d prob=%.4f" % (lun(), rng.choice(["rescan", "param-change", "missed"]),
                                                         rng.randrange(1, 64), rng.uniform(0.0005, 0.01)),
        lambda: "hang lun=%d prob=%.4f count=%d" % (lun(), rng.uniform(0.0001, 0.002), rng.randrange(1, 4)),
        lambda: "sense-len lun=%d prob=%.4f" % (lun(), rng.uniform(0.0001, 0.002)),
        lambda: "residual lun=%d prob=%.4f" % (lun(), rng.uniform(0.0001, 0.002)),
        lambda: "unit-attention lun=%d change=%s prob=%.4f" % (lun(), rng.choice(["inventory", "capacity"]),
                                                               rng.uniform(0.0005, 0.005)),
    ]
    return [rng.choice(makers)() for _ in range(rng.randrange(2, 6))]


def one_round(n, seed, work, runtime, image):
    """(None or what failed, I/Os, blocks verified, {fault: fired})."""
    rng = random.Random(seed)
    rules = os.path.join(work, "round%d.rules" % n)
    with open(rules, "w") as f:
        f.write("# soak round %d, seed %d\nseed %d\n%s\n" % (n, seed, seed, "\n".join(random_rules(rng))))
    job = os.path.join(work, "round%d.fio" % n)
    with open(job, "w") as f:
        f.write(JOB % runtime)
    topo = Topology([Hba(luns=str(LUNS), size=str(LUN_SIZE), backend="vscsi-target", faults=rules)])
    with vscsi_target.Targets(topo, os.path.join(work, "round%d." % n), sanitized=True) as targets:
        cmd = qemu.qemu_command(image=image, extra=topo.qemu_args(memory=MEMORY) + ["-initrd", job], append=APPEND,
                                memory=MEMORY)
        rc, console, _, _ = qemu.run_qemu(cmd, BOOT_TIMEOUT)
    with open(os.path.join(work, "round%d.log" % n), "w") as f:
        f.write(console)
    where = "round %d (seed %d, round%d.log)" % (n, seed, n)
    if targets.problems:
        return "%s: %s" % (where, "; ".join(targets.problems)), 0, 0, {}
    fired = {}
    m = FAULTS_FIRED.search(targets.logs.get(0, ""))
    if not m:
        return "%s: the target's log has no totals line" % where, 0, 0, {}
    for word in m.group(1).split():
        if "=" in word:
            kind, count = word.split("=", 1)
            fired[kind] = int(count)
    if status_problem(rc, console, contract.EXIT.OK, BOOT_TIMEOUT) and \
            status_problem(rc, console, contract.EXIT.ERRORS, BOOT_TIMEOUT):
        return "%s: %s" % (where, status_problem(rc, console, contract.EXIT.OK, BOOT_TIMEOUT)), 0, 0, fired
    try:
        doc = results.from_console(console)
    except ValueError as e:
        return "%s: the JSON does not parse: %s" % (where, e), 0, 0, fired
    if not doc or not doc.get("jobs"):
        return "%s: no results" % where, 0, 0, fired
    job_result = doc["jobs"][0]
    ours = job_result.get("lunbench", {})
    ios = sum(job_result.get(d, {}).get("total_ios", 0) for d in ("read", "write"))
    verified, failures = ours.get("verify_blocks", 0), ours.get("verify_failures", -1)
    if failures != 0:
        return "%s: %s blocks failed verification (the device changed no data)" % (where, failures), ios, verified, fired
    if verified == 0 or ios == 0:
        return "%s: nothing written and verified (%d I/Os, %d blocks)" % (where, ios, verified), ios, verified, fired
    return None, ios, verified, fired


def run(test):
    rounds = getattr(test.options, "soak_rounds", None) or int(test.get("rounds", "1"))
    runtime = int(test.get("runtime", "2"))
    image = test.get("image", "multiboot")
    seed = test.options.seed if test.options.seed is not None else int(time.time())
    work = test.work_dir()
    problems, lines = [], ["soak: %d rounds from seed %d, work in %s" % (rounds, seed, work)]
    ios = verified = 0
    fired = {}
    for n in range(rounds):
        why, n_ios, n_verified, n_fired = one_round(n, seed + n, work, runtime, image)
        ios += n_ios
        verified += n_verified
        for kind, count in n_fired.items():
            fired[kind] = fired.get(kind, 0) + count
        lines.append("%s round %d (seed %d): %d I/Os, %d blocks verified, faults %s%s" % (
            "FAIL" if why else "PASS", n, seed + n, n_ios, n_verified,
            " ".join("%s=%d" % kv for kv in sorted(n_fired.items())) or "none", ": " + why if why else ""))
        if why:
            problems.append(why)
    summary = "%d rounds, seeds %d-%d: %d I/Os, %d blocks verified, %d faults fired (%s), 0 blocks lost" % (
        rounds, seed, seed + rounds - 1, ios, verified, sum(fired.values()),
        " ".join("%s=%d" % kv for kv in sorted(fired.items())) or "none")
    if problems:
        summary = summary.replace(", 0 blocks lost", "; %d rounds failed" % len(problems))
    with open(test.log, "w") as f:
        f.write("\n".join(lines + ["soak: " + summary]) + "\n")
    if not fired:
        problems.append("no fault fired in any round: the soak proved nothing")
    if problems:
        problems.append("%s; --seed %d repeats the rounds" % (summary, seed))
    return Outcome(problems, note=summary)
