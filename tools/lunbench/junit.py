"""JUnit XML of a mode=check run, for CI systems that show each check: a <testsuite> per family
(spc, sbc, sam, virtio), a <testcase> per check and LUN, <failure> and <skipped> with lunbench's
own words. The input is the results document lunbench wrote (its "checks" array and
"check_summary", check/runner.c); every value is checked as it is read.
"""
import xml.etree.ElementTree as ET

from . import results

_RESULTS = ("PASS", "FAIL", "SKIP")


def _verdicts(doc, where):
    checks = results.field(doc, ("checks",), where, list)
    for i, c in enumerate(checks):
        at = "%s: checks[%d]" % (where, i)
        v = {k: results.field(c, (k,), at, str) for k in ("name", "clause", "lun", "result")}
        if v["result"] not in _RESULTS:
            raise results.ResultsError("%s: \"result\" is %r, not one of %s" % (at, v["result"], ", ".join(_RESULTS)))
        v["detail"] = results.field(c, ("detail",), at, str) if v["result"] != "PASS" else ""
        yield v


def junit_xml(doc, where="results"):
    """The JUnit XML text (a str) of a mode=check results document; ResultsError when it is not one."""
    summary = results.field(doc, ("check_summary",), where, dict)
    if not results.field(summary, ("verdicts_complete",), where + ": check_summary", bool):
        raise results.ResultsError("%s: lunbench kept no verdicts (out of memory): no junit.xml" % where)
    suites, counts = {}, {}  # by family: the element, [tests, failures, skipped]
    for v in _verdicts(doc, where):
        family = v["name"].split(".", 1)[0]
        if family not in suites:
            suites[family] = ET.Element("testsuite", name=family)
            counts[family] = [0, 0, 0]
        case = ET.SubElement(suites[family], "testcase", classname=v["name"], name="%s %s" % (v["name"], v["lun"]))
        counts[family][0] += 1
        if v["result"] == "FAIL":
            ET.SubElement(case, "failure", message="(%s) %s" % (v["clause"], v["detail"]), type=v["clause"])
            counts[family][1] += 1
        elif v["result"] == "SKIP":
            ET.SubElement(case, "skipped", message=v["detail"])
            counts[family][2] += 1
    root = ET.Element("testsuites", name="lunbench mode=check")
    totals = [0, 0, 0]
    for family in sorted(suites):
        suite = suites[family]
        for k, n in zip(("tests", "failures", "skipped"), counts[family]):
            suite.set(k, str(n))
        suite.set("errors", "0")
        totals = [a + b for a, b in zip(totals, counts[family])]
        root.append(suite)
    for k, n in zip(("tests", "failures", "skipped"), totals):
        root.set(k, str(n))
    want = [results.field(summary, (k,), where + ": check_summary", int) for k in ("tests", "failed", "skipped")]
    if totals != want:
        raise results.ResultsError("%s: the checks array counts %s tests/failed/skipped, check_summary says %s" % (
            where, "/".join(map(str, totals)), "/".join(map(str, want))))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
