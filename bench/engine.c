#include "bench/engine.h"

#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/buffer_fill.h"
#include "bench/distribution.h"
#include "bench/hotplug.h"
#include "bench/io_log.h"
#include "bench/io_shape.h"
#include "bench/latency_target.h"
#include "bench/stamp.h"
#include "bench/targets.h"
#include "bench/wave.h"
#include "drivers/hba/outcome.h"
#include "drivers/hba/recovery.h"
#include "lib/dev_buf.h"

#define MAX_ERROR_LINES 20
#define MAX_VERIFY_BITMAP (64u << 20) /* bytes of "written" bitmaps a verify job may use */
#define MAX_RETRIES 256
#define STALLS_BEFORE_RETIRING 2 /* LOGICAL UNIT RESETs a LUN may need before it leaves the run */

_Static_assert((int)DIR_READ == (int)JOB_DDIR_READ && (int)DIR_WRITE == (int)JOB_DDIR_WRITE &&
               (int)DIR_TRIM == (int)JOB_DDIR_TRIM && (int)DIR_COUNT == (int)JOB_DDIRS,
               "job.h and engine.h index directions alike");

/* An I/O to submit again (it ended in UNIT ATTENTION), or trimwrite's write of a range just trimmed. */
struct retry {
    unsigned target;
    uint64_t unit, nunits;
    int dir;
    bool verify_read;
};

struct run;

struct slot {
    struct hba_cmd cmd;
    struct run *run;       /* the instance it belongs to: a worker's polls hand completions back by it */
    uint8_t *buf;
    unsigned target;
    uint64_t unit, nunits; /* where the I/O starts and how many of the job's units it covers */
    uint32_t len;          /* bytes */
    int dir;
    bool busy, measured, verify_read, flush;
    bool sync;             /* a flush the job asked for (fsync=, end_fsync=): counted in r->sync */
    uint64_t slat_cycles;
};

/* PHASE_FLUSH: a durable write job (rw=write with verify) ends each pass over the region with
 * SYNCHRONIZE CACHE on every LUN, then says which generation is durable. PHASE_END_SYNC:
 * end_fsync=1 and fsync_on_close=1 flush every LUN the job wrote, once each, after its I/O. */
enum phase { PHASE_RUN, PHASE_FLUSH, PHASE_END_SYNC, PHASE_VERIFY, PHASE_DONE };

/* The state of one running job instance (struct bench_instance to the worker). */
struct run {
    const struct job_spec *job;
    const struct bench_env *env;
    struct bench_common *common; /* shared with the worker's other instances */
    struct job_result *r;
    struct target_set set;
    unsigned hp_removed, hp_added, hp_capacity, hp_events; /* the hotplug counts when it started */
    struct slot *slots;
    unsigned n_slots, in_flight;
    unsigned *free_slots, n_free;
    uint64_t rng;
    uint64_t data_rng;    /* what writes carry: apart from rng, so data never moves the offsets */
    unsigned rr_cursor;
    /* The next new I/O, drawn and waiting for its direction's rate (dir -1: none drawn). */
    int pending_dir;
    uint64_t pending_units;
    /* Rates: what each direction issued, and (rate_process=poisson) when it may issue next. */
    uint64_t issued_ios[DIR_COUNT], issued_bytes[DIR_COUNT], next_issue[DIR_COUNT];
    struct io_shape shape;  /* each new I/O's size and offset */
    uint64_t generation;  /* of the first pass; pass p writes generation + p */
    bool durable;         /* passes end with a flush and a "durable" line */
    uint64_t pass;        /* current pass over the region (durable jobs) */
    unsigned flush_target, flushes_done, flush_failures;
    unsigned syncs_due;       /* LUNs with sync_due set */
    /* thinktime: I/Os counted towards thinktime_blocks; once there, the job drains, then idles
     * until think_until. */
    uint64_t think_count, think_until;
    bool think_pending;
    unsigned end_sync_passes; /* of job->end_syncs, begun */
    enum phase phase;
    /* Limits and progress. */
    uint64_t start, measure_start, run_end; /* run_end 0: no time limit */
    uint64_t submitted, submitted_bytes, bytes_limit, ios_limit, measured_submitted;
    unsigned verify_target;
    bool stop_submitting;
    bool lun_shares;       /* each LUN gets its own region's worth (targets.h bytes_left) */
    unsigned error_lines;
    struct retry retries[MAX_RETRIES];
    unsigned n_retries;
    /* trimwrite, randtrimwrite: the writes of ranges whose trim is done (at most one a slot). */
    struct retry *follow;
    unsigned n_follow;
    /* verify_backlog: writes done since the last read-back (their ranges); once there are
     * verify_backlog of them the job reads them back before it writes more. */
    struct retry *backlog;
    unsigned n_backlog, backlog_cap;
    bool backlog_due;
    unsigned dumps; /* verify_dump: blocks shown so far */
    bool involved[HBA_MAX];
    /* Per-second samples. */
    uint64_t next_tick, tick_ios[DIR_COUNT], tick_bytes[DIR_COUNT];
    unsigned seconds;
    struct io_log log; /* fio's log files (write_lat_log=, ...) */
    uint64_t next_status; /* when env->status is due next (status_interval) */
    struct latency_target lt; /* latency_target: the queue depth it allows */
    /* flow=: the wave's counters of its flow_id (bench/wave.h), the I/Os this instance issued in
     * it, and a hold: with flow_sleep, once its I/Os in flight are done it idles until flow_until. */
    struct wave_flow *flow;
    uint64_t flow_own, flow_until;
    bool flow_quiesce;
};

static uint64_t xorshift(uint64_t *s) { return dist_xorshift(s); }

static int choose_dir(struct run *run)
{
    switch (run->job->rw) {
    case JOB_READ:
    case JOB_RANDREAD: return DIR_READ;
    case JOB_WRITE:
    case JOB_RANDWRITE: return DIR_WRITE;
    case JOB_RW:
    case JOB_RANDRW: return xorshift(&run->rng) % 100 < run->job->rwmixread ? DIR_READ : DIR_WRITE;
    case JOB_TRIM:
    case JOB_RANDTRIM:
    case JOB_TRIMWRITE: /* the write follows each trim once it is done */
    case JOB_RANDTRIMWRITE: return DIR_TRIM;
    }
    return DIR_READ;
}


/* The next LUN with room for one more command: the one after the last chosen (round-robin), or
 * the first with room from a random place (random), so that a LUN with room is always found. */
static int pick_target(struct run *run)
{
    unsigned n = run->set.n;
    unsigned start = run->job->lun_order == LUN_ORDER_RANDOM ? (unsigned)(xorshift(&run->rng) % n) : run->rr_cursor;
    for (unsigned k = 0; k < n; k++) {
        unsigned i = start + k < n ? start + k : start + k - n;
        const struct target *t = &run->set.t[i];
        if (t->removed || t->retired || t->in_flight >= t->max_in_flight)
            continue;
        if (t->sync_due)
            continue; /* fsync=N: its writes drain, then it is flushed */
        if (run->durable && t->next_unit >= (run->pass + 1) * t->units)
            continue; /* this LUN finished the pass: wait for the flush */
        if (run->lun_shares && t->bytes_left == 0)
            continue; /* it had its share: the LUN whose commands complete first gets no more */
        /* A LUN being recovered gets nothing new: it would only be held too. */
        if (t->hba->tmfs_in_flight != 0 && hba_lun_in_recovery(t->hba, t->info->target, t->info->lun))
            continue;
        run->rr_cursor = i + 1 < n ? i + 1 : 0;
        return (int)i;
    }
    return -1;
}

