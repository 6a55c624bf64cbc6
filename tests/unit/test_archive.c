/*
 * Module archives (fs/archive.c) against archives made by the host tools, and the same archives
 * cut short or with lying fields. Every archive is copied into a buffer of exactly its length,
 * so that AddressSanitizer catches any read past the end.
 *
 * tests/data/fs was made from a tree holding jobs/{two-jobs.fio, null.fio, one-byte (1 byte),
 * empty, link.fio -> two-jobs.fio} and
 * benchmarks-for-the-virtio-scsi-path/a-directory-name-long-enough-to-need-the-ustar-prefix-field/
 * qemu-9/randread-4k-qd32-every-lun.fio (a copy of tests/data/jobs/bad-bs.fio), every mtime
 * 2024-01-01 00:00 UTC:
 *   find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 > jobs.cpio     (GNU cpio 2.13)
 *   find . | LC_ALL=C sort | cpio -o -H crc -R 0:0 > jobs-crc.cpio
 *   tar --format=ustar -b 1 --owner=0 --group=0 --numeric-owner --sort=name \
 *       -cf jobs.tar ./jobs ./benchmarks-for-the-virtio-scsi-path      (GNU tar 1.34)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/archive.h"
#include "test_support.h"

#define LONG_DIR                                                                                                      \
    "benchmarks-for-the-virtio-scsi-path/a-directory-name-long-enough-to-need-the-ustar-prefix-field/qemu-9"
#define LONG_NAME LONG_DIR "/randread-4k-qd32-every-lun.fio"

/* Header offsets in jobs.cpio, from `cpio -itv` and the newc layout. */
#define CPIO_LONG_NAME_AT 0x2ac
#define CPIO_EMPTY_AT 0x43c
#define CPIO_NULL_AT 0x540
#define CPIO_TWO_JOBS_AT 0x694
#define CPIO_TRAILER_AT 0x8e4
#define CPIO_END 0x960 /* after the trailer entry; zeros follow up to 2560 bytes */
/* Header offsets in jobs.tar. */
#define TAR_NULL_AT 0x600
#define TAR_TWO_JOBS_AT 0xe00
#define TAR_LONG_NAME_AT 0x1800
#define TAR_END 0x1c00 /* the first zero block */

static struct fs_file files[16];
static char err[200];

static uint8_t *copy_exact(const uint8_t *src, size_t len)
{
    uint8_t *p = malloc(len > 0 ? len : 1);
    assert_non_null(p);
    memcpy(p, src, len);
    return p;
}

/* List a copy of data[0..len) in a buffer of exactly len bytes. */
static int list_exact(const uint8_t *data, size_t len, size_t max, size_t *count)
{
    uint8_t *copy = copy_exact(data, len);
    err[0] = '\0';
    int ret = fs_archive_list(copy, len, "plain.fio", files, max, count, err, sizeof err);
    free(copy);
    return ret;
}

static void expect_error(const uint8_t *data, size_t len, const char *message)
{
    size_t count = 99;
    if (list_exact(data, len, 16, &count) != -1)
        fail_msg("listed %zu files, but should fail with \"%s\"", count, message);
    assert_string_equal(err, message);
    assert_int_equal(count, 0);
}

static void expect_file(const struct fs_file *f, const char *name, const char *same_as_path)
{
    assert_string_equal(f->name, name);
    size_t len;
    uint8_t *want = test_read_file(same_as_path, &len);
    assert_int_equal(f->size, len);
    assert_memory_equal(f->data, want, len);
    free(want);
}

static void expect_small_file(const struct fs_file *f, const char *name, const char *content)
{
    assert_string_equal(f->name, name);
    assert_int_equal(f->size, strlen(content));
    assert_memory_equal(f->data, content, f->size);
}

static void put_hex(uint8_t *header, unsigned field, uint32_t value)
{
    char buf[9];
    snprintf(buf, sizeof buf, "%08X", value);
    memcpy(header + 6 + field * 8, buf, 8);
}

/* ustar: the checksum is the sum of the header's bytes with the field itself as spaces. */
static void fix_tar_checksum(uint8_t *header)
{
    memset(header + 148, ' ', 8);
    unsigned sum = 0;
    for (unsigned i = 0; i < 512; i++)
        sum += header[i];
    char buf[8];
    snprintf(buf, sizeof buf, "%06o", sum);
    memcpy(header + 148, buf, 7); /* six digits and a NUL, then the space */
}

