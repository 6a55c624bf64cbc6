#include "bench/io_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_BYTES (256u << 10)
#define LOG_MSEC_SLACK 1 /* fio's: a bw or iops window this close to its end counts as ended */

struct io_log_chunk {
    struct io_log_chunk *next;
    size_t len;
    char text[CHUNK_BYTES];
};

static const struct {
    enum job_log_kind kind;
    const char *type; /* fio's gen_log_name type */
} files[IO_LOG_FILES] = {
    [IO_LOG_LAT] = { JOB_LOG_LAT, "lat" },   [IO_LOG_SLAT] = { JOB_LOG_LAT, "slat" },
    [IO_LOG_CLAT] = { JOB_LOG_LAT, "clat" }, [IO_LOG_BW] = { JOB_LOG_BW, "bw" },
    [IO_LOG_IOPS] = { JOB_LOG_IOPS, "iops" }, [IO_LOG_HIST] = { JOB_LOG_HIST, "clat_hist" },
};

bool io_log_file_on(const struct job_spec *job, enum io_log_file f)
{
    if (!job->logs.on[files[f].kind])
        return false;
    /* fio's init.c sets up the lat, slat and clat logs only for what is not disabled. */
    return !(f == IO_LOG_LAT && job->disable_lat) && !(f == IO_LOG_SLAT && job->disable_slat) &&
           !(f == IO_LOG_CLAT && job->disable_clat);
}

/* fio's gen_log_name: PREFIX_TYPE.N.log, or PREFIX_TYPE.log without per_job_logs. */
void io_log_file_name(const struct job_spec *job, enum io_log_file f, char *buf, size_t len)
{
    const char *prefix = job->logs.prefix[files[f].kind][0] ? job->logs.prefix[files[f].kind] : job->name;
    if (job->logs.per_job)
        snprintf(buf, len, "%s_%s.%u.log", prefix, files[f].type, job->number);
    else
        snprintf(buf, len, "%s_%s.log", prefix, files[f].type);
}

static void send_stream(struct io_log *log, struct io_log_stream *st)
{
    while (st->head != NULL) {
        struct io_log_chunk *c = st->head;
        log_frame_data(log->channel, st->name, c->text, c->len);
        st->sent += c->len;
        log->held -= c->len;
        st->head = c->next;
        free(c);
    }
    st->tail = NULL;
}

static void send_all(struct io_log *log)
{
    for (int f = 0; f < IO_LOG_FILES; f++)
        send_stream(log, &log->s[f]);
}

/* Room for len more bytes at the stream's tail: a new chunk when the last is full; everything
 * held is sent first when memory runs short (or past IO_LOG_MEMORY_MAX). */
static char *room(struct io_log *log, struct io_log_stream *st, size_t len)
{
    if (st->tail != NULL && st->tail->len + len <= CHUNK_BYTES)
        return st->tail->text + st->tail->len;
    struct io_log_chunk *c = log->held + CHUNK_BYTES <= IO_LOG_MEMORY_MAX ? malloc(sizeof *c) : NULL;
    if (c == NULL) {
        send_all(log);
        if ((c = malloc(sizeof *c)) == NULL)
            return NULL;
    }
    c->next = NULL;
    c->len = 0;
    if (st->tail != NULL)
        st->tail->next = c;
    else
        st->head = c;
    st->tail = c;
    return c->text;
}

static void append(struct io_log *log, struct io_log_stream *st, const char *text, size_t len)
{
    char *p = room(log, st, len);
    if (p == NULL) {
        printf("lunbench: job '%s': out of memory for %s: a line is missing\n", log->job->name, st->name);
        return;
    }
    memcpy(p, text, len);
    st->tail->len += len;
    log->held += len;
}

static char *put_u64(char *p, uint64_t v)
{
    char digits[20];
    int n = 0;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    while (n > 0)
        *p++ = digits[--n];
    return p;
}

static char *put_field(char *p, uint64_t v)
{
    p = put_u64(p, v);
    *p++ = ',';
    *p++ = ' ';
    return p;
}

/* fio 3.33's flush_samples: "%lu, %PRId64, %u, %llu, [%llu, ]%u\n", the last the priority's RT
 * class bit (0 here), or with log_prio the priority as 0x%04x. */
static void add_line(struct io_log *log, struct io_log_stream *st, uint64_t ms, uint64_t value, int dir, uint64_t bs,
                     uint64_t offset)
{
    char line[128], *p = line;
    p = put_field(p, ms);
    p = put_field(p, value);
    p = put_field(p, (uint64_t)dir);
    p = put_field(p, bs);
    if (log->job->logs.offset)
        p = put_field(p, offset);
    if (log->job->logs.prio) {
        memcpy(p, "0x0000", 6);
        p += 6;
    } else {
        *p++ = '0';
    }
    *p++ = '\n';
    append(log, st, line, (size_t)(p - line));
}