/* The next request queue of t's HBA that this instance's worker may use (round-robin over them,
 * per LUN); marked for the worker's next kick. UINT_MAX when the worker has none of that HBA. */
static unsigned pick_queue(struct run *run, struct target *t)
{
    unsigned n = t->hba->num_queues;
    uint64_t mask = run->common->queues->mask[t->info->hba];
    for (unsigned k = 0; k < n; k++) {
        unsigned q = t->next_queue++ % n;
        if (mask & (1ull << q))
            return q;
    }
    return UINT_MAX;
}

/* Submitted to queue q: it is kicked once after this round of submissions, at r's cost. */
static void mark_dirty(struct run *run, unsigned hba, unsigned q)
{
    if (run->common->dirty[hba][q] == NULL)
        run->common->dirty[hba][q] = run->r;
}

static void bitmap_set(uint8_t *b, uint64_t i) { b[i / 8] |= (uint8_t)(1u << (i % 8)); }
static bool bitmap_get(const uint8_t *b, uint64_t i) { return b[i / 8] & (1u << (i % 8)); }
static void bitmap_clear(uint8_t *b, uint64_t i) { b[i / 8] &= (uint8_t)~(1u << (i % 8)); }

/* Why an I/O is submitted: a new one counts against the job's limits; a retry (after a UNIT
 * ATTENTION) is the same I/O again; a verify read checks what the job wrote; trimwrite's write of
 * a trimmed range is issued as a new I/O but counts against no size (its trim did). */
enum io_kind { IO_NEW, IO_RETRY, IO_VERIFY_READ, IO_FOLLOW };

/* UNMAP of the blocks (SBC-4 5.31): one block descriptor, its parameter list in buf. targets.c
 * keeps a LUN out of a trim job whose trims would pass page B0's MAXIMUM UNMAP LBA COUNT. */
static uint32_t build_unmap(struct hba_cmd *c, uint8_t *buf, uint64_t lba, uint32_t blocks)
{
    uint32_t len = (uint32_t)scsi_unmap_param_list(buf, &lba, &blocks, 1);
    c->cdb_len = (uint8_t)scsi_cdb_unmap(c->cdb, (uint16_t)len);
    c->dir = HBA_DIR_OUT;
    return len;
}

static bool submit_one(struct run *run, unsigned slot_index, unsigned target_index, uint64_t unit, uint64_t nunits,
                       int dir, enum io_kind kind)
{
    bool verify_read = kind == IO_VERIFY_READ;
    struct slot *s = &run->slots[slot_index];
    struct target *t = &run->set.t[target_index];
    const struct lun_info *l = t->info;
    uint64_t lba = t->first_lba + unit * t->blocks_per_unit;
    uint32_t blocks = (uint32_t)(nunits * t->blocks_per_unit), len = blocks * l->block_size;
    struct hba_cmd *c = &s->cmd;
    memset(c, 0, offsetof(struct hba_cmd, response));
    c->target = l->target;
    c->lun = l->lun;
    c->data = s->buf;
    c->timeout_cycles = run->env->cmd_timeout_cycles;
    c->user = s;
    if (dir == DIR_TRIM) {
        c->data_len = build_unmap(c, s->buf, lba, blocks);
    } else {
        c->cdb_len = (uint8_t)scsi_cdb_rw(c->cdb, dir == DIR_WRITE, lba, blocks);
        c->dir = dir == DIR_WRITE ? HBA_DIR_OUT : HBA_DIR_IN;
        c->data_len = len;
    }
    if (dir == DIR_TRIM) {
        /* no data: the parameter list is in the buffer */
    } else if (dir == DIR_WRITE && run->job->verify) {
        struct stamp_id id = { l->hba, l->target, l->lun };
        struct stamp_pattern pattern = { run->job->verify_pattern, run->job->verify_pattern_len };
        for (uint32_t b = 0; b < blocks; b++)
            stamp_fill(s->buf + (size_t)b * l->block_size, l->block_size, id, lba + b, run->generation + run->pass,
                       (enum stamp_method)run->job->verify_method, &pattern);
    } else if (dir == DIR_WRITE) {
        buffer_fill_write(run->job, s->buf, len, lba * (l->block_size / 512), &run->data_rng);
    }
    unsigned q = pick_queue(run, t);
    if (q == UINT_MAX)
        return false;
    uint64_t before = bench_now(run->env);
    if (hba_submit(t->hba, q, c) != 0)
        return false;
    uint64_t after = bench_now(run->env);
    s->slat_cycles = after - before;
    run->r->submit_cycles += after - before;
    mark_dirty(run, l->hba, q);
    s->busy = true;
    s->target = target_index;
    s->unit = unit;
    s->nunits = nunits;
    s->len = len;
    s->dir = dir;
    s->verify_read = verify_read;
    s->measured = !verify_read && before >= run->measure_start;
    t->in_flight++;
    run->in_flight++;
    run->n_free--;
    if (kind == IO_NEW || kind == IO_FOLLOW) {
        if (kind == IO_NEW) {
            run->submitted++;
            run->submitted_bytes += len;
            t->bytes_left -= len < t->bytes_left ? len : t->bytes_left;
        }
        run->issued_ios[dir]++;
        run->issued_bytes[dir] += len;
        if (dir == DIR_WRITE) {
            /* HOWTO fsync=N: after every N writes (fio counts the ones issued). */
            const struct job_spec *job = run->job;
            t->writes++;
            if (!t->sync_due && ((job->fsync_blocks && t->writes % job->fsync_blocks == 0) ||
                                 (job->fdatasync_blocks && t->writes % job->fdatasync_blocks == 0))) {
                t->sync_due = true;
                run->syncs_due++;
            }
        }
        if (s->measured) {
            run->measured_submitted++;
            unsigned depth = run->in_flight, level = 0;
            while (level + 1 < IODEPTH_LEVELS && depth >= (2u << level))
                level++;
            run->r->iodepth_level[level]++;
        }
    }
    return true;
}

/* An exponential gap with the given mean (a Poisson process's inter-arrival time). */
static uint64_t poisson_gap(struct run *run, double mean_cycles)
{
    double u = (double)(xorshift(&run->rng) >> 11) * (1.0 / 9007199254740992.0);
    return (uint64_t)(-log(1.0 - u) * mean_cycles);
}

/* HOWTO rate, rate_iops: each direction's cap, from the job's start. linear: the I/Os (bytes)
 * issued so far stay within what the elapsed time allows, plus one I/O; poisson: the gaps
 * between I/Os are exponential with the rate's mean (fio's lambda, 1e6 / IOPS). */
static bool rate_allows(struct run *run, int dir, uint64_t bytes, uint64_t now)
{
    const struct job_spec *job = run->job;
    uint64_t iops = job->rate_iops[dir], bps = job->rate_bytes[dir], hz = run->env->tsc_hz;
    if (iops == 0 && bps == 0)
        return true;
    if (job->rate_process == JOB_RATE_POISSON)
        return now >= run->next_issue[dir];
    uint64_t elapsed = now - run->start;
    if (iops != 0 && run->issued_ios[dir] >= (uint64_t)((unsigned __int128)elapsed * iops / hz) + 1)
        return false;
    (void)bytes;
    return bps == 0 || run->issued_bytes[dir] <= (uint64_t)((unsigned __int128)elapsed * bps / hz);
}

