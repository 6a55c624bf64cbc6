"""tools/lunbench/results.inventory_luns: the per-LUN rows of an inventory, from "luns" or from
the compact "lun_runs" of inventory=runs."""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
from lunbench import results  # noqa: E402


class InventoryLunsTest(unittest.TestCase):
    def test_rows_as_they_are(self):
        rows = [{"hba": 0, "target": 0, "lun": 3}]
        self.assertEqual(results.inventory_luns({"luns": rows}), rows)

    def test_runs_expand_to_consecutive_luns(self):
        inv = {"lun_runs": [{"hba": 0, "target": 7, "lun": 10, "count": 3, "blocks": 8},
                            {"hba": 1, "target": 0, "lun": 0, "count": 1, "blocks": 9}]}
        self.assertEqual(results.inventory_luns(inv), [
            {"hba": 0, "target": 7, "lun": 10, "blocks": 8}, {"hba": 0, "target": 7, "lun": 11, "blocks": 8},
            {"hba": 0, "target": 7, "lun": 12, "blocks": 8}, {"hba": 1, "target": 0, "lun": 0, "blocks": 9}])

    def test_bad_runs_are_named(self):
        for run, why in (({"lun": 0, "count": 0}, "count 0"), ({"lun": 0, "count": True}, "count True"),
                         ({"lun": 16380, "count": 5}, "past 16383"), ({"lun": -1, "count": 1}, "past 16383")):
            with self.assertRaises(results.ResultsError) as e:
                results.inventory_luns({"lun_runs": [run]})
            self.assertIn(why, str(e.exception))
        with self.assertRaises(results.ResultsError):
            results.inventory_luns({})


if __name__ == "__main__":
    unittest.main()
