#!/usr/bin/env python3
"""Hotplug tests: LUNs removed, added and resized while a benchmark job runs; a burst of
hotplugs that overflows the event queue.

  python3 tests/qemu/hotplug.py

One HBA with LUNs 0-3 and 10-11 on target 0 runs 3 s of random reads over all of them. Through
QMP, 0.5 s into the job, LUN 10 is removed (device_del); at 1 s LUN 20 is added (blockdev-add +
device_add); at 1.5 s LUN 11 grows from 1 GiB to 2 GiB (block_resize). lunbench must report each
change, count the I/Os in flight on the removed LUN as removed (not as errors), add LUN 20 to the
job, read LUN 11's new capacity, and finish the job with no errors and status 0.

The second test posts one event buffer only (event_buffers=1) and adds four LUNs in one burst:
QEMU drops the events it has no buffer for and reports EVENTS_MISSED (or the next command meets
a UNIT ATTENTION, REPORTED LUNS DATA HAS CHANGED, first), and lunbench must rescan and find all
four. The last line is "hotplug: N passed, N failed".
"""
import os
import re
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "tools"))
import lunbench.qemu as lunbench_qemu  # noqa: E402
from lunbench import ROOT, contract, results, stamp  # noqa: E402
from lunbench.topology import Hba, Topology  # noqa: E402
from lunbench.qmp import Qmp  # noqa: E402

JOB = """[hotplug-randread]
rw=randread
bs=4k
iodepth=8
runtime=3
time_based
"""

EXPECT = [
    r"^lunbench: job 'hotplug-randread': LUN 0:0:10 (removed \(hotplug\)|is gone)",
    r"^lunbench: job 'hotplug-randread': LUN 0:0:20 added \(hotplug\): disk QEMU QEMU HARDDISK, 2097152 blocks of 512; it joins the job$",
    r"^lunbench: job 'hotplug-randread': LUN 0:0:11 capacity changed: 2097152 -> 4194304 blocks of 512$",
    r"^hotplug-randread: \(rw=randread, bs=4096, iodepth=8, 7 LUNs\): err=0$",
    r"^  hotplug: \d+ events, 1 LUNs removed, 1 added, 1 capacity changes",
    r"^lunbench: exit status 0 \(success\)$",
]


def run_scenario(name, extra_luns, append, actions, expect):
    """Boot lunbench with the job, run actions(qmp) once the job has started, check expect."""
    work = tempfile.mkdtemp(prefix="lunbench-hotplug-")
    sock = os.path.join(work, "qmp.sock")
    job = os.path.join(work, "hotplug.fio")
    with open(job, "w") as f:
        f.write(JOB)
    topo = Topology([Hba(targets="1", luns="4")])
    extra = topo.qemu_args() + extra_luns(work)
    extra += ["-initrd", job, "-qmp", "unix:%s,server=on,wait=off" % sock]
    cmd = lunbench_qemu.qemu_command(extra=extra, append=append)

    console = []
    started = threading.Event()

    def echo(text):
        console.append(text)
        if "bench: job 'hotplug-randread' starting" in "".join(console[-3:]):
            started.set()

    problems = []

    def drive():
        try:
            qmp = Qmp(sock)
            if not started.wait(60):
                problems.append("the job never started")
                return
            actions(qmp, time.monotonic())
            qmp.close()
        except Exception as e:  # reported as a test failure below
            problems.append("QMP: %s" % e)

    driver = threading.Thread(target=drive)
    driver.start()
    rc, text, _, _ = lunbench_qemu.run_qemu(cmd, 120, echo=echo)
    driver.join()
    log = os.path.join(ROOT, "build", "test-logs", "%s.log" % name)
    with open(log, "w") as f:
        f.write(text)
    status, why = lunbench_qemu.status_from_exit(rc if rc is not None else -9, text)
    if status != 0:
        problems.append("QEMU: %s" % why)
    for pattern in expect:
        if not re.search(pattern, text, re.M):
            problems.append("no match for: %s" % pattern)
    if problems:
        print("FAIL %s (log build/test-logs/%s.log)" % (name, name))
        for p in problems:
            print("     " + p)
        return False
    print("PASS %s" % name)
    return True


def remove_add_resize_luns(work):
    # LUN 11 is a raw file: null-co cannot be resized.
    image = os.path.join(work, "lun11.raw")
    with open(image, "wb") as f:
        f.truncate(1 << 30)
    return ["-blockdev", "driver=null-co,node-name=hp10,size=%d" % (1 << 30),
            "-device", "scsi-hd,id=hp10,bus=hba0.0,scsi-id=0,lun=10,drive=hp10",
            "-blockdev", "driver=file,node-name=hp11,filename=%s" % image,
            "-device", "scsi-hd,id=hp11,bus=hba0.0,scsi-id=0,lun=11,drive=hp11"]


def remove_add_resize(qmp, t0):
    time.sleep(max(0.0, t0 + 0.5 - time.monotonic()))
    qmp.command("device_del", id="hp10")
    time.sleep(max(0.0, t0 + 1.0 - time.monotonic()))
    qmp.command("blockdev-add", driver="null-co", **{"node-name": "hp20", "size": 1 << 30})
    qmp.command("device_add", driver="scsi-hd", id="hp20", bus="hba0.0", drive="hp20", **{"scsi-id": 0, "lun": 20})
    time.sleep(max(0.0, t0 + 1.5 - time.monotonic()))
    qmp.command("block_resize", **{"node-name": "hp11", "size": 2 << 30})


def burst_of_adds(qmp, t0):
    time.sleep(max(0.0, t0 + 0.5 - time.monotonic()))
    batch = []
    for lun in (30, 31, 32, 33):
        batch.append(("blockdev-add", {"driver": "null-co", "node-name": "b%d" % lun, "size": 1 << 30}))
    for lun in (30, 31, 32, 33):
        batch.append(("device_add", {"driver": "scsi-hd", "id": "b%d" % lun, "bus": "hba0.0", "drive": "b%d" % lun,
                                     "scsi-id": 0, "lun": lun}))
    qmp.commands(batch)


BURST_EXPECT = [
    # Whichever tells first: EVENTS_MISSED when the device re-reports, or the UNIT ATTENTION
    # (REPORTED LUNS DATA HAS CHANGED) on the next command; both lead to a rescan.
    r"^lunbench: HBA 0: (the device dropped events|the LUN inventory changed \(UNIT ATTENTION 3f/0e\)); "
    r"rescanning its LUNs$",
] + [r"^lunbench: job 'hotplug-randread': LUN 0:0:%d added \(hotplug\).*it joins the job$" % lun
     for lun in (30, 31, 32, 33)] + [
    r"^hotplug-randread: \(rw=randread, bs=4096, iodepth=8, 8 LUNs\): err=0$",
    r"^lunbench: exit status 0 \(success\)$",
]


def main():
    results = [
        run_scenario("hotplug-remove-add-resize", remove_add_resize_luns, "progress=no", remove_add_resize, EXPECT),
        run_scenario("hotplug-burst-events-missed", lambda work: [], "progress=no event_buffers=1", burst_of_adds,
                     BURST_EXPECT),
    ]
    passed = sum(results)
    print("hotplug: %d passed, %d failed" % (passed, len(results) - passed))
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    os.makedirs(os.path.join(ROOT, "build", "test-logs"), exist_ok=True)
    sys.exit(main())
