/* Discovery over the HBA seam, against the fake HBA: what is found, what is left out, what each
 * scan costs in commands and memory. */
#include <stdlib.h>
#include <string.h>

#include "drivers/hba/discovery.h"
#include "drivers/scsi/scsi.h"
#include "tests/unit/fake_hba.h"
#include "tests/unit/test_support.h"

#define TIMEOUT 5000 /* ticks: far more than a command takes (20) */
#define REPORT_LUNS_STEPS 1 /* per target */
#define DISK_STEPS 2        /* INQUIRY, READ CAPACITY(16) (no TEST UNIT READY, no MODE SENSE) */

struct fixture {
    struct fake_hba f;
    struct inventory inv;
    struct discovery_stats st;
};

static int setup(void **state)
{
    struct fixture *x = calloc(1, sizeof *x);
    fake_hba_init(&x->f, 0, 2, 64);
    fake_clock_set(0);
    *state = x;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *x = *state;
    fake_hba_free(&x->f);
    free(x->inv.luns);
    free(x);
    return 0;
}

static const struct lun_info *find(const struct inventory *inv, uint8_t target, uint16_t lun)
{
    for (size_t i = 0; i < inv->count; i++)
        if (inv->luns[i].target == target && inv->luns[i].lun == lun)
            return &inv->luns[i];
    return NULL;
}

static void test_small_topology_sorted_with_flat_luns(void **state)
{
    struct fixture *x = *state;
    fake_hba_add_lun(&x->f, 5, 300, 4096);
    fake_hba_add_lun(&x->f, 0, 2, 1000);
    fake_hba_add_lun(&x->f, 0, 0, 2000);
    fake_hba_add_lun(&x->f, 0, 1, 3000)->block_size = 4096;
    assert_int_equal(discovery_run(&x->f.base, &x->inv, &x->st, TIMEOUT), 0);
    assert_int_equal(x->inv.count, 4);
    const uint16_t want_lun[] = { 0, 1, 2, 300 };
    const uint8_t want_target[] = { 0, 0, 0, 5 };
    for (unsigned i = 0; i < 4; i++) {
        assert_int_equal(x->inv.luns[i].target, want_target[i]);
        assert_int_equal(x->inv.luns[i].lun, want_lun[i]);
        assert_int_equal(x->inv.luns[i].flags, 0);
        assert_string_equal(x->inv.luns[i].vendor, "FAKE");
    }
    assert_int_equal(find(&x->inv, 0, 1)->block_size, 4096);
    assert_int_equal(find(&x->inv, 0, 1)->blocks, 3000);
    assert_int_equal(find(&x->inv, 5, 300)->blocks, 4096);
    assert_int_equal(x->st.targets, 2);
    assert_int_equal(x->st.luns_listed, 4);
    assert_int_equal(x->st.luns_failed, 0);
    assert_int_equal(x->st.commands, 256 * REPORT_LUNS_STEPS + 4 * DISK_STEPS);
    assert_int_equal(x->f.ops[SCSI_OP_REPORT_LUNS], 256);
    assert_int_equal(x->f.ops[SCSI_OP_INQUIRY], 4);
    assert_int_equal(x->f.ops[SCSI_OP_TEST_UNIT_READY], 0);
    assert_int_equal(x->f.ops[SCSI_OP_MODE_SENSE6], 0);
    assert_int_equal(x->st.write_protect_reads, 0);
}

/* Every LUN with its power-on UNIT ATTENTION, as QEMU starts them: READ CAPACITY takes it and is
 * sent again, 3 commands a LUN and no more, and nothing of the inventory is lost. */
static void test_three_commands_a_lun_with_power_on_attention(void **state)
{
    struct fixture *x = *state;
    for (uint16_t lun = 0; lun < 100; lun++) {
        struct fake_lun *l = fake_hba_add_lun(&x->f, 0, lun, 1000 + lun);
        l->ua_pending = 1;
        l->ua_asc = SCSI_ASC_POWER_ON_OR_RESET;
    }
    assert_int_equal(discovery_run(&x->f.base, &x->inv, &x->st, TIMEOUT), 0);
    assert_int_equal(x->inv.count, 100);
    for (uint16_t lun = 0; lun < 100; lun++) {
        const struct fake_lun *fl = fake_hba_find_lun(&x->f, 0, lun);
        assert_true(fl->commands <= 3);
        assert_int_equal(x->inv.luns[lun].blocks, 1000 + lun);
        assert_int_equal(x->inv.luns[lun].block_size, 512);
        assert_string_equal(x->inv.luns[lun].product, "FAKE DISK");
    }
    assert_int_equal(x->st.ua_retries, 100);
    assert_int_equal(x->st.commands - 256, 3 * 100); /* all but REPORT LUNS: 3.00 a LUN */
    assert_int_equal(x->f.ops[SCSI_OP_INQUIRY], 100);
    assert_int_equal(x->f.ops[SCSI_OP_SERVICE_ACTION_IN16], 200);
}

