/*
 * FAT12/16/32 (fs/fat.c) against volumes made by mtools (tests/data/fat/make-images.sh, into
 * build/test-data/fat/ at build time: see its header for the tree every volume holds), and the
 * same volumes with bytes patched here: each corruption must give its one-line error, within a
 * bounded number of block reads. The block source serves the image from memory, counts its
 * reads and fails the test on any read outside the image.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/fat.h"
#include "lib/crc32.h"
#include "test_support.h"

#define IMAGES "build/test-data/fat/"
#define BIG_SIZE 13893u /* seq 1 3000 */
#define MAX_LEN (1u << 20)

struct disk {
    uint8_t *data;
    size_t len;
    uint32_t block_size;
    unsigned reads;
    uint64_t fail_lba; /* a read of this block fails; UINT64_MAX: none */
};

static int disk_read(void *ctx, uint64_t lba, uint32_t count, void *buf)
{
    struct disk *d = ctx;
    assert_true(count >= 1 && count <= 128);
    assert_true(lba < d->len / d->block_size && count <= d->len / d->block_size - lba);
    d->reads++;
    if (d->fail_lba >= lba && d->fail_lba - lba < count)
        return -5;
    memcpy(buf, d->data + lba * d->block_size, (size_t)count * d->block_size);
    return 0;
}

static struct fat_source source(struct disk *d)
{
    struct fat_source s = {disk_read, d, d->block_size, d->len / d->block_size};
    return s;
}

static struct disk load(const char *name, uint32_t block_size)
{
    char path[256];
    snprintf(path, sizeof path, IMAGES "%s", name);
    struct disk d = {NULL, 0, block_size, 0, UINT64_MAX};
    d.data = test_read_file(path, &d.len);
    return d;
}

static char err[512];

/* Locate and mount the volume on d (fails the test if either fails). */
static void mount(struct disk *d, struct fat_volume *v)
{
    struct fat_source s = source(d);
    uint64_t lba = 99;
    err[0] = '\0';
    if (fat_locate(&s, &lba, err, sizeof err) != 0)
        fail_msg("fat_locate: %s", err);
    if (fat_mount(v, &s, lba, err, sizeof err) != 0)
        fail_msg("fat_mount: %s", err);
}

/* fat_mount of the boot sector at LBA 0 must fail with want. */
static void mount_fails(struct disk *d, const char *want)
{
    struct fat_volume *v = malloc(sizeof *v);
    assert_non_null(v);
    struct fat_source s = source(d);
    err[0] = '\0';
    assert_int_equal(fat_mount(v, &s, 0, err, sizeof err), -1);
    assert_string_equal(err, want);
    free(v);
}

static void read_ok(struct fat_volume *v, const char *path, const char *want)
{
    uint8_t *data = NULL;
    size_t len = 99;
    err[0] = '\0';
    if (fat_read_file(v, path, MAX_LEN, &data, &len, err, sizeof err) != 0)
        fail_msg("%s: %s", path, err);
    assert_non_null(data);
    assert_int_equal(len, strlen(want));
    assert_memory_equal(data, want, len);
    free(data);
}

#define assert_prefix(s, prefix)                                                                                      \
    do {                                                                                                              \
        if (strncmp((s), (prefix), strlen(prefix)) != 0)                                                              \
            fail_msg("'%s' does not start with '%s'", (s), (prefix));                                                \
    } while (0)

/* fat_read_file must fail; with want "" the caller checks err. */
static void read_fails(struct fat_volume *v, const char *path, size_t max_len, const char *want)
{
    uint8_t *data = (uint8_t *)"x";
    size_t len = 99;
    err[0] = '\0';
    assert_int_equal(fat_read_file(v, path, max_len, &data, &len, err, sizeof err), -1);
    assert_null(data);
    assert_int_equal(len, 0);
    if (want[0] != '\0')
        assert_string_equal(err, want);
}

/* ---- the image's own structures, read and patched here ---- */

static uint64_t vol_base(const struct fat_volume *v) { return v->first_lba * v->src.block_size; }

static uint32_t fat_get(const struct disk *d, const struct fat_volume *v, uint32_t n)
{
    const uint8_t *f = d->data + vol_base(v) + v->fat_offset;
    switch (v->type) {
    case FAT_TYPE_12: {
        uint32_t x = f[n + n / 2] | (uint32_t)f[n + n / 2 + 1] << 8;
        return n & 1 ? x >> 4 : x & 0xfff;
    }
    case FAT_TYPE_16: return f[2 * n] | (uint32_t)f[2 * n + 1] << 8;
    case FAT_TYPE_32:
        return (f[4 * n] | (uint32_t)f[4 * n + 1] << 8 | (uint32_t)f[4 * n + 2] << 16 | (uint32_t)f[4 * n + 3] << 24) &
               0x0fffffff;
    }
    return 0;
}

static void fat_set(struct disk *d, const struct fat_volume *v, uint32_t n, uint32_t val)
{
    uint8_t *f = d->data + vol_base(v) + v->fat_offset;
    switch (v->type) {
    case FAT_TYPE_12: {
        uint8_t *p = f + n + n / 2;
        uint32_t x = p[0] | (uint32_t)p[1] << 8;
        x = n & 1 ? (x & 0x000f) | (val & 0xfff) << 4 : (x & 0xf000) | (val & 0xfff);
        p[0] = (uint8_t)x;
        p[1] = (uint8_t)(x >> 8);
        break;
    }
    case FAT_TYPE_16:
        f[2 * n] = (uint8_t)val;
        f[2 * n + 1] = (uint8_t)(val >> 8);
        break;
    case FAT_TYPE_32:
        for (int i = 0; i < 4; i++)
            f[4 * n + i] = (uint8_t)(val >> (8 * i));
        break;
    }
}

