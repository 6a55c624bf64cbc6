"""The fio-examples kind of QEMU test: fio's own example job files (Debian's fio-examples, in
`directory`), each booted unchanged with lunbench's `append` (luns=all and a short runtime) on the
`topology`. Every example in the directory is either in `run` (it must finish with its status,
0 unless the line says `NAME.fio status=N`, and report fio's JSON; `timeout=S` gives one that
takes longer by its own meaning, a start delay, its own limit) or in `left_out` with the
reason (`NAME.fio: why`); an example that is in neither, or in both, fails the test, so the list
follows the package. `NAME.fio lun_size=SIZE` boots that example on fresh LUNs of that size (a job
that fills its device and reads it all back), `NAME.fio runtime=S` gives it S seconds in place of
append's runtime (a job that ends by itself, with room for a slow host). Each boot's console goes
to build/test-logs/<test>.work/<example>.log.
"""
import os
import re
import shlex

import boot
from harness import Outcome, Skip, console_problems, status_problem
from lunbench import qemu
from lunbench.topology import Hba, Topology

KEYS = {"directory", "run", "left_out", "topology", "append", "timeout"}
TIMEOUT = 60


def parse_run(test):
    """{example: (expected status, LUN size, runtime, timeout: None where not given)} from the
    `run` lines."""
    out = {}
    for line in test.lines("run"):
        words = line.split()
        status, size, runtime, timeout = 0, None, None, None
        for w in words[1:]:
            m = re.fullmatch(r"status=(\d)|lun_size=(\d+[KMG])|runtime=(\d+)|timeout=(\d+)", w)
            if not m:
                raise ValueError("run line %r: only status=N, lun_size=SIZE, runtime=S and timeout=S may follow the "
                                 "name" % line)
            if m.group(1) is not None:
                status = int(m.group(1))
            elif m.group(2) is not None:
                size = m.group(2)
            elif m.group(3) is not None:
                runtime = m.group(3)
            else:
                timeout = float(m.group(4))
        out[words[0]] = (status, size, runtime, timeout)
    return out


def parse_left_out(test):
    out = {}
    for line in test.lines("left_out"):
        name, sep, why = line.partition(":")
        if not sep or not why.strip():
            raise ValueError("left_out line %r: NAME.fio: reason" % line)
        out[name.strip()] = why.strip()
    return out


def config_errors(test):
    try:
        run, left = parse_run(test), parse_left_out(test)
    except ValueError as e:
        return [str(e)]
    errors = ["%s is both run and left out" % n for n in sorted(set(run) & set(left))]
    if not test.get("directory"):
        errors.append("no directory")
    return errors


def run(test):
    directory = test.get("directory")
    if not os.path.isdir(directory):
        raise Skip("no fio examples at %s (Debian's fio-examples package)" % directory)
    runs, left = parse_run(test), parse_left_out(test)
    present = sorted(n for n in os.listdir(directory) if n.endswith(".fio"))
    problems = ["%s is neither run nor left out (with its reason)" % n for n in present
                if n not in runs and n not in left]
    problems += ["%s is listed but not in %s" % (n, directory) for n in sorted(set(runs) | set(left))
                 if n not in present]
    timeout = float(test.get("timeout", TIMEOUT))
    work = test.work_dir()
    for name, (status, size, runtime, own_timeout) in runs.items():
        if name not in present:
            continue
        limit = own_timeout or timeout
        specs = test.lines("topology")
        if size is not None:
            specs = [re.sub(r"(^|,)size=[^,]*", "", spec) + ",size=" + size for spec in specs]
        hbas = [Hba.from_spec(spec) for spec in specs]
        disks = os.path.join(work, "disks" if size is None else "disks-" + name) \
            if any(h.backend == "file" for h in hbas) else None
        extra = Topology(hbas, disk_dir=disks).qemu_args() + ["-initrd", os.path.join(directory, name)]
        append = test.get("append", "")
        if runtime is not None:
            append = re.sub(r"(^|\s)runtime=\S*", "", append) + " runtime=" + runtime
        cmd = qemu.qemu_command(image="multiboot", machine="q35", firmware="seabios", append=append.strip(),
                                memory="256", extra=extra)
        rc, console, _, _ = qemu.run_qemu(cmd, limit)
        with open(os.path.join(work, name + ".log"), "w") as f:
            f.write("$ " + " ".join(shlex.quote(c) for c in cmd) + "\n" + console)
        why = status_problem(rc, console, status, limit)
        more = console_problems(console, [r"^bench: \d+ jobs? from %s$" % re.escape(os.path.join(directory, name))])
        if why is None and status == 0:
            more += ["fio JSON: " + w for w in [boot.CHECKS["fio-json"](console, None)] if w]
        problems += ["%s: %s" % (name, p) for p in ([why] if why else []) + more]
    return Outcome(problems, note="%d examples run, %d left out" % (len(runs), len(left)))
