#!/usr/bin/env bash
# make-images.sh OUTDIR: the FAT images tests/unit/test_fat.c reads, made with mtools (mformat,
# mmd, mcopy, mdel) into OUTDIR (the Makefile gives build/test-data/fat/). Sparse files; nothing
# here is committed. Each volume holds the same tree:
#   /jobs/a.fio  /jobs/b.fio  /a rather long job file name.fio  /MixedCase.Fio  /empty.txt
#   /one/two/three/deep.fio   /many/file-NN-with-a-long-name.txt (NN = 01..30: a directory of
#   several clusters)         /frag/big.dat (fragmented: written after deleting every other one
#   of /frag/s0.txt../frag/s7.txt, so that it fills their holes; "1\n2\n...3000\n")
# Images: fat12.img (1.44 MB floppy), fat16.img (8 MiB), fat32.img (36 MiB, mformat -F),
# fat12-4k.img (8 MiB of 4096-byte sectors), mbr.img (an MBR: partition 1 Linux 0x83, partition
# 2 FAT16 0x0e at LBA 2048), gpt.img (a protective MBR and GPT, both copies: partition 1 Linux
# filesystem, partition 2 EFI System at LBA 2048 with FAT16).
#
# make-images.sh --fuzz-seeds DIR: the seeds of tests/fuzz/fuzz_fat.c (committed in
# tests/fuzz/corpus/fat/), 8 KiB disks of 512-byte blocks, under libFuzzer's -max_len: a FAT12
# volume on the whole disk, one in an MBR partition at LBA 1, one in a GPT partition at LBA 3;
# and a FAT16 and a FAT32 volume folded into 8 KiB (the fuzzer repeats its input to 64 MiB).
set -euo pipefail
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export MTOOLS_SKIP_CHECK=1 MTOOLSRC=/dev/null SOURCE_DATE_EPOCH=1704067200 LC_ALL=C

if [ "${1:-}" = --fuzz-seeds ]; then
    out=${2:?usage: make-images.sh --fuzz-seeds DIR}
    mkdir -p "$out"
    printf '[a]\nrw=read\n' > "$tmp/a.fio"
    printf 'long\n' > "$tmp/a long name.fio"
    printf 'deep\n' > "$tmp/f.txt"
    seq 1 200 > "$tmp/two.dat" # 692 bytes: 2 clusters
    tiny() { # tiny IMAGE SECTORS HIDDEN
        mformat -i "$1" -T "$2" -h 1 -s "$2" -r 1 -c 1 -H "$3" -N 00000001 ::
        mmd -i "$1" ::/jobs ::/d ::/d/e
        mcopy -i "$1" "$tmp/a.fio" "$tmp/two.dat" ::/jobs/
        mcopy -i "$1" "$tmp/a long name.fio" ::/
        mcopy -i "$1" "$tmp/f.txt" ::/d/e/
    }
    for f in whole.img mbr.img gpt.img; do rm -f "$out/$f"; truncate -s 8K "$out/$f"; done
    tiny "$out/whole.img" 16 0
    tiny "$out/mbr.img@@512" 15 1
    tiny "$out/gpt.img@@1536" 13 3
    # FAT16 (4300 clusters) and FAT32 (65530) volumes laid out so that, repeated every 16 blocks
    # as the fuzzer does, their FAT's first sector, root directory and first clusters land on 16
    # blocks: FAT16 with one FAT of 17 sectors at 1 and the root at 18 (block 2), cluster c at
    # 17 + c; FAT32 with 3 reserved sectors, one FAT of 513 sectors at 3, cluster c at 514 + c.
    blocks() { # blocks IMAGE LBA COUNT: COUNT blocks of IMAGE from LBA
        dd if="$1" bs=512 skip="$2" count="$3" status=none
    }
    truncate -s $((4319 * 512)) "$tmp/fat16.img"
    mformat -i "$tmp/fat16.img" -T 4319 -h 1 -s 1 -c 1 -R 1 -d 1 -L 17 -r 1 -N 00000016 ::
    truncate -s $((66046 * 512)) "$tmp/fat32.img"
    mformat -i "$tmp/fat32.img" -F -T 66046 -h 1 -s 1 -c 1 -R 3 -d 1 -L 513 -N 00000032 ::
    for f in fat16 fat32; do
        mmd -i "$tmp/$f.img" ::/jobs
        mcopy -i "$tmp/$f.img" "$tmp/a.fio" "$tmp/two.dat" ::/jobs/
        mcopy -i "$tmp/$f.img" "$tmp/a long name.fio" ::/
    done
    { blocks "$tmp/fat16.img" 0 2; blocks "$tmp/fat16.img" 18 14; } > "$out/fat16-folded.img"
    { blocks "$tmp/fat32.img" 0 4; blocks "$tmp/fat32.img" 516 12; } > "$out/fat32-folded.img"
    python3 - "$out/mbr.img" "$out/gpt.img" <<'PY'