static void rate_issued(struct run *run, int dir, uint64_t bytes)
{
    const struct job_spec *job = run->job;
    if (job->rate_process != JOB_RATE_POISSON || (job->rate_iops[dir] == 0 && job->rate_bytes[dir] == 0))
        return;
    double hz = (double)run->env->tsc_hz, mean = 0.0;
    if (job->rate_iops[dir] != 0)
        mean = hz / (double)job->rate_iops[dir];
    if (job->rate_bytes[dir] != 0 && (double)bytes * hz / (double)job->rate_bytes[dir] > mean)
        mean = (double)bytes * hz / (double)job->rate_bytes[dir];
    if (run->next_issue[dir] == 0)
        run->next_issue[dir] = run->start;
    run->next_issue[dir] += poisson_gap(run, mean);
}

/* SYNCHRONIZE CACHE over the whole LUN (SBC-3 5.22: 0 blocks means to the end). */
static bool submit_flush(struct run *run, unsigned slot_index, unsigned target_index, bool counted)
{
    struct slot *s = &run->slots[slot_index];
    struct target *t = &run->set.t[target_index];
    struct hba_cmd *c = &s->cmd;
    memset(c, 0, offsetof(struct hba_cmd, response));
    c->target = t->info->target;
    c->lun = t->info->lun;
    c->cdb_len = (uint8_t)scsi_cdb_synchronize_cache10(c->cdb, 0, 0);
    c->dir = HBA_DIR_NONE;
    c->timeout_cycles = run->env->cmd_timeout_cycles;
    c->user = s;
    unsigned q = pick_queue(run, t);
    if (q == UINT_MAX || hba_submit(t->hba, q, c) != 0)
        return false;
    mark_dirty(run, t->info->hba, q);
    s->busy = true;
    s->flush = true;
    s->sync = counted;
    s->measured = counted && c->submit_tsc >= run->measure_start;
    s->verify_read = false;
    s->target = target_index;
    s->unit = 0;
    t->in_flight++;
    run->in_flight++;
    run->n_free--;
    return true;
}

/* fsync=N: the first LUN whose sync is due and whose writes are done gets its SYNCHRONIZE
 * CACHE (fio's libaio drains the queue before an fsync too). True when one was submitted. */
static bool submit_due_sync(struct run *run, unsigned slot)
{
    for (unsigned i = 0; i < run->set.n; i++) {
        struct target *t = &run->set.t[i];
        if (!t->sync_due)
            continue;
        if (t->removed || t->retired) {
            t->sync_due = false;
            run->syncs_due--;
            continue;
        }
        if (t->in_flight != 0 || !submit_flush(run, slot, i, true))
            continue;
        t->sync_due = false;
        run->syncs_due--;
        return true;
    }
    return false;
}

/* HOWTO thinktime: after thinktime_blocks I/Os, fio waits for those in flight (io_u_quiesce) and
 * then stalls thinktime; lunbench polls through the stall (all of it is thinktime_spin). */
static void think_after_io(struct run *run)
{
    const struct job_spec *job = run->job;
    if (job->thinktime_us == 0 || ++run->think_count < job->thinktime_blocks)
        return;
    run->think_count = 0;
    run->think_pending = true;
}

static bool think_allows(struct run *run, uint64_t now)
{
    if (run->think_pending) {
        if (run->in_flight != 0)
            return false;
        run->think_pending = false;
        run->think_until = now + (uint64_t)((unsigned __int128)run->job->thinktime_us * run->env->tsc_hz / 1000000u);
    }
    return now >= run->think_until;
}

/* fio's flow_threshold_exceeded before each new I/O: held back while its share of the flow's
 * I/Os is above its share of the weights; with flow_sleep it then waits for its I/Os in flight
 * (fio's io_u_quiesce) and idles flow_sleep microseconds before it looks again. */
static bool flow_allows(struct run *run, uint64_t now)
{
    const struct job_spec *job = run->job;
    if (run->flow == NULL || now < run->flow_until)
        return run->flow == NULL;
    if (run->flow_quiesce) {
        if (run->in_flight != 0)
            return false;
        run->flow_quiesce = false;
        run->flow_until = now + (uint64_t)((unsigned __int128)job->flow_sleep_us * run->env->tsc_hz / 1000000u);
        return false;
    }
    if (wave_flow_allows(run->flow, job->flow, run->flow_own))
        return true;
    run->flow_quiesce = job->flow_sleep_us != 0;
    return false;
}

