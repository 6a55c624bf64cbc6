"""lunbench's verify stamps, read from raw disk images on the host.

A verify job writes every logical block with a stamp at offset 0 (contract.STAMP, from
bench/stamp.h) saying whose block it is (HBA, target, LUN, LBA) and which write put it there
(generation), and a CRC-32C of the whole block taken with the crc field zero. The QEMU tests
look for those stamps in the image files behind file-backed LUNs.
"""
import struct

from . import contract
from .crc32c import crc32c

# Where the crc field sits (the packed size of the fields before it) and its size.
_CRC_INDEX = contract.Stamp._fields.index("crc")
CRC_OFFSET = struct.calcsize(contract.STAMP.format[:1 + _CRC_INDEX])
CRC_SIZE = struct.calcsize("<" + contract.STAMP.format[1 + _CRC_INDEX])


def read(block):
    """The stamp at the start of block, as a contract.Stamp."""
    return contract.Stamp._make(contract.STAMP.unpack_from(block))


def block_crc(block):
    """The CRC a block's stamp must carry: over the whole block, its crc field taken as zero."""
    crc = crc32c(block[:CRC_OFFSET])
    crc = crc32c(bytes(CRC_SIZE), crc)
    return crc32c(block[CRC_OFFSET + CRC_SIZE:], crc)


def describe(s):
    return "stamp magic 0x%x, LBA %d, generation %d, LUN %d:%d:%d" % (
        s.magic, s.lba, s.generation, s.hba, s.target, s.lun)


def check_image(path, block_size, address, length, min_generation=0, crc_every=64, offset=0):
    """Problems with the stamps of the first `length` bytes of an image file (from byte offset of
    it: a LUN in a vscsi-target file store): [(lba, why)], empty
    when every block carries the magic, its own LBA, its LUN's address (hba, target, lun) and a
    generation >= min_generation. The CRC is recomputed for one block in crc_every (Python is
    slow at it; the guest checked every block), the blocks chosen by the LUN so that different
    LUNs cover different LBAs."""
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
        if s.magic != contract.STAMP_MAGIC:
            why = "no stamp (magic 0x%x)" % s.magic
        elif (s.lba, s.hba, s.target, s.lun) != (lba, hba, target, lun):
            why = "the stamp of another block: " + describe(s)
        elif s.generation < min_generation:
            why = "generation %d, older than %d: %s" % (s.generation, min_generation, describe(s))
        elif lba % crc_every == lun % crc_every and block_crc(block) != s.crc:
            why = "CRC 0x%08x, the block's is 0x%08x: %s" % (s.crc, block_crc(block), describe(s))
        else:
            continue
        problems.append((lba, why))
    return problems
