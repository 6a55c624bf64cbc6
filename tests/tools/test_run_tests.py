"""tests/qemu/run_tests.py, the QEMU test runner, with a stand-in kind (no QEMU is run): what a
unittests.cfg may say, which tests -g and NAME_REGEX choose, and the PASS/FAIL/SKIP lines and
the summary lines CI reads.

Run from the repository root: python3 -m unittest discover -s tests/tools -v
"""
import contextlib
import io
import os
import shutil
import sys
import tempfile
import textwrap
import types
import unittest
from unittest import mock

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "qemu"))
import harness  # noqa: E402
import run_tests  # noqa: E402

CONFIG = """\
[boots-fine]
groups = boot
outcome = pass

[boots-badly]
groups = boot faults
outcome = fail

[needs-a-rom]
groups = pci
outcome = skip
"""


def stand_in_run(test):
    """A kind whose tests do what their `outcome` key says."""
    outcome = test.get("outcome")
    if outcome == "skip":
        raise harness.Skip("no ROM here")
    if outcome == "fail":
        return harness.Outcome(["the first problem", "the second problem"])
    return harness.Outcome(note="3 things checked")


STAND_IN = types.SimpleNamespace(KEYS={"outcome"}, run=stand_in_run)


class RunnerTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="run-tests-test-")
        self.addCleanup(shutil.rmtree, self.dir)
        self.addCleanup(os.chdir, os.getcwd())
        image = os.path.join(self.dir, "image.elf")
        open(image, "w").close()
        for patcher in (mock.patch.dict(run_tests.KINDS, {"boot": STAND_IN}),
                        mock.patch.dict(run_tests.qemu.IMAGES, {"multiboot": image, "pvh": image}),
                        mock.patch.object(harness, "LOG_DIR", os.path.join(self.dir, "logs"))):
            patcher.start()
            self.addCleanup(patcher.stop)

    def config(self, text=CONFIG):
        path = os.path.join(self.dir, "unittests.cfg")
        with open(path, "w") as f:
            f.write(textwrap.dedent(text))
        return path

    def runner(self, *args, text=CONFIG):
        out, err = io.StringIO(), io.StringIO()
        with mock.patch.object(sys, "argv", ["run_tests.py", "--config", self.config(text)] + list(args)), \
                contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                rc = run_tests.main()
            except SystemExit as e:
                rc = e.code
        return rc, out.getvalue(), err.getvalue()

    def test_lines_and_summary(self):
        rc, out, _ = self.runner()
        self.assertEqual(rc, 1)
        lines = out.splitlines()
        self.assertRegex(lines[0], r"^PASS: boots-fine \(3 things checked; \d+\.\d s\)$")
        self.assertEqual(lines[1], "FAIL: boots-badly (the first problem)")
        self.assertEqual(lines[2].strip(), "the second problem")
        log = os.path.join(harness.LOG_DIR, "boots-badly.log")
        self.assertEqual(lines[3].strip(), "log: " + os.path.relpath(log, harness.ROOT))
        self.assertEqual(lines[4], "SKIP: needs-a-rom (no ROM here)")
        self.assertRegex(lines[5], r"^SUMMARY: 3 tests, 1 failed, 1 skipped \(\d+\.\d s\)$")
        self.assertEqual(lines[6], "qemu: 1 passed, 1 failed")
        self.assertEqual(len(lines), 7)

    def test_choosing_by_group_and_name(self):
        def chosen(*args):
            rc, out, _ = self.runner("--list", *args)
            self.assertEqual(rc, 0)
            return [line.split()[0] for line in out.splitlines()]
        self.assertEqual(chosen(), ["boots-fine", "boots-badly", "needs-a-rom"])
        self.assertEqual(chosen("-g", "faults"), ["boots-badly"])
        self.assertEqual(chosen("-g", "faults", "-g", "pci"), ["boots-badly", "needs-a-rom"])
        self.assertEqual(chosen("-g", "boot", "fine$"), ["boots-fine"])
        self.assertEqual(chosen("rom", "fine"), ["boots-fine", "needs-a-rom"])

    def test_passing_run_and_nothing_chosen(self):
        rc, out, _ = self.runner("-g", "boot", "fine")
        self.assertEqual(rc, 0)
        self.assertEqual(out.splitlines()[-1], "qemu: 1 passed, 0 failed")
        rc, out, _ = self.runner("nothing-has-this-name")
        self.assertEqual(rc, 1)
        self.assertEqual(out.splitlines()[-1], "qemu: 0 passed, 0 failed")

    def test_bad_configuration_stops_before_running(self):
        rc, out, err = self.runner(text="""\
            [a]
            groups = boot
            outcom = pass

            [b]
            outcome = pass

            [c]
            groups = boot
            kind = teleport
            """)
        self.assertEqual(rc, 2)
        self.assertEqual(out, "")
        self.assertIn("[a]: unknown key 'outcom'", err)
        self.assertIn("[b]: no groups", err)
        self.assertIn("[c]: kind 'teleport' is not one of", err)
        rc, _, err = self.runner("-g", "nosuch")
        self.assertEqual(rc, 2)
        self.assertIn("no test is in group nosuch", err)


class RealConfigTest(unittest.TestCase):
    """tests/qemu/unittests.cfg itself is valid: every section has groups and known keys."""

    def test_unittests_cfg_loads(self):
        options = types.SimpleNamespace(power_cut_trials=None, seed=None)
        tests = run_tests.load(os.path.join(ROOT, "tests", "qemu", "unittests.cfg"), options)
        kinds = {t.get("kind", "boot") for t in tests}
        self.assertEqual(kinds, set(run_tests.KINDS))
        self.assertTrue(all(t.groups for t in tests))
        self.assertEqual([t.name for t in run_tests.choose(tests, ["power-cut"], [])],
                         ["power-cut", "power-cut-vscsi-target", "power-cut-vscsi-target-rule",
                          "power-cut-vscsi-target-skipped-flush-is-caught"])


if __name__ == "__main__":
    unittest.main()
