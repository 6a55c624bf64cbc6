"""tools/compare and its modules: the fio job translation, the rounds' arithmetic and merge, the
private apt configuration, the Linux guest's module order. No network, no QEMU.

Run from the repository root: python3 -m unittest discover -s tests/tools -v
"""
import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from lunbench import compare, debian, fio_job, linux_guest, scripts  # noqa: E402



compare_tool = scripts.load("compare")
LUNS = [(0, 0, 0), (0, 0, 1), (0, 1, 0), (1, 0, 0)]


def sections(text):
    """{section: [lines]} of a translated job file (the first [global] is the added one)."""
    out, name = [], None
    for line in text.splitlines():
        if line.startswith(";") or not line.strip():
            continue
        if line.startswith("["):
            out.append((line.strip("[]"), []))
        else:
            out[-1][1].append(line)
    return out


class TestFioJob(unittest.TestCase):
    def test_default_job_translates(self):
        job = compare_tool.default_job("randread", "4k", [1, 32], 4, 1)
        text, chosen = fio_job.translate(job, [(0, 0, 0)], "io_uring")
        s = sections(text)
        self.assertEqual(s[0], ("global", ["ioengine=io_uring", "direct=1", "disk_util=0"]))
        self.assertEqual(s[1][0], "global")
        self.assertNotIn("luns=all", s[1][1])
        self.assertIn("rw=randread", s[1][1])
        self.assertIn("ramp_time=1", s[1][1])
        self.assertEqual(s[2], ("randread-4k-qd1", ["iodepth=1", "filename=/dev/lun-0-0-0"]))
        self.assertIn("stonewall", s[1][1])  # both sides run the jobs one after another
        self.assertEqual(s[3], ("randread-4k-qd32", ["iodepth=32", "filename=/dev/lun-0-0-0"]))
        self.assertEqual(chosen, {"randread-4k-qd1": [(0, 0, 0)], "randread-4k-qd32": [(0, 0, 0)]})

    def test_docs_compare_jobs_take_the_first_lun(self):
        """docs/compare-jobs/: every job there runs on one LUN however many the topology has."""
        d = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "compare-jobs")
        files = sorted(f for f in os.listdir(d) if f.endswith(".fio"))
        self.assertEqual(files, ["first1-qd1-qd32.fio", "first1.fio"])
        luns = [(0, 0, k) for k in range(300)]
        for f in files:
            with open(os.path.join(d, f)) as fh:
                text, chosen = fio_job.translate(fh.read(), luns, "libaio", f)
            self.assertTrue(chosen, f)
            self.assertEqual(set(map(tuple, chosen.values())), {((0, 0, 0),)}, f)

    def test_drops_what_fio_must_not_see_and_maps_lun_order(self):
        job = ("[global]\nluns=hba:0 ; the first HBA\nioengine=sync\n\n[a]\nfilename=/dev/sdz\ndirect=0\n"
               "lun_order=random\nbs=8k # comment\n[b]\nluns=1:0:0,0:1:0\nbuffered=1\ntime_based\n")
        text, chosen = fio_job.translate(job, LUNS, "libaio")
        s = dict(sections(text)[1:])
        self.assertEqual(s["a"], ["bs=8k", "filename=/dev/lun-0-0-0:/dev/lun-0-0-1:/dev/lun-0-1-0",
                                  "file_service_type=random"])
        self.assertEqual(s["b"], ["time_based", "filename=/dev/lun-1-0-0:/dev/lun-0-1-0"])  # fio's semantics both sides
        self.assertEqual(s["global"], [])
        self.assertTrue(text.splitlines()[2] == "ioengine=libaio")
        self.assertEqual(chosen["b"], [(1, 0, 0), (0, 1, 0)])

    def test_selections(self):
        self.assertEqual(fio_job.select_luns("targets:1-1", LUNS, "w"), [(0, 1, 0)])
        self.assertEqual(fio_job.select_luns("first:2", LUNS, "w"), LUNS[:2])
        self.assertEqual(fio_job.select_luns("all", LUNS, "w"), LUNS)
        with self.assertRaisesRegex(fio_job.JobError, "names 2:0:0, which the topology does not have"):
            fio_job.select_luns("2:0:0", LUNS, "w")
        with self.assertRaisesRegex(fio_job.JobError, "selects no LUN"):
            fio_job.select_luns("hba:7", LUNS, "w")
        with self.assertRaisesRegex(fio_job.JobError, "is not H:T:L"):
            fio_job.select_luns("0:0", LUNS, "w")

    def test_errors(self):
        with self.assertRaisesRegex(fio_job.JobError, "no job sections"):
            fio_job.translate("[global]\nbs=4k\n", LUNS, "io_uring")
        with self.assertRaisesRegex(fio_job.JobError, r"jobs.fio:1: option before the first \[section\]"):
            fio_job.translate("bs=4k\n[a]\n", LUNS, "io_uring", "jobs.fio")
        with self.assertRaisesRegex(fio_job.JobError, "jobs.fio:3: lun_order=sideways"):
            fio_job.translate("[a]\nrw=read\nlun_order=sideways\n", LUNS, "io_uring", "jobs.fio")
        with self.assertRaisesRegex(fio_job.JobError, "ioengine 'sync'"):
            fio_job.translate("[a]\n", LUNS, "sync")


