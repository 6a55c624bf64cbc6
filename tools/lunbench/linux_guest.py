"""The Linux guest of tools/compare (side `linux`): Debian's kernel, busybox and fio in an initramfs.

Built once into build/linux-guest/ from Debian packages fetched through the private apt
configuration (debian.Apt) and unpacked with dpkg -x, never installed on the host:
  - linux-image-amd64's kernel (vmlinuz) and the modules the disks need (virtio_pci,
    virtio_scsi, sd_mod, virtio_blk and what they depend on, read from each module's .modinfo);
  - busybox-static as the shell and tools of /init;
  - fio and the shared libraries it needs, found by following each ELF file's DT_NEEDED
    (readelf -d) through the unpacked packages (fio's Depends and theirs, the lib* ones).
/init loads the modules, waits for the disks (the guest time that took is its discovery), maps
each /dev/lun-H-T-L of the job to its sdX or vdX by where it sits (the root-bus PCI slot maps to
lunbench's HBA index, the SCSI address gives target and LUN), runs fio on the job files
given as a second initramfs (job-io_uring.fio, else job-libaio.fio when io_uring does not
start), writes fio's JSON to the second serial port and powers off.
"""
import os
import re
import shutil
import subprocess

from . import ROOT
from .debian import Apt, DebianError, unpack

GUEST = os.path.join(ROOT, "build", "linux-guest")
MODULES = ("virtio_pci", "virtio_scsi", "sd_mod", "virtio_blk")
LIB_DIRS = ("lib/x86_64-linux-gnu", "usr/lib/x86_64-linux-gnu", "lib64", "usr/lib64", "lib", "usr/lib")
INTERP = "lib64/ld-linux-x86-64.so.2"
# fio's dependencies worth following: shared libraries (and the gcc base they need)
FOLLOW = re.compile(r"^(lib|zlib1g$|gcc-\d+-base$)")
# the markers /init prints around its results
EXIT_LINE = "linux-fio: exit status "
# "linux-fio: disks N T0 T1": N block devices, found between uptimes T0 and T1 (s): discovery
DISKS_LINE = "linux-fio: disks "


def module_depends(path):
    """The modules a .ko needs: its .modinfo 'depends=' string (names with '-' or '_')."""
    with open(path, "rb") as f:
        data = f.read()
    m = re.search(rb"(?:^|\0)depends=([^\0]*)\0", data)
    if not m or not m.group(1):
        return []
    return [n.decode().replace("-", "_") for n in m.group(1).split(b",") if n]


def module_order(wanted, paths, depends):
    """wanted modules and everything they need, each after what it needs (insmod's order).
    paths: {name: file}; depends(file) -> names. A missing module is a DebianError."""
    order, state = [], {}

    def visit(name, chain):
        if state.get(name) == "done":
            return
        if state.get(name) == "busy":
            raise DebianError("module dependency loop: %s" % " -> ".join(chain + [name]))
        if name not in paths:
            raise DebianError("module %s (needed by %s) is not in the kernel package" % (name, chain[-1] if chain else "lunbench"))
        state[name] = "busy"
        for dep in depends(paths[name]):
            visit(dep, chain + [name])
        state[name] = "done"
        order.append(name)

    for name in wanted:
        visit(name, [])
    return order


def elf_needed(path):
    """(DT_NEEDED names, RUNPATH/RPATH folders) of an ELF file, from readelf -d."""
    proc = subprocess.run(["readelf", "-d", path], capture_output=True, text=True)
    if proc.returncode != 0:
        raise DebianError("readelf -d %s: %s" % (path, proc.stderr.strip()))
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^]]+)\]", proc.stdout)
    runpath = []
    for m in re.findall(r"\((?:RUNPATH|RPATH)\)\s+Library (?:runpath|rpath): \[([^]]+)\]", proc.stdout):
        runpath += m.split(":")
    return needed, runpath


def library_closure(binary, root):
    """Every shared library binary needs, directly or not, as paths relative to root (the folder
    the packages are unpacked into), in the folder the package put it. DebianError naming the
    first library no package provides."""
    found, todo = {}, [(binary, "fio")]
    while todo:
        path, who = todo.pop()
        needed, runpath = elf_needed(path)
        dirs = [r.lstrip("/") for r in runpath if not r.startswith("$")] + list(LIB_DIRS)
        for lib in needed:
            if lib in found:
                continue
            for d in dirs:
                candidate = os.path.join(root, d, lib)
                if os.path.exists(candidate):
                    found[lib] = os.path.join(d, lib)
                    todo.append((candidate, lib))
                    break
            else:
                raise DebianError("%s needs %s, which none of the unpacked packages holds" % (who, lib))
    return sorted(found.values())


