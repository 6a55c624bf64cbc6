"""The vhost-user virtio-scsi target (tools/vscsi-target) beside QEMU, for the HBAs of a topology
with backend=vscsi-target: one target process per such HBA, started before QEMU (QEMU's chardev
connects to its socket), stopped after QEMU ends, its log in the run's directory.

    with vscsi_target.Targets(topology, run_dir + "/") as targets:
        ... run QEMU with topology.qemu_args(memory) ...
    targets.problems   # a target that crashed, or failed under ASan/UBSan

LUNBENCH_VSCSI_TARGET names another binary; the default is build/vscsi-target, or with
sanitized=True (the QEMU tests) build/vscsi-target-asan.
"""
import os
import shutil
import signal
import subprocess
import time

from . import ROOT

BUILD = os.path.join(ROOT, "build")
STARTUP_SECONDS = 10
STOP_SECONDS = 10


def binary(sanitized=False):
    default = os.path.join(BUILD, "vscsi-target-asan" if sanitized else "vscsi-target")
    return os.environ.get("LUNBENCH_VSCSI_TARGET", default)


def ranges(numbers):
    """[0, 1, 2, 3, 7] as "0-3,7": the target's list syntax, short even for 16384 LUNs."""
    out, start, prev = [], None, None
    for n in sorted(numbers):
        if start is None:
            start = prev = n
        elif n == prev + 1:
            prev = n
        else:
            out.append("%d-%d" % (start, prev) if prev != start else "%d" % start)
            start = prev = n
    if start is not None:
        out.append("%d-%d" % (start, prev) if prev != start else "%d" % start)
    return ",".join(out)


def command(topology, index, hba, sanitized=False):
    """The target's command line for HBA index of topology."""
    cmd = [binary(sanitized), "--socket", topology.socket_path(index), "--targets", ranges(hba.targets),
           "--luns", ranges(hba.luns), "--size", str(hba.size), "--block-size", str(hba.block_size),
           "--store", hba.store, "--write-cache", hba.write_cache]
    if hba.faults:
        cmd += ["--faults", hba.faults]
    return cmd


class Targets:
    """Context manager: the targets of a topology's backend=vscsi-target HBAs, running."""

    def __init__(self, topology, log_prefix, sanitized=False):
        """log_prefix: where the logs go, as a path prefix ("run/" gives run/vscsi-target-hba0.log)."""
        self.topology = topology
        self.log_prefix = log_prefix
        self.sanitized = sanitized
        self.procs = []     # (index, Popen, log path, log file)
        self.problems = []  # filled in when they stop
        self.logs = {}      # HBA index -> the target's log text, after they stop

    def __enter__(self):
        try:
            for i, h in self.topology.vscsi_target_hbas():
                cmd = command(self.topology, i, h, self.sanitized)
                if not os.path.exists(cmd[0]):
                    raise RuntimeError("%s is missing: run make first" % cmd[0])
                path = "%svscsi-target-hba%d.log" % (self.log_prefix, i)
                log = open(path, "w")
                log.write("$ %s\n" % " ".join(cmd))
                log.flush()
                proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
                self.procs.append((i, proc, path, log))
                self.wait_for_socket(i, proc, path)
        except BaseException:
            self.stop()
            raise
        return self

    def wait_for_socket(self, index, proc, path):
        sock = self.topology.socket_path(index)
        deadline = time.monotonic() + STARTUP_SECONDS
        while not os.path.exists(sock):
            if proc.poll() is not None:
                raise RuntimeError("vscsi-target for HBA %d exited with %d before listening: %s" % (
                    index, proc.returncode, tail(path)))
            if time.monotonic() > deadline:
                raise RuntimeError("vscsi-target for HBA %d did not listen on %s within %d s" % (
                    index, sock, STARTUP_SECONDS))
            time.sleep(0.01)

    def stop(self):
        for i, proc, path, log in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(STOP_SECONDS)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
                    self.problems.append("vscsi-target for HBA %d did not stop within %d s of SIGTERM (killed)" % (
                        i, STOP_SECONDS))
            log.close()
            with open(path, errors="replace") as f:
                self.logs[i] = f.read()
            if proc.returncode != 0:
                self.problems.append("vscsi-target for HBA %d exited with %d: %s" % (i, proc.returncode, tail(path)))
            elif "ERROR: AddressSanitizer" in self.logs[i] or "runtime error:" in self.logs[i]:
                self.problems.append("vscsi-target for HBA %d: a sanitizer report in %s" % (i, path))
        self.procs = []
        if self.topology.socket_dir:
            shutil.rmtree(self.topology.socket_dir, ignore_errors=True)
            self.topology.socket_dir = None

    def __exit__(self, *exc):
        self.stop()
        return False


def tail(path, lines=5):
    with open(path, errors="replace") as f:
        return " | ".join(f.read().strip().splitlines()[-lines:])