import struct, sys, uuid, zlib
def mbr(ptype, lba, count):
    b = bytearray(512)
    b[446:462] = struct.pack('<B3sB3sII', 0, b'\xfe\xff\xff', ptype, b'\xfe\xff\xff', lba, count)
    b[510:512] = b'\x55\xaa'
    return bytes(b)
with open(sys.argv[1], 'r+b') as f:
    f.write(mbr(0x01, 1, 15))
esp = uuid.UUID('c12a7328-f81f-11d2-ba4b-00a0c93ec93b')
array = struct.pack('<16s16sQQQ72s', esp.bytes_le, uuid.UUID(int=1).bytes_le, 3, 15, 0, 'ESP'.encode('utf-16-le'))
array += bytes(512 - len(array))
h = struct.pack('<8sIIIIQQQQ16sQIII', b'EFI PART', 0x10000, 92, 0, 0, 1, 15, 3, 15, uuid.UUID(int=2).bytes_le, 2, 4,
                128, zlib.crc32(array))
h = h[:16] + struct.pack('<I', zlib.crc32(h)) + h[20:]
with open(sys.argv[2], 'r+b') as f:
    f.write(mbr(0xee, 1, 15) + h + bytes(512 - len(h)) + array)
PY
    exit 0
fi

out=${1:?usage: make-images.sh OUTDIR}
mkdir -p "$out"

# The tree, the same on every volume.
t=$tmp/tree
mkdir -p "$t/jobs" "$t/deep" "$t/many" "$t/frag"
printf '[job1]\nrw=randread\nbs=4k\n' > "$t/jobs/a.fio"
printf '[job2]\nrw=write\nbs=1m\niodepth=8\n' > "$t/jobs/b.fio"
printf 'long name job\n' > "$t/a rather long job file name.fio"
printf 'mixed case\n' > "$t/MixedCase.Fio"
: > "$t/empty.txt"
printf 'three levels down\n' > "$t/deep/deep.fio"
for i in $(seq -w 1 30); do printf 'file %s\n' "$i" > "$t/many/file-$i-with-a-long-name.txt"; done
for i in 0 1 2 3 4 5 6 7; do printf 'small %d\n' "$i" > "$t/frag/s$i.txt"; done
seq 1 3000 > "$t/frag/big.dat"

