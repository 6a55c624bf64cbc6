"""XXH32 (Yann Collet's xxHash, 32 bits), the digest of verify=xxhash: the same function as
lib/xxhash32.c (fio seeds it with 1), so the host can check a block the guest wrote. tests/tools
checks it against the published empty-input value and against the C code's stamps."""
import struct

PRIME1, PRIME2, PRIME3, PRIME4, PRIME5 = 2654435761, 2246822519, 3266489917, 668265263, 374761393
MASK = 0xFFFFFFFF


def _rotl(x, r):
    return ((x << r) | (x >> (32 - r))) & MASK


def _round(acc, lane):
    return _rotl((acc + lane * PRIME2) & MASK, 13) * PRIME1 & MASK


def xxh32(data, seed=0):
    n, i = len(data), 0
    if n >= 16:
        v = [(seed + PRIME1 + PRIME2) & MASK, (seed + PRIME2) & MASK, seed & MASK, (seed - PRIME1) & MASK]
        while i + 16 <= n:
            lanes = struct.unpack_from("<4I", data, i)
            v = [_round(a, lane) for a, lane in zip(v, lanes)]
            i += 16
        h = (_rotl(v[0], 1) + _rotl(v[1], 7) + _rotl(v[2], 12) + _rotl(v[3], 18)) & MASK
    else:
        h = (seed + PRIME5) & MASK
    h = (h + n) & MASK
    while i + 4 <= n:
        h = _rotl((h + struct.unpack_from("<I", data, i)[0] * PRIME3) & MASK, 17) * PRIME4 & MASK
        i += 4
    while i < n:
        h = _rotl((h + data[i] * PRIME5) & MASK, 11) * PRIME1 & MASK
        i += 1
    h ^= h >> 15
    h = h * PRIME2 & MASK
    h ^= h >> 13
    h = h * PRIME3 & MASK
    return h ^ (h >> 16)
