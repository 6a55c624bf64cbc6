/* rw=trim, randtrim, trimwrite and randtrimwrite against the fake HBA: each trim an UNMAP of the
 * I/O's range (one block descriptor, SBC-4 5.31), only to LUNs whose page B2 says LBPU and within
 * page B0's MAXIMUM UNMAP LBA COUNT, each LUN refused with its reason otherwise; fio's trim
 * direction in the results; trimwrite's write of each range after its trim. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/engine.h"
#include "bench/targets.h"
#include "bench/worker.h"
#include "drivers/hba/discovery.h"
#include "drivers/scsi/scsi.h"
#include "tests/unit/bench_fixture.h"
#include "tests/unit/fake_hba.h"
#include "tests/unit/test_support.h"

#define LUN_BLOCKS 2048 /* 1 MiB LUNs of 512-byte blocks */
#define TIMEOUT 100000
#define MAX_SEEN 4096

/* What the fake was sent, in order: each UNMAP's descriptors and each WRITE's range. */
struct seen {
    uint8_t op;
    uint16_t lun;
    uint64_t lba;
    uint32_t blocks;
    unsigned descriptors;
    uint16_t param_len, data_len;
};

struct fixture {
    struct bench_fixture b;
    struct seen seen[MAX_SEEN];
    unsigned n_seen;
};

BENCH_FIXTURE_SETUP_TEARDOWN(struct fixture)

static void record(struct fake_hba *f, const struct hba_cmd *c, void *ctx)
{
    (void)f;
    struct fixture *x = ctx;
    if (x->n_seen == MAX_SEEN || (c->cdb[0] != SCSI_OP_UNMAP && c->cdb[0] != SCSI_OP_WRITE10 &&
                                  c->cdb[0] != SCSI_OP_READ10))
        return;
    struct seen *s = &x->seen[x->n_seen++];
    memset(s, 0, sizeof *s);
    s->op = c->cdb[0];
    s->lun = c->lun;
    if (c->cdb[0] == SCSI_OP_UNMAP) {
        const uint8_t *p = c->data;
        s->param_len = scsi_get_be16(c->cdb + 7);
        s->data_len = (uint16_t)c->data_len;
        s->descriptors = scsi_get_be16(p + 2) / 16u;
        s->lba = scsi_get_be64(p + 8);
        s->blocks = scsi_get_be32(p + 16);
        assert_int_equal(scsi_get_be16(p), s->param_len - 2); /* UNMAP DATA LENGTH */
        assert_int_equal(c->dir, HBA_DIR_OUT);
    } else {
        s->lba = scsi_get_be32(c->cdb + 2);
        s->blocks = scsi_get_be16(c->cdb + 7);
    }
}

static void luns(struct fixture *x, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        fake_hba_add_lun(&x->b.f, 0, (uint16_t)i, LUN_BLOCKS);
}

static void discover(struct fixture *x)
{
    bench_fixture_discover(&x->b, TIMEOUT, fake_clock_now);
    x->b.f.on_submit = record;
    x->b.f.ctx = x;
}

static int run(struct fixture *x, const char *text) { return bench_fixture_run(&x->b, text); }

static void test_trim_is_unmap_of_each_range_in_order(void **state)
{
    struct fixture *x = *state;
    luns(x, 1);
    discover(x);
    assert_int_equal(run(x, "[t]\nrw=trim\nbs=8k\nsize=64k\noffset=16k\n"), 0);
    const struct job_result *r = &x->b.r;
    assert_int_equal(r->dir[DIR_TRIM].ios, 8);
    assert_int_equal(r->dir[DIR_TRIM].bytes, 64 * 1024);
    assert_int_equal(r->dir[DIR_READ].ios + r->dir[DIR_WRITE].ios, 0);
    assert_int_equal(x->n_seen, 8);
    for (unsigned i = 0; i < 8; i++) {
        assert_int_equal(x->seen[i].op, SCSI_OP_UNMAP);
        assert_int_equal(x->seen[i].descriptors, 1);
        assert_int_equal(x->seen[i].param_len, 24);
        assert_int_equal(x->seen[i].data_len, 24);
        assert_int_equal(x->seen[i].lba, 32 + 16 * i); /* offset=16k is LBA 32; 8k is 16 blocks */
        assert_int_equal(x->seen[i].blocks, 16);
    }
    assert_int_equal(x->b.f.luns[0]->unmaps, 8);
    assert_int_equal(x->b.f.luns[0]->unmapped_blocks, 128);
    assert_true(r->dir[DIR_TRIM].clat.count == 8 && r->dir[DIR_TRIM].clat.min >= 20000);
}

/* A sequential job without time_based covers each LUN's region once, however unevenly the LUNs
 * answer (fio's per-file io_size): LUN 1 ten times slower than LUN 0 still gets every range
 * trimmed and LUN 0 none twice (bench-trim-punches-holes found LUN 1's last MiB left out when
 * the faster LUN took its share). */
