/*
 * How fio's log files (bench/io_log.h) travel over the results channel (COM2) to the launcher,
 * which writes them out (tools/lunbench/log_frames.py reads these definitions, tools/lunbench-run
 * writes the files). The JSON document follows the frames on the same channel, so each frame
 * starts with a byte JSON text cannot hold unescaped (ASCII RS, 0x1e), then the tag:
 *
 *   TAG open NAME\n                 the file NAME (a relative path, to the line's end) begins: the launcher
 *                                   creates it empty, or appends to it when an earlier job of the
 *                                   same boot opened it too (per_job_logs=0, as fio appends)
 *   TAG data LENGTH NAME\n          then LENGTH bytes of the file's text
 *   TAG close BYTES NAME\n          the file is complete: BYTES of text were sent for it by this job
 *
 * A serial port written to a file loses nothing, so lengths are the whole check: a frame cut short
 * (the machine stopped mid-run) or a close whose count differs from the data received tells the
 * launcher that the file is incomplete, and it says so.
 */
#ifndef BENCH_LOG_FRAME_H
#define BENCH_LOG_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define LOG_FRAME_TAG "\036lunbench-log"
#define LOG_FRAME_OPEN "open"
#define LOG_FRAME_DATA "data"
#define LOG_FRAME_CLOSE "close"

/* Where frames go: the results channel in the kernel, a buffer in the unit tests. */
struct log_channel {
    void (*write)(void *ctx, const char *buf, size_t len);
    void *ctx;
};

void log_frame_open(const struct log_channel *ch, const char *name);
void log_frame_data(const struct log_channel *ch, const char *name, const char *text, size_t len);
void log_frame_close(const struct log_channel *ch, const char *name, uint64_t bytes);

#endif
