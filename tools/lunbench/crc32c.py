"""CRC-32C (Castagnoli), the checksum of lunbench's verify stamps: the same function as
lib/crc32c.c (reflected polynomial 0x82F63B78, pre- and post-inverted, as iSCSI and fio's
verify=crc32c use), so the host can check a block the guest wrote. tests/tools checks it against
the check value lib/crc32c.h documents."""

POLYNOMIAL = 0x82F63B78  # reflected form of 0x1EDC6F41 (RFC 3720, B.4)


def _table():
    table = []
    for byte in range(256):
        c = byte
        for _ in range(8):
            c = (c >> 1) ^ POLYNOMIAL if c & 1 else c >> 1
        table.append(c)
    return table


TABLE = _table()


def crc32c(data, crc=0):
    """CRC-32C of data; pass an earlier result as crc to continue it over more data (as the C
    function's first argument)."""
    crc ^= 0xFFFFFFFF
    for b in data:
        crc = (crc >> 8) ^ TABLE[(crc ^ b) & 0xFF]
    return crc ^ 0xFFFFFFFF