static void test_trim_covers_each_lun_once_however_slow(void **state)
{
    struct fixture *x = *state;
    luns(x, 2);
    x->b.f.luns[1]->latency = 200;
    discover(x);
    assert_int_equal(run(x, "[t]\nrw=trim\nbs=64k\niodepth=4\nluns=all\n"), 0);
    assert_int_equal(x->b.r.dir[DIR_TRIM].ios, 32);
    for (unsigned lun = 0; lun < 2; lun++) {
        unsigned covered[16] = { 0 };
        for (unsigned i = 0; i < x->n_seen; i++)
            if (x->seen[i].op == SCSI_OP_UNMAP && x->seen[i].lun == lun) {
                assert_int_equal(x->seen[i].blocks, 128);
                assert_true(x->seen[i].lba % 128 == 0 && x->seen[i].lba / 128 < 16);
                covered[x->seen[i].lba / 128]++;
            }
        for (unsigned k = 0; k < 16; k++)
            assert_int_equal(covered[k], 1);
        assert_int_equal(x->b.f.luns[lun]->unmapped_blocks, LUN_BLOCKS);
    }
}

static void test_randtrim_stays_in_the_region_and_aligned(void **state)
{
    struct fixture *x = *state;
    luns(x, 2);
    discover(x);
    assert_int_equal(run(x, "[t]\nrw=randtrim\nbs=4k\nsize=256k\niodepth=4\nnumber_ios=100\n"), 0);
    assert_int_equal(x->b.r.dir[DIR_TRIM].ios, 100);
    assert_int_equal(x->n_seen, 100);
    uint64_t first = UINT64_MAX, last = 0;
    for (unsigned i = 0; i < x->n_seen; i++) {
        const struct seen *s = &x->seen[i];
        assert_int_equal(s->op, SCSI_OP_UNMAP);
        assert_int_equal(s->blocks, 8);
        assert_int_equal(s->lba % 8, 0);
        assert_true(s->lba + s->blocks <= 512); /* size=256k: 512 blocks */
        first = s->lba < first ? s->lba : first;
        last = s->lba > last ? s->lba : last;
    }
    assert_true(last - first >= 256); /* random: spread over the region, not a sequence */
    assert_int_equal(x->b.f.luns[0]->unmaps + x->b.f.luns[1]->unmaps, 100);
}

/* trimwrite: each range is written once its trim is done, at the same place, with the same size;
 * the size counts the trims (each block of the region is trimmed once and written once). */
static void test_trimwrite_writes_each_range_after_its_trim(void **state)
{
    struct fixture *x = *state;
    luns(x, 1);
    fake_lun_store(x->b.f.luns[0]);
    discover(x);
    assert_int_equal(run(x, "[t]\nrw=trimwrite\nbs=4k\nsize=32k\niodepth=4\n"), 0);
    const struct job_result *r = &x->b.r;
    assert_int_equal(r->dir[DIR_TRIM].ios, 8);
    assert_int_equal(r->dir[DIR_WRITE].ios, 8);
    assert_int_equal(r->dir[DIR_WRITE].bytes, 32 * 1024);
    for (unsigned i = 0; i < x->n_seen; i++) {
        const struct seen *w = &x->seen[i];
        if (w->op != SCSI_OP_WRITE10)
            continue;
        bool trimmed_before = false;
        for (unsigned k = 0; k < i; k++)
            trimmed_before |= x->seen[k].op == SCSI_OP_UNMAP && x->seen[k].lba == w->lba && x->seen[k].blocks == w->blocks;
        if (!trimmed_before)
            fail_msg("WRITE of LBA %llu (%u blocks) without its UNMAP before it", (unsigned long long)w->lba, w->blocks);
    }
    /* The writes are the last word: the stored blocks are not the zeros the UNMAP left. */
    const uint8_t *d = x->b.f.luns[0]->data;
    size_t nonzero = 0;
    for (size_t i = 0; i < 32 * 1024; i++)
        nonzero += d[i] != 0;
    assert_true(nonzero > 16 * 1024);
}

/* randtrimwrite with verify: every written range reads back stamped after the trims. */
static void test_randtrimwrite_verifies(void **state)
{
    struct fixture *x = *state;
    luns(x, 2);
    fake_lun_store(x->b.f.luns[0]);
    fake_lun_store(x->b.f.luns[1]);
    discover(x);
    assert_int_equal(run(x, "[t]\nrw=randtrimwrite\nbs=4k\nsize=64k\niodepth=8\nverify=crc32c\n"), 0);
    const struct job_result *r = &x->b.r;
    assert_int_equal(r->dir[DIR_TRIM].ios, 32);
    assert_int_equal(r->dir[DIR_WRITE].ios, 32);
    assert_true(r->verify_blocks > 0);
    assert_int_equal(r->verify_failures, 0);
}

static void check_left_out(struct fixture *x, const char *text, const char *want)
{
    char err[400] = "";
    bench_fixture_parse(&x->b, text);
    assert_int_equal(targets_check(&x->b.job, &x->b.env, err, sizeof err), -1);
    if (strstr(err, want) == NULL)
        fail_msg("refusal '%s' does not say '%s'", err, want);
}

