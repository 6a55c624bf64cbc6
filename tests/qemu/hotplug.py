"""The hotplug kind of QEMU test (`kind = hotplug`, `scenario = NAME`): LUNs removed, added and
resized over QMP while a benchmark job runs, and a burst of hotplugs that overflows the event
queue. Run them with `python3 tests/qemu/run_tests.py -g hotplug`.

Every scenario boots one HBA with LUNs 0-3 on target 0 (plus the scenario's own) running JOB,
3 s of random reads over all of them; once lunbench prints that the job started, the scenario's
actions run over QMP, and the console must then match its patterns and the status be 0.

  remove-add-resize    0.5 s into the job LUN 10 is removed (device_del); at 1 s LUN 20 is
                       added (blockdev-add + device_add); at 1.5 s LUN 11 grows from 1 GiB to
                       2 GiB (block_resize). lunbench must report each change, count the I/Os in
                       flight on the removed LUN as removed (not as errors), add LUN 20 to the
                       job, read LUN 11's new capacity, and finish with no errors.
  remove-under-four-cpus
                       -smp 4 and an HBA with 4 request queues, the job with numjobs=4: one
                       clone a CPU, each on its own queue (bench/cpu_plan.h). 0.5 s in LUN 10 is
                       removed: all four clones must stop sending to it (each reports it); at 1 s
                       LUN 20 is added, which needs every CPU drained for the probe: it must join
                       all four. Each clone ends with no errors, each CPU reaped its own queue only.
  burst-events-missed  one event buffer only (event_buffers=1) and four LUNs added in one burst:
                       QEMU drops the events it has no buffer for and reports EVENTS_MISSED (or
                       the next command meets a UNIT ATTENTION, REPORTED LUNS DATA HAS CHANGED,
                       first), and lunbench must rescan and find all four.
"""
import os
import re
import threading
import time

from harness import Outcome, console_problems, status_problem
from lunbench import contract, qemu, results
from lunbench.qmp import Qmp, QmpError, socket_path
from lunbench.topology import Hba, Topology

KEYS = {"scenario"}
TIMEOUT = 120
JOB_NAME = "hotplug-randread"
JOB = """[%s]
rw=randread
bs=4k
iodepth=8
runtime=3
time_based
""" % JOB_NAME
JOB_STARTED = "bench: job '%s' starting" % JOB_NAME
CLONES = 4


def remove_add_resize_luns(work):
    # LUN 11 is a raw file: null-co cannot be resized.
    image = os.path.join(work, "lun11.raw")
    with open(image, "wb") as f:
        f.truncate(1 << 30)
    return ["-blockdev", "driver=null-co,node-name=hp10,size=%d" % (1 << 30),
            "-device", "scsi-hd,id=hp10,bus=hba0.0,scsi-id=0,lun=10,drive=hp10",
            "-blockdev", "driver=file,node-name=hp11,filename=%s" % image,
            "-device", "scsi-hd,id=hp11,bus=hba0.0,scsi-id=0,lun=11,drive=hp11"]


def sleep_until(t):
    time.sleep(max(0.0, t - time.monotonic()))


def remove_add_resize(qmp, t0):
    remove_one_add_one(qmp, t0)
    sleep_until(t0 + 1.5)
    qmp.command("block_resize", **{"node-name": "hp11", "size": 2 << 30})


def remove_one_add_one(qmp, t0):
    sleep_until(t0 + 0.5)
    qmp.command("device_del", id="hp10")
    sleep_until(t0 + 1.0)
    qmp.command("blockdev-add", driver="null-co", **{"node-name": "hp20", "size": 1 << 30})
    qmp.command("device_add", driver="scsi-hd", id="hp20", bus="hba0.0", drive="hp20", **{"scsi-id": 0, "lun": 20})


def removed_lun(work):
    return ["-blockdev", "driver=null-co,node-name=hp10,size=%d" % (1 << 30),
            "-device", "scsi-hd,id=hp10,bus=hba0.0,scsi-id=0,lun=10,drive=hp10"]


def each_cpu_its_queue(doc):
    """Every clone saw LUN 10 go and LUN 20 come (its JSON entry's lunbench.hotplug counts), and
    CLONES CPUs each reaped one request queue of HBA 0, a different one, and nothing else."""
    for j in doc.get("jobs", []):
        hp = j.get("lunbench", {}).get("hotplug", {})
        if (hp.get("luns_removed"), hp.get("luns_added")) != (1, 1):
            return "a clone's hotplug counts are %s, not 1 LUN removed and 1 added" % hp
    cpus = doc.get("lunbench", {}).get("cpus", [])
    if [c["cpu"] for c in cpus] != list(range(CLONES)):
        return "the JSON's lunbench.cpus lists CPUs %s, not 0-%d" % ([c["cpu"] for c in cpus], CLONES - 1)
    owners = {}
    for c in cpus:
        queues = [(q["hba"], q["queue"]) for q in c["queues"]]
        if len(queues) != 1 or c["completions"] <= 0:
            return "CPU %d reaped %s" % (c["cpu"], c["queues"])
        if queues[0] in owners:
            return "queue %s reaped by CPUs %d and %d" % (queues[0], owners[queues[0]], c["cpu"])
        owners[queues[0]] = c["cpu"]
    return None


def burst_of_adds(qmp, t0):
    sleep_until(t0 + 0.5)
    batch = []
    for lun in (30, 31, 32, 33):
        batch.append(("blockdev-add", {"driver": "null-co", "node-name": "b%d" % lun, "size": 1 << 30}))
    for lun in (30, 31, 32, 33):
        batch.append(("device_add", {"driver": "scsi-hd", "id": "b%d" % lun, "bus": "hba0.0", "drive": "b%d" % lun,
                                     "scsi-id": 0, "lun": lun}))
    qmp.commands(batch)


