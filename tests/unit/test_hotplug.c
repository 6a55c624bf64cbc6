/* Hotplug while a job runs (bench/hotplug.c through bench_run_job), against the fake HBA: LUNs
 * removed with and without an event, capacity changes told by UNIT ATTENTION or by an event, LUNs
 * added (joining the job or not), missed events and 3f/0e leading to a rescan, a LUN that comes
 * back, and a job left with no LUN at all. Each test scripts the fake from on_submit, counting the
 * job's READs, and checks the job's result, the inventory and the fake's own counters.
 *
 * Accounting to keep in mind (bench/engine.c): number_ios counts the job's new I/Os as they are
 * submitted, so one that came back "removed" still counts (r.dir[DIR_READ].ios is number_ios -
 * removed_ios), and one retried after a UNIT ATTENTION counts once (the retry is the same I/O). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/engine.h"
#include "bench/hotplug.h"
#include "bench/worker.h"
#include "bench/env.h"
#include "bench/job.h"
#include "drivers/hba/discovery.h"
#include "drivers/scsi/scsi.h"
#include "tests/unit/bench_fixture.h"
#include "tests/unit/fake_hba.h"
#include "tests/unit/test_support.h"

#define LUN_BLOCKS 1024
#define TIMEOUT 100000             /* ticks: 100 ms of fake time, far more than a command takes (20) */
#define TRIGGER 200                /* the READ after which a test's script acts */
#define CLOCK_BOUND (20 * FAKE_HZ) /* fake time no job here may reach: past it the job hangs */

/* ---- the script a test runs from on_submit ---- */

struct script {
    struct fake_hba *f;
    struct inventory *inv;
    unsigned reads;     /* READs submitted by the job so far */
    unsigned trigger;   /* act on the READ numbered this (or the first one after it that qualifies) */
    bool fired;
    /* The LUN the test watches. */
    uint8_t target;
    uint16_t lun;
    /* Acting: returns true when it acted (the script then counts from here). */
    bool (*act)(struct script *s, const struct hba_cmd *cmd);
    /* A second step, tried on every READ after the first one acted. */
    bool (*act2)(struct script *s, const struct hba_cmd *cmd);
    bool fired2;
    /* Taken when the script acted. */
    unsigned inflight_at_fire; /* commands to the watched LUN the fake still held */
    uint32_t errors_at_fire;   /* the watched LUN's inventory errors */
    uint64_t commands_at_fire; /* the watched fake LUN's commands counter */
    /* READs to the watched LUN submitted after the script acted (the acting one not counted). */
    unsigned reads_after_fire;
    unsigned reads_unknown;    /* ... while the inventory did not show it removed yet */
    unsigned reads_known;      /* ... after the inventory showed LUN_REMOVED */
    uint64_t limit;            /* blocks: READs after the script acted that reach past it */
    unsigned reads_beyond;
    /* Capacity change by event (held until it is safe, see shrink_poll_events). */
    bool shrink_pending;
};

static bool is_read(const struct hba_cmd *c) { return c->cdb[0] == SCSI_OP_READ10 || c->cdb[0] == SCSI_OP_READ16; }

static uint64_t cmd_lba(const struct hba_cmd *c) { return c->cdb_len == 16 ? scsi_get_be64(c->cdb + 2) : scsi_get_be32(c->cdb + 2); }

static uint32_t cmd_blocks(const struct hba_cmd *c)
{
    return c->cdb_len == 16 ? scsi_get_be32(c->cdb + 10) : scsi_get_be16(c->cdb + 7);
}

static struct lun_info *inv_find(const struct inventory *inv, uint8_t target, uint16_t lun)
{
    for (size_t i = 0; i < inv->count; i++)
        if (inv->luns[i].hba == 0 && inv->luns[i].target == target && inv->luns[i].lun == lun)
            return &inv->luns[i];
    return NULL;
}

static unsigned fake_inflight_to(const struct fake_hba *f, uint8_t target, uint16_t lun)
{
    unsigned n = 0;
    for (unsigned i = 0; i < f->n_inflight; i++)
        n += f->inflight[i].cmd->target == target && f->inflight[i].cmd->lun == lun;
    return n;
}

static bool watched(const struct script *s, const struct hba_cmd *c) { return c->target == s->target && c->lun == s->lun; }

static void on_submit(struct fake_hba *f, const struct hba_cmd *cmd, void *ctx)
{
    struct script *s = ctx;
    (void)f;
    if (!is_read(cmd))
        return; /* discovery, probes and rescans during the run */
    s->reads++;
    if (s->fired) {
        if (watched(s, cmd)) {
            s->reads_after_fire++;
            const struct lun_info *l = inv_find(s->inv, s->target, s->lun);
            if (l != NULL && (l->flags & LUN_REMOVED))
                s->reads_known++;
            else
                s->reads_unknown++;
            if (s->limit && cmd_lba(cmd) + cmd_blocks(cmd) > s->limit)
                s->reads_beyond++;
        }
        if (s->act2 != NULL && !s->fired2)
            s->fired2 = s->act2(s, cmd);
        return;
    }
    if (s->reads < s->trigger || s->act == NULL)
        return;
    const struct lun_info *l = inv_find(s->inv, s->target, s->lun);
    s->errors_at_fire = l ? l->errors : 0;
    if (!s->act(s, cmd))
        return;
    s->fired = true;
    s->inflight_at_fire = fake_inflight_to(s->f, s->target, s->lun);
    const struct fake_lun *fl = fake_hba_find_lun(s->f, s->target, s->lun);
    s->commands_at_fire = fl ? fl->commands : 0;
}

/* ---- fixture ---- */

struct fixture {
    struct bench_fixture b;
    struct script s;
};

/* The job's clock: the fake one, failing the test when a job runs past CLOCK_BOUND. */
static uint64_t guarded_now(void)
{
    uint64_t t = fake_clock_now();
    if (t > CLOCK_BOUND)
        fail_msg("the fake clock passed %u ticks: the job does not end", (unsigned)CLOCK_BOUND);
    return t;
}

