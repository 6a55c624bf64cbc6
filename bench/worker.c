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
            uint64_t before = env->now();
            hba_kick(hba, q);
            payer->submit_cycles += env->now() - before;
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

/* Poll the worker's queues of every HBA its instances are on; each completion goes back to its
 * instance with an equal share of the poll's cost. */
static void poll_queues(const struct bench_worker *w, struct bench_instance *const *in, size_t n)
{
    const struct bench_env *env = w->env;
    struct hba_cmd *done[256];
    for (unsigned h = 0; h < env->hba_count; h++) {
        if (!any_involves(in, n, h))
            continue;
        struct hba *hba = env->hbas[h];
        uint64_t mask = w->queues->mask[h];
        for (unsigned q = 0; q < hba->num_queues; q++) {
            if (!(mask & (1ull << q)) || hba_in_flight(hba, q) == 0)
                continue;
            uint64_t before = env->now(), recovery = hba->stats.recovery_cycles;
            unsigned got = hba_poll(hba, q, done, sizeof done / sizeof done[0]);
            if (got == 0)
                continue; /* waiting for the device is not the driver's cost */
            /* Recovery's share is measured from the last command's completion time, which for a
             * command lost in an HBA reset lies before this poll: never let it exceed the poll. */
            uint64_t spent = env->now() - before, recovering = hba->stats.recovery_cycles - recovery;
            uint64_t reap = spent > recovering ? spent - recovering : 0;
            for (unsigned i = 0; i < got; i++)
                bench_instance_complete(done[i], reap / got + (i == 0 ? reap % got : 0));
        }
        if (!hba->broken)
            continue;
        char why[sizeof ((struct job_result *)0)->stop_reason];
        snprintf(why, sizeof why, "HBA %u (%s) stopped working: %s", h, hba->name, hba->error);
        for (size_t i = 0; i < n; i++)
            if (in[i] != NULL && bench_instance_involves(in[i], h))
                bench_instance_stop(in[i], why);
    }
}

int bench_worker_run(const struct bench_worker *w, const struct job_spec *const *jobs, struct job_result *results,
                     size_t n, size_t *ended_by)
{
    const struct bench_env *env = w->env;
    *ended_by = n;
    struct bench_common *c = calloc(1, sizeof *c);
    struct bench_instance **in = calloc(n ? n : 1, sizeof *in);
    if (c == NULL || in == NULL) {
        for (size_t i = 0; i < n; i++) {
            memset(&results[i], 0, sizeof results[i]);
            results[i].stopped = true;
            snprintf(results[i].stop_reason, sizeof results[i].stop_reason, "job '%s': out of memory for its worker",
                     jobs[i]->name);
        }
        free(c);
        free(in);
        return -1;
    }
    *c = (struct bench_common){ .env = env, .queues = w->queues, .hp = w->hp };
    int rc = 0;
    size_t live = 0;
    for (size_t i = 0; i < n; i++) {
        in[i] = bench_instance_start(jobs[i], c, &results[i]);
        if (in[i] == NULL)
            rc = -1;
        else
            live++;
    }
    while (live > 0) {
        uint64_t now = env->now();
        for (size_t i = 0; i < n; i++)
            if (in[i] != NULL)
                bench_instance_submit(in[i], now);
        kick_dirty(w, c);
        poll_queues(w, in, n);
        now = env->now();
        unsigned in_flight = 0;
        for (size_t i = 0; i < n; i++) {
            if (in[i] == NULL)
                continue;
            bench_instance_tick(in[i], now);
            in_flight += bench_instance_in_flight(in[i]);
        }
        if (w->owns_hotplug)
            hotplug_poll_events(w->hp, env->now(), false);
        if (in_flight == 0 && w->hp->n_pending > 0 && w->owns_hotplug) {
            /* Every instance has drained: the probes may use the queues. */
            hotplug_apply_changes(w->hp);
            for (size_t i = 0; i < n; i++)
                if (in[i] != NULL)
                    bench_instance_luns_changed(in[i]);
            continue;
        }
        for (size_t i = 0; i < n; i++) {
            if (in[i] == NULL || bench_instance_in_flight(in[i]) != 0 || !bench_instance_advance(in[i]))
                continue;
            if (bench_instance_finish(in[i]) != 0)
                rc = -1;
            in[i] = NULL;
            live--;
            if (*ended_by != n || !bench_job_ends_the_run(jobs[i], &results[i]))
                continue;
            *ended_by = i; /* fio's exitall: the others are terminated */
            for (size_t k = 0; k < n; k++)
                if (in[k] != NULL)
                    bench_instance_terminate(in[k]);
        }
    }
    free(in);
    free(c);
    return rc;
}

int bench_run_job(const struct job_spec *job, const struct bench_env *env, struct job_result *r)
{
    struct bench_queues *queues = malloc(sizeof *queues);
    struct hotplug *hp = malloc(sizeof *hp);
    if (queues == NULL || hp == NULL) {
        free(queues);
        free(hp);
        memset(r, 0, sizeof *r);
        r->stopped = true;
        snprintf(r->stop_reason, sizeof r->stop_reason, "job '%s': out of memory for its worker", job->name);
        return -1;
    }
    bench_queues_all(queues, env);
    hotplug_init(hp, env);
    struct bench_worker w = { .env = env, .queues = queues, .hp = hp, .owns_hotplug = true };
    size_t ended_by;
    int rc = bench_worker_run(&w, &job, r, 1, &ended_by);
    free(hp);
    free(queues);
    return rc;
}
