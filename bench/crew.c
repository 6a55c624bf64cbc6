#include "bench/crew.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/worker.h"
#include "drivers/hba/recovery.h"

struct member {
    struct bench_worker w;
    struct bench_env env; /* its own copy: progress lines and status documents come from CPU 0 only */
    struct worker_share *share;
    const struct job_spec **jobs;
    struct job_result **results;
    size_t *wave_index; /* its instance k is the wave's instance wave_index[k] */
    size_t n, ended_by;
    int rc;
};

struct crew {
    const struct bench_env *env;
    struct hotplug *hp;
    struct crew_pause *pause;
    uint32_t start_lock;
    struct member *m;
    unsigned members;
    uint32_t *seen_requests;
    struct hba_cmd **gathered; /* WORKER_HELD_MAX a member: one HBA's held completions */
    struct wave *wave;
    bool *applied;             /* [wave->n]: the end of that instance was carried to every worker */
    uint64_t next_recovery_pause;
    unsigned pauses;
};

static void member_main(void *arg)
{
    struct member *m = arg;
    m->rc = bench_worker_drive(&m->w, m->jobs, m->results, m->n, &m->ended_by);
}

/* Every worker but the owner parks at the top of its next round (or has left). */
static void pause_crew(struct crew *c)
{
    uint32_t gen = c->pause->requested + 1;
    __atomic_store_n(&c->pause->requested, gen, __ATOMIC_RELEASE);
    for (unsigned k = 1; k < c->members; k++) {
        for (;;) {
            uint32_t parked = __atomic_load_n(&c->m[k].share->parked, __ATOMIC_ACQUIRE);
            if (parked == gen || parked == WORKER_LEFT)
                break;
            __builtin_ia32_pause();
        }
    }
    c->pauses++;
}

static void release_crew(struct crew *c)
{
    __atomic_store_n(&c->pause->released, c->pause->requested, __ATOMIC_RELEASE);
}

static bool recovering(const struct hba *h) { return h->tmfs_in_flight != 0 || h->cmds_in_recovery != 0; }

static void each_instance(struct crew *c, void (*fn)(struct bench_instance *in))
{
    for (unsigned k = 0; k < c->members; k++) {
        const struct worker_share *s = c->m[k].share;
        for (size_t i = 0; s->in != NULL && i < s->n; i++)
            if (s->in[i] != NULL)
                fn(s->in[i]);
    }
}

/* The ends that terminate others, not yet carried to every worker (fio_terminate_threads): each
 * terminates the running instances it reaches on every CPU and cancels the waiting ones. */
static void carry_ends(struct crew *c)
{
    struct wave *wave = c->wave;
    for (size_t e = 0; e < wave->n; e++) {
        if (c->applied[e] || wave_state_of(wave, e) != WAVE_ENDED || !wave->terminates[e])
            continue;
        c->applied[e] = true;
        for (unsigned k = 0; k < c->members; k++) {
            const struct member *m = &c->m[k];
            for (size_t i = 0; i < m->n; i++) {
                size_t at = m->wave_index[i];
                /* A worker that left has none (its in is NULL: worker.c clears it before it says so). */
                bool running = m->share->in != NULL && m->share->in[i] != NULL;
                if (running && wave_reaches(wave->jobs[e], m->jobs[i], true))
                    bench_instance_terminate(m->share->in[i]);
                else if (!running && wave_reaches(wave->jobs[e], m->jobs[i], false))
                    wave_cancel(wave, at); /* only one still waiting is changed */
            }
        }
    }
}

static bool all_drained(struct crew *c)
{
    for (unsigned k = 0; k < c->members; k++) {
        const struct worker_share *s = c->m[k].share;
        for (size_t i = 0; s->in != NULL && i < s->n; i++)
            if (s->in[i] != NULL && bench_instance_in_flight(s->in[i]) != 0)
                return false;
    }
    return true;
}

/* Held completions, deadlines and TMF answers of HBA h, for every worker: what hba_poll does for
 * a worker alone. */