BENCH_FIXTURE_SETUP_TEARDOWN(struct fixture)

/* Discover the fake's LUNs, build the environment and the job, arm the script. */
static void prepare(struct fixture *x, const char *job_text)
{
    bench_fixture_discover(&x->b, TIMEOUT, guarded_now);
    bench_fixture_parse(&x->b, job_text);
    x->s.f = &x->b.f;
    x->s.inv = &x->b.inv;
    if (x->s.trigger == 0)
        x->s.trigger = TRIGGER;
    x->b.f.on_submit = on_submit;
    x->b.f.ctx = &x->s;
}

static int run(struct fixture *x) { return bench_run_job(&x->b.job, &x->b.env, &x->b.r); }

static void add_luns(struct fixture *x, uint8_t target, unsigned n)
{
    for (unsigned k = 0; k < n; k++)
        fake_hba_add_lun(&x->b.f, target, (uint16_t)k, LUN_BLOCKS);
}

static void assert_no_errors(const struct job_result *r)
{
    for (int k = 0; k < ERR_KINDS; k++)
        if (r->errors[k] != 0)
            fail_msg("errors[%d] = %llu, expected none", k, (unsigned long long)r->errors[k]);
    assert_int_equal(r->dir[DIR_READ].errors, 0);
}

static uint64_t fake_reads_total(const struct fake_hba *f)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < f->n_luns; i++)
        n += f->luns[i]->reads;
    return n;
}

#define JOB_RANDREAD(depth, extra) "[j]\nrw=randread\nbs=512\niodepth=" #depth "\nnumber_ios=2000\n" extra
#define NUMBER_IOS 2000

/* ---- 1. removal mid-I/O, with an event ---- */

static bool act_unplug_event(struct script *s, const struct hba_cmd *cmd)
{
    (void)cmd;
    fake_hba_unplug(s->f, s->target, s->lun, true);
    return true;
}

static void test_removal_with_event_mid_io(void **state)
{
    struct fixture *x = *state;
    add_luns(x, 0, 4);
    x->s.target = 0;
    x->s.lun = 2;
    x->s.act = act_unplug_event;
    prepare(x, JOB_RANDREAD(8, ""));
    assert_int_equal(run(x), 0);
    const struct job_result *r = &x->b.r;
    assert_true(x->s.fired);
    assert_false(r->stopped);
    assert_int_equal(r->luns_removed, 1);
    assert_int_equal(r->luns_added, 0);
    assert_int_equal(r->events, 1);
    assert_true(inv_find(&x->b.inv, 0, 2)->flags & LUN_REMOVED);
    for (uint16_t k = 0; k < 4; k++)
        if (k != 2)
            assert_false(inv_find(&x->b.inv, 0, k)->flags & LUN_REMOVED);
    /* What was in flight when the LUN went (iodepth 8 over 4 LUNs: its share is 2) came back
     * removed, and so did anything sent before the engine had read the event; nothing was sent
     * once it knew, and none of it is an error. */
    assert_true(x->s.inflight_at_fire >= 1);
    assert_true(r->removed_ios >= 1);
    assert_int_equal(r->removed_ios, x->s.inflight_at_fire + x->s.reads_unknown);
    assert_int_equal(x->s.reads_known, 0);
    assert_int_equal(fake_hba_find_lun(&x->b.f, 0, 2)->commands, x->s.commands_at_fire);
    assert_no_errors(r);
    assert_int_equal(inv_find(&x->b.inv, 0, 2)->errors, 0);
    /* number_ios submissions, all but the removed ones done, each one a READ the fake served. */
    assert_int_equal(r->dir[DIR_READ].ios + r->removed_ios, NUMBER_IOS);
    assert_int_equal(fake_reads_total(&x->b.f), r->dir[DIR_READ].ios);
    assert_int_equal(r->dir[DIR_WRITE].ios, 0);
    assert_int_equal(r->lun_count, 4);
    /* The other three LUNs carried the rest of the job. */
    for (uint16_t k = 0; k < 4; k++)
        if (k != 2)
            assert_true(fake_hba_find_lun(&x->b.f, 0, k)->reads > 0);
}

/* ---- 2. removal without an event: the next command finds it gone ---- */

/* Unplug the watched LUN (no event) while a command to another LUN is the one in flight
 * (iodepth 1): nothing of the watched LUN is in flight, so the next command to it is the first to
 * find it gone. */
static bool act_unplug_silent_elsewhere(struct script *s, const struct hba_cmd *cmd)
{
    if (watched(s, cmd))
        return false;
    fake_hba_unplug(s->f, s->target, s->lun, false);
    return true;
}

static void removal_without_event(struct fixture *x, uint8_t target, uint16_t lun)
{
    x->s.target = target;
    x->s.lun = lun;
    x->s.act = act_unplug_silent_elsewhere;
    prepare(x, JOB_RANDREAD(1, ""));
    assert_int_equal(run(x), 0);
    const struct job_result *r = &x->b.r;
    assert_true(x->s.fired);
    assert_int_equal(x->s.inflight_at_fire, 0);
    assert_false(r->stopped);
    assert_int_equal(r->luns_removed, 1);
    assert_int_equal(r->events, 0);
    assert_true(inv_find(&x->b.inv, target, lun)->flags & LUN_REMOVED);
    /* Exactly one command reached the LUN after it went: the one that found it gone, counted as
     * removed, not as an error. */
    assert_int_equal(x->s.reads_after_fire, 1);
    assert_int_equal(x->s.reads_known, 0);
    assert_int_equal(r->removed_ios, 1);
    assert_no_errors(r);
    assert_int_equal(inv_find(&x->b.inv, target, lun)->errors, 0);
    assert_int_equal(r->dir[DIR_READ].ios, NUMBER_IOS - 1);
    assert_int_equal(fake_reads_total(&x->b.f), r->dir[DIR_READ].ios);
}