populate() { # populate IMAGE (an mtools -i argument, maybe with @@offset)
    local i=$1
    mmd -i "$i" ::/jobs ::/one ::/one/two ::/one/two/three ::/many ::/frag
    mcopy -i "$i" "$t/jobs/a.fio" "$t/jobs/b.fio" ::/jobs/
    mcopy -i "$i" "$t/a rather long job file name.fio" "$t/MixedCase.Fio" "$t/empty.txt" ::/
    mcopy -i "$i" "$t/deep/deep.fio" ::/one/two/three/
    mcopy -i "$i" "$t"/many/* ::/many/
    mcopy -i "$i" "$t"/frag/s?.txt ::/frag/
    mdel -i "$i" ::/frag/s1.txt ::/frag/s3.txt ::/frag/s5.txt
}
frag() { mcopy -i "$1" "$t/frag/big.dat" ::/frag/; }

new() { rm -f "$out/$1"; truncate -s "$2" "$out/$1"; }

new fat12.img 1440K
mformat -i "$out/fat12.img" -f 1440 -N 00000012 -v FAT12VOL ::
populate "$out/fat12.img"
frag "$out/fat12.img"

new fat16.img 8M
mformat -i "$out/fat16.img" -T 16384 -h 16 -s 32 -c 1 -N 00000016 -v FAT16VOL ::
populate "$out/fat16.img"
frag "$out/fat16.img"

new fat32.img 36M
mformat -i "$out/fat32.img" -F -T 73728 -h 16 -s 32 -c 1 -N 00000032 -v FAT32VOL ::
populate "$out/fat32.img"
# mtools allocates after FSInfo's FSI_Nxt_Free hint (FSInfo in sector 1, the hint at byte 492):
# "unknown" (0xFFFFFFFF) makes it search from cluster 2, into the holes.
printf '\377\377\377\377' | dd of="$out/fat32.img" bs=1 seek=$((512 + 492)) conv=notrunc status=none
frag "$out/fat32.img"

new fat12-4k.img 8M
mformat -i "$out/fat12-4k.img" -S 5 -T 2048 -h 16 -s 8 -N 00004096 -v FAT4KVOL ::
populate "$out/fat12-4k.img"
frag "$out/fat12-4k.img"

# Partitioned disks: the FAT volume at LBA 2048 (1 MiB), 8 MiB, with 2048 hidden sectors.
new mbr.img 9M
mformat -i "$out/mbr.img@@1M" -T 16384 -h 16 -s 32 -c 1 -H 2048 -N 0000000b -v MBRVOL ::
populate "$out/mbr.img@@1M"
frag "$out/mbr.img@@1M"

new gpt.img 10M
mformat -i "$out/gpt.img@@1M" -T 16384 -h 16 -s 32 -c 1 -H 2048 -N 0000000e -v GPTVOL ::
populate "$out/gpt.img@@1M"
frag "$out/gpt.img@@1M"

python3 - "$out/mbr.img" "$out/gpt.img" <<'PY'
import struct, sys, uuid, zlib

def mbr(entries):
    """A boot sector holding four partition entries (status, type, first LBA, sectors) and 0x55AA."""
    b = bytearray(512)
    for i, (status, ptype, lba, count) in enumerate(entries):
        b[446 + 16 * i:462 + 16 * i] = struct.pack('<B3sB3sII', status, b'\xfe\xff\xff', ptype, b'\xfe\xff\xff',
                                                   lba, count)
    b[510:512] = b'\x55\xaa'
    return bytes(b)

def write(path, lba, data):
    with open(path, 'r+b') as f:
        f.seek(lba * 512)
        f.write(data)

mbr_img, gpt_img = sys.argv[1], sys.argv[2]
write(mbr_img, 0, mbr([(0, 0x83, 63, 2048 - 63), (0x80, 0x0e, 2048, 16384)]))

# UEFI 2.10 5.3: protective MBR, header at LBA 1 and entries at LBA 2..33, the backup entries at
# the end, before the backup header in the last block.
blocks = 10 * 2048
linux = uuid.UUID('0fc63daf-8483-4772-8e79-3d69d8477de4')
esp = uuid.UUID('c12a7328-f81f-11d2-ba4b-00a0c93ec93b')
def entry(ptype, n, first, last, name):
    return struct.pack('<16s16sQQQ72s', ptype.bytes_le, uuid.UUID(int=n).bytes_le, first, last, 0,
                       name.encode('utf-16-le'))
array = entry(linux, 1, 34, 2047, 'linux') + entry(esp, 2, 2048, 2048 + 16384 - 1, 'ESP')
array += bytes(128 * 128 - len(array))
def header(my, alt, entries_at):
    h = struct.pack('<8sIIIIQQQQ16sQIII', b'EFI PART', 0x10000, 92, 0, 0, my, alt, 34, blocks - 34,
                    uuid.UUID(int=0x1234).bytes_le, entries_at, 128, 128, zlib.crc32(array))
    h = h[:16] + struct.pack('<I', zlib.crc32(h)) + h[20:]
    return h + bytes(512 - len(h))
write(gpt_img, 0, mbr([(0, 0xee, 1, blocks - 1)]))
write(gpt_img, 1, header(1, blocks - 1, 2))
write(gpt_img, 2, array)
write(gpt_img, blocks - 33, array)
write(gpt_img, blocks - 1, header(blocks - 1, 1, blocks - 33))
PY
