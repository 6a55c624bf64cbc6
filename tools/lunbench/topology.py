"""Topologies: virtio-scsi HBAs with their targets and LUNs, and virtio-blk disks (and the faults
QEMU injects into them), turned into QEMU arguments and into the inventory lunbench must report.

Used by the launcher (tools/lunbench-run --hba), the benchmarks and the QEMU tests
(unittests.cfg `topology`).
"""
import json
import os
import tempfile

from .parse import parse_count_or_list, parse_number_list, parse_size

HBA_SLOT_BASE = 0x10  # PCI device i (an HBA or a disk) sits at 00:(0x10+i).0, so its PCI name is known
SLOTS = 15            # slots 0x10..0x1e: q35 keeps 0x1f for its ICH9 functions
MAX_DEVICES = SLOTS * 8  # more than SLOTS devices are packed 8 functions to a slot (multifunction)

# errno values blkdebug can inject (Linux numbers), and what QEMU's scsi-disk answers for each
# with rerror=report/werror=report (scsi_sense_from_errno in QEMU's scsi/utils.c; docs/faults.md)
MEDIA_ERRNO = {
    "eio": 5,          # CHECK CONDITION, ABORTED COMMAND / I/O PROCESS TERMINATED (0b/00/06)
    "enodata": 61,     # CHECK CONDITION, MEDIUM ERROR / UNRECOVERED READ ERROR (03/11/00)
    "enomedium": 123,  # CHECK CONDITION, NOT READY / MEDIUM NOT PRESENT (02/3a/00)
    "enospc": 28,      # CHECK CONDITION, DATA PROTECT / SPACE ALLOCATION FAILED WRITE PROTECT (07/27/07)
    "einval": 22,      # CHECK CONDITION, ILLEGAL REQUEST / INVALID FIELD IN CDB (05/24/00)
    "enomem": 12,      # CHECK CONDITION, HARDWARE ERROR / INTERNAL TARGET FAILURE (04/44/00)
    "eremoteio": 121,  # CHECK CONDITION, HARDWARE ERROR / INTERNAL TARGET FAILURE (04/44/00)
    "edom": 33,        # status TASK SET FULL (0x28), no sense
    "ebade": 52,       # status RESERVATION CONFLICT (0x18), no sense
}
MAX_ERROR_LBAS = 64


def parse_lun_selection(text, luns, what):
    """A fault key's LUN selection: 'all' (or 'yes'), 'none' (or 'no'), or LUN numbers and ranges
    ('3', '0-3,7'; in a --hba spec '0-3;7'). A bare number is that LUN, not a count. Every number
    must be one of the HBA's LUNs. Returns a set of LUN numbers."""
    text = text.strip()
    if text in ("all", "yes"):
        return set(luns)
    if text in ("none", "no"):
        return set()
    chosen = parse_number_list(text, 16383, what)
    missing = [n for n in chosen if n not in luns]
    if missing:
        raise ValueError("%s names LUN %d, which this HBA does not have (its luns: %s)" % (
            what, missing[0], ";".join(map(str, luns[:8])) + (";..." if len(luns) > 8 else "")))
    return set(chosen)


