"""lunbench's verify stamps, read from raw disk images on the host.

A verify job writes every logical block with a stamp at offset 0 (contract.STAMP, from
bench/stamp.h) saying whose block it is (HBA, target, LUN, LBA) and which write put it there
(generation), and a CRC-32C taken with the crc field zero: with verify=crc32c of the whole block;
with a digest method (md5, sha1, sha256, xxhash) of the stamp and the digest that follows it, the
digest covering the rest of the block; with verify=meta of the stamp alone. verify=pattern writes
no stamps. The QEMU tests look for those stamps in the image files behind file-backed LUNs.
"""
import hashlib
import struct

from . import contract
from .crc32c import crc32c
from .xxhash32 import xxh32

# Where the crc field sits (the packed size of the fields before it) and its size.
_CRC_INDEX = contract.Stamp._fields.index("crc")
CRC_OFFSET = struct.calcsize(contract.STAMP.format[:1 + _CRC_INDEX])
CRC_SIZE = struct.calcsize("<" + contract.STAMP.format[1 + _CRC_INDEX])


def read(block):
    """The stamp at the start of block, as a contract.Stamp."""
    return contract.Stamp._make(contract.STAMP.unpack_from(block))


# Each digest method's digest of the bytes after it (XXH32 little-endian, as the C code stores it).
DIGESTS = {
    "md5": lambda data: hashlib.md5(data).digest(),
    "sha1": lambda data: hashlib.sha1(data).digest(),
    "sha256": lambda data: hashlib.sha256(data).digest(),
    "xxhash": lambda data: struct.pack("<I", xxh32(data, contract.STAMP_XXHASH_SEED)),
}


def digest_len(method):
    return len(DIGESTS[method](b"")) if method in DIGESTS else 0


def covered_len(block, method):
    """How many bytes from the block's start its stamp's CRC covers."""
    if method == "meta":
        return contract.STAMP.size
    if method in DIGESTS:
        return contract.STAMP.size + digest_len(method)
    return len(block)


def block_crc(block, method="crc32c"):
    """The CRC a block's stamp must carry: over what the method covers, its crc field taken as zero."""
    end = covered_len(block, method)
    crc = crc32c(block[:CRC_OFFSET])
    crc = crc32c(bytes(CRC_SIZE), crc)
    return crc32c(block[CRC_OFFSET + CRC_SIZE:end], crc)


def digest_problem(block, method):
    """Why the data after a digest method's stamp and digest is not what the digest says, or None."""
    if method not in DIGESTS:
        return None
    start = contract.STAMP.size
    stored, data = block[start:start + digest_len(method)], block[start + digest_len(method):]
    if DIGESTS[method](data) != stored:
        return "the %s digest of the data is %s, the block holds %s" % (method, DIGESTS[method](data).hex(), stored.hex())
    return None


def describe(s):
    return "stamp magic 0x%x, LBA %d, generation %d, LUN %d:%d:%d" % (
        s.magic, s.lba, s.generation, s.hba, s.target, s.lun)


def check_image(path, block_size, address, length, min_generation=0, crc_every=64, offset=0, method="crc32c"):
    """Problems with the stamps of the first `length` bytes of an image file (from byte offset of
    it: a LUN in a vscsi-target file store): [(lba, why)], empty
    when every block carries the magic of verify=method, its own LBA, its LUN's address (hba,
    target, lun) and a generation >= min_generation. The CRC (and a digest method's digest) is
    recomputed for one block in crc_every (Python is slow at it; the guest checked every block),
    the blocks chosen by the LUN so that different LUNs cover different LBAs. ValueError for
    verify=pattern (no stamps) or a method lunbench does not have."""
    if method not in contract.STAMP_METHODS or method == "pattern":
        raise ValueError("verify=%s: no stamps to check (the methods with stamps: %s)" % (
            method, ", ".join(m for m in contract.STAMP_METHODS if m != "pattern")))
    magic = contract.STAMP_MAGIC & contract.STAMP_MAGIC_MASK | contract.STAMP_METHODS.index(method)
    with open(path, "rb") as f:
        f.seek(offset)
        data = f.read(length)
    problems = []
    if len(data) < length:
        problems.append((len(data) // block_size, "the image ends at byte %d, before %d" % (len(data), length)))
    hba, target, lun = address
    for lba in range(len(data) // block_size):
        block = data[lba * block_size:(lba + 1) * block_size]
        s = read(block)
        checked = lba % crc_every == lun % crc_every
        if s.magic & contract.STAMP_MAGIC_MASK != contract.STAMP_MAGIC & contract.STAMP_MAGIC_MASK:
            why = "no stamp (magic 0x%x)" % s.magic
        elif s.magic != magic:
            low = s.magic & ~contract.STAMP_MAGIC_MASK
            why = "stamped by verify=%s, not %s: %s" % (
                contract.STAMP_METHODS[low] if low < len(contract.STAMP_METHODS) else "#%d" % low, method, describe(s))
        elif (s.lba, s.hba, s.target, s.lun) != (lba, hba, target, lun):
            why = "the stamp of another block: " + describe(s)
        elif s.generation < min_generation:
            why = "generation %d, older than %d: %s" % (s.generation, min_generation, describe(s))
        elif checked and block_crc(block, method) != s.crc:
            why = "CRC 0x%08x, the block's is 0x%08x: %s" % (s.crc, block_crc(block, method), describe(s))
        elif checked and digest_problem(block, method):
            why = "%s: %s" % (digest_problem(block, method), describe(s))
        else:
            continue
        problems.append((lba, why))
    return problems
