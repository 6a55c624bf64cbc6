#include "bench/job_plan.h"

#include <stdio.h>
#include <string.h>

/* startdelay=LO-HI: the instance's own delay, drawn uniformly from its seed (fio draws it from its
 * own delay_state, so the values differ from fio's). */
static uint64_t draw_delay(const struct job_spec *spec)
{
    uint64_t x = spec->randseed ^ 0x5851f42d4c957f2dull;
    x = x ? x : 1;
    for (int i = 0; i < 4; i++) { /* xorshift64, a few rounds to spread nearby seeds */
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    return spec->startdelay_ms + x % (spec->startdelay_hi_ms - spec->startdelay_ms + 1);
}

/* wait_for: the instances of the waitee job (contiguous: a job, then its clones). */
static void find_waitees(const struct job_instance *out, size_t k, long waitee, size_t *first, size_t *end)
{
    *first = *end = 0;
    for (size_t i = 0; waitee >= 0 && i < k; i++) {
        if (out[i].job != (size_t)waitee)
            continue;
        if (*end == 0)
            *first = i;
        *end = i + 1;
    }
}

int job_plan(const struct job_spec *jobs, size_t n, struct job_instance *out, struct job_spec *specs, size_t max,
             size_t *count, char *err, size_t err_len)
{
    size_t k = 0;
    unsigned groupid = 0, wave = 0, group_jobs = 0;
    bool exitall = false;
    for (size_t j = 0; j < n; j++)
        exitall |= jobs[j].exitall;
    for (size_t j = 0; j < n; j++) {
        const struct job_spec *job = &jobs[j];
        /* fio's add_job: stonewall or new_group opens a new group once the current one has jobs. */
        if ((job->stonewall || job->new_group) && group_jobs > 0) {
            groupid++;
            group_jobs = 0;
        }
        if (job->stonewall && k > 0)
            wave++;
        for (unsigned c = 0; c < job->numjobs; c++) {
            if (k == max) {
                snprintf(err, err_len, "%s:%u: job '%s': more than %zu job instances (numjobs included)", job->source,
                         job->line, job->name, max);
                return -1;
            }
            out[k] = (struct job_instance){ .job = j, .clone = c, .groupid = groupid, .wave = wave };
            specs[k] = *job;
            specs[k].randseed = job->randseed + c;
            specs[k].number = (unsigned)k + 1; /* fio's thread_number counts the clones too (log names) */
            specs[k].clone = c;
            specs[k].groupid = groupid;
            /* fio 3.33's exitall sets one global flag (exitall_on_terminate): every job then
             * terminates what its exit_what says when it ends. */
            specs[k].exitall = exitall;
            if (job->startdelay_hi_ms != 0) {
                specs[k].startdelay_ms = draw_delay(&specs[k]);
                specs[k].startdelay_hi_ms = 0;
            }
            find_waitees(out, k, job->wait_for_job, &specs[k].waitee_first, &specs[k].waitee_end);
            /* fio clears these for the clones: they join the job's group and wave. */
            if (c > 0)
                specs[k].stonewall = specs[k].new_group = false;
            k++;
            group_jobs++;
        }
    }
    *count = k;
    return 0;
}

bool job_plan_starts_entry(const struct job_spec *specs, const struct job_instance *plan, size_t i)
{
    /* fio's __show_run_stats: a job without group_reporting has its own entry; one with it joins
     * the entry before when that is of the same group. */
    return i == 0 || !specs[i].group_reporting || plan[i - 1].groupid != plan[i].groupid;
}

size_t job_plan_wave_end(const struct job_instance *plan, size_t count, size_t first)
{
    size_t end = first;
    while (end < count && plan[end].wave == plan[first].wave)
        end++;
    return end;
}
