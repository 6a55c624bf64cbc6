/*
 * A worker: one polling loop that drives a set of job instances (bench/engine.h) at the same
 * time, interleaved, each with its own iodepth, LUNs, rate, runtime, histograms and result, as
 * fio runs the jobs of a file side by side until a stonewall.
 *
 * The contract, one worker per CPU:
 * - A worker is given the instances it runs and, for each HBA, the request queues it may use
 *   (struct bench_queues). Its instances submit only to those queues and it polls and kicks only
 *   those, so workers with disjoint queues never touch the same virtqueue.
 * - Everything an instance writes on the hot path is its own (slots, targets, result) or its
 *   worker's (struct bench_common: the kick list; the per-queue counts). Results are per
 *   instance; merging them for fio's group_reporting happens after the run.
 * - Alone (share NULL), a worker does everything: it polls through deadline recovery, reads the
 *   HBAs' events and applies hotplug changes.
 * - In a crew of workers on several CPUs (bench/crew.h), what is shared belongs to worker 0, the
 *   owner: recovery (TMFs, resets), the event queues, hotplug changes, the LUN inventory. A
 *   worker's hot path touches none of it: it polls its queues directly and completes the plain
 *   successes itself; any other completion (an error, a cancellation, a UNIT ATTENTION, one
 *   that went through recovery) it holds for the owner, as it does a deadline that passed and
 *   an exitall. The owner then pauses the crew (every worker parks at the top of its round),
 *   does the shared work for all of them, and releases it. Starting and finishing instances
 *   (hotplug's list of LUN sets, allocation) happen under the crew's start lock.
 * - fio's coordination of the jobs side by side (startdelay, wait_for, exitall with exit_what,
 *   flows) goes through the wave (bench/wave.h), which every worker of the wave shares: an
 *   instance starts when the wave says it may; when one ends and terminates others, its worker
 *   terminates its own instances that the end reaches and, in a crew, asks the owner to do the
 *   same on every other CPU.
 */
#ifndef BENCH_WORKER_H
#define BENCH_WORKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bench/engine.h"
#include "bench/env.h"
#include "bench/hotplug.h"
#include "bench/job.h"
#include "bench/wave.h"

#define WORKER_HELD_MAX 256        /* completions a worker holds for the owner before it stops polling */
#define WORKER_LEFT UINT32_MAX     /* worker_share.parked once the worker has left its loop */

/* The owner's word to the crew: its own cache line, written only when a pause starts or ends and
 * read by every worker once a round. */
struct crew_pause {
    uint8_t pad_before[64];
    uint32_t requested; /* generation of the latest pause asked for (atomic) */
    uint32_t released;  /* generation of the latest pause ended (atomic) */
    uint8_t pad_after[64];
};

/* A completion held for the owner, with the HBA it came from. */
struct held_cmd {
    struct hba_cmd *cmd;
    unsigned hba;
};

/* What a worker in a crew shares with the owner. The worker writes it between pauses; the owner
 * reads and writes it during a pause only, except the fields marked atomic. The padding keeps it
 * off its neighbours' cache lines. */
struct worker_share {
    uint8_t pad_before[64];
    uint32_t parked;   /* atomic: the pause generation it is parked in, or WORKER_LEFT */
    uint32_t requests; /* atomic: bumped each time it needs the owner (held commands, a passed deadline,
                        * an exitall) */
    bool drained;      /* atomic: nothing in flight or held while a hotplug change waits */
    struct held_cmd held[WORKER_HELD_MAX];
    unsigned n_held;
    bool overdue[HBA_MAX]; /* a command on its queues of HBA h is past its deadline */
    bool exitall;          /* one of its instances ended and terminates others (wave.terminates) */
    /* Its instances (set before its first round; NULL once finished). */
    struct bench_instance **in;
    size_t n;
    uint32_t cpu_id;   /* the CPU's id as the worker read it on that CPU (env->cpus->id) */
    uint8_t pad_after[64];
};

struct bench_worker {
    const struct bench_env *env;
    const struct bench_queues *queues;
    struct hotplug *hp;  /* the one hotplug state, shared by every wave of jobs */
    /* Completions this worker reaped, per HBA h and request queue q at [h * HBA_MAX_QUEUES + q]
     * (env->hba_count rows); NULL: not counted. */
    uint64_t *reaped;
    /* In a crew (bench/crew.c); all NULL for a worker alone. */
    struct worker_share *share;
    const struct crew_pause *pause;
    uint32_t *start_lock; /* held while instances start and finish */
    /* The owner's duties, called by worker 0 once a round: true while other workers still run. */
    bool (*owner_round)(void *ctx, uint64_t now);
    void *owner_ctx;
    /* The wave its instances are of (required in a crew); NULL: every instance starts at once and
     * none is in a flow (one job alone). Its instance k is the wave's wave_index[k] (NULL: k). */
    struct wave *wave;
    const size_t *wave_index;
};

/* Run jobs[0..n) side by side, *results[i] for jobs[i], each once the wave lets it start, until
 * every one has ended or was terminated before it started (and, for a crew's owner, until every
 * other worker has left). A job whose end terminates others (exitall, exitall_on_error)
 * terminates those its exit_what names, as fio does; *ended_by is the first of them with
 * exit_what=all (no later wave runs), else n. Returns 0 when every job ran to its end, -1 when
 * one stopped early (its stop_reason says why). */
int bench_worker_drive(const struct bench_worker *w, const struct job_spec *const *jobs,
                       struct job_result *const *results, size_t n, size_t *ended_by);

/* The same with the results side by side in results[0..n). */
int bench_worker_run(const struct bench_worker *w, const struct job_spec *const *jobs, struct job_result *results,
                     size_t n, size_t *ended_by);

/* results[0..n) of jobs[0..n) as stopped: out of memory for what (a one-line reason each). */
void bench_results_fail(struct job_result *results, const struct job_spec *const *jobs, size_t n, const char *what);

/* One job on its own: a worker with every queue (the tests' way in). */
int bench_run_job(const struct job_spec *job, const struct bench_env *env, struct job_result *r);

#endif