/* Target 0 keeps LUNs 0, 1 and 3: LUN 2 answers ILLEGAL REQUEST 25/00. */
static void test_removal_without_event_lun_not_supported(void **state)
{
    struct fixture *x = *state;
    add_luns(x, 0, 4);
    removal_without_event(x, 0, 2);
    assert_int_equal(x->b.r.lun_count, 4);
}

/* LUN 1:0 is alone on target 1: with it gone the target answers BAD_TARGET. */
static void test_removal_without_event_bad_target(void **state)
{
    struct fixture *x = *state;
    add_luns(x, 0, 3);
    add_luns(x, 1, 1);
    removal_without_event(x, 1, 0);
    assert_int_equal(x->b.r.lun_count, 4);
}

/* ---- 3. capacity changes ---- */

static uint64_t new_blocks; /* what the scripted change sets */

static void set_capacity_ua(struct fake_lun *l, uint64_t blocks)
{
    l->blocks = blocks;
    l->ua_pending = 1;
    l->ua_asc = SCSI_ASC_PARAMETERS_CHANGED;
    l->ua_ascq = SCSI_ASCQ_CAPACITY_DATA_HAS_CHANGED;
}

static bool act_capacity_ua(struct script *s, const struct hba_cmd *cmd)
{
    (void)cmd;
    set_capacity_ua(fake_hba_find_lun(s->f, s->target, s->lun), new_blocks);
    return true;
}

/* Shrink on a command to the watched LUN that lies inside the new capacity (iodepth 1: it is the
 * only command in flight, and the one that meets the UNIT ATTENTION). */
static bool act_shrink_ua_inside(struct script *s, const struct hba_cmd *cmd)
{
    if (!watched(s, cmd) || cmd_lba(cmd) + cmd_blocks(cmd) > new_blocks)
        return false;
    return act_capacity_ua(s, cmd);
}

/* The same, on a command that lies past the new capacity: its retry must not go there. */
static bool act_shrink_ua_outside(struct script *s, const struct hba_cmd *cmd)
{
    if (!watched(s, cmd) || cmd_lba(cmd) < new_blocks)
        return false;
    return act_capacity_ua(s, cmd);
}

static void test_capacity_grows_unit_attention(void **state)
{
    struct fixture *x = *state;
    add_luns(x, 0, 4);
    new_blocks = 2048;
    x->s.target = 0;
    x->s.lun = 1;
    x->s.act = act_capacity_ua;
    prepare(x, JOB_RANDREAD(8, ""));
    uint64_t rc16_before = x->b.f.ops[SCSI_OP_SERVICE_ACTION_IN16];
    assert_int_equal(run(x), 0);
    const struct job_result *r = &x->b.r;
    assert_true(x->s.fired);
    assert_false(r->stopped);
    assert_int_equal(r->ua_retries, 1);
    assert_int_equal(r->capacity_changes, 1);
    assert_int_equal(r->luns_removed, 0);
    assert_int_equal(inv_find(&x->b.inv, 0, 1)->blocks, 2048);
    assert_int_equal(inv_find(&x->b.inv, 0, 0)->blocks, LUN_BLOCKS);
    assert_int_equal(x->b.f.ops[SCSI_OP_SERVICE_ACTION_IN16] - rc16_before, 1); /* one probe read it */
    assert_no_errors(r);
    assert_int_equal(r->removed_ios, 0);
    assert_int_equal(r->dir[DIR_READ].ios, NUMBER_IOS); /* the retry is the same I/O again */
    assert_int_equal(fake_reads_total(&x->b.f), r->dir[DIR_READ].ios);
    assert_true(fake_hba_find_lun(&x->b.f, 0, 1)->reads > 0);
}

static void capacity_shrinks_unit_attention(struct fixture *x, bool (*act)(struct script *, const struct hba_cmd *))
{
    add_luns(x, 0, 4);
    new_blocks = 512;
    x->s.target = 0;
    x->s.lun = 1;
    x->s.act = act;
    x->s.limit = new_blocks;
    prepare(x, JOB_RANDREAD(1, ""));
    assert_int_equal(run(x), 0);
    assert_true(x->s.fired);
}

static void check_shrunk(const struct fixture *x, uint64_t ios)
{
    const struct job_result *r = &x->b.r;
    assert_false(r->stopped);
    assert_int_equal(r->ua_retries, 1);
    assert_int_equal(r->capacity_changes, 1);
    assert_int_equal(r->luns_removed, 0);
    assert_int_equal(inv_find(&x->b.inv, 0, 1)->blocks, 512);
    assert_false(inv_find(&x->b.inv, 0, 1)->flags & LUN_REMOVED);
    /* Nothing after the change reached past the new end (the fake would have answered 21/00,
     * an error), and the LUN still took I/O inside it. */
    assert_int_equal(x->s.reads_beyond, 0);
    assert_true(x->s.reads_after_fire > 0);
    assert_no_errors(r);
    assert_int_equal(inv_find(&x->b.inv, 0, 1)->errors, 0);
    assert_int_equal(r->dir[DIR_READ].ios, ios);
    assert_int_equal(fake_reads_total(&x->b.f), r->dir[DIR_READ].ios);
}

static void test_capacity_shrinks_unit_attention(void **state)
{
    struct fixture *x = *state;
    capacity_shrinks_unit_attention(x, act_shrink_ua_inside);
    check_shrunk(x, NUMBER_IOS); /* the retry is the same I/O again */
}

/* The I/O that met the UNIT ATTENTION lies past the shrunk LUN's end: its retry is dropped, not
 * sent out of range (it waits for the new capacity, then finds itself outside the region). */
static void test_capacity_shrinks_retry_past_new_end(void **state)
{
    struct fixture *x = *state;
    capacity_shrinks_unit_attention(x, act_shrink_ua_outside);
    check_shrunk(x, NUMBER_IOS - 1); /* the one past the new end is dropped */
}

