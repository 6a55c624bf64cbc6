"""tools/lunbench/log_frames against bench/log_frame.c: frames the C code writes (built for the
host where a compiler is at hand) come apart into the JSON and the files; a capture cut short, a
count that does not match or a name that would leave the run's directory is a problem, not a file.

Run from the repository root: python3 -m unittest discover -s tests/tools -v
"""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from lunbench import contract, log_frames, results  # noqa: E402

# A host program over bench/log_frame.c: two files, one of them opened twice (per_job_logs=0 in
# two jobs), then a JSON document, all on stdout.
PROBE_C = r"""
#include <stdio.h>
#include <string.h>
#include "bench/log_frame.h"

static void out(void *ctx, const char *buf, size_t len) { (void)ctx; fwrite(buf, 1, len, stdout); }

int main(void)
{
    struct log_channel ch = { out, NULL };
    const char *a = "0, 120, 0, 4096, 0\n1, 130, 1, 4096, 0\n", *b = "5, 1, 0, 4096, 0\n";
    log_frame_open(&ch, "job a_lat.1.log");
    log_frame_open(&ch, "logs/x_iops.log");
    log_frame_data(&ch, "job a_lat.1.log", a, strlen(a));
    log_frame_data(&ch, "logs/x_iops.log", b, strlen(b));
    log_frame_close(&ch, "job a_lat.1.log", strlen(a));
    log_frame_close(&ch, "logs/x_iops.log", strlen(b));
    log_frame_open(&ch, "logs/x_iops.log");
    log_frame_data(&ch, "logs/x_iops.log", b, strlen(b));
    log_frame_close(&ch, "logs/x_iops.log", strlen(b));
    fputs("{\n   \"jobs\" : []\n}\n", stdout);
    return 0;
}
"""


def frame(kind, *words):
    return contract.LOG_FRAME_TAG + b" " + kind + b" " + b" ".join(words) + b"\n"


class LogFramesTest(unittest.TestCase):
    def test_c_frames(self):
        cc = shutil.which("gcc") or shutil.which("cc")
        if cc is None:
            self.skipTest("no C compiler")
        with tempfile.TemporaryDirectory() as tmp:
            src, exe = os.path.join(tmp, "probe.c"), os.path.join(tmp, "probe")
            with open(src, "w") as f:
                f.write(PROBE_C)
            subprocess.run([cc, "-std=gnu11", "-Wall", "-Werror", "-I", ROOT, "-o", exe, src,
                            os.path.join(ROOT, "bench", "log_frame.c")], check=True)
            capture = os.path.join(tmp, "results.json")
            with open(capture, "wb") as f:
                f.write(subprocess.run([exe], check=True, capture_output=True).stdout)
            self.assertEqual(results.load_file(capture), {"jobs": []})  # the JSON, frames or not
            logs = log_frames.write_logs(capture, tmp)
            self.assertEqual(logs.problems, [])
            self.assertEqual(list(logs.files), ["job a_lat.1.log", "logs/x_iops.log"])
            with open(os.path.join(tmp, "job a_lat.1.log"), "rb") as f:
                self.assertEqual(f.read(), b"0, 120, 0, 4096, 0\n1, 130, 1, 4096, 0\n")
            with open(os.path.join(tmp, "logs", "x_iops.log"), "rb") as f:
                self.assertEqual(f.read(), b"5, 1, 0, 4096, 0\n" * 2)  # the second open appended
            with open(capture, "rb") as f:
                self.assertEqual(f.read(), b"{\n   \"jobs\" : []\n}\n")

    def test_cut_short_and_bad_counts(self):
        data = frame(b"open", b"a.log") + frame(b"data", b"10", b"a.log") + b"12345"
        logs = log_frames.split(data)
        self.assertIn("a.log: cut short: 5 of a frame's 10 bytes", logs.problems)
        data = frame(b"open", b"a.log") + frame(b"data", b"3", b"a.log") + b"abc" + frame(b"close", b"4", b"a.log")
        self.assertEqual(log_frames.split(data).problems, ["a.log: 3 bytes received, the guest sent 4"])
        data = frame(b"open", b"b.log") + b"{}"
        logs = log_frames.split(data)
        self.assertEqual(logs.problems, ["b.log: never closed (the run ended before the job did)"])
        self.assertEqual(logs.json, b"{}")

    def test_unsafe_names_are_not_written(self):
        for name in (b"/etc/x.log", b"../x.log", b"a/../../x.log", b"a//b.log"):
            data = frame(b"open", name) + frame(b"data", b"1", name) + b"x" + frame(b"close", b"1", name)
            logs = log_frames.split(data)
            self.assertEqual(logs.files, {}, name)
            self.assertEqual(len(logs.problems), 1, name)


if __name__ == "__main__":
    unittest.main()