static bool is_eoc(const struct fat_volume *v, uint32_t x)
{
    return x >= (v->type == FAT_TYPE_12 ? 0xff8u : v->type == FAT_TYPE_16 ? 0xfff8u : 0x0ffffff8u);
}

static uint32_t eoc(const struct fat_volume *v)
{
    return v->type == FAT_TYPE_12 ? 0xfff : v->type == FAT_TYPE_16 ? 0xffff : 0x0fffffff;
}

/* The chain from first into chain[] (at most max); returns its length. */
static size_t chain_of(const struct disk *d, const struct fat_volume *v, uint32_t first, uint32_t *chain, size_t max)
{
    size_t n = 0;
    for (uint32_t c = first; n < max; c = fat_get(d, v, c)) {
        assert_true(c >= 2 && c <= v->cluster_count + 1);
        chain[n++] = c;
        if (is_eoc(v, fat_get(d, v, c)))
            return n;
    }
    fail_msg("chain from %u longer than %zu", first, max);
    return 0;
}

static uint8_t *cluster_at(struct disk *d, const struct fat_volume *v, uint32_t c)
{
    return d->data + vol_base(v) + v->data_offset + (uint64_t)(c - 2) * v->cluster_bytes;
}

/* The directory entry (not a long-name one) of an 8.3 name ("BIG     DAT") in the volume's
 * directories. */
static uint8_t *dirent_of(struct disk *d, const struct fat_volume *v, const char *name11)
{
    uint8_t *p = d->data + vol_base(v) + (v->type == FAT_TYPE_32 ? v->data_offset : v->root_offset);
    uint8_t *end = d->data + vol_base(v) + (uint64_t)v->total_sectors * v->bytes_per_sector;
    for (; p + 32 <= end; p += 32)
        if (memcmp(p, name11, 11) == 0 && p[11] != 0x0f)
            return p;
    fail_msg("no directory entry %s", name11);
    return NULL;
}

static uint32_t entry_cluster(const struct fat_volume *v, const uint8_t *e)
{
    return (e[26] | (uint32_t)e[27] << 8) | (v->type == FAT_TYPE_32 ? (uint32_t)(e[20] | e[21] << 8) << 16 : 0);
}

static void put32(uint8_t *p, uint32_t x)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(x >> (8 * i));
}

static void put16(uint8_t *p, uint16_t x)
{
    p[0] = (uint8_t)x;
    p[1] = (uint8_t)(x >> 8);
}

/* ---- listing ---- */

struct listing {
    struct fat_dirent e[40];
    size_t n;
    size_t stop_after; /* 0: never */
};

static int collect(void *arg, const struct fat_dirent *e)
{
    struct listing *l = arg;
    if (l->n < 40)
        l->e[l->n] = *e;
    l->n++;
    return l->stop_after != 0 && l->n == l->stop_after;
}

static void list_ok(struct fat_volume *v, const char *path, struct listing *l)
{
    l->n = 0;
    err[0] = '\0';
    if (fat_list_dir(v, path, collect, l, err, sizeof err) != 0)
        fail_msg("list %s: %s", path, err);
}

static char *big_text(void)
{
    char *s = malloc(BIG_SIZE + 1);
    assert_non_null(s);
    size_t k = 0;
    for (int i = 1; i <= 3000; i++)
        k += (size_t)sprintf(s + k, "%d\n", i);
    assert_int_equal(k, BIG_SIZE);
    return s;
}

