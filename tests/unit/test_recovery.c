/* Deadline recovery over the HBA seam (drivers/hba/recovery.c), against the fake HBA: the order and
 * timing of ABORT TASK, LOGICAL UNIT RESET and the HBA reset, one TMF per LUN, TMF slots that run
 * out, and two HBAs whose recoveries never mix. */
#include <stdlib.h>
#include <string.h>

#include "drivers/hba/recovery.h"
#include "drivers/scsi/scsi.h"
#include "tests/unit/fake_hba.h"
#include "tests/unit/test_support.h"

#define TIMEOUT 50000 /* ticks: 50 ms, five deadline checks */

struct fixture {
    struct fake_hba f[2];
    struct hba_cmd cmds[32];
    unsigned back; /* commands handed back so far */
};

static int setup(void **state)
{
    struct fixture *x = calloc(1, sizeof *x);
    fake_hba_init(&x->f[0], 0, 1, 64);
    fake_hba_init(&x->f[1], 1, 1, 64);
    fake_clock_set(0);
    *state = x;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *x = *state;
    fake_hba_free(&x->f[0]);
    fake_hba_free(&x->f[1]);
    free(x);
    return 0;
}

static struct hba_cmd *read_cmd(struct fixture *x, unsigned i, uint16_t lun)
{
    static uint8_t buf[512];
    struct hba_cmd *c = &x->cmds[i];
    memset(c, 0, sizeof *c);
    c->lun = lun;
    c->cdb_len = (uint8_t)scsi_cdb_rw(c->cdb, false, 0, 1);
    c->dir = HBA_DIR_IN;
    c->data = buf;
    c->data_len = sizeof buf;
    c->timeout_cycles = TIMEOUT;
    return c;
}

/* Poll h until n commands came back or the fake clock passes limit; returns the time it took. */
static uint64_t poll_until(struct fixture *x, struct hba *h, unsigned n, uint64_t limit, struct hba_cmd **order)
{
    uint64_t start = fake_clock_now();
    struct hba_cmd *done[32];
    while (x->back < n && fake_clock_now() < start + limit) {
        unsigned got = hba_poll(h, 0, done, 32);
        for (unsigned i = 0; i < got; i++)
            order[x->back++] = done[i];
    }
    return fake_clock_now() - start;
}

/* Neither TMF is answered: ABORT TASK after one timeout, LOGICAL UNIT RESET after another, the HBA
 * reset after a third; the command comes back lost, and nothing is left in flight. */
static void test_escalation_order_and_timing(void **state)
{
    struct fixture *x = *state;
    struct fake_hba *f = &x->f[0];
    fake_hba_add_lun(f, 0, 0, 100)->stall = true;
    f->abort_frees = false;
    f->answer_lun_reset = false;
    assert_int_equal(hba_submit(&f->base, 0, read_cmd(x, 0, 0)), 0);
    struct hba_cmd *order[4];
    /* Not yet: before the deadline nothing is sent. */
    poll_until(x, &f->base, 1, TIMEOUT / 2, order);
    assert_int_equal(f->tmfs[HBA_TMF_ABORT_TASK], 0);
    assert_false(hba_lun_in_recovery(&f->base, 0, 0));
    uint64_t took = poll_until(x, &f->base, 1, 10 * TIMEOUT, order);
    assert_int_equal(x->back, 1);
    assert_int_equal(order[0]->response, HBA_RESPONSE_LOST);
    assert_int_equal(order[0]->recovery, HBA_RECOVERY_LUN_RESET_SENT);
    assert_int_equal(f->tmfs[HBA_TMF_ABORT_TASK], 1);
    assert_int_equal(f->tmfs[HBA_TMF_LUN_RESET], 1);
    assert_int_equal(f->resets, 1);
    assert_int_equal(f->base.stats.hba_resets, 1);
    /* Three timeouts from submission, give or take the deadline check's period. */
    uint64_t total = took + TIMEOUT / 2;
    assert_true(total >= 3 * TIMEOUT);
    assert_true(total <= 3 * TIMEOUT + 3 * hba_ms_to_cycles(&f->base, HBA_DEADLINE_CHECK_MS) + 100);
    /* The reset answered the TMFs it dropped (NO_ANSWER) and nothing is left. */
    hba_poll(&f->base, 0, order, 1);
    assert_int_equal(f->base.tmfs_in_flight, 0);
    assert_int_equal(f->base.cmds_in_recovery, 0);
    assert_false(f->base.broken);
}

/* A device that answers the LUN reset but never the ABORT TASK before it: the command comes back
 * RESET, the abort is named once as outlived, keeps its slot (the device may still answer it) and
 * is dropped only by the next HBA reset. */
