"""tools/bench-matrix: the job files it writes, and a whole matrix against a stand-in QEMU.

The stand-in (FAKE_QEMU below) is what lets this run without a kernel that can run jobs: it
takes the command bench-matrix builds, reads the job file from -initrd, counts the scsi-hd
LUNs, writes synthetic fio json+ results to the second -serial file:, answers QMP query-kvm on
the -qmp socket and exits as lunbench would through isa-debug-exit. So the command line, the
results checks, the accelerator, the plots and summary.md are all exercised; only lunbench
itself is not.

Run from the repository root: python3 -m unittest discover -s tests/tools -v
"""
import contextlib
import io
import os
import re
import shutil
import sys
import tempfile
import textwrap
import unittest
from unittest import mock

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from lunbench import scripts  # noqa: E402

bench_matrix = scripts.load("bench-matrix")

# FAKE_QEMU_MODE: ok, drop-cycles (job 0 without driver_cycles_per_io), rename (a job renamed),
# crash (status 4), silent (status 0, nothing on COM2).
# FAKE_QEMU_KVM: what query-kvm says: on, off, or error (a QMP error); unset: on when the
# command has -accel kvm, as QEMU would.
FAKE_QEMU = textwrap.dedent("""\
    #!%(python)s
    import configparser, json, os, socket, sys, threading
    sys.path.insert(0, %(here)r)
    import fio_synthetic as fio
    args = sys.argv[1:]
    if args == ["--version"]:
        print("QEMU emulator version 99.0.0 (stand-in for the tests)")
        sys.exit(0)
    accel = args[args.index("-accel") + 1] if "-accel" in args else ""
    kvm = os.environ.get("FAKE_QEMU_KVM", "on" if accel == "kvm" else "off")
    answered = threading.Event()
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(args[args.index("-qmp") + 1][len("unix:"):].split(",")[0])
    server.listen(1)

    def serve_qmp():
        conn, _ = server.accept()
        f = conn.makefile("rwb")
        f.write(b'{"QMP": {"version": {}, "capabilities": []}}\\n')
        f.flush()
        for line in f:
            name = json.loads(line)["execute"]
            reply = {"return": {}}
            if name == "query-kvm":
                reply = ({"error": {"class": "GenericError", "desc": "stand-in refuses"}} if kvm == "error"
                         else {"return": {"enabled": kvm == "on", "present": True}})
            f.write(json.dumps(reply).encode() + b"\\n")
            f.flush()
            if name == "query-kvm":
                answered.set()

    threading.Thread(target=serve_qmp, daemon=True).start()

    def leave(code):
        answered.wait(10)  # as a real QEMU would still be running when asked
        sys.exit(code)

    initrd = args[args.index("-initrd") + 1]
    serials = [args[i + 1] for i, a in enumerate(args) if a == "-serial"]
    assert serials[0] == "stdio" and serials[1].startswith("file:"), serials
    assert args[args.index("-append") + 1] == "mode=bench"
    luns = sum(1 for a in args if a.startswith("scsi-hd,"))
    with open(os.path.join(os.path.dirname(initrd), "fake-argv"), "w") as f:
        f.write("\\n".join(args))
    parser = configparser.ConfigParser(allow_no_value=True, comment_prefixes=(";", "#"),
                                       default_section="global")
    parser.read(initrd)
    mode = os.environ.get("FAKE_QEMU_MODE", "ok")
    print("lunbench test stand-in: %%d LUNs" %% luns)
    if mode == "crash":
        print("lunbench: exit status 4 (crash)")
        leave(9)
    jobs = []
    for k, name in enumerate(parser.sections()):
        opts = {key: (value or "") for key, value in parser[name].items()}
        depth = int(opts["iodepth"])
        bs = 131072 if opts["bs"] == "128k" else 4096
        ios = 1000 * depth * (k + 1)
        pcts = {50: 10000 * (k + 1), 99: 25000 * (k + 1)}
        samples = [10000 * (k + 1)] * 8 + [25000 * (k + 1)] * 2
        d = fio.ddir(ios, bs=bs, samples=samples, percentiles=pcts)
        write = opts["rw"].endswith("write")
        job = fio.job("renamed" if mode == "rename" and k == 1 else name, opts,
                      read=None if write else d, write=d if write else None, luns=luns,
                      cycles_per_io=1500.0 + k)
        if mode == "drop-cycles" and k == 0:
            del job["lunbench"]["driver_cycles_per_io"]
        jobs.append(job)
    # QEMU creates the -serial file: at start, so a silent lunbench leaves it empty.
    with open(serials[1][len("file:"):], "w") as f:
        if mode != "silent":
            json.dump(fio.document(jobs, luns=luns), f)
    print("lunbench: exit status 0 (success)")
    leave(1)
""")