static void submit_work(struct run *run, uint64_t now)
{
    while (run->n_free > 0) {
        unsigned slot = run->free_slots[run->n_free - 1];
        if (run->common->hp->n_pending > 0)
            return; /* drain: a hotplug change is applied with nothing in flight (on every instance),
                       before any retry */
        if (run->n_retries > 0) {
            /* I/Os that met a UNIT ATTENTION go again, unless their LUN is gone or busy, or its
             * region shrank below them (the change the attention told of is applied by now). */
            struct retry *rt = &run->retries[run->n_retries - 1];
            struct target *t = &run->set.t[rt->target];
            if (t->removed || rt->unit >= t->units) {
                run->n_retries--;
                continue;
            }
            if (t->in_flight >= t->max_in_flight ||
                !submit_one(run, slot, rt->target, rt->unit, rt->nunits, rt->dir,
                            rt->verify_read ? IO_VERIFY_READ : IO_RETRY))
                return;
            run->n_retries--;
            continue;
        }
        if (run->n_follow > 0 && !run->r->stopped) {
            /* trimwrite: the write of a range whose trim is done, before anything new. */
            struct retry *f = &run->follow[run->n_follow - 1];
            struct target *t = &run->set.t[f->target];
            if (t->removed || t->retired || f->unit + f->nunits > t->units) {
                run->n_follow--;
                continue;
            }
            if (t->in_flight >= t->max_in_flight || !submit_one(run, slot, f->target, f->unit, f->nunits, DIR_WRITE, IO_FOLLOW))
                return;
            run->n_follow--;
            continue;
        }
        if (run->backlog_due && !run->r->stopped) {
            /* verify_backlog: the writes done so far are read back before anything new (fio's
             * verify_batch), and leave the final read-back's map. */
            if (run->n_backlog == 0) {
                run->backlog_due = false;
                continue;
            }
            struct retry *b = &run->backlog[run->n_backlog - 1];
            struct target *t = &run->set.t[b->target];
            if (t->removed || t->retired || b->unit + b->nunits > t->units) {
                run->n_backlog--;
                continue;
            }
            if (t->in_flight >= t->max_in_flight ||
                !submit_one(run, slot, b->target, b->unit, b->nunits, DIR_READ, IO_VERIFY_READ))
                return;
            for (uint64_t u = 0; t->written && u < b->nunits; u++)
                bitmap_clear(t->written, b->unit + u);
            run->n_backlog--;
            continue;
        }
        if (run->phase == PHASE_FLUSH) {
            if (run->env->test_skip_flush) { /* test only: the pass is called durable unflushed */
                run->flush_target = run->flushes_done = run->set.n;
                return;
            }
            if (run->flush_target == run->set.n || !submit_flush(run, slot, run->flush_target, false))
                return;
            run->flush_target++;
            continue;
        }
        if (run->phase == PHASE_END_SYNC) {
            /* Every LUN the job wrote; the others count as done. */
            while (run->flush_target < run->set.n &&
                   (run->set.t[run->flush_target].removed || run->set.t[run->flush_target].writes == 0)) {
                run->flush_target++;
                run->flushes_done++;
            }
            if (run->flush_target == run->set.n || !submit_flush(run, slot, run->flush_target, true))
                return;
            run->flush_target++;
            continue;
        }
        /* A sync already due when the job's I/O ends is still sent: its writes were. */
        if (run->phase == PHASE_RUN && run->syncs_due > 0 && !run->r->stopped) {
            if (submit_due_sync(run, slot))
                continue;
            if (run->n_free == 0)
                return;
        }
        if (run->phase == PHASE_VERIFY) {
            if (run->r->stopped)
                return; /* verify_fatal (or a broken HBA): no more reads */
            /* Read back every unit the write phase stamped, LUN by LUN. */
            while (run->verify_target < run->set.n) {
                struct target *t = &run->set.t[run->verify_target];
                while (t->verify_unit < t->units && !bitmap_get(t->written, t->verify_unit))
                    t->verify_unit++;
                if (t->verify_unit < t->units && t->in_flight < t->max_in_flight)
                    break;
                if (t->verify_unit < t->units)
                    return; /* at this LUN's limit: wait for completions */
                run->verify_target++;
            }
            if (run->verify_target == run->set.n)
                return;
            struct target *t = &run->set.t[run->verify_target];
            if (!submit_one(run, slot, run->verify_target, t->verify_unit, 1, DIR_READ, IO_VERIFY_READ))
                return;
            t->verify_unit++;
            continue;
        }
        if (run->stop_submitting || !think_allows(run, now) || !latency_target_allows(&run->lt, run->in_flight))
            return;
        if (run->pending_dir < 0) {
            run->pending_dir = choose_dir(run);
            run->pending_units = io_shape_size(&run->shape, run->pending_dir);
        }
        int dir = run->pending_dir;
        if (!rate_allows(run, dir, run->pending_units * run->job->bs, now)) {
            /* fio's rate_ddir: a direction ahead of its rate yields to the other one of a mixed
             * job when that one is behind (and has a share of the mix). */
            int other = dir ^ 1;
            unsigned share = other == DIR_READ ? run->job->rwmixread : 100 - run->job->rwmixread;
            bool mixed = run->job->rw == JOB_RW || run->job->rw == JOB_RANDRW;
            if (!mixed || share == 0)
                return;
            uint64_t n_other = io_shape_size(&run->shape, other);
            if (!rate_allows(run, other, n_other * run->job->bs, now))
                return;
            dir = run->pending_dir = other;
            run->pending_units = n_other;
        }
        if (!flow_allows(run, now))
            return;
        int ti = pick_target(run);
        if (ti < 0)
            return;
        struct target *t = &run->set.t[ti];
        uint64_t n = run->pending_units < t->units ? run->pending_units : t->units;
        uint64_t skipped = 0;
        uint64_t unit = io_shape_offset(&run->shape, t, dir, &n, &skipped);
        run->submitted_bytes += skipped; /* zoneskip counts towards the job's size, as in fio */
        t->bytes_left -= skipped < t->bytes_left ? skipped : t->bytes_left;
        if (!submit_one(run, slot, (unsigned)ti, unit, n, dir, IO_NEW))
            return;
        rate_issued(run, dir, n * run->job->bs);
        if (run->flow != NULL) {
            wave_flow_issued(run->flow);
            run->flow_own++;
        }
        run->pending_dir = -1;
        if (run->job->thinktime_on_issue)
            think_after_io(run);
        if (run->ios_limit && run->measured_submitted >= run->ios_limit)
            run->stop_submitting = true;
        if (run->bytes_limit && !run->lun_shares && run->submitted_bytes >= run->bytes_limit)
            run->stop_submitting = true;
    }
}

static void report_error(struct run *run, const struct slot *s, const char *what)
{
    const struct target *t = &run->set.t[s->target];
    if (run->error_lines++ >= MAX_ERROR_LINES) {
        if (run->error_lines == MAX_ERROR_LINES + 1)
            printf("lunbench: job '%s': more errors; only counting them now\n", run->job->name);
        return;
    }
    printf("lunbench: job '%s': LUN %u:%u:%u LBA %" PRIu64 ": %s %s\n", run->job->name, t->info->hba, t->info->target,
           t->info->lun, t->first_lba + s->unit * t->blocks_per_unit, scsi_cdb_name(s->cmd.cdb, s->cmd.cdb_len), what);
}

/* Sort out a failed command; true if it failed. */
static bool check_failure(struct run *run, struct slot *s, const struct hba_verdict *v, int *kind)
{
    const struct hba_cmd *c = &s->cmd;
    char why[200];
    if (v->outcome == HBA_OUTCOME_DONE) {
        if (c->residual == 0)
            return false;
        *kind = ERR_SHORT_TRANSFER;
        snprintf(why, sizeof why, "transferred %" PRIu32 " of %" PRIu32 " bytes", c->data_len - c->residual,
                 c->data_len);
    } else {
        *kind = c->response != HBA_RESPONSE_OK                 ? ERR_RESPONSE
                : c->status == SCSI_STATUS_CHECK_CONDITION ? ERR_CHECK_CONDITION
                                                           : ERR_OTHER_STATUS;
        char what[160];
        hba_verdict_describe(run->set.t[s->target].hba->kind, c, v, what, sizeof what);
        snprintf(why, sizeof why, "failed: %s", what);
    }
    report_error(run, s, why);
    return true;
}

/* verify_dump: the block as it was read, in hex, at most JOB_VERIFY_DUMP_BYTES of it and
 * JOB_VERIFY_DUMPS blocks a job (fio writes the received and expected blocks to files). */
static void dump_block(struct run *run, const struct target *t, uint64_t lba, const uint8_t *p, uint32_t len)
{
    if (run->dumps++ >= JOB_VERIFY_DUMPS) {
        if (run->dumps == JOB_VERIFY_DUMPS + 1)
            printf("lunbench: job '%s': verify_dump: more bad blocks; only the first %u are shown\n", run->job->name,
                   JOB_VERIFY_DUMPS);
        return;
    }
    uint32_t n = len < JOB_VERIFY_DUMP_BYTES ? len : JOB_VERIFY_DUMP_BYTES;
    printf("lunbench: job '%s': verify_dump: LUN %u:%u:%u LBA %" PRIu64 ", the first %" PRIu32 " of its %" PRIu32
           " bytes as read:\n", run->job->name, t->info->hba, t->info->target, t->info->lun, lba, n, len);
    for (uint32_t off = 0; off < n; off += 16) {
        char hex[16 * 3 + 1], text[17];
        uint32_t k = 0;
        for (; k < 16 && off + k < n; k++) {
            uint8_t c = p[off + k];
            snprintf(hex + 3 * k, 4, " %02x", c);
            text[k] = c >= 0x20 && c < 0x7f ? (char)c : '.';
        }
        text[k] = '\0';
        printf("  %04" PRIx32 "%-48s  |%s|\n", off, hex, text);
    }
}

