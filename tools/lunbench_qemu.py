"""Build QEMU command lines for lunbench and turn QEMU's exit code back into lunbench's status.

Shared by the launcher (tools/lunbench-run), the QEMU tests (tests/qemu/run_tests.py) and the
boot-time benchmark (tools/boot-time), so that all three boot lunbench the same way.
"""
import os
import re
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IMAGES = {
    "multiboot": os.path.join(ROOT, "build", "lunbench.elf"),
    "pvh": os.path.join(ROOT, "build", "lunbench-pvh.elf"),
}
FIRMWARE = {
    "seabios": None,  # QEMU's default for pc and q35
    "qboot": "/usr/share/qemu/qboot.rom",
    "microvm": None,  # microvm's default firmware (qboot)
}
STATUS_NAMES = {0: "success", 1: "finished with errors", 2: "bad usage or input",
                3: "no usable device", 4: "crash"}
EXIT_LINE = re.compile(r"^lunbench: exit status (\d+) ", re.M)


def qemu_command(image="multiboot", machine="q35", firmware="seabios", strict_boot=True,
                 memory="256", append="", extra=(), debug_exit=True):
    """The argument list that boots one lunbench image.

    strict_boot (SeaBIOS only) adds -boot strict=on: SeaBIOS then skips its own scan of the
    virtio-scsi LUNs (about 0.5 s per 1024 LUNs under TCG), since no disk has a bootindex.
    """
    if image not in IMAGES:
        raise ValueError("unknown image %r (choose %s)" % (image, ", ".join(IMAGES)))
    if firmware not in FIRMWARE:
        raise ValueError("unknown firmware %r (choose %s)" % (firmware, ", ".join(FIRMWARE)))
    if machine.startswith("microvm") and firmware == "seabios":
        firmware = "microvm"
    cmd = ["qemu-system-x86_64", "-M", machine, "-m", str(memory), "-display", "none",
           "-nodefaults", "-serial", "stdio", "-no-reboot", "-kernel", IMAGES[image]]
    if debug_exit:
        cmd += ["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
    if FIRMWARE[firmware]:
        cmd += ["-bios", FIRMWARE[firmware]]
    if firmware == "seabios" and strict_boot:
        cmd += ["-boot", "strict=on"]
    if append:
        cmd += ["-append", append]
    cmd += list(extra)
    return cmd


def status_from_exit(returncode, console):
    """lunbench's status from QEMU's exit code: isa-debug-exit makes it 2*status+1.

    Exit code 0 is never ours under -no-reboot: it is a triple fault, unless lunbench printed its
    exit line first and left through ACPI power-off (no isa-debug-exit device). Returns
    (status or None, one-line explanation).
    """
    if returncode > 0 and returncode % 2 == 1:
        status = (returncode - 1) // 2
        return status, "status %d (%s)" % (status, STATUS_NAMES.get(status, "unknown"))
    if returncode == 0:
        found = EXIT_LINE.findall(console)
        if found:
            status = int(found[-1])
            return status, "status %d (%s), by power-off" % (status, STATUS_NAMES.get(status, "unknown"))
        return None, "QEMU exited 0 with no exit line from lunbench: a triple fault"
    if returncode < 0:
        return None, "QEMU was killed by signal %d" % -returncode
    return None, "QEMU failed with exit code %d (not lunbench's: check its error above)" % returncode


def run_qemu(cmd, timeout, echo=None, marker=b"lunbench "):
    """Run QEMU, collecting the console; echo(chunk) streams it. Returns (returncode or None on
    timeout, console text, seconds until marker (lunbench's first line) appeared or None,
    seconds in all)."""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    out = bytearray()
    first = None
    os.set_blocking(proc.stdout.fileno(), False)
    timed_out = False
    while True:
        chunk = None
        try:
            chunk = proc.stdout.read(65536)
        except BlockingIOError:
            pass
        if chunk:
            out += chunk
            if first is None and marker in out:
                first = time.monotonic() - start
            if echo:
                echo(chunk.decode("utf-8", "replace"))
            continue
        if proc.poll() is not None and not chunk:
            rest = proc.stdout.read() or b""
            out += rest
            if echo and rest:
                echo(rest.decode("utf-8", "replace"))
            break
        if time.monotonic() - start > timeout:
            proc.kill()
            proc.wait()
            timed_out = True
            break
        time.sleep(0.002)
    total = time.monotonic() - start
    text = out.decode("utf-8", "replace").replace("\r\n", "\n")
    return (None if timed_out else proc.returncode), text, first, total
