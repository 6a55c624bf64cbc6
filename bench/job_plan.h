/*
 * fio's order of running and reporting, from the parsed jobs (pure code): numjobs=N becomes N
 * instances of the job (the clones keep its name, as fio's do, and run beside it); a job with
 * stonewall waits for every instance before it (a new wave) and, like new_group, starts a new
 * reporting group (fio's groupid, counted as fio's add_job does: only after a group that has
 * jobs). Instances of one wave run at the same time. Each instance's spec also gets what only the
 * plan knows: its clone number and group, its own startdelay drawn from a range, the instances its
 * wait_for names, and exitall on every instance once one job has it (fio 3.33's global flag).
 */
#ifndef BENCH_JOB_PLAN_H
#define BENCH_JOB_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "bench/job.h"

struct job_instance {
    size_t job;         /* index into the parsed jobs */
    unsigned clone;     /* 0 for the job itself, 1..numjobs-1 for its clones */
    unsigned groupid;   /* fio's reporting group */
    unsigned wave;      /* instances of one wave run together; a wave starts when the last has ended */
};

/* Plan jobs[0..n): out[0..*count) in fio's order (each job, then its clones). specs[i] is the
 * job_spec instance i runs: the job's own, with a clone's randseed moved by its clone number so
 * that clones draw different offsets, and number i + 1 (fio's thread_number, in log names). 0, or -1 with "more than MAX job instances" in err. */
int job_plan(const struct job_spec *jobs, size_t n, struct job_instance *out, struct job_spec *specs, size_t max,
             size_t *count, char *err, size_t err_len);

/* Whether instance i is reported on its own (fio: its job has no group_reporting) or starts its
 * group's merged entry; instances for which this is false merge into the entry before them. */
/* The end of the wave that begins at instance first: the next instance of another wave, or count. */
size_t job_plan_wave_end(const struct job_instance *plan, size_t count, size_t first);

bool job_plan_starts_entry(const struct job_spec *specs, const struct job_instance *plan, size_t i);

#endif