# awk, over `ls -l /sys/block/` (sda -> ../devices/pci0000:00/0000:00:10.0/virtio0/host6/target6:0:0/
# 6:0:0:0/block/sda): "/dev/lun-H-T-L /dev/sdX" per disk; -v slots=FILE maps "0000:00:10.0 H".
# Linux names a LUN by its REPORT LUNS entry's first two bytes as one number (scsilun_to_int):
# QEMU reports LUNs from 256 on in the flat space addressing method (SAM-5 4.7: 01b in the
# top two bits of byte 0), so LUN 256 is Linux's 16640 (0x4100): take the method's bits off.
MAP_AWK = r"""
  BEGIN { while ((getline line < slots) > 0) { split(line, f, " "); hba[f[1]] = f[2] } }
  / -> / {
    dev = $(NF - 2); path = $NF
    if (!match(path, /pci0000:00\/0000:00:[0-9a-f][0-9a-f]\.[0-7]/)) next
    slot = substr(path, RSTART + 11, 12)
    if (!(slot in hba)) next
    if (dev ~ /^sd/) { n = split(path, p, "/"); split(p[n - 2], a, ":"); t = a[3]; l = a[4] + 0
                       if (l >= 16384 && l < 32768) l -= 16384 }
    else if (dev ~ /^vd/) { t = 0; l = 0 }
    else next
    print "/dev/lun-" hba[slot] "-" t "-" l, "/dev/" dev
  }"""
# awk, over the map then a job file: filename= lists with each /dev/lun-H-T-L replaced by its
# device; exit status 1 (after saying which) when a name has no disk
SUBST_AWK = r"""NR == FNR { dev[$1] = $2; next }
       /^filename=/ {
         n = split(substr($0, 10), f, ":"); s = ""
         for (i = 1; i <= n; i++) {
           if (!(f[i] in dev)) { print "linux-fio: no disk for " f[i] | "cat 1>&2"; bad = 1 }
           s = s (i > 1 ? ":" : "") dev[f[i]]
         }
         print "filename=" s; next }
       { print }
       END { exit bad }"""


INIT = r"""#!/bin/busybox sh
# /init of the Linux guest of tools/compare (tools/lunbench/linux_guest.py writes it)
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "linux-fio: $(uname -r), $(grep -c ^processor /proc/cpuinfo) CPU(s)"
. /job/params
t0=$(cut -d' ' -f1 /proc/uptime)
for m in $(cat /modules/order); do insmod /modules/$m.ko || echo "linux-fio: insmod $m failed"; done
# discovery: until every disk is a block device (a cheap count: no process per disk)
i=0
while :; do
  n=$(ls /sys/block | grep -c -e '^sd' -e '^vd')
  [ "$n" -ge "$DISKS" ] && break
  i=$((i + 1))
  if [ $i -ge 3000 ]; then echo "linux-fio: $n of $DISKS disks after 300 s"; break; fi
  sleep 0.1
done
t1=$(cut -d' ' -f1 /proc/uptime)
echo "%(disks)s$n $t0 $t1"
# lun-H-T-L -> sdX/vdX in one pass over /sys/block's links: H from the root-bus PCI function
# (job/slots: "0000:00:10.0 0"), T and L from the SCSI address H:C:T:L (a virtio-blk disk: 0 0)
ls -l /sys/block/ | awk -v slots=/job/slots '%(map)s' > /tmp/lunmap
# the job with each /dev/lun-H-T-L replaced by its device (fio's filename= list is ':'-separated)
subst() {
  awk '%(subst)s' /tmp/lunmap "$1"
}
probe=$(awk -v p="$PROBE" '$1 == p { print $2 }' /tmp/lunmap)
engine=io_uring
if ! fio --name=probe --filename=$probe --ioengine=io_uring --direct=1 --rw=read --bs=4k --size=4k \
     --output-format=terse > /tmp/probe 2>&1; then
  echo "linux-fio: io_uring did not start ($(tail -n 1 /tmp/probe)); libaio"
  engine=libaio
fi
echo "linux-fio: ioengine=$engine"
if subst /job/job-$engine.fio > /tmp/job.fio; then
  stty -F /dev/ttyS1 raw -echo 2>/dev/null
  fio --eta=never --output-format=json --output=/tmp/fio.json /tmp/job.fio
  rc=$?
  cat /tmp/fio.json > /dev/ttyS1
else
  rc=2
fi
echo "linux-fio: fio exit code $rc"
echo "%(exit)s$rc"
poweroff -f
""" % {"disks": DISKS_LINE, "exit": EXIT_LINE, "map": MAP_AWK, "subst": SUBST_AWK}


