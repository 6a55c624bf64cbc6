/*
 * A crew: the workers (bench/worker.h) of one wave of jobs on several CPUs, as bench/cpu_plan.h
 * placed them. Worker 0 runs on this CPU (CPU 0) and is the owner; the others are started on
 * theirs through env->cpus.
 *
 * The owner alone touches what the workers share: the HBAs' control and event queues, recovery
 * (TMFs, deadlines, resets), hotplug changes and the LUN inventory. Each round it reads the
 * events into hotplug's inbox (its own queues) and looks at what the workers asked for; when
 * there is shared work (events to act on, held completions, a passed deadline, recovery in
 * progress, an HBA needing a reset, an exitall, a hotplug change once all have drained) it
 * pauses the crew: it bumps crew_pause.requested and waits until every worker is parked (or has
 * left), does the work for all of them, then releases. The acquire/release pairs on those words
 * are the only ordering the crew needs: between pauses no two CPUs write the same memory.
 *
 * A pause costs every CPU a round trip, so the hot path never needs one: plain successes, the
 * per-queue counters and the kick list are each CPU's own.
 */
#ifndef BENCH_CREW_H
#define BENCH_CREW_H

#include <stddef.h>
#include <stdint.h>

#include "bench/cpu_plan.h"
#include "bench/engine.h"
#include "bench/env.h"
#include "bench/hotplug.h"
#include "bench/job.h"
#include "bench/wave.h"

/* What each worker did, for the report's per-CPU section. */
struct crew_worker_report {
    unsigned cpu;
    uint32_t cpu_id;   /* as the worker read it on its CPU */
    uint64_t *reaped;  /* [h * HBA_MAX_QUEUES + q], env->hba_count rows; the caller frees it */
};

struct crew_report {
    unsigned workers;
    struct crew_worker_report w[CPU_PLAN_MAX];
    unsigned pauses; /* how often the owner paused the crew */
};

/* Run the wave's instances wave->jobs[0..n) (results[i] for jobs[i]) as plan places them
 * (worker_of[i]), hotplug state hp. As bench_worker_run: 0, or -1 when a job stopped early;
 * *ended_by as there. */
int bench_crew_run(const struct bench_env *env, struct hotplug *hp, const struct cpu_plan *plan,
                   const unsigned *worker_of, struct wave *wave, struct job_result *results, size_t *ended_by,
                   struct crew_report *report);

#endif
