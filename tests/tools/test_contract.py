"""tools/lunbench's contract with the C code: what it reads from the headers must be what the C
code does. Where a C compiler is at hand, the C functions themselves are built for the host and
asked (exit_status_name, crc32c, stamp_fill), so a change on either side fails here.

Run from the repository root: python3 -m unittest discover -s tests/tools -v
"""
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
import unittest.mock

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from lunbench import contract, qemu, results, stamp  # noqa: E402
from lunbench.crc32c import crc32c  # noqa: E402

# A host program over the pure C sources: exit_status_name, crc32c and stamp_fill, asked from
# its command line.
PROBE_C = r"""
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "exit_status.h"
#include "crc32c.h"
#include "stamp.h"

int main(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "names")) {
        for (int s = -1; s <= 6; s++)
            printf("%d %s\n", s, exit_status_name(s));
    } else if (argc == 2 && !strcmp(argv[1], "layout")) {
        printf("%zu %zu\n", sizeof(struct stamp), offsetof(struct stamp, crc));
    } else if (argc == 2 && !strcmp(argv[1], "crc")) {
        static unsigned char buf[1 << 20];
        size_t n = fread(buf, 1, sizeof buf, stdin);
        printf("%u\n", crc32c(0, buf, n));
    } else if ((argc == 9 || argc == 10) && !strcmp(argv[1], "fill")) {
        /* fill BLOCK_SIZE HBA TARGET LUN FIRST_LBA COUNT GENERATION [METHOD]: COUNT blocks to stdout */
        enum stamp_method method = STAMP_CRC32C;
        for (int m = 0; argc == 10 && m < STAMP_METHODS; m++)
            if (!strcmp(argv[9], stamp_method_name((enum stamp_method)m)))
                method = (enum stamp_method)m;
        uint32_t bs = (uint32_t)strtoul(argv[2], NULL, 0);
        struct stamp_id id = { (uint8_t)atoi(argv[3]), (uint8_t)atoi(argv[4]), (uint16_t)atoi(argv[5]) };
        uint64_t lba = strtoull(argv[6], NULL, 0), count = strtoull(argv[7], NULL, 0);
        uint64_t generation = strtoull(argv[8], NULL, 0);
        unsigned char *buf = malloc(bs);
        for (uint64_t i = 0; i < count; i++) {
            stamp_fill(buf, bs, id, lba + i, generation, method, NULL);
            fwrite(buf, 1, bs, stdout);
        }
        free(buf);
    } else {
        return 2;
    }
    return 0;
}
"""


def build_probe(directory):
    """Compile PROBE_C against the C sources the contract was read from; None without gcc."""
    if shutil.which("gcc") is None:
        return None
    sources = [contract.find_source("exit_status.c", "exit_status_name(")[0],
               contract.find_source("crc32c.c", "crc32c(")[0],
               contract.find_source("stamp.c", "stamp_fill(")[0]]
    # the digests of stamp.c's other verify methods
    sources += [contract.find_source(name, decl)[0] for name, decl in (
        ("md5.c", "void md5("), ("sha1.c", "void sha1("), ("sha256.c", "void sha256("), ("xxhash32.c", "xxh32("),
        ("md_pad.c", "md_pad_hash("))]
    headers = [contract.find_source(h, d)[0] for h, d in (("exit_status.h", "enum lunbench_status"),
                                                           ("crc32c.h", "crc32c("), ("stamp.h", "STAMP_MAGIC"))]
    includes = ["-I" + ROOT] + sorted({"-I" + os.path.dirname(h) for h in headers})
    main = os.path.join(directory, "probe.c")
    with open(main, "w") as f:
        f.write(PROBE_C)
    binary = os.path.join(directory, "probe")
    proc = subprocess.run(["gcc", "-std=gnu11", "-O1", "-Wall", "-o", binary, main] + sources + includes,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise AssertionError("the C probe does not build:\n" + proc.stderr)
    return binary


class ProbeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="lunbench-contract-")
        cls.probe = build_probe(cls.dir)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir)

    def ask(self, *args, data=None):
        if self.probe is None:
            self.skipTest("no gcc to build the C probe")
        return subprocess.run([self.probe] + [str(a) for a in args], input=data, capture_output=True,
                              check=True).stdout