class Hba:
    """One virtio-scsi-pci HBA and the LUNs behind it, or (device=blk) a group of virtio-blk-pci
    disks, each a PCI device of its own that lunbench drives as its own HBA with target 0, LUN 0.

    Keys (tools/lunbench-run --hba, unittests.cfg `topology`; lists inside a spec take ';'):
      device          scsi (the default: one virtio-scsi-pci HBA) or blk (virtio-blk-pci disks)
      disks           device=blk: how many disks (default 1). The LUN-selecting keys below
                      (read_only, media_error_luns, throttle_luns, zero_size) then name disks by
                      their position in the group, 0 first; targets, luns, type and no_medium do
                      not apply
      targets, luns   a count (4: 0..3) or a list (0;255;256, 0-15)
      type            hd, cd, or mixed (hd and cd alternating)
      block_size      512 or 4096 (scsi-hd LUNs; scsi-cd LUNs have 2048)
      size            bytes per LUN (1G, 64M, 0), a multiple of 4096
      interface       both (transitional), modern (disable-legacy=on), legacy (disable-modern=on)
      num_queues, queue_size, iothread (yes/no), root_port (yes/no: behind a pcie-root-port of
                      its own, q35)
      discard         ignore (default) or unmap: QEMU's discard= for the LUNs' nodes. scsi-hd offers
                      UNMAP (page B2: LBPU) either way and answers it GOOD, but only with unmap
                      does its block layer pass the discard on (a file image gets holes punched;
                      null-co has no discard to do)
      backend         null-co, or file (raw images in the topology's disk_dir), or
                      vscsi-target: the HBA is a vhost-user-scsi-pci served by our own target
                      (tools/vscsi-target, started beside QEMU by vscsi_target.Targets; guest
                      RAM becomes a shared memfd), its LUNs disks in the target's memory
      store           vscsi-target only: sparse (default: keeps what is written, so verify
                      jobs work), null (zeroes; writes dropped), or file:PATH (every LUN in
                      that one file, LUN k in target then LUN order at byte k x size; it
                      outlives the target)
      faults          vscsi-target only: a fault-rule file (docs/faults.md, "The
                      vscsi-target's faults")
      write_cache     vscsi-target only: none (default) or volatile: writes wait in the
                      target's cache until SYNCHRONIZE CACHE or FUA; QEMU going away is a power
                      cut that loses the rest (a random part of it reaches the store)

    Faults (docs/faults.md has what QEMU does and what the guest sees for each). A key that
    takes LUNs takes `all` (or yes), `none` (or no, the default) or LUN numbers and ranges
    (3, 0-3;7): a bare number is that one LUN, not a count, and the LUNs are chosen on every
    target of the HBA.
      media_error       none, read, write or rw: reads and/or writes fail in QEMU's block
                        layer (blkdebug under a raw node; the scsi device gets rerror=report,
                        werror=report). scsi-disk answers with CHECK CONDITION and a sense
                        that depends on media_error_errno
      media_error_luns  the LUNs media_error applies to (default all)
      media_error_lba   LBAs (in the LUN's logical blocks) whose I/O fails: a request fails
                        when it covers the first byte of one of them. Default: every request.
                        At most 64 LBAs
      media_error_once  no (default) or yes: each LBA rule (or the any-LBA rule) fails one
                        request and is then spent, on each LUN
      media_error_errno the errno injected: eio (default), enodata, enomedium, enospc,
                        einval, enomem, eremoteio, edom, ebade (MEDIA_ERRNO lists the answer)
      throttle_iops     I/Os per second a LUN serves (a throttle filter node and one
                        throttle-group object per LUN): 1 with a small cmd_timeout_ms makes
                        commands outlive their deadline. Default: no limit
      throttle_bps      bytes per second a LUN serves (1: a 4 KiB request waits ~68 min, a
                        request the device holds; draining it for a reset releases it)
      throttle_luns     the LUNs throttle_* apply to (default all)
      read_only         LUNs whose nodes are read-only=on: scsi-hd answers writes with DATA
                        PROTECT / WRITE PROTECTED (07/27/00)
      zero_size         LUNs of 0 bytes (whatever `size` says): READ CAPACITY answers NOT
                        READY / MANUAL INTERVENTION REQUIRED (02/04/03)
      no_medium         cd LUNs with no drive at all (an empty scsi-cd): TEST UNIT READY and
                        READ CAPACITY answer NOT READY / MEDIUM NOT PRESENT (02/3a/00)
    """
    KEYS = ("device", "disks", "targets", "luns", "type", "block_size", "size", "interface", "num_queues", "queue_size", "iothread",
            "backend", "root_port",
            "media_error", "media_error_luns", "media_error_lba", "media_error_once", "media_error_errno",
            "throttle_iops", "throttle_bps", "throttle_luns", "read_only", "zero_size", "no_medium",
            "store", "faults", "write_cache", "discard")

    def __init__(self, device="scsi", disks=None, targets="1", luns="1", type="hd", block_size="512", size="1G", interface="both",
                 num_queues="", queue_size="", iothread="no", backend="null-co", root_port="no",
                 media_error="none", media_error_luns=None, media_error_lba=None, media_error_once=None,
                 media_error_errno=None, throttle_iops="", throttle_bps="", throttle_luns=None,
                 read_only="none", zero_size="none", no_medium="none", store=None, faults=None,
                 write_cache=None, discard="ignore"):
        if device not in ("scsi", "blk"):
            raise ValueError("bad device %r (scsi: a virtio-scsi HBA, blk: virtio-blk disks)" % device)
        self.device = device
        if discard not in ("ignore", "unmap"):
            raise ValueError("bad discard %r (ignore or unmap, as QEMU's discard= option)" % discard)
        self.discard = discard
        if device == "blk":
            if targets != "1" or luns != "1" or type != "hd" or no_medium != "none" or backend == "vscsi-target":
                raise ValueError("device=blk takes disks=N, not targets, luns, type, no_medium or backend=vscsi-target "
                                 "(each disk is target 0, LUN 0 of its own HBA)")
            # The disks stand in the LUN list, so that the LUN-selecting keys name them.
            luns = str(int(disks)) if disks is not None else "1"
            if int(luns) < 1:
                raise ValueError("disks must be at least 1")
        elif disks is not None:
            raise ValueError("disks needs device=blk")
        self.targets = parse_count_or_list(targets, 255, "target")
        self.luns = parse_count_or_list(luns, 16383, "LUN")
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
        if backend not in ("null-co", "file", "vscsi-target"):
            raise ValueError("bad backend %r (null-co, file or vscsi-target)" % backend)
        self.backend = backend
        self.vscsi_target = backend == "vscsi-target"
        for key, value in (("store", store), ("faults", faults), ("write_cache", write_cache)):
            if value is not None and not self.vscsi_target:
                raise ValueError("%s needs backend=vscsi-target" % key)
        if write_cache not in (None, "none", "volatile"):
            raise ValueError("bad write_cache %r (none or volatile)" % write_cache)
        self.write_cache = write_cache or "none"
        if store not in (None, "sparse", "null") and not (store.startswith("file:") and len(store) > 5):
            raise ValueError("bad store %r (sparse, null or file:PATH)" % store)
        self.store = store or "sparse"
        if faults is not None and not os.path.isfile(faults):
            raise ValueError("faults=%s: no such file" % faults)
        self.faults = faults

        # faults; a key that refines a fault (media_error_*, throttle_luns) without the fault is an
        # error rather than ignored
        if media_error not in ("none", "read", "write", "rw"):
            raise ValueError("bad media_error %r (none, read, write or rw)" % media_error)
        self.media_error = media_error
        refining = [k for k, v in (("media_error_luns", media_error_luns), ("media_error_lba", media_error_lba),
                                   ("media_error_once", media_error_once), ("media_error_errno", media_error_errno))
                    if v is not None]
        if refining and media_error == "none":
            raise ValueError("%s needs media_error=read, write or rw" % refining[0])
        self.media_error_luns = set()
        if media_error != "none":
            self.media_error_luns = parse_lun_selection(media_error_luns or "all", self.luns, "media_error_luns")
        self.media_error_lba = []
        if media_error_lba is not None:
            self.media_error_lba = parse_number_list(media_error_lba, (1 << 63) - 1, "media_error_lba")
            if len(self.media_error_lba) > MAX_ERROR_LBAS:
                raise ValueError("media_error_lba names %d LBAs (at most %d)" % (len(self.media_error_lba), MAX_ERROR_LBAS))
        if media_error_once not in (None, "yes", "no"):
            raise ValueError("media_error_once takes yes or no")
        self.media_error_once = media_error_once == "yes"
        if media_error_errno is not None and media_error_errno not in MEDIA_ERRNO:
            raise ValueError("bad media_error_errno %r (%s)" % (media_error_errno, ", ".join(MEDIA_ERRNO)))
        self.media_error_errno = media_error_errno or "eio"
        self.throttle_iops = self._positive(throttle_iops, "throttle_iops")
        self.throttle_bps = self._positive(throttle_bps, "throttle_bps")
        if throttle_luns is not None and not (self.throttle_iops or self.throttle_bps):
            raise ValueError("throttle_luns needs throttle_iops or throttle_bps")
        self.throttle_luns = set()
        if self.throttle_iops or self.throttle_bps:
            self.throttle_luns = parse_lun_selection(throttle_luns or "all", self.luns, "throttle_luns")
        self.read_only = parse_lun_selection(read_only, self.luns, "read_only")
        self.zero_size = parse_lun_selection(zero_size, self.luns, "zero_size")
        self.no_medium = parse_lun_selection(no_medium, self.luns, "no_medium")
        k = 0
        for _ in self.targets:
            for lun in self.luns:
                if lun in self.no_medium and self.lun_type(k) != "cd":
                    raise ValueError("no_medium: LUN %d is a scsi-hd (only cd LUNs can be empty: type=cd or mixed, "
                                     "where odd positions are cd)" % lun)
                k += 1
        if self.throttle_luns and self.iothread:
            raise ValueError("throttle_iops/throttle_bps with iothread=yes: QEMU 7.2 aborts on the LOGICAL UNIT "
                             "RESET that a stalled command leads to (blk_drain: Assertion `qemu_in_main_thread()')")
        if self.no_medium & (self.media_error_luns | self.throttle_luns | self.read_only | self.zero_size):
            raise ValueError("no_medium LUNs have no drive: media_error, throttle, read_only and zero_size "
                             "cannot apply to them")
        if self.vscsi_target:
            qemu_only = [k for k, on in (("type=%s" % self.type, self.type != "hd"), ("iothread", self.iothread),
                                         ("media_error", self.media_error != "none"),
                                         ("throttle_*", bool(self.throttle_luns)), ("read_only", bool(self.read_only)),
                                         ("zero_size", bool(self.zero_size)), ("no_medium", bool(self.no_medium)))
                         if on]
            if qemu_only:
                raise ValueError("backend=vscsi-target serves hd LUNs from its own memory: %s is for QEMU's "
                                 "devices (use faults=FILE for the target's faults)" % qemu_only[0])

    @staticmethod
    def _positive(text, what):
        if not str(text).strip():
            return None
        value = parse_size(str(text))
        if value < 1:
            raise ValueError("%s must be at least 1" % what)
        return value

    @classmethod
    def from_spec(cls, spec):
        """'targets=0-1,luns=4,type=cd' (commas inside lists need ';' in place: luns=0;255;256)."""
        kwargs = {}
        for item in filter(None, spec.split(",")):
            key, sep, value = item.partition("=")
            if not sep or key not in cls.KEYS:
                raise ValueError("bad HBA option %r (keys: %s)" % (item, ", ".join(cls.KEYS)))
            kwargs[key] = value
        return cls(**kwargs)

    def lun_type(self, index):
        return self.type if self.type != "mixed" else ("hd" if index % 2 == 0 else "cd")

    def lun_count(self):
        return len(self.targets) * len(self.luns)

    def device_count(self):
        """PCI devices: one HBA, or one per disk."""
        return len(self.luns) if self.device == "blk" else 1

    def lun_size(self, lun):
        return 0 if lun in self.zero_size else self.size


