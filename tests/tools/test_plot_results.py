"""tools/plot-results on synthetic fio json+ results (two jobs with bins and percentiles).

Run from the repository root: python3 -m unittest discover -s tests/tools -v
Needs gnuplot (Debian's gnuplot-nox); the tests are skipped without it.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fio_synthetic as fio  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLOT = os.path.join(ROOT, "tools", "plot-results")

# Percentiles in ns, as lunbench writes them; the .dat file must hold them in µs.
READ_PCTS = {1: 5120, 50: 10240, 99: 40960, 99.9: 81920, 99.99: 1048576}
WRITE_PCTS = {1: 7168, 50: 14336, 99: 57344, 99.9: 114688, 99.99: 2097152}
READ_SAMPLES = [5000, 9000, 10000, 10300, 12000, 40000, 81000, 1000000]
WRITE_SAMPLES = [7000, 14000, 14500, 56000, 110000, 2000000]


def two_jobs():
    """A randread job at iodepth 1 (no writes) and a randrw job at iodepth 16 with both."""
    return [
        fio.job("randread qd1/x", {"rw": "randread", "bs": "4k", "iodepth": "1"},
                read=fio.ddir(len(READ_SAMPLES), samples=READ_SAMPLES, percentiles=READ_PCTS)),
        fio.job("mixed_qd16", {"rw": "randrw", "bs": "4k", "iodepth": "16"},
                read=fio.ddir(len(READ_SAMPLES), samples=READ_SAMPLES, percentiles=READ_PCTS),
                write=fio.ddir(len(WRITE_SAMPLES), samples=WRITE_SAMPLES, percentiles=WRITE_PCTS)),
    ]


def data_rows(path):
    with open(path) as f:
        return [line.split() for line in f if line.strip() and not line.startswith("#")]


@unittest.skipUnless(shutil.which("gnuplot"), "gnuplot is not installed")
class PlotResultsTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="plot-results-test-")
        self.addCleanup(shutil.rmtree, self.dir)

    def write_json(self, doc, name="results.json"):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            if isinstance(doc, str):
                f.write(doc)
            else:
                json.dump(doc, f)
        return path

    def run_tool(self, *args):
        return subprocess.run([sys.executable, PLOT] + list(args), capture_output=True, text=True, timeout=120)

    def assert_nonempty(self, name):
        path = os.path.join(self.dir, name)
        self.assertTrue(os.path.isfile(path), "%s was not written" % name)
        self.assertGreater(os.path.getsize(path), 0, "%s is empty" % name)

    def test_two_jobs(self):
        results = self.write_json(fio.document(two_jobs()))
        proc = self.run_tool(results)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        printed = proc.stdout.split()
        # Job names are sanitised: "randread qd1/x" -> randread_qd1_x.
        for job in ("randread_qd1_x", "mixed_qd16"):
            for kind in ("clat-percentiles", "clat-histogram"):
                for ext in ("dat", "gp", "png"):
                    name = "%s.%s.%s" % (job, kind, ext)
                    self.assert_nonempty(name)
                    self.assertIn(os.path.join(self.dir, name), printed)
        for ext in ("dat", "gp", "png"):
            self.assert_nonempty("iops-vs-iodepth." + ext)
        with open(os.path.join(self.dir, "mixed_qd16.clat-percentiles.png"), "rb") as f:
            self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")

    def test_percentile_values(self):
        self.assertEqual(self.run_tool(self.write_json(fio.document(two_jobs()))).returncode, 0)
        rows = data_rows(os.path.join(self.dir, "mixed_qd16.clat-percentiles.dat"))
        expected = [["%g" % p, "%.3f" % (READ_PCTS[p] / 1000), "%.3f" % (WRITE_PCTS[p] / 1000)]
                    for p in sorted(READ_PCTS)]
        self.assertEqual(rows, expected)
        self.assertEqual(rows[1], ["50", "10.240", "14.336"])
        self.assertEqual(rows[-1], ["99.99", "1048.576", "2097.152"])
        # The read-only job has no write column: a direction without I/O is left out.
        rows = data_rows(os.path.join(self.dir, "randread_qd1_x.clat-percentiles.dat"))
        self.assertEqual([r[:2] for r in rows], [e[:2] for e in expected])
        self.assertTrue(all(len(r) == 2 for r in rows))

    def test_histogram_and_iops_values(self):
        self.assertEqual(self.run_tool(self.write_json(fio.document(two_jobs()))).returncode, 0)
        rows = data_rows(os.path.join(self.dir, "mixed_qd16.clat-histogram.dat"))
        self.assertEqual(sum(int(r[1]) for r in rows), len(READ_SAMPLES))
        self.assertEqual(sum(int(r[2]) for r in rows), len(WRITE_SAMPLES))
        # x is the bucket midpoint in µs: the fastest read's bucket is there.
        fastest = min(int(ns) for ns in fio.bins_of(READ_SAMPLES))
        self.assertIn("%.3f" % (fastest / 1000), [r[0] for r in rows])
        rows = data_rows(os.path.join(self.dir, "iops-vs-iodepth.dat"))
        by_job = {r[2]: (int(r[0]), float(r[1])) for r in rows}
        self.assertEqual(by_job["randread_qd1_x"], (1, float(len(READ_SAMPLES))))
        self.assertEqual(by_job["mixed_qd16"], (16, float(len(READ_SAMPLES) + len(WRITE_SAMPLES))))

    def test_out_directory(self):
        results = self.write_json(fio.document(two_jobs()))
        out = os.path.join(self.dir, "plots")
        self.assertEqual(self.run_tool(results, "--out", out).returncode, 0)
        self.assertTrue(os.path.getsize(os.path.join(out, "mixed_qd16.clat-histogram.png")) > 0)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "mixed_qd16.clat-histogram.png")))

    def test_one_job_has_no_iops_plot(self):
        self.assertEqual(self.run_tool(self.write_json(fio.document(two_jobs()[:1]))).returncode, 0)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "iops-vs-iodepth.png")))

    def test_broken_json(self):
        results = self.write_json('{"fio version": "lunbench-x", "jobs": [')
        proc = self.run_tool(results)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("not valid JSON", proc.stderr)
        self.assertIn(results, proc.stderr)
        self.assertEqual(len(proc.stderr.strip().splitlines()), 1, proc.stderr)
        self.assertEqual(os.listdir(self.dir), ["results.json"])

    def test_missing_file_and_missing_keys(self):
        proc = self.run_tool(os.path.join(self.dir, "nonexistent.json"))
        self.assertEqual(proc.returncode, 2)
        self.assertIn("cannot read it", proc.stderr)
        doc = fio.document(two_jobs())
        del doc["jobs"][1]["write"]["clat_ns"]
        proc = self.run_tool(self.write_json(doc))
        self.assertEqual(proc.returncode, 2)
        self.assertIn("jobs[1] 'mixed_qd16'.write: missing \"clat_ns\"", proc.stderr)

    def test_job_without_data(self):
        jobs = two_jobs() + [fio.job("idle", {"rw": "randwrite", "iodepth": "4"})]
        proc = self.run_tool(self.write_json(fio.document(jobs)))
        self.assertEqual(proc.returncode, 2)
        self.assertIn("jobs[2] 'idle': no I/O in any direction", proc.stderr)
        # The jobs with data are still drawn.
        self.assert_nonempty("mixed_qd16.clat-percentiles.png")
        self.assertFalse(any(name.startswith("idle.") for name in os.listdir(self.dir)))


if __name__ == "__main__":
    unittest.main()