static void recover_hba(struct crew *c, unsigned h)
{
    struct hba *hba = c->env->hbas[h];
    unsigned n = 0;
    bool flagged = false;
    for (unsigned k = 0; k < c->members; k++) {
        struct worker_share *s = c->m[k].share;
        for (unsigned i = 0; i < s->n_held; i++)
            if (s->held[i].hba == h)
                c->gathered[n++] = s->held[i].cmd;
        flagged |= s->overdue[h];
        s->overdue[h] = false;
    }
    if (n == 0 && !flagged && !recovering(hba))
        return;
    if (flagged)
        hba->next_deadline_check = 0; /* a worker saw a deadline pass: look now */
    hba_poll_recovery(hba, c->gathered, n);
    for (unsigned i = 0; i < n; i++)
        bench_instance_complete(c->gathered[i], 0);
}

/* The shared work, with every other worker parked. */
static void shared_work(struct crew *c, uint64_t now)
{
    const struct bench_env *env = c->env;
    for (unsigned k = 0; k < c->members; k++)
        c->seen_requests[k] = __atomic_load_n(&c->m[k].share->requests, __ATOMIC_ACQUIRE);
    for (unsigned h = 0; h < env->hba_count; h++)
        if (env->hba_ok[h] && __atomic_load_n(&env->hbas[h]->reset_wanted, __ATOMIC_ACQUIRE))
            hba_reset(env->hbas[h]);
    bool ends = false;
    for (unsigned k = 0; k < c->members; k++) {
        ends |= c->m[k].share->exitall;
        c->m[k].share->exitall = false;
    }
    if (ends)
        carry_ends(c); /* fio's exitall: on every CPU */
    hotplug_apply_events(c->hp, now);
    for (unsigned h = 0; h < env->hba_count; h++)
        if (env->hba_ok[h])
            recover_hba(c, h);
    for (unsigned k = 0; k < c->members; k++)
        c->m[k].share->n_held = 0;
    if (c->hp->n_pending > 0 && all_drained(c)) {
        hotplug_apply_changes(c->hp);
        each_instance(c, bench_instance_luns_changed);
    }
    c->next_recovery_pause = now + env->tsc_hz / 1000 * HBA_DEADLINE_CHECK_MS;
}

/* The owner's round (bench_worker.owner_round): pause the crew when there is shared work. */
static bool owner_round(void *ctx, uint64_t now)
{
    struct crew *c = ctx;
    const struct bench_env *env = c->env;
    bool want = hotplug_collect_events(c->hp, now, false);
    for (unsigned k = 0; k < c->members && !want; k++)
        want = __atomic_load_n(&c->m[k].share->requests, __ATOMIC_ACQUIRE) != c->seen_requests[k];
    for (unsigned h = 0; h < env->hba_count && !want; h++) {
        const struct hba *hba = env->hbas[h];
        want = env->hba_ok[h] && (__atomic_load_n(&hba->reset_wanted, __ATOMIC_ACQUIRE) ||
                                  (recovering(hba) && now >= c->next_recovery_pause));
    }
    if (!want && c->hp->n_pending > 0) {
        want = true; /* once every worker has drained, the change is applied */
        for (unsigned k = 0; k < c->members && want; k++)
            want = __atomic_load_n(&c->m[k].share->drained, __ATOMIC_RELAXED) ||
                   (k > 0 && __atomic_load_n(&c->m[k].share->parked, __ATOMIC_ACQUIRE) == WORKER_LEFT);
    }
    if (want) {
        pause_crew(c);
        shared_work(c, now);
        release_crew(c);
    }
    for (unsigned k = 1; k < c->members; k++)
        if (__atomic_load_n(&c->m[k].share->parked, __ATOMIC_ACQUIRE) != WORKER_LEFT)
            return true;
    return false;
}

static void free_crew(struct crew *c)
{
    for (unsigned k = 0; c->m != NULL && k < c->members; k++) {
        free(c->m[k].share);
        free(c->m[k].jobs);
        free(c->m[k].results);
        free(c->m[k].wave_index);
    }
    free(c->m);
    free(c->pause);
    free(c->seen_requests);
    free(c->gathered);
    free(c->applied);
    free(c);
}

static int out_of_memory(struct job_result *results, const struct job_spec *const *jobs, size_t n)
{
    bench_results_fail(results, jobs, n, "its CPU's worker");
    return -1;
}