/* A LUN without page B2, one whose B2 says LBPU 0, and one whose page B0 allows fewer blocks than
 * a trim: each left out with its reason; a trim job runs on the others only. */
static void test_luns_without_unmap_are_left_out(void **state)
{
    struct fixture *x = *state;
    fake_hba_add_lun(&x->b.f, 0, 0, LUN_BLOCKS);
    fake_hba_add_lun(&x->b.f, 0, 1, LUN_BLOCKS)->no_provisioning_page = true;
    fake_hba_add_lun(&x->b.f, 0, 2, LUN_BLOCKS)->no_unmap = true;
    struct fake_lun *small = fake_hba_add_lun(&x->b.f, 0, 3, LUN_BLOCKS);
    small->unmap_max_blocks = 8;
    small->unmap_max_descriptors = 1;
    discover(x);
    check_left_out(x, "[t]\nrw=trim\nluns=0:0:1\n", "no Logical Block Provisioning VPD page B2");
    check_left_out(x, "[t]\nrw=randtrim\nluns=0:0:2\n", "its VPD page B2 says LBPU 0");
    check_left_out(x, "[t]\nrw=trim\nbs=8k\nluns=0:0:3\n", "MAXIMUM UNMAP LBA COUNT");
    /* The B2 and B0 pages were read once for each LUN, and kept. */
    const struct inventory *inv = &x->b.inv;
    assert_false(inv->luns[0].flags & LUN_LBP_KNOWN); /* only the LUNs a trim job selects */
    for (size_t i = 1; i < inv->count; i++)
        assert_true(inv->luns[i].flags & LUN_LBP_KNOWN);
    assert_int_equal(inv->luns[3].unmap_max_blocks, 8);
    assert_int_equal(inv->luns[3].unmap_max_descriptors, 1);
    assert_false(inv->luns[1].flags & LUN_LBP_PAGE);
    assert_true((inv->luns[2].flags & (LUN_LBP_PAGE | LUN_UNMAP)) == LUN_LBP_PAGE);
    uint64_t inquiries = x->b.f.ops[SCSI_OP_INQUIRY];
    /* 4k trims fit LUN 3's 8 blocks: it runs with LUN 0; the other two are left out. */
    assert_int_equal(run(x, "[t]\nrw=trim\nbs=4k\nsize=16k\n"), 0);
    assert_int_equal(x->b.f.ops[SCSI_OP_INQUIRY], inquiries + 2); /* LUN 0's B2 and B0; no other read again */
    assert_true(inv->luns[0].flags & LUN_UNMAP);
    assert_int_equal(x->b.r.lun_count, 2);
    assert_int_equal(x->b.f.luns[0]->unmaps, 4);
    assert_int_equal(x->b.f.luns[1]->unmaps + x->b.f.luns[2]->unmaps, 0);
    assert_int_equal(x->b.f.luns[3]->unmaps, 4);
    assert_int_equal(x->b.r.errors[ERR_CHECK_CONDITION], 0);
}

/* Reads never ask for the provisioning pages: a job that does not trim costs no INQUIRY. */
static void test_read_job_reads_no_provisioning_page(void **state)
{
    struct fixture *x = *state;
    luns(x, 2);
    discover(x);
    uint64_t inquiries = x->b.f.ops[SCSI_OP_INQUIRY];
    assert_int_equal(run(x, "[r]\nrw=randread\nnumber_ios=10\n"), 0);
    assert_int_equal(x->b.f.ops[SCSI_OP_INQUIRY], inquiries);
    assert_false(x->b.inv.luns[0].flags & LUN_LBP_KNOWN);
}

/* A trim that fails (the LUN says ILLEGAL REQUEST) is a trim error, counted in the trim direction. */
static void test_failed_unmap_counts_as_a_trim_error(void **state)
{
    struct fixture *x = *state;
    luns(x, 1);
    discover(x);
    x->b.f.twists[0] = (struct fake_twist){ .kind = TWIST_SENSE, .opcode = SCSI_OP_UNMAP, .at = { -1, -1 },
                                            .key = SCSI_SENSE_ILLEGAL_REQUEST, .asc = 0x26 };
    assert_int_equal(run(x, "[t]\nrw=trim\nbs=4k\nsize=16k\n"), 0);
    assert_int_equal(x->b.r.dir[DIR_TRIM].errors, 4);
    assert_int_equal(x->b.r.errors[ERR_CHECK_CONDITION], 4);
    assert_int_equal(x->b.r.dir[DIR_TRIM].ios, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_trim_is_unmap_of_each_range_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trim_covers_each_lun_once_however_slow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_randtrim_stays_in_the_region_and_aligned, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trimwrite_writes_each_range_after_its_trim, setup, teardown),
        cmocka_unit_test_setup_teardown(test_randtrimwrite_verifies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_luns_without_unmap_are_left_out, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_job_reads_no_provisioning_page, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_unmap_counts_as_a_trim_error, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