class Scenario:
    def __init__(self, extra_luns, append, actions, expect, cpus=1, job_extra="", check_json=None, counts=()):
        self.extra_luns = extra_luns  # work dir -> QEMU arguments of the LUNs the actions act on
        self.append = append          # lunbench's command line
        self.actions = actions        # (qmp, time the job started) -> None
        self.expect = expect          # patterns the console must match
        self.cpus = cpus              # vCPUs, and as many request queues on the HBA
        self.job_extra = job_extra    # options added to JOB
        self.check_json = check_json  # results JSON -> a problem, or None
        self.counts = counts          # (pattern, how many lines must match it)


SCENARIOS = {
    "remove-add-resize": Scenario(remove_add_resize_luns, "progress=no", remove_add_resize, [
        r"^lunbench: job 'hotplug-randread': LUN 0:0:10 (removed \(hotplug\)|is gone)",
        r"^lunbench: job 'hotplug-randread': LUN 0:0:20 added \(hotplug\): disk QEMU QEMU HARDDISK, 2097152 blocks "
        r"of 512; it joins the job$",
        r"^lunbench: job 'hotplug-randread': LUN 0:0:11 capacity changed: 2097152 -> 4194304 blocks of 512$",
        r"^hotplug-randread: \(rw=randread, bs=4096, iodepth=8, 7 LUNs\): err=0$",
        r"^  hotplug: \d+ events, 1 LUNs removed, 1 added, 1 capacity changes",
        r"^lunbench: exit status 0 \(success\)$",
    ]),
    "remove-under-four-cpus": Scenario(removed_lun, "progress=no", remove_one_add_one, [
        r"^bench: the wave runs on 4 CPUs: 0 \(1 job\) 1 \(1 job\) 2 \(1 job\) 3 \(1 job\)$",
        # The event names it once per clone; an I/O that met it first (LOGICAL UNIT NOT
        # SUPPORTED) names it once. Either way every clone counts it (check_json).
        r"^lunbench: job 'hotplug-randread': LUN 0:0:10 (removed \(hotplug\)|is gone)",
        r"^lunbench: exit status 0 \(success\)$",
    ], cpus=CLONES, job_extra="numjobs=%d\n" % CLONES, check_json=each_cpu_its_queue, counts=[
        # LUN 20 joins every clone: the first says it was added, the others that it joins.
        (r"^lunbench: job 'hotplug-randread': LUN 0:0:20 (added \(hotplug\).*; it joins the job|joins the job)$", CLONES),
        (r"^hotplug-randread: \(rw=randread, bs=4096, iodepth=8, 6 LUNs\): err=0$", CLONES),
    ]),
    "burst-events-missed": Scenario(lambda work: [], "progress=no event_buffers=1", burst_of_adds, [
        # Four LUNs at once with one event buffer: whichever tells first, EVENTS_MISSED when the
        # device re-reports, the UNIT ATTENTION 3f/0e on the next command (both lead to a rescan),
        # or each LUN's own event when lunbench reposts the buffer in time (it often does now that
        # a rescan no longer drops the events queued meanwhile), every LUN must join. Which path
        # ran is timing; tests/unit/test_hotplug.c drives each of them deterministically.
    ] + [r"^lunbench: job 'hotplug-randread': LUN 0:0:%d added \(hotplug\).*it joins the job$" % lun
         for lun in (30, 31, 32, 33)] + [
        r"^hotplug-randread: \(rw=randread, bs=4096, iodepth=8, 8 LUNs\): err=0$",
        r"^lunbench: exit status 0 \(success\)$",
    ]),
}


def config_errors(test):
    if test.get("scenario") not in SCENARIOS:
        return ["scenario %r is not one of %s" % (test.get("scenario"), ", ".join(SCENARIOS))]
    return []


def run(test):
    scenario = SCENARIOS[test.get("scenario")]
    work = test.work_dir()
    job = os.path.join(work, "hotplug.fio")
    with open(job, "w") as f:
        f.write(JOB + scenario.job_extra)
    queues = {"num_queues": str(scenario.cpus)} if scenario.cpus > 1 else {}
    topo = Topology([Hba(targets="1", luns="4", **queues)])
    problems = []
    started = threading.Event()
    console = []

    def echo(text):
        console.append(text)
        if JOB_STARTED in "".join(console[-3:]):
            started.set()

    with socket_path() as sock:
        def drive(process):
            """The scenario's actions, once the job has started (while QEMU runs)."""
            try:
                with Qmp(sock, process=process) as qmp:
                    while not started.wait(0.1):
                        if process.poll() is not None:
                            problems.append("the job never started")
                            return
                    scenario.actions(qmp, time.monotonic())
            except (QmpError, OSError) as e:
                problems.append("QMP: %s" % e)

        extra = topo.qemu_args() + scenario.extra_luns(work) + ["-initrd", job] + qemu.qmp_args(sock)
        if scenario.cpus > 1:
            extra += ["-smp", str(scenario.cpus)]
        cmd = qemu.qemu_command(extra=extra, append=scenario.append)
        rc, text, _, _ = qemu.run_qemu(cmd, TIMEOUT, echo=echo, alongside=drive)
    test.write_log(cmd, text)
    why = status_problem(rc, text, contract.EXIT.OK, TIMEOUT)
    if scenario.check_json is not None:
        doc = results.from_console(text)
        problems.append(scenario.check_json(doc) if doc else "no results JSON")
    for pattern, want in scenario.counts:
        got = len(re.findall(pattern, text, re.M))
        if got != want:
            problems.append("%d lines match %s, not %d" % (got, pattern, want))
    return Outcome(([why] if why else []) + [p for p in problems if p] + console_problems(text, scenario.expect))