def job(iops_r, ios_r, p50=10000, p99=20000, p999=30000, cycles=500, write=None, usr=10.0, sys_=20.0, runtime=1000):
    j = {"jobname": "j", "usr_cpu": usr, "sys_cpu": sys_, "job_runtime": runtime,
         "lunbench": {"driver_cycles_per_io": cycles},
         "read": {"total_ios": ios_r, "iops": iops_r, "bw_bytes": iops_r * 4096,
                  "clat_ns": {"percentile": {"50.000000": p50, "99.000000": p99, "99.900000": p999}}}}
    j["write"] = write or {"total_ios": 0, "iops": 0, "bw_bytes": 0}
    return j


class TestArithmetic(unittest.TestCase):
    def test_median_and_ratio(self):
        self.assertEqual(compare.median([3, 1, 2]), 2)
        self.assertEqual(compare.median([4, 1, 3, 2]), 2.5)
        self.assertEqual(compare.median([5, None, 1, 3]), 3)
        with self.assertRaises(compare.CompareError):
            compare.median([])
        self.assertEqual(compare.ratio(10, 4), 2.5)
        self.assertIsNone(compare.ratio(10, 0))
        self.assertIsNone(compare.ratio(None, 3))

    def test_figures_lunbench_and_linux(self):
        f = compare.figures(job(1000, 4000, cycles=600), "lunbench", "w")
        self.assertEqual((f["iops"], f["ios"], f["instr_per_io"]), (1000, 4000, 600))
        self.assertAlmostEqual(f["bw_mib"], 1000 * 4096 / 1048576.0)
        self.assertEqual((f["p50_us"], f["p99_us"], f["p99.9_us"]), (10.0, 20.0, 30.0))
        # fio: (10 + 20) % of 1000 ms = 300 ms = 3e8 ns over 4000 I/Os
        f = compare.figures(job(1000, 4000), "linux", "w")
        self.assertAlmostEqual(f["instr_per_io"], 75000.0)

    def test_figures_mixed_and_bad(self):
        w = {"total_ios": 9000, "iops": 3000, "bw_bytes": 3000 * 4096,
             "clat_ns": {"percentile": {"50.000000": 1000, "99.000000": 2000, "99.900000": 3000}}}
        f = compare.figures(job(1000, 3000, write=w), "lunbench", "w")
        self.assertEqual(f["iops"], 4000)
        self.assertEqual(f["p50_us"], 1.0)  # the busier direction's: write
        bad = job(1000, 3000)
        bad["read"]["iops"] = "many"
        with self.assertRaisesRegex(compare.CompareError, r"w\.read: \"iops\" is 'many'"):
            compare.figures(bad, "lunbench", "w")
        del bad["read"]["clat_ns"]["percentile"]["99.900000"]
        bad["read"]["iops"] = 5
        with self.assertRaisesRegex(compare.CompareError, "99.900000"):
            compare.figures(bad, "lunbench", "w")

    def test_merge_and_ratios(self):
        rounds_a = [{"x": {"iops": v, "p99_us": 10.0}} for v in (100, 300, 200)]
        rounds_b = [{"x": {"iops": v, "p99_us": 5.0}} for v in (50, 40, 60)]
        merged = {"a": compare.merge(rounds_a, ["x"], "a"), "b": compare.merge(rounds_b, ["x"], "b")}
        self.assertEqual(merged["a"]["x"]["median"]["iops"], 200)
        self.assertEqual((merged["a"]["x"]["min"]["iops"], merged["a"]["x"]["max"]["iops"]), (100, 300))
        self.assertEqual([r["iops"] for r in merged["a"]["x"]["rounds"]], [100, 300, 200])
        r = compare.ratios(merged, "a")
        self.assertEqual(list(r), ["b"])
        self.assertAlmostEqual(r["b"]["x"]["iops"], 0.25)
        self.assertAlmostEqual(r["b"]["x"]["p99_us"], 0.5)
        text = compare.table(merged, ["a", "b"], ["x"])
        self.assertIn("| IOPS | 200 [100–300] | 50.0 [40.0–60.0] | 0.25 |", text)

    def test_load_note(self):
        self.assertEqual(compare.load_note([0.2, 0.42, 0.63], 2),
                         "host: 2 CPUs; its 1-minute load average as the rounds started: median 0.42, max 0.63")
        self.assertIn("busier than its CPUs", compare.load_note([1.0, 5.1], 2))

    def test_discovery_ratios(self):
        sides = {"lunbench": {"discovery_ms": {"median": 40.0}}, "linux": {"discovery_ms": {"median": 68000.0}},
                 "blk": {}}  # a side whose rounds all failed has no discovery_ms
        self.assertEqual(compare.discovery_ratios(sides, "lunbench"), {"linux": 1700.0})
        self.assertEqual(compare.discovery_ratios({"a": {}, "b": {"discovery_ms": {"median": 3.0}}}, "a"), {"b": None})

    def test_merge_names_a_missing_job(self):
        with self.assertRaisesRegex(compare.CompareError, "side: round 2: no job y; job z not in the job file"):
            compare.merge([{"x": {}, "y": {}}, {"x": {}, "z": {}}], ["x", "y"], "side")

    def test_doc_figures(self):
        doc = {"jobs": [dict(job(1, 1), jobname="a"), dict(job(2, 2), jobname="b")]}
        self.assertEqual(list(compare.doc_figures(doc, "lunbench", "w")), ["a", "b"])
        doc["jobs"].append(dict(job(2, 2), jobname="a"))
        with self.assertRaisesRegex(compare.CompareError, "job 'a' twice"):
            compare.doc_figures(doc, "lunbench", "w")


