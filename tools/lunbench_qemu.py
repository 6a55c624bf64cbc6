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
# The QEMU binary and accelerator: LUNBENCH_QEMU=.qemu-pack/qemu LUNBENCH_ACCEL=kvm on a machine
# with /dev/kvm (the packed QEMU of ../shared/tools/pack-qemu); QEMU's own defaults otherwise.
QEMU = os.environ.get("LUNBENCH_QEMU", "qemu-system-x86_64")
ACCEL = os.environ.get("LUNBENCH_ACCEL", "")
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
    cmd = [QEMU, "-M", machine, "-m", str(memory), "-display", "none",
           "-nodefaults", "-serial", "stdio", "-no-reboot", "-kernel", IMAGES[image]]
    if ACCEL:
        cmd += ["-accel", ACCEL]
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
                            stderr=subprocess.STDOUT, preexec_fn=raise_arg_max)
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


# ---- topologies: HBAs, targets and LUNs, turned into QEMU arguments and the inventory lunbench
# ---- must report for them

HBA_SLOT_BASE = 0x10  # HBA i sits at 00:(0x10+i).0 on the root bus, so its PCI name is known
SIZE_SUFFIX = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


def parse_size(text):
    """'1G', '512M', '4096' -> bytes (binary suffixes, as QEMU's)."""
    m = re.fullmatch(r"(\d+)([kKmMgGtT]?)(i?[bB])?", text.strip())
    if not m:
        raise ValueError("bad size %r (a number with an optional K, M, G or T suffix)" % text)
    return int(m.group(1)) * SIZE_SUFFIX[m.group(2).lower()]


def parse_numbers(text, limit, what):
    """'4' -> 0..3 (a count); '0,3,255' or '0-3,255' -> that list (a leading '=' forces a list
    for a single number: '=5' is LUN 5 alone). Every number must be <= limit."""
    text = text.strip()
    if re.fullmatch(r"\d+", text):
        numbers = list(range(int(text)))
    else:
        numbers = []
        for part in text.lstrip("=").split(","):
            m = re.fullmatch(r"(\d+)(?:-(\d+))?", part.strip())
            if not m:
                raise ValueError("bad %s list %r (use a count, or numbers and ranges: 0,3,8-15)" % (what, text))
            lo = int(m.group(1))
            hi = int(m.group(2)) if m.group(2) else lo
            if hi < lo:
                raise ValueError("bad %s range %s" % (what, part))
            numbers.extend(range(lo, hi + 1))
    if not numbers:
        raise ValueError("empty %s list %r" % (what, text))
    bad = [n for n in numbers if n > limit]
    if bad:
        raise ValueError("%s %d is above the maximum %d" % (what, bad[0], limit))
    if len(set(numbers)) != len(numbers):
        raise ValueError("%s list %r names a number twice" % (what, text))
    return numbers


class Hba:
    """One virtio-scsi-pci HBA and the LUNs behind it."""
    KEYS = ("targets", "luns", "type", "block_size", "size", "interface", "num_queues", "queue_size", "iothread",
            "backend", "root_port")

    def __init__(self, targets="1", luns="1", type="hd", block_size="512", size="1G", interface="both",
                 num_queues="", queue_size="", iothread="no", backend="null-co", root_port="no"):
        self.targets = parse_numbers(targets, 255, "target")
        self.luns = parse_numbers(luns, 16383, "LUN")
        if type not in ("hd", "cd", "mixed"):
            raise ValueError("bad type %r (hd, cd, or mixed: hd and cd LUNs alternating)" % type)
        self.type = type
        self.block_size = int(block_size)
        if self.block_size not in (512, 4096):
            raise ValueError("bad block_size %s (512 or 4096)" % block_size)
        self.size = parse_size(size)
        if self.size % 4096:
            raise ValueError("size %s is not a multiple of 4096" % size)
        if interface not in ("both", "modern", "legacy"):
            raise ValueError("bad interface %r (both, modern: disable-legacy=on, legacy: disable-modern=on)" % interface)
        self.interface = interface
        self.num_queues = int(num_queues) if num_queues else None
        self.queue_size = int(queue_size) if queue_size else None
        if iothread not in ("yes", "no") or root_port not in ("yes", "no"):
            raise ValueError("iothread and root_port take yes or no")
        self.iothread = iothread == "yes"
        self.root_port = root_port == "yes"
        if backend not in ("null-co", "file"):
            raise ValueError("bad backend %r (null-co or file)" % backend)
        self.backend = backend

    @classmethod
    def from_spec(cls, spec):
        """'targets=0-1,luns=4,type=cd' (commas inside lists need ';' in place: luns=0;255;256)."""
        kwargs = {}
        for item in filter(None, spec.split(",")):
            key, sep, value = item.partition("=")
            if not sep or key not in cls.KEYS:
                raise ValueError("bad HBA option %r (keys: %s)" % (item, ", ".join(cls.KEYS)))
            kwargs[key] = value.replace(";", ",")
        return cls(**kwargs)

    def lun_type(self, index):
        return self.type if self.type != "mixed" else ("hd" if index % 2 == 0 else "cd")

    def lun_count(self):
        return len(self.targets) * len(self.luns)


