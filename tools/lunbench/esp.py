"""The EFI system partition the UEFI image boots from: a FAT image made with mtools, holding
EFI/BOOT/BOOTX64.EFI (build/lunbench.efi), EFI/BOOT/lunbench.cfg (lunbench's command line, one
line: the UEFI entry reads it when the image has no load options) and any job files, which the
command line then names with jobfile=esp:/NAME. OVMF boots it first when it is attached with
bootindex=0 (qemu.qemu_command(image="uefi")).
"""
import os
import shutil
import subprocess

from . import ROOT

EFI_IMAGE = os.path.join(ROOT, "build", "lunbench.efi")
SIZE_MIB = 16  # FAT16 by mformat's choice; room for the 1.3 MiB image and job files


def make_esp(path, cmdline="", files=(), efi_image=None, via_shell=False):
    """Write the ESP image at path. files: host paths copied to the volume's root under their
    base names. Returns the command line with a jobfile=esp:/NAME added for the first of them
    (unless cmdline names one already), as the UEFI entry will read it.

    via_shell: the command line goes in as load options instead: the image is /lunbench.efi (no
    default boot file, so OVMF starts its UEFI Shell) and startup.nsh runs it with the words
    (the Shell waits 5 s before it runs startup.nsh)."""
    for tool in ("mformat", "mmd", "mcopy"):
        if shutil.which(tool) is None:
            raise RuntimeError("%s is missing (Debian package mtools: make deps installs it)" % tool)
    with open(path, "wb") as f:
        f.truncate(SIZE_MIB << 20)
    run = lambda *args: subprocess.run(list(args), check=True, capture_output=True)  # noqa: E731
    run("mformat", "-i", path, "::")
    words = cmdline.split()
    for i, src in enumerate(files):
        name = os.path.basename(src)
        run("mcopy", "-i", path, src, "::/" + name)
        if i == 0 and not any(w.startswith("jobfile=") for w in words):
            words.append("jobfile=esp:/" + name)
    if via_shell:
        run("mcopy", "-i", path, efi_image or EFI_IMAGE, "::/lunbench.efi")
        script = path + ".nsh"
        with open(script, "w") as f:
            f.write("fs0:\\lunbench.efi %s\r\n" % " ".join(words))
        run("mcopy", "-i", path, script, "::/startup.nsh")
        return " ".join(words)
    run("mmd", "-i", path, "::/EFI", "::/EFI/BOOT")
    run("mcopy", "-i", path, efi_image or EFI_IMAGE, "::/EFI/BOOT/BOOTX64.EFI")
    cfg = path + ".cfg"
    with open(cfg, "w") as f:
        f.write(" ".join(words) + "\n")
    run("mcopy", "-i", path, cfg, "::/EFI/BOOT/lunbench.cfg")
    return " ".join(words)


def prepare_uefi(work_dir, cmdline="", files=(), ovmf="bios", via_shell=False):
    """What qemu.qemu_command(image="uefi", firmware="ovmf", ...) needs besides, made in work_dir:
    the ESP (with the command line and the job files) and, for ovmf="pflash", a writable copy of
    OVMF's VARS. Returns those keyword arguments."""
    from . import qemu  # qemu's constants; qemu itself never imports this module
    os.makedirs(work_dir, exist_ok=True)
    path = os.path.join(work_dir, "esp.img")
    make_esp(path, cmdline, files, via_shell=via_shell)
    kw = {"esp": path, "ovmf": ovmf}
    if ovmf == "pflash":
        kw["ovmf_vars"] = os.path.join(work_dir, "OVMF_VARS.fd")
        shutil.copyfile(qemu.OVMF_PFLASH[1], kw["ovmf_vars"])
    return kw