/* Everything make-images.sh put on the volume. */
static void check_tree(struct disk *d, struct fat_volume *v, enum fat_type type, const char *label)
{
    assert_int_equal(v->type, type);
    assert_string_equal(fat_type_name(v->type), type == FAT_TYPE_12 ? "FAT12" : type == FAT_TYPE_16 ? "FAT16" : "FAT32");
    assert_string_equal(v->label, label);

    struct listing *l = calloc(1, sizeof *l);
    assert_non_null(l);
    list_ok(v, "/", l);
    static const char *const root[] = {"jobs", "one", "many", "frag", "a rather long job file name.fio",
                                       "MixedCase.Fio", "empty.txt"};
    assert_int_equal(l->n, 7);
    for (size_t i = 0; i < 7; i++) {
        assert_string_equal(l->e[i].name, root[i]);
        assert_int_equal(l->e[i].is_dir, i < 4);
        assert_false(l->e[i].lfn_ignored);
    }
    assert_string_equal(l->e[4].short_name, "ARATHE~1.FIO");
    assert_int_equal(l->e[4].size, 14);
    /* A listing stops when the callback says so. */
    l->n = 0;
    l->stop_after = 2;
    assert_int_equal(fat_list_dir(v, "", collect, l, err, sizeof err), 0);
    assert_int_equal(l->n, 2);
    l->stop_after = 0;

    read_ok(v, "/jobs/a.fio", "[job1]\nrw=randread\nbs=4k\n");
    read_ok(v, "jobs/b.fio", "[job2]\nrw=write\nbs=1m\niodepth=8\n");
    read_ok(v, "/JOBS/A.FIO", "[job1]\nrw=randread\nbs=4k\n");
    read_ok(v, "/a rather long job file name.fio", "long name job\n");
    read_ok(v, "/A Rather Long Job File Name.FIO", "long name job\n");
    read_ok(v, "/arathe~1.fio", "long name job\n");
    read_ok(v, "/mixedcase.fio", "mixed case\n");
    read_ok(v, "/empty.txt", "");
    read_ok(v, "/one/two/three/deep.fio", "three levels down\n");
    read_ok(v, "//one/./two//three/../three/deep.fio", "three levels down\n");
    read_ok(v, "/one/two/three/../../../jobs/a.fio", "[job1]\nrw=randread\nbs=4k\n");

    /* A directory of several clusters (with 512-byte clusters): 30 files with long names. */
    list_ok(v, "/many", l);
    assert_int_equal(l->n, 30);
    for (unsigned i = 0; i < 30; i++) {
        char name[64], path[80], text[16];
        snprintf(name, sizeof name, "file-%02u-with-a-long-name.txt", i + 1);
        assert_string_equal(l->e[i].name, name);
        snprintf(path, sizeof path, "/many/%s", name);
        snprintf(text, sizeof text, "file %02u\n", i + 1);
        read_ok(v, path, text);
    }
    struct fat_dirent e;
    assert_int_equal(fat_stat(v, "/many", &e, err, sizeof err), 0);
    assert_true(e.is_dir);
    uint32_t chain[64];
    size_t many_clusters = chain_of(d, v, e.first_cluster, chain, 64);
    if (v->cluster_bytes == 512)
        assert_true(many_clusters >= 6); /* 92 entries of 32 bytes */

    /* The fragmented file: its chain skips clusters (the holes of the deleted files it filled). */
    assert_int_equal(fat_stat(v, "/frag/big.dat", &e, err, sizeof err), 0);
    assert_false(e.is_dir);
    assert_int_equal(e.size, BIG_SIZE);
    size_t n = chain_of(d, v, e.first_cluster, chain, 64);
    assert_int_equal(n, (BIG_SIZE + v->cluster_bytes - 1) / v->cluster_bytes);
    unsigned gaps = 0;
    for (size_t i = 1; i < n; i++)
        gaps += chain[i] != chain[i - 1] + 1;
    assert_true(gaps >= 3);
    char *big = big_text();
    read_ok(v, "/frag/big.dat", big);
    free(big);
    list_ok(v, "/frag", l);
    assert_int_equal(l->n, 6); /* s0 s2 s4 s6 s7 big.dat */

    assert_int_equal(fat_stat(v, "/", &e, err, sizeof err), 0);
    assert_true(e.is_dir);
    assert_string_equal(e.name, "/");

    /* Errors that name what is there. */
    read_fails(v, "/jobs/c.fio", MAX_LEN, "FAT: /jobs/c.fio: not found (/jobs holds: a.fio, b.fio)");
    read_fails(v, "/nothing/a.fio", MAX_LEN,
               "FAT: /nothing/a.fio: not found (/ holds: jobs, one, many, frag, a rather long job file name.fio, "
               "MixedCase.Fio, empty.txt)");
    read_fails(v, "/many/x", MAX_LEN,
               "FAT: /many/x: not found (/many holds: file-01-with-a-long-name.txt, file-02-with-a-long-name.txt, "
               "file-03-with-a-long-name.txt, file-04-with-a-long-name.txt, file-05-with-a-long-name.txt, ...)");
    read_fails(v, "/jobs/a.fio/x", MAX_LEN, "FAT: /jobs/a.fio/x: /jobs/a.fio is not a directory");
    read_fails(v, "/one/two", MAX_LEN, "FAT: /one/two: is a directory");
    read_fails(v, "/frag/big.dat", 100, "FAT: /frag/big.dat: file of 13893 bytes is over the limit of 100 bytes");
    assert_int_equal(fat_list_dir(v, "/jobs/a.fio", collect, l, err, sizeof err), -1);
    assert_string_equal(err, "FAT: /jobs/a.fio: not a directory");
    free(l);
}

static void tree_test(const char *image, uint32_t block_size, enum fat_type type, const char *label, uint64_t lba)
{
    struct disk d = load(image, block_size);
    struct fat_volume *v = malloc(sizeof *v);
    assert_non_null(v);
    mount(&d, v);
    assert_int_equal(v->first_lba, lba);
    check_tree(&d, v, type, label);
    free(v);
    free(d.data);
}

static void test_fat12(void **state)
{
    (void)state;
    tree_test("fat12.img", 512, FAT_TYPE_12, "FAT12VOL", 0);
}

static void test_fat16(void **state)
{
    (void)state;
    tree_test("fat16.img", 512, FAT_TYPE_16, "FAT16VOL", 0);
}

static void test_fat32(void **state)
{
    (void)state;
    tree_test("fat32.img", 512, FAT_TYPE_32, "FAT32VOL", 0);
}

/* 4096-byte FAT sectors on 512-byte blocks, and 512-byte sectors on 4096-byte blocks. */
static void test_sector_and_block_sizes(void **state)
{
    (void)state;
    tree_test("fat12-4k.img", 512, FAT_TYPE_12, "FAT4KVOL", 0);
    tree_test("fat12-4k.img", 4096, FAT_TYPE_12, "FAT4KVOL", 0);
    tree_test("fat16.img", 4096, FAT_TYPE_16, "FAT16VOL", 0);
    tree_test("fat32.img", 2048, FAT_TYPE_32, "FAT32VOL", 0);
}