static void test_format_by_magic(void **state)
{
    (void)state;
    size_t len;
    uint8_t *cpio = test_read_file("tests/data/fs/jobs.cpio", &len);
    assert_int_equal(fs_archive_format(cpio, len), FS_CPIO_NEWC);
    assert_int_equal(fs_archive_format(cpio, 5), FS_PLAIN); /* too short for the magic */
    free(cpio);
    uint8_t *crc = test_read_file("tests/data/fs/jobs-crc.cpio", &len);
    assert_memory_equal(crc, "070702", 6);
    assert_int_equal(fs_archive_format(crc, len), FS_CPIO_NEWC);
    free(crc);
    uint8_t *tar = test_read_file("tests/data/fs/jobs.tar", &len);
    assert_int_equal(fs_archive_format(tar, len), FS_USTAR);
    assert_int_equal(fs_archive_format(tar, 511), FS_PLAIN);
    free(tar);
    uint8_t *job = test_read_file("tests/data/jobs/two-jobs.fio", &len);
    assert_int_equal(fs_archive_format(job, len), FS_PLAIN);
    free(job);
    assert_int_equal(fs_archive_format((const uint8_t *)"", 0), FS_PLAIN);
    assert_string_equal(fs_format_name(FS_PLAIN), "plain file");
    assert_string_equal(fs_format_name(FS_CPIO_NEWC), "cpio newc");
    assert_string_equal(fs_format_name(FS_USTAR), "ustar");
}

static void expect_the_five_files(const struct fs_file *f, size_t count)
{
    assert_int_equal(count, 5);
    expect_file(&f[0], LONG_NAME, "tests/data/jobs/bad-bs.fio");
    expect_small_file(&f[1], "jobs/empty", "");
    expect_file(&f[2], "jobs/null.fio", "tests/data/jobs/fio-examples/null.fio");
    expect_small_file(&f[3], "jobs/one-byte", "x");
    expect_file(&f[4], "jobs/two-jobs.fio", "tests/data/jobs/two-jobs.fio");
}

static void test_cpio_newc(void **state)
{
    (void)state;
    size_t len, count = 0;
    uint8_t *cpio = test_read_file("tests/data/fs/jobs.cpio", &len);
    assert_int_equal(fs_archive_list(cpio, len, "unused", files, 16, &count, err, sizeof err), 0);
    /* ".", the directories and the symlink are left out. */
    expect_the_five_files(files, count);
    assert_ptr_equal(files[2].data, cpio + CPIO_NULL_AT + 110 + 14); /* "jobs/null.fio\0": 124, a multiple of 4 */
    free(cpio);
}

static void test_cpio_crc(void **state)
{
    (void)state;
    size_t len, count = 0;
    uint8_t *crc = test_read_file("tests/data/fs/jobs-crc.cpio", &len);
    assert_int_equal(list_exact(crc, len, 16, &count), 0);
    expect_the_five_files(files, count);
    /* The same layout as jobs.cpio: change a byte of null.fio's data and the sum no longer matches. */
    crc[CPIO_NULL_AT + 110 + 14] ^= 1; /* '[' (0x5b) becomes 'Z' */
    expect_error(crc, len, "cpio entry 'jobs/null.fio' at 0x540: checksum 0x00001dd3, the data sums to 0x00001dd2");
    free(crc);
}

static void test_ustar(void **state)
{
    (void)state;
    size_t len, count = 0;
    uint8_t *tar = test_read_file("tests/data/fs/jobs.tar", &len);
    assert_int_equal(list_exact(tar, len, 16, &count), 0);
    assert_int_equal(count, 5);
    /* tar order; "./" dropped; the long name joined from the prefix and name fields. */
    expect_small_file(&files[0], "jobs/empty", "");
    expect_file(&files[1], "jobs/null.fio", "tests/data/jobs/fio-examples/null.fio");
    expect_small_file(&files[2], "jobs/one-byte", "x");
    expect_file(&files[3], "jobs/two-jobs.fio", "tests/data/jobs/two-jobs.fio");
    expect_file(&files[4], LONG_NAME, "tests/data/jobs/bad-bs.fio");
    assert_memory_equal(tar + TAR_LONG_NAME_AT + 345, "./" LONG_DIR, sizeof "./" LONG_DIR);

    /* Only the first zero block is needed; what follows it is not read. */
    assert_int_equal(list_exact(tar, TAR_END + 512, 16, &count), 0);
    assert_int_equal(count, 5);
    free(tar);
}