static void verify_data(struct run *run, struct slot *s, uint64_t min_generation)
{
    const struct target *t = &run->set.t[s->target];
    const struct lun_info *l = t->info;
    const struct job_spec *job = run->job;
    enum stamp_method method = (enum stamp_method)job->verify_method;
    struct stamp_id id = { l->hba, l->target, l->lun };
    struct stamp_pattern pattern = { job->verify_pattern, job->verify_pattern_len };
    uint64_t lba = t->first_lba + s->unit * t->blocks_per_unit;
    if (job->verify_fatal && run->r->stopped)
        return; /* the job ended at its first bad block: reads still in flight then are not checked */
    for (uint32_t b = 0; b < s->len / l->block_size; b++) {
        run->r->verify_blocks++;
        const uint8_t *block = s->buf + (size_t)b * l->block_size;
        enum stamp_result res = stamp_check(block, l->block_size, id, lba + b, min_generation, method, &pattern);
        if (res == STAMP_OK)
            continue;
        run->r->verify_failures++;
        run->r->errors[ERR_VERIFY]++;
        char why[140];
        snprintf(why, sizeof why, "verify failed at LBA %" PRIu64 ": %s%s%s%s", lba + b, stamp_result_name(res),
                 method != STAMP_CRC32C ? " [verify=" : "", method != STAMP_CRC32C ? stamp_method_name(method) : "",
                 method != STAMP_CRC32C ? "]" : "");
        report_error(run, s, why);
        if (job->verify_dump)
            dump_block(run, t, lba + b, block, l->block_size);
        if (job->verify_fatal && !run->r->stopped) {
            /* HOWTO verify_fatal: the job ends at the first failed check. */
            run->r->stopped = true;
            snprintf(run->r->stop_reason, sizeof run->r->stop_reason, "verify_fatal: LUN %u:%u:%u LBA %" PRIu64
                     " failed verification (%s)", l->hba, l->target, l->lun, lba + b, stamp_result_name(res));
            run->stop_submitting = true;
            return;
        }
    }
}

/* A command that met a hotplug: to a LUN that is gone (counted as removed, not as an error), or a
 * UNIT ATTENTION (retried; a capacity or LUN-inventory change is looked into). True if handled. */
static bool after_hotplug(struct run *run, struct slot *s, const struct hba_verdict *v)
{
    struct target *t = &run->set.t[s->target];
    const struct hba_cmd *c = &s->cmd;
    if (!t->removed && c->recovery == HBA_RECOVERY_NONE && v->outcome == HBA_OUTCOME_CANCELLED) {
        /* We asked for no abort or reset: an unplug cancelled it. QEMU posts the REMOVED event
         * before it cancels the LUN's requests, so read the events now, then judge. */
        hotplug_poll_events(run->common->hp, bench_now(run->env), true);
    }
    if (t->removed || v->outcome == HBA_OUTCOME_GONE) {
        if (!t->removed)
            hotplug_lun_gone(run->common->hp, &run->set, t,
                             c->response != HBA_RESPONSE_OK ? hba_response_name(c->response) : "LOGICAL UNIT NOT SUPPORTED");
        bool failed = v->outcome != HBA_OUTCOME_DONE;
        run->r->removed_ios += failed;
        return failed;
    }
    if (v->outcome != HBA_OUTCOME_UNIT_ATTENTION)
        return false;
    run->r->ua_retries++;
    hotplug_unit_attention(run->common->hp, t, v->change);
    if (run->n_retries < MAX_RETRIES)
        run->retries[run->n_retries++] = (struct retry){ s->target, s->unit, s->nunits, s->dir, s->verify_read };
    return true;
}

/* A command that needed a LOGICAL UNIT RESET is back. A LUN that stalls again after its reset
 * (a command submitted after that reset was sent needs one too) is taken out of the run:
 * resetting it forever would only hold its share of the job's depth. */
static void note_stall(struct run *run, struct target *t, const struct hba_cmd *c)
{
    if (c->recovery != HBA_RECOVERY_LUN_RESET_SENT)
        return;
    bool new_stall = t->stalls == 0 || c->submit_tsc > t->last_reset_tsc;
    if (c->recovery_tsc > t->last_reset_tsc)
        t->last_reset_tsc = c->recovery_tsc;
    if (!new_stall)
        return;
    t->stalls++;
    if (t->stalls < STALLS_BEFORE_RETIRING || t->retired || t->removed)
        return;
    printf("lunbench: job '%s': LUN %u:%u:%u stalled again after a LOGICAL UNIT RESET (%u stalls); taken out of "
           "the run\n", run->job->name, t->info->hba, t->info->target, t->info->lun, t->stalls);
    t->retired = true;
    run->r->luns_retired++;
    targets_share_iodepth(&run->set);
}

static void complete(struct run *run, struct slot *s)
{
    struct job_result *r = run->r;
    struct target *t = &run->set.t[s->target];
    s->busy = false;
    t->in_flight--;
    run->in_flight--;
    run->free_slots[run->n_free++] = (unsigned)(s - run->slots);
    struct hba_verdict v;
    hba_classify(&s->cmd, &v);
    note_stall(run, t, &s->cmd);
    if (!s->flush && after_hotplug(run, s, &v))
        return;
    int kind = 0;
    bool failed = check_failure(run, s, &v, &kind);
    if (failed) {
        r->errors[kind]++;
        t->info->errors++;
    }
    if (s->flush) {
        s->flush = false;
        run->flushes_done++;
        run->flush_failures += failed;
        if (s->sync && s->measured) {
            r->sync.errors += failed;
            if (!failed) {
                r->sync.ios++;
                hist_add(&r->sync.lat, (uint64_t)((unsigned __int128)(s->cmd.complete_tsc - s->cmd.submit_tsc) *
                                                  1000000000u / run->env->tsc_hz));
            }
        }
        return;
    }
    if (s->verify_read) {
        if (!failed)
            verify_data(run, s, run->generation);
        return;
    }
    if (!run->job->thinktime_on_issue)
        think_after_io(run);
    if (!failed && s->dir == DIR_TRIM && run->follow != NULL && run->n_follow < run->n_slots)
        run->follow[run->n_follow++] = (struct retry){ s->target, s->unit, s->nunits, DIR_WRITE, false };
    for (uint64_t u = 0; !failed && s->dir == DIR_WRITE && t->written && u < s->nunits; u++)
        bitmap_set(t->written, s->unit + u);
    if (!failed && s->dir == DIR_WRITE && run->backlog != NULL && run->n_backlog < run->backlog_cap) {
        run->backlog[run->n_backlog++] = (struct retry){ s->target, s->unit, s->nunits, DIR_READ, true };
        if (run->n_backlog >= run->job->verify_backlog)
            run->backlog_due = true;
    }
    if (!failed && s->dir == DIR_READ && run->job->verify)
        verify_data(run, s, run->job->verify_generation); /* whatever stamps are there, new enough */
    if (!s->measured)
        return;
    struct dir_result *d = &r->dir[s->dir];
    if (failed) {
        d->errors++;
        return;
    }
    uint64_t hz = run->env->tsc_hz;
    uint64_t clat = (uint64_t)((unsigned __int128)(s->cmd.complete_tsc - s->cmd.submit_tsc) * 1000000000u / hz);
    uint64_t slat = (uint64_t)((unsigned __int128)s->slat_cycles * 1000000000u / hz);
    hist_add(&d->clat, clat);
    hist_add(&d->slat, slat);
    hist_add(&d->lat, clat + slat);
    lat_dist_add(&r->lat_dist, clat + slat);
    io_log_io(&run->log, s->cmd.complete_tsc, s->dir, clat + slat, clat, slat, s->len,
              (t->first_lba + s->unit * t->blocks_per_unit) * t->info->block_size, &d->clat);
    latency_target_io(&run->lt, clat + slat, s->cmd.complete_tsc, r->dir[DIR_READ].ios + r->dir[DIR_WRITE].ios);
    d->ios++;
    d->bytes += s->len;
    run->tick_ios[s->dir]++;
    run->tick_bytes[s->dir] += s->len;
}


