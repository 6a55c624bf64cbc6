"""fio's log files as lunbench sends them: in frames on the results channel (COM2), ahead of the
JSON document (bench/log_frame.h, whose tag and kinds come from the contract). split() takes a
COM2 capture apart; write_logs() writes the files where fio would have (PREFIX_clat.1.log, ...)
under a run's directory and leaves only the JSON in the capture.
"""
import os

from . import contract

TAG = contract.LOG_FRAME_TAG + b" "


class Logs:
    """What a capture held: json (bytes), files ({name: bytes}, in the order first opened) and
    problems (one line each: a frame cut short, a count that does not match, an unsafe name)."""

    def __init__(self):
        self.json = b""
        self.files = {}
        self.problems = []


def safe_name(name):
    """Whether name stays under the directory it is written to: relative, no '.' or '..' parts."""
    parts = name.split("/")
    return bool(name) and not name.startswith("/") and "\\" not in name and all(p not in ("", ".", "..") for p in parts)


def split(data):
    """A COM2 capture (bytes) as Logs."""
    out = Logs()
    json_parts, pos = [], 0
    since_open = {}  # bytes received for each file since its last open frame
    while True:
        start = data.find(TAG, pos)
        if start < 0:
            json_parts.append(data[pos:])
            break
        json_parts.append(data[pos:start])
        end = data.find(b"\n", start)
        if end < 0:
            out.problems.append("a log frame header at byte %d is cut short" % start)
            break
        kind, _, rest = data[start + len(TAG):end].partition(b" ")
        pos = end + 1
        if kind == contract.LOG_FRAME_OPEN:
            name = rest.decode("utf-8", "replace")
            if not safe_name(name):
                out.problems.append("log file name %r is not a relative path under the run's directory: skipped" % name)
            elif name not in out.files:
                out.files[name] = bytearray()  # a later open of the same name appends, as fio does
            since_open[name] = 0
            continue
        count, _, raw_name = rest.partition(b" ")
        name = raw_name.decode("utf-8", "replace")
        if kind not in (contract.LOG_FRAME_DATA, contract.LOG_FRAME_CLOSE) or not count.isdigit():
            out.problems.append("unknown log frame at byte %d: %r" % (start, data[start + 1:end][:80]))
            continue
        n = int(count)
        if kind == contract.LOG_FRAME_DATA:
            body = data[pos:pos + n]
            pos += n
            if name not in since_open:
                out.problems.append("%s: data before its open frame" % name)
                continue
            if name in out.files:
                out.files[name] += body
            since_open[name] += len(body)
            if len(body) < n:
                out.problems.append("%s: cut short: %d of a frame's %d bytes" % (name, len(body), n))
                break
        else:
            got = since_open.pop(name, None)
            if got is None:
                out.problems.append("%s: closed without an open frame" % name)
            elif got != n:
                out.problems.append("%s: %d bytes received, the guest sent %d" % (name, got, n))
    for name in since_open:
        out.problems.append("%s: never closed (the run ended before the job did)" % name)
    out.json = b"".join(json_parts)
    out.files = {name: bytes(text) for name, text in out.files.items()}
    return out


def write_logs(capture, directory):
    """Split the COM2 capture file: write its log files under directory and rewrite the capture
    with only the JSON. Returns Logs (files: the names written); a capture without frames is left
    as it is."""
    with open(capture, "rb") as f:
        data = f.read()
    if TAG not in data:
        return Logs()
    logs = split(data)
    for name, text in logs.files.items():
        path = os.path.join(directory, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(text)
    with open(capture, "wb") as f:
        f.write(logs.json)
    return logs