/* The change told by an event instead: LUN_CHANGED, no UNIT ATTENTION. */
static bool act_capacity_event(struct script *s, const struct hba_cmd *cmd)
{
    (void)cmd;
    fake_hba_find_lun(s->f, s->target, s->lun)->blocks = new_blocks;
    fake_hba_post_event(s->f, HBA_EVENT_LUN_CHANGED, s->target, s->lun);
    return true;
}

static void test_capacity_grows_event(void **state)
{
    struct fixture *x = *state;
    add_luns(x, 0, 4);
    new_blocks = 2048;
    x->s.target = 0;
    x->s.lun = 1;
    x->s.act = act_capacity_event;
    prepare(x, JOB_RANDREAD(8, ""));
    uint64_t rc16_before = x->b.f.ops[SCSI_OP_SERVICE_ACTION_IN16];
    assert_int_equal(run(x), 0);
    const struct job_result *r = &x->b.r;
    assert_true(x->s.fired);
    assert_false(r->stopped);
    assert_int_equal(r->events, 1);
    assert_int_equal(r->ua_retries, 0);
    assert_int_equal(r->capacity_changes, 1);
    assert_int_equal(inv_find(&x->b.inv, 0, 1)->blocks, 2048);
    assert_int_equal(x->b.f.ops[SCSI_OP_SERVICE_ACTION_IN16] - rc16_before, 1);
    assert_no_errors(r);
    assert_int_equal(r->dir[DIR_READ].ios, NUMBER_IOS);
    assert_int_equal(fake_reads_total(&x->b.f), NUMBER_IOS);
}

/* Both at once, as QEMU does (the event, and the UNIT ATTENTION on the next command): one change. */
static bool act_capacity_event_and_ua(struct script *s, const struct hba_cmd *cmd)
{
    act_capacity_event(s, cmd);
    return act_capacity_ua(s, cmd);
}

static void test_capacity_event_and_unit_attention_count_once(void **state)
{
    struct fixture *x = *state;
    add_luns(x, 0, 4);
    new_blocks = 3000;
    x->s.target = 0;
    x->s.lun = 3;
    x->s.act = act_capacity_event_and_ua;
    prepare(x, JOB_RANDREAD(8, ""));
    assert_int_equal(run(x), 0);
    const struct job_result *r = &x->b.r;
    assert_true(x->s.fired);
    assert_int_equal(r->events, 1);
    assert_int_equal(r->ua_retries, 1);
    assert_int_equal(r->capacity_changes, 1);
    assert_int_equal(inv_find(&x->b.inv, 0, 3)->blocks, 3000);
    assert_no_errors(r);
    assert_int_equal(r->dir[DIR_READ].ios, NUMBER_IOS); /* the retry is the same I/O again */
}

/* A shrink told by an event: the device shrinks the LUN when it delivers the event, and only
 * when what it still holds for the LUN lies inside the new end (what was sent before the driver
 * could know would fail on any device; that is not the engine's doing). */
static const struct hba_ops *fake_ops;
static struct hba_ops shrink_ops;
static struct script *shrink_script;

static unsigned shrink_poll_events(struct hba *h, struct hba_event *events, unsigned max)
{
    struct script *s = shrink_script;
    if (s->shrink_pending) {
        for (unsigned i = 0; i < s->f->n_inflight; i++) {
            const struct hba_cmd *c = s->f->inflight[i].cmd;
            if (watched(s, c) && is_read(c) && cmd_lba(c) + cmd_blocks(c) > new_blocks)
                return 0; /* later */
        }
        fake_hba_find_lun(s->f, s->target, s->lun)->blocks = new_blocks;
        s->shrink_pending = false;
        s->fired2 = true;
        s->limit = new_blocks; /* READs from now on must stay inside */
    }
    return fake_ops->poll_events(h, events, max);
}

static bool act_shrink_event(struct script *s, const struct hba_cmd *cmd)
{
    (void)cmd;
    s->shrink_pending = true;
    fake_hba_post_event(s->f, HBA_EVENT_LUN_CHANGED, s->target, s->lun);
    return true;
}

static void test_capacity_shrinks_event(void **state)
{
    struct fixture *x = *state;
    add_luns(x, 0, 4);
    new_blocks = 512;
    x->s.target = 0;
    x->s.lun = 1;
    x->s.act = act_shrink_event;
    prepare(x, JOB_RANDREAD(1, ""));
    fake_ops = x->b.f.base.ops;
    shrink_ops = *fake_ops;
    shrink_ops.poll_events = shrink_poll_events;
    shrink_script = &x->s;
    x->b.f.base.ops = &shrink_ops;
    int rc = run(x);
    x->b.f.base.ops = fake_ops;
    assert_int_equal(rc, 0);
    const struct job_result *r = &x->b.r;
    assert_true(x->s.fired);
    assert_true(x->s.fired2); /* the LUN did shrink */
    assert_false(r->stopped);
    assert_int_equal(r->events, 1);
    assert_int_equal(r->ua_retries, 0);
    assert_int_equal(r->capacity_changes, 1);
    assert_int_equal(inv_find(&x->b.inv, 0, 1)->blocks, 512);
    assert_int_equal(x->s.reads_beyond, 0); /* counted from the shrink on */
    assert_true(x->s.reads_after_fire > 0);
    assert_no_errors(r);
    assert_int_equal(r->dir[DIR_READ].ios, NUMBER_IOS);
    assert_int_equal(fake_reads_total(&x->b.f), NUMBER_IOS);
}

/* ---- 4. a LUN added ---- */

static bool act_add_lun_event(struct script *s, const struct hba_cmd *cmd)
{
    (void)cmd;
    fake_hba_add_lun(s->f, s->target, s->lun, LUN_BLOCKS);
    fake_hba_post_event(s->f, HBA_EVENT_LUN_ADDED, s->target, s->lun);
    return true;
}

