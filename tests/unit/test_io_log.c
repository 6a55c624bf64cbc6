/* fio's log files (bench/io_log.c, bench/log_frame.c): the options' parsing, and what a job
 * against the fake HBA sends in frames: the files fio would name, every line in fio 3.33's
 * format, one line per I/O (lat = clat + slat, bw = bytes over clat, iops 1, the offset where the
 * I/O went), averaged windows (log_avg_msec, log_max_value), histogram lines (log_hist_msec,
 * log_hist_coarseness) whose bins add up to the job's histogram, and no frames without a
 * channel; and status_interval's periodic results. Time is the fake clock (a tick a
 * microsecond). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/engine.h"
#include "bench/worker.h"
#include "bench/io_log.h"
#include "bench/log_frame.h"
#include "tests/unit/bench_fixture.h"
#include "tests/unit/fake_hba.h"
#include "tests/unit/test_support.h"

#define LUN_BLOCKS 8192 /* 4 MiB LUNs of 512-byte blocks */
#define TIMEOUT 100000
#define MAX_FILES 16
#define MAX_LINES 4096

/* What the channel received, and the files decoded from its frames. */
struct capture {
    char *bytes;
    size_t len, cap;
};

struct log_file {
    char name[IO_LOG_NAME_MAX];
    char *text;
    size_t len;
    bool closed;
    uint64_t close_count;
};

struct fixture {
    struct bench_fixture b;
    struct capture cap;
    struct log_channel channel;
    struct log_file files[MAX_FILES];
    unsigned n_files;
};

static void capture_write(void *ctx, const char *buf, size_t len)
{
    struct capture *c = ctx;
    if (c->len + len > c->cap) {
        c->cap = (c->len + len) * 2;
        c->bytes = realloc(c->bytes, c->cap);
        assert_non_null(c->bytes);
    }
    memcpy(c->bytes + c->len, buf, len);
    c->len += len;
}

static int setup(void **state)
{
    struct fixture *x = bench_fixture_new(sizeof *x);
    if (x == NULL)
        return -1;
    for (uint16_t i = 0; i < 2; i++)
        fake_hba_add_lun(&x->b.f, 0, i, LUN_BLOCKS);
    bench_fixture_discover(&x->b, TIMEOUT, fake_clock_now);
    x->channel = (struct log_channel){ capture_write, &x->cap };
    x->b.env.log_channel = &x->channel;
    *state = x;
    return 0;
}

static void free_files(struct fixture *x)
{
    for (unsigned i = 0; i < x->n_files; i++)
        free(x->files[i].text);
    x->n_files = 0;
}

static int teardown(void **state)
{
    struct fixture *x = *state;
    free_files(x);
    free(x->cap.bytes);
    bench_fixture_delete(x);
    return 0;
}

static struct log_file *file_named(struct fixture *x, const char *name)
{
    for (unsigned i = 0; i < x->n_files; i++)
        if (strcmp(x->files[i].name, name) == 0)
            return &x->files[i];
    return NULL;
}

/* Take the capture apart as the launcher does (tools/lunbench/log_frames.py): every byte belongs
 * to a frame, every data frame to an open file, every file is closed with its byte count. */
static void decode(struct fixture *x)
{
    free_files(x);
    const char *p = x->cap.bytes, *end = x->cap.bytes + x->cap.len;
    const char tag[] = LOG_FRAME_TAG " ";
    while (p < end) {
        assert_true((size_t)(end - p) > strlen(tag) && memcmp(p, tag, strlen(tag)) == 0);
        p += strlen(tag);
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        assert_non_null(nl);
        char line[200];
        assert_true(nl - p < (long)sizeof line);
        memcpy(line, p, (size_t)(nl - p));
        line[nl - p] = '\0';
        p = nl + 1;
        char *sp = strchr(line, ' ');
        assert_non_null(sp);
        *sp = '\0';
        if (strcmp(line, LOG_FRAME_OPEN) == 0) {
            assert_null(file_named(x, sp + 1));
            assert_true(x->n_files < MAX_FILES);
            struct log_file *f = &x->files[x->n_files++];
            *f = (struct log_file){ 0 };
            snprintf(f->name, sizeof f->name, "%s", sp + 1);
            continue;
        }
        char *name = strchr(sp + 1, ' ');
        assert_non_null(name);
        *name++ = '\0';
        uint64_t n = strtoull(sp + 1, NULL, 10);
        struct log_file *f = file_named(x, name);
        if (f == NULL)
            fail_msg("frame %s for %s, which was never opened", line, name);
        assert_false(f->closed);
        if (strcmp(line, LOG_FRAME_DATA) == 0) {
            assert_true(n > 0 && n <= (uint64_t)(end - p));
            f->text = realloc(f->text, f->len + n + 1);
            memcpy(f->text + f->len, p, n);
            f->len += n;
            f->text[f->len] = '\0';
            p += n;
        } else {
            assert_string_equal(line, LOG_FRAME_CLOSE);
            assert_int_equal(n, f->len);
            f->closed = true;
        }
    }
    for (unsigned i = 0; i < x->n_files; i++)
        if (!x->files[i].closed)
            fail_msg("%s was not closed", x->files[i].name);
}