/* HOWTO rate_min, rate_iops_min: a second of the accounted period (fio's rate_cycle, 1000 ms)
 * below either ends the job, as a failure, as fio's check_min_rate does. */
static void check_min_rate(struct run *run)
{
    const struct job_spec *job = run->job;
    static const char *const names[DIR_COUNT] = { "read", "write", "trim" };
    for (int d = 0; d < DIR_COUNT && !run->r->stopped; d++) {
        if (!job_does_dir(job, d))
            continue;
        if (job->rate_iops_min[d] != 0 && run->tick_ios[d] < job->rate_iops_min[d])
            snprintf(run->r->stop_reason, sizeof run->r->stop_reason, "rate_iops_min=%" PRIu64 " not met: %s did %"
                     PRIu64 " IOPS in second %u", job->rate_iops_min[d], names[d], run->tick_ios[d], run->seconds);
        else if (job->rate_bytes_min[d] != 0 && run->tick_bytes[d] < job->rate_bytes_min[d])
            snprintf(run->r->stop_reason, sizeof run->r->stop_reason, "rate_min=%" PRIu64 " not met: %s moved %"
                     PRIu64 " bytes in second %u", job->rate_bytes_min[d], names[d], run->tick_bytes[d], run->seconds);
        else
            continue;
        run->r->stopped = true;
        run->stop_submitting = true;
    }
}

/* Once a second of the accounted period: a sample of IOPS and bandwidth, and a progress line. */
static void tick(struct run *run, uint64_t now)
{
    uint64_t hz = run->env->tsc_hz;
    if (now < run->measure_start || now < run->next_tick)
        return;
    if (run->next_tick == 0) {
        run->next_tick = run->measure_start + hz;
        return;
    }
    for (int d = 0; d < DIR_COUNT; d++) {
        if (!job_does_dir(run->job, d))
            continue;
        sample_stats_add(&run->r->dir[d].iops_samples, (double)run->tick_ios[d]);
        sample_stats_add(&run->r->dir[d].bw_samples, (double)run->tick_bytes[d] / 1024.0);
    }
    run->seconds++;
    check_min_rate(run);
    uint64_t ios = 0, bytes = 0;
    for (int d = 0; d < DIR_COUNT; d++) {
        ios += run->tick_ios[d];
        bytes += run->tick_bytes[d];
    }
    if (steadystate_sample(&run->r->ss, run->job, ios, bytes) && !run->stop_submitting) {
        /* HOWTO steadystate: the job ends once it is attained */
        if (run->env->progress)
            printf("lunbench: job '%s': steady state attained after %us (criterion %g%s)\n", run->job->name,
                   run->seconds, run->r->ss.criterion, run->job->ss_pct ? "%" : "");
        run->stop_submitting = true;
    }
    if (run->env->progress) {
        char trims[64] = "";
        if (job_does_dir(run->job, DIR_TRIM))
            snprintf(trims, sizeof trims, ", trim %" PRIu64 " IOPS %.1f MiB/s", run->tick_ios[DIR_TRIM],
                     (double)run->tick_bytes[DIR_TRIM] / (1 << 20));
        printf("lunbench: job '%s' %us: read %" PRIu64 " IOPS %.1f MiB/s, write %" PRIu64 " IOPS %.1f MiB/s%s, %u in flight\n",
               run->job->name, run->seconds, run->tick_ios[DIR_READ], (double)run->tick_bytes[DIR_READ] / (1 << 20),
               run->tick_ios[DIR_WRITE], (double)run->tick_bytes[DIR_WRITE] / (1 << 20), trims, run->in_flight);
    }
    memset(run->tick_ios, 0, sizeof run->tick_ios);
    memset(run->tick_bytes, 0, sizeof run->tick_bytes);
    run->next_tick += hz;
}

/* Every LUN wrote its whole region for this pass and nothing is in flight. */
static bool pass_complete(const struct run *run)
{
    if (run->in_flight != 0)
        return false;
    for (unsigned i = 0; i < run->set.n; i++)
        if (run->set.t[i].next_unit < (run->pass + 1) * run->set.t[i].units)
            return false;
    return true;
}

/* Without time_based: every LUN still in the run had its share (a removed one's is not passed on). */
static bool shares_done(const struct run *run)
{
    for (unsigned i = 0; i < run->set.n; i++) {
        const struct target *t = &run->set.t[i];
        if (!t->removed && !t->retired && t->bytes_left != 0)
            return false;
    }
    return true;
}

static int setup(struct run *run, char *err, size_t err_len)
{
    const struct job_spec *job = run->job;
    if (targets_build(&run->set, job, run->env, err, err_len) != 0)
        return -1;
    run->r->lun_count = run->set.n;
    bool writes = job_does_dir(job, DIR_WRITE);
    if (job->verify && writes && job->do_verify) {
        uint64_t total = 0;
        for (unsigned i = 0; i < run->set.n; i++)
            total += (run->set.t[i].units + 7) / 8;
        if (total > MAX_VERIFY_BITMAP) {
            snprintf(err, err_len, "job '%s': verify would need %" PRIu64 " MiB to track written blocks; use a smaller "
                     "size= or fewer LUNs", job->name, total >> 20);
            return -1;
        }
        for (unsigned i = 0; i < run->set.n; i++)
            if ((run->set.t[i].written = calloc((run->set.t[i].units + 7) / 8, 1)) == NULL)
                return -1;
    }
    run->data_rng = (job->randseed ? job->randseed : 1) ^ 0x9e3779b97f4a7c15ull;
    run->n_slots = job->iodepth;
    run->slots = calloc(run->n_slots, sizeof *run->slots);
    run->free_slots = calloc(run->n_slots, sizeof *run->free_slots);
    if (run->slots == NULL || run->free_slots == NULL)
        return -1;
    if (job_does_dir(job, DIR_TRIM) && writes && (run->follow = calloc(run->n_slots, sizeof *run->follow)) == NULL)
        return -1;
    if (job->verify && job->verify_backlog && writes) {
        /* the writes still in flight when the backlog fills join it */
        run->backlog_cap = (unsigned)job->verify_backlog + run->n_slots;
        if ((run->backlog = calloc(run->backlog_cap, sizeof *run->backlog)) == NULL)
            return -1;
    }
    for (unsigned i = 0; i < run->n_slots; i++) {
        run->slots[i].run = run;
        run->slots[i].buf = dev_buf_alloc(job->bs_max, 4096); /* data-in: a device buffer (lib/dev_buf.h) */
        if (run->slots[i].buf == NULL) {
            snprintf(err, err_len, "job '%s': out of memory for %u buffers of %" PRIu32 " bytes", job->name,
                     job->iodepth, job->bs_max);
            return -1;
        }
        if (writes)
            buffer_fill_init(job, run->slots[i].buf, job->bs_max, &run->data_rng);
        else
            memset(run->slots[i].buf, 0, job->bs_max);
        run->free_slots[i] = run->n_slots - 1 - i;
    }
    run->n_free = run->n_slots;
    /* Without time_based a job covers each LUN's region once; a durable job counts its passes
     * itself (one without time_based). */
    if (!job->time_based && !(job->verify && job->rw == JOB_WRITE)) {
        for (unsigned i = 0; i < run->set.n; i++)
            run->bytes_limit += run->set.t[i].bytes_left;
        /* Sequential offsets cover each LUN's region, as fio covers each file's (its file is done
         * at the region's end); random ones count towards the job's total only (fio without a
         * random map), so a LUN that joins or leaves changes nothing but where they go. */
        run->lun_shares = !job_random_offsets(job);
    }
    run->ios_limit = job->number_ios;
    run->rng = job->randseed ? job->randseed : 0x2545f4914f6cdd1dull;
    run->pending_dir = -1;
    io_shape_init(&run->shape, job, &run->rng);
    return 0;
}