class JobFileTest(unittest.TestCase):
    def test_quick_job_file(self):
        specs = bench_matrix.job_specs(bench_matrix.QUICK["iodepths"])
        text = bench_matrix.job_file(256, specs, 1.0)
        sections = re.findall(r"^\[(.*)\]$", text, re.M)
        self.assertEqual(sections, ["global", "randread-4k-qd1", "randread-4k-qd32", "randwrite-4k-qd1",
                                    "randwrite-4k-qd32", "read-128k-qd1", "read-128k-qd32"])
        glob = text.split("[global]\n", 1)[1].split("\n\n", 1)[0].splitlines()
        self.assertEqual(glob, ["bs=4k", "runtime=1", "time_based", "luns=all", "stonewall"])
        self.assertIn("[read-128k-qd32]\nrw=read\nbs=128k\niodepth=32\n", text)
        self.assertIn("[randwrite-4k-qd1]\nrw=randwrite\niodepth=1\n", text)

    def test_full_matrix(self):
        specs = bench_matrix.job_specs(bench_matrix.FULL["iodepths"])
        self.assertEqual(len(specs), 12)
        self.assertEqual(bench_matrix.FULL["luns"], [1, 256, 4096])
        self.assertEqual({s["iodepth"] for s in specs}, {1, 8, 32, 128})
        text = bench_matrix.job_file(4096, specs, 2.0)
        self.assertIn("runtime=2\n", text)
        self.assertIn("4096 LUNs", text)
        self.assertIn("runtime=500ms\n", bench_matrix.job_file(1, specs, 0.5))

    def test_accelerator_line(self):
        line = bench_matrix.accelerator_line
        kvm = [{"name": "luns-1", "accel": "KVM"}, {"name": "luns-256", "accel": "KVM"}]
        self.assertEqual(line(kvm, "-accel kvm"), "KVM (QEMU's answer to QMP query-kvm; asked for -accel kvm)")
        mixed = [{"name": "luns-1", "accel": "KVM"}, {"name": "luns-256", "accel": "TCG"}, {"name": "luns-4096"}]
        self.assertEqual(line(mixed, "-accel kvm"),
                         "KVM in luns-1, TCG in luns-256, unknown in luns-4096 (asked for -accel kvm)")
        self.assertTrue(line([{"name": "luns-1"}], "x").startswith("unknown (QEMU did not answer"))

    def test_accelerator_notes(self):
        notes = bench_matrix.accelerator_notes
        self.assertEqual(notes({"name": "luns-1", "accel": "KVM"}, "kvm"), [])
        self.assertEqual(notes({"name": "luns-1", "accel": "TCG"}, ""), [])  # QEMU's default: nothing asked
        self.assertEqual(notes({"name": "luns-1", "accel": "TCG"}, "kvm"),
                         ["luns-1: asked for -accel kvm, but QEMU ran TCG"])
        self.assertEqual(notes({"name": "luns-1", "accel_error": "QMP connection closed"}, "kvm"),
                         ["luns-1: no accelerator from QMP: QMP connection closed"])

    def test_echoed_options(self):
        self.assertTrue(bench_matrix.same_option("bs", "4096", "4k"))
        self.assertTrue(bench_matrix.same_option("bs", "128KiB", "128k"))
        self.assertFalse(bench_matrix.same_option("bs", "8k", "4k"))
        self.assertTrue(bench_matrix.same_option("iodepth", "32", 32))
        self.assertFalse(bench_matrix.same_option("rw", "read", "randread"))