static void test_abort_outlived_by_lun_reset(void **state)
{
    struct fixture *x = *state;
    struct fake_hba *f = &x->f[0];
    fake_hba_add_lun(f, 0, 0, 100)->stall = true;
    f->abort_frees = false;
    f->aborts_outlive_reset = true;
    assert_int_equal(hba_submit(&f->base, 0, read_cmd(x, 0, 0)), 0);
    struct hba_cmd *order[1];
    poll_until(x, &f->base, 1, 10 * TIMEOUT, order);
    assert_int_equal(x->back, 1);
    assert_int_equal(order[0]->response, HBA_RESPONSE_RESET);
    assert_int_equal(order[0]->recovery, HBA_RECOVERY_LUN_RESET_SENT);
    assert_int_equal(f->base.stats.aborts, 1);
    assert_int_equal(f->base.stats.lun_resets, 1);
    /* Polled on: said once, the abort still holds its slot. */
    for (unsigned i = 0; i < 20; i++)
        hba_poll(&f->base, 0, order, 1);
    assert_int_equal(f->base.stats.aborts_outlived, 1);
    assert_int_equal(f->base.tmfs_in_flight, 1);
    assert_int_equal(f->base.stats.hba_resets, 0);
    assert_int_equal(hba_reset(&f->base), 0);
    hba_poll(&f->base, 0, order, 1);
    assert_int_equal(f->base.tmfs_in_flight, 0);
    assert_int_equal(f->base.stats.aborts_outlived, 1);
}

/* ABORT TASK answered: the command comes back ABORTED after one step, no reset of any kind. */
static void test_abort_that_works(void **state)
{
    struct fixture *x = *state;
    struct fake_hba *f = &x->f[0];
    fake_hba_add_lun(f, 0, 0, 100)->stall = true;
    assert_int_equal(hba_submit(&f->base, 0, read_cmd(x, 0, 0)), 0);
    struct hba_cmd *order[1];
    poll_until(x, &f->base, 1, 10 * TIMEOUT, order);
    assert_int_equal(x->back, 1);
    assert_int_equal(order[0]->response, HBA_RESPONSE_ABORTED);
    assert_int_equal(order[0]->recovery, HBA_RECOVERY_ABORT_SENT);
    assert_int_equal(f->tmfs[HBA_TMF_ABORT_TASK], 1);
    assert_int_equal(f->tmfs[HBA_TMF_LUN_RESET], 0);
    assert_int_equal(f->resets, 0);
    assert_int_equal(f->base.cmds_in_recovery, 0);
}

/* Four stalled commands on one LUN: one ABORT TASK for the LUN at a time (not one per command),
 * then one LUN reset frees them all; the LUN is "in recovery" meanwhile and not after. */
static void test_one_tmf_per_lun(void **state)
{
    struct fixture *x = *state;
    struct fake_hba *f = &x->f[0];
    fake_hba_add_lun(f, 0, 3, 100)->stall = true;
    f->abort_frees = false;
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(hba_submit(&f->base, 0, read_cmd(x, i, 3)), 0);
    struct hba_cmd *order[4];
    struct hba_cmd *done[4];
    bool seen_in_recovery = false;
    uint64_t start = fake_clock_now();
    while (x->back < 4 && fake_clock_now() < start + 10 * TIMEOUT) {
        unsigned got = hba_poll(&f->base, 0, done, 4);
        for (unsigned i = 0; i < got; i++)
            order[x->back++] = done[i];
        seen_in_recovery |= hba_lun_in_recovery(&f->base, 0, 3);
        assert_true(f->base.tmfs_in_flight <= 2); /* at most one of each kind for the LUN */
    }
    assert_int_equal(x->back, 4);
    assert_true(seen_in_recovery);
    assert_false(hba_lun_in_recovery(&f->base, 0, 3));
    assert_int_equal(f->tmfs[HBA_TMF_ABORT_TASK], 1);
    assert_int_equal(f->tmfs[HBA_TMF_LUN_RESET], 1);
    assert_int_equal(f->resets, 0);
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(order[i]->response, HBA_RESPONSE_RESET);
}

/* Twelve LUNs stall at once, eight TMF slots, aborts answered only by a LUN reset: aborts take at
 * most half the slots, so LUN resets always find room; no HBA reset, every LUN recovered by its own
 * LUN reset. */
static void test_tmf_slots_run_out(void **state)
{
    struct fixture *x = *state;
    struct fake_hba *f = &x->f[0];
    f->abort_frees = false;
    for (uint16_t lun = 0; lun < 12; lun++) {
        fake_hba_add_lun(f, 0, lun, 100)->stall = true;
        assert_int_equal(hba_submit(&f->base, 0, read_cmd(x, lun, lun)), 0);
    }
    struct hba_cmd *order[12];
    struct hba_cmd *done[12];
    unsigned most = 0;
    uint64_t start = fake_clock_now();
    while (x->back < 12 && fake_clock_now() < start + 20 * TIMEOUT) {
        unsigned got = hba_poll(&f->base, 0, done, 12);
        for (unsigned i = 0; i < got; i++)
            order[x->back++] = done[i];
        if (f->base.tmfs_in_flight > most)
            most = f->base.tmfs_in_flight;
    }
    assert_int_equal(x->back, 12);
    assert_true(most > HBA_TMF_SLOTS / 2 && most <= HBA_TMF_SLOTS);
    assert_int_equal(f->tmfs[HBA_TMF_LUN_RESET], 12);
    assert_int_equal(f->resets, 0);
    for (unsigned i = 0; i < 12; i++)
        assert_int_equal(order[i]->response, HBA_RESPONSE_RESET);
}

