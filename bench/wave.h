/*
 * fio's coordination of the job instances of one wave (the instances that run side by side until
 * a stonewall, bench/job_plan.h), shared by the workers that run them (bench/worker.h), on one
 * CPU or several:
 * - when each may start: fio's startdelay, counted from the start of the run (fio's genesis, not
 *   the wave's), and wait_for, once every instance of the waitee job has ended (backend.c's
 *   run_threads and waitee_running in fio 3.33);
 * - which have ended, and which were terminated before they started (exitall with exit_what:
 *   fio_terminate_threads, libfio.c), so that they never do;
 * - fio's flows (flow=, flow_id=, flow.c): per flow_id a counter of the I/Os its jobs issued
 *   (starting at 1, as fio's) and the sum of the weights of its jobs running now; a job whose share
 *   of the counter is above its share of the weights is held back.
 *
 * An instance's state and its flow are the only memory two CPUs write between the crew's pauses;
 * each is an atomic word (the state written by the instance's own worker, and by a pause's owner
 * only to cancel one still waiting; a flow's two counters by every job in it, which is what fio's
 * flows are: jobs that share a counter). The comments at each load and store say what they order.
 */
#ifndef BENCH_WAVE_H
#define BENCH_WAVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bench/job.h"

enum wave_state { WAVE_WAITING, WAVE_RUNNING, WAVE_ENDED, WAVE_CANCELLED };

/* One flow_id's counters, on a cache line of their own: every job of the flow writes them. */
struct wave_flow {
    uint8_t pad_before[64];
    uint64_t id;
    uint64_t counter;      /* atomic: 1 + the I/Os its running jobs issued (fio's flow_counter) */
    uint64_t total_weight; /* atomic: the weights of its running jobs */
    uint8_t pad_after[64];
};

struct wave {
    size_t first;                      /* the plan's index of the wave's first instance */
    size_t n;
    const struct job_spec *const *jobs; /* [n] */
    uint32_t *state;                   /* [n], enum wave_state, atomic */
    bool *terminates;                  /* [n]: its end terminated others (set before WAVE_ENDED) */
    uint64_t *start_at;                /* [n]: TSC before which it does not start (startdelay) */
    size_t *flow_of;                   /* [n]: its flow in flows[], or SIZE_MAX */
    struct wave_flow *flows;
    size_t n_flows;
};

/* The wave of jobs[0..n), the plan's instances first.. first + n - 1, in a run that began at
 * run_start (TSC); every instance waiting. 0, or -1 out of memory (wave_free in both cases). */
int wave_init(struct wave *w, const struct job_spec *const *jobs, size_t n, size_t first, uint64_t run_start,
              uint64_t tsc_hz);
void wave_free(struct wave *w);

/* Whether instance i starts now: it is waiting, its startdelay has passed and every instance of
 * its waitee in this wave has ended (or was cancelled). If so it is marked running and, in a flow,
 * has joined it: the instances that start with the wave (no startdelay, no waitee in it) joined in
 * wave_init, before any of them runs, as fio's jobs join before it lets any run. */
bool wave_try_start(struct wave *w, size_t i, uint64_t now);
enum wave_state wave_state_of(const struct wave *w, size_t i);
/* Instance i has ended; terminated: its end terminates others (exitall, exitall_on_error). */
void wave_end(struct wave *w, size_t i, bool terminated);
/* Instance i, still waiting, never starts (terminated before it began). True if it was waiting. */
bool wave_cancel(struct wave *w, size_t i);

/* fio_terminate_threads: whether the end of ender (whose end terminates others) terminates other,
 * which has started (running) or not yet: exit_what=group, the jobs of its reporting group;
 * stonewall, every job running now; all, every job. */
bool wave_reaches(const struct job_spec *ender, const struct job_spec *other, bool started);

/* Instance i's flow (NULL: its job has no flow=). */
struct wave_flow *wave_flow_of(struct wave *w, size_t i);
/* fio's flow_init_job and flow_exit_job: a job of weight joins (the wave does it, above), and
 * leaves when it ends with the I/Os it issued (own), which leave the counter with it. */
void wave_flow_join(struct wave_flow *f, unsigned weight);
void wave_flow_leave(struct wave_flow *f, unsigned weight, uint64_t own);
/* fio's flow_threshold_exceeded: a job of weight that issued own I/Os may issue the next unless
 * own / counter > weight / total_weight. */
bool wave_flow_allows(const struct wave_flow *f, unsigned weight, uint64_t own);
/* It issued one. */
void wave_flow_issued(struct wave_flow *f);

#endif
