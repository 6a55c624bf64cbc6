"""junit.xml from mode=check's results document: made from the document the C code writes (the
unit test of check/runner.c keeps one when asked), and refused, naming what is wrong, when the
document is not one.

Run from the repository root: python3 -m unittest discover -s tests/tools -v
"""
import os
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from lunbench import junit, results  # noqa: E402

TEST_CHECKS = os.path.join(ROOT, "build", "host", "test_checks")


def c_document():
    """The results document of check/runner.c's own unit test (a PASS, a FAIL and a SKIP)."""
    if not os.path.exists(TEST_CHECKS):
        subprocess.run(["make", "-s", os.path.relpath(TEST_CHECKS, ROOT)], cwd=ROOT, check=True)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "report.json")
        subprocess.run([TEST_CHECKS], cwd=ROOT, check=True, capture_output=True,
                       env=dict(os.environ, LUNBENCH_WRITE_CHECK_REPORT=path))
        return results.load_file(path)


class JunitTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.doc = c_document()

    def test_from_the_c_document(self):
        root = ET.fromstring(junit.junit_xml(self.doc))
        self.assertEqual(root.tag, "testsuites")
        summary = self.doc["check_summary"]
        self.assertEqual([int(root.get(k)) for k in ("tests", "failures", "skipped")],
                         [summary["tests"], 1, 1])
        (suite,) = root.findall("testsuite")
        self.assertEqual(suite.get("name"), "spc")
        failure = root.find(".//testcase[@name='spc.inquiry.standard.version 0:0:0']/failure")
        self.assertEqual(failure.get("type"), "SPC-5 6.7.2")
        self.assertIn("expected VERSION 00h or 03h-07h (it is 02h)", failure.get("message"))
        skipped = root.find(".//testcase[@name='spc.sense.invalid_field_pointer 0:0:0']/skipped")
        self.assertIn("no sense-key-specific field", skipped.get("message"))
        self.assertIsNone(root.find(".//testcase[@name='spc.inquiry.standard.length 0:0:0']/failure"))

    def test_families_are_suites(self):
        doc = {"checks": [{"name": n, "clause": "X 1", "lun": "0:0:0", "result": "PASS"}
                          for n in ("spc.a", "sbc.b", "sbc.c", "virtio.scsi.d")],
               "check_summary": {"tests": 4, "failed": 0, "skipped": 0, "verdicts_complete": True}}
        root = ET.fromstring(junit.junit_xml(doc))
        self.assertEqual([(s.get("name"), s.get("tests")) for s in root.findall("testsuite")],
                         [("sbc", "2"), ("spc", "1"), ("virtio", "1")])

    def test_refusals(self):
        def broken(change):
            doc = {"checks": [dict(c) for c in self.doc["checks"]], "check_summary": dict(self.doc["check_summary"])}
            change(doc)
            with self.assertRaises(results.ResultsError) as e:
                junit.junit_xml(doc, "results.json")
            return str(e.exception)

        self.assertIn("missing \"checks\"", broken(lambda d: d.pop("checks")))
        self.assertIn("checks[0]: \"result\" is 'MAYBE'", broken(lambda d: d["checks"][0].update(result="MAYBE")))
        self.assertIn("checks[0]: missing \"lun\"", broken(lambda d: d["checks"][0].pop("lun")))
        self.assertIn("check_summary says", broken(lambda d: d["check_summary"].update(failed=7)))
        self.assertIn("kept no verdicts", broken(lambda d: d["check_summary"].update(verdicts_complete=False)))


if __name__ == "__main__":
    unittest.main()
