"""lunbench's JSON results (the fio json+ document of a benchmark, the inventory of mode=list):
cut from the console, loaded from the COM2 file, and read with every value checked.

A tool that reads results names what is wrong and where in one line (ResultsError) rather than
failing with a KeyError or plotting a None.
"""
import json
import math
import re

from . import contract, log_frames

_BETWEEN_MARKERS = re.compile(r"^%s\n(.*?)^%s$" % (re.escape(contract.RESULTS_BEGIN_MARKER),
                                                   re.escape(contract.RESULTS_END_MARKER)), re.M | re.S)


class ResultsError(Exception):
    """The results are unusable; the message is one line, naming where."""


def from_console(console):
    """The JSON document lunbench wrote between its result markers on COM1 (when QEMU had no
    second serial port), or None when there is none. ValueError when it is not valid JSON."""
    m = _BETWEEN_MARKERS.search(console)
    return json.loads(m.group(1)) if m else None


def load_file(path):
    """The JSON object in a results file (COM2's, or fio's own json+ output). A COM2 capture that
    still holds fio's log files in frames (log_frames) is read for its JSON alone."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise ResultsError("cannot read it: %s" % (e.strerror or e))
    if log_frames.TAG in raw:
        raw = log_frames.split(raw).json
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ResultsError("not UTF-8 text: %s" % e)
    if not text.strip():
        # QEMU creates the -serial file: at start; lunbench fills it only when it reports.
        raise ResultsError("empty file: lunbench wrote no results (did it finish? see console.log beside it)")
    try:
        doc = json.loads(text)
    except ValueError as e:
        raise ResultsError("not valid JSON: %s" % e)
    if not isinstance(doc, dict):
        raise ResultsError("not a JSON object at the top level")
    return doc


JSON_KINDS = {dict: "an object", list: "a list", str: "a string"}


def field(obj, path, where, kind=None):
    """obj[path[0]][path[1]]...; ResultsError naming the first key that is missing (or, with
    kind, a value of another type)."""
    for depth, key in enumerate(path):
        if not isinstance(obj, dict) or key not in obj:
            raise ResultsError("%s: missing \"%s\"" % (where, ".".join(path[:depth + 1])))
        obj = obj[key]
    if kind is not None and not isinstance(obj, kind):
        raise ResultsError("%s: \"%s\" is %s, not %s" % (
            where, ".".join(path), JSON_KINDS.get(type(obj), type(obj).__name__), JSON_KINDS.get(kind, kind.__name__)))
    return obj


def number(obj, path, where):
    """field() that must be a finite number (JSON true and false are not counts)."""
    value = field(obj, path, where)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ResultsError("%s: \"%s\" is %r, not a number" % (where, ".".join(path), value))
    return value


def inventory_luns(inventory, where="the inventory"):
    """The LUN rows of an inventory object (the JSON's "lunbench"): its "luns" as they are, or,
    from lunbench's inventory=runs, each "lun_runs" row expanded into "count" rows with
    consecutive "lun" numbers. ResultsError for a run whose count is not a positive whole number
    or that runs past LUN 16383."""
    if "lun_runs" not in inventory:
        return field(inventory, ["luns"], where, list)
    rows = []
    for i, run in enumerate(field(inventory, ["lun_runs"], where, list)):
        count, first = run.get("count"), run.get("lun")
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ResultsError("%s: lun_runs[%d] has count %r" % (where, i, count))
        if isinstance(first, bool) or not isinstance(first, int) or first < 0 or first + count > 16384:
            raise ResultsError("%s: lun_runs[%d] covers LUNs %r..%r, past 16383" % (where, i, first, count))
        for k in range(count):
            row = dict(run, lun=first + k)
            del row["count"]
            rows.append(row)
    return rows
