#!/usr/bin/env python3
"""Run lunbench's QEMU tests: the sections of tests/qemu/unittests.cfg, all or those chosen.

  python3 tests/qemu/run_tests.py [-j N] [-g GROUP]... [--list] [--power-cut-trials N]
                                  [--soak-rounds N] [--seed S] [NAME_REGEX ...]

Every section is one test of one kind (its `kind` key, boot when it has none):
  boot       boots one lunbench image under QEMU (TCG) and checks QEMU's exit code against the
             expected status (2*status+1; 0 is always a failure: a triple fault), the console
             against `expect` and `reject` patterns, the JSON inventory against the `topology`,
             and the named `check`s (boot.py)
  hotplug    a scenario of LUNs added, removed and resized over QMP while a job runs (hotplug.py)
  power-cut  `trials` random power cuts during durable writes, then every block checked by
             lunbench and on the host (power_cut.py)
  fio-examples  fio's example job files booted unchanged, each run or left out with its reason
             (fio_examples.py)
  soak       `rounds` of random low-rate faults of our target's against a write-and-verify
             job, each round its own seed: no hang, no block lost (soak.py)
unittests.cfg's header lists each kind's keys and the groups.

Choosing tests: -g GROUP (repeatable) runs the tests in any of those groups; NAME_REGEX
(repeatable) the tests whose name one of them matches (re.search); given both, a test must pass
both. With neither, every test runs. --list prints the chosen tests with their kind and groups
and runs nothing. --power-cut-trials N replaces the power-cut sections' `trials` (make power-cut
POWER_CUT_TRIALS=N); --soak-rounds N the soak sections' `rounds` (make soak); --seed S fixes
their random kill times and the soak's first seed.

-j N tests run at once (default 2: one per core of the machines this runs on, as QEMU under TCG
keeps a core busy). Each test's console goes to build/test-logs/<test>.log, its other files
(disk images, job files, each boot's log) to build/test-logs/<test>.work/.

A section with `alone = yes` runs after all the others, with nothing beside it (a test that
compares rates within one boot).

Output, kvm-unit-tests' style, one line per test as it ends (in the file's order, the `alone`
ones last):
  PASS: NAME (what it checked; seconds)
  FAIL: NAME (the first problem), then every problem indented and the log's path
  SKIP: NAME (what this host lacks: a firmware file, a program a check runs)
and at the end
  SUMMARY: N tests, N failed, N skipped (seconds)
  qemu: N passed, N failed
Exit status: 0 when no test failed; 1 when one did, none was chosen or an image is missing; 2
for a bad command line or a bad unittests.cfg (an unknown kind, key, group or check), before
anything runs.
"""
import argparse
import concurrent.futures
import configparser
import os
import re
import sys
import time

import boot
import fio_examples
import fio_logs
import harness
import hotplug
import power_cut
import soak
from lunbench import qemu

KINDS = {"boot": boot, "hotplug": hotplug, "power-cut": power_cut, "fio-examples": fio_examples,
         "fio-logs": fio_logs, "soak": soak}
COMMON_KEYS = {"kind", "groups", "alone", "on_demand"}
HERE = os.path.dirname(os.path.abspath(__file__))


def die(message):
    """A bad command line or unittests.cfg: exit status 2, before any test runs."""
    print("run_tests: " + message, file=sys.stderr)
    sys.exit(2)


def load(config, options):
    """Every section as a harness.Test; any error in the file ends the run, naming each."""
    cfg = configparser.ConfigParser(interpolation=None, comment_prefixes=("#",), inline_comment_prefixes=None)
    if not cfg.read(config):
        die("cannot read %s" % config)
    tests, errors = [], []
    for name in cfg.sections():
        test = harness.Test(name, cfg[name], options)
        kind = KINDS.get(test.get("kind", "boot"))
        if kind is None:
            errors.append("[%s]: kind %r is not one of %s" % (name, test.get("kind"), ", ".join(KINDS)))
            continue
        test.kind = kind
        test.groups = test.get("groups", "").replace(",", " ").split()
        # A misspelt key would be ignored, and the test would check less than it says.
        unknown = sorted(set(cfg[name]) - COMMON_KEYS - kind.KEYS)
        errors += ["[%s]: unknown key %r for kind %s" % (name, key, test.get("kind", "boot")) for key in unknown]
        if not test.groups:
            errors.append("[%s]: no groups" % name)
        if hasattr(kind, "config_errors"):
            errors += ["[%s]: %s" % (name, e) for e in kind.config_errors(test)]
        tests.append(test)
    if errors:
        die("%s:\n  %s" % (config, "\n  ".join(errors)))
    return tests