static int run(struct fixture *x, const char *text)
{
    bench_fixture_parse(&x->b, text);
    x->b.job.number = 1; /* the first job of its file */
    x->cap.len = 0;
    int rc = bench_run_job(&x->b.job, &x->b.env, &x->b.r);
    decode(x);
    return rc;
}

/* A log's lines as numbers: fields[i][0..n) of line i, checking fio 3.33's "N, N, ...\n" shape. */
struct lines {
    uint64_t v[MAX_LINES][8];
    unsigned n, fields;
};

static void parse_lines(const struct log_file *f, unsigned fields, struct lines *out)
{
    assert_non_null(f);
    out->n = 0;
    out->fields = fields;
    const char *p = f->text ? f->text : "";
    while (*p) {
        assert_true(out->n < MAX_LINES);
        for (unsigned i = 0; i < fields; i++) {
            char *e;
            out->v[out->n][i] = strtoull(p, &e, 10);
            if (e == p || (i + 1 < fields ? strncmp(e, ", ", 2) != 0 : *e != '\n'))
                fail_msg("%s line %u field %u: not fio's format: %.60s", f->name, out->n + 1, i, p);
            p = e + (i + 1 < fields ? 2 : 1);
        }
        out->n++;
    }
}

static struct lines lat, clat, slat, bw, iops;

/* The parser: each write_*_log bare or with a name, the numbers' ranges, names that would leave
 * the run's directory refused with the line. */