static void lun_added(struct fixture *x, const char *job_text)
{
    add_luns(x, 0, 4);
    x->s.target = 0;
    x->s.lun = 4;
    x->s.act = act_add_lun_event;
    prepare(x, job_text);
    assert_int_equal(x->b.inv.count, 4);
    assert_int_equal(run(x), 0);
    const struct job_result *r = &x->b.r;
    assert_true(x->s.fired);
    assert_false(r->stopped);
    assert_int_equal(r->events, 1);
    assert_int_equal(r->luns_added, 1);
    assert_int_equal(r->luns_removed, 0);
    assert_int_equal(x->b.inv.count, 5);
    const struct lun_info *l = inv_find(&x->b.inv, 0, 4);
    assert_non_null(l);
    assert_int_equal(l->blocks, LUN_BLOCKS);
    assert_int_equal(l->flags, LUN_WP_KNOWN); /* a probe reads the write-protect bit: it may join a write job */
    assert_no_errors(r);
    assert_int_equal(r->dir[DIR_READ].ios, NUMBER_IOS);
    assert_int_equal(fake_reads_total(&x->b.f), NUMBER_IOS);
}

static void test_lun_added_joins_luns_all(void **state)
{
    struct fixture *x = *state;
    lun_added(x, JOB_RANDREAD(8, "luns=all\n"));
    assert_int_equal(x->b.r.lun_count, 5);
    assert_true(fake_hba_find_lun(&x->b.f, 0, 4)->reads > 0);
    assert_int_equal(x->s.reads_after_fire, fake_hba_find_lun(&x->b.f, 0, 4)->reads);
}

/* A LUN added under a trim job: its provisioning pages are read before it joins, so it takes
 * UNMAPs where page B2 says LBPU; one that does not is named and stays out. */
static unsigned unmaps_seen;
static bool new_lun_takes_unmap;

static void add_at_tenth_unmap(struct fake_hba *f, const struct hba_cmd *cmd, void *ctx)
{
    (void)ctx;
    if (cmd->cdb[0] != SCSI_OP_UNMAP || ++unmaps_seen != 10)
        return;
    fake_hba_add_lun(f, 0, 4, LUN_BLOCKS)->no_unmap = !new_lun_takes_unmap;
    fake_hba_post_event(f, HBA_EVENT_LUN_ADDED, 0, 4);
}

static void lun_added_to_trim_job(struct fixture *x, bool takes_unmap)
{
    add_luns(x, 0, 4);
    prepare(x, "[t]\nrw=randtrim\nbs=4k\niodepth=4\nluns=all\n");
    unmaps_seen = 0;
    new_lun_takes_unmap = takes_unmap;
    x->b.f.on_submit = add_at_tenth_unmap;
    assert_int_equal(run(x), 0);
    const struct job_result *r = &x->b.r;
    assert_int_equal(r->luns_added, 1);
    assert_int_equal(r->dir[DIR_TRIM].ios, 4 * LUN_BLOCKS / 8); /* random: the first four regions' worth, in 4k */
    assert_int_equal(r->dir[DIR_TRIM].errors, 0);
    const struct lun_info *l = inv_find(&x->b.inv, 0, 4);
    assert_non_null(l);
    assert_true(l->flags & LUN_LBP_KNOWN);
    assert_int_equal(!!(l->flags & LUN_UNMAP), takes_unmap);
}

static void test_lun_added_to_trim_job_joins_with_unmap(void **state)
{
    struct fixture *x = *state;
    lun_added_to_trim_job(x, true);
    assert_int_equal(x->b.r.lun_count, 5);
    assert_true(fake_hba_find_lun(&x->b.f, 0, 4)->unmaps > 0);
}

static void test_lun_added_to_trim_job_without_unmap_stays_out(void **state)
{
    struct fixture *x = *state;
    lun_added_to_trim_job(x, false);
    assert_int_equal(x->b.r.lun_count, 4);
    assert_int_equal(fake_hba_find_lun(&x->b.f, 0, 4)->unmaps, 0);
}

static void test_lun_added_not_in_list_does_not_join(void **state)
{
    struct fixture *x = *state;
    lun_added(x, JOB_RANDREAD(8, "luns=0:0:0,0:0:1,0:0:2,0:0:3\n"));
    assert_int_equal(x->b.r.lun_count, 4);
    assert_int_equal(fake_hba_find_lun(&x->b.f, 0, 4)->reads, 0);
    assert_int_equal(x->s.reads_after_fire, 0);
}

/* ---- 5. rescans: missed events, UNIT ATTENTION 3f/0e ---- */

/* Two LUNs appear; the event queue holds one event, so the second is dropped. */
static bool act_add_two_one_event_slot(struct script *s, const struct hba_cmd *cmd)
{
    (void)cmd;
    s->f->event_capacity = 1;
    fake_hba_add_lun(s->f, 0, 4, LUN_BLOCKS);
    fake_hba_add_lun(s->f, 0, 5, LUN_BLOCKS);
    fake_hba_post_event(s->f, HBA_EVENT_LUN_ADDED, 0, 4);
    fake_hba_post_event(s->f, HBA_EVENT_LUN_ADDED, 0, 5);
    return s->f->n_events == 1 && s->f->events_dropped;
}

/* Once the first is read, the device posts the next event it has (none), saying it missed some. */
static bool act_post_missed(struct script *s, const struct hba_cmd *cmd)
{
    (void)cmd;
    if (s->f->n_events != 0)
        return false;
    fake_hba_post_event(s->f, HBA_EVENT_NONE, 0, 0);
    assert_true(s->f->events[0].events_missed);
    return true;
}

