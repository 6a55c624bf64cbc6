"""tools/lunbench: QEMU command lines, the number parsers and topologies (no QEMU is run).

Run from the repository root: python3 -m unittest discover -s tests/tools -v
"""
import json
import os
import sys
import unittest
from unittest import mock

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from lunbench import qemu, scripts  # noqa: E402
from lunbench.parse import parse_count_or_list, parse_counts, parse_number_list, parse_size  # noqa: E402
from lunbench.qmp import QmpError  # noqa: E402
from lunbench.topology import Hba, Topology  # noqa: E402


def values_of(argv, option):
    return [argv[i + 1] for i, a in enumerate(argv) if a == option]


class CommandTest(unittest.TestCase):
    def setUp(self):
        # As if run with LUNBENCH_ACCEL=kvm LUNBENCH_QEMU_ARGS="-cpu host" (tools/kvm-bench).
        for name, value in (("ACCEL", "kvm"), ("EXTRA_ARGS", ["-cpu", "host"]), ("QEMU", "/opt/qemu")):
            patcher = mock.patch.object(qemu, name, value)
            patcher.start()
            self.addCleanup(patcher.stop)

    def test_environment_goes_on_once(self):
        argv = qemu.qemu_command(append="mode=info")
        self.assertEqual(argv[0], "/opt/qemu")
        self.assertEqual(values_of(argv, "-accel"), ["kvm"])
        self.assertEqual(values_of(argv, "-cpu"), ["host"])
        self.assertEqual(values_of(argv, "-append"), ["mode=info"])

    def test_an_explicit_accelerator_replaces_the_environment(self):
        self.assertEqual(values_of(qemu.qemu_command(accel="tcg"), "-accel"), ["tcg"])
        self.assertEqual(values_of(qemu.qemu_command(accel=""), "-accel"), [])

    def test_an_option_given_twice_is_refused(self):
        # The defect tools/kvm-bench had: the environment and its own arguments both said it.
        for extra in (["-accel", "kvm"], ["-enable-kvm"], ["-cpu", "host"], ["-M", "pc,accel=kvm"],
                      ["-machine", "q35"], ["-m", "512"]):
            with self.assertRaisesRegex(ValueError, "given twice", msg=extra):
                qemu.qemu_command(extra=extra)
        qemu.qemu_command(extra=["-smp", "2", "-device", "virtio-scsi-pci", "-serial", "file:x"])

    def test_firmware_and_image(self):
        argv = qemu.qemu_command(image="pvh", firmware="qboot", strict_boot=True)
        self.assertEqual(values_of(argv, "-bios"), [qemu.FIRMWARE["qboot"]])
        self.assertEqual(values_of(argv, "-kernel"), [qemu.IMAGES["pvh"]])
        self.assertEqual(values_of(argv, "-boot"), [])  # strict=on is SeaBIOS's
        argv = qemu.qemu_command(machine="microvm,pcie=on")
        self.assertEqual(values_of(argv, "-bios") + values_of(argv, "-boot"), [])
        argv = qemu.qemu_command(kernel="/tmp/k.elf", nodefaults=False, debug_exit=False)
        self.assertEqual(values_of(argv, "-kernel"), ["/tmp/k.elf"])
        self.assertNotIn("-nodefaults", argv)
        self.assertFalse(any(a.startswith("isa-debug-exit") for a in argv))
        self.assertEqual(values_of(qemu.qemu_command(), "-boot"), ["strict=on"])
        with self.assertRaises(ValueError):
            qemu.qemu_command(image="bzimage")


class AcceleratorTest(unittest.TestCase):
    def test_from_query_kvm(self):
        self.assertEqual(qemu.accelerator_from_query_kvm({"enabled": True, "present": True}), "KVM")
        self.assertEqual(qemu.accelerator_from_query_kvm({"enabled": False, "present": True}), "TCG")
        self.assertEqual(qemu.accelerator_from_query_kvm({"enabled": False, "present": False}), "TCG")
        for reply in (None, {}, {"enabled": "yes"}, [True]):
            with self.assertRaises(QmpError):
                qemu.accelerator_from_query_kvm(reply)

    def test_asked(self):
        self.assertEqual(qemu.accelerator_asked("kvm"), "-accel kvm")
        self.assertIn("default", qemu.accelerator_asked(""))