/* fio's __add_stat_to_log: the window's mean rounded (or its largest value), block size and offset 0. */
static void window_line(struct io_log *log, struct io_log_stream *st, int dir, uint64_t ms)
{
    struct io_log_window *w = &st->window[dir];
    if (w->samples != 0)
        add_line(log, st, ms, log->job->logs.max_value ? w->max : (uint64_t)(w->mean + 0.50), dir, 0, 0);
    w->samples = w->max = 0;
    w->mean = 0.0;
}

/* fio's add_log_sample: every sample a line, or with log_avg_msec into the direction's window,
 * which becomes a line once avg_msec have passed since the last (a latency log's exactly; a bw or
 * iops log's within LOG_MSEC_SLACK). */
static void sample(struct io_log *log, enum io_log_file f, uint64_t ms, uint64_t value, int dir, uint64_t bs,
                   uint64_t offset)
{
    struct io_log_stream *st = &log->s[f];
    uint64_t avg = log->job->logs.avg_msec;
    if (avg == 0) {
        add_line(log, st, ms, value, dir, bs, offset);
        return;
    }
    struct io_log_window *w = &st->window[dir];
    w->samples++;
    w->mean += ((double)value - w->mean) / (double)w->samples;
    if (value > w->max)
        w->max = value;
    if (ms < w->last_ms)
        return;
    uint64_t this_window = ms - w->last_ms;
    bool latency = f == IO_LOG_LAT || f == IO_LOG_SLAT || f == IO_LOG_CLAT; /* fio's inline_log */
    if (this_window < avg && (latency || avg - this_window > LOG_MSEC_SLACK))
        return;
    window_line(log, st, dir, ms);
    w->last_ms = ms - ms % avg;
}

static uint64_t ms_since_epoch(const struct io_log *log, uint64_t now)
{
    return now > log->epoch ? (uint64_t)((unsigned __int128)(now - log->epoch) * 1000u / log->hz) : 0;
}

/* fio's add_clat_sample with log_hist_msec: once hist_msec have passed since the direction's last
 * line, a line of what each bin gained since then (flush_hist_samples), stride bins summed. */
static void hist_sample(struct io_log *log, uint64_t ms, int dir, uint32_t bytes, const struct histogram *clat)
{
    uint64_t period = log->job->logs.hist_msec;
    if (clat == NULL)
        return;
    if (log->hist_last_ms[dir] == 0)
        log->hist_last_ms[dir] = ms; /* fio's "if (!hw->hist_last)", an epoch of 0 ms included */
    uint64_t this_window = ms - log->hist_last_ms[dir];
    if (this_window < period)
        return;
    if (log->hist_before[dir] == NULL && (log->hist_before[dir] = calloc(HIST_PLAT_NR, sizeof(uint64_t))) == NULL)
        return;
    struct io_log_stream *st = &log->s[IO_LOG_HIST];
    uint64_t *before = log->hist_before[dir];
    unsigned stride = 1u << log->job->logs.hist_coarseness;
    char text[32 * 4], *p = text;
    p = put_field(p, ms);
    p = put_field(p, (uint64_t)dir);
    p = put_field(p, bytes);
    append(log, st, text, (size_t)(p - text));
    for (unsigned i = 0; i < HIST_PLAT_NR; i += stride) {
        uint64_t sum = 0;
        for (unsigned j = i; j < i + stride; j++) {
            sum += clat->buckets[j] - before[j];
            before[j] = clat->buckets[j];
        }
        p = put_u64(text, sum);
        if (i + stride < HIST_PLAT_NR) {
            *p++ = ',';
            *p++ = ' ';
        } else {
            *p++ = '\n';
        }
        append(log, st, text, (size_t)(p - text));
    }
    log->hist_last_ms[dir] = ms - (this_window - period);
}