static void teardown(struct run *run)
{
    for (unsigned i = 0; run->slots && i < run->n_slots; i++)
        dev_buf_free(run->slots[i].buf, run->job->bs_max);
    free(run->slots);
    free(run->free_slots);
    free(run->follow);
    free(run->backlog);
    io_shape_free(&run->shape);
    targets_free(&run->set);
}

/* The HBAs the job's LUNs are on: only these are polled. */
static void mark_involved(struct run *run)
{
    memset(run->involved, 0, sizeof run->involved);
    for (unsigned i = 0; i < run->set.n; i++)
        run->involved[run->set.t[i].info->hba] = true;
}

/* Nanoseconds from TSC cycles. */
static uint64_t cycles_to_ns(const struct run *run, uint64_t cycles)
{
    return (uint64_t)((unsigned __int128)cycles * 1000000000u / run->env->tsc_hz);
}

/* fio's --status-interval: the job's results so far, cumulative from its start (fio's dumps are
 * running totals, not per-interval values), every status_interval_ms from the job's start. */
static void status_due(struct run *run, uint64_t now)
{
    const struct bench_env *env = run->env;
    if (env->status_interval_ms == 0 || env->status == NULL || now < run->next_status)
        return;
    uint64_t period = env->status_interval_ms * (env->tsc_hz / 1000);
    if (run->next_status == 0) {
        run->next_status = run->start + period;
        return;
    }
    run->r->runtime_ns = now > run->measure_start ? cycles_to_ns(run, now - run->measure_start) : 0;
    env->status(env->status_ctx, run->job, run->r);
    run->r->runtime_ns = 0; /* set for good at the end of the accounted period */
    run->next_status += period;
}

/* The accounted period starts again at now: latency_target found its depth, and fio's results
 * are those of a last window at it (fio's reset_all_stats). */
static void restart_accounting(struct run *run, uint64_t now)
{
    struct job_result *r = run->r;
    for (int d = 0; d < DIR_COUNT; d++) {
        struct dir_result *dr = &r->dir[d];
        dr->ios = dr->bytes = dr->errors = 0;
        hist_init(&dr->clat);
        hist_init(&dr->slat);
        hist_init(&dr->lat);
        sample_stats_init(&dr->iops_samples);
        sample_stats_init(&dr->bw_samples);
    }
    lat_dist_init(&r->lat_dist);
    memset(r->iodepth_level, 0, sizeof r->iodepth_level);
    memset(run->tick_ios, 0, sizeof run->tick_ios);
    memset(run->tick_bytes, 0, sizeof run->tick_bytes);
    run->measure_start = now;
    run->next_tick = 0;
    run->seconds = 0;
}

/* latency_target: a window that passed is judged; the depth found restarts the results, and its
 * last window ends the job; an I/O over the target at depth 1 stops it (fio's ETIMEDOUT). */
static void latency_due(struct run *run, uint64_t now)
{
    struct latency_target *lt = &run->lt;
    if (!lt->on || now < run->measure_start)
        return;
    latency_target_check(lt, now, run->r->dir[DIR_READ].ios + run->r->dir[DIR_WRITE].ios);
    if (lt->reset) {
        lt->reset = false;
        restart_accounting(run, now);
    }
    if (lt->done)
        run->stop_submitting = true;
    if (lt->fatal && !run->r->stopped) {
        run->r->stopped = true;
        snprintf(run->r->stop_reason, sizeof run->r->stop_reason, "a latency over latency_target=%" PRIu64
                 " us at queue depth 1 (fio: \"latency exceeds specified max\")", run->job->latency_target_us);
        run->stop_submitting = true;
    }
}

/* A durable job finished writing a pass and flushed every LUN: say whether that pass is durable. */
static void end_pass(struct run *run)
{
    const struct job_spec *job = run->job;
    if (run->flush_failures == 0)
        printf("lunbench: job '%s': durable: generation %" PRIu64 " (pass %" PRIu64 ") on all %u LUNs\n", job->name,
               run->generation + run->pass, run->pass, run->set.n);
    else
        printf("lunbench: job '%s': pass %" PRIu64 ": %u of %u flushes failed; generation %" PRIu64
               " is not known to be durable\n", job->name, run->pass, run->flush_failures, run->set.n,
               run->generation + run->pass);
    run->pass++;
    run->phase = PHASE_RUN;
    if (!job->time_based && run->pass >= job->loops)
        run->stop_submitting = true; /* loops= passes are the whole job without time_based */
}

void bench_result_init(struct job_result *r, const struct job_spec *job)
{
    memset(r, 0, sizeof *r);
    for (int d = 0; d < DIR_COUNT; d++) {
        hist_init(&r->dir[d].clat);
        hist_init(&r->dir[d].slat);
        hist_init(&r->dir[d].lat);
        sample_stats_init(&r->dir[d].iops_samples);
        sample_stats_init(&r->dir[d].bw_samples);
    }
    lat_dist_init(&r->lat_dist);
    hist_init(&r->sync.lat);
    steadystate_init(&r->ss, job);
    r->members = 1;
}

struct bench_instance *bench_instance_start(const struct job_spec *job, struct bench_common *common,
                                            struct job_result *r)
{
    const struct bench_env *env = common->env;
    bench_result_init(r, job);
    struct run *run = calloc(1, sizeof *run);
    if (run == NULL) {
        snprintf(r->stop_reason, sizeof r->stop_reason, "job '%s': out of memory for its state", job->name);
        r->stopped = true;
        return NULL;
    }
    *run = (struct run){ .job = job, .env = env, .common = common, .r = r };
    int rc = setup(run, r->stop_reason, sizeof r->stop_reason);
    if (rc == 0 && hotplug_attach(common->hp, &run->set) != 0) {
        snprintf(r->stop_reason, sizeof r->stop_reason, "job '%s': more than %u jobs at once", job->name,
                 HOTPLUG_MAX_SETS);
        rc = -1;
    }
    if (rc != 0) {
        teardown(run);
        free(run);
        r->stopped = true;
        return NULL;
    }
    const struct hotplug *hp = common->hp;
    run->hp_removed = hp->luns_removed;
    run->hp_added = hp->luns_added;
    run->hp_capacity = hp->capacity_changes;
    run->hp_events = hp->events;
    mark_involved(run);