static void test_plain_module(void **state)
{
    (void)state;
    size_t len, count = 0;
    uint8_t *job = test_read_file("tests/data/jobs/two-jobs.fio", &len);
    assert_int_equal(list_exact(job, len, 16, &count), 0);
    assert_int_equal(count, 1);
    assert_string_equal(files[0].name, "plain.fio");
    assert_int_equal(files[0].size, len);
    free(job);
    assert_int_equal(list_exact((const uint8_t *)"", 0, 16, &count), 0);
    assert_int_equal(count, 1);
    assert_int_equal(files[0].size, 0);
    assert_int_equal(list_exact((const uint8_t *)"x", 1, 0, &count), -1);
    assert_string_equal(err, "entry 'plain.fio' at 0x0: more than 0 files in the archive");

    /* What a job file cannot start with: say what to do instead. */
    expect_error((const uint8_t *)"070707000001", 12,
                 "module 'plain.fio' is an old (odc) cpio archive: make it with cpio -H newc");
    expect_error((const uint8_t *)"\x1f\x8b\x08\x00", 4,
                 "module 'plain.fio' is gzip-compressed: lunbench reads uncompressed cpio newc, ustar or plain files");
    expect_error((const uint8_t *)"\xfd" "7zXZ\0", 6,
                 "module 'plain.fio' is xz-compressed: lunbench reads uncompressed cpio newc, ustar or plain files");
    expect_error((const uint8_t *)"\x28\xb5\x2f\xfd", 4,
                 "module 'plain.fio' is zstd-compressed: lunbench reads uncompressed cpio newc, ustar or plain files");
}

/* Every cut before the end of the trailer entry fails, without reading past the cut. */
static void test_cpio_truncated(void **state)
{
    (void)state;
    size_t len, count;
    uint8_t *cpio = test_read_file("tests/data/fs/jobs.cpio", &len);
    for (size_t cut = 0; cut < 6; cut++) { /* too short for the magic: a plain file */
        assert_int_equal(list_exact(cpio, cut, 16, &count), 0);
        assert_int_equal(count, 1);
    }
    for (size_t cut = 6; cut < CPIO_END; cut++) {
        if (list_exact(cpio, cut, 16, &count) != -1)
            fail_msg("cut at %zu of %zu bytes was listed", cut, len);
    }
    for (size_t cut = CPIO_END; cut <= len; cut++)
        assert_int_equal(list_exact(cpio, cut, 16, &count), 0);
    expect_error(cpio, CPIO_TRAILER_AT, "cpio archive ends at 0x8e4 without its TRAILER!!! entry (truncated?)");
    expect_error(cpio, CPIO_TRAILER_AT + 109, "cpio header at 0x8e4: truncated (the archive ends inside it)");
    expect_error(cpio, CPIO_TRAILER_AT + 115, "cpio header at 0x8e4: namesize 0xb runs past the end of the archive");
    expect_error(cpio, CPIO_TWO_JOBS_AT + 110 + 18 + 461,
                 "cpio entry 'jobs/two-jobs.fio' at 0x694: filesize 0x1ce runs past the end of the archive");
    free(cpio);
}

static void test_tar_truncated(void **state)
{
    (void)state;
    size_t len, count;
    uint8_t *tar = test_read_file("tests/data/fs/jobs.tar", &len);
    for (size_t cut = 512; cut < TAR_END + 512; cut++) {
        if (list_exact(tar, cut, 16, &count) != -1)
            fail_msg("cut at %zu of %zu bytes was listed", cut, len);
    }
    expect_error(tar, TAR_END, "tar archive ends at 0x1c00 without its zero end blocks (truncated?)");
    expect_error(tar, TAR_END + 511, "tar header at 0x1c00: truncated (the archive ends inside it)");
    expect_error(tar, TAR_TWO_JOBS_AT + 512 + 461,
                 "tar entry './jobs/two-jobs.fio' at 0xe00: size 462 runs past the end of the archive");
    free(tar);
}