static void test_listed_lun0_without_device_is_left_out(void **state)
{
    struct fixture *x = *state;
    x->f.report_lun0_always = true;
    fake_hba_add_lun(&x->f, 3, 7, 100);
    assert_int_equal(discovery_run(&x->f.base, &x->inv, &x->st, TIMEOUT), 0);
    assert_int_equal(x->inv.count, 1);
    assert_int_equal(x->inv.luns[0].lun, 7);
    assert_int_equal(x->st.luns_listed, 2);
    assert_int_equal(x->st.luns_absent, 1);
}

static void test_unit_attention_is_retried(void **state)
{
    struct fixture *x = *state;
    struct fake_lun *l = fake_hba_add_lun(&x->f, 0, 0, 100);
    l->ua_pending = 2;
    l->ua_asc = SCSI_ASC_POWER_ON_OR_RESET;
    assert_int_equal(discovery_run(&x->f.base, &x->inv, &x->st, TIMEOUT), 0);
    assert_int_equal(x->inv.count, 1);
    assert_int_equal(x->inv.luns[0].flags, 0);
    assert_int_equal(x->inv.luns[0].blocks, 100);
    assert_int_equal(x->st.ua_retries, 2);
}

static void test_read_capacity10_when_16_is_unsupported(void **state)
{
    struct fixture *x = *state;
    fake_hba_add_lun(&x->f, 0, 0, 777)->no_read_capacity16 = true;
    assert_int_equal(discovery_run(&x->f.base, &x->inv, &x->st, TIMEOUT), 0);
    assert_int_equal(x->inv.luns[0].blocks, 777);
    assert_int_equal(x->f.ops[SCSI_OP_READ_CAPACITY10], 1);
}

static void test_empty_cd_and_write_protected_disk(void **state)
{
    struct fixture *x = *state;
    struct fake_lun *cd = fake_hba_add_lun(&x->f, 0, 0, 100);
    cd->device_type = SCSI_TYPE_CDROM;
    cd->no_medium = true;
    fake_hba_add_lun(&x->f, 0, 1, 100)->write_protected = true;
    assert_int_equal(discovery_run(&x->f.base, &x->inv, &x->st, TIMEOUT), 0);
    assert_int_equal(x->inv.count, 2);
    /* The empty drive is found NOT READY by READ CAPACITY alone; a cd has no WP bit to read. */
    assert_int_equal(find(&x->inv, 0, 0)->flags, LUN_NO_MEDIUM | LUN_REMOVABLE | LUN_WP_KNOWN);
    assert_int_equal(x->f.ops[SCSI_OP_TEST_UNIT_READY], 0);
    /* The scan leaves the disk's write-protect bit unread ... */
    assert_int_equal(find(&x->inv, 0, 1)->flags, 0);
    assert_int_equal(x->st.luns_failed, 0);
    /* ... until a write needs it: then one MODE SENSE, once. */
    size_t both[] = { 0, 1 };
    struct discovery_stats wp = { 0 };
    assert_int_equal(discovery_read_write_protect(&x->f.base, &x->inv, both, 2, &wp, TIMEOUT), 0);
    assert_int_equal(find(&x->inv, 0, 1)->flags, LUN_WRITE_PROTECTED | LUN_WP_KNOWN);
    assert_int_equal(wp.write_protect_reads, 1);
    assert_int_equal(x->f.ops[SCSI_OP_MODE_SENSE6], 1);
    assert_int_equal(discovery_read_write_protect(&x->f.base, &x->inv, both, 2, &wp, TIMEOUT), 0);
    assert_int_equal(x->f.ops[SCSI_OP_MODE_SENSE6], 1);
    assert_int_equal(x->inv.count, 2); /* the inventory keeps its order and size */
}

/* A disk that rejects MODE SENSE is taken as writable; one that is gone is left as it was. */
static void test_write_protect_read_rejected_or_gone(void **state)
{
    struct fixture *x = *state;
    fake_hba_add_lun(&x->f, 0, 0, 100);
    fake_hba_add_lun(&x->f, 0, 1, 100);
    assert_int_equal(discovery_run(&x->f.base, &x->inv, &x->st, TIMEOUT), 0);
    fake_hba_unplug(&x->f, 0, 1, false);
    size_t both[] = { 0, 1 };
    struct discovery_stats wp = { 0 };
    assert_int_equal(discovery_read_write_protect(&x->f.base, &x->inv, both, 2, &wp, TIMEOUT), 0);
    assert_int_equal(find(&x->inv, 0, 0)->flags, LUN_WP_KNOWN);
    assert_int_equal(find(&x->inv, 0, 1)->flags, 0);
    assert_int_equal(x->inv.count, 2);
    assert_int_equal(wp.luns_failed, 0);
}

/* More LUNs than the first REPORT LUNS buffer holds (511): the header's length makes discovery
 * ask again with room for all of them. */
