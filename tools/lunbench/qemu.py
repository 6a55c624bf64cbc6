"""QEMU command lines that boot lunbench, running QEMU, and lunbench's status from its exit code.

Every tool and test builds its command with qemu_command, so that all of them boot lunbench the
same way. Three environment variables apply to all of them:
  LUNBENCH_QEMU       the QEMU binary (default qemu-system-x86_64), e.g. .qemu-pack/qemu, the
                      packed QEMU of ../shared/tools/pack-qemu
  LUNBENCH_ACCEL      the accelerator, e.g. kvm on a machine with /dev/kvm (default: none given,
                      so QEMU's own: TCG)
  LUNBENCH_QEMU_ARGS  more QEMU arguments, e.g. "-cpu host" with KVM
Each goes on the command line once: qemu_command refuses a command that names the accelerator,
the CPU, the machine (or another option QEMU takes once) twice, since QEMU would quietly take
one of them (or, for -accel, try each in turn) and run something neither asked for.
"""
import functools
import os
import re
import resource
import shlex
import subprocess
import threading
import time

from . import ROOT, contract, kvm
from .qmp import QmpError

BUILD = os.path.join(ROOT, "build")
IMAGES = {
    "multiboot": os.path.join(BUILD, "lunbench.elf"),
    "pvh": os.path.join(BUILD, "lunbench-pvh.elf"),
    "guard": os.path.join(BUILD, "lunbench-guard.elf"),  # Multiboot; device buffers against guard pages
    "uefi": os.path.join(BUILD, "lunbench.efi"),  # booted from an ESP (esp.make_esp), not -kernel
}
FIRMWARE = {
    "seabios": None,  # QEMU's default for pc and q35
    "qboot": "/usr/share/qemu/qboot.rom",
    "microvm": None,  # microvm's default firmware (qboot)
    "ovmf": "/usr/share/ovmf/OVMF.fd",  # -bios; ovmf="pflash" uses the CODE/VARS pair below
}
OVMF_PFLASH = ("/usr/share/OVMF/OVMF_CODE.fd", "/usr/share/OVMF/OVMF_VARS.fd")
QEMU = os.environ.get("LUNBENCH_QEMU", "qemu-system-x86_64")
ACCEL = os.environ.get("LUNBENCH_ACCEL", "")
EXTRA_ARGS = shlex.split(os.environ.get("LUNBENCH_QEMU_ARGS", ""))

# lunbench's last console line, "lunbench: exit status N (name)": where QEMU's exit code cannot
# carry the status (no isa-debug-exit device), this line does. tests/tools checks that the C
# sources print it.
EXIT_LINE_PREFIX = "lunbench: exit status "
EXIT_LINE = re.compile(r"^%s(\d+) " % re.escape(EXIT_LINE_PREFIX), re.M)

# Options a command line gives once, by the name qemu_command knows them under.
ONCE = {"-accel": "-accel", "-enable-kvm": "-accel", "-machine": "-machine", "-M": "-machine", "-cpu": "-cpu",
        "-m": "-m", "-smp": "-smp", "-kernel": "-kernel", "-append": "-append", "-bios": "-bios", "-boot": "-boot"}


def check_once(cmd):
    """ValueError when an option of ONCE appears twice in cmd (-M ...,accel=X counts as -accel)."""
    seen = {}
    for i, arg in enumerate(cmd[1:], 1):
        value = cmd[i + 1] if i + 1 < len(cmd) else ""
        names = [ONCE[arg]] if arg in ONCE else []
        if names == ["-machine"] and "accel=" in value:
            names.append("-accel")
        for name in names:
            given = arg if arg == "-enable-kvm" else "%s %s" % (arg, value)
            if name in seen:
                raise ValueError("QEMU option %s given twice (%s, then %s); LUNBENCH_ACCEL and LUNBENCH_QEMU_ARGS "
                                 "already go on every command line" % (name, seen[name], given))
            seen[name] = given