static void test_events_missed_rescan_finds_both(void **state)
{
    struct fixture *x = *state;
    add_luns(x, 0, 4);
    x->s.target = 0;
    x->s.lun = 5;
    x->s.act = act_add_two_one_event_slot;
    x->s.act2 = act_post_missed;
    prepare(x, JOB_RANDREAD(8, ""));
    uint64_t report_luns_before = x->b.f.ops[SCSI_OP_REPORT_LUNS];
    assert_int_equal(run(x), 0);
    const struct job_result *r = &x->b.r;
    assert_true(x->s.fired);
    assert_true(x->s.fired2);
    assert_false(r->stopped);
    assert_int_equal(r->events, 2);
    assert_int_equal(r->luns_added, 2);
    assert_int_equal(r->luns_removed, 0);
    assert_int_equal(x->b.inv.count, 6);
    assert_non_null(inv_find(&x->b.inv, 0, 4));
    assert_non_null(inv_find(&x->b.inv, 0, 5));
    /* One rescan: REPORT LUNS to every target once more. */
    assert_int_equal(x->b.f.ops[SCSI_OP_REPORT_LUNS] - report_luns_before, 256);
    assert_int_equal(r->lun_count, 6);
    assert_true(fake_hba_find_lun(&x->b.f, 0, 4)->reads > 0);
    assert_true(fake_hba_find_lun(&x->b.f, 0, 5)->reads > 0);
    assert_no_errors(r);
    assert_int_equal(r->dir[DIR_READ].ios, NUMBER_IOS);
}

/* An event flood: every READ the device posts two events into a queue of one, so every event
 * read says EVENTS_MISSED. */
static bool act_flood(struct script *s, const struct hba_cmd *cmd)
{
    (void)cmd;
    s->f->event_capacity = 1;
    fake_hba_post_event(s->f, HBA_EVENT_NONE, 0, 0);
    fake_hba_post_event(s->f, HBA_EVENT_NONE, 0, 0);
    return true;
}

static bool act2_flood(struct script *s, const struct hba_cmd *cmd)
{
    act_flood(s, cmd);
    return false; /* again on the next READ */
}

/* The capacity is read again, and the HBA rescanned, at most once per HOTPLUG_RESCAN_GAP_MS
 * whatever the flood (each reading drains the job); the job ends with every I/O done. Returns
 * the readings (opcode op, per_reading commands each). */
static uint64_t run_change_flood(struct fixture *x, bool (*act)(struct script *, const struct hba_cmd *),
                             bool (*act2)(struct script *, const struct hba_cmd *), uint8_t op, unsigned per_reading)
{
    add_luns(x, 0, 4);
    x->s.target = 0;
    x->s.lun = 1;
    x->s.act = act;
    x->s.act2 = act2;
    prepare(x, JOB_RANDREAD(8, ""));
    uint64_t before = x->b.f.ops[op];
    uint64_t t0 = fake_clock_now();
    assert_int_equal(run(x), 0);
    uint64_t ticks = fake_clock_now() - t0;
    const struct job_result *r = &x->b.r;
    assert_true(x->s.fired);
    uint64_t readings = (x->b.f.ops[op] - before) / per_reading;
    uint64_t gap = (uint64_t)FAKE_HZ / 1000 * HOTPLUG_RESCAN_GAP_MS;
    printf("flood: %llu readings (opcode %02x) in %llu ticks, gap %llu; %u events, %llu UNIT ATTENTIONs\n",
           (unsigned long long)readings, op, (unsigned long long)ticks, (unsigned long long)gap, r->events,
           (unsigned long long)r->ua_retries);
    assert_true(readings >= 1);
    if (readings > 1 + ticks / gap)
        fail_msg("%llu readings in %llu ticks: more than one per %llu-tick gap", (unsigned long long)readings,
                 (unsigned long long)ticks, (unsigned long long)gap);
    assert_no_errors(r);
    assert_int_equal(r->dir[DIR_READ].ios, NUMBER_IOS);
    assert_int_equal(r->luns_added, 0);
    assert_int_equal(r->luns_removed, 0);
    assert_int_equal(r->capacity_changes, 0);
    return readings;
}

static void test_event_flood_rescans_at_most_every_gap(void **state)
{
    struct fixture *x = *state;
    /* every event read (one per event poll) asks for a rescan (REPORT LUNS to all 256 targets) */
    uint64_t rescans = run_change_flood(x, act_flood, act2_flood, SCSI_OP_REPORT_LUNS, 256);
    assert_true(x->b.r.events > 2 * rescans);
}

/* A flood of PARAM_CHANGE events about LUN 1 that changes nothing: one on every READ. */
static bool act2_capacity_flood(struct script *s, const struct hba_cmd *cmd)
{
    (void)cmd;
    fake_hba_post_event(s->f, HBA_EVENT_LUN_CHANGED, s->target, s->lun);
    return false; /* again on the next READ */
}

static bool act_capacity_flood(struct script *s, const struct hba_cmd *cmd)
{
    act2_capacity_flood(s, cmd);
    return true;
}

/* A UNIT ATTENTION 3f/0e on every command to LUN 1 for a while: the inventory never changes. */
static bool act_inventory_ua_flood(struct script *s, const struct hba_cmd *cmd)
{
    (void)cmd;
    struct fake_lun *l = fake_hba_find_lun(s->f, s->target, s->lun);
    l->ua_pending = 200;
    l->ua_asc = SCSI_ASC_OPERATING_CONDITIONS_CHANGED;
    l->ua_ascq = SCSI_ASCQ_REPORTED_LUNS_DATA_HAS_CHANGED;
    return true;
}

static void test_capacity_flood_reads_at_most_every_gap(void **state)
{
    struct fixture *x = *state;
    run_change_flood(x, act_capacity_flood, act2_capacity_flood, SCSI_OP_SERVICE_ACTION_IN16, 1);
    assert_true(x->b.r.events > 10);
}

static void test_inventory_ua_flood_rescans_at_most_every_gap(void **state)
{
    struct fixture *x = *state;
    run_change_flood(x, act_inventory_ua_flood, NULL, SCSI_OP_REPORT_LUNS, 256);
    assert_true(x->b.r.ua_retries > 10);
}

