#include "engine.h"

#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/rtc.h"
#include "bench/engine_run.h"
#include "bench/stamp.h"

#define MAX_ERROR_LINES 20
#define MAX_VERIFY_BITMAP (64u << 20) /* bytes of "written" bitmaps a verify job may use */

static uint64_t xorshift(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

/* Why a selected LUN cannot take part in this job, or NULL. */
static const char *unusable_reason(const struct job_spec *job, const struct lun_info *l)
{
    if (l->flags & LUN_REMOVED)
        return "it was removed (hotplug)";
    if (l->flags & LUN_FAILED)
        return "it failed discovery";
    if (l->flags & LUN_NO_MEDIUM)
        return "it has no medium";
    if (l->flags & LUN_NOT_READY)
        return "it is not ready";
    if (l->blocks == 0 || l->block_size == 0)
        return "it has no capacity";
    bool writes = job->rw != JOB_READ && job->rw != JOB_RANDREAD;
    if (writes && (l->flags & LUN_WRITE_PROTECTED))
        return "it is write-protected (writes would end in DATA PROTECT)";
    if (writes && l->device_type == SCSI_TYPE_CDROM)
        return "it is a CD/DVD drive (read-only medium)";
    return NULL;
}

static bool selected(const struct job_spec *job, const struct lun_info *l, unsigned index_among_usable)
{
    const struct lun_selection *s = &job->luns;
    switch (s->kind) {
    case LUNSEL_ALL: return true;
    case LUNSEL_HBA: return l->hba == s->hba;
    case LUNSEL_TARGETS: return l->target >= s->target_lo && l->target <= s->target_hi;
    case LUNSEL_FIRST: return index_among_usable < s->first_n;
    case LUNSEL_LIST:
        for (size_t i = 0; i < s->list_count; i++)
            if (s->list[i].hba == l->hba && s->list[i].target == l->target && s->list[i].lun == l->lun)
                return true;
        return false;
    }
    return false;
}

/* The LUNs a job runs on, checked against the job's block size and region. */
/* Check inventory entry k against the job's block size and region and, when t is not NULL, set
 * up a target for it. Returns 0, or -1 with the reason in err. */
static int init_target(const struct job_spec *job, const struct bench_env *env, size_t k, struct target *t, char *err,
                       size_t err_len)
{
    struct lun_info *l = &env->inv->luns[k];
    if (job->bs % l->block_size != 0) {
        snprintf(err, err_len, "job '%s': bs=%" PRIu32 " is not a multiple of LUN %u:%u:%u's %" PRIu32 "-byte blocks",
                 job->name, job->bs, l->hba, l->target, l->lun, l->block_size);
        return -1;
    }
    uint64_t capacity = l->blocks * l->block_size;
    /* size=N% and offset=N% are fractions of each LUN; a percentage offset is aligned up to bs,
     * as fio does. */
    uint64_t offset = job->offset;
    if (job->offset_percent)
        offset = (capacity / 100 * job->offset_percent + job->bs - 1) / job->bs * job->bs;
    if (offset % l->block_size != 0 || offset >= capacity) {
        snprintf(err, err_len, "job '%s': offset=%" PRIu64 " is past the end of LUN %u:%u:%u (%" PRIu64
                 " bytes) or not a multiple of its block size", job->name, offset, l->hba, l->target, l->lun, capacity);
        return -1;
    }
    uint64_t region = job->size_percent ? capacity / 100 * job->size_percent : job->size;
    if (region == 0 || region > capacity - offset)
        region = capacity - offset;
    if (region < job->bs) {
        snprintf(err, err_len, "job '%s': LUN %u:%u:%u has %" PRIu64 " bytes from offset %" PRIu64
                 ", less than one bs=%" PRIu32, job->name, l->hba, l->target, l->lun, region, offset, job->bs);
        return -1;
    }
    if (t != NULL) {
        memset(t, 0, sizeof *t);
        t->info = l;
        t->inv_index = k;
        t->hba = &env->hbas[l->hba];
        t->first_lba = offset / l->block_size;
        t->units = region / job->bs;
        t->blocks_per_unit = job->bs / l->block_size;
        uint32_t limit = t->hba->config.cmd_per_lun;
        t->max_in_flight = limit == 0 ? 1 : limit; /* 5.6.6.1: at most cmd_per_lun per LUN */
    }
    return 0;
}

static int resolve(const struct job_spec *job, const struct bench_env *env, struct target *out, unsigned *count,
                   bool quiet, char *err, size_t err_len)
{
    const struct lun_selection *s = &job->luns;
    if (s->kind == LUNSEL_HBA && (s->hba >= env->hba_count || !env->hba_ok[s->hba])) {
        snprintf(err, err_len, "job '%s': luns=hba:%u, but there %s %u usable HBA%s", job->name, s->hba,
                 env->hba_count == 1 ? "is" : "are", env->hba_count, env->hba_count == 1 ? "" : "s");
        return -1;
    }
    /* An explicit list must name LUNs that were discovered. */
    for (size_t i = 0; s->kind == LUNSEL_LIST && i < s->list_count; i++) {
        const struct lun_addr *a = &s->list[i];
        bool found = false;
        for (size_t k = 0; k < env->inv->count && !found; k++) {
            const struct lun_info *l = &env->inv->luns[k];
            found = l->hba == a->hba && l->target == a->target && l->lun == a->lun;
        }
        if (!found) {
            snprintf(err, err_len, "job '%s': luns=...%u:%u:%u...: no such LUN was discovered", job->name, a->hba,
                     a->target, a->lun);
            return -1;
        }
    }
    /* Selected LUNs that cannot run this job are left out and named (unless quiet: the check
     * before any job ran named them already); the job fails only when none is left. */
    unsigned n = 0, index = 0, skipped = 0;
    const char *last_reason = NULL;
    const struct lun_info *last_skipped = NULL;
    for (size_t k = 0; k < env->inv->count; k++) {
        struct lun_info *l = &env->inv->luns[k];
        if (l->hba >= env->hba_count || !env->hba_ok[l->hba] || !selected(job, l, index++))
            continue;
        const char *why = unusable_reason(job, l);
        if (why != NULL) {
            if (!quiet && skipped < 10)
                printf("lunbench: job '%s': leaving out LUN %u:%u:%u: %s\n", job->name, l->hba, l->target, l->lun, why);
            skipped++;
            last_reason = why;
            last_skipped = l;
            continue;
        }
        if (init_target(job, env, k, out != NULL ? &out[n] : NULL, err, err_len) != 0)
            return -1;
        n++;
    }
    if (!quiet && skipped > 10)
        printf("lunbench: job '%s': left out %u LUNs in all\n", job->name, skipped);
    if (n == 0) {
        if (last_skipped != NULL)
            snprintf(err, err_len, "job '%s': no LUN it selects can run it (%u left out; LUN %u:%u:%u: %s)", job->name,
                     skipped, last_skipped->hba, last_skipped->target, last_skipped->lun, last_reason);
        else
            snprintf(err, err_len, "job '%s': no LUN matches its luns= selection (%zu LUNs discovered)", job->name,
                     env->inv->count);
        return -1;
    }
    *count = n;
    return 0;
}

void run_repoint_targets(struct run *run)
{
    for (unsigned i = 0; i < run->n_targets; i++)
        run->targets[i].info = &run->env->inv->luns[run->targets[i].inv_index];
}

bool run_selects(const struct run *run, const struct lun_info *l)
{
    /* first:N counts LUNs in discovery order; one that arrives later is not among the first. */
    return run->job->luns.kind != LUNSEL_FIRST && selected(run->job, l, 0) && unusable_reason(run->job, l) == NULL;
}

int run_add_target(struct run *run, size_t inv_index)
{
    char err[200];
    struct target t;
    if (init_target(run->job, run->env, inv_index, &t, err, sizeof err) != 0) {
        printf("lunbench: %s; not added to the running job\n", err);
        return -1;
    }
    struct target *grown = realloc(run->targets, (run->n_targets + 1) * sizeof *grown);
    if (grown == NULL)
        return -1;
    run->targets = grown;
    run->targets[run->n_targets++] = t;
    run->r->lun_count = run->n_targets;
    run_repoint_targets(run);
    return 0;
}

int bench_check_selection(const struct job_spec *job, const struct bench_env *env, char *err, size_t err_len)
{
    unsigned n;
    if (resolve(job, env, NULL, &n, false, err, err_len) != 0)
        return -1;
    if (job->time_based && job->runtime_ms == 0) {
        snprintf(err, err_len, "job '%s': time_based needs a runtime", job->name);
        return -1;
    }
    return 0;
}

static int choose_dir(struct run *run)
{
    switch (run->job->rw) {
    case JOB_READ:
    case JOB_RANDREAD: return DIR_READ;
    case JOB_WRITE:
    case JOB_RANDWRITE: return DIR_WRITE;
    case JOB_RW:
    case JOB_RANDRW: return xorshift(&run->rng) % 100 < run->job->rwmixread ? DIR_READ : DIR_WRITE;
    }
    return DIR_READ;
}

static bool random_offsets(const struct job_spec *job)
{
    return job->rw == JOB_RANDREAD || job->rw == JOB_RANDWRITE || job->rw == JOB_RANDRW;
}

/* The next LUN with room for one more command, round-robin or at random. */
static int pick_target(struct run *run)
{
    for (unsigned tries = 0; tries < run->n_targets; tries++) {
        unsigned i = run->job->lun_order == LUN_ORDER_RANDOM ? (unsigned)(xorshift(&run->rng) % run->n_targets)
                                                             : run->rr_cursor++ % run->n_targets;
        const struct target *t = &run->targets[i];
        if (t->removed)
            continue;
        if (run->durable && t->next_unit >= (run->pass + 1) * t->units)
            continue; /* this LUN finished the pass: wait for the flush */
        if (t->in_flight < t->max_in_flight)
            return (int)i;
    }
    return -1;
}

static void bitmap_set(uint8_t *b, uint64_t i) { b[i / 8] |= (uint8_t)(1u << (i % 8)); }
static bool bitmap_get(const uint8_t *b, uint64_t i) { return b[i / 8] & (1u << (i % 8)); }

static bool submit_one(struct run *run, unsigned slot_index, unsigned target_index, uint64_t unit, int dir, bool verify_read)
{
    struct slot *s = &run->slots[slot_index];
    struct target *t = &run->targets[target_index];
    const struct lun_info *l = t->info;
    uint64_t lba = t->first_lba + unit * t->blocks_per_unit;
    struct vscsi_cmd *c = &s->cmd;
    memset(c, 0, offsetof(struct vscsi_cmd, response));
    c->target = l->target;
    c->lun = l->lun;
    c->cdb_len = (uint8_t)scsi_cdb_rw(c->cdb, dir == DIR_WRITE, lba, t->blocks_per_unit);
    c->dir = dir == DIR_WRITE ? VSCSI_DIR_OUT : VSCSI_DIR_IN;
    c->data = s->buf;
    c->data_len = run->job->bs;
    c->timeout_cycles = run->env->cmd_timeout_cycles;
    c->user = s;
    if (dir == DIR_WRITE && run->job->verify) {
        struct stamp_id id = { l->hba, l->target, l->lun };
        for (uint32_t b = 0; b < t->blocks_per_unit; b++)
            stamp_fill(s->buf + (size_t)b * l->block_size, l->block_size, id, lba + b, run->generation + run->pass);
    }
    unsigned q = t->next_queue++ % t->hba->num_req_queues;
    uint64_t before = rdtsc();
    if (vscsi_submit(t->hba, q, c) != 0)
        return false;
    uint64_t after = rdtsc();
    s->slat_cycles = after - before;
    run->r->submit_cycles += after - before;
    run->dirty[l->hba][q] = true;
    s->busy = true;
    s->target = target_index;
    s->unit = unit;
    s->dir = dir;
    s->verify_read = verify_read;
    s->measured = !verify_read && before >= run->measure_start;
    t->in_flight++;
    run->in_flight++;
    run->n_free--;
    if (!verify_read) {
        run->submitted++;
        run->submitted_bytes += run->job->bs;
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

static bool rate_allows(struct run *run, uint64_t now)
{
    if (run->job->rate_iops == 0)
        return true;
    uint64_t allowed = (uint64_t)((unsigned __int128)(now - run->start) * run->job->rate_iops / run->env->tsc_hz) + 1;
    return run->submitted < allowed;
}

/* SYNCHRONIZE CACHE over the whole LUN (SBC-3 5.22: 0 blocks means to the end). */
static bool submit_flush(struct run *run, unsigned slot_index, unsigned target_index)
{
    struct slot *s = &run->slots[slot_index];
    struct target *t = &run->targets[target_index];
    struct vscsi_cmd *c = &s->cmd;
    memset(c, 0, offsetof(struct vscsi_cmd, response));
    c->target = t->info->target;
    c->lun = t->info->lun;
    c->cdb_len = (uint8_t)scsi_cdb_synchronize_cache10(c->cdb, 0, 0);
    c->dir = VSCSI_DIR_NONE;
    c->timeout_cycles = run->env->cmd_timeout_cycles;
    c->user = s;
    unsigned q = t->next_queue++ % t->hba->num_req_queues;
    if (vscsi_submit(t->hba, q, c) != 0)
        return false;
    run->dirty[t->info->hba][q] = true;
    s->busy = true;
    s->flush = true;
    s->verify_read = false;
    s->measured = false;
    s->target = target_index;
    s->unit = 0;
    t->in_flight++;
    run->in_flight++;
    run->n_free--;
    return true;
}

static void submit_work(struct run *run, uint64_t now)
{
    while (run->n_free > 0) {
        unsigned slot = run->free_slots[run->n_free - 1];
        if (run->n_retries > 0) {
            /* I/Os that met a UNIT ATTENTION go again, unless their LUN is gone or busy. */
            struct retry *rt = &run->retries[run->n_retries - 1];
            struct target *t = &run->targets[rt->target];
            if (t->removed) {
                run->n_retries--;
                continue;
            }
            if (t->in_flight >= t->max_in_flight ||
                !submit_one(run, slot, rt->target, rt->unit, rt->dir, rt->verify_read))
                return;
            run->n_retries--;
            continue;
        }
        if (run->phase == PHASE_FLUSH) {
            if (run->flush_target == run->n_targets || !submit_flush(run, slot, run->flush_target))
                return;
            run->flush_target++;
            continue;
        }
        if (run->phase == PHASE_VERIFY) {
            /* Read back every unit the write phase stamped, LUN by LUN. */
            while (run->verify_target < run->n_targets) {
                struct target *t = &run->targets[run->verify_target];
                while (t->verify_unit < t->units && !bitmap_get(t->written, t->verify_unit))
                    t->verify_unit++;
                if (t->verify_unit < t->units && t->in_flight < t->max_in_flight)
                    break;
                if (t->verify_unit < t->units)
                    return; /* at this LUN's limit: wait for completions */
                run->verify_target++;
            }
            if (run->verify_target == run->n_targets)
                return;
            struct target *t = &run->targets[run->verify_target];
            if (!submit_one(run, slot, run->verify_target, t->verify_unit, DIR_READ, true))
                return;
            t->verify_unit++;
            continue;
        }
        if (run->n_pending > 0)
            return; /* drain: a hotplug change is applied with nothing in flight */
        if (run->stop_submitting || !rate_allows(run, now))
            return;
        int ti = pick_target(run);
        if (ti < 0)
            return;
        struct target *t = &run->targets[ti];
        uint64_t unit = random_offsets(run->job) ? xorshift(&run->rng) % t->units : t->next_unit++ % t->units;
        if (!submit_one(run, slot, (unsigned)ti, unit, choose_dir(run), false))
            return;
        if (run->ios_limit && run->measured_submitted >= run->ios_limit)
            run->stop_submitting = true;
        if (run->bytes_limit && run->submitted_bytes >= run->bytes_limit)
            run->stop_submitting = true;
    }
}

static void report_error(struct run *run, const struct slot *s, const char *what)
{
    const struct target *t = &run->targets[s->target];
    if (run->error_lines++ >= MAX_ERROR_LINES) {
        if (run->error_lines == MAX_ERROR_LINES + 1)
            printf("lunbench: job '%s': more errors; only counting them now\n", run->job->name);
        return;
    }
    printf("lunbench: job '%s': LUN %u:%u:%u LBA %" PRIu64 ": %s %s\n", run->job->name, t->info->hba, t->info->target,
           t->info->lun, t->first_lba + s->unit * t->blocks_per_unit, scsi_cdb_name(s->cmd.cdb, s->cmd.cdb_len), what);
}

/* Sort out a failed command; true if it failed. */
static bool check_failure(struct run *run, struct slot *s, int *kind)
{
    const struct vscsi_cmd *c = &s->cmd;
    char why[200];
    if (c->response != VIRTIO_SCSI_S_OK) {
        *kind = ERR_RESPONSE;
        snprintf(why, sizeof why, "failed: virtio-scsi response %s", vscsi_response_name(c->response));
    } else if (c->status == SCSI_STATUS_CHECK_CONDITION) {
        struct scsi_sense sense;
        *kind = ERR_CHECK_CONDITION;
        if (c->sense_len > 0 && scsi_sense_decode(c->sense, c->sense_len, &sense) == 0) {
            const char *asc = scsi_asc_name(sense.asc, sense.ascq);
            snprintf(why, sizeof why, "failed: CHECK CONDITION, sense %s %02x/%02x (%s)",
                     scsi_sense_key_name(sense.key), sense.asc, sense.ascq, asc ? asc : "no description");
        } else {
            snprintf(why, sizeof why, "failed: CHECK CONDITION without usable sense data");
        }
    } else if (c->status != SCSI_STATUS_GOOD) {
        *kind = ERR_OTHER_STATUS;
        snprintf(why, sizeof why, "failed: status %s", scsi_status_name(c->status));
    } else if (c->residual != 0) {
        *kind = ERR_SHORT_TRANSFER;
        snprintf(why, sizeof why, "transferred %" PRIu32 " of %" PRIu32 " bytes", c->data_len - c->residual,
                 c->data_len);
    } else {
        return false;
    }
    report_error(run, s, why);
    return true;
}

static void verify_data(struct run *run, struct slot *s, uint64_t min_generation)
{
    const struct target *t = &run->targets[s->target];
    const struct lun_info *l = t->info;
    struct stamp_id id = { l->hba, l->target, l->lun };
    uint64_t lba = t->first_lba + s->unit * t->blocks_per_unit;
    for (uint32_t b = 0; b < t->blocks_per_unit; b++) {
        run->r->verify_blocks++;
        enum stamp_result res = stamp_check(s->buf + (size_t)b * l->block_size, l->block_size, id, lba + b, min_generation);
        if (res == STAMP_OK)
            continue;
        run->r->verify_failures++;
        run->r->errors[ERR_VERIFY]++;
        char why[120];
        snprintf(why, sizeof why, "verify failed at LBA %" PRIu64 ": %s", lba + b, stamp_result_name(res));
        report_error(run, s, why);
    }
}

/* A command that met a hotplug: to a LUN that is gone (counted as removed, not as an error), or a
 * UNIT ATTENTION (retried; a capacity or LUN-inventory change is looked into). True if handled. */
static bool after_hotplug(struct run *run, struct slot *s)
{
    struct target *t = &run->targets[s->target];
    const struct vscsi_cmd *c = &s->cmd;
    if (!t->removed && c->recovery == 0 &&
        (c->response == VIRTIO_SCSI_S_ABORTED || c->response == VIRTIO_SCSI_S_RESET)) {
        /* We asked for no abort or reset: an unplug cancelled it. QEMU posts the REMOVED event
         * before it cancels the LUN's requests, so read the events now, then judge. */
        run->next_event_poll = 0;
        hotplug_poll_events(run, rdtsc());
    }
    if (t->removed || hotplug_lun_gone(c)) {
        if (!t->removed) {
            printf("lunbench: job '%s': LUN %u:%u:%u is gone (%s); no more I/O to it\n", run->job->name,
                   t->info->hba, t->info->target, t->info->lun,
                   c->response != VIRTIO_SCSI_S_OK ? vscsi_response_name(c->response) : "LOGICAL UNIT NOT SUPPORTED");
            t->removed = true;
            t->info->flags |= LUN_REMOVED;
            run->r->luns_removed++;
        }
        if (c->response != VIRTIO_SCSI_S_OK || c->status != SCSI_STATUS_GOOD)
            run->r->removed_ios++;
        return c->response != VIRTIO_SCSI_S_OK || c->status != SCSI_STATUS_GOOD;
    }
    struct scsi_sense sense;
    if (c->response != VIRTIO_SCSI_S_OK || c->status != SCSI_STATUS_CHECK_CONDITION || c->sense_len == 0 ||
        scsi_sense_decode(c->sense, c->sense_len, &sense) != 0 || sense.key != SCSI_SENSE_UNIT_ATTENTION)
        return false;
    run->r->ua_retries++;
    if (sense.asc == 0x2a && sense.ascq == 0x09) /* CAPACITY DATA HAS CHANGED */
        hotplug_queue_change(run, CHANGE_CAPACITY, t->info->hba, t->info->target, t->info->lun);
    if (sense.asc == 0x3f && sense.ascq == 0x0e) { /* REPORTED LUNS DATA HAS CHANGED */
        bool queued = false;
        for (unsigned i = 0; i < run->n_pending; i++)
            queued |= run->pending[i].kind == CHANGE_RESCAN && run->pending[i].hba == t->info->hba;
        if (!queued)
            printf("lunbench: HBA %u: the LUN inventory changed (UNIT ATTENTION 3f/0e); rescanning its LUNs\n",
                   t->info->hba);
        hotplug_queue_change(run, CHANGE_RESCAN, t->info->hba, 0, 0);
    }
    if (run->n_retries < MAX_RETRIES)
        run->retries[run->n_retries++] = (struct retry){ s->target, s->unit, s->dir, s->verify_read };
    return true;
}

static void complete(struct run *run, struct slot *s)
{
    struct job_result *r = run->r;
    struct target *t = &run->targets[s->target];
    s->busy = false;
    t->in_flight--;
    run->in_flight--;
    run->free_slots[run->n_free++] = (unsigned)(s - run->slots);
    if (!s->flush && after_hotplug(run, s))
        return;
    int kind;
    bool failed = check_failure(run, s, &kind);
    if (failed) {
        r->errors[kind]++;
        t->info->errors++;
    }
    if (s->flush) {
        s->flush = false;
        run->flushes_done++;
        run->flush_failures += failed;
        return;
    }
    if (s->verify_read) {
        if (!failed)
            verify_data(run, s, run->generation);
        return;
    }
    if (!failed && s->dir == DIR_WRITE && t->written)
        bitmap_set(t->written, s->unit);
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
    d->ios++;
    d->bytes += run->job->bs;
    run->tick_ios[s->dir]++;
    run->tick_bytes[s->dir] += run->job->bs;
}

static bool job_does(const struct job_spec *job, int dir)
{
    bool reads = job->rw == JOB_READ || job->rw == JOB_RANDREAD || job->rw == JOB_RW || job->rw == JOB_RANDRW;
    bool writes = job->rw == JOB_WRITE || job->rw == JOB_RANDWRITE || job->rw == JOB_RW || job->rw == JOB_RANDRW;
    return dir == DIR_READ ? reads : writes;
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
        if (!job_does(run->job, d))
            continue;
        sample_stats_add(&run->r->dir[d].iops_samples, (double)run->tick_ios[d]);
        sample_stats_add(&run->r->dir[d].bw_samples, (double)run->tick_bytes[d] / 1024.0);
    }
    run->seconds++;
    if (run->env->progress) {
        printf("lunbench: job '%s' %us: read %" PRIu64 " IOPS %.1f MiB/s, write %" PRIu64 " IOPS %.1f MiB/s, %u in flight\n",
               run->job->name, run->seconds, run->tick_ios[DIR_READ], (double)run->tick_bytes[DIR_READ] / (1 << 20),
               run->tick_ios[DIR_WRITE], (double)run->tick_bytes[DIR_WRITE] / (1 << 20), run->in_flight);
    }
    memset(run->tick_ios, 0, sizeof run->tick_ios);
    memset(run->tick_bytes, 0, sizeof run->tick_bytes);
    run->next_tick += hz;
}

static void kick_dirty(struct run *run)
{
    for (unsigned h = 0; h < run->env->hba_count; h++) {
        struct vscsi_hba *hba = &run->env->hbas[h];
        for (unsigned q = 0; q < hba->num_req_queues && q < MAX_QUEUES; q++) {
            if (!run->dirty[h][q])
                continue;
            uint64_t before = rdtsc();
            vscsi_kick(hba, q);
            run->r->submit_cycles += rdtsc() - before;
            run->dirty[h][q] = false;
        }
    }
}

static void poll_all(struct run *run, bool *hba_involved)
{
    struct vscsi_cmd *done[256];
    for (unsigned h = 0; h < run->env->hba_count; h++) {
        if (!hba_involved[h])
            continue;
        struct vscsi_hba *hba = &run->env->hbas[h];
        for (unsigned q = 0; q < hba->num_req_queues; q++) {
            if (vscsi_in_flight(hba, q) == 0)
                continue;
            uint64_t before = rdtsc(), recovery = hba->stats.recovery_cycles;
            unsigned n = vscsi_poll(hba, q, done, sizeof done / sizeof done[0]);
            if (n == 0)
                continue; /* waiting for the device is not the driver's cost */
            run->r->reap_cycles += rdtsc() - before - (hba->stats.recovery_cycles - recovery);
            run->r->driver_ios += n;
            for (unsigned i = 0; i < n; i++)
                complete(run, done[i]->user);
        }
        if (hba->broken && !run->r->stopped) {
            run->r->stopped = true;
            snprintf(run->r->stop_reason, sizeof run->r->stop_reason, "HBA %u (%s) stopped working: %s", h,
                     hba->pci_name, hba->error);
            run->stop_submitting = true;
        }
    }
}

/* Every LUN wrote its whole region for this pass and nothing is in flight. */
static bool pass_complete(const struct run *run)
{
    if (run->in_flight != 0)
        return false;
    for (unsigned i = 0; i < run->n_targets; i++)
        if (run->targets[i].next_unit < (run->pass + 1) * run->targets[i].units)
            return false;
    return true;
}

static int setup(struct run *run, char *err, size_t err_len)
{
    const struct job_spec *job = run->job;
    unsigned n;
    if (resolve(job, run->env, NULL, &n, true, err, err_len) != 0)
        return -1;
    run->targets = calloc(n, sizeof *run->targets);
    if (run->targets == NULL || resolve(job, run->env, run->targets, &run->n_targets, true, err, err_len) != 0)
        return -1;
    run->r->lun_count = run->n_targets;
    bool writes = job_does(job, DIR_WRITE);
    if (job->verify && writes && job->do_verify) {
        uint64_t total = 0;
        for (unsigned i = 0; i < run->n_targets; i++)
            total += (run->targets[i].units + 7) / 8;
        if (total > MAX_VERIFY_BITMAP) {
            snprintf(err, err_len, "job '%s': verify would need %" PRIu64 " MiB to track written blocks; use a smaller "
                     "size= or fewer LUNs", job->name, total >> 20);
            return -1;
        }
        for (unsigned i = 0; i < run->n_targets; i++)
            if ((run->targets[i].written = calloc((run->targets[i].units + 7) / 8, 1)) == NULL)
                return -1;
    }
    run->n_slots = job->iodepth;
    run->slots = calloc(run->n_slots, sizeof *run->slots);
    run->free_slots = calloc(run->n_slots, sizeof *run->free_slots);
    if (run->slots == NULL || run->free_slots == NULL)
        return -1;
    for (unsigned i = 0; i < run->n_slots; i++) {
        run->slots[i].buf = memalign(4096, job->bs);
        if (run->slots[i].buf == NULL) {
            snprintf(err, err_len, "job '%s': out of memory for %u buffers of %" PRIu32 " bytes", job->name,
                     job->iodepth, job->bs);
            return -1;
        }
        memset(run->slots[i].buf, 0, job->bs);
        run->free_slots[i] = run->n_slots - 1 - i;
    }
    run->n_free = run->n_slots;
    /* Without time_based a job covers each LUN's region once; a durable job counts its passes
     * itself (one without time_based). */
    if (!job->time_based && !(job->verify && job->rw == JOB_WRITE)) {
        for (unsigned i = 0; i < run->n_targets; i++)
            run->bytes_limit += run->targets[i].units * job->bs;
    }
    run->ios_limit = job->number_ios;
    run->rng = job->randseed ? job->randseed : 0x2545f4914f6cdd1dull;
    return 0;
}

static void teardown(struct run *run)
{
    for (unsigned i = 0; run->slots && i < run->n_slots; i++)
        free(run->slots[i].buf);
    for (unsigned i = 0; run->targets && i < run->n_targets; i++)
        free(run->targets[i].written);
    free(run->slots);
    free(run->free_slots);
    free(run->targets);
}

int bench_run_job(const struct job_spec *job, const struct bench_env *env, struct job_result *r)
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
    struct run run = { .job = job, .env = env, .r = r };
    if (setup(&run, r->stop_reason, sizeof r->stop_reason) != 0) {
        teardown(&run);
        r->stopped = true;
        return -1;
    }
    bool involved[32] = { false };
    for (unsigned i = 0; i < run.n_targets; i++)
        involved[run.targets[i].info->hba] = true;

    uint64_t hz = env->tsc_hz;
    run.start = rdtsc();
    /* Wall-clock microseconds: generations grow across jobs and boots, so a block left by an
     * earlier run can never pass for this one's. */
    run.generation = rtc_unix_time() * 1000000u + (run.start / (hz / 1000000u ? hz / 1000000u : 1)) % 1000000u;
    run.durable = job->verify && job->rw == JOB_WRITE;
    run.measure_start = run.start + job->ramp_time_ms * (hz / 1000);
    if (job->runtime_ms)
        run.run_end = run.measure_start + job->runtime_ms * (hz / 1000);

    for (;;) {
        uint64_t now = rdtsc();
        if (run.phase == PHASE_RUN && run.run_end && now >= run.run_end)
            run.stop_submitting = true;
        submit_work(&run, now);
        kick_dirty(&run);
        poll_all(&run, involved);
        tick(&run, rdtsc());
        hotplug_poll_events(&run, rdtsc());
        if (run.in_flight > 0)
            continue;
        if (run.n_pending > 0) {
            hotplug_apply_changes(&run);
            continue;
        }
        if (run.phase == PHASE_RUN && run.durable && !run.stop_submitting && pass_complete(&run)) {
            run.phase = PHASE_FLUSH;
            run.flush_target = run.flushes_done = run.flush_failures = 0;
            continue;
        }
        if (run.phase == PHASE_FLUSH && run.flushes_done == run.n_targets) {
            if (run.flush_failures == 0)
                printf("lunbench: job '%s': durable: generation %" PRIu64 " (pass %" PRIu64 ") on all %u LUNs\n",
                       job->name, run.generation + run.pass, run.pass, run.n_targets);
            else
                printf("lunbench: job '%s': pass %" PRIu64 ": %u of %u flushes failed; generation %" PRIu64
                       " is not known to be durable\n", job->name, run.pass, run.flush_failures, run.n_targets,
                       run.generation + run.pass);
            run.pass++;
            run.phase = PHASE_RUN;
            if (!job->time_based && run.pass >= 1)
                run.stop_submitting = true; /* one pass is the whole job without time_based */
            continue;
        }
        if (run.phase == PHASE_RUN && run.stop_submitting) {
            uint64_t end = rdtsc();
            r->runtime_ns = end > run.measure_start
                                ? (uint64_t)((unsigned __int128)(end - run.measure_start) * 1000000000u / hz) : 0;
            bool verify_back = job->verify && job->do_verify && job_does(job, DIR_WRITE) && !r->stopped;
            run.phase = verify_back ? PHASE_VERIFY : PHASE_DONE;
            if (verify_back && env->progress)
                printf("lunbench: job '%s': reading back what it wrote to verify it\n", job->name);
        }
        if (run.phase == PHASE_VERIFY && run.verify_target == run.n_targets && run.n_retries == 0)
            run.phase = PHASE_DONE;
        if (run.phase == PHASE_DONE)
            break;
        if (r->stopped)
            break;
    }
    r->elapsed_ns = (uint64_t)((unsigned __int128)(rdtsc() - run.start) * 1000000000u / hz);
    teardown(&run);
    return r->stopped ? -1 : 0;
}