    uint64_t hz = env->tsc_hz;
    run->start = bench_now(env);
    r->start_ns = cycles_to_ns(run, run->start);
    /* Wall-clock microseconds: generations grow across jobs and boots, so a block left by an
     * earlier run can never pass for this one's. */
    uint64_t per_us = hz / 1000000u ? hz / 1000000u : 1;
    run->generation = env->wall_clock_us + (run->start - env->wall_clock_tsc) / per_us;
    r->job_start_ms = run->generation / 1000;
    run->durable = job->verify && job->rw == JOB_WRITE;
    run->measure_start = run->start + job->ramp_time_ms * (hz / 1000);
    if (job->runtime_ms)
        run->run_end = run->measure_start + job->runtime_ms * (hz / 1000);
    io_log_start(&run->log, job, env->log_channel, hz, run->measure_start);
    latency_target_init(&run->lt, job, hz, run->measure_start, 0);
    return (struct bench_instance *)run;
}

static struct run *run_of(struct bench_instance *in) { return (struct run *)in; }

void bench_instance_join_flow(struct bench_instance *in, struct wave_flow *flow) { run_of(in)->flow = flow; }

void bench_instance_submit(struct bench_instance *in, uint64_t now)
{
    struct run *run = run_of(in);
    if (run->phase == PHASE_RUN && run->run_end && now >= run->run_end)
        run->stop_submitting = true;
    submit_work(run, now);
}

void bench_instance_complete(struct hba_cmd *cmd, uint64_t reap_cycles)
{
    struct slot *s = cmd->user;
    struct run *run = s->run;
    run->r->reap_cycles += reap_cycles;
    run->r->driver_ios++;
    complete(run, s);
}

void bench_instance_tick(struct bench_instance *in, uint64_t now)
{
    struct run *run = run_of(in);
    tick(run, now);
    io_log_poll(&run->log, now);
    status_due(run, now);
    latency_due(run, now);
}

unsigned bench_instance_in_flight(const struct bench_instance *in) { return ((const struct run *)in)->in_flight; }

bool bench_instance_involves(const struct bench_instance *in, unsigned hba)
{
    return hba < HBA_MAX && ((const struct run *)in)->involved[hba];
}

void bench_instance_stop(struct bench_instance *in, const char *reason)
{
    struct run *run = run_of(in);
    if (run->r->stopped)
        return;
    run->r->stopped = true;
    snprintf(run->r->stop_reason, sizeof run->r->stop_reason, "%s", reason);
    run->stop_submitting = true;
}

void bench_instance_terminate(struct bench_instance *in)
{
    struct run *run = run_of(in);
    run->stop_submitting = true;
    run->end_sync_passes = run->job->end_syncs; /* fio terminates the job: no end_fsync */
}

void bench_instance_luns_changed(struct bench_instance *in)
{
    struct run *run = run_of(in);
    run->r->lun_count = run->set.n;
    mark_involved(run);
}

bool bench_instance_advance(struct bench_instance *in)
{
    struct run *run = run_of(in);
    const struct job_spec *job = run->job;
    const struct bench_env *env = run->env;
    struct job_result *r = run->r;
    if (run->in_flight > 0 || run->common->hp->n_pending > 0)
        return false; /* a hotplug change waits until every instance has drained */
    if (run->phase == PHASE_RUN && !run->stop_submitting && run->set.live == 0 && run->n_retries == 0) {
        /* Every LUN of the job was removed or taken out: nothing is left to run on. */
        r->stopped = true;
        snprintf(r->stop_reason, sizeof r->stop_reason, "no LUN of the job is left (%u removed or taken out)",
                 run->set.n);
        run->stop_submitting = true;
    }
    if (run->phase == PHASE_RUN && !run->stop_submitting && run->lun_shares && shares_done(run))
        run->stop_submitting = true;
    if (run->phase == PHASE_RUN && run->durable && !run->stop_submitting && pass_complete(run)) {
        run->phase = PHASE_FLUSH;
        run->flush_target = run->flushes_done = run->flush_failures = 0;
        return false;
    }
    if (run->phase == PHASE_FLUSH && run->flushes_done == run->set.n) {
        end_pass(run);
        return false;
    }
    if (run->phase == PHASE_RUN && (run->syncs_due > 0 || run->n_follow > 0) && !r->stopped)
        return false; /* the next submit_work sends them (syncs, trimwrite's writes): nothing is in flight */
    if (run->phase == PHASE_END_SYNC && run->flushes_done == run->set.n) {
        run->phase = PHASE_RUN; /* stop_submitting stays set: on to the job's end */
        return false;
    }
    if (run->phase == PHASE_RUN && run->stop_submitting && run->end_sync_passes < job->end_syncs &&
        job_does_dir(job, DIR_WRITE) && !r->stopped) {
        run->end_sync_passes++;
        run->phase = PHASE_END_SYNC;
        run->flush_target = run->flushes_done = run->flush_failures = 0;
        return false;
    }
    if (run->phase == PHASE_RUN && run->stop_submitting) {
        uint64_t end = bench_now(env);
        r->runtime_ns = end > run->measure_start ? cycles_to_ns(run, end - run->measure_start) : 0;
        io_log_finish(&run->log, end);
        bool verify_back = job->verify && job->do_verify && job_does_dir(job, DIR_WRITE) && !r->stopped;
        run->phase = verify_back ? PHASE_VERIFY : PHASE_DONE;
        if (verify_back && env->progress)
            printf("lunbench: job '%s': reading back what it wrote to verify it\n", job->name);
    }
    if (run->phase == PHASE_VERIFY && run->verify_target == run->set.n && run->n_retries == 0)
        run->phase = PHASE_DONE;
    return run->phase == PHASE_DONE || r->stopped;
}

int bench_instance_finish(struct bench_instance *in)
{
    struct run *run = run_of(in);
    struct job_result *r = run->r;
    const struct hotplug *hp = run->common->hp;
    if (run->log.active)
        io_log_finish(&run->log, bench_now(run->env)); /* a job stopped early: what it logged */
    r->latency_depth = run->lt.on ? run->lt.qd : 0;
    uint64_t end = bench_now(run->env);
    r->elapsed_ns = cycles_to_ns(run, end - run->start);
    r->end_ns = cycles_to_ns(run, end);
    r->lun_count = run->set.n;
    r->luns_removed = hp->luns_removed - run->hp_removed;
    r->luns_added = hp->luns_added - run->hp_added;
    r->capacity_changes = hp->capacity_changes - run->hp_capacity;
    r->events = hp->events - run->hp_events;
    hotplug_detach(run->common->hp, &run->set);
    if (run->flow != NULL)
        wave_flow_leave(run->flow, run->job->flow, run->flow_own);
    teardown(run);
    free(run);
    return r->stopped ? -1 : 0;
}

bool bench_job_terminates_others(const struct job_spec *job, const struct job_result *r)
{
    uint64_t errors = 0;
    for (int k = 0; k < ERR_KINDS; k++)
        errors += r->errors[k];
    return job->exitall || (job->exitall_on_error && (errors != 0 || r->stopped));
}