class ParseTest(unittest.TestCase):
    def test_sizes(self):
        self.assertEqual(parse_size("4096"), 4096)
        self.assertEqual(parse_size("4k"), 4096)
        self.assertEqual(parse_size("128KiB"), 128 << 10)
        self.assertEqual(parse_size(" 1G "), 1 << 30)
        self.assertEqual(parse_size("0x20"), 32)
        self.assertEqual(parse_size("2t"), 2 << 40)
        for bad in ("", "1.5G", "4q", "-1", "k"):
            with self.assertRaises(ValueError, msg=bad):
                parse_size(bad)

    def test_number_lists(self):
        self.assertEqual(parse_number_list("3", 10, "LUN"), [3])
        self.assertEqual(parse_number_list("0-3,7", 10, "LUN"), [0, 1, 2, 3, 7])
        self.assertEqual(parse_number_list("0-3;7", 10, "LUN"), [0, 1, 2, 3, 7])
        for bad, why in (("3-1", "range"), ("11", "maximum"), ("1,1", "twice"), ("a", "bad LUN list"),
                         ("0-70000", "too long")):
            with self.assertRaisesRegex(ValueError, why):
                parse_number_list(bad, 100000 if why == "too long" else 10, "LUN")

    def test_counts_or_lists(self):
        self.assertEqual(parse_count_or_list("4", 255, "target"), [0, 1, 2, 3])
        self.assertEqual(parse_count_or_list("256", 255, "target"), list(range(256)))
        self.assertEqual(parse_count_or_list("=5", 255, "target"), [5])
        self.assertEqual(parse_count_or_list("0;7;255", 255, "target"), [0, 7, 255])
        for bad in ("0", "257"):
            with self.assertRaises(ValueError, msg=bad):
                parse_count_or_list(bad, 255, "target")
        self.assertEqual(parse_counts("1,256,4096", "--luns"), [1, 256, 4096])
        for bad in ("1,x", "0", ""):
            with self.assertRaises(ValueError, msg=bad):
                parse_counts(bad, "--luns")


