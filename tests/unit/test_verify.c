/* verify= methods (bench/stamp.h): each method's stamp and digest layout, what each kind of damage
 * reads as, meta's and pattern's verify_pattern; and against the fake HBA, verify=md5/sha1/sha256/
 * xxhash jobs, verify_backlog's read-back between the writes, verify_fatal ending the job at the
 * first bad block, verify_dump's bounded hex dump, surface-scan.fio's verify=meta with a pattern
 * after fill_device, verify=pattern, and verify_interval against the LUNs' block sizes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/engine.h"
#include "bench/stamp.h"
#include "bench/targets.h"
#include "bench/worker.h"
#include "drivers/scsi/scsi.h"
#include "lib/md5.h"
#include "lib/sha256.h"
#include "lib/xxhash32.h"
#include "tests/unit/bench_fixture.h"
#include "tests/unit/fake_hba.h"
#include "tests/unit/test_support.h"

#define LUN_BLOCKS 2048
#define TIMEOUT 100000
#define MAX_OPS 4096

struct fixture {
    struct bench_fixture b;
    uint8_t ops[MAX_OPS]; /* the READ(10) and WRITE(10) the fake was sent, in order */
    uint32_t lbas[MAX_OPS];
    unsigned n_ops;
};

BENCH_FIXTURE_SETUP_TEARDOWN(struct fixture)

static void record(struct fake_hba *f, const struct hba_cmd *c, void *ctx)
{
    (void)f;
    struct fixture *x = ctx;
    if (x->n_ops < MAX_OPS && (c->cdb[0] == SCSI_OP_READ10 || c->cdb[0] == SCSI_OP_WRITE10)) {
        x->lbas[x->n_ops] = scsi_get_be32(c->cdb + 2);
        x->ops[x->n_ops++] = c->cdb[0];
    }
}

static void stored_luns(struct fixture *x, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        fake_lun_store(fake_hba_add_lun(&x->b.f, 0, (uint16_t)i, LUN_BLOCKS));
    bench_fixture_discover(&x->b, TIMEOUT, fake_clock_now);
    x->b.f.on_submit = record;
    x->b.f.ctx = x;
}

static int run(struct fixture *x, const char *text) { return bench_fixture_run(&x->b, text); }

/* verify=meta: the stamp, its CRC over itself only, then the pattern at the block's phase, checked
 * where there is one (fio's VERIFY_HDR_ONLY); verify=pattern: the whole block is the pattern (fio's
 * VERIFY_PATTERN_NO_HDR), checked byte for byte. */
