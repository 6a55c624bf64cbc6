"""Whether this host's KVM can run lunbench, asked before QEMU is started with -accel kvm.

lunbench runs its C program in ring 3 (boot/entry.S), so it needs either hardware
virtualisation (vmx or svm in /proc/cpuinfo) or the kvm-pvm flavour of KVM (/sys/module/kvm_pvm),
which runs ring 3 natively and ring 0 in KVM's instruction emulator. Anything else gets one
line saying what is missing, instead of a QEMU that stops at its first instruction.
"""
import os

CPUINFO = "/proc/cpuinfo"
PVM_MODULE = "/sys/module/kvm_pvm"
DEV_KVM = "/dev/kvm"


def cpu_flags(cpuinfo=CPUINFO):
    """The first processor's flags, as a set (empty when unreadable)."""
    try:
        with open(cpuinfo) as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def kvm_kind(flags, pvm_present):
    """'vmx', 'svm', 'kvm-pvm' or None (no KVM that can run lunbench)."""
    for hw in ("vmx", "svm"):
        if hw in flags:
            return hw
    return "kvm-pvm" if pvm_present else None


def kvm_problem(dev=DEV_KVM, cpuinfo=CPUINFO, pvm_module=PVM_MODULE):
    """None when -accel kvm can run lunbench here, else why not, in one line."""
    if not os.path.exists(dev):
        return "-accel kvm: %s does not exist (no KVM on this host): run without LUNBENCH_ACCEL (TCG)" % dev
    if not os.access(dev, os.R_OK | os.W_OK):
        return "-accel kvm: %s is not readable and writable by this user" % dev
    if kvm_kind(cpu_flags(cpuinfo), os.path.isdir(pvm_module)) is None:
        return ("-accel kvm: this KVM can run lunbench only with vmx or svm (hardware virtualisation, absent "
                "from %s) or as kvm-pvm (%s, absent)" % (cpuinfo, pvm_module))
    return None


def cpu_host_problem(extra_args, qemu_major, pvm_present):
    """QEMU before 8.0 aborts '-cpu host' under kvm-pvm ('failed to set MSR 0x10a': the
    IA32_ARCH_CAPABILITIES it copies from the host is refused): the workaround, or None."""
    for i, arg in enumerate(extra_args[:-1]):
        if arg == "-cpu" and extra_args[i + 1] == "host" and pvm_present and qemu_major is not None and qemu_major < 8:
            return ("-cpu host: QEMU %d aborts it under kvm-pvm (failed to set MSR 0x10a); use "
                    "-cpu host,-arch-capabilities or QEMU's default CPU model" % qemu_major)
    return None
