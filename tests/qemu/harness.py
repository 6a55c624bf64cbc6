"""What the kinds of QEMU test (boot.py, hotplug.py, power_cut.py) share with the runner,
run_tests.py: the test in hand, where its logs go, and the checks every kind makes.

A kind is a module with
  KEYS        the unittests.cfg keys its sections may have (beyond kind and groups)
  run(test)   boot what the section says and return an Outcome; raise Skip when the host lacks
              something the test needs (a firmware file, a program)
and optionally prepare(tests), run once before the tests of that kind start (in parallel).
"""
import os
import re
import shlex
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "tools"))
from lunbench import ROOT, qemu  # noqa: E402

LOG_DIR = os.path.join(ROOT, "build", "test-logs")


class Skip(Exception):
    """The test cannot run here; the message says what is missing."""


class Outcome:
    def __init__(self, problems=(), note=None):
        self.problems = list(problems)  # empty: the test passed
        self.note = note                # one line for the PASS line, e.g. what was checked


class Test:
    """One section of unittests.cfg, with the runner's options."""

    def __init__(self, name, section, options):
        self.name = name
        self.section = section
        self.options = options  # the runner's parsed arguments (power-cut trials, seed, ...)
        self.kind = None        # the module that runs it (boot, hotplug, power_cut)
        self.groups = []
        self.log = os.path.join(LOG_DIR, name + ".log")

    def get(self, key, default=None):
        return self.section.get(key, default)

    def lines(self, key):
        """A multi-line key's values, one per non-empty line."""
        return [line.strip() for line in self.section.get(key, "").strip().splitlines() if line.strip()]

    def work_dir(self):
        """build/test-logs/NAME.work/, empty: the files a test makes besides its log (disk images,
        job files, the logs of each boot)."""
        path = os.path.join(LOG_DIR, self.name + ".work")
        shutil.rmtree(path, ignore_errors=True)
        os.makedirs(path)
        return path

    def write_log(self, cmd, console, suffix=""):
        """The command and console of a boot in build/test-logs/<test>.log (<test>.log<suffix>
        for a test's second boot)."""
        with open(self.log + suffix, "w") as f:
            f.write("$ " + " ".join(shlex.quote(c) for c in cmd) + "\n" + console)


def console_problems(console, expect=(), reject=()):
    """Every expect pattern (a regular expression, ^ and $ at line ends) must match the console,
    no reject pattern may."""
    problems = ["no match for expect: %s" % p for p in expect if not re.search(p, console, re.M)]
    problems += ["matched reject: %s" % p for p in reject if re.search(p, console, re.M)]
    return problems


def status_problem(returncode, console, want, timeout):
    """None when QEMU's exit code (None: killed at the timeout) carries lunbench's status want."""
    if returncode is None:
        return "timed out after %s s" % timeout
    got, why = qemu.status_from_exit(returncode, console)
    if got != want:
        return "QEMU exit code %d: %s; expected status %d" % (returncode, why, want)
    return None