@unittest.skipUnless(shutil.which("gnuplot"), "gnuplot is not installed")
class MatrixTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="bench-matrix-test-")
        self.addCleanup(shutil.rmtree, self.dir)
        self.qemu = os.path.join(self.dir, "fake-qemu")
        with open(self.qemu, "w") as f:
            f.write(FAKE_QEMU % {"python": sys.executable, "here": HERE})
        os.chmod(self.qemu, 0o755)
        # A stand-in image: bench-matrix only checks that it exists before booting.
        image = os.path.join(self.dir, "lunbench.elf")
        open(image, "w").close()
        images = dict(bench_matrix.qemu.IMAGES)
        bench_matrix.qemu.IMAGES["multiboot"] = image
        self.addCleanup(bench_matrix.qemu.IMAGES.update, images)
        self.out = os.path.join(self.dir, "out")

    def matrix(self, mode, *args):
        os.environ["FAKE_QEMU_MODE"] = mode
        self.addCleanup(os.environ.pop, "FAKE_QEMU_MODE", None)
        stdout, stderr = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            rc = bench_matrix.main(["--quick", "--qemu", self.qemu, "--out", self.out] + list(args))
        return rc, stdout.getvalue(), stderr.getvalue()

    def summary(self):
        with open(os.path.join(self.out, "summary.md"), encoding="utf-8") as f:
            return f.read()

    def test_quick_matrix(self):
        rc, stdout, stderr = self.matrix("ok")
        self.assertEqual(rc, 0, stderr)
        self.assertEqual(stdout.strip(), os.path.join(self.out, "summary.md"))
        for run, luns in (("luns-1", 1), ("luns-256", 256)):
            for name in ("jobs.fio", "command", "console.log", "results.json", "iops-vs-iodepth.png",
                         "randread-4k-qd32.clat-percentiles.png", "read-128k-qd1.clat-histogram.dat"):
                self.assertGreater(os.path.getsize(os.path.join(self.out, run, name)), 0, name)
            with open(os.path.join(self.out, run, "fake-argv")) as f:
                argv = f.read().split("\n")
            self.assertEqual(argv[argv.index("-initrd") + 1], os.path.join(self.out, run, "jobs.fio"))
            self.assertIn("file:" + os.path.join(self.out, run, "results.json"), argv)
            self.assertEqual(sum(1 for a in argv if a.startswith("scsi-hd,")), luns)
            self.assertNotIn("kvm", argv)
        text = self.summary()
        self.assertIn("QEMU emulator version 99.0.0 (stand-in for the tests)", text)
        self.assertIn("- accelerator: TCG (QEMU's answer to QMP query-kvm; asked for QEMU's default", text)
        self.assertIn("| 256 | status 0 (success) | TCG |", text)
        # Job 1 (randread-4k-qd32, k=1): 1000*32*2 I/Os in 1 s, p50 20 µs, p99 50 µs, 1501 cycles.
        self.assertIn("| 256 | randread-4k-qd32 | randread | 4k | 32 | 64000 | 250.0 | 20.0 | 50.0 | 1501 |", text)
        # Job 4 (read-128k-qd1, k=4): 5000 I/Os of 128 KiB = 625 MiB/s.
        self.assertIn("| 1 | read-128k-qd1 | read | 128k | 1 | 5000 | 625.0 | 50.0 | 125.0 | 1504 |", text)
        self.assertEqual(len(re.findall(r"^\| (1|256) \| [a-z]+-\d+k-qd\d+ ", text, re.M)), 12)
        self.assertNotIn("## Notes", text)

    def test_kvm_and_extra_arguments(self):
        rc, _, stderr = self.matrix("ok", "--accel", "kvm", "--luns", "1", "--", "-cpu", "host")
        self.assertEqual(rc, 0, stderr)
        with open(os.path.join(self.out, "luns-1", "command")) as f:
            argv = f.read().split()
        # Each once: QEMU would take a second -accel as a fallback, a second -cpu over the first.
        self.assertEqual([argv[i + 1] for i, a in enumerate(argv) if a == "-accel"], ["kvm"])
        self.assertEqual([argv[i + 1] for i, a in enumerate(argv) if a == "-cpu"], ["host"])
        self.assertIn("- accelerator: KVM (QEMU's answer to QMP query-kvm; asked for -accel kvm)", self.summary())
        self.assertNotIn("## Notes", self.summary())

    def test_kvm_from_the_environment_goes_on_once(self):
        # tools/kvm-bench: LUNBENCH_ACCEL=kvm LUNBENCH_QEMU_ARGS="-cpu host", and no flags
        for name, value in (("ACCEL", "kvm"), ("EXTRA_ARGS", ["-cpu", "host"])):
            patcher = mock.patch.object(bench_matrix.qemu, name, value)
            patcher.start()
            self.addCleanup(patcher.stop)
        rc, _, stderr = self.matrix("ok", "--luns", "1")
        self.assertEqual(rc, 0, stderr)
        with open(os.path.join(self.out, "luns-1", "command")) as f:
            argv = f.read().split()
        self.assertEqual([argv[i + 1] for i, a in enumerate(argv) if a == "-accel"], ["kvm"])
        self.assertEqual([argv[i + 1] for i, a in enumerate(argv) if a == "-cpu"], ["host"])
        self.assertIn("- accelerator: KVM (QEMU's answer to QMP query-kvm; asked for -accel kvm)", self.summary())
        # what kvm-bench used to pass on top: refused (usage, status 2), not doubled
        with self.assertRaises(SystemExit) as e:
            self.matrix("ok", "--luns", "1", "--", "-cpu", "host")
        self.assertEqual(e.exception.code, 2)

    def test_accelerator_is_what_ran_not_what_was_asked(self):
        # QEMU on KVM without -accel kvm (as -machine accel=kvm in LUNBENCH_QEMU_ARGS would do)
        os.environ["FAKE_QEMU_KVM"] = "on"
        self.addCleanup(os.environ.pop, "FAKE_QEMU_KVM", None)
        rc, _, stderr = self.matrix("ok", "--luns", "1")
        self.assertEqual(rc, 0, stderr)
        self.assertIn("- accelerator: KVM (QEMU's answer", self.summary())
        # asked for KVM, ran TCG: the summary says TCG and a note says so
        os.environ["FAKE_QEMU_KVM"] = "off"
        rc, _, stderr = self.matrix("ok", "--luns", "1", "--accel", "kvm")
        self.assertEqual(rc, 0, stderr)  # the numbers are real, only not KVM's: a note, not a failure
        self.assertIn("- accelerator: TCG (QEMU's answer", self.summary())
        self.assertIn("- luns-1: asked for -accel kvm, but QEMU ran TCG", self.summary())
        os.environ["FAKE_QEMU_KVM"] = "error"
        self.matrix("ok", "--luns", "1")
        self.assertIn("- accelerator: unknown (QEMU did not answer QMP query-kvm", self.summary())
        self.assertIn("- luns-1: no accelerator from QMP: query-kvm: stand-in refuses", self.summary())

    def test_missing_key_names_the_run(self):
        rc, _, stderr = self.matrix("drop-cycles")
        self.assertEqual(rc, 1)
        self.assertIn("luns-1 (", stderr)
        self.assertIn("job 'randread-4k-qd1': missing \"lunbench.driver_cycles_per_io\"", stderr)
        self.assertIn("driver_cycles_per_io", self.summary())

    def test_renamed_job(self):
        rc, _, stderr = self.matrix("rename", "--luns", "1")
        self.assertEqual(rc, 1)
        self.assertIn("jobname 'renamed', but the job file's job 2 is 'randread-4k-qd32'", stderr)

    def test_failed_boots(self):
        rc, _, _ = self.matrix("crash", "--luns", "1")
        self.assertEqual(rc, 1)
        self.assertIn("lunbench did not finish: status 4 (crash)", self.summary())
        rc, _, stderr = self.matrix("silent", "--luns", "1")
        self.assertEqual(rc, 1)
        self.assertIn("lunbench wrote no results", stderr)

    def test_dry_run(self):
        rc, stdout, _ = self.matrix("ok", "--dry-run")
        self.assertEqual(rc, 0)
        self.assertTrue(os.path.exists(os.path.join(self.out, "luns-256", "jobs.fio")))
        self.assertFalse(os.path.exists(os.path.join(self.out, "luns-256", "results.json")))
        self.assertFalse(os.path.exists(os.path.join(self.out, "summary.md")))


if __name__ == "__main__":
    unittest.main()