static void test_cpio_lying_fields(void **state)
{
    (void)state;
    size_t len;
    uint8_t *cpio = test_read_file("tests/data/fs/jobs.cpio", &len);
    uint8_t *bad = copy_exact(cpio, len);

    put_hex(bad + CPIO_TWO_JOBS_AT, 6, 0xfffffff0); /* filesize */
    expect_error(bad, len,
                 "cpio entry 'jobs/two-jobs.fio' at 0x694: filesize 0xfffffff0 runs past the end of the archive");
    /* One byte more than there is: the file would end past the archive. */
    memcpy(bad, cpio, len);
    put_hex(bad + CPIO_TWO_JOBS_AT, 6, (uint32_t)(len - (CPIO_TWO_JOBS_AT + 128) + 1));
    expect_error(bad, len, "cpio entry 'jobs/two-jobs.fio' at 0x694: filesize 0x2ed runs past the end of the archive");
    /* A size that stays inside the archive but lands mid-entry: the next header is garbage. */
    memcpy(bad, cpio, len);
    put_hex(bad + CPIO_NULL_AT, 6, 0x5a); /* was 0x55: the next entry now starts at 0x618, not 0x614 */
    expect_error(bad, len, "cpio header at 0x618: bad magic (not 070701 or 070702)");

    memcpy(bad, cpio, len);
    put_hex(bad + CPIO_NULL_AT, 11, 0xffffffff); /* namesize */
    expect_error(bad, len, "cpio header at 0x540: namesize 0xffffffff runs past the end of the archive");
    memcpy(bad, cpio, len);
    put_hex(bad + CPIO_NULL_AT, 11, 0);
    expect_error(bad, len, "cpio header at 0x540: namesize 0x0 runs past the end of the archive");
    memcpy(bad, cpio, len);
    put_hex(bad + CPIO_NULL_AT, 11, 13); /* one short: the last byte is 'o', not the NUL */
    expect_error(bad, len, "cpio header at 0x540: the name is not namesize-1 characters and a NUL");
    memcpy(bad, cpio, len);
    bad[CPIO_NULL_AT + 110 + 4] = '\0'; /* a NUL inside the name */
    expect_error(bad, len, "cpio header at 0x540: the name is not namesize-1 characters and a NUL");

    memcpy(bad, cpio, len);
    memcpy(bad + CPIO_NULL_AT + 14, "0001G1A4", 8); /* mode */
    expect_error(bad, len, "cpio header at 0x540: field 'mode' is not 8 hex digits");
    memcpy(bad, cpio, len);
    memcpy(bad + CPIO_NULL_AT + 102, "-0000001", 8);
    expect_error(bad, len, "cpio header at 0x540: field 'check' is not 8 hex digits");

    /* A bad magic in the middle of the archive. */
    memcpy(bad, cpio, len);
    memcpy(bad + CPIO_EMPTY_AT, "070707", 6);
    expect_error(bad, len, "cpio header at 0x43c: bad magic (not 070701 or 070702)");

    /* "./" is dropped from names (GNU cpio already drops it when it writes). */
    memcpy(bad, cpio, len);
    memcpy(bad + CPIO_EMPTY_AT + 110, "./bs/empty", 10);
    size_t count = 0;
    assert_int_equal(list_exact(bad, len, 16, &count), 0);
    assert_string_equal(files[1].name, "bs/empty");
    /* A name that is only "./". */
    memcpy(bad + CPIO_EMPTY_AT + 110, "./././././", 10);
    expect_error(bad, len, "entry at 0x43c: name of 0 characters (1 to 255 without './')");
    free(bad);
    free(cpio);
}

static void test_cpio_after_the_trailer(void **state)
{
    (void)state;
    size_t len, crc_len, count = 0;
    uint8_t *cpio = test_read_file("tests/data/fs/jobs.cpio", &len);
    uint8_t *crc = test_read_file("tests/data/fs/jobs-crc.cpio", &crc_len);

    /* Two archives back to back (an initramfs may be): a later file replaces one of the same name. */
    uint8_t *both = malloc(len + crc_len);
    assert_non_null(both);
    memcpy(both, cpio, len);
    memcpy(both + len, crc, crc_len);
    uint8_t *copy = copy_exact(both, len + crc_len);
    assert_int_equal(fs_archive_list(copy, len + crc_len, "x", files, 16, &count, err, sizeof err), 0);
    expect_the_five_files(files, count);
    assert_true(files[0].data > copy + len);
    free(copy);
    /* Only 5 distinct names: 5 slots are enough. */
    assert_int_equal(list_exact(both, len + crc_len, 5, &count), 0);
    assert_int_equal(list_exact(both, len + crc_len, 4, &count), -1);
    assert_string_equal(err, "entry 'jobs/two-jobs.fio' at 0x694: more than 4 files in the archive");

    /* Anything else after the trailer is an error. */
    memcpy(both + CPIO_END + 8, "junk", 4);
    expect_error(both, CPIO_END + 12, "cpio archive: bytes after TRAILER!!! at 0x968 that are not another archive");
    free(both);
    free(crc);
    free(cpio);
}

