/* fio's terse output, version 3 (fio's HOWTO "Terse output", stat.c show_thread_status_terse_all):
 * one line of semicolon-separated fields per report entry, in fio's order:
 *   terse version, fio version, jobname, groupid, error;
 *   per direction, read then write (version 3 has no trim): KiB moved, bandwidth (KiB/s), IOPS,
 *   runtime (ms); slat, clat min, max, mean, stdev (us); 20 percentile fields "P%=us" (of lat where
 *   lat_percentiles is set, else of clat where clat_percentiles is, "0%=0" past the list); lat min,
 *   max, mean, stdev (us); bw min, max (KiB/s), share of the group's aggregate "P%", mean, stdev;
 *   CPU usr, sys ("P%"), context switches, major and minor faults;
 *   I/O depths 1 .. >=64 (7), latencies 2 .. 1000 us (10, those under 1 us in the first) and
 *   2 .. >=2000 ms (12);
 * then, only where the job gave them, continue_on_error's error count and first error, and the
 * description. fio's disk utilisation fields (of the block devices under a file) have no
 * counterpart here and are left out, as fio leaves them out where it knows no disk. */
#ifndef BENCH_TERSE_H
#define BENCH_TERSE_H

#include <stddef.h>

#include "bench/engine.h"
#include "bench/job.h"

#define TERSE_V3_FIELDS 121 /* without continue_on_error's and the description */

/* The entry's line, '\n' included, into buf[0..len). Its length, or 0 when it does not fit (buf
 * then holds a truncated line). */
size_t bench_terse_line(char *buf, size_t len, const struct job_spec *job, const struct job_result *r,
                        const char *fio_version);

#endif