static void test_mbr_partition(void **state)
{
    (void)state;
    tree_test("mbr.img", 512, FAT_TYPE_16, "MBRVOL", 2048);

    struct disk d = load("mbr.img", 512);
    struct fat_source s = source(&d);
    uint64_t lba;
    /* Partition 1 is Linux (0x83); partition 2's FAT types, all of them. */
    static const uint8_t fat_types[] = {0x01, 0x04, 0x06, 0x0b, 0x0c, 0x0e, 0xef};
    for (size_t i = 0; i < sizeof fat_types; i++) {
        d.data[446 + 16 + 4] = fat_types[i];
        lba = 0;
        assert_int_equal(fat_locate(&s, &lba, err, sizeof err), 0);
        assert_int_equal(lba, 2048);
    }
    d.data[446 + 16 + 4] = 0x07; /* NTFS */
    assert_int_equal(fat_locate(&s, &lba, err, sizeof err), -1);
    assert_string_equal(err, "FAT: MBR: no FAT partition (types 0x83 0x07 0x00 0x00)");
    d.data[446 + 16 + 4] = 0x0e;
    put32(d.data + 446 + 16 + 12, 16384 + 1); /* one sector past the disk */
    assert_int_equal(fat_locate(&s, &lba, err, sizeof err), -1);
    assert_string_equal(err,
                        "FAT: MBR partition 2 (type 0x0e): LBA 2048 and 16385 sectors is outside the disk (18432 blocks)");
    put32(d.data + 446 + 16 + 12, 16384);
    d.data[511] = 0;
    assert_int_equal(fat_locate(&s, &lba, err, sizeof err), -1);
    assert_string_equal(err,
                        "FAT: LBA 0: neither a FAT boot sector nor an MBR (no signature 0x55 0xAA at byte 510)");
    d.data[511] = 0xaa;
    /* The partition's boot sector itself, corrupt: the error names its LBA. */
    d.data[2048 * 512 + 13] = 6;
    assert_int_equal(fat_locate(&s, &lba, err, sizeof err), 0);
    struct fat_volume *v = malloc(sizeof *v);
    assert_non_null(v);
    assert_int_equal(fat_mount(v, &s, lba, err, sizeof err), -1);
    assert_string_equal(err, "FAT: boot sector at LBA 2048: sectors per cluster 6 (a power of two, 1 to 128)");
    free(v);
    free(d.data);
}

static void gpt_seal(uint8_t *h)
{
    put32(h + 16, 0);
    put32(h + 16, crc32_ieee(h, 92));
}

static void gpt_fails(struct disk *d, const char *want)
{
    struct fat_source s = source(d);
    uint64_t lba = 0;
    err[0] = '\0';
    assert_int_equal(fat_locate(&s, &lba, err, sizeof err), -1);
    assert_string_equal(err, want);
}

static void test_gpt_partition(void **state)
{
    (void)state;
    tree_test("gpt.img", 512, FAT_TYPE_16, "GPTVOL", 2048);

    struct disk d = load("gpt.img", 512);
    uint8_t *h = d.data + 512, *pe2 = d.data + 1024 + 128, good[512];
    memcpy(good, h, 512);
    struct fat_source s = source(&d);
    uint64_t lba = 0;
    /* Microsoft basic data is a FAT partition's type too. */
    static const uint8_t basic_data[16] = {0xa2, 0xa0, 0xd0, 0xeb, 0xe5, 0xb9, 0x33, 0x44,
                                           0x87, 0xc0, 0x68, 0xb6, 0xb7, 0x26, 0x99, 0xc7};
    uint8_t esp[16];
    memcpy(esp, pe2, 16);
    memcpy(pe2, basic_data, 16);
    assert_int_equal(fat_locate(&s, &lba, err, sizeof err), 0);
    assert_int_equal(lba, 2048);
    memset(pe2, 0x11, 16);
    gpt_fails(&d, "FAT: GPT: no EFI System or basic data partition among 128 entries");
    memcpy(pe2, esp, 16);

    h[60] ^= 1; /* the disk GUID: the CRC no longer matches */
    err[0] = '\0';
    assert_int_equal(fat_locate(&s, &lba, err, sizeof err), -1);
    assert_non_null(strstr(err, "FAT: GPT header at LBA 1: HeaderCRC32 0x"));
    assert_non_null(strstr(err, ", but the header's CRC is 0x"));
    memcpy(h, good, 512);

    memcpy(h, "EFI PARX", 8);
    gpt_fails(&d, "FAT: GPT header at LBA 1: no \"EFI PART\" signature (protective MBR without a GPT)");
    memcpy(h, good, 512);

    put32(h + 12, 600);
    gpt_fails(&d, "FAT: GPT header at LBA 1: HeaderSize 600 (92 to 512)");
    memcpy(h, good, 512);

    put32(h + 84, 200);
    gpt_seal(h);
    gpt_fails(&d, "FAT: GPT header: SizeOfPartitionEntry 200 (128 times a power of two, at most 4096)");
    memcpy(h, good, 512);

    put32(h + 80, 0x7fffffff);
    gpt_seal(h);
    gpt_fails(&d, "FAT: GPT header: NumberOfPartitionEntries 2147483647 (at most 16384 read)");
    memcpy(h, good, 512);

    put32(h + 80, 16384); /* 2 MiB of entries on a 10 MiB disk: fine; at LBA 19000 it is not */
    h[72] = 0x38;
    h[73] = 0x4a; /* 19000 */
    gpt_seal(h);
    gpt_fails(&d, "FAT: GPT header: partition entries at LBA 19000 (4096 blocks) are outside the disk");
    memcpy(h, good, 512);

    put32(pe2 + 40, 20479); /* ends in the backup GPT's blocks, past LastUsableLBA 20446 */
    gpt_fails(&d, "FAT: GPT partition 2: LBA 2048 to 20479 is outside the usable LBAs 34 to 20446 of a disk of "
                  "20480 blocks");
    free(d.data);
}