static void test_tar_lying_fields(void **state)
{
    (void)state;
    size_t len;
    uint8_t *tar = test_read_file("tests/data/fs/jobs.tar", &len);
    uint8_t *bad = copy_exact(tar, len);

    memcpy(bad + TAR_TWO_JOBS_AT + 124, "77777777777", 11);
    fix_tar_checksum(bad + TAR_TWO_JOBS_AT);
    expect_error(bad, len,
                 "tar entry './jobs/two-jobs.fio' at 0xe00: size 8589934591 runs past the end of the archive");
    /* The checksum is checked before any field is believed. */
    memcpy(bad, tar, len);
    memcpy(bad + TAR_TWO_JOBS_AT + 124, "00000017777", 11);
    expect_error(bad, len, "tar header at 0xe00: checksum 12576, the header sums to 12615");
    /* One byte more than there is. */
    memcpy(bad, tar, len);
    snprintf((char *)bad + TAR_LONG_NAME_AT + 124, 12, "%011o", (unsigned)(len - TAR_LONG_NAME_AT - 512 + 1));
    fix_tar_checksum(bad + TAR_LONG_NAME_AT);
    expect_error(bad, len, /* a long name is cut to its first 60 characters */
                 "tar entry './benchmarks-for-the-virtio-scsi-path/a-directory-name-long-' at 0x1800: size 1537 runs "
                 "past the end of the archive");
    /* A size that is not octal. */
    memcpy(bad, tar, len);
    memcpy(bad + TAR_NULL_AT + 124, "0000000008", 10);
    fix_tar_checksum(bad + TAR_NULL_AT);
    expect_error(bad, len, "tar entry './jobs/null.fio' at 0x600: bad size field");
    /* GNU's base-256 size, for files over 8 GiB. */
    memcpy(bad, tar, len);
    bad[TAR_NULL_AT + 124] = 0x80;
    fix_tar_checksum(bad + TAR_NULL_AT);
    expect_error(bad, len, "tar entry './jobs/null.fio' at 0x600: base-256 size (a file over 8 GiB?) is not supported");
    /* A pax extended header. */
    memcpy(bad, tar, len);
    bad[TAR_NULL_AT + 156] = 'x';
    fix_tar_checksum(bad + TAR_NULL_AT);
    expect_error(bad, len,
                 "tar entry './jobs/null.fio' at 0x600: type 'x' (pax or GNU extended header) is not supported; make "
                 "the archive with tar --format=ustar");
    /* A bad magic in the middle; a bad checksum field. */
    memcpy(bad, tar, len);
    memcpy(bad + TAR_NULL_AT + 257, "USTAR", 5);
    expect_error(bad, len, "tar header at 0x600: bad magic (not ustar)");
    memcpy(bad, tar, len);
    memcpy(bad + TAR_NULL_AT + 148, "        ", 8);
    expect_error(bad, len, "tar header at 0x600: bad checksum field");

    /* A 100-character name with no NUL, and a '0' (pre-POSIX NUL) typeflag. */
    memcpy(bad, tar, len);
    memset(bad + TAR_NULL_AT, 'n', 100);
    bad[TAR_NULL_AT + 156] = '\0';
    fix_tar_checksum(bad + TAR_NULL_AT);
    size_t count = 0;
    assert_int_equal(list_exact(bad, len, 16, &count), 0);
    assert_int_equal(strlen(files[1].name), 100);
    assert_int_equal(files[1].size, 85);
    free(bad);
    free(tar);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_by_magic),
        cmocka_unit_test(test_cpio_newc),
        cmocka_unit_test(test_cpio_crc),
        cmocka_unit_test(test_ustar),
        cmocka_unit_test(test_plain_module),
        cmocka_unit_test(test_cpio_truncated),
        cmocka_unit_test(test_tar_truncated),
        cmocka_unit_test(test_cpio_lying_fields),
        cmocka_unit_test(test_cpio_after_the_trailer),
        cmocka_unit_test(test_tar_lying_fields),
    };
    return cmocka_run_group_tests_name("archive", tests, NULL, NULL);
}
