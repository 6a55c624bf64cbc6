/* The job lunbench runs when no job file is given. */
#ifndef BENCH_DEFAULT_JOB_H
#define BENCH_DEFAULT_JOB_H

extern const char bench_default_job_name[];
extern const char bench_default_job[];

#endif