class ExitStatusTest(ProbeTest):
    def test_the_values_the_readme_documents(self):
        self.assertEqual(contract.EXIT.OK, 0)
        self.assertEqual(contract.EXIT.USAGE, 2)
        self.assertEqual(contract.EXIT_STATUS_NAMES[2], "bad usage or input")
        self.assertEqual(contract.EXIT_STATUS_NAMES[contract.EXIT.CRASH], "crash")
        self.assertEqual(sorted(contract.EXIT_STATUS_NAMES), [0, 1, 2, 3, 4])

    def test_names_are_what_the_c_function_returns(self):
        printed = dict(line.split(" ", 1) for line in self.ask("names").decode().splitlines())
        for status in range(-1, 7):
            self.assertEqual(contract.exit_status_name(status), printed[str(status)], status)

    def test_status_from_qemu_exit_code(self):
        self.assertEqual(qemu.status_from_exit(5, ""), (2, "status 2 (bad usage or input)"))
        self.assertEqual(qemu.status_from_exit(1, ""), (0, "status 0 (success)"))
        self.assertEqual(qemu.status_from_exit(0, "x\nlunbench: exit status 3 (no usable device)\n")[0], 3)
        self.assertIsNone(qemu.status_from_exit(0, "no exit line")[0])
        self.assertIsNone(qemu.status_from_exit(-9, "")[0])
        self.assertIn("unknown status", qemu.status_from_exit(19, "")[1])

    def test_the_c_code_prints_the_exit_line(self):
        # status_from_exit reads "lunbench: exit status N (...)" where QEMU's code cannot carry N.
        wanted = '"%s%%d (%%s)' % qemu.EXIT_LINE_PREFIX
        printers = []
        for top in os.listdir(ROOT):
            if top in contract.NOT_SOURCES or top.startswith("."):
                continue
            for folder, _, files in os.walk(os.path.join(ROOT, top)):
                for name in files:
                    if name.endswith(".c"):
                        with open(os.path.join(folder, name), encoding="utf-8") as f:
                            if wanted in f.read():
                                printers.append(name)
        self.assertTrue(printers, "no C source prints %s" % wanted)
        self.assertEqual(qemu.EXIT_LINE.findall("lunbench: exit status 4 (crash)\n"), ["4"])


class ResultMarkerTest(unittest.TestCase):
    def test_markers_come_from_the_header(self):
        path, text = contract.find_source("results.h", "RESULTS_BEGIN_MARKER")
        for marker, macro in ((contract.RESULTS_BEGIN_MARKER, "RESULTS_BEGIN_MARKER"),
                              (contract.RESULTS_END_MARKER, "RESULTS_END_MARKER")):
            self.assertTrue(marker.strip())
            self.assertIn('#define %s "%s"' % (macro, marker), text, path)
        self.assertNotEqual(contract.RESULTS_BEGIN_MARKER, contract.RESULTS_END_MARKER)

    def test_json_between_the_markers(self):
        console = "boot\n%s\n{\"lunbench\": {\"luns\": [1, 2]}}\n%s\nlunbench: exit status 0 (success)\n" % (
            contract.RESULTS_BEGIN_MARKER, contract.RESULTS_END_MARKER)
        self.assertEqual(results.from_console(console), {"lunbench": {"luns": [1, 2]}})
        self.assertIsNone(results.from_console("no markers\n{}\n"))
        with self.assertRaises(ValueError):
            results.from_console("%s\n{\"cut\": \n%s\n" % (contract.RESULTS_BEGIN_MARKER, contract.RESULTS_END_MARKER))


class Crc32cTest(ProbeTest):
    def test_known_vectors(self):
        self.assertEqual(crc32c(b"123456789"), 0xE3069283)
        self.assertEqual(crc32c(b""), 0)
        # RFC 3720, B.4: 32 bytes of zeros, of ones
        self.assertEqual(crc32c(bytes(32)), 0x8A9136AA)
        self.assertEqual(crc32c(b"\xff" * 32), 0x62A8AB43)

    def test_the_check_value_the_header_documents(self):
        _, text = contract.find_source("crc32c.h", "crc32c(")
        m = re.search(r'crc32c\("([^"]*)"\) = (0x[0-9A-Fa-f]+)', text)
        self.assertIsNotNone(m, "crc32c.h no longer documents a check value")
        self.assertEqual(crc32c(m.group(1).encode()), int(m.group(2), 16))

    def test_continuing_a_crc(self):
        self.assertEqual(crc32c(b"6789", crc32c(b"12345")), crc32c(b"123456789"))

    def test_same_as_the_c_function(self):
        rng = random.Random(7)
        for size in (0, 1, 7, 8, 9, 512, 4099):
            data = bytes(rng.getrandbits(8) for _ in range(size))
            self.assertEqual(crc32c(data), int(self.ask("crc", data=data)), size)