/* ---- corrupt boot sectors ---- */

static void test_bad_boot_sector(void **state)
{
    (void)state;
    struct disk d = load("fat16.img", 512);
    uint8_t good[512], *b = d.data;
    memcpy(good, b, 512);
    /* fat16.img: 16384 sectors, 1 reserved, 2 FATs of 64 sectors, 512 root entries (32 sectors). */
    assert_int_equal(b[14] | b[15] << 8, 1);
    assert_int_equal(b[22] | b[23] << 8, 64);

    put16(b + 11, 300);
    mount_fails(&d, "FAT: boot sector at LBA 0: bytes per sector 300 (512 to 4096, a power of two)");
    put16(b + 11, 8192);
    mount_fails(&d, "FAT: boot sector at LBA 0: bytes per sector 8192 (512 to 4096, a power of two)");
    memcpy(b, good, 512);
    b[13] = 0;
    mount_fails(&d, "FAT: boot sector at LBA 0: sectors per cluster 0 (a power of two, 1 to 128)");
    b[13] = 3;
    mount_fails(&d, "FAT: boot sector at LBA 0: sectors per cluster 3 (a power of two, 1 to 128)");
    memcpy(b, good, 512);
    put16(b + 11, 4096);
    b[13] = 32;
    mount_fails(&d, "FAT: boot sector at LBA 0: clusters of 131072 bytes (at most 65536)");
    memcpy(b, good, 512);
    b[16] = 0;
    mount_fails(&d, "FAT: boot sector at LBA 0: number of FATs 0 (at least 1)");
    memcpy(b, good, 512);
    put16(b + 14, 0);
    mount_fails(&d, "FAT: boot sector at LBA 0: reserved sectors 0 (at least 1, the boot sector)");
    memcpy(b, good, 512);
    put16(b + 19, 100);
    mount_fails(&d, "FAT: boot sector at LBA 0: total sectors 100 is smaller than the metadata (161 sectors: 1 "
                    "reserved, 2 FATs of 64, 32 of root directory)");
    memcpy(b, good, 512);
    b[21] = 0x12;
    mount_fails(&d, "FAT: boot sector at LBA 0: media descriptor 0x12 (0xf0 or 0xf8 to 0xff)");
    memcpy(b, good, 512);
    b[510] = 0;
    mount_fails(&d, "FAT: boot sector at LBA 0: no signature 0x55 0xAA at byte 510 (not a FAT volume)");
    memcpy(b, good, 512);
    b[0] = 0;
    mount_fails(&d, "FAT: boot sector at LBA 0: no jump instruction at byte 0 (0x00 0x3c 0x90; not a FAT volume)");
    memcpy(b, good, 512);
    put16(b + 22, 0);
    put32(b + 36, 0);
    mount_fails(&d, "FAT: boot sector at LBA 0: sectors per FAT 0");
    memcpy(b, good, 512);

    /* The cluster count decides the type (FAT spec, "FAT Type Determination"); the BPB must be of
     * the same kind. A FAT32 BPB (16-bit FAT size 0) over 16223 clusters: */
    put16(b + 22, 0);
    put32(b + 36, 64);
    mount_fails(&d, "FAT: boot sector at LBA 0: 16223 clusters make it FAT16, but the BPB is a FAT32 one (16-bit "
                    "sectors per FAT 0, root entries 512)");
    memcpy(b, good, 512);
    /* A FAT16 BPB claiming 70000 sectors (past the disk too, but the type is checked first). */
    put16(b + 19, 0);
    put32(b + 32, 70000);
    mount_fails(&d, "FAT: boot sector at LBA 0: 69839 clusters make it FAT32, but the BPB is a FAT12/16 one (16-bit "
                    "sectors per FAT 64, root entries 512)");
    memcpy(b, good, 512);
    /* The FAT must hold an entry for every cluster: 1 sector is 256 FAT16 entries. */
    put16(b + 22, 1);
    mount_fails(&d, "FAT: boot sector at LBA 0: a FAT of 1 sectors is too small for 16349 clusters (32702 bytes "
                    "needed)");
    memcpy(b, good, 512);
    /* The disk ends before the volume does. */
    size_t len = d.len;
    d.len = 8000 * 512;
    mount_fails(&d, "FAT: boot sector at LBA 0: a volume of 16384 sectors (8388608 bytes) runs past the end of the "
                    "disk (4096000 bytes from here)");
    d.len = len;
    free(d.data);

    struct disk d32 = load("fat32.img", 512);
    b = d32.data;
    memcpy(good, b, 512);
    put32(b + 44, 1);
    mount_fails(&d32, "FAT: boot sector at LBA 0: root cluster 1 is outside the volume (2 to 72563)");
    put32(b + 44, 72564);
    mount_fails(&d32, "FAT: boot sector at LBA 0: root cluster 72564 is outside the volume (2 to 72563)");
    memcpy(b, good, 512);
    put16(b + 42, 0x0100);
    mount_fails(&d32, "FAT: boot sector at LBA 0: FAT32 version 1.0 (0.0 only)");
    memcpy(b, good, 512);
    put16(b + 40, 0x0083); /* mirroring off, FAT 3 of 2 active */
    mount_fails(&d32, "FAT: boot sector at LBA 0: active FAT 3 of 2");
    memcpy(b, good, 512);
    /* 40000 sectors are fewer than 65525 clusters: not FAT32, whatever the BPB says. */
    put32(b + 32, 40000);
    mount_fails(&d32, "FAT: boot sector at LBA 0: 38834 clusters make it FAT16, but the BPB is a FAT32 one (16-bit "
                      "sectors per FAT 0, root entries 0)");
    memcpy(b, good, 512);
    free(d32.data);

    /* A source that is not one. */
    struct disk bad = {NULL, 1 << 20, 1000, 0, UINT64_MAX};
    struct fat_source s = {disk_read, &bad, 1000, 1000};
    struct fat_volume *v = malloc(sizeof *v);
    uint64_t lba;
    assert_int_equal(fat_mount(v, &s, 0, err, sizeof err), -1);
    assert_string_equal(err, "FAT: block size 1000 (512 to 4096, a power of two)");
    assert_int_equal(fat_locate(&s, &lba, err, sizeof err), -1);
    assert_string_equal(err, "FAT: block size 1000 (512 to 4096, a power of two)");
    s.block_size = 512;
    s.block_count = 0;
    assert_int_equal(fat_mount(v, &s, 0, err, sizeof err), -1);
    assert_string_equal(err, "FAT: disk of 0 blocks");
    s.block_count = 10;
    assert_int_equal(fat_mount(v, &s, 10, err, sizeof err), -1);
    assert_string_equal(err, "FAT: boot sector at LBA 10: past the end of the disk (10 blocks)");
    free(v);
}

