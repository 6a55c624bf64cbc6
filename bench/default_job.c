#include "default_job.h"

const char bench_default_job_name[] = "built-in default job";

/* 4 KiB random reads spread over every LUN, at queue depth 1 (latency), then 32 (throughput):
 * stonewall keeps the two apart, or the QD1 latency would be measured beside the QD32 load. */
const char bench_default_job[] = "; lunbench's default job\n"
                                 "[global]\n"
                                 "rw=randread\n"
                                 "bs=4k\n"
                                 "runtime=5\n"
                                 "time_based\n"
                                 "luns=all\n"
                                 "stonewall\n"
                                 "\n"
                                 "[randread-qd1]\n"
                                 "iodepth=1\n"
                                 "\n"
                                 "[randread-qd32]\n"
                                 "iodepth=32\n";
