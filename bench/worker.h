/*
 * A worker: one polling loop that drives a set of job instances (bench/engine.h) at the same
 * time, interleaved, each with its own iodepth, LUNs, rate, runtime, histograms and result, as
 * fio runs the jobs of a file side by side until a stonewall.
 *
 * The contract, written for one worker per CPU:
 * - A worker is given the instances it runs and, for each HBA, the request queues it may use
 *   (struct bench_queues; on one CPU all of them). Its instances submit only to those queues and
 *   it polls and kicks only those, so workers with disjoint queues never touch the same virtqueue.
 * - Everything an instance writes on the hot path is its own (slots, targets, result) or its
 *   worker's (struct bench_common: the kick list). Results are per instance; merging them for
 *   fio's group_reporting happens after the run (bench/result_merge.h).
 * - Shared state is owned by worker 0 (owns_hotplug): it polls the HBAs' event queues and
 *   applies hotplug changes, and only its instances write the LUN inventory (failed-I/O counts,
 *   the removed flag). HBA recovery (TMFs, resets) runs inside hba_poll on the queue it concerns.
 *   A worker that does not own the hotplug would learn of changes through a single-producer ring
 *   from worker 0; there is one worker today, so that ring does not exist yet.
 */
#ifndef BENCH_WORKER_H
#define BENCH_WORKER_H

#include <stdbool.h>
#include <stddef.h>

#include "bench/engine.h"
#include "bench/env.h"
#include "bench/hotplug.h"
#include "bench/job.h"

struct bench_worker {
    const struct bench_env *env;
    const struct bench_queues *queues;
    struct hotplug *hp;      /* the one hotplug state, shared by every wave of jobs */
    bool owns_hotplug;       /* worker 0: polls events and applies changes */
};

/* Run jobs[0..n) at the same time, results[i] for jobs[i], until every one has ended. A job that
 * ends the run (exitall, exitall_on_error) terminates the others, as fio does; *ended_by is its
 * index then, else n. Returns 0 when every job ran to its end, -1 when one stopped early (its
 * stop_reason says why). */
int bench_worker_run(const struct bench_worker *w, const struct job_spec *const *jobs, struct job_result *results,
                     size_t n, size_t *ended_by);

/* One job on its own: a worker with every queue (the tests' way in). */
int bench_run_job(const struct job_spec *job, const struct bench_env *env, struct job_result *r);

#endif