class Topology:
    def __init__(self, hbas, disk_dir=None):
        if not hbas:
            raise ValueError("a topology needs at least one HBA")
        self.hbas = hbas
        self.disk_dir = disk_dir

    def lun_count(self):
        return sum(h.lun_count() for h in self.hbas)

    def qemu_args(self):
        args = []
        for i, h in enumerate(self.hbas):
            props = "virtio-scsi-pci,id=hba%d" % i
            if h.root_port:
                args += ["-device", "pcie-root-port,id=rp%d,chassis=%d,addr=0x%x" % (i, i + 1, HBA_SLOT_BASE + i)]
                props += ",bus=rp%d" % i
            else:
                props += ",addr=0x%x" % (HBA_SLOT_BASE + i)
            if h.interface == "modern":
                props += ",disable-legacy=on"
            elif h.interface == "legacy":
                props += ",disable-modern=on"
            if h.num_queues:
                props += ",num_queues=%d" % h.num_queues
            if h.queue_size:
                props += ",virtqueue_size=%d" % h.queue_size
            if h.iothread:
                args += ["-object", "iothread,id=io%d" % i]
                props += ",iothread=io%d" % i
            args += ["-device", props]
            k = 0
            for t in h.targets:
                for lun in h.luns:
                    node = "h%dt%dl%d" % (i, t, lun)
                    kind = h.lun_type(k)
                    k += 1
                    if h.backend == "null-co":
                        args += ["-blockdev", "driver=null-co,node-name=%s,size=%d" % (node, h.size)]
                    else:
                        path = self.disk_file(i, t, lun, h.size)
                        args += ["-blockdev", "driver=file,node-name=%s,filename=%s,cache.direct=off" % (node, path)]
                    dev = "scsi-%s,bus=hba%d.0,channel=0,scsi-id=%d,lun=%d,drive=%s" % (kind, i, t, lun, node)
                    if kind == "hd" and h.block_size != 512:
                        dev += ",logical_block_size=%d,physical_block_size=%d" % (h.block_size, h.block_size)
                    args += ["-device", dev]
        return args

    def disk_file(self, hba, target, lun, size):
        if not self.disk_dir:
            raise ValueError("backend=file needs a directory for the disk images")
        os.makedirs(self.disk_dir, exist_ok=True)
        path = os.path.join(self.disk_dir, "hba%d-t%d-l%d.raw" % (hba, target, lun))
        with open(path, "wb") as f:
            f.truncate(size)
        return path

    def expected_luns(self):
        """(hba index, target, lun, type, blocks, block_size) for every LUN, in lunbench's order:
        HBAs in PCI order (they sit at increasing slots), then target, then LUN."""
        rows = []
        for i, h in enumerate(self.hbas):
            k = 0
            for t in h.targets:
                for lun in h.luns:
                    kind = h.lun_type(k)
                    k += 1
                    bs = 2048 if kind == "cd" else h.block_size
                    rows.append((i, t, lun, 5 if kind == "cd" else 0, h.size // bs, bs))
        return sorted(rows)


def extract_results(console):
    """The JSON document lunbench wrote between its result markers on the console, or None."""
    import json
    m = re.search(r"^----- lunbench results begin -----\n(.*?)^----- lunbench results end -----$", console, re.M | re.S)
    return json.loads(m.group(1)) if m else None


def raise_arg_max():
    """Linux sets ARG_MAX to a quarter of the stack limit at exec: 16384 LUNs of -blockdev and
    -device arguments pass the default 2 MiB. Raise the soft limit for the QEMU child."""
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_STACK)
    want = 256 << 20
    if hard != resource.RLIM_INFINITY:
        want = min(want, hard)
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_STACK, (want, hard))
