/*
 * fio's log files (HOWTO "Log File Formats"; fio 3.33's stat.c and iolog.c), kept for one job and
 * sent over the results channel in frames (bench/log_frame.h) for the launcher to write:
 *   PREFIX_lat.N.log, _slat, _clat   latency of each I/O in ns (write_lat_log; each one unless
 *                                    disable_lat, disable_slat, disable_clat leaves it out)
 *   PREFIX_bw.N.log                  bandwidth in KiB/s (write_bw_log)
 *   PREFIX_iops.N.log                I/Os per second (write_iops_log)
 *   PREFIX_clat_hist.N.log           the completion latency histogram, every log_hist_msec
 *                                    (write_hist_log)
 * Each line is "time (ms), value, direction (0 read, 1 write), block size, [offset,] priority",
 * the time counted from the end of ramp_time, as fio's epoch. Without log_avg_msec every I/O is a
 * line (bw: its bytes over its completion latency; iops: 1); with it, a line per direction and
 * window: the mean (or with log_max_value the largest) of the window's latencies, and the rate
 * over the window for bw and iops, with block size and offset 0 (as fio writes them).
 * A histogram line is "time, direction, block size, bin 0, ..., bin M": the I/Os completed in each
 * of fio's 1856 latency bins since the direction's last line, 2^log_hist_coarseness bins summed.
 *
 * Lines are kept in memory while the job runs (writing to the serial port then would delay the
 * I/Os in flight) and sent when it ends; only past IO_LOG_MEMORY_MAX bytes are they sent midway.
 */
#ifndef BENCH_IO_LOG_H
#define BENCH_IO_LOG_H

#include <stdbool.h>
#include <stdint.h>

#include "bench/job.h"
#include "bench/log_frame.h"
#include "lib/histogram.h"

#define IO_LOG_MEMORY_MAX (32u << 20)
#define IO_LOG_NAME_MAX (JOB_LOG_PREFIX_MAX + 32)

enum io_log_file { IO_LOG_LAT, IO_LOG_SLAT, IO_LOG_CLAT, IO_LOG_BW, IO_LOG_IOPS, IO_LOG_HIST, IO_LOG_FILES };

struct io_log_chunk;

/* The averaging window of one direction (fio's avg_window and avg_last). */
struct io_log_window {
    uint64_t samples, max;
    double mean;
    uint64_t last_ms;
};

struct io_log_stream {
    bool on;
    char name[IO_LOG_NAME_MAX];
    struct io_log_chunk *head, *tail;
    uint64_t sent;                    /* bytes already framed */
    struct io_log_window window[JOB_DDIRS];   /* log_avg_msec, per direction (read, write, trim) */
};

struct io_log {
    bool active;
    const struct job_spec *job;
    const struct log_channel *channel;
    uint64_t hz, epoch;               /* the TSC rate, and the time 0 of every line */
    uint64_t held;                    /* bytes held in memory */
    struct io_log_stream s[IO_LOG_FILES];
    /* log_avg_msec: bw and iops sampled per window (fio's helper thread's __add_samples). */
    uint64_t sample_ms, bytes[JOB_DDIRS], ios[JOB_DDIRS], bytes_sampled[JOB_DDIRS], ios_sampled[JOB_DDIRS];
    /* log_hist_msec: each direction's histogram at its last line, and when that was. */
    uint64_t *hist_before[JOB_DDIRS];
    uint64_t hist_last_ms[JOB_DDIRS];
};

/* Whether the job writes file f, and its name. */
void io_log_file_name(const struct job_spec *job, enum io_log_file f, char *buf, size_t len);
bool io_log_file_on(const struct job_spec *job, enum io_log_file f);

/* Begin the job's logs at epoch (the end of its ramp time): open a frame for each file it asks
 * for. channel NULL: the machine has no channel for them; one line says so and nothing is kept.
 * A job without logs leaves log inactive, and every other call does nothing. */
void io_log_start(struct io_log *log, const struct job_spec *job, const struct log_channel *channel, uint64_t hz,
                  uint64_t epoch);
/* One accounted I/O, completed at time now (TSC), after its latencies were added to clat (the
 * direction's completion latency histogram). offset: bytes into the LUN. */
void io_log_io(struct io_log *log, uint64_t now, int dir, uint64_t lat_ns, uint64_t clat_ns, uint64_t slat_ns,
               uint32_t bytes, uint64_t offset, const struct histogram *clat);
/* Between I/Os: with log_avg_msec, the bw and iops lines of the windows that have passed. */
void io_log_poll(struct io_log *log, uint64_t now);
/* The job's accounted I/O is over: the open windows' lines (fio's finalize_logs), every line sent,
 * each file closed, memory freed. Calling it again does nothing. */
void io_log_finish(struct io_log *log, uint64_t now);

#endif