void io_log_start(struct io_log *log, const struct job_spec *job, const struct log_channel *channel, uint64_t hz,
                  uint64_t epoch)
{
    memset(log, 0, sizeof *log);
    bool any = false;
    for (int f = 0; f < IO_LOG_FILES; f++)
        any |= job->logs.on[files[f].kind];
    if (!any)
        return;
    if (channel == NULL) {
        printf("lunbench: job '%s': its log files are not written: they travel on the results channel's second "
               "serial port (COM2), which this machine lacks (tools/lunbench-run gives QEMU one)\n", job->name);
        return;
    }
    *log = (struct io_log){ .active = true, .job = job, .channel = channel, .hz = hz, .epoch = epoch };
    for (int f = 0; f < IO_LOG_FILES; f++) {
        struct io_log_stream *st = &log->s[f];
        if (!(st->on = io_log_file_on(job, (enum io_log_file)f)))
            continue;
        io_log_file_name(job, (enum io_log_file)f, st->name, sizeof st->name);
        log_frame_open(channel, st->name); /* fio creates every log file, an empty one too */
    }
}

void io_log_io(struct io_log *log, uint64_t now, int dir, uint64_t lat_ns, uint64_t clat_ns, uint64_t slat_ns,
               uint32_t bytes, uint64_t offset, const struct histogram *clat)
{
    if (!log->active || dir < 0 || dir >= JOB_DDIRS)
        return;
    uint64_t ms = ms_since_epoch(log, now);
    log->bytes[dir] += bytes;
    log->ios[dir]++;
    /* fio's account_io_completion, in its order: lat, clat (with the histogram), bw, iops; slat
     * fio logs at submission, lunbench when the I/O is accounted, at its completion. */
    if (log->s[IO_LOG_LAT].on)
        sample(log, IO_LOG_LAT, ms, lat_ns, dir, bytes, offset);
    if (log->s[IO_LOG_SLAT].on)
        sample(log, IO_LOG_SLAT, ms, slat_ns, dir, bytes, offset);
    if (log->s[IO_LOG_CLAT].on)
        sample(log, IO_LOG_CLAT, ms, clat_ns, dir, bytes, offset);
    if (log->s[IO_LOG_HIST].on && log->job->logs.hist_msec != 0 && !log->job->disable_clat)
        hist_sample(log, ms, dir, bytes, clat);
    if (log->job->logs.avg_msec != 0)
        return; /* bw and iops come from io_log_poll's windows */
    if (log->s[IO_LOG_BW].on && !log->job->disable_bw) /* fio's add_bw_sample: bytes over clat, in bytes/ms */
        sample(log, IO_LOG_BW, ms, clat_ns ? (uint64_t)bytes * 1000000u / clat_ns : 0, dir, bytes, offset);
    if (log->s[IO_LOG_IOPS].on)
        sample(log, IO_LOG_IOPS, ms, 1, dir, bytes, offset);
}

/* fio's __add_samples: every avg_msec, each direction that moved data gets
 * its rate over the time since the last sample: KiB/s for bw, I/Os per second for iops. */
void io_log_poll(struct io_log *log, uint64_t now)
{
    uint64_t avg = log->active ? log->job->logs.avg_msec : 0;
    if (avg == 0 || (!log->s[IO_LOG_BW].on && !log->s[IO_LOG_IOPS].on) || now < log->epoch)
        return;
    uint64_t ms = ms_since_epoch(log, now), spent = ms - log->sample_ms;
    if (spent < avg)
        return; /* fio's helper thread sleeps until the window's end; this loop polls, so it is there on time */
    for (int d = 0; d < JOB_DDIRS; d++) {
        uint64_t bytes = log->bytes[d] - log->bytes_sampled[d], ios = log->ios[d] - log->ios_sampled[d];
        if (ios == 0)
            continue;
        if (log->s[IO_LOG_BW].on)
            sample(log, IO_LOG_BW, ms, spent ? bytes * 1000u / spent / 1024u : 0, d, 0, 0);
        if (log->s[IO_LOG_IOPS].on)
            sample(log, IO_LOG_IOPS, ms, spent ? ios * 1000u / spent : 0, d, 0, 0);
        log->bytes_sampled[d] = log->bytes[d];
        log->ios_sampled[d] = log->ios[d];
    }
    log->sample_ms = ms;
}

void io_log_finish(struct io_log *log, uint64_t now)
{
    if (!log->active)
        return;
    uint64_t ms = ms_since_epoch(log, now);
    for (int f = 0; f < IO_LOG_FILES; f++) {
        struct io_log_stream *st = &log->s[f];
        if (!st->on)
            continue;
        for (int d = 0; d < JOB_DDIRS && log->job->logs.avg_msec != 0 && f != IO_LOG_HIST; d++)
            window_line(log, st, d, ms); /* fio's finalize_logs */
        send_stream(log, st);
        log_frame_close(log->channel, st->name, st->sent);
    }
    for (int d = 0; d < JOB_DDIRS; d++)
        free(log->hist_before[d]);
    log->active = false;
}