class TestPrivateApt(unittest.TestCase):
    def test_config_stays_under_its_root(self):
        conf = debian.apt_conf("/r/apt")
        for key in ("Dir::Etc::sourcelist", "Dir::Etc::sourceparts", "Dir::Etc::parts", "Dir::State::Lists",
                    "Dir::State::status", "Dir::Cache", "Dir::Cache::archives"):
            self.assertRegex(conf, r'(?m)^%s "/r/apt/' % key)
        self.assertNotIn("/etc/apt", conf)
        self.assertIn('APT::Architecture "amd64";', conf)

    def test_sources_name_the_system_mirror_and_backports(self):
        text = debian.sources_list("http://mirror.example/debian")
        self.assertEqual(text.splitlines(), [
            "deb [signed-by=%s] http://mirror.example/debian %s main" % (debian.KEYRING, s) for s in debian.SUITES])
        self.assertIn("bookworm-backports", text)

    def test_mirror_from_sources(self):
        deb822 = ("Types: deb\nURIs: http://deb.debian.org/debian-security\nSuites: bookworm-security\n"
                  "Components: main\n\nTypes: deb\n# comment\nURIs: http://ftp.example/debian/\n"
                  "Suites: bookworm bookworm-updates\nComponents: main\n")
        self.assertEqual(debian.mirror_from_sources([deb822]), "http://ftp.example/debian")
        one = "# deb http://old/debian bookworm main\ndeb [arch=amd64] http://one.example/debian bookworm main\n"
        self.assertEqual(debian.mirror_from_sources(["", one]), "http://one.example/debian")
        self.assertIsNone(debian.mirror_from_sources(["deb http://x/debian bullseye main\n"]))

    def test_write_config_files(self):
        with tempfile.TemporaryDirectory() as d:
            apt = debian.Apt(root=d, mirror="http://m/debian")
            apt.write_config()
            with open(os.path.join(d, "apt.conf")) as f:
                self.assertIn('Dir::Etc::sourcelist "%s/sources.list";' % d, f.read())
            with open(os.path.join(d, "status")) as f:
                self.assertEqual(f.read(), "")
            self.assertTrue(os.path.isdir(os.path.join(d, "cache", "archives", "partial")))
            self.assertEqual(apt.env()["APT_CONFIG"], os.path.join(d, "apt.conf"))


