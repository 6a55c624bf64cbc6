/*
 * Which CPU runs which job instance of a wave, and which request queues each CPU drives (the SMP
 * issue's placement, after fio's cpus_allowed / cpus_allowed_policy):
 * - An instance runs on one CPU. Without cpus_allowed it goes to the least loaded CPU (so jobs
 *   and clones spread round-robin); with it, to the least loaded CPU of its set (policy shared),
 *   or clone k to the k-th CPU of the set (policy split). Jobs that write fio's log files run on
 *   CPU 0, which alone sends on COM2.
 * - Each request queue of each HBA belongs to exactly one of the CPUs that run instances (queue q
 *   to the (q mod W)-th of the W), so no two CPUs touch one virtqueue. A CPU with no queue of an
 *   HBA could not reach its LUNs, so no more CPUs run jobs than the HBA with the fewest request
 *   queues has queues (the note says so).
 * - CPU 0 is always worker 0, the owner (bench/crew.h), even with no instance of its own.
 */
#ifndef BENCH_CPU_PLAN_H
#define BENCH_CPU_PLAN_H

#include <stddef.h>

#include "bench/engine.h"
#include "bench/env.h"
#include "bench/job.h"

#define CPU_PLAN_MAX 64 /* CPUs one run drives (arch/x86_64/segments.h's CPU_MAX) */

struct cpu_plan {
    unsigned workers;                         /* worker 0 is CPU 0 */
    unsigned cpu[CPU_PLAN_MAX];               /* worker w runs on CPU cpu[w] */
    unsigned instances[CPU_PLAN_MAX];         /* how many instances worker w runs */
    struct bench_queues queues[CPU_PLAN_MAX]; /* the request queues worker w drives */
    unsigned cpus_usable;                     /* CPUs jobs could run on: started, capped by queues */
    char note[240];                           /* why fewer CPUs than started may run jobs; "" if none */
};

/* Place instances jobs[0..n) (clone[i]: which numjobs clone jobs[i] is) on the first cpus CPUs.
 * worker_of[i] is the worker that runs instance i. 0, or -1 with a one-line reason (a cpus_allowed
 * that names no CPU that runs). */
int cpu_plan_make(const struct job_spec *const *jobs, const unsigned *clone, size_t n, unsigned cpus,
                  const struct bench_env *env, struct cpu_plan *plan, unsigned *worker_of, char *err, size_t err_len);

#endif