def kernel_package(apt):
    """linux-image-amd64's kernel package (linux-image-6.1.0-N-amd64)."""
    for dep in apt.depends("linux-image-amd64"):
        if dep.startswith("linux-image-"):
            return dep
    raise DebianError("linux-image-amd64 names no linux-image-* package")


def build(apt=None, guest=GUEST, log=print):
    """Fetch and unpack the packages and write guest/vmlinuz and guest/initramfs.cpio (once:
    an existing pair is kept). Returns (vmlinuz, initramfs, {package: version})."""
    vmlinuz, initramfs = os.path.join(guest, "vmlinuz"), os.path.join(guest, "initramfs.cpio")
    manifest = os.path.join(guest, "packages")
    if os.path.exists(vmlinuz) and os.path.exists(initramfs) and os.path.exists(manifest):
        with open(manifest) as f:
            return vmlinuz, initramfs, dict(line.split() for line in f if line.strip())
    apt = apt or Apt()
    debs_dir, unpacked, tree = (os.path.join(guest, d) for d in ("debs", "unpacked", "root"))
    for d in (unpacked, tree):
        shutil.rmtree(d, ignore_errors=True)
    kernel = kernel_package(apt)
    packages, todo = [], ["fio"]
    while todo:  # fio and its library packages, transitively
        name = todo.pop()
        if name in packages:
            continue
        packages.append(name)
        todo += [d for d in apt.depends(name) if FOLLOW.match(d) and d not in packages]
    log("linux-guest: downloading %s, busybox-static and %d packages of fio (private apt configuration in %s)"
        % (kernel, len(packages), apt.root))
    debs = apt.download([kernel, "busybox-static"] + packages, debs_dir)
    versions = {}
    for deb in debs:
        unpack(deb, unpacked)
        name, version = os.path.basename(deb).split("_")[:2]
        versions[name] = version.replace("%3a", ":")
    # the kernel and its modules
    boot = os.path.join(unpacked, "boot")
    images = [f for f in os.listdir(boot) if f.startswith("vmlinuz-")]
    if len(images) != 1:
        raise DebianError("%s: expected one vmlinuz-*, found %s" % (boot, images))
    release = images[0][len("vmlinuz-"):]
    paths = {}
    for dirpath, _, files in os.walk(os.path.join(unpacked, "lib", "modules", release)):
        for f in files:
            if f.endswith(".ko"):
                paths[f[:-3].replace("-", "_")] = os.path.join(dirpath, f)
    order = module_order(MODULES, paths, module_depends)
    os.makedirs(os.path.join(tree, "modules"))
    for name in order:
        shutil.copy(paths[name], os.path.join(tree, "modules", name + ".ko"))
    with open(os.path.join(tree, "modules", "order"), "w") as f:
        f.write("\n".join(order) + "\n")
    # busybox, fio and its libraries
    for d in ("bin", "proc", "sys", "dev", "tmp", "job", "lib64"):
        os.makedirs(os.path.join(tree, d), exist_ok=True)
    shutil.copy(os.path.join(unpacked, "bin", "busybox"), os.path.join(tree, "bin", "busybox"))
    fio = os.path.join(unpacked, "usr", "bin", "fio")
    shutil.copy(fio, os.path.join(tree, "bin", "fio"))
    for rel in library_closure(fio, unpacked):
        dest = os.path.join(tree, rel)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copy(os.path.join(unpacked, rel), dest)  # follows the package's symlink
    loader = os.path.join(unpacked, "lib", "x86_64-linux-gnu", "ld-linux-x86-64.so.2")
    shutil.copy(loader, os.path.join(tree, INTERP))
    shutil.copy(os.path.join(boot, images[0]), vmlinuz)
    write_cpio(tree, initramfs)
    with open(manifest, "w") as f:
        f.write("".join("%s %s\n" % kv for kv in sorted(versions.items())))
    shutil.rmtree(unpacked, ignore_errors=True)
    log("linux-guest: %s (%s) and %s (%d modules, %.1f MiB)" % (
        vmlinuz, release, initramfs, len(order), os.path.getsize(initramfs) / (1 << 20)))
    return vmlinuz, initramfs, versions