class TopologyTest(unittest.TestCase):
    def test_spec_lists_take_semicolons(self):
        h = Hba.from_spec("targets=0;7,luns=0;255;256,media_error=read,media_error_lba=0;100")
        self.assertEqual((h.targets, h.luns, h.media_error_lba), ([0, 7], [0, 255, 256], [0, 100]))
        with self.assertRaisesRegex(ValueError, r"'0;300;x'"):
            Hba.from_spec("luns=0;300;x")  # the error shows the list as it was written
        with self.assertRaisesRegex(ValueError, "bad HBA option"):
            Hba.from_spec("lunz=4")

    def test_default_memory_grows_with_the_luns(self):
        run = scripts.load("lunbench-run")
        self.assertEqual(run.default_memory_mib(1), 256)
        self.assertEqual(run.default_memory_mib(1024 * 1024), 256)  # 128 MiB of LUNs + 64 still fit
        self.assertEqual(run.default_memory_mib(4 * 1024 * 1024), 64 + 512)  # 256 x 16384 LUNs

    def test_shared_iothreads(self):
        topo = Topology([Hba.from_spec("luns=1"), Hba.from_spec("luns=1"), Hba.from_spec("device=blk,disks=1")],
                        iothreads=2)
        args = topo.qemu_args()
        self.assertEqual([args[k + 1] for k, a in enumerate(args) if a == "-object"], ["iothread,id=iot0", "iothread,id=iot1"])
        devices = [args[k + 1] for k, a in enumerate(args) if a == "-device" and "virtio-" in args[k + 1]]
        self.assertEqual([d.split("iothread=")[1].split(",")[0] for d in devices], ["iot0", "iot1", "iot0"])
        one_each = Topology([Hba.from_spec("luns=1,iothread=yes"), Hba.from_spec("luns=1")]).qemu_args()
        self.assertIn("iothread,id=io0", one_each)
        self.assertEqual(sum("iothread=" in a for a in one_each), 1)
        with self.assertRaises(ValueError):
            Topology([Hba.from_spec("luns=1")], iothreads=-1)

    def test_iothread_vq_mapping(self):
        """QEMU 10's iothread-vq-mapping: each virtio-scsi HBA and virtio-blk disk maps its queues
        over every iothread, in -device's JSON form (the list property needs it)."""
        topo = Topology([Hba.from_spec("luns=1,num_queues=4,interface=modern"), Hba.from_spec("device=blk,disks=1")],
                        iothreads=2, vq_mapping=True)
        args = topo.qemu_args()
        self.assertEqual([args[k + 1] for k, a in enumerate(args) if a == "-object"], ["iothread,id=iot0", "iothread,id=iot1"])
        devices = [json.loads(args[k + 1]) for k, a in enumerate(args) if a == "-device"]
        self.assertEqual([d["driver"] for d in devices], ["virtio-scsi-pci", "scsi-hd", "virtio-blk-pci"])
        # QEMU creates JSON -devices after the others: the LUN on the HBA's bus is JSON too.
        self.assertEqual((devices[1]["bus"], devices[1]["scsi-id"], devices[1]["lun"]), ("hba0.0", 0, 0))
        self.assertNotIn("iothread-vq-mapping", devices[1])
        devices = [devices[0], devices[2]]
        for d in devices:
            self.assertEqual(d["iothread-vq-mapping"], [{"iothread": "iot0"}, {"iothread": "iot1"}])
            self.assertNotIn("iothread", d)
        self.assertEqual(devices[0]["num_queues"], 4)
        self.assertEqual(devices[0]["disable-legacy"], "on")
        self.assertEqual(devices[0]["addr"], "0x10")
        # Without iothreads there is nothing to map: the plain form.
        plain = Topology([Hba.from_spec("luns=1")], vq_mapping=True).qemu_args()
        self.assertIn("virtio-scsi-pci,id=hba0,addr=0x10", plain)

    def test_arguments_and_inventory(self):
        topo = Topology([Hba(luns="2", type="mixed", block_size="4096", size="64M")], disk_dir="/tmp/d")
        args = topo.qemu_args()
        self.assertIn("virtio-scsi-pci,id=hba0,addr=0x10", args)
        self.assertEqual(sum(a.startswith("scsi-hd,") for a in args), 1)
        self.assertEqual(sum(a.startswith("scsi-cd,") for a in args), 1)
        self.assertEqual(topo.expected_luns(), [(0, 0, 0, 0, 16384, 4096), (0, 0, 1, 5, 32768, 2048)])
        self.assertEqual(topo.disk_path(0, 0, 1), "/tmp/d/hba0-t0-l1.raw")

    def test_virtio_blk_disks(self):
        # Devices take slots in order: the HBA, then each disk; the disks are HBAs 1 and 2.
        topo = Topology([Hba.from_spec("luns=1"),
                         Hba.from_spec("device=blk,disks=2,num_queues=4,queue_size=64,read_only=1,"
                                       "interface=modern,root_port=yes,block_size=4096,size=64M")])
        args = topo.qemu_args()
        self.assertEqual(topo.device_count(), 3)
        self.assertEqual(values_of(args, "-device")[2:], [
            "pcie-root-port,id=rp1,chassis=2,addr=0x11",
            "virtio-blk-pci,id=vblk1,drive=blk1,bus=rp1,disable-legacy=on,num-queues=4,queue-size=64,"
            "logical_block_size=4096,physical_block_size=4096",
            "pcie-root-port,id=rp2,chassis=3,addr=0x12",
            "virtio-blk-pci,id=vblk2,drive=blk2,bus=rp2,disable-legacy=on,num-queues=4,queue-size=64,"
            "logical_block_size=4096,physical_block_size=4096"])
        nodes = values_of(args, "-blockdev")
        self.assertIn("driver=null-co,node-name=blk1,size=67108864", nodes)
        self.assertIn("driver=null-co,node-name=blk2,size=67108864,read-only=on", nodes)  # disk 1 of the group
        self.assertEqual(topo.expected_luns(), [(0, 0, 0, 0, 2097152, 512), (1, 0, 0, 0, 16384, 4096),
                                                (2, 0, 0, 0, 16384, 4096)])
        legacy = Topology([Hba.from_spec("device=blk,interface=legacy,backend=file,size=8M")], disk_dir="/tmp/d")
        self.assertIn("virtio-blk-pci,id=vblk0,drive=blk0,addr=0x10,disable-modern=on", legacy.qemu_args())
        for bad, why in (("device=blk,luns=4", "takes disks=N"), ("disks=2", "needs device=blk"),
                         ("device=nvme", "bad device"), ("device=blk,disks=2,read_only=2", "does not have"),
                         ("device=blk,disks=0", "at least 1")):
            with self.assertRaisesRegex(ValueError, why, msg=bad):
                Hba.from_spec(bad)
        # More devices than slots: 8 functions to a slot, function 0 multifunction, PCI order kept.
        many = Topology([Hba.from_spec("luns=1"), Hba.from_spec("device=blk,disks=16")]).qemu_args()
        devices = values_of(many, "-device")
        self.assertTrue(devices[0].startswith("virtio-scsi-pci,id=hba0,addr=0x10.0,multifunction=on"))
        self.assertIn("virtio-blk-pci,id=vblk7,drive=blk7,addr=0x10.7", devices)
        self.assertIn("virtio-blk-pci,id=vblk8,drive=blk8,addr=0x11.0,multifunction=on", devices)
        self.assertIn("virtio-blk-pci,id=vblk16,drive=blk16,addr=0x12.0,multifunction=on", devices)
        with self.assertRaisesRegex(ValueError, "do not fit"):
            Topology([Hba.from_spec("device=blk,disks=121")]).qemu_args()


if __name__ == "__main__":
    unittest.main()