/* ---- corrupt chains and directories ---- */

struct fixture {
    struct disk d;
    struct fat_volume *v;
    uint32_t big[64]; /* /frag/big.dat's chain */
    size_t big_n;
    uint8_t *big_entry;
};

static void fixture_open(struct fixture *f, const char *image)
{
    f->d = load(image, 512);
    f->v = malloc(sizeof *f->v);
    assert_non_null(f->v);
    mount(&f->d, f->v);
    f->big_entry = dirent_of(&f->d, f->v, "BIG     DAT");
    f->big_n = chain_of(&f->d, f->v, entry_cluster(f->v, f->big_entry), f->big, 64);
}

/* Mount again after a patch (the volume caches blocks). */
static void remount(struct fixture *f)
{
    mount(&f->d, f->v);
    f->d.reads = 0;
}

static void fixture_close(struct fixture *f)
{
    free(f->v);
    free(f->d.data);
}

static void chain_errors(const char *image)
{
    struct fixture f;
    fixture_open(&f, image);
    struct fat_volume *v = f.v;
    char want[256];
    uint32_t c3 = f.big[3], c2 = f.big[2];

    /* A loop back to itself, and a longer one: found after a bounded number of reads. */
    fat_set(&f.d, v, c2, c2);
    remount(&f);
    snprintf(want, sizeof want, "FAT: /frag/big.dat: cluster chain loops at cluster %u", c2);
    read_fails(v, "/frag/big.dat", MAX_LEN, want);
    assert_true(f.d.reads < 40);
    fat_set(&f.d, v, c2, f.big[3]);
    fat_set(&f.d, v, f.big[10], f.big[4]);
    remount(&f);
    read_fails(v, "/frag/big.dat", MAX_LEN, "");
    assert_prefix(err, "FAT: /frag/big.dat: cluster chain loops at cluster ");
    uint32_t at = (uint32_t)strtoul(strrchr(err, ' ') + 1, NULL, 10);
    assert_true(at >= f.big[4] && at <= f.big[10]);
    assert_true(f.d.reads < 60);
    /* The same loop past the clusters the file needs (a 1-byte size) is let be... */
    put32(f.big_entry + 28, 1);
    remount(&f);
    read_ok(v, "/frag/big.dat", "1");
    /* ...unless it loops among them: a loop within the first cluster. */
    fat_set(&f.d, v, f.big[0], f.big[0]);
    remount(&f);
    snprintf(want, sizeof want, "FAT: /frag/big.dat: cluster chain loops at cluster %u", f.big[0]);
    read_fails(v, "/frag/big.dat", MAX_LEN, want);
    fat_set(&f.d, v, f.big[0], f.big[1]);
    fat_set(&f.d, v, f.big[10], f.big[11]);
    put32(f.big_entry + 28, BIG_SIZE);

    /* A chain that leaves the volume, ends at a free or a bad cluster. */
    uint32_t max = v->cluster_count + 1;
    fat_set(&f.d, v, c2, max + 1);
    remount(&f);
    snprintf(want, sizeof want,
             "FAT: /frag/big.dat: cluster chain leaves the volume at cluster %u (next %u; clusters are 2 to %u)", c2,
             max + 1, max);
    read_fails(v, "/frag/big.dat", MAX_LEN, want);
    fat_set(&f.d, v, c2, 1);
    remount(&f);
    snprintf(want, sizeof want,
             "FAT: /frag/big.dat: cluster chain leaves the volume at cluster %u (next 1; clusters are 2 to %u)", c2, max);
    read_fails(v, "/frag/big.dat", MAX_LEN, want);
    fat_set(&f.d, v, c2, 0);
    remount(&f);
    snprintf(want, sizeof want, "FAT: /frag/big.dat: cluster chain reaches a free cluster after cluster %u", c2);
    read_fails(v, "/frag/big.dat", MAX_LEN, want);
    fat_set(&f.d, v, c2, eoc(v) - 8); /* 0xFF7, 0xFFF7, 0x0FFFFFF7 */
    remount(&f);
    snprintf(want, sizeof want, "FAT: /frag/big.dat: cluster chain reaches a cluster marked bad after cluster %u", c2);
    read_fails(v, "/frag/big.dat", MAX_LEN, want);

    /* A chain shorter than the file's size. */
    fat_set(&f.d, v, c2, eoc(v));
    remount(&f);
    snprintf(want, sizeof want,
             "FAT: /frag/big.dat: file size 13893 bytes is larger than its cluster chain (3 clusters of %u bytes, "
             "ending at cluster %u)",
             v->cluster_bytes, c2);
    read_fails(v, "/frag/big.dat", MAX_LEN, want);
    fat_set(&f.d, v, c2, c3);
    put32(f.big_entry + 28, 0xfffffff0u);
    remount(&f);
    snprintf(want, sizeof want,
             "FAT: /frag/big.dat: file size 4294967280 bytes is larger than its cluster chain (%zu clusters of %u "
             "bytes, ending at cluster %u)",
             f.big_n, v->cluster_bytes, f.big[f.big_n - 1]);
    read_fails(v, "/frag/big.dat", SIZE_MAX, want);
    put32(f.big_entry + 28, BIG_SIZE);

    /* A first cluster outside the volume. */
    uint8_t lo0 = f.big_entry[26], lo1 = f.big_entry[27];
    put16(f.big_entry + 26, 1);
    remount(&f);
    snprintf(want, sizeof want, "FAT: /frag/big.dat: first cluster 1 is outside the volume (2 to %u)", max);
    read_fails(v, "/frag/big.dat", MAX_LEN, want);
    f.big_entry[26] = lo0;
    f.big_entry[27] = lo1;
    remount(&f);
    char *big = big_text();
    read_ok(v, "/frag/big.dat", big);
    free(big);
    fixture_close(&f);
}