/* Two HBAs recover at the same time: resetting HBA 0 (its LUN reset goes unanswered) leaves HBA 1's
 * TMFs alone, and HBA 1's LUN reset completes its own command. The TMF slots are each HBA's own. */
static void test_two_hbas_recover_apart(void **state)
{
    struct fixture *x = *state;
    for (unsigned h = 0; h < 2; h++) {
        fake_hba_add_lun(&x->f[h], 0, 0, 100)->stall = true;
        x->f[h].abort_frees = false;
    }
    x->f[0].answer_lun_reset = false;
    assert_int_equal(hba_submit(&x->f[0].base, 0, read_cmd(x, 0, 0)), 0);
    assert_int_equal(hba_submit(&x->f[1].base, 0, read_cmd(x, 1, 0)), 0);
    struct hba_cmd *done[2];
    struct hba_cmd *back[2] = { NULL, NULL };
    uint64_t start = fake_clock_now();
    while ((back[0] == NULL || back[1] == NULL) && fake_clock_now() < start + 10 * TIMEOUT) {
        for (unsigned h = 0; h < 2; h++)
            if (hba_poll(&x->f[h].base, 0, done, 2) == 1)
                back[h] = done[0];
    }
    assert_non_null(back[0]);
    assert_non_null(back[1]);
    assert_int_equal(back[0]->response, HBA_RESPONSE_LOST);
    assert_int_equal(back[1]->response, HBA_RESPONSE_RESET);
    assert_int_equal(x->f[0].resets, 1);
    assert_int_equal(x->f[1].resets, 0);
    assert_int_equal(x->f[1].tmfs[HBA_TMF_LUN_RESET], 1);
    assert_int_equal(x->f[1].base.tmfs_in_flight, 0);
    assert_int_equal(x->f[1].base.stats.lun_resets, 1);
    assert_int_equal(x->f[0].base.stats.lun_resets, 1);
}

/* An HBA that does not come back from its reset is broken, with the reason kept. */
static void test_reset_that_fails_breaks_the_hba(void **state)
{
    struct fixture *x = *state;
    struct fake_hba *f = &x->f[0];
    fake_hba_add_lun(f, 0, 0, 100)->stall = true;
    f->abort_frees = false;
    f->answer_lun_reset = false;
    f->reset_fails = true;
    assert_int_equal(hba_submit(&f->base, 0, read_cmd(x, 0, 0)), 0);
    struct hba_cmd *order[1];
    poll_until(x, &f->base, 1, 10 * TIMEOUT, order);
    assert_true(f->base.broken);
    assert_non_null(strstr(f->base.error, "not to come back"));
    assert_int_equal(hba_submit(&f->base, 0, read_cmd(x, 1, 0)), -1);
}

/* An HBA without task management (virtio-blk): one timeout, then the device reset at once; no TMF
 * is sent, and the command comes back lost. */
static void test_no_task_management_resets_at_once(void **state)
{
    struct fixture *x = *state;
    struct fake_hba *f = &x->f[0];
    f->base.tmf_unsupported = true;
    fake_hba_add_lun(f, 0, 0, 100)->stall = true;
    assert_int_equal(hba_submit(&f->base, 0, read_cmd(x, 0, 0)), 0);
    struct hba_cmd *order[4];
    uint64_t took = poll_until(x, &f->base, 1, 10 * TIMEOUT, order);
    assert_int_equal(x->back, 1);
    assert_int_equal(order[0]->response, HBA_RESPONSE_LOST);
    assert_int_equal(f->tmfs[HBA_TMF_ABORT_TASK], 0);
    assert_int_equal(f->tmfs[HBA_TMF_LUN_RESET], 0);
    assert_int_equal(f->resets, 1);
    assert_true(took >= TIMEOUT);
    assert_true(took <= TIMEOUT + hba_ms_to_cycles(&f->base, HBA_DEADLINE_CHECK_MS) + 100);
    assert_int_equal(f->base.cmds_in_recovery, 0);
    assert_false(f->base.broken);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_escalation_order_and_timing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_abort_that_works, setup, teardown),
        cmocka_unit_test_setup_teardown(test_abort_outlived_by_lun_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_tmf_per_lun, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tmf_slots_run_out, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_hbas_recover_apart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset_that_fails_breaks_the_hba, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_task_management_resets_at_once, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