class Topology:
    """The HBAs of one QEMU run, in PCI order; disk_dir holds the raw images of file-backed LUNs."""

    def __init__(self, hbas, disk_dir=None, iothreads=0, vq_mapping=False):
        """iothreads > 0: that many iothreads shared by every device, device i on iothread
        i % iothreads (QEMU 7.2 runs a device on one iothread), in place of iothread=yes's one
        per HBA. vq_mapping (QEMU >= 10: iothread-vq-mapping on virtio-scsi-pci and
        virtio-blk-pci): every device's request queues spread over all the iothreads instead,
        QEMU giving them out round-robin."""
        if not hbas:
            raise ValueError("a topology needs at least one HBA")
        if iothreads < 0:
            raise ValueError("iothreads must be 0 or more, not %d" % iothreads)
        self.hbas = hbas
        self.iothreads = iothreads
        self.vq_mapping = vq_mapping and iothreads > 0
        self.disk_dir = disk_dir
        self.socket_dir = None  # made on first use: vhost-user sockets of backend=vscsi-target HBAs

    def lun_count(self):
        return sum(h.lun_count() for h in self.hbas)

    def device_count(self):
        """The HBAs lunbench reports: a virtio-scsi HBA or a virtio-blk disk each."""
        return sum(h.device_count() for h in self.hbas)

    def devices(self):
        """(device index, Hba, disk position) for every PCI device, in slot order (disk position
        None for a virtio-scsi HBA); the device index is lunbench's HBA index."""
        rows = []
        for h in self.hbas:
            for k in (range(h.device_count()) if h.device == "blk" else [None]):
                rows.append((len(rows), h, k))
        if len(rows) > MAX_DEVICES:
            raise ValueError("%d PCI devices (HBAs and disks) do not fit the %d functions of root-bus slots 0x%x..0x%x"
                             % (len(rows), MAX_DEVICES, HBA_SLOT_BASE, HBA_SLOT_BASE + SLOTS - 1))
        return rows

    def address(self, i):
        """Where PCI device i sits on the root bus: "0x12" (slot 0x12, function 0) while the
        devices fit a slot each, else packed 8 to a slot ("0x12.3"), function 0 of each slot
        multifunction. Devices stay in PCI order either way, so HBA indexes follow i."""
        if self.device_count() <= SLOTS:
            return "0x%x" % (HBA_SLOT_BASE + i)
        slot, fn = HBA_SLOT_BASE + i // 8, i % 8
        return "0x%x.%d%s" % (slot, fn, ",multifunction=on" if fn == 0 else "")

    def vscsi_target_hbas(self):
        """(index, Hba) of every HBA that our vhost-user target serves."""
        return [(i, h) for i, h, _ in self.devices() if h.vscsi_target]

    def socket_path(self, hba):
        """The vhost-user socket of HBA hba (backend=vscsi-target), in a directory under /tmp of its
        own: a UNIX socket's path is limited to 107 bytes."""
        if self.socket_dir is None:
            self.socket_dir = tempfile.mkdtemp(prefix="lunbench-vt-")
        return os.path.join(self.socket_dir, "hba%d.sock" % hba)

    def memory_args(self, memory):
        """vhost-user needs the guest RAM in a file QEMU can pass to the target: a shared memfd of
        memory MiB as the one NUMA node's memory (the -m size)."""
        if not self.vscsi_target_hbas():
            return []
        return ["-object", "memory-backend-memfd,id=lunbench-ram,size=%sM,share=on" % memory,
                "-numa", "node,memdev=lunbench-ram"]

    def qemu_args(self, memory=None):
        """QEMU's arguments for the HBAs and their LUNs; memory (MiB, the -m value) is needed when
        an HBA is backend=vscsi-target."""
        if self.vscsi_target_hbas() and memory is None:
            raise ValueError("a backend=vscsi-target HBA needs the guest memory size for its shared memfd")
        args = self.memory_args(memory)
        for k in range(self.iothreads):
            args += ["-object", "iothread,id=iot%d" % k]
        for i, h, disk in self.devices():
            if h.device == "blk":
                args += self.blk_args(i, h, disk)
                continue
            if h.vscsi_target:
                args += ["-chardev", "socket,id=vt%d,path=%s" % (i, self.socket_path(i))]
                props = "vhost-user-scsi-pci,id=hba%d,chardev=vt%d" % (i, i)
            else:
                props = "virtio-scsi-pci,id=hba%d" % i
            args += self.placement(i, h)
            props += self.pci_props(i, h)
            if h.num_queues:
                props += ",num_queues=%d" % h.num_queues
            if h.queue_size:
                props += ",virtqueue_size=%d" % h.queue_size
            extra, props = self.iothread_args(i, h, props)
            args += extra + ["-device", self.device_json(props) if self.vq_mapping and not h.vscsi_target else props]
            if h.vscsi_target:
                continue  # the target process has the LUNs
            k = 0
            for t in h.targets:
                for lun in h.luns:
                    node = "h%dt%dl%d" % (i, t, lun)
                    kind = h.lun_type(k)
                    k += 1
                    dev = "scsi-%s,bus=hba%d.0,channel=0,scsi-id=%d,lun=%d" % (kind, i, t, lun)
                    if lun in h.no_medium:
                        args += ["-device", self.lun_device(dev)]  # an empty scsi-cd: no drive at all
                        continue
                    args += self.lun_nodes(h, i, t, lun, node, kind)
                    dev += ",drive=%s" % node
                    if kind == "hd" and h.block_size != 512:
                        dev += ",logical_block_size=%d,physical_block_size=%d" % (h.block_size, h.block_size)
                    if lun in h.media_error_luns:
                        dev += ",rerror=report,werror=report"
                    args += ["-device", self.lun_device(dev)]
        return args

    def lun_device(self, dev):
        """A LUN's -device: JSON as its HBA's is, when that is (device_json)."""
        return self.device_json(dev, mapped=False) if self.vq_mapping else dev

    def placement(self, i, h):
        """A pcie-root-port of the device's own at its address, when it sits behind one."""
        if not h.root_port:
            return []
        return ["-device", "pcie-root-port,id=rp%d,chassis=%d,addr=%s" % (i, i + 1, self.address(i))]

    def pci_props(self, i, h):
        """Where the device sits and which virtio interfaces it offers."""
        props = ",bus=rp%d" % i if h.root_port else ",addr=%s" % self.address(i)
        if h.interface == "modern":
            props += ",disable-legacy=on"
        elif h.interface == "legacy":
            props += ",disable-modern=on"
        return props

    def blk_args(self, i, h, disk):
        """One virtio-blk-pci disk: its block nodes (the same chain a LUN gets, faults included)
        and the device, PCI device i, the disk at position `disk` of its group."""
        node = "blk%d" % i
        args = self.placement(i, h) + self.lun_nodes(h, i, 0, disk, node, "hd")
        props = "virtio-blk-pci,id=vblk%d,drive=%s" % (i, node) + self.pci_props(i, h)
        if h.num_queues:
            props += ",num-queues=%d" % h.num_queues
        if h.queue_size:
            props += ",queue-size=%d" % h.queue_size
        if h.block_size != 512:
            props += ",logical_block_size=%d,physical_block_size=%d" % (h.block_size, h.block_size)
        if disk in h.media_error_luns:
            props += ",rerror=report,werror=report"
        extra, props = self.iothread_args(i, h, props)
        return args + extra + ["-device", self.device_json(props) if self.vq_mapping else props]

    def iothread_args(self, i, h, props):
        """(the -object arguments, props with iothread=) of device i: a shared iothread of
        iothreads=, else its own with iothread=yes, else none. With vq_mapping the device names
        no single iothread (device_json maps its queues over all)."""
        if self.vq_mapping and not h.vscsi_target:
            return [], props
        if self.iothreads:
            return [], props + ",iothread=iot%d" % (i % self.iothreads)
        if h.iothread:
            return ["-object", "iothread,id=io%d" % i], props + ",iothread=io%d" % i
        return [], props

    # Properties whose "on"/"off" are booleans in -device's JSON form (the others are strings:
    # disable-legacy is OnOffAuto).
    JSON_BOOLS = {"disable-modern"}

    def device_json(self, props, mapped=True):
        """A "driver,key=value,..." device as -device's JSON form, with iothread-vq-mapping over
        every iothread when mapped (a list property: only the JSON form takes it). QEMU creates
        the JSON -devices after the others, so the devices on a mapped HBA's bus must be JSON too
        (mapped False)."""
        driver, *pairs = props.split(",")
        obj = {"driver": driver}
        for pair in pairs:
            key, value = pair.split("=", 1)
            if value.isdigit():
                obj[key] = int(value)
            elif key in self.JSON_BOOLS:
                obj[key] = value == "on"
            else:
                obj[key] = value
        if mapped:
            obj["iothread-vq-mapping"] = [{"iothread": "iot%d" % k} for k in range(self.iothreads)]
        return json.dumps(obj, separators=(",", ":"))

    def lun_nodes(self, h, i, t, lun, node, kind):
        """The -object/-blockdev arguments of one LUN, bottom up; the top node is named `node`.
        Without faults this is the single null-co or file node it has always been."""
        args = []
        ro = ",read-only=on" if lun in h.read_only else ""
        ro += ",discard=unmap" if h.discard == "unmap" else ""
        # node names bottom up: the image, the blkdebug node and the raw node above it (media
        # errors), the throttle node (throttle_*); the top one takes the plain name drive= uses
        chain = ["img"]
        if lun in h.media_error_luns:
            chain += ["dbg", "raw"]
        if lun in h.throttle_luns:
            chain.append("thr")
        names = ["%s-%s" % (node, n) for n in chain[:-1]] + [node]
        size = h.lun_size(lun)
        if h.backend == "null-co":
            args += ["-blockdev", "driver=null-co,node-name=%s,size=%d%s" % (names[0], size, ro)]
        else:
            # a virtio-blk disk's image is named by its HBA index alone (target 0, LUN 0)
            path = self.disk_file(i, 0, 0, size) if h.device == "blk" else self.disk_file(i, t, lun, size)
            args += ["-blockdev", "driver=file,node-name=%s,filename=%s,cache.direct=off%s" % (names[0], path, ro)]
        for below, layer, name in zip(names, chain[1:], names[1:]):
            if layer == "dbg":
                args += ["-blockdev", "driver=blkdebug,node-name=%s,image=%s%s%s" % (
                    name, below, ro, self.blkdebug_rules(h, kind))]
            elif layer == "raw":
                args += ["-blockdev", "driver=raw,node-name=%s,file=%s%s" % (name, below, ro)]
            elif layer == "thr":
                group = "tg-%s" % node
                limits = ""
                if h.throttle_iops:
                    limits += ",x-iops-total=%d" % h.throttle_iops
                if h.throttle_bps:
                    limits += ",x-bps-total=%d" % h.throttle_bps
                args += ["-object", "throttle-group,id=%s%s" % (group, limits),
                         "-blockdev", "driver=throttle,node-name=%s,throttle-group=%s,file=%s%s" % (name, group, below, ro)]
        return args

    @staticmethod
    def blkdebug_rules(h, kind):
        """blkdebug's inject-error rules. They only act once an event has armed them: the raw node
        above the blkdebug node raises read_aio before every read and write_aio before every
        write (raw_co_preadv/raw_co_pwritev), so each rule is armed by its direction's event and
        filtered by iotype; `sector` (512-byte units) narrows it to requests covering that
        sector; `once` spends it on the first hit.

        QEMU itself reads the first 512 bytes of every scsi-hd when it realizes the device
        (hd_geometry_guess looks for a partition table), before the guest runs. That read would
        spend a `once` rule that covers LBA 0 (or any LBA), so with media_error_once on an hd
        LUN the rules only apply in blkdebug state 2, which the first read_aio (QEMU's own)
        enters. scsi-cd does no such read."""
        block_size = 2048 if kind == "cd" else h.block_size
        gate = h.media_error_once and kind == "hd"
        rules = []
        directions = {"read": ["read"], "write": ["write"], "rw": ["read", "write"]}[h.media_error]
        for d in directions:
            for lba in h.media_error_lba or [None]:
                opts = ["event=%s_aio" % d, "iotype=%s" % d, "errno=%d" % MEDIA_ERRNO[h.media_error_errno]]
                if lba is not None:
                    opts.append("sector=%d" % (lba * block_size // 512))
                if h.media_error_once:
                    opts.append("once=on")
                if gate:
                    opts.append("state=2")
                n = len(rules)
                rules.append(",".join("inject-error.%d.%s" % (n, o) for o in opts))
        if gate:
            rules.append("set-state.0.event=read_aio,set-state.0.state=1,set-state.0.new_state=2")
        return "".join("," + r for r in rules)

    def disk_path(self, hba, target, lun):
        """The raw image behind a file-backed LUN (HBA index, target, LUN)."""
        if not self.disk_dir:
            raise ValueError("backend=file needs a directory for the disk images")
        return os.path.join(self.disk_dir, "hba%d-t%d-l%d.raw" % (hba, target, lun))

    def disk_file(self, hba, target, lun, size):
        path = self.disk_path(hba, target, lun)
        os.makedirs(self.disk_dir, exist_ok=True)
        # An image that exists at the right size is kept: a second boot (a verify after a power
        # cut) must see what the first one wrote.
        if not (os.path.exists(path) and os.path.getsize(path) == size):
            with open(path, "wb") as f:
                f.truncate(size)
        return path

    def expected_luns(self):
        """(hba index, target, lun, type, blocks, block_size) for every LUN, in lunbench's order:
        HBAs in PCI order (they sit at increasing slots), then target, then LUN; a virtio-blk disk
        is its HBA's target 0, LUN 0. A LUN of 0 bytes
        and an empty cd have 0 blocks of 0 bytes: QEMU answers their READ CAPACITY with NOT READY
        (docs/faults.md), so the guest never learns a block size."""
        rows = []
        for i, h, disk in self.devices():
            if h.device == "blk":
                bs = 0 if h.lun_size(disk) == 0 else h.block_size
                rows.append((i, 0, 0, 0, h.lun_size(disk) // bs if bs else 0, bs))
                continue
            k = 0
            for t in h.targets:
                for lun in h.luns:
                    kind = h.lun_type(k)
                    k += 1
                    bs = 2048 if kind == "cd" else h.block_size
                    if lun in h.no_medium or h.lun_size(lun) == 0:
                        bs = 0  # READ CAPACITY fails (NOT READY): neither count nor size is known
                    rows.append((i, t, lun, 5 if kind == "cd" else 0, h.lun_size(lun) // bs if bs else 0, bs))
        return sorted(rows)