static void test_parse(void **state)
{
    (void)state;
    struct job_spec job;
    size_t n;
    char err[300];
    const char *text = "[global]\nwrite_lat_log\nlog_avg_msec=500\n[a]\nwrite_bw_log=logs/x\nlog_hist_msec=1k\n"
                       "write_hist_log\nlog_hist_coarseness=3\nlog_max_value=1\nlog_offset=1\nper_job_logs=0\n";
    assert_int_equal(job_file_parse("t.fio", text, strlen(text), NULL, 0, &job, 1, &n, err, sizeof err), 0);
    assert_true(job.logs.on[JOB_LOG_LAT] && job.logs.on[JOB_LOG_BW] && job.logs.on[JOB_LOG_HIST]);
    assert_false(job.logs.on[JOB_LOG_IOPS]);
    assert_string_equal(job.logs.prefix[JOB_LOG_LAT], "");
    assert_string_equal(job.logs.prefix[JOB_LOG_BW], "logs/x");
    assert_int_equal(job.logs.avg_msec, 500);
    assert_int_equal(job.logs.hist_msec, 1024);
    assert_int_equal(job.logs.hist_coarseness, 3);
    assert_true(job.logs.max_value && job.logs.offset && !job.logs.per_job && !job.logs.prio);
    assert_int_equal(job.number, 1);
    char name[IO_LOG_NAME_MAX];
    io_log_file_name(&job, IO_LOG_SLAT, name, sizeof name);
    assert_string_equal(name, "a_slat.log");
    io_log_file_name(&job, IO_LOG_BW, name, sizeof name);
    assert_string_equal(name, "logs/x_bw.log");
    io_log_file_name(&job, IO_LOG_HIST, name, sizeof name);
    assert_string_equal(name, "a_clat_hist.log");

    static const struct {
        const char *text, *err;
    } bad[] = {
        { "[a]\nwrite_lat_log=/tmp/x\n", "t.fio:2: option 'write_lat_log': log name '/tmp/x': lunbench-run writes logs "
                                         "under the run's directory: a relative path of printable characters, no empty, "
                                         "'.' or '..' parts" },
        { "[a]\nwrite_bw_log=a/../../b\n", "t.fio:2: option 'write_bw_log': log name 'a/../../b': lunbench-run writes "
                                           "logs under the run's directory: a relative path of printable characters, no "
                                           "empty, '.' or '..' parts" },
        { "[a]\nlog_hist_coarseness=7\n", "t.fio:2: option 'log_hist_coarseness': must be 0..6, not 7" },
        { "[a]\nlog_avg_msec=1.5\n", "t.fio:2: option 'log_avg_msec': bad number '1.5'" },
        { "[a]\nlog_offset\n", "t.fio:2: option 'log_offset': needs a value (0 or 1)" },
        { "[..]\nwrite_iops_log\n", "t.fio:1: job '..': its logs are named after it: log name '..': lunbench-run "
                                    "writes logs under the run's directory: a relative path of printable characters, "
                                    "no empty, '.' or '..' parts" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        assert_int_equal(job_file_parse("t.fio", bad[i].text, strlen(bad[i].text), NULL, 0, &job, 1, &n, err, sizeof err),
                         -1);
        assert_string_equal(err, bad[i].err);
    }
    /* The second job of a file is number 2: its logs end in .2.log. */
    const char *two = "[a]\n[b]\nwrite_iops_log=q\n";
    struct job_spec jobs[2];
    assert_int_equal(job_file_parse("t.fio", two, strlen(two), NULL, 0, jobs, 2, &n, err, sizeof err), 0);
    io_log_file_name(&jobs[1], IO_LOG_IOPS, name, sizeof name);
    assert_string_equal(name, "q_iops.2.log");
}

/* Without log_avg_msec every I/O is a line in each log: lat = clat + slat, bw = bytes * 10^6 /
 * clat (fio's add_bw_sample), iops 1, the block size, and with log_offset where it went. */
static void test_every_io(void **state)
{
    struct fixture *x = *state;
    assert_int_equal(run(x, "[j]\nrw=randrw\nbs=4k\niodepth=4\nnumber_ios=300\ntime_based\nruntime=600\n"
                            "write_lat_log=p\nwrite_bw_log=p\nwrite_iops_log=p\nlog_offset=1\n"), 0);
    assert_int_equal(x->n_files, 5);
    parse_lines(file_named(x, "p_lat.1.log"), 6, &lat);
    parse_lines(file_named(x, "p_clat.1.log"), 6, &clat);
    parse_lines(file_named(x, "p_slat.1.log"), 6, &slat);
    parse_lines(file_named(x, "p_bw.1.log"), 6, &bw);
    parse_lines(file_named(x, "p_iops.1.log"), 6, &iops);
    uint64_t ios = x->b.r.dir[DIR_READ].ios + x->b.r.dir[DIR_WRITE].ios;
    assert_int_equal(ios, 300);
    assert_int_equal(lat.n, ios);
    assert_int_equal(clat.n, ios);
    assert_int_equal(slat.n, ios);
    assert_int_equal(bw.n, ios);
    assert_int_equal(iops.n, ios);
    unsigned reads = 0;
    uint64_t clat_sum = 0;
    for (unsigned i = 0; i < lat.n; i++) {
        for (unsigned k = 0; k < 6; k++)
            if (k != 1) { /* the same I/O on the same line of each log: time, direction, size, offset */
                assert_int_equal(lat.v[i][k], clat.v[i][k]);
                assert_int_equal(lat.v[i][k], slat.v[i][k]);
                assert_int_equal(lat.v[i][k], bw.v[i][k]);
                assert_int_equal(lat.v[i][k], iops.v[i][k]);
            }
        assert_int_equal(lat.v[i][1], clat.v[i][1] + slat.v[i][1]);
        assert_true(clat.v[i][1] > 0);
        assert_int_equal(bw.v[i][1], 4096 * 1000000ull / clat.v[i][1]);
        assert_int_equal(iops.v[i][1], 1);
        assert_true(lat.v[i][2] <= 1);
        reads += lat.v[i][2] == 0;
        assert_int_equal(lat.v[i][3], 4096);
        assert_int_equal(lat.v[i][4] % 4096, 0);
        assert_true(lat.v[i][4] < LUN_BLOCKS * 512ull);
        assert_int_equal(lat.v[i][5], 0); /* the priority column */
        if (i > 0)
            assert_true(lat.v[i][0] >= lat.v[i - 1][0]);
        clat_sum += clat.v[i][1];
    }
    assert_int_equal(reads, x->b.r.dir[DIR_READ].ios);
    /* The log's latencies are the report's: their mean is clat's mean. */
    double mean = (x->b.r.dir[DIR_READ].clat.mean * (double)x->b.r.dir[DIR_READ].ios +
                   x->b.r.dir[DIR_WRITE].clat.mean * (double)x->b.r.dir[DIR_WRITE].ios) / (double)ios;
    assert_true((double)clat_sum / (double)ios > mean - 0.5 && (double)clat_sum / (double)ios < mean + 0.5);
    /* The last line's time is within the accounted period. */
    assert_true(lat.v[lat.n - 1][0] <= x->b.r.runtime_ns / 1000000u);
}

/* log_avg_msec=10: a line per direction and 10 ms window, block size and offset 0, the value the
 * window's mean (log_max_value=1: its largest); bw and iops the rate over the window; with
 * log_prio=1 the priority column reads 0x0000. disable_slat leaves the slat log out. */
static void test_averaged(void **state)
{
    struct fixture *x = *state;
    assert_int_equal(run(x, "[j]\nrw=read\nbs=8k\niodepth=2\nruntime=100ms\ntime_based\nlog_avg_msec=10\n"
                            "write_lat_log=a\nwrite_bw_log=a\nwrite_iops_log=a\ndisable_slat=1\n"), 0);
    assert_int_equal(x->n_files, 4);
    assert_null(file_named(x, "a_slat.1.log"));
    parse_lines(file_named(x, "a_clat.1.log"), 5, &clat);
    parse_lines(file_named(x, "a_iops.1.log"), 5, &iops);
    parse_lines(file_named(x, "a_bw.1.log"), 5, &bw);
    /* Windows end at 10, 20, ... 100 ms; the last line is the open window at the job's end. */
    assert_in_range(clat.n, 10, 11);
    uint64_t sum = 0;
    for (unsigned i = 0; i < clat.n; i++) {
        assert_int_equal(clat.v[i][2], 0);
        assert_int_equal(clat.v[i][3], 0);
        assert_int_equal(clat.v[i][4], 0);
        if (i + 1 < clat.n)
            assert_int_equal(clat.v[i][0], 10 * (i + 1));
        assert_in_range(clat.v[i][1], x->b.r.dir[DIR_READ].clat.min, x->b.r.dir[DIR_READ].clat.max);
    }
    /* bw and iops: one line per 10 ms window, the windows' I/Os adding up to what the job did,
     * bw = iops * 8 KiB. */
    assert_in_range(iops.n, 9, 10);
    for (unsigned i = 0; i < iops.n; i++) {
        assert_int_equal(iops.v[i][0], 10 * (i + 1));
        sum += iops.v[i][1] * (i ? iops.v[i][0] - iops.v[i - 1][0] : iops.v[i][0]);
        assert_int_equal(bw.v[i][0], iops.v[i][0]);
        assert_in_range(bw.v[i][1], iops.v[i][1] * 8 - 8, iops.v[i][1] * 8);
    }
    assert_in_range(sum / 1000, x->b.r.dir[DIR_READ].ios * 9 / 10 - 10, x->b.r.dir[DIR_READ].ios);

    assert_int_equal(run(x, "[j]\nrw=write\nbs=4k\nruntime=50ms\ntime_based\nlog_avg_msec=10\nlog_max_value=1\n"
                            "log_prio=1\nwrite_lat_log=m\n"), 0);
    struct log_file *f = file_named(x, "m_lat.1.log");
    assert_non_null(f);
    assert_non_null(strstr(f->text, ", 1, 0, 0x0000\n"));
}

/* log_hist_msec=10: a line per direction and window, "time, direction, block size" then fio's
 * 1856 bins (464 with log_hist_coarseness=2), each what the bin gained since the last line; all
 * the lines together hold every I/O before the last one. */
static void test_histogram(void **state)
{
    struct fixture *x = *state;
    for (unsigned coarse = 0; coarse <= 2; coarse += 2) {
        char text[300];
        snprintf(text, sizeof text, "[j]\nrw=randrw\nbs=4k\niodepth=3\nruntime=60ms\ntime_based\nwrite_hist_log=h\n"
                 "log_hist_msec=10\nlog_hist_coarseness=%u\n", coarse);
        assert_int_equal(run(x, text), 0);
        assert_int_equal(x->n_files, 1);
        struct log_file *f = file_named(x, "h_clat_hist.1.log");
        assert_non_null(f);
        unsigned bins = HIST_PLAT_NR >> coarse, lines = 0;
        static uint64_t total[2][HIST_PLAT_NR];
        memset(total, 0, sizeof total);
        const char *p = f->text;
        uint64_t last_ms[2] = { 0, 0 };
        while (p && *p) {
            char *e;
            uint64_t ms = strtoull(p, &e, 10), dir = strtoull(e + 2, &e, 10), bs = strtoull(e + 2, &e, 10);
            assert_true(dir <= 1);
            assert_int_equal(bs, 4096);
            assert_true(ms >= last_ms[dir] + 10 || last_ms[dir] == 0);
            last_ms[dir] = ms;
            for (unsigned b = 0; b < bins; b++) {
                assert_true(strncmp(e, ", ", 2) == 0);
                total[dir][b] += strtoull(e + 2, &e, 10);
            }
            assert_int_equal(*e, '\n');
            p = e + 1;
            lines++;
        }
        assert_in_range(lines, 8, 12);
        for (int d = 0; d < 2; d++) {
            uint64_t sum = 0, hist = 0;
            for (unsigned b = 0; b < bins; b++) {
                uint64_t want = 0;
                for (unsigned j = b << coarse; j < (b + 1) << coarse; j++)
                    want += x->b.r.dir[d].clat.buckets[j];
                assert_true(total[d][b] <= want);
                sum += total[d][b];
                hist += want;
            }
            assert_int_equal(hist, x->b.r.dir[d].ios);
            assert_in_range(sum, hist * 7 / 10, hist); /* the I/Os after each direction's last line are not in it */
        }
    }
}

/* status_interval: every 10 ms of a 55 ms job, the job's results so far, cumulative: the I/Os
 * grow, the accounted time is the time since the job's start. */
struct status_seen {
    unsigned calls;
    uint64_t ios[8], runtime_ns[8];
};

static void status_record(void *ctx, const struct job_spec *job, const struct job_result *r)
{
    struct status_seen *s = ctx;
    assert_string_equal(job->name, "j");
    if (s->calls < 8) {
        s->ios[s->calls] = r->dir[DIR_READ].ios;
        s->runtime_ns[s->calls] = r->runtime_ns;
    }
    s->calls++;
}

static void test_status_interval(void **state)
{
    struct fixture *x = *state;
    struct status_seen seen = { 0 };
    x->b.env.status_interval_ms = 10;
    x->b.env.status = status_record;
    x->b.env.status_ctx = &seen;
    assert_int_equal(run(x, "[j]\nrw=randread\niodepth=2\nruntime=55ms\ntime_based\n"), 0);
    assert_int_equal(seen.calls, 5);
    for (unsigned i = 0; i < 5; i++) {
        assert_in_range(seen.runtime_ns[i], (i + 1) * 10000000ull, (i + 1) * 10000000ull + 100000);
        assert_true(seen.ios[i] > (i ? seen.ios[i - 1] : 0));
    }
    assert_true(seen.ios[4] < x->b.r.dir[DIR_READ].ios);
    assert_in_range(x->b.r.runtime_ns, 55000000, 55100000); /* the final value is the job's own */
    x->b.env.status_interval_ms = 0;
    seen.calls = 0;
    assert_int_equal(run(x, "[j]\nrw=randread\nruntime=25ms\ntime_based\n"), 0);
    assert_int_equal(seen.calls, 0);
}

/* No channel (no COM2): the job runs, and nothing is sent. */
static void test_no_channel(void **state)
{
    struct fixture *x = *state;
    x->b.env.log_channel = NULL;
    assert_int_equal(run(x, "[j]\nrw=read\nnumber_ios=10\nwrite_lat_log\n"), 0);
    assert_int_equal(x->cap.len, 0);
    assert_int_equal(x->b.r.dir[DIR_READ].ios, 10);
    x->b.env.log_channel = &x->channel;
    /* A job without logs sends nothing either. */
    assert_int_equal(run(x, "[j]\nrw=read\nnumber_ios=10\n"), 0);
    assert_int_equal(x->cap.len, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test_setup_teardown(test_every_io, setup, teardown),
        cmocka_unit_test_setup_teardown(test_averaged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_histogram, setup, teardown),
        cmocka_unit_test_setup_teardown(test_status_interval, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_channel, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