/* A LUN appears with no event at all; the next command to LUN 0:0:0 says 3f/0e. */
static bool act_add_silent_ua_3f0e(struct script *s, const struct hba_cmd *cmd)
{
    (void)cmd;
    fake_hba_add_lun(s->f, 0, 4, LUN_BLOCKS);
    struct fake_lun *l0 = fake_hba_find_lun(s->f, 0, 0);
    l0->ua_pending = 1;
    l0->ua_asc = SCSI_ASC_OPERATING_CONDITIONS_CHANGED;
    l0->ua_ascq = SCSI_ASCQ_REPORTED_LUNS_DATA_HAS_CHANGED;
    return true;
}

static void test_unit_attention_3f0e_rescan_finds_lun(void **state)
{
    struct fixture *x = *state;
    add_luns(x, 0, 4);
    x->s.target = 0;
    x->s.lun = 4;
    x->s.act = act_add_silent_ua_3f0e;
    prepare(x, JOB_RANDREAD(8, ""));
    uint64_t report_luns_before = x->b.f.ops[SCSI_OP_REPORT_LUNS];
    assert_int_equal(run(x), 0);
    const struct job_result *r = &x->b.r;
    assert_true(x->s.fired);
    assert_false(r->stopped);
    assert_int_equal(r->events, 0);
    assert_int_equal(r->ua_retries, 1);
    assert_int_equal(r->luns_added, 1);
    assert_int_equal(x->b.inv.count, 5);
    assert_non_null(inv_find(&x->b.inv, 0, 4));
    assert_int_equal(x->b.f.ops[SCSI_OP_REPORT_LUNS] - report_luns_before, 256);
    assert_int_equal(r->lun_count, 5);
    assert_true(fake_hba_find_lun(&x->b.f, 0, 4)->reads > 0);
    assert_no_errors(r);
    assert_int_equal(r->dir[DIR_READ].ios, NUMBER_IOS); /* the retry is the same I/O again */
}

/* ---- 6. a LUN that comes back ---- */

#define EARLIER_ERRORS 3 /* the LUN's errors from earlier jobs */

static uint64_t reads_at_return;

/* Back at the same address, once the engine has marked it removed (and a few READs later). */
static bool act_come_back(struct script *s, const struct hba_cmd *cmd)
{
    (void)cmd;
    const struct lun_info *l = inv_find(s->inv, s->target, s->lun);
    if (!(l->flags & LUN_REMOVED) || s->reads < s->trigger + 100)
        return false;
    reads_at_return = s->reads_after_fire;
    fake_hba_add_lun(s->f, s->target, s->lun, LUN_BLOCKS);
    fake_hba_post_event(s->f, HBA_EVENT_LUN_ADDED, s->target, s->lun);
    return true;
}

static void test_lun_comes_back_after_removal(void **state)
{
    struct fixture *x = *state;
    add_luns(x, 0, 4);
    /* LUN 2 is small, with a bad block: some of its READs fail before it goes. */
    struct fake_lun *l2 = fake_hba_find_lun(&x->b.f, 0, 2);
    l2->blocks = 16;
    l2->media_error_lba = 3;
    x->s.target = 0;
    x->s.lun = 2;
    x->s.act = act_unplug_event;
    x->s.act2 = act_come_back;
    prepare(x, JOB_RANDREAD(8, ""));
    inv_find(&x->b.inv, 0, 2)->errors = EARLIER_ERRORS;
    assert_int_equal(run(x), 0);
    const struct job_result *r = &x->b.r;
    assert_true(x->s.fired);
    assert_true(x->s.fired2);
    assert_false(r->stopped);
    assert_int_equal(r->events, 2);
    assert_int_equal(r->luns_removed, 1);
    assert_int_equal(r->luns_added, 1);
    assert_int_equal(x->b.inv.count, 4);
    const struct lun_info *l = inv_find(&x->b.inv, 0, 2);
    assert_false(l->flags & LUN_REMOVED);
    assert_int_equal(l->blocks, LUN_BLOCKS); /* read again: the device at that address now */
    /* Its errors: those of earlier jobs and of this one before it went, kept across the return
     * (the returned LUN has no bad block: no new ones). */
    assert_true(x->s.errors_at_fire > EARLIER_ERRORS);
    assert_int_equal(l->errors, x->s.errors_at_fire);
    assert_int_equal(r->errors[ERR_CHECK_CONDITION], x->s.errors_at_fire - EARLIER_ERRORS);
    assert_int_equal(r->dir[DIR_READ].errors, x->s.errors_at_fire - EARLIER_ERRORS);
    assert_int_equal(r->errors[ERR_RESPONSE] + r->errors[ERR_OTHER_STATUS] + r->errors[ERR_SHORT_TRANSFER], 0);
    /* It took I/O again: every READ the fake served since its return came after it. */
    struct fake_lun *back = fake_hba_find_lun(&x->b.f, 0, 2);
    assert_true(back->reads > 0);
    assert_int_equal(back->reads, x->s.reads_after_fire - reads_at_return);
    assert_true(r->removed_ios >= 1);
    assert_int_equal(r->dir[DIR_READ].ios + r->dir[DIR_READ].errors + r->removed_ios, NUMBER_IOS);
}

/* Another device at that address: smaller than the job's region there. */
#define SMALLER_BLOCKS 256

static bool act_come_back_smaller(struct script *s, const struct hba_cmd *cmd)
{
    (void)cmd;
    const struct lun_info *l = inv_find(s->inv, s->target, s->lun);
    if (!(l->flags & LUN_REMOVED) || s->reads < s->trigger + 100)
        return false;
    fake_hba_add_lun(s->f, s->target, s->lun, SMALLER_BLOCKS);
    fake_hba_post_event(s->f, HBA_EVENT_LUN_ADDED, s->target, s->lun);
    s->limit = SMALLER_BLOCKS; /* READs from now on must stay inside */
    return true;
}