static void test_chain_errors_fat12(void **state)
{
    (void)state;
    chain_errors("fat12.img");
}

static void test_chain_errors_fat16(void **state)
{
    (void)state;
    chain_errors("fat16.img");
}

static void test_chain_errors_fat32(void **state)
{
    (void)state;
    chain_errors("fat32.img");
}

/* Directory chains: a loop, and one that runs to the spec's 65,536 entries without an end. */
static void test_directory_errors(void **state)
{
    (void)state;
    struct fixture f;
    fixture_open(&f, "fat16.img");
    struct fat_volume *v = f.v;
    uint8_t *many = dirent_of(&f.d, v, "MANY       ");
    uint32_t chain[64];
    size_t n = chain_of(&f.d, v, entry_cluster(v, many), chain, 64);
    assert_true(n >= 6);

    /* The last cluster of /many back to its first, and its end marker (an entry starting with
     * 0x00) gone: a lookup of a name not there must stop. */
    uint8_t *last = cluster_at(&f.d, v, chain[n - 1]);
    for (uint32_t k = 0; k < 512; k += 32)
        if (last[k] == 0)
            last[k] = 0xe5;
    fat_set(&f.d, v, chain[n - 1], chain[0]);
    remount(&f);
    read_fails(v, "/many/none", MAX_LEN, "");
    assert_prefix(err, "FAT: /many/none: directory /many: cluster chain loops at cluster ");
    assert_true(f.d.reads < 100);
    struct listing *l = calloc(1, sizeof *l);
    assert_non_null(l);
    assert_int_equal(fat_list_dir(v, "/many", collect, l, err, sizeof err), -1);
    assert_prefix(err, "FAT: /many: cluster chain loops at cluster ");
    /* A name found before the loop is read as usual. */
    read_ok(v, "/many/file-02-with-a-long-name.txt", "file 02\n");
    fat_set(&f.d, v, chain[n - 1], eoc(v));

    /* /many's chain through 4097 free clusters of deleted entries (no 0x00 entry): 65,552 entries. */
    uint32_t first = 1000, count = 4097;
    assert_true(v->cluster_bytes == 512 && first + count < v->cluster_count);
    fat_set(&f.d, v, chain[n - 1], first);
    for (uint32_t i = 0; i < count; i++) {
        fat_set(&f.d, v, first + i, i + 1 < count ? first + i + 1 : eoc(v));
        uint8_t *c = cluster_at(&f.d, v, first + i);
        for (uint32_t k = 0; k < 512; k += 32) {
            memset(c + k, ' ', 11);
            c[k] = 0xe5;
            c[k + 11] = 0x20;
        }
    }
    remount(&f);
    read_fails(v, "/many/none", MAX_LEN,
               "FAT: /many/none: directory /many: no end of directory within 65536 entries (the most a directory "
               "holds)");
    assert_true(f.d.reads < 4096 + 200);
    free(l);
    fixture_close(&f);
}