def qemu_command(image="multiboot", machine="q35", firmware="seabios", strict_boot=True, memory="256",
                 append="", extra=(), debug_exit=True, qemu=None, accel=None, kernel=None, nodefaults=True,
                 esp=None, ovmf="bios", ovmf_vars=None):
    """The argument list that boots one lunbench image.

    strict_boot (SeaBIOS only) adds -boot strict=on: SeaBIOS then skips its own scan of the
    virtio-scsi LUNs (about 0.5 s per 1024 LUNs under TCG), since no disk has a bootindex.
    qemu and accel replace LUNBENCH_QEMU and LUNBENCH_ACCEL (accel "" gives none: QEMU's
    default); kernel replaces the image's path; nodefaults=False keeps QEMU's default devices.
    image "uefi" boots under OVMF from esp (an image esp.make_esp wrote, holding the command
    line: append must be empty) on its own IDE disk with bootindex=0, so that OVMF boots it first
    and no HBA under test is touched for it; ovmf "bios" loads OVMF.fd with -bios, "pflash" the
    CODE/VARS pair, VARS from ovmf_vars (a writable copy).
    """
    if image not in IMAGES:
        raise ValueError("unknown image %r (choose %s)" % (image, ", ".join(IMAGES)))
    if firmware not in FIRMWARE:
        raise ValueError("unknown firmware %r (choose %s)" % (firmware, ", ".join(FIRMWARE)))
    if (image == "uefi") != (firmware == "ovmf"):
        raise ValueError("the uefi image boots under ovmf, and ovmf boots only the uefi image")
    if image == "uefi" and (esp is None or append):
        raise ValueError("the uefi image needs esp= (esp.make_esp, which holds its command line) and no append")
    if ovmf not in ("bios", "pflash"):
        raise ValueError("ovmf must be bios or pflash, not %r" % ovmf)
    if machine.startswith("microvm") and firmware == "seabios":
        firmware = "microvm"
    accel = ACCEL if accel is None else accel
    if accel == "kvm":
        problem = kvm.kvm_problem() or kvm.cpu_host_problem(EXTRA_ARGS, qemu_major(qemu), os.path.isdir(kvm.PVM_MODULE))
        if problem:
            raise ValueError(problem)
    cmd = [qemu or QEMU, "-M", machine, "-m", str(memory), "-display", "none"]
    if nodefaults:
        cmd.append("-nodefaults")
    cmd += ["-serial", "stdio", "-no-reboot"]
    if image == "uefi":
        cmd += ["-drive", "file=%s,format=raw,if=none,id=esp" % esp, "-device", "ide-hd,drive=esp,bus=ide.0,bootindex=0"]
    else:
        cmd += ["-kernel", kernel or IMAGES[image]]
    if accel:
        cmd += ["-accel", accel]
    cmd += EXTRA_ARGS
    if debug_exit:
        cmd += ["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
    if firmware == "ovmf" and ovmf == "pflash":
        if ovmf_vars is None:
            raise ValueError("ovmf=pflash needs ovmf_vars, a writable copy of %s" % OVMF_PFLASH[1])
        cmd += ["-drive", "if=pflash,format=raw,readonly=on,file=%s" % OVMF_PFLASH[0],
                "-drive", "if=pflash,format=raw,file=%s" % ovmf_vars]
    elif FIRMWARE[firmware]:
        cmd += ["-bios", FIRMWARE[firmware]]
    if firmware == "seabios" and strict_boot:
        cmd += ["-boot", "strict=on"]
    if append:
        cmd += ["-append", append]
    cmd += list(extra)
    check_once(cmd)
    return cmd


def qmp_args(path):
    """A QMP server on a UNIX socket that QEMU does not wait for (qmp.Qmp connects to it)."""
    return ["-qmp", "unix:%s,server=on,wait=off" % path]


def status_from_exit(returncode, console):
    """lunbench's status from QEMU's exit code: isa-debug-exit makes it 2*status+1.

    Exit code 0 is never ours under -no-reboot: it is a triple fault, unless lunbench printed its
    exit line first and left through ACPI power-off (no isa-debug-exit device). Returns
    (status or None, one-line explanation).
    """
    if returncode > 0 and returncode % 2 == 1:
        status = (returncode - 1) // 2
        return status, "status %d (%s)" % (status, contract.exit_status_name(status))
    if returncode == 0:
        found = EXIT_LINE.findall(console)
        if found:
            status = int(found[-1])
            return status, "status %d (%s), by power-off" % (status, contract.exit_status_name(status))
        return None, "QEMU exited 0 with no exit line from lunbench: a triple fault"
    if returncode < 0:
        return None, "QEMU was killed by signal %d" % -returncode
    return None, "QEMU failed with exit code %d (not lunbench's: check its error above)" % returncode


def run_qemu(cmd, timeout, echo=None, marker=b"lunbench ", alongside=None, kill_when=None):
    """Run QEMU, collecting the console.

    echo(text) streams the console as it comes. alongside(process) runs in a thread while QEMU
    does (a QMP conversation; it must catch its own errors), and is waited for. kill_when(output
    so far, bytes) is asked after every read and every idle poll; True kills QEMU at once
    (SIGKILL, a power cut). Whatever QEMU wrote before it ended, killed or not, is in the console.

    Returns (returncode, or None when the timeout killed it; console text; seconds until marker
    (lunbench's first line) appeared, or None; seconds in all)."""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, preexec_fn=raise_arg_max)
    helper = None
    if alongside is not None:
        helper = threading.Thread(target=alongside, args=(proc,), daemon=True)
        helper.start()
    out = bytearray()
    first = None
    os.set_blocking(proc.stdout.fileno(), False)
    timed_out = False

    def take(chunk):
        nonlocal first
        out.extend(chunk)
        if first is None and marker in out:
            first = time.monotonic() - start
        if echo:
            echo(chunk.decode("utf-8", "replace"))

    try:
        while True:
            chunk = None
            try:
                chunk = proc.stdout.read(65536)
            except BlockingIOError:
                pass
            if chunk:
                take(chunk)
            elif proc.poll() is not None:
                break
            if kill_when is not None and kill_when(out):
                break
            if time.monotonic() - start > timeout:
                timed_out = True
                break
            if not chunk:
                time.sleep(0.002)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        # What was in the pipe when QEMU ended was printed before it did: it counts too.
        rest = proc.stdout.read() or b""
        if rest:
            take(rest)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        if helper is not None:
            helper.join()
    total = time.monotonic() - start
    text = out.decode("utf-8", "replace").replace("\r\n", "\n")
    return (None if timed_out else proc.returncode), text, first, total