int bench_crew_run(const struct bench_env *env, struct hotplug *hp, const struct cpu_plan *plan,
                   const unsigned *worker_of, struct wave *wave, struct job_result *results, size_t *ended_by,
                   struct crew_report *report)
{
    const struct job_spec *const *jobs = wave->jobs;
    size_t n = wave->n;
    memset(report, 0, sizeof *report);
    *ended_by = n;
    struct crew *c = calloc(1, sizeof *c);
    if (c == NULL)
        return out_of_memory(results, jobs, n);
    *c = (struct crew){ .env = env, .hp = hp, .members = plan->workers, .wave = wave };
    c->m = calloc(plan->workers, sizeof *c->m);
    c->pause = calloc(1, sizeof *c->pause);
    c->seen_requests = calloc(plan->workers, sizeof *c->seen_requests);
    c->gathered = calloc((size_t)WORKER_HELD_MAX * plan->workers, sizeof *c->gathered);
    c->applied = calloc(n ? n : 1, sizeof *c->applied);
    bool ok = c->m != NULL && c->pause != NULL && c->seen_requests != NULL && c->gathered != NULL && c->applied != NULL;
    for (unsigned k = 0; ok && k < plan->workers; k++) {
        struct member *m = &c->m[k];
        size_t count = plan->instances[k];
        m->share = calloc(1, sizeof *m->share);
        m->jobs = calloc(count ? count : 1, sizeof *m->jobs);
        m->results = calloc(count ? count : 1, sizeof *m->results);
        m->wave_index = calloc(count ? count : 1, sizeof *m->wave_index);
        report->w[k].reaped = calloc((size_t)(env->hba_count ? env->hba_count : 1) * HBA_MAX_QUEUES, sizeof(uint64_t));
        ok = m->share && m->jobs && m->results && m->wave_index && report->w[k].reaped;
        report->w[k].cpu = plan->cpu[k];
        report->workers = k + 1;
    }
    if (!ok) {
        for (unsigned k = 0; k < report->workers; k++)
            free(report->w[k].reaped);
        report->workers = 0;
        free_crew(c);
        return out_of_memory(results, jobs, n);
    }
    for (size_t i = 0; i < n; i++) {
        struct member *m = &c->m[worker_of[i]];
        m->jobs[m->n] = jobs[i];
        m->results[m->n] = &results[i];
        m->wave_index[m->n++] = i;
    }
    for (unsigned k = 0; k < c->members; k++) {
        struct member *m = &c->m[k];
        m->env = *env;
        if (k != 0) {
            m->env.progress = false;
            m->env.status_interval_ms = 0;
            m->env.log_channel = NULL; /* cpu_plan keeps the jobs that log on CPU 0 */
        }
        m->w = (struct bench_worker){ .env = &m->env, .queues = &plan->queues[k], .hp = hp,
                                      .reaped = report->w[k].reaped, .share = m->share, .pause = c->pause,
                                      .start_lock = &c->start_lock, .owner_round = k == 0 ? owner_round : NULL,
                                      .owner_ctx = c, .wave = wave, .wave_index = m->wave_index };
    }
    for (unsigned h = 0; h < env->hba_count; h++)
        env->hbas[h]->defer_resets = true;
    for (unsigned k = 1; k < c->members; k++)
        env->cpus->run(plan->cpu[k], member_main, &c->m[k]);
    member_main(&c->m[0]); /* the owner, here, until every other worker has left */
    for (unsigned k = 1; k < c->members; k++)
        while (!env->cpus->done(plan->cpu[k]))
            __builtin_ia32_pause();
    for (unsigned h = 0; h < env->hba_count; h++) {
        env->hbas[h]->defer_resets = false;
        if (env->hba_ok[h] && __atomic_load_n(&env->hbas[h]->reset_wanted, __ATOMIC_ACQUIRE))
            hba_reset(env->hbas[h]); /* asked for as the last worker left */
    }
    /* exit_what=all: the first such end (every worker has left: the states are final). */
    for (size_t e = 0; e < n && *ended_by == n; e++)
        if (wave_state_of(wave, e) == WAVE_ENDED && wave->terminates[e] && jobs[e]->exit_what == JOB_EXIT_ALL)
            *ended_by = e;
    int rc = 0;
    for (unsigned k = 0; k < c->members; k++) {
        rc |= c->m[k].rc;
        report->w[k].cpu_id = c->m[k].share->cpu_id;
    }
    report->pauses = c->pauses;
    free_crew(c);
    return rc != 0 ? -1 : 0;
}