class TestLinuxGuest(unittest.TestCase):
    def test_module_depends_reads_modinfo(self):
        with tempfile.NamedTemporaryFile(suffix=".ko") as f:
            f.write(b"\x7fELF junk\0license=GPL\0depends=scsi_mod,scsi-common\0vermagic=6.1\0")
            f.flush()
            self.assertEqual(linux_guest.module_depends(f.name), ["scsi_mod", "scsi_common"])
            f.seek(0)
            f.write(b"\x7fELF\0depends=\0")
            f.flush()
        with tempfile.NamedTemporaryFile(suffix=".ko") as g:
            g.write(b"\0depends=\0name=x\0")
            g.flush()
            self.assertEqual(linux_guest.module_depends(g.name), [])

    def test_module_order(self):
        deps = {"sd_mod": ["scsi_mod", "scsi_common"], "scsi_mod": ["scsi_common"], "scsi_common": [],
                "virtio_scsi": ["scsi_mod", "virtio", "virtio_ring"], "virtio": [], "virtio_ring": []}
        paths = {k: k for k in deps}
        order = linux_guest.module_order(["virtio_scsi", "sd_mod"], paths, deps.get)
        self.assertEqual(sorted(order), sorted(deps))
        for m, needs in deps.items():
            for n in needs:
                self.assertLess(order.index(n), order.index(m))
        with self.assertRaisesRegex(Exception, "module nope .needed by sd_mod."):
            linux_guest.module_order(["sd_mod"], paths, lambda p: ["nope"] if p == "sd_mod" else [])
        with self.assertRaisesRegex(Exception, "loop: a -> b -> a"):
            linux_guest.module_order(["a"], {"a": "a", "b": "b"}, {"a": ["b"], "b": ["a"]}.get)


class TestCompareTool(unittest.TestCase):
    def test_pci_function(self):
        self.assertEqual(compare_tool.pci_function("0x10"), "0000:00:10.0")
        self.assertEqual(compare_tool.pci_function("0x12.3,multifunction=on"), "0000:00:12.3")

    def test_sides(self):
        self.assertEqual(compare_tool.Side("qemu=10").name, "qemu-10")
        self.assertEqual(compare_tool.Side("qemu=/usr/bin/qemu-system-x86_64").qemu, "/usr/bin/qemu-system-x86_64")
        self.assertEqual((compare_tool.Side("blk").device, compare_tool.Side("linux").kind), ("blk", "linux"))
        with self.assertRaisesRegex(ValueError, "unknown side 'xen'"):
            compare_tool.Side("xen")
        with self.assertRaisesRegex(ValueError, "qemu=: give a path"):
            compare_tool.Side("qemu=")

    def test_arguments_whole_for_other_tools(self):
        """tools/icount-gate builds its rounds' arguments with compare's own parser: every option
        compare's rounds read is there, with compare's defaults."""
        a = compare_tool.arguments(["--luns", "1024", "--icount", "yes", "--", "-smp", "2"])
        self.assertEqual((a.luns, a.icount, a.backend, a.iothread, a.qemu_args), (1024, "yes", "null-co", False, ["-smp", "2"]))
        self.assertEqual(compare_tool.topology(compare_tool.Side("lunbench"), a).lun_count(), 1024)

    def test_backend_puts_the_luns_on_the_vhost_user_target(self):
        def args(*words):
            return compare_tool.arguments(["--luns", "3"] + list(words))
        scsi, blk = compare_tool.Side("lunbench"), compare_tool.Side("blk")
        topo = compare_tool.topology(scsi, args("--backend", "vscsi-target"))
        qemu_args = " ".join(topo.qemu_args(memory="512"))
        os.rmdir(topo.socket_dir)  # made for the socket's path; no target ran
        self.assertIn("vhost-user-scsi-pci", qemu_args)
        self.assertIn("memory-backend-memfd,id=lunbench-ram,size=512M,share=on", qemu_args)
        self.assertNotIn("scsi-hd", qemu_args)  # the target has the LUNs, QEMU none
        self.assertEqual([h.store for h in topo.hbas], ["null"])
        self.assertEqual(len(topo.expected_luns()), 3)
        self.assertIn("scsi-hd", " ".join(compare_tool.topology(scsi, args()).qemu_args()))
        with self.assertRaisesRegex(ValueError, "virtio-blk disks are QEMU's null-co only"):
            compare_tool.topology(blk, args("--backend", "vscsi-target"))
        with self.assertRaisesRegex(ValueError, "no --iothread"):
            compare_tool.topology(scsi, args("--backend", "vscsi-target", "--iothread"))