/* Long names whose checks fail: the 8.3 name stands (FAT spec, "Long File Name Implementation"). */
static void test_bad_long_names(void **state)
{
    (void)state;
    struct fixture f;
    fixture_open(&f, "fat16.img");
    struct fat_volume *v = f.v;
    uint8_t *e = dirent_of(&f.d, v, "ARATHE~1FIO");
    /* "a rather long job file name.fio": 31 characters, three entries (0x43, 0x02, 0x01) before it. */
    uint8_t *lfn3 = e - 96, *lfn2 = e - 64, *lfn1 = e - 32;
    assert_int_equal(lfn3[0], 0x43);
    assert_int_equal(lfn2[0], 0x02);
    assert_int_equal(lfn1[0], 0x01);
    struct listing *l = calloc(1, sizeof *l);
    assert_non_null(l);
    struct {
        uint8_t *at, value;
    } patches[] = {
        {lfn2 + 13, (uint8_t)(lfn2[13] ^ 1)}, /* one entry's checksum */
        {e + 10, 'X'},                        /* the 8.3 name: every checksum is wrong */
        {lfn2, 0x03},                         /* sequence 3, 3, 1 */
        {lfn1, 0x02},                         /* 3, 2, 2 */
        {lfn3, 0x03},                         /* no LAST_LONG_ENTRY */
        {lfn3, 0x40 | 21},                    /* more than 20 entries */
        {lfn3, 0x44},                         /* 4 entries, only 3 there */
        {lfn2 + 12, 1},                       /* LDIR_Type */
        {lfn2 + 26, 1},                       /* LDIR_FstClusLO */
    };
    for (size_t i = 0; i < sizeof patches / sizeof patches[0]; i++) {
        uint8_t old = *patches[i].at;
        *patches[i].at = patches[i].value;
        remount(&f);
        list_ok(v, "/", l);
        assert_int_equal(l->n, 7);
        const char *want = patches[i].at == e + 10 ? "ARATHE~1.FIX" : "ARATHE~1.FIO";
        assert_string_equal(l->e[4].name, want);
        assert_string_equal(l->e[4].short_name, want);
        assert_true(l->e[4].lfn_ignored);
        /* Its neighbours keep their long names. */
        assert_string_equal(l->e[3].name, "frag");
        assert_string_equal(l->e[5].name, "MixedCase.Fio");
        assert_false(l->e[5].lfn_ignored);
        char path[32];
        snprintf(path, sizeof path, "/%s", want);
        read_ok(v, path, "long name job\n");
        read_fails(v, "/a rather long job file name.fio", MAX_LEN, "");
        assert_prefix(err, "FAT: /a rather long job file name.fio: not found (/ holds: ");
        *patches[i].at = old;
    }
    remount(&f);
    read_ok(v, "/a rather long job file name.fio", "long name job\n");

    /* A deleted entry between the long-name entries and their 8.3 entry: an orphan set. */
    uint8_t save[32];
    memcpy(save, lfn1, 32);
    lfn1[0] = 0xe5;
    remount(&f);
    list_ok(v, "/", l);
    assert_string_equal(l->e[4].name, "ARATHE~1.FIO");
    assert_false(l->e[4].lfn_ignored); /* the set was cut by a free entry, so nothing was pending */
    memcpy(lfn1, save, 32);

    /* Names: too long a path component, and non-ASCII characters as UTF-8. */
    char longname[300];
    memset(longname, 'x', sizeof longname);
    longname[0] = '/';
    longname[257] = '\0';
    read_fails(v, longname, MAX_LEN, "");
    assert_non_null(strstr(err, ": name 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' of 256 characters (at most 255)"));
    /* The last entry holds characters 27 to 31, "e.fio": U+00E9, U+20AC, U+1F600 (a surrogate
     * pair) and an unpaired low surrogate instead. */
    put16(lfn3 + 1, 0x00e9);
    put16(lfn3 + 3, 0x20ac);
    put16(lfn3 + 5, 0xd83d);
    put16(lfn3 + 7, 0xde00);
    put16(lfn3 + 9, 0xdc00);
    remount(&f);
    list_ok(v, "/", l);
    assert_string_equal(l->e[4].name, "a rather long job file nam\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80?");
    free(l);
    fixture_close(&f);
}

/* A read the source fails, and a volume whose data lies past a shortened disk. */
static void test_read_errors(void **state)
{
    (void)state;
    struct fixture f;
    fixture_open(&f, "fat16.img");
    struct fat_volume *v = f.v;
    uint64_t lba = (vol_base(v) + v->data_offset + (uint64_t)(f.big[1] - 2) * v->cluster_bytes) / 512;
    f.d.fail_lba = lba;
    remount(&f);
    char want[200];
    snprintf(want, sizeof want, "FAT: /frag/big.dat: read of 1 blocks at LBA %llu failed (-5)", (unsigned long long)lba);
    read_fails(v, "/frag/big.dat", MAX_LEN, want);
    f.d.fail_lba = 0;
    struct fat_source s = source(&f.d);
    uint64_t at;
    assert_int_equal(fat_locate(&s, &at, err, sizeof err), -1);
    assert_string_equal(err, "FAT: LBA 0: read of 1 blocks at LBA 0 failed (-5)");
    assert_int_equal(fat_mount(v, &s, 0, err, sizeof err), -1);
    assert_string_equal(err, "FAT: boot sector at LBA 0: read of 1 blocks at LBA 0 failed (-5)");
    fixture_close(&f);
}

/* The GPT header's CRC (lib/crc32.c): the standard check value, and a zero-length input. */
static void test_crc32_ieee(void **state)
{
    (void)state;
    assert_int_equal(crc32_ieee((const uint8_t *)"123456789", 9), 0xcbf43926u);
    assert_int_equal(crc32_ieee((const uint8_t *)"", 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc32_ieee),
        cmocka_unit_test(test_fat12),
        cmocka_unit_test(test_fat16),
        cmocka_unit_test(test_fat32),
        cmocka_unit_test(test_sector_and_block_sizes),
        cmocka_unit_test(test_mbr_partition),
        cmocka_unit_test(test_gpt_partition),
        cmocka_unit_test(test_bad_boot_sector),
        cmocka_unit_test(test_chain_errors_fat12),
        cmocka_unit_test(test_chain_errors_fat16),
        cmocka_unit_test(test_chain_errors_fat32),
        cmocka_unit_test(test_directory_errors),
        cmocka_unit_test(test_bad_long_names),
        cmocka_unit_test(test_read_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