static void test_meta_and_pattern_blocks(void **state)
{
    (void)state;
    const struct stamp_id id = { 0, 1, 2 };
    static const uint8_t four[] = { 0xaa, 0x55, 0x5a, 0xa5 }, three[] = { 1, 2, 3 };
    const struct stamp_pattern p4 = { four, sizeof four }, p3 = { three, sizeof three };
    uint8_t block[512];
    stamp_fill(block, sizeof block, id, 40, 7, STAMP_META, &p4);
    assert_int_equal(block[0], STAMP_META);
    assert_int_equal(stamp_digest_len(STAMP_META), 0);
    for (size_t o = sizeof(struct stamp); o < sizeof block; o++)
        assert_int_equal(block[o], four[o % 4]);
    assert_int_equal(stamp_check(block, sizeof block, id, 40, 7, STAMP_META, &p4), STAMP_OK);
    assert_int_equal(stamp_check(block, sizeof block, id, 41, 7, STAMP_META, &p4), STAMP_WRONG_BLOCK);
    assert_int_equal(stamp_check(block, sizeof block, id, 40, 7, STAMP_CRC32C, &p4), STAMP_OTHER_METHOD);
    block[300] ^= 0x10; /* the data: the pattern says, the stamp's CRC does not cover it */
    assert_int_equal(stamp_check(block, sizeof block, id, 40, 7, STAMP_META, &p4), STAMP_BAD_PATTERN);
    assert_int_equal(stamp_check(block, sizeof block, id, 40, 7, STAMP_META, NULL), STAMP_OK); /* header only */
    block[300] ^= 0x10;
    block[9] ^= 1; /* the stamp's LBA */
    assert_int_equal(stamp_check(block, sizeof block, id, 40, 7, STAMP_META, &p4), STAMP_BAD_CRC);
    block[9] ^= 1;
    /* Without a pattern, meta's data is lunbench's own and only the header is checked. */
    stamp_fill(block, sizeof block, id, 40, 7, STAMP_META, NULL);
    assert_int_equal(stamp_check(block, sizeof block, id, 40, 7, STAMP_META, NULL), STAMP_OK);
    assert_int_equal(stamp_check(block, sizeof block, id, 40, 7, STAMP_META, &p4), STAMP_BAD_PATTERN);

    stamp_fill(block, sizeof block, id, 40, 7, STAMP_PATTERN, &p3);
    for (size_t o = 0; o < sizeof block; o++)
        assert_int_equal(block[o], three[o % 3]); /* no stamp: the phase starts at the block's first byte */
    assert_int_equal(stamp_check(block, sizeof block, id, 99, 0, STAMP_PATTERN, &p3), STAMP_OK); /* no LBA in it */
    assert_int_equal(stamp_check(block, sizeof block, id, 40, 7, STAMP_PATTERN, &p4), STAMP_BAD_PATTERN);
    assert_int_equal(stamp_check(block, sizeof block, id, 40, 7, STAMP_PATTERN, NULL), STAMP_BAD_PATTERN);
    block[511] ^= 1;
    assert_int_equal(stamp_check(block, sizeof block, id, 40, 7, STAMP_PATTERN, &p3), STAMP_BAD_PATTERN);
    assert_string_equal(stamp_method_name(STAMP_META), "meta");
    assert_string_equal(stamp_method_name(STAMP_PATTERN), "pattern");
    assert_string_equal(stamp_result_name(STAMP_BAD_PATTERN), "pattern mismatch (the data is not verify_pattern)");
    /* A digest method's data is the pattern too, covered by the digest. */
    stamp_fill(block, sizeof block, id, 40, 7, STAMP_SHA1, &p4);
    for (size_t o = sizeof(struct stamp) + 20; o < sizeof block; o++)
        assert_int_equal(block[o], four[o % 4]);
    assert_int_equal(stamp_check(block, sizeof block, id, 40, 7, STAMP_SHA1, &p4), STAMP_OK);
}

/* surface-scan.fio against the fake: a write phase with fill_device (size= ignored: the whole LUN)
 * and do_verify=0, then a read phase that checks every block's stamp and pattern. Damage in the
 * data fails the read phase as a pattern mismatch. */
static void test_surface_scan(void **state)
{
    struct fixture *x = *state;
    stored_luns(x, 2);
    static const char *const global = "[global]\nthread\nbs=64k\ndirect=1\nioengine=sync\nverify=meta\n"
                                      "verify_pattern=0xaa555aa5\nverify_interval=512\n";
    char text[400];
    snprintf(text, sizeof text, "%s[write-phase]\nfilename=datafile.tmp\nrw=write\nfill_device=1\ndo_verify=0\n"
             "size=64k\nluns=all\n", global);
    assert_int_equal(run(x, text), 0);
    const uint64_t lun_bytes = (uint64_t)LUN_BLOCKS * 512;
    assert_int_equal(x->b.r.dir[DIR_WRITE].bytes, 2 * lun_bytes); /* every byte of both LUNs */
    assert_int_equal(x->b.r.verify_blocks, 0);                     /* do_verify=0 */
    const uint8_t *data = x->b.f.luns[1]->data;
    static const uint8_t pattern[] = { 0xaa, 0x55, 0x5a, 0xa5 };
    for (uint64_t b = 0; b < LUN_BLOCKS; b += 97) {
        assert_int_equal(data[b * 512], STAMP_META);
        assert_memory_equal(data + b * 512 + 32, pattern, 4);
        assert_memory_equal(data + b * 512 + 508, pattern, 4);
    }
    snprintf(text, sizeof text, "%s[verify-phase]\nstonewall\ncreate_serialize=0\nfilename=datafile.tmp\n"
             "rw=read\ndo_verify=1\nluns=all\n", global);
    assert_int_equal(run(x, text), 0);
    assert_int_equal(x->b.r.verify_blocks, 2 * LUN_BLOCKS);
    assert_int_equal(x->b.r.verify_failures, 0);
    x->b.f.twists[0] = (struct fake_twist){ .kind = TWIST_BYTE, .opcode = SCSI_OP_READ10, .at = { -1, -1 },
                                            .offset = 700, .value = 0x00 };
    assert_int_equal(run(x, text), 0);
    assert_int_equal(x->b.r.verify_failures, 2 * LUN_BLOCKS / 128); /* block 1 of each 64k read */
}