static void test_report_luns_regrows(void **state)
{
    struct fixture *x = *state;
    for (uint16_t lun = 0; lun < 600; lun++)
        fake_hba_add_lun(&x->f, 1, lun, 8);
    assert_int_equal(discovery_run(&x->f.base, &x->inv, &x->st, TIMEOUT), 0);
    assert_int_equal(x->inv.count, 600);
    assert_int_equal(x->st.report_luns_regrows, 1);
    assert_int_equal(x->f.report_luns_alloc_max, 8 + 8 * 600);
    assert_int_equal(x->inv.luns[599].lun, 599);
}

/* QEMU's limits: 256 targets of 64 LUNs each, 16384 LUNs. Every LUN takes exactly its two
 * commands, the inventory stays within 1 MiB, and the scan never has more in flight than the
 * queues hold. */
static void test_16384_luns_over_256_targets(void **state)
{
    struct fixture *x = *state;
    for (unsigned t = 0; t < 256; t++)
        for (unsigned k = 0; k < 64; k++)
            fake_hba_add_lun(&x->f, (uint8_t)t, (uint16_t)(k * 256 + t % 7), 64);
    assert_int_equal(discovery_run(&x->f.base, &x->inv, &x->st, TIMEOUT), 0);
    assert_int_equal(x->inv.count, 16384);
    assert_int_equal(x->st.targets, 256);
    assert_int_equal(x->st.luns_failed, 0);
    assert_int_equal(x->st.commands, 256 + 16384 * DISK_STEPS);
    assert_true(x->inv.capacity * sizeof(struct lun_info) <= 1u << 20);
    assert_true(x->st.max_in_flight <= x->f.base.num_queues * x->f.base.queue_depth);
    assert_true(x->st.max_in_flight > x->f.base.queue_depth); /* both queues were used */
    for (size_t i = 1; i < x->inv.count; i++) {
        const struct lun_info *a = &x->inv.luns[i - 1], *b = &x->inv.luns[i];
        assert_true(a->target < b->target || (a->target == b->target && a->lun < b->lun));
    }
}

/* A LUN that holds every command: its deadline brings ABORT TASK (the fake frees the command),
 * discovery retries a few times, then gives the LUN up; the rest is found. */
static void test_stalled_lun_fails_alone(void **state)
{
    struct fixture *x = *state;
    fake_hba_add_lun(&x->f, 0, 0, 100);
    fake_hba_add_lun(&x->f, 0, 1, 100)->stall = true;
    fake_hba_add_lun(&x->f, 0, 2, 100);
    assert_int_equal(discovery_run(&x->f.base, &x->inv, &x->st, TIMEOUT), 0);
    assert_int_equal(x->inv.count, 3);
    assert_true(find(&x->inv, 0, 1)->flags & LUN_FAILED);
    assert_int_equal(find(&x->inv, 0, 0)->flags, 0);
    assert_int_equal(find(&x->inv, 0, 2)->flags, 0);
    assert_int_equal(x->st.luns_failed, 1);
    assert_int_equal(x->st.other_retries, 3);
    assert_int_equal(x->f.tmfs[HBA_TMF_ABORT_TASK], 4);
    assert_int_equal(x->f.base.stats.aborts, 4);
}

static void test_failed_hba_returns_error_and_keeps_what_was_found(void **state)
{
    struct fixture *x = *state;
    fake_hba_add_lun(&x->f, 0, 0, 100);
    x->f.base.broken = true;
    assert_int_equal(discovery_run(&x->f.base, &x->inv, &x->st, TIMEOUT), -1);
    assert_true(x->f.base.error[0] != '\0');
    assert_int_equal(x->inv.count, 0);
}

static void test_probe_lun(void **state)
{
    struct fixture *x = *state;
    fake_hba_add_lun(&x->f, 2, 9, 123);
    struct lun_info found;
    x->f.luns[0]->write_protected = true;
    assert_int_equal(discovery_probe_lun(&x->f.base, &x->inv, 2, 9, TIMEOUT, &found), 1);
    assert_int_equal(found.blocks, 123);
    /* A probed LUN may join a write job at once: its write-protect bit is read. */
    assert_int_equal(found.flags, LUN_WRITE_PROTECTED | LUN_WP_KNOWN);
    assert_int_equal(x->inv.count, 1);
    assert_int_equal(x->inv.luns[0].lun, 9);
    /* No device at that address: 0, and nothing appended. */
    assert_int_equal(discovery_probe_lun(&x->f.base, &x->inv, 2, 10, TIMEOUT, &found), 0);
    assert_int_equal(discovery_probe_lun(&x->f.base, &x->inv, 3, 0, TIMEOUT, &found), 0);
    assert_int_equal(x->inv.count, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_small_topology_sorted_with_flat_luns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_listed_lun0_without_device_is_left_out, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unit_attention_is_retried, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_capacity10_when_16_is_unsupported, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_cd_and_write_protected_disk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_three_commands_a_lun_with_power_on_attention, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_protect_read_rejected_or_gone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_report_luns_regrows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_16384_luns_over_256_targets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stalled_lun_fails_alone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_hba_returns_error_and_keeps_what_was_found, setup, teardown),
        cmocka_unit_test_setup_teardown(test_probe_lun, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
