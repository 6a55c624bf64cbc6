"""tools/lunbench: HBAs served by our vhost-user target (backend=vscsi-target): their QEMU
arguments, the target's command line and the keys refused (no QEMU or target is run).

Run from the repository root: python3 -m unittest discover -s tests/tools -v
"""
import os
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from lunbench import vscsi_target  # noqa: E402
from lunbench.topology import Hba, Topology  # noqa: E402


class VscsiTargetTopologyTest(unittest.TestCase):
    def test_qemu_arguments_share_memory_and_wire_the_socket(self):
        topo = Topology([Hba.from_spec("luns=2"), Hba.from_spec("backend=vscsi-target,targets=0;9,luns=0-3;300,"
                                                                "num_queues=2,queue_size=256")])
        args = topo.qemu_args(memory="512")
        self.assertEqual(args[:4], ["-object", "memory-backend-memfd,id=lunbench-ram,size=512M,share=on",
                                    "-numa", "node,memdev=lunbench-ram"])
        sock = topo.socket_path(1)
        self.assertIn("socket,id=vt1,path=%s" % sock, args)
        self.assertIn("vhost-user-scsi-pci,id=hba1,chardev=vt1,addr=0x11,num_queues=2,virtqueue_size=256", args)
        self.assertFalse([a for a in args if "bus=hba1" in a])  # the target has the LUNs, not QEMU
        self.assertEqual(len([a for a in args if "bus=hba0" in a]), 2)
        self.assertLess(len(sock), 100)
        self.assertEqual(topo.expected_luns()[-1], (1, 9, 300, 0, (1 << 30) // 512, 512))
        self.assertEqual(len(topo.expected_luns()), 2 + 10)
        cmd = vscsi_target.command(topo, 1, topo.hbas[1])
        self.assertEqual(cmd[1:], ["--socket", sock, "--targets", "0,9", "--luns", "0-3,300", "--size",
                                   str(1 << 30), "--block-size", "512", "--store", "sparse", "--write-cache", "none"])
        os.rmdir(topo.socket_dir)

    def test_no_shared_memory_without_a_target(self):
        self.assertEqual(Topology([Hba.from_spec("luns=1")]).memory_args("256"), [])

    def test_memory_size_is_required(self):
        with self.assertRaisesRegex(ValueError, "guest memory size"):
            Topology([Hba.from_spec("backend=vscsi-target")]).qemu_args()

    def test_faults_file_and_store(self):
        with tempfile.NamedTemporaryFile("w", suffix=".rules") as f:
            h = Hba.from_spec("backend=vscsi-target,store=null,faults=%s" % f.name)
            topo = Topology([h])
            cmd = vscsi_target.command(topo, 0, h, sanitized=True)
            self.assertTrue(cmd[0].endswith("vscsi-target-asan"))
            self.assertEqual(cmd[-5:], ["null", "--write-cache", "none", "--faults", f.name])
            os.rmdir(topo.socket_dir)
        with self.assertRaisesRegex(ValueError, "no such file"):
            Hba.from_spec("backend=vscsi-target,faults=/nonexistent/rules")

    def test_keys_for_qemus_devices_are_refused(self):
        for spec, word in (("type=cd", "type=cd"), ("iothread=yes", "iothread"), ("media_error=read", "media_error"),
                           ("throttle_iops=1", "throttle"), ("read_only=0", "read_only")):
            with self.assertRaisesRegex(ValueError, word):
                Hba.from_spec("backend=vscsi-target," + spec)
        with self.assertRaisesRegex(ValueError, "store needs backend=vscsi-target"):
            Hba.from_spec("store=null")
        with self.assertRaisesRegex(ValueError, "faults needs backend=vscsi-target"):
            Hba.from_spec("faults=x")
        with self.assertRaisesRegex(ValueError, "write_cache needs backend=vscsi-target"):
            Hba.from_spec("write_cache=volatile")
        with self.assertRaisesRegex(ValueError, "bad write_cache"):
            Hba.from_spec("backend=vscsi-target,write_cache=sometimes")
        h = Hba.from_spec("backend=vscsi-target,write_cache=volatile")
        topo = Topology([h])
        self.assertEqual(vscsi_target.command(topo, 0, h)[-2:], ["--write-cache", "volatile"])
        os.rmdir(topo.socket_dir)

    def test_ranges(self):
        self.assertEqual(vscsi_target.ranges([7, 0, 1, 2, 3, 9, 10]), "0-3,7,9-10")
        self.assertEqual(vscsi_target.ranges(range(16384)), "0-16383")
        self.assertEqual(vscsi_target.ranges([]), "")


if __name__ == "__main__":
    unittest.main()