/* verify=pattern: nothing but the pattern on the LUN, checked by the job's read-back and by a
 * read job; a block that is not the pattern fails. */
static void test_verify_pattern_job(void **state)
{
    struct fixture *x = *state;
    stored_luns(x, 1);
    assert_int_equal(run(x, "[p]\nrw=write\nbs=4k\nsize=64k\nverify=pattern\nverify_pattern=\"ab\"0x01\n"), 0);
    assert_int_equal(x->b.r.verify_failures, 0);
    assert_int_equal(x->b.r.verify_blocks, 128);
    const uint8_t *data = x->b.f.luns[0]->data;
    assert_memory_equal(data, "ab\001ab\001", 6);
    assert_int_equal(run(x, "[r]\nrw=read\nbs=4k\nsize=64k\nverify=pattern\nverify_pattern=\"ab\"0x01\n"), 0);
    assert_int_equal(x->b.r.verify_blocks, 128);
    /* Blocks past what was written hold zeros: not the pattern. */
    assert_int_equal(run(x, "[r]\nrw=read\nbs=4k\noffset=64k\nsize=4k\nverify=pattern\nverify_pattern=7\n"), 0);
    assert_int_equal(x->b.r.verify_failures, 8);
}

/* verify_interval: a whole number of a LUN's blocks, or the LUN is left out (named); a job with no
 * LUN left is refused before any I/O. */
static void test_verify_interval_against_block_sizes(void **state)
{
    struct fixture *x = *state;
    struct fake_lun *big = fake_hba_add_lun(&x->b.f, 0, 0, 256);
    big->block_size = 4096;
    fake_lun_store(big);
    fake_lun_store(fake_hba_add_lun(&x->b.f, 0, 1, LUN_BLOCKS));
    bench_fixture_discover(&x->b, TIMEOUT, fake_clock_now);
    bench_fixture_parse(&x->b, "[v]\nrw=write\nbs=8k\nsize=64k\nverify=md5\nverify_interval=512\n");
    char err[300];
    /* Over both LUNs the 4096-byte one is left out; over it alone the job is refused. */
    assert_int_equal(targets_check(&x->b.job, &x->b.env, err, sizeof err), 0);
    bench_fixture_parse(&x->b, "[v]\nrw=write\nbs=8k\nsize=64k\nverify=md5\nverify_interval=512\nluns=0:0:0\n");
    assert_int_equal(targets_check(&x->b.job, &x->b.env, err, sizeof err), -1);
    assert_string_equal(err, "job 'v': no LUN it selects can run it (1 left out; LUN 0:0:0: verify_interval=512 is not "
                             "a multiple of its 4096-byte blocks (lunbench stamps and checks each logical block))");
    assert_int_equal(run(x, "[v]\nrw=write\nbs=8k\nsize=64k\nverify=md5\nverify_interval=512\n"), 0);
    assert_int_equal(x->b.r.lun_count, 1);
    assert_int_equal(x->b.f.luns[0]->writes, 0); /* left out */
    assert_int_equal(x->b.r.verify_blocks, 128);
    assert_int_equal(run(x, "[v]\nrw=write\nbs=8k\nsize=64k\nverify=md5\nverify_interval=8k\n"), 0);
    assert_int_equal(x->b.r.verify_failures, 0);
    assert_int_equal(x->b.r.verify_blocks, 16 + 128); /* 64k of each: 4096- and 512-byte blocks */
}

/* Each method's block: the stamp, then (digest methods) the digest of the rest, the stamp's CRC
 * over the stamp and digest; damage in the data, in the stamp, a wrong LBA, another method. */