/* A LUN back at its address is another device, here a smaller one: the job's region is worked out
 * again for it, and no READ goes past its end. */
static void test_lun_comes_back_smaller(void **state)
{
    struct fixture *x = *state;
    add_luns(x, 0, 4);
    x->s.target = 0;
    x->s.lun = 2;
    x->s.act = act_unplug_event;
    x->s.act2 = act_come_back_smaller;
    prepare(x, JOB_RANDREAD(8, ""));
    assert_int_equal(run(x), 0);
    const struct job_result *r = &x->b.r;
    assert_true(x->s.fired);
    assert_true(x->s.fired2);
    assert_int_equal(r->luns_removed, 1);
    assert_int_equal(r->luns_added, 1);
    const struct lun_info *l = inv_find(&x->b.inv, 0, 2);
    assert_false(l->flags & LUN_REMOVED);
    assert_int_equal(l->blocks, SMALLER_BLOCKS);
    assert_int_equal(x->s.reads_beyond, 0);
    assert_true(fake_hba_find_lun(&x->b.f, 0, 2)->reads > 0);
    assert_no_errors(r);
    assert_int_equal(r->dir[DIR_READ].ios + r->removed_ios, NUMBER_IOS);
}

/* ---- 7. every LUN of the job removed ---- */

static bool event_for_all;
static unsigned inflight_at_unplug_all; /* the job's commands the fake held when every LUN went */

static bool act_unplug_all(struct script *s, const struct hba_cmd *cmd)
{
    (void)cmd;
    inflight_at_unplug_all = s->f->n_inflight;
    for (unsigned i = 0; i < s->f->n_luns; i++)
        fake_hba_unplug(s->f, s->f->luns[i]->target, s->f->luns[i]->lun, event_for_all);
    return true;
}

static void every_lun_removed(struct fixture *x, bool event)
{
    add_luns(x, 0, 3);
    add_luns(x, 1, 1);
    event_for_all = event;
    x->s.target = 0;
    x->s.lun = 0;
    x->s.act = act_unplug_all;
    prepare(x, "[j]\nrw=randread\nbs=512\niodepth=8\nnumber_ios=1000000\n");
    uint64_t start = fake_clock_now();
    assert_int_equal(run(x), -1);
    uint64_t spent = fake_clock_now() - start;
    const struct job_result *r = &x->b.r;
    assert_true(x->s.fired);
    assert_true(r->stopped);
    assert_non_null(strstr(r->stop_reason, "no LUN of the job is left"));
    assert_int_equal(r->luns_removed, 4);
    assert_int_equal(r->events, event ? 4 : 0);
    for (size_t i = 0; i < x->b.inv.count; i++)
        assert_true(x->b.inv.luns[i].flags & LUN_REMOVED);
    assert_int_equal(x->s.reads_known, 0);
    assert_true(inflight_at_unplug_all >= 1);
    if (event) {
        /* Everything in flight came back removed, and so did what went out before the events
         * were read; none of it is an error. */
        assert_true(r->removed_ios >= inflight_at_unplug_all);
        assert_no_errors(r);
    } else {
        /* Without an event, what the unplug cancelled (ABORTED, with no TMF of ours) cannot be
         * told from any other cancel: those are errors; each LUN's next command then finds it
         * gone (25/00 or BAD_TARGET), removed, not an error. */
        assert_int_equal(r->errors[ERR_RESPONSE], inflight_at_unplug_all);
        assert_int_equal(r->errors[ERR_CHECK_CONDITION] + r->errors[ERR_OTHER_STATUS] + r->errors[ERR_SHORT_TRANSFER], 0);
        assert_true(r->removed_ios >= 4);
    }
    /* It stopped soon after: 200 READs take a few thousand ticks; a second is far more. */
    if (spent >= FAKE_HZ)
        fail_msg("the job took %llu ticks to stop", (unsigned long long)spent);
}

static void test_every_lun_removed_with_events_stops(void **state) { every_lun_removed(*state, true); }
static void test_every_lun_removed_without_events_stops(void **state) { every_lun_removed(*state, false); }

int main(void)
{
    alarm(120); /* a hang outside the job's clock (a probe's polling loop) ends the run, as a failure */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_removal_with_event_mid_io, setup, teardown),
        cmocka_unit_test_setup_teardown(test_removal_without_event_lun_not_supported, setup, teardown),
        cmocka_unit_test_setup_teardown(test_removal_without_event_bad_target, setup, teardown),
        cmocka_unit_test_setup_teardown(test_capacity_grows_unit_attention, setup, teardown),
        cmocka_unit_test_setup_teardown(test_capacity_shrinks_unit_attention, setup, teardown),
        cmocka_unit_test_setup_teardown(test_capacity_shrinks_retry_past_new_end, setup, teardown),
        cmocka_unit_test_setup_teardown(test_capacity_grows_event, setup, teardown),
        cmocka_unit_test_setup_teardown(test_capacity_event_and_unit_attention_count_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_capacity_shrinks_event, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lun_added_joins_luns_all, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lun_added_not_in_list_does_not_join, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lun_added_to_trim_job_joins_with_unmap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lun_added_to_trim_job_without_unmap_stays_out, setup, teardown),
        cmocka_unit_test_setup_teardown(test_events_missed_rescan_finds_both, setup, teardown),
        cmocka_unit_test_setup_teardown(test_event_flood_rescans_at_most_every_gap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unit_attention_3f0e_rescan_finds_lun, setup, teardown),
        cmocka_unit_test_setup_teardown(test_capacity_flood_reads_at_most_every_gap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inventory_ua_flood_rescans_at_most_every_gap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lun_comes_back_after_removal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lun_comes_back_smaller, setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_lun_removed_with_events_stops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_lun_removed_without_events_stops, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