if __name__ == "__main__":
    unittest.main()


class TestIcountGate(unittest.TestCase):
    gate = scripts.load("icount-gate")

    def test_verdicts(self):
        v = self.gate.verdict
        self.assertEqual(v(861, 861, 2), "same")
        self.assertEqual(v(878, 861, 2), "same")      # 1.97 % above
        self.assertEqual(v(879, 861, 2), "RAISED")    # 2.09 % above
        self.assertEqual(v(840, 861, 2), "lowered")
        self.assertEqual(v(840, None, 2), "new")

    def test_discovery_is_shown_not_gated(self):
        rows = self.gate.compare_figures({"luns-1/discovery_instr_per_lun": 900000, "luns-1/j/instr_per_io": 900},
                                         {"luns-1/discovery_instr_per_lun": 300000, "luns-1/j/instr_per_io": 861}, 2)
        self.assertEqual(rows, [("luns-1/discovery_instr_per_lun", 900000, 300000, "info"),
                                ("luns-1/j/instr_per_io", 900, 861, "RAISED")])

    def test_baseline_file_holds_the_gated_figures(self):
        import json
        with open(self.gate.BASELINE) as f:
            figures = json.load(f)["figures"]
        for n in (1, 1024):
            for j in ("randread-4k-qd1", "randread-4k-qd32"):
                self.assertGreater(figures["luns-%d/%s/instr_per_io" % (n, j)], 0)


class TestDepends(unittest.TestCase):
    def test_first_of_each_alternative(self):
        text = ("fio\n  Depends: libaio1\n |Depends: libc6\n  Depends: libc6-udeb\n  PreDepends: <debconf-2.0>\n"
                "  Depends: zlib1g\n  Recommends: python3\n")
        self.assertEqual(debian.parse_depends(text), ["libaio1", "libc6", "debconf-2.0", "zlib1g"])