static void test_stamp_methods(void **state)
{
    (void)state;
    const struct stamp_id id = { 1, 2, 300 };
    static const enum stamp_method all[] = { STAMP_CRC32C, STAMP_MD5, STAMP_SHA1, STAMP_SHA256, STAMP_XXHASH };
    static const size_t lens[] = { 0, 16, 20, 32, 4 };
    uint8_t block[512];
    for (size_t i = 0; i < 5; i++) {
        enum stamp_method m = all[i];
        assert_int_equal(stamp_digest_len(m), lens[i]);
        stamp_fill(block, sizeof block, id, 77, 5, m, NULL);
        assert_int_equal(block[0], (uint8_t)m); /* the magic's low byte */
        assert_memory_equal(block + 1, "LUNBRCH", 7);
        assert_int_equal(stamp_check(block, sizeof block, id, 77, 5, m, NULL), STAMP_OK);
        assert_int_equal(stamp_check(block, sizeof block, id, 78, 5, m, NULL), STAMP_WRONG_BLOCK);
        assert_int_equal(stamp_check(block, sizeof block, id, 77, 6, m, NULL), STAMP_OLD_GENERATION);
        assert_int_equal(stamp_check(block, sizeof block, id, 77, 5, all[(i + 1) % 5], NULL), STAMP_OTHER_METHOD);
        block[400] ^= 1; /* the data */
        assert_int_equal(stamp_check(block, sizeof block, id, 77, 5, m, NULL), m == STAMP_CRC32C ? STAMP_BAD_CRC : STAMP_BAD_DIGEST);
        block[400] ^= 1;
        block[16] ^= 1; /* the stamp's generation */
        assert_int_equal(stamp_check(block, sizeof block, id, 77, 5, m, NULL), STAMP_BAD_CRC);
        block[16] ^= 1;
        if (lens[i] != 0) {
            block[32] ^= 1; /* the digest: the stamp's CRC covers it */
            assert_int_equal(stamp_check(block, sizeof block, id, 77, 5, m, NULL), STAMP_BAD_CRC);
            block[32] ^= 1;
        }
        assert_int_equal(stamp_check(block, sizeof block, id, 77, 5, m, NULL), STAMP_OK);
    }
    /* The digest is the method's own over the bytes after it (docs/jobs.md's layout). */
    uint8_t d[32];
    stamp_fill(block, sizeof block, id, 9, 1, STAMP_MD5, NULL);
    md5(block + 48, sizeof block - 48, d);
    assert_memory_equal(block + 32, d, 16);
    stamp_fill(block, sizeof block, id, 9, 1, STAMP_SHA256, NULL);
    sha256(block + 64, sizeof block - 64, d);
    assert_memory_equal(block + 32, d, 32);
    stamp_fill(block, sizeof block, id, 9, 1, STAMP_XXHASH, NULL);
    uint32_t h = xxh32(block + 36, sizeof block - 36, 1);
    assert_memory_equal(block + 32, &h, 4);
    assert_string_equal(stamp_method_name(STAMP_SHA1), "sha1");
}

static void test_each_method_verifies_a_random_write_job(void **state)
{
    struct fixture *x = *state;
    stored_luns(x, 2);
    static const char *const methods[] = { "md5", "sha1", "sha256", "xxhash", "crc32c" };
    for (size_t i = 0; i < 5; i++) {
        char text[160];
        snprintf(text, sizeof text, "[v]\nrw=randwrite\nbs=8k\nsize=128k\niodepth=4\nverify=%s\n", methods[i]);
        assert_int_equal(run(x, text), 0);
        assert_int_equal(x->b.r.dir[DIR_WRITE].ios, 32);
        assert_true(x->b.r.verify_blocks >= 16 * 2); /* at least each written unit's blocks */
        assert_int_equal(x->b.r.verify_failures, 0);
    }
    /* The last job's blocks carry crc32c's stamps; an md5 read job finds them of another method. */
    assert_int_equal(run(x, "[r]\nrw=read\nbs=4k\nsize=4k\nverify=md5\nluns=0:0:0\n"), 0);
    assert_int_equal(x->b.r.verify_failures, 8); /* no block of the first 4k is an md5 stamp */
}

/* verify_backlog=8: after every 8 writes, the job reads those 8 back before it writes more, and
 * the read-back at the end reads only what was not checked yet. */
