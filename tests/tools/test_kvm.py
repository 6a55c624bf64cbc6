"""tools/lunbench/kvm.py: which KVMs can run lunbench, and the -cpu host workaround."""
import os
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from lunbench import kvm  # noqa: E402


class KvmKind(unittest.TestCase):
    def test_hardware_or_pvm(self):
        self.assertEqual(kvm.kvm_kind({"fpu", "vmx"}, False), "vmx")
        self.assertEqual(kvm.kvm_kind({"svm"}, True), "svm")
        self.assertEqual(kvm.kvm_kind({"fpu", "sse2"}, True), "kvm-pvm")
        self.assertIsNone(kvm.kvm_kind({"fpu", "sse2"}, False))

    def test_problem_lines(self):
        with tempfile.TemporaryDirectory() as d:
            cpuinfo = os.path.join(d, "cpuinfo")
            with open(cpuinfo, "w") as f:
                f.write("processor\t: 0\nflags\t\t: fpu sse2 hypervisor\n")
            dev = os.path.join(d, "kvm")
            self.assertIn("does not exist", kvm.kvm_problem(dev, cpuinfo, os.path.join(d, "pvm")))
            open(dev, "w").close()
            self.assertIn("vmx or svm", kvm.kvm_problem(dev, cpuinfo, os.path.join(d, "pvm")))
            os.mkdir(os.path.join(d, "pvm"))
            self.assertIsNone(kvm.kvm_problem(dev, cpuinfo, os.path.join(d, "pvm")))
            self.assertEqual(kvm.cpu_flags(cpuinfo), {"fpu", "sse2", "hypervisor"})

    def test_cpu_host_on_old_qemu_under_pvm(self):
        self.assertIn("-cpu host,-arch-capabilities", kvm.cpu_host_problem(["-cpu", "host"], 7, True))
        self.assertIsNone(kvm.cpu_host_problem(["-cpu", "host,-arch-capabilities"], 7, True))
        self.assertIsNone(kvm.cpu_host_problem(["-cpu", "host"], 10, True))
        self.assertIsNone(kvm.cpu_host_problem(["-cpu", "host"], 7, False))


if __name__ == "__main__":
    unittest.main()
