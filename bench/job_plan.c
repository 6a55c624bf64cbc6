#include "bench/job_plan.h"

#include <stdio.h>
#include <string.h>

int job_plan(const struct job_spec *jobs, size_t n, struct job_instance *out, struct job_spec *specs, size_t max,
             size_t *count, char *err, size_t err_len)
{
    size_t k = 0;
    unsigned groupid = 0, wave = 0, group_jobs = 0;
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