def choose(tests, groups, regexes):
    known = {g for t in tests for g in t.groups}
    unknown = [g for g in groups if g not in known]
    if unknown:
        die("no test is in group %s (groups: %s)" % (", ".join(unknown), ", ".join(sorted(known))))
    # An on_demand test (minutes long: the 1,048,576-LUN inventory) runs only when asked for by
    # one of its groups or its name, never in a whole run.
    return [t for t in tests if (not groups or set(groups) & set(t.groups))
            and (not regexes or any(re.search(r, t.name) for r in regexes))
            and (t.get("on_demand", "no") != "yes" or groups or regexes)]


def run(test):
    """(test, "PASS" / "FAIL" / "SKIP", the reason or note, further problems, seconds)."""
    start = time.monotonic()
    try:
        outcome = test.kind.run(test)
    except harness.Skip as e:
        return test, "SKIP", str(e), [], 0.0
    except Exception as e:  # a harness bug or a broken host: this test fails, the others run
        outcome = harness.Outcome(["%s: %s" % (type(e).__name__, e)])
    seconds = time.monotonic() - start
    if outcome.problems:
        return test, "FAIL", outcome.problems[0], outcome.problems[1:], seconds
    return test, "PASS", outcome.note, [], seconds


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=__doc__.split("\n\n", 1)[1])
    p.add_argument("-j", "--jobs", type=int, default=2, help="tests at once (default 2)")
    p.add_argument("-g", "--group", action="append", default=[], help="run the tests of this group (repeatable)")
    p.add_argument("--list", action="store_true", help="list the chosen tests; run nothing")
    p.add_argument("--power-cut-trials", type=int, metavar="N", help="trials of every power-cut test")
    p.add_argument("--soak-rounds", type=int, metavar="N", help="rounds of every soak test")
    p.add_argument("--seed", type=int, help="power-cut kill times (default: from the clock; printed)")
    p.add_argument("--config", default=os.path.join(HERE, "unittests.cfg"))
    p.add_argument("names", nargs="*", metavar="NAME_REGEX", help="only tests whose name matches one of these")
    a = p.parse_args()
    if a.power_cut_trials is not None and a.power_cut_trials < 1:
        p.error("--power-cut-trials must be at least 1")
    if a.soak_rounds is not None and a.soak_rounds < 1:
        p.error("--soak-rounds must be at least 1")
    chosen = choose(load(a.config, a), a.group, a.names)
    if a.list:
        for t in chosen:
            print("%-45s %-10s %s" % (t.name, t.get("kind", "boot"), " ".join(t.groups)))
        return 0
    for image in qemu.IMAGES.values():
        if not os.path.exists(image):
            sys.exit("run_tests: %s is missing: run make first" % image)
    os.makedirs(harness.LOG_DIR, exist_ok=True)
    os.chdir(harness.ROOT)  # paths in unittests.cfg are relative to the repository root
    for kind in KINDS.values():
        if hasattr(kind, "prepare"):
            kind.prepare([t for t in chosen if t.kind is kind])

    counts = {"PASS": 0, "FAIL": 0, "SKIP": 0}
    start = time.monotonic()

    def report(test, verdict, reason, more, seconds):
        counts[verdict] += 1
        if verdict == "PASS":
            print("PASS: %s (%s%.1f s)" % (test.name, reason + "; " if reason else "", seconds))
        else:
            print("%s: %s (%s)" % (verdict, test.name, reason))
        for why in more:
            print("      " + why)
        if verdict == "FAIL":
            print("      log: %s" % os.path.relpath(test.log, harness.ROOT))
        sys.stdout.flush()

    # Tests marked `alone` compare rates within one boot: they run after the others, one at a
    # time, since a second QEMU on the other core would move their numbers.
    alone = [t for t in chosen if t.get("alone", "no") == "yes"]
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as pool:
        for result in pool.map(run, [t for t in chosen if t not in alone]):
            report(*result)
    for test in alone:
        report(*run(test))
    print("SUMMARY: %d tests, %d failed, %d skipped (%.1f s)" % (
        len(chosen), counts["FAIL"], counts["SKIP"], time.monotonic() - start))
    print("qemu: %d passed, %d failed" % (counts["PASS"], counts["FAIL"]))
    return 1 if counts["FAIL"] or not chosen else 0


if __name__ == "__main__":
    sys.exit(main())
