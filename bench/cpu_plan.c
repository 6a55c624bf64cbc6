#include "bench/cpu_plan.h"

#include <stdio.h>
#include <string.h>

static bool writes_logs(const struct job_spec *job)
{
    for (int k = 0; k < JOB_LOG_KINDS; k++)
        if (job->logs.on[k])
            return true;
    return false;
}

static uint64_t first_cpus(unsigned n) { return n >= 64 ? ~0ull : (1ull << n) - 1; }

/* The nth (from 0, wrapping) CPU of a non-empty set. */
static unsigned nth_cpu(uint64_t set, unsigned nth)
{
    unsigned count = (unsigned)__builtin_popcountll(set);
    nth %= count;
    for (unsigned c = 0;; c++)
        if ((set >> c & 1) && nth-- == 0)
            return c;
}

static unsigned least_loaded(uint64_t set, const unsigned *load)
{
    unsigned best = 64;
    for (unsigned c = 0; c < 64; c++)
        if ((set >> c & 1) && (best == 64 || load[c] < load[best]))
            best = c;
    return best;
}

int cpu_plan_make(const struct job_spec *const *jobs, const unsigned *clone, size_t n, unsigned cpus,
                  const struct bench_env *env, struct cpu_plan *plan, unsigned *worker_of, char *err, size_t err_len)
{
    memset(plan, 0, sizeof *plan);
    if (cpus == 0)
        cpus = 1;
    if (cpus > CPU_PLAN_MAX)
        cpus = CPU_PLAN_MAX;
    unsigned usable = cpus, fewest = 0;
    for (unsigned h = 0; h < env->hba_count; h++) {
        if (!env->hba_ok[h] || env->hbas[h]->num_queues >= usable)
            continue;
        usable = env->hbas[h]->num_queues ? env->hbas[h]->num_queues : 1;
        fewest = h;
    }
    if (usable < cpus)
        snprintf(plan->note, sizeof plan->note, "jobs run on %u of the %u CPUs: HBA %u (%s) has %u request queue%s, "
                 "and each queue belongs to one CPU (give it more: --num-queues)", usable, cpus, fewest,
                 env->hbas[fewest]->name, usable, usable == 1 ? "" : "s");
    plan->cpus_usable = usable;

    unsigned load[64] = { 0 };
    for (size_t i = 0; i < n; i++) {
        const struct job_spec *job = jobs[i];
        uint64_t allowed = job->cpus_allowed ? job->cpus_allowed : ~0ull;
        if ((allowed & first_cpus(cpus)) == 0) {
            snprintf(err, err_len, "job '%s': cpus_allowed names no CPU that runs (CPUs 0-%u run; start more with "
                     "cpus= or --cpus)", job->name, cpus - 1);
            return -1;
        }
        if (writes_logs(job) && !(allowed & 1)) {
            snprintf(err, err_len, "job '%s': writes fio's log files, which only CPU 0 sends: its cpus_allowed must "
                     "include CPU 0", job->name);
            return -1;
        }
        if (writes_logs(job))
            allowed = 1;
        uint64_t set = allowed & first_cpus(usable);
        if (set == 0)
            set = first_cpus(usable); /* its CPUs have no queues of their own: the usable ones */
        unsigned c = job->cpus_split ? nth_cpu(set, clone[i]) : least_loaded(set, load);
        load[c]++;
        worker_of[i] = c; /* a CPU for now; a worker number below */
    }

    /* Workers: CPU 0 first (the owner), then every other CPU with an instance. */
    unsigned worker_of_cpu[64];
    plan->workers = 0;
    for (unsigned c = 0; c < 64; c++) {
        if (c != 0 && load[c] == 0)
            continue;
        worker_of_cpu[c] = plan->workers;
        plan->cpu[plan->workers] = c;
        plan->instances[plan->workers] = load[c];
        plan->workers++;
    }
    for (size_t i = 0; i < n; i++)
        worker_of[i] = worker_of_cpu[worker_of[i]];

    /* Queues: among the workers that run instances, round-robin. */
    unsigned with[CPU_PLAN_MAX], n_with = 0;
    for (unsigned w = 0; w < plan->workers; w++)
        if (plan->instances[w] > 0)
            with[n_with++] = w;
    for (unsigned h = 0; h < env->hba_count && h < HBA_MAX && n_with > 0; h++) {
        if (!env->hba_ok[h])
            continue;
        for (unsigned q = 0; q < env->hbas[h]->num_queues && q < HBA_MAX_QUEUES; q++)
            plan->queues[with[q % n_with]].mask[h] |= 1ull << q;
    }
    return 0;
}
