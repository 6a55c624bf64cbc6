#include "bench/worker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/hba/recovery.h" /* hba_poll: completions, with deadline recovery */

void bench_queues_all(struct bench_queues *q, const struct bench_env *env)
{
    memset(q, 0, sizeof *q);
    for (unsigned h = 0; h < env->hba_count && h < HBA_MAX; h++) {
        unsigned n = env->hbas[h]->num_queues;
        q->mask[h] = n >= 64 ? ~0ull : (1ull << n) - 1;
    }
}

void bench_results_fail(struct job_result *results, const struct job_spec *const *jobs, size_t n, const char *what)
{
    for (size_t i = 0; i < n; i++) {
        memset(&results[i], 0, sizeof results[i]);
        results[i].stopped = true;
        snprintf(results[i].stop_reason, sizeof results[i].stop_reason, "job '%s': out of memory for %s", jobs[i]->name,
                 what);
    }
}

static void spin_lock(uint32_t *lock)
{
    uint32_t free_ = 0;
    while (!__atomic_compare_exchange_n(lock, &free_, 1, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
        free_ = 0;
        __builtin_ia32_pause();
    }
}

static void spin_unlock(uint32_t *lock) { __atomic_store_n(lock, 0, __ATOMIC_RELEASE); }

/* Tell the owner this worker needs it: only this worker writes its counter. Release: what it
 * held or flagged before is seen by the owner that reads the new count. */
static void ask_owner(struct worker_share *s)
{
    __atomic_store_n(&s->requests, s->requests + 1, __ATOMIC_RELEASE);
}

/* One doorbell per queue that got commands this round (SPDK's batching), charged to the instance
 * that submitted first. */
static void kick_dirty(const struct bench_worker *w, struct bench_common *c)
{
    const struct bench_env *env = w->env;
    for (unsigned h = 0; h < env->hba_count; h++) {
        struct hba *hba = env->hbas[h];
        for (unsigned q = 0; q < hba->num_queues; q++) {
            struct job_result *payer = c->dirty[h][q];
            if (payer == NULL)
                continue;
            uint64_t before = bench_now(env);
            hba_kick(hba, q);
            payer->submit_cycles += bench_now(env) - before;
            c->dirty[h][q] = NULL;
        }
    }
}

static bool any_involves(struct bench_instance *const *in, size_t n, unsigned h)
{
    for (size_t i = 0; i < n; i++)
        if (in[i] != NULL && bench_instance_involves(in[i], h))
            return true;
    return false;
}

static void stop_on_broken(const struct hba *hba, unsigned h, struct bench_instance *const *in, size_t n)
{
    char why[sizeof ((struct job_result *)0)->stop_reason];
    snprintf(why, sizeof why, "HBA %u (%s) stopped working: %s", h, hba->name, hba->error);
    for (size_t i = 0; i < n; i++)
        if (in[i] != NULL && bench_instance_involves(in[i], h))
            bench_instance_stop(in[i], why);
}

/* What a crew's worker completes itself: the device's plain answers. The rest may touch what the
 * owner keeps (the LUN inventory, hotplug, recovery's bookkeeping): held for it. */
static bool plain_success(const struct hba_cmd *c)
{
    return c->response == HBA_RESPONSE_OK && c->status == SCSI_STATUS_GOOD && c->residual == 0 &&
           c->recovery == HBA_RECOVERY_NONE;
}

/* Reap queue q of HBA h into done[] (at most max): through recovery when alone, directly in a
 * crew (recovery is the owner's). Returns how many, with the reap's cost (less recovery's). */
static unsigned reap_queue(const struct bench_worker *w, struct hba *hba, unsigned q, struct hba_cmd **done,
                           unsigned max, uint64_t *cost)
{
    const struct bench_env *env = w->env;
    /* Read before the clock: the measure's own bookkeeping stays out of what it measures. */
    bool alone = w->share == NULL;
    uint64_t recovery = hba->stats.recovery_cycles;
    uint64_t before = bench_now(env);
    unsigned got = alone ? hba_poll(hba, q, done, max) : hba->ops->poll(hba, q, done, max);
    if (got == 0)
        return 0; /* waiting for the device is not the driver's cost */
    /* Recovery's share is measured from the last command's completion time, which for a command
     * lost in an HBA reset lies before this poll: never let it exceed the poll. */
    uint64_t spent = bench_now(env) - before, recovering = alone ? hba->stats.recovery_cycles - recovery : 0;
    *cost = spent > recovering ? spent - recovering : 0;
    return got;
}

/* Poll the worker's queues of every HBA its instances are on; each completion goes back to its
 * instance with an equal share of the poll's cost, or, in a crew, is held for the owner. */
static void poll_queues(const struct bench_worker *w, struct bench_instance *const *in, size_t n)
{
    const struct bench_env *env = w->env;
    struct worker_share *s = w->share;
    struct hba_cmd *done[256];
    bool held = false;
    for (unsigned h = 0; h < env->hba_count; h++) {
        if (!any_involves(in, n, h))
            continue;
        struct hba *hba = env->hbas[h];
        uint64_t mask = w->queues->mask[h];
        for (unsigned q = 0; q < hba->num_queues; q++) {
            if (!(mask & (1ull << q)) || hba_in_flight(hba, q) == 0)
                continue;
            unsigned max = sizeof done / sizeof done[0];
            if (s != NULL && WORKER_HELD_MAX - s->n_held < max)
                max = WORKER_HELD_MAX - s->n_held;
            if (max == 0)
                break; /* the owner takes the held ones at its next pause */
            uint64_t reap = 0;
            unsigned got = reap_queue(w, hba, q, done, max, &reap);
            if (got == 0)
                continue;
            if (w->reaped != NULL)
                w->reaped[h * HBA_MAX_QUEUES + q] += got;
            for (unsigned i = 0; i < got; i++) {
                if (s != NULL && !plain_success(done[i])) {
                    s->held[s->n_held++] = (struct held_cmd){ done[i], h };
                    held = true;
                    continue;
                }
                bench_instance_complete(done[i], reap / got + (i == 0 ? reap % got : 0));
            }
        }
        if (hba->broken)
            stop_on_broken(hba, h, in, n);
    }
    if (held)
        ask_owner(s);
}

/* A crew's worker looks at its own queues' deadlines (recovery's interval); one passed is the
 * owner's to act on. */
static void check_deadlines(const struct bench_worker *w, struct bench_instance *const *in, size_t n, uint64_t now,
                            uint64_t *next_check)
{
    const struct bench_env *env = w->env;
    if (now < *next_check)
        return;
    *next_check = now + env->tsc_hz / 1000 * HBA_DEADLINE_CHECK_MS;
    bool late = false;
    for (unsigned h = 0; h < env->hba_count; h++) {
        if (!any_involves(in, n, h))
            continue;
        struct hba *hba = env->hbas[h];
        for (unsigned q = 0; q < hba->num_queues && !w->share->overdue[h]; q++) {
            struct hba_cmd *one;
            if ((w->queues->mask[h] & (1ull << q)) && hba->ops->overdue(hba, q, now, &one, 1) > 0)
                w->share->overdue[h] = late = true;
        }
    }
    if (late)
        ask_owner(w->share);
}

/* The top of a crew worker's round: park while the owner has the crew paused. Acquire on the
 * release: everything the owner changed in the pause (LUN sets, recovery state, the held
 * commands it completed) is seen here after it. */
static void pause_point(const struct bench_worker *w, uint32_t *seen)
{
    uint32_t asked = __atomic_load_n(&w->pause->requested, __ATOMIC_ACQUIRE);
    if (asked == *seen)
        return;
    *seen = asked;
    /* Release: this worker's writes so far (its instances, its held commands) are the owner's to read. */
    __atomic_store_n(&w->share->parked, asked, __ATOMIC_RELEASE);
    while (__atomic_load_n(&w->pause->released, __ATOMIC_ACQUIRE) != asked)
        __builtin_ia32_pause();
}

/* The wave's index of the worker's instance k. */
static size_t wave_at(const struct bench_worker *w, size_t k) { return w->wave_index ? w->wave_index[k] : k; }

/* Start the waiting instances the wave lets start now (all of them without a wave); one cancelled
 * before it started gets an empty result and is done. Under the crew's start lock. */
static void start_due(const struct bench_worker *w, struct bench_common *c, struct bench_instance **in, bool *waiting,
                      const struct job_spec *const *jobs, struct job_result *const *results, size_t n, uint64_t now,
                      int *rc, size_t *live, size_t *n_waiting)
{
    struct wave *wave = w->wave;
    if (*n_waiting == 0)
        return;
    if (w->start_lock)
        spin_lock(w->start_lock);
    for (size_t i = 0; i < n; i++) {
        if (!waiting[i])
            continue;
        size_t k = wave_at(w, i);
        if (wave != NULL && wave_state_of(wave, k) == WAVE_CANCELLED) {
            bench_result_init(results[i], jobs[i]); /* terminated before it began: it did nothing */
            results[i]->start_ns = results[i]->end_ns =
                (uint64_t)((unsigned __int128)now * 1000000000u / w->env->tsc_hz); /* and ended then */
            waiting[i] = false;
            (*n_waiting)--;
            (*live)--;
            continue;
        }
        if (wave != NULL && !wave_try_start(wave, k, now))
            continue;
        waiting[i] = false;
        (*n_waiting)--;
        in[i] = bench_instance_start(jobs[i], c, results[i]);
        if (in[i] == NULL) {
            *rc = -1;
            (*live)--;
            if (wave != NULL && wave_flow_of(wave, k) != NULL)
                wave_flow_leave(wave_flow_of(wave, k), jobs[i]->flow, 0); /* it joined as it started */
            if (wave != NULL)
                wave_end(wave, k, false);
        } else if (wave != NULL && wave_flow_of(wave, k) != NULL) {
            bench_instance_join_flow(in[i], wave_flow_of(wave, k));
        }
    }
    if (w->start_lock)
        spin_unlock(w->start_lock);
}

static int finish(const struct bench_worker *w, struct bench_instance *in)
{
    if (w->start_lock)
        spin_lock(w->start_lock);
    int rc = bench_instance_finish(in);
    if (w->start_lock)
        spin_unlock(w->start_lock);
    return rc;
}

/* Instance i ended and terminates others (fio_terminate_threads): this worker's own that its end
 * reaches, running (terminated: they drain and report) or still waiting (they never start). */
static void terminate_own(const struct bench_worker *w, struct bench_instance *const *in, const bool *waiting,
                          const struct job_spec *const *jobs, size_t n, size_t i)
{
    for (size_t k = 0; k < n; k++) {
        if (in[k] != NULL && wave_reaches(jobs[i], jobs[k], true))
            bench_instance_terminate(in[k]);
        else if (waiting[k] && w->wave != NULL && wave_reaches(jobs[i], jobs[k], false))
            wave_cancel(w->wave, wave_at(w, k));
    }
}

int bench_worker_drive(const struct bench_worker *w, const struct job_spec *const *jobs,
                       struct job_result *const *results, size_t n, size_t *ended_by)
{
    const struct bench_env *env = w->env;
    struct worker_share *s = w->share;
    *ended_by = n;
    struct bench_common *c = calloc(1, sizeof *c);
    struct bench_instance **in = calloc(n ? n : 1, sizeof *in);
    bool *waiting = calloc(n ? n : 1, sizeof *waiting);
    if (c == NULL || in == NULL || waiting == NULL) {
        for (size_t i = 0; i < n; i++) {
            bench_results_fail(results[i], &jobs[i], 1, "its worker");
            if (w->wave != NULL)
                wave_end(w->wave, wave_at(w, i), false);
        }
        free(c);
        free(in);
        free(waiting);
        if (s != NULL)
            __atomic_store_n(&s->parked, WORKER_LEFT, __ATOMIC_RELEASE);
        return -1;
    }
    *c = (struct bench_common){ .env = env, .queues = w->queues, .hp = w->hp };
    if (s != NULL && env->cpus != NULL && env->cpus->id != NULL)
        s->cpu_id = env->cpus->id();
    int rc = 0;
    size_t live = n, n_waiting = n;
    for (size_t i = 0; i < n; i++)
        waiting[i] = true;
    if (s != NULL) {
        s->in = in; /* the owner reads it in pauses only */
        s->n = n;
    }
    start_due(w, c, in, waiting, jobs, results, n, bench_now(env), &rc, &live, &n_waiting);
    uint32_t seen = 0;
    uint64_t next_deadline_check = 0;
    bool others = w->owner_round != NULL;
    while (live > 0 || others) {
        if (s != NULL && w->owner_round == NULL)
            pause_point(w, &seen);
        uint64_t now = bench_now(env);
        start_due(w, c, in, waiting, jobs, results, n, now, &rc, &live, &n_waiting);
        for (size_t i = 0; i < n; i++)
            if (in[i] != NULL)
                bench_instance_submit(in[i], now);
        kick_dirty(w, c);
        poll_queues(w, in, n);
        now = bench_now(env);
        unsigned in_flight = 0;
        for (size_t i = 0; i < n; i++) {
            if (in[i] == NULL)
                continue;
            bench_instance_tick(in[i], now);
            in_flight += bench_instance_in_flight(in[i]);
        }
        if (s == NULL) {
            hotplug_poll_events(w->hp, bench_now(env), false);
            if (in_flight == 0 && w->hp->n_pending > 0) {
                /* Every instance has drained: the probes may use the queues. */
                hotplug_apply_changes(w->hp);
                for (size_t i = 0; i < n; i++)
                    if (in[i] != NULL)
                        bench_instance_luns_changed(in[i]);
                continue;
            }
        } else {
            check_deadlines(w, in, n, now, &next_deadline_check);
            /* hp->n_pending changes only in a pause: reading it between is reading a settled value. */
            __atomic_store_n(&s->drained, in_flight == 0 && w->hp->n_pending > 0, __ATOMIC_RELAXED);
            if (w->owner_round != NULL)
                others = w->owner_round(w->owner_ctx, now);
        }
        for (size_t i = 0; i < n; i++) {
            if (in[i] == NULL || bench_instance_in_flight(in[i]) != 0 || !bench_instance_advance(in[i]))
                continue;
            if (finish(w, in[i]) != 0)
                rc = -1;
            in[i] = NULL;
            live--;
            bool terminates = bench_job_terminates_others(jobs[i], results[i]);
            if (w->wave != NULL)
                wave_end(w->wave, wave_at(w, i), terminates); /* after its result is complete */
            if (!terminates)
                continue;
            terminate_own(w, in, waiting, jobs, n, i);
            if (jobs[i]->exit_what == JOB_EXIT_ALL && *ended_by == n)
                *ended_by = i; /* and no later wave runs */
            if (s != NULL) {
                s->exitall = true; /* and, by the owner, every other worker's */
                ask_owner(s);
            }
        }
    }
    if (s != NULL && w->owner_round == NULL) {
        s->in = NULL; /* freed below: an owner that sees it left sees no instances */
        /* Release: its results are complete for whoever reads them after this. */
        __atomic_store_n(&s->parked, WORKER_LEFT, __ATOMIC_RELEASE);
    }
    free(waiting);
    free(in);
    free(c);
    return rc;
}

int bench_worker_run(const struct bench_worker *w, const struct job_spec *const *jobs, struct job_result *results,
                     size_t n, size_t *ended_by)
{
    struct job_result **r = calloc(n ? n : 1, sizeof *r);
    if (r == NULL) {
        bench_results_fail(results, jobs, n, "its worker");
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        r[i] = &results[i];
    int rc = bench_worker_drive(w, jobs, r, n, ended_by);
    free(r);
    return rc;
}

int bench_run_job(const struct job_spec *job, const struct bench_env *env, struct job_result *r)
{
    struct bench_queues *queues = malloc(sizeof *queues);
    struct hotplug *hp = malloc(sizeof *hp);
    if (queues == NULL || hp == NULL) {
        free(queues);
        free(hp);
        bench_results_fail(r, &job, 1, "its worker");
        return -1;
    }
    bench_queues_all(queues, env);
    hotplug_init(hp, env);
    struct bench_worker w = { .env = env, .queues = queues, .hp = hp };
    size_t ended_by;
    int rc = bench_worker_run(&w, &job, r, 1, &ended_by);
    free(hp);
    free(queues);
    return rc;
}