class TestGuestDiskMap(unittest.TestCase):
    """/init's two awk programs, run with the host's awk on what the guest's ls -l would list."""
    LS = (
        "total 0\n"
        "lrwxrwxrwx 1 0 0 0 Dec  1 13:49 sda -> ../devices/pci0000:00/0000:00:10.0/virtio0/host6/target6:0:0/6:0:0:0/block/sda\n"
        "lrwxrwxrwx 1 0 0 0 Dec  1 13:49 sdb -> ../devices/pci0000:00/0000:00:10.0/virtio0/host6/target6:0:3/6:0:3:17/block/sdb\n"
        "lrwxrwxrwx 1 0 0 0 Dec  1 13:49 sdd -> ../devices/pci0000:00/0000:00:10.0/virtio0/host6/target6:0:0/6:0:0:16640/block/sdd\n"
        "lrwxrwxrwx 1 0 0 0 Dec  1 13:49 sde -> ../devices/pci0000:00/0000:00:10.0/virtio0/host6/target6:0:0/6:0:0:32767/block/sde\n"
        "lrwxrwxrwx 1 0 0 0 Dec  1 13:49 vda -> ../devices/pci0000:00/0000:00:11.0/virtio1/block/vda\n"
        "lrwxrwxrwx 1 0 0 0 Dec  1 13:49 sdc -> ../devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0/block/sdc\n"
        "lrwxrwxrwx 1 0 0 0 Dec  1 13:49 loop0 -> ../devices/virtual/block/loop0\n")

    def awk(self, program, args, stdin=""):
        import subprocess
        return subprocess.run(["awk"] + args + [program], input=stdin, capture_output=True, text=True)

    def test_map_and_substitute(self):
        with tempfile.TemporaryDirectory() as d:
            slots = os.path.join(d, "slots")
            with open(slots, "w") as f:
                f.write("0000:00:10.0 0\n0000:00:11.0 1\n")
            p = self.awk(linux_guest.MAP_AWK, ["-v", "slots=" + slots], self.LS)
            self.assertEqual(p.returncode, 0, p.stderr)
            # the AHCI disk at 00:1f.2 is no HBA of the topology: left out
            # LUN 256 and 16383, as Linux numbers flat-space LUNs (16640 and 32767)
            self.assertEqual(p.stdout.splitlines(), ["/dev/lun-0-0-0 /dev/sda", "/dev/lun-0-3-17 /dev/sdb",
                                                     "/dev/lun-0-0-256 /dev/sdd", "/dev/lun-0-0-16383 /dev/sde",
                                                     "/dev/lun-1-0-0 /dev/vda"])
            lunmap, jobf = os.path.join(d, "lunmap"), os.path.join(d, "job.fio")
            with open(lunmap, "w") as f:
                f.write(p.stdout)
            with open(jobf, "w") as f:
                f.write("[a]\nfilename=/dev/lun-1-0-0:/dev/lun-0-3-17\niodepth=4\n")
            import subprocess
            q = subprocess.run(["awk", linux_guest.SUBST_AWK, lunmap, jobf], capture_output=True, text=True)
            self.assertEqual((q.returncode, q.stdout), (0, "[a]\nfilename=/dev/vda:/dev/sdb\niodepth=4\n"))
            with open(jobf, "w") as f:
                f.write("[a]\nfilename=/dev/lun-2-0-0\n")
            q = subprocess.run(["awk", linux_guest.SUBST_AWK, lunmap, jobf], capture_output=True, text=True)
            self.assertEqual(q.returncode, 1)
            self.assertIn("no disk for /dev/lun-2-0-0", q.stderr)

    def test_disk_names_and_fios_filename_limit(self):
        self.assertEqual([linux_guest.disk_name(i) for i in (0, 25, 26, 701, 702)], ["sda", "sdz", "sdaa", "sdzz", "sdaaa"])
        self.assertEqual(linux_guest.disk_name(27, "vd"), "vdab")
        # 300 LUNs ran (fio exit code 0 on a luns=all job); 1024 did not ("value exceeds max length of 4096")
        self.assertIsNone(linux_guest.filename_problem({"all": [(0, 0, k) for k in range(300)]}, 300))
        why = linux_guest.filename_problem({"one": [(0, 0, 0)], "all": [(0, 0, k) for k in range(1024)]}, 1024)
        self.assertEqual(why, "job all: its 1024 LUNs' device names would take up to 10535 characters in fio's "
                              "filename=, which takes at most 4096: give it at most 377 LUNs (luns=first:377)")
        self.assertIsNone(linux_guest.filename_problem({"first": [(0, 0, k) for k in range(377)]}, 1024))
        self.assertIn("378 LUNs", linux_guest.filename_problem({"first": [(0, 0, k) for k in range(378)]}, 1024))

    def test_discovery_line(self):
        self.assertEqual(linux_guest.discovery("x\nlinux-fio: disks 4096 1.50 39.75\r\nmore"), (4096, 38.25))
        self.assertIsNone(linux_guest.discovery("linux-fio: 3 disks\n"))


class TestUpdateProblems(unittest.TestCase):
    def test_unreachable_mirror_is_named(self):
        text = ("Err:1 http://127.0.0.1:9/debian bookworm InRelease\n  Could not connect to 127.0.0.1:9\n"
                "Hit:2 http://deb.debian.org/debian bookworm-updates InRelease\n"
                "W: Failed to fetch http://127.0.0.1:9/debian/dists/bookworm/InRelease  Could not connect\n"
                "W: Some index files failed to download. They have been ignored, or old ones used instead.\n"
                "Reading package lists...\n")
        self.assertEqual(debian.update_problems(text), [
            "Err:1 http://127.0.0.1:9/debian bookworm InRelease",
            "W: Failed to fetch http://127.0.0.1:9/debian/dists/bookworm/InRelease  Could not connect",
            "W: Some index files failed to download. They have been ignored, or old ones used instead."])
        self.assertEqual(debian.update_problems("Hit:1 http://deb.debian.org/debian bookworm InRelease\n"), [])
