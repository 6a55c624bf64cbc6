"""Sizes and number lists as people write them on the launcher's command line and in
tests/qemu/unittests.cfg, parsed in one place."""
import re

# Binary multiples, as QEMU's and fio's size options take them: 4k = 4096.
SIZE_SHIFT = {"": 0, "k": 10, "m": 20, "g": 30, "t": 40, "p": 50}
LONGEST_RANGE = 1 << 16  # a range that long in a list is a typo, not a LUN or LBA list


def parse_size(text):
    """'1G', '512M', '4k', '128KiB', '0x20', '4096' -> bytes. ValueError when it is none of them."""
    m = re.fullmatch(r"\s*(0x[0-9a-f]+|\d+)\s*([kmgtp]?)(i?b)?\s*", str(text), re.I)
    if not m:
        raise ValueError("bad size %r (a number with an optional K, M, G, T or P suffix)" % text)
    return int(m.group(1), 0) << SIZE_SHIFT[m.group(2).lower()]


def parse_number_list(text, limit, what):
    """'3' -> [3]; '0-3,7' (or, inside an --hba spec where ',' separates keys, '0-3;7') ->
    [0, 1, 2, 3, 7]. None above limit, none twice."""
    numbers = []
    for part in re.split(r"[,;]", text.strip()):
        m = re.fullmatch(r"(\d+)(?:-(\d+))?", part.strip())
        if not m:
            raise ValueError("bad %s list %r (numbers and ranges: 3 or 0-3,7; inside --hba 0-3;7)" % (what, text))
        lo = int(m.group(1))
        hi = int(m.group(2)) if m.group(2) else lo
        if hi < lo:
            raise ValueError("bad %s range %s" % (what, part))
        if hi > limit:
            raise ValueError("%s %d is above the maximum %d" % (what, hi, limit))
        if hi - lo >= LONGEST_RANGE:
            raise ValueError("%s range %s is too long" % (what, part))
        numbers.extend(range(lo, hi + 1))
    if len(set(numbers)) != len(numbers):
        raise ValueError("%s list %r names a number twice" % (what, text))
    return numbers


def parse_count_or_list(text, limit, what):
    """Targets and LUNs: '4' is a count (0..3); '0,3,255', '0-3;255' is a list, and a leading
    '=' makes a single number a list ('=5' is LUN 5 alone)."""
    text = text.strip()
    if re.fullmatch(r"\d+", text):
        count = int(text)
        if count < 1:
            raise ValueError("empty %s list %r" % (what, text))
        if count - 1 > limit:
            raise ValueError("%s %d is above the maximum %d" % (what, count - 1, limit))
        return list(range(count))
    return parse_number_list(text[1:] if text.startswith("=") else text, limit, what)


def parse_counts(text, what):
    """'1,256,4096' -> [1, 256, 4096]: comma-separated whole numbers, each at least 1 (the
    benchmarks' --luns and --iodepths)."""
    try:
        values = [int(x) for x in text.split(",")]
    except ValueError:
        raise ValueError("%s takes comma-separated whole numbers, not %r" % (what, text))
    if any(v < 1 for v in values):
        raise ValueError("%s %r: every number must be at least 1" % (what, text))
    return values