static void test_verify_backlog_reads_back_between_writes(void **state)
{
    struct fixture *x = *state;
    stored_luns(x, 1);
    assert_int_equal(run(x, "[v]\nrw=randwrite\nbs=4k\nsize=128k\niodepth=1\nverify=sha256\nverify_backlog=8\n"), 0);
    const struct job_result *r = &x->b.r;
    assert_int_equal(r->dir[DIR_WRITE].ios, 32);
    assert_int_equal(r->verify_failures, 0);
    unsigned writes = 0, reads = 0, run_of_writes = 0;
    for (unsigned i = 0; i < x->n_ops; i++) {
        if (x->ops[i] == SCSI_OP_WRITE10) {
            writes++;
            run_of_writes++;
            assert_true(run_of_writes <= 8);
        } else {
            reads++;
            run_of_writes = 0;
            /* each read is of a block written since the last read-back */
            bool written = false;
            for (unsigned k = 0; k < i; k++)
                written |= x->ops[k] == SCSI_OP_WRITE10 && x->lbas[k] == x->lbas[i];
            assert_true(written);
        }
    }
    assert_int_equal(writes, 32);
    assert_int_equal(reads, 32); /* 4 read-backs of 8; nothing left for the end (distinct blocks or not) */
    assert_int_equal(r->verify_blocks, 32 * 8);
}

/* Every block read back is damaged (the fake flips a byte of each READ's data): without
 * verify_fatal every block fails and the job runs on; with it the first failure ends the job. */
static void test_verify_fatal_stops_at_the_first_bad_block(void **state)
{
    struct fixture *x = *state;
    stored_luns(x, 1);
    x->b.f.twists[0] = (struct fake_twist){ .kind = TWIST_BYTE, .opcode = SCSI_OP_READ10, .at = { -1, -1 },
                                            .offset = 300, .value = 0x5a };
    assert_int_equal(run(x, "[v]\nrw=write\nbs=4k\nsize=32k\nverify=md5\n"), 0);
    assert_int_equal(x->b.r.verify_failures, 8); /* one bad 512-byte block in each 4k read */
    assert_false(x->b.r.stopped);
    assert_int_equal(run(x, "[v]\nrw=write\nbs=4k\nsize=32k\niodepth=4\nverify=md5\nverify_fatal=1\n"), -1);
    assert_int_equal(x->b.r.verify_failures, 1);
    assert_true(x->b.r.stopped);
    /* the first read back to complete: any of the region's; reads in flight then are not checked */
    if (strncmp(x->b.r.stop_reason, "verify_fatal: LUN 0:0:0 LBA ", 28) != 0 ||
        strstr(x->b.r.stop_reason, " failed verification (digest mismatch") == NULL)
        fail_msg("stop reason: %s", x->b.r.stop_reason);
}

/* verify_dump: the bad block in hex on the console, at most JOB_VERIFY_DUMPS blocks a job. */
static void test_verify_dump_is_bounded(void **state)
{
    struct fixture *x = *state;
    stored_luns(x, 1);
    x->b.f.twists[0] = (struct fake_twist){ .kind = TWIST_BYTE, .opcode = SCSI_OP_READ10, .at = { -1, -1 },
                                            .offset = 17, .value = 0xee };
    fflush(stdout);
    FILE *capture = tmpfile();
    assert_non_null(capture);
    int saved = dup(1);
    dup2(fileno(capture), 1);
    int rc = run(x, "[v]\nrw=write\nbs=4k\nsize=32k\nverify=xxhash\nverify_dump=1\n");
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    assert_int_equal(rc, 0);
    assert_int_equal(x->b.r.verify_failures, 8);
    rewind(capture);
    char line[256];
    unsigned headers = 0, rows = 0, more = 0;
    while (fgets(line, sizeof line, capture) != NULL) {
        headers += strstr(line, "verify_dump: LUN 0:0:0 LBA ") != NULL && strstr(line, "the first 512 of its 512 bytes") != NULL;
        rows += strncmp(line, "  0", 3) == 0 && strchr(line, '|') != NULL;
        more += strstr(line, "verify_dump: more bad blocks; only the first 4 are shown") != NULL;
        if (strncmp(line, "  0010 ", 7) == 0 && headers == 1)
            assert_non_null(strstr(line, " ee ")); /* byte 17, as the fake left it */
    }
    fclose(capture);
    assert_int_equal(headers, JOB_VERIFY_DUMPS);
    assert_int_equal(rows, JOB_VERIFY_DUMPS * 32); /* 512 bytes, 16 a row */
    assert_int_equal(more, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stamp_methods),
        cmocka_unit_test(test_meta_and_pattern_blocks),
        cmocka_unit_test_setup_teardown(test_surface_scan, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_pattern_job, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_interval_against_block_sizes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_each_method_verifies_a_random_write_job, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_backlog_reads_back_between_writes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_fatal_stops_at_the_first_bad_block, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_dump_is_bounded, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