class StampTest(ProbeTest):
    def test_layout_is_the_c_struct(self):
        size, crc_offset = map(int, self.ask("layout").split())
        self.assertEqual(contract.STAMP.size, size)
        self.assertEqual(stamp.CRC_OFFSET, crc_offset)
        self.assertEqual(contract.Stamp._fields[:3], ("magic", "lba", "generation"))

    def image(self, blocks, name="lun.raw"):
        path = os.path.join(self.dir, name)
        with open(path, "wb") as f:
            f.write(blocks)
        return path

    def test_blocks_the_c_code_stamps(self):
        bs = 512
        data = self.ask("fill", bs, 1, 2, 300, 10, 128, 7)  # HBA 1, target 2, LUN 300, LBAs 10..137
        first = stamp.read(data[:bs])
        self.assertEqual((first.magic, first.lba, first.generation, first.hba, first.target, first.lun),
                         (contract.STAMP_MAGIC, 10, 7, 1, 2, 300))
        self.assertEqual(stamp.block_crc(data[:bs]), first.crc)
        # check_image counts LBAs from the start of the file: put LBAs 0..9 in front
        path = self.image(self.ask("fill", bs, 1, 2, 300, 0, 10, 7) + data)
        self.assertEqual(stamp.check_image(path, bs, (1, 2, 300), len(data) + 10 * bs, min_generation=7), [])
        old = stamp.check_image(path, bs, (1, 2, 300), 20 * bs, min_generation=8)
        self.assertEqual([lba for lba, _ in old], list(range(20)))
        self.assertIn("older than 8", old[0][1])
        self.assertEqual(len(stamp.check_image(path, bs, (1, 2, 301), bs)), 1)  # another LUN's block

    def test_a_torn_block_fails_its_crc(self):
        bs = 4096
        data = bytearray(self.ask("fill", bs, 0, 0, 3, 0, 4, 1))
        data[3 * bs + 100] ^= 0x01  # LBA 3, past the stamp: only the CRC can tell
        path = self.image(bytes(data))
        self.assertEqual(stamp.check_image(path, bs, (0, 0, 3), len(data), crc_every=64), [(3, unittest.mock.ANY)])
        self.assertEqual(stamp.check_image(path, bs, (0, 0, 4), bs)[0][0], 0)

    def test_every_method_with_stamps(self):
        """The C code's blocks of each verify method check clean; a byte of data changed is caught
        by the CRC (crc32c) or the digest, and by nothing for meta (its CRC covers the stamp
        alone); another method's stamps are named."""
        bs = 512
        self.assertEqual(contract.STAMP_METHODS[:5], ("crc32c", "md5", "sha1", "sha256", "xxhash"))
        for method in contract.STAMP_METHODS:
            if method == "pattern":
                with self.assertRaises(ValueError):
                    stamp.check_image(self.image(b""), bs, (0, 0, 0), 0, method=method)
                continue
            data = bytearray(self.ask("fill", bs, 0, 1, 5, 0, 8, 3, method))
            first = stamp.read(data[:bs])
            self.assertEqual(first.magic & 0xff, contract.STAMP_METHODS.index(method), method)
            path = self.image(bytes(data), method + ".raw")
            self.assertEqual(stamp.check_image(path, bs, (0, 1, 5), len(data), crc_every=1, method=method), [], method)
            data[2 * bs + 300] ^= 0x40  # LBA 2, past any stamp and digest
            path = self.image(bytes(data), method + ".raw")
            bad = stamp.check_image(path, bs, (0, 1, 5), len(data), crc_every=1, method=method)
            if method == "meta":
                self.assertEqual(bad, [])
            else:
                self.assertEqual([lba for lba, _ in bad], [2], method)
                self.assertIn("digest" if method in stamp.DIGESTS else "CRC", bad[0][1])
            other = "sha1" if method != "sha1" else "md5"
            wrong = stamp.check_image(path, bs, (0, 1, 5), bs, method=other)
            self.assertIn("stamped by verify=%s, not %s" % (method, other), wrong[0][1])

    def test_xxh32_is_the_c_code(self):
        from lunbench.xxhash32 import xxh32
        self.assertEqual(xxh32(b"", 0), 0x02CC5D05)  # the published value
        self.assertEqual(xxh32(b"abc", 0), 0x32D153FF)  # lib/xxhash32.h's

    def test_unwritten_and_short_images(self):
        path = self.image(bytes(1024))
        bad = stamp.check_image(path, 512, (0, 0, 0), 2048)
        self.assertEqual([lba for lba, _ in bad], [2, 0, 1])
        self.assertIn("image ends", bad[0][1])
        self.assertIn("no stamp", bad[1][1])


class FindSourceTest(unittest.TestCase):
    """Sources are found by name and content, wherever a move put them."""

    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="lunbench-tree-")
        self.addCleanup(shutil.rmtree, self.root)

    def put(self, path, text):
        path = os.path.join(self.root, path)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)

    def test_moved_and_stale_copies(self):
        self.put("rt/results.h", '#define RESULTS_BEGIN_MARKER "x"\n')
        self.put("lib/results.h", "/* moved to rt/ */\n")   # a stale file without the define
        self.put("tests/unit/results.h", '#define RESULTS_BEGIN_MARKER "fake"\n')  # not a source
        path, _ = contract.find_source("results.h", "RESULTS_BEGIN_MARKER", root=self.root)
        self.assertEqual(os.path.relpath(path, self.root), os.path.join("rt", "results.h"))

    def test_two_definitions_or_none_is_an_error(self):
        self.put("rt/results.h", '#define RESULTS_BEGIN_MARKER "x"\n')
        self.put("app/deep/results.h", '#define RESULTS_BEGIN_MARKER "y"\n')
        with self.assertRaisesRegex(contract.ContractError, "app/deep/results.h, rt/results.h"):
            contract.find_source("results.h", "RESULTS_BEGIN_MARKER", root=self.root)
        with self.assertRaisesRegex(contract.ContractError, "found nowhere"):
            contract.find_source("stamp.h", "STAMP_MAGIC", root=self.root)


if __name__ == "__main__":
    unittest.main()