def qemu_version(binary=None):
    """(the first line of `QEMU --version`, None) or (None, why it failed)."""
    binary = binary or QEMU
    try:
        proc = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, "%s --version: %s" % (binary, e)
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        return None, "%s --version: exit code %d" % (binary, proc.returncode)
    return lines[0], None


@functools.lru_cache(maxsize=None)
def qemu_major(binary=None):
    """QEMU's major version (7 for "QEMU emulator version 7.2.22"), or None when unknown."""
    line, _ = qemu_version(binary)
    m = re.search(r"version (\d+)\.", line or "")
    return int(m.group(1)) if m else None


def accelerator_asked(accel=None):
    """What a command of qemu_command(accel=accel) asks for, in words: the command says what
    QEMU should use; accelerator_from_query_kvm says what it did."""
    accel = ACCEL if accel is None else accel
    return "-accel %s" % accel if accel else "QEMU's default accelerator (TCG)"


def accelerator_from_query_kvm(reply):
    """The accelerator QEMU runs on, from its answer to QMP query-kvm: KVM when "enabled", else
    TCG (x86 QEMU's other accelerator on a Linux host)."""
    if not isinstance(reply, dict) or not isinstance(reply.get("enabled"), bool):
        raise QmpError("query-kvm answered %r, not {\"enabled\": true or false, ...}" % (reply,))
    return "KVM" if reply["enabled"] else "TCG"


def raise_arg_max():
    """Linux sets ARG_MAX to a quarter of the stack limit at exec: 16384 LUNs of -blockdev and
    -device arguments pass the default 2 MiB. Raise the soft limit for the QEMU child."""
    soft, hard = resource.getrlimit(resource.RLIMIT_STACK)
    want = 256 << 20
    if hard != resource.RLIM_INFINITY:
        want = min(want, hard)
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_STACK, (want, hard))