def write_cpio(tree, path):
    """tree as a newc cpio archive (what the kernel unpacks as an initramfs), owned by root."""
    names = subprocess.run(["find", "."], cwd=tree, capture_output=True, text=True, check=True).stdout
    with open(path, "wb") as out:
        proc = subprocess.run(["cpio", "-o", "-H", "newc", "-R", "0:0", "--quiet"], cwd=tree, input=names.encode(),
                              stdout=out, stderr=subprocess.PIPE)
    if proc.returncode != 0:
        raise DebianError("cpio %s: %s" % (path, proc.stderr.decode().strip()))


def job_initramfs(path, base, jobs, slots, disks, probe):
    """The run's initramfs: base (build()'s) followed by a second archive (the kernel unpacks
    both; QEMU passes a Linux kernel one -initrd file) with /job/job-io_uring.fio and
    job-libaio.fio (jobs: {engine: text}), /job/slots (root-bus PCI function -> lunbench's HBA
    index), /job/params (DISKS, PROBE) and /init."""
    tree = path + ".d"
    shutil.rmtree(tree, ignore_errors=True)
    os.makedirs(os.path.join(tree, "job"))
    # /init travels with the job (a later archive's file replaces an earlier one's), so that a
    # change to it needs no rebuild of the packages' archive
    with open(os.path.join(tree, "init"), "w") as f:
        f.write(INIT)
    os.chmod(os.path.join(tree, "init"), 0o755)
    for engine, text in jobs.items():
        with open(os.path.join(tree, "job", "job-%s.fio" % engine), "w") as f:
            f.write(text)
    with open(os.path.join(tree, "job", "slots"), "w") as f:
        f.write("".join("%s %d\n" % (pci, h) for pci, h in slots))
    with open(os.path.join(tree, "job", "params"), "w") as f:
        f.write("DISKS=%d\nPROBE=%s\n" % (disks, probe))
    write_cpio(tree, path + ".job")
    shutil.rmtree(tree)
    with open(path, "wb") as out:
        for part in (base, path + ".job"):
            with open(part, "rb") as f:
                shutil.copyfileobj(f, out)
    os.remove(path + ".job")
    return path


FIO_VALUE_MAX = 4096  # fio 3.33 refuses a longer option value: "value exceeds max length of 4096"


def disk_name(index, prefix="sd"):
    """Linux's name of its index-th disk of a kind: sda..sdz, sdaa..sdzz, sdaaa.. (sd and
    virtio_blk count the same way)."""
    letters = ""
    while True:
        letters = chr(ord("a") + index % 26) + letters
        index = index // 26 - 1
        if index < 0:
            return prefix + letters


def filename_problem(chosen, disks, prefix="sd"):
    """Why fio would refuse a translated job's filename= list, or None: the guest writes each
    job's LUNs as /dev/NAME joined by ':', and at worst a job's k LUNs are the k longest names of
    the guest's `disks`. chosen: {job: [(H, T, L), ...]} (fio_job.translate)."""
    longest_first = [len("/dev/" + disk_name(i, prefix)) for i in range(disks - 1, -1, -1)]
    fit, used = 0, -1
    for n in longest_first:
        if used + 1 + n > FIO_VALUE_MAX:
            break
        used += 1 + n
        fit += 1
    for job, luns in chosen.items():
        if len(luns) > fit:
            worst = sum(longest_first[:len(luns)]) + len(luns) - 1
            return ("job %s: its %d LUNs' device names would take up to %d characters in fio's filename=, "
                    "which takes at most %d: give it at most %d LUNs (luns=first:%d)" % (
                        job, len(luns), worst, FIO_VALUE_MAX, fit, fit))
    return None


def discovery(console):
    """(disks, guest seconds from loading the modules to the last disk) from /init's line, or None."""
    m = re.search(r"^%s(\d+) ([\d.]+) ([\d.]+)\s*$" % re.escape(DISKS_LINE), console, re.M)
    if not m:
        return None
    return int(m.group(1)), float(m.group(3)) - float(m.group(2))
