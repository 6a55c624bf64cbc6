/* fio's output formats after a run against the fake HBA: what each output-format asks for
 * (report_style_of), the JSON's bins only for json+ (and lunbench's default), the bins summing to
 * the I/O count, and the terse v3 line with fio's 121 fields at fio's positions, each the value
 * the run's result holds. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/engine.h"
#include "bench/report.h"
#include "bench/terse.h"
#include "bench/worker.h"
#include "tests/unit/bench_fixture.h"
#include "tests/unit/fake_hba.h"
#include "tests/unit/test_support.h"

#define JSON_MAX (1 << 20)
#define MAX_FIELDS 160
/* Equal to within eps (what "%f" keeps of a number). */
#define assert_near(a, b, eps) assert_true(fabs((double)(a) - (double)(b)) <= (eps))

struct fixture {
    struct bench_fixture b;
    char json[JSON_MAX];
    char line[8192];
    char *field[MAX_FIELDS];
    size_t fields;
};

BENCH_FIXTURE_SETUP_TEARDOWN(struct fixture)

/* The job alone on one 4096-block LUN (discovered at the first run). */
static void run(struct fixture *x, const char *text)
{
    if (x->b.env.hbas == NULL) {
        fake_hba_add_lun(&x->b.f, 0, 0, 4096);
        bench_fixture_discover(&x->b, 100000, fake_clock_now);
    }
    bench_fixture_parse(&x->b, text);
    assert_int_equal(bench_run_job(&x->b.job, &x->b.env, &x->b.r), 0);
}

static void write_json(struct fixture *x, unsigned output_format)
{
    struct report_style style;
    report_style_of(output_format, "lunbench-test", FAKE_HZ, &style);
    struct json_writer w;
    struct test_text out = { x->json, JSON_MAX, 0 };
    json_init(&w, test_text_sink, &out, 0);
    bench_json_job(&w, &x->b.job, &x->b.r, &style);
    assert_false(w.error);
}

/* The terse line, split at its semicolons (the newline cut off). */
static void terse(struct fixture *x)
{
    size_t n = bench_terse_line(x->line, sizeof x->line, &x->b.job, &x->b.r, "lunbench-test");
    assert_true(n > 0);
    assert_int_equal(x->line[n - 1], '\n');
    assert_ptr_equal(strchr(x->line, '\n'), x->line + n - 1); /* one line */
    x->line[n - 1] = '\0';
    x->fields = 0;
    for (char *p = x->line;; p++) {
        assert_true(x->fields < MAX_FIELDS);
        x->field[x->fields++] = p;
        p = strchr(p, ';');
        if (p == NULL)
            break;
        *p = '\0';
    }
}

static void test_styles(void **state)
{
    (void)state;
    static const struct {
        unsigned format;
        bool normal, terse, bins;
    } cases[] = {
        { OUTPUT_NORMAL, true, false, true }, /* lunbench's default: the document keeps fio's json+ bins */
        { OUTPUT_JSON, false, false, false },
        { OUTPUT_JSON_PLUS, false, false, true },
        { OUTPUT_JSON | OUTPUT_JSON_PLUS, false, false, true },
        { OUTPUT_TERSE, false, true, true },
        { OUTPUT_TERSE | OUTPUT_JSON, false, true, false },
        { OUTPUT_TERSE | OUTPUT_NORMAL | OUTPUT_JSON_PLUS, true, true, true },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct report_style s;
        report_style_of(cases[i].format, "v", 7, &s);
        assert_int_equal(s.normal, cases[i].normal);
        assert_int_equal(s.terse, cases[i].terse);
        assert_int_equal(s.bins, cases[i].bins);
        assert_string_equal(s.fio_version, "v");
        assert_int_equal(s.tsc_hz, 7);
    }
}

/* The sum of the counts in the "bins" object that follows the first "clat_ns" after from; -1 when
 * it has none. */
static long long bins_sum(const char *from)
{
    const char *clat = strstr(from, "\"clat_ns\":{");
    assert_non_null(clat);
    const char *end = strstr(clat, "\"lat_ns\":{");
    assert_non_null(end);
    const char *bins = strstr(clat, "\"bins\":{");
    if (bins == NULL || bins > end)
        return -1;
    long long sum = 0;
    for (const char *p = bins + 8; *p != '}';) {
        unsigned long long key, count;
        int used = 0;
        assert_int_equal(sscanf(p, "\"%llu\":%llu%n", &key, &count, &used), 2);
        assert_true(count > 0); /* fio writes only the bins that hold something */
        sum += (long long)count;
        p += used;
        if (*p == ',')
            p++;
    }
    return sum;
}

static void test_bins_only_for_json_plus(void **state)
{
    struct fixture *x = *state;
    run(x, "[j]\nrw=randread\nbs=4k\nsize=256k\niodepth=4\n");
    uint64_t ios = x->b.r.dir[DIR_READ].ios;
    assert_int_equal(ios, 64);
    write_json(x, OUTPUT_JSON_PLUS);
    assert_int_equal(bins_sum(strstr(x->json, "\"read\":{")), (long long)ios);
    assert_non_null(strstr(x->json, "\"percentile\":{\"1.000000\":"));
    write_json(x, OUTPUT_JSON);
    assert_null(strstr(x->json, "\"bins\""));
    assert_non_null(strstr(x->json, "\"percentile\":{\"1.000000\":")); /* json keeps the percentiles */
    write_json(x, OUTPUT_NORMAL);
    assert_int_equal(bins_sum(strstr(x->json, "\"read\":{")), (long long)ios);
}

static uint64_t u(const struct fixture *x, size_t i)
{
    char *end;
    unsigned long long v = strtoull(x->field[i], &end, 10);
    if (*end != '\0')
        fail_msg("terse field %zu is '%s', not a whole number", i, x->field[i]);
    return v;
}

static double f(const struct fixture *x, size_t i)
{
    char *end;
    double v = strtod(x->field[i], &end);
    if (*end != '\0' && strcmp(end, "%") != 0)
        fail_msg("terse field %zu is '%s', not a number", i, x->field[i]);
    return v;
}

/* min, max, mean, stdev of h in us at fields [i, i + 4). */
static void assert_lat(const struct fixture *x, size_t i, const struct histogram *h)
{
    assert_int_equal(u(x, i), h->count ? h->min / 1000 : 0);
    assert_int_equal(u(x, i + 1), h->max / 1000);
    assert_near(f(x, i + 2), h->mean / 1000, 1e-6);
    assert_near(f(x, i + 3), hist_stddev(h) / 1000, 1e-6);
}

/* A direction's 41 fields from field i. */
static void assert_dir(const struct fixture *x, size_t i, int d)
{
    const struct job_result *r = &x->b.r;
    const struct dir_result *dr = &r->dir[d];
    uint64_t runt = dr->ios ? r->runtime_ns / 1000000 : 0;
    assert_int_equal(u(x, i), dr->bytes / 1024);
    assert_int_equal(u(x, i + 1), runt ? dr->bytes * 1000 / runt / 1024 : 0);
    assert_int_equal(u(x, i + 2), runt ? dr->ios * 1000 / runt : 0);
    assert_int_equal(u(x, i + 3), runt);
    assert_lat(x, i + 4, &dr->slat);
    assert_lat(x, i + 8, &dr->clat);
    uint64_t p[HIST_MAX_PERCENTILES];
    assert_int_equal(hist_percentiles(&dr->clat, x->b.job.percentiles, x->b.job.percentile_count, p), 0);
    for (size_t k = 0; k < 20; k++) {
        char want[64];
        if (k < x->b.job.percentile_count)
            snprintf(want, sizeof want, "%f%%=%" PRIu64, x->b.job.percentiles[k], p[k] / 1000);
        else
            snprintf(want, sizeof want, "0%%=0");
        assert_string_equal(x->field[i + 12 + k], want);
    }
    assert_lat(x, i + 32, &dr->lat);
    const struct sample_stats *bw = &dr->bw_samples;
    assert_int_equal(u(x, i + 36), bw->n ? (uint64_t)bw->min : 0);
    assert_int_equal(u(x, i + 37), bw->n ? (uint64_t)bw->max : 0);
    assert_near(f(x, i + 38), bw->n ? 100.0 : 0.0, 1e-9); /* the job is its group */
    assert_int_equal(x->field[i + 38][strlen(x->field[i + 38]) - 1], '%');
    assert_near(f(x, i + 39), bw->mean, 1e-6);
}

static void test_terse_v3_fields(void **state)
{
    struct fixture *x = *state;
    /* 2 s of fake time at a limited rate, so that bandwidth samples exist for both directions. */
    run(x, "[mixed]\nrw=randrw\nbs=4k\niodepth=4\ntime_based=1\nruntime=2\nrate_iops=200\n");
    const struct job_result *r = &x->b.r;
    assert_true(r->dir[DIR_READ].ios > 0 && r->dir[DIR_WRITE].ios > 0);
    assert_true(r->dir[DIR_READ].bw_samples.n > 0);
    terse(x);
    assert_int_equal(x->fields, TERSE_V3_FIELDS);
    assert_string_equal(x->field[0], "3");
    assert_string_equal(x->field[1], "lunbench-test");
    assert_string_equal(x->field[2], "mixed");
    assert_string_equal(x->field[3], "0");
    assert_string_equal(x->field[4], "0");
    assert_dir(x, 5, DIR_READ);
    assert_dir(x, 46, DIR_WRITE);
    assert_string_equal(x->field[87], "100.000000%");
    assert_string_equal(x->field[88], "0.000000%");
    assert_string_equal(x->field[89], "0");
    /* I/O depths: fio's %3.1f%%, summing to about 100. */
    double sum = 0;
    for (size_t i = 92; i < 99; i++) {
        assert_int_equal(x->field[i][strlen(x->field[i]) - 1], '%');
        sum += f(x, i);
    }
    assert_true(sum > 99.0 && sum < 101.0);
    /* Latencies: 10 us fields (those under 1 us in the first) and 12 ms fields, summing to 100. */
    sum = 0;
    for (size_t i = 99; i < 121; i++)
        sum += f(x, i);
    assert_true(sum > 99.9 && sum < 100.1);
}

/* lat_percentiles takes the percentile fields from lat; none asked: every one "0%=0". The
 * description and continue_on_error's two fields come at the end, where given. */
static void test_terse_options(void **state)
{
    struct fixture *x = *state;
    run(x, "[j]\nrw=read\nbs=4k\nsize=64k\nlat_percentiles=1\ncontinue_on_error=all\ndescription=a test job\n");
    terse(x);
    assert_int_equal(x->fields, TERSE_V3_FIELDS + 3);
    uint64_t p[HIST_MAX_PERCENTILES];
    const struct histogram *lat = &x->b.r.dir[DIR_READ].lat;
    assert_int_equal(hist_percentiles(lat, x->b.job.percentiles, x->b.job.percentile_count, p), 0);
    char want[64];
    snprintf(want, sizeof want, "99.000000%%=%" PRIu64, p[12] / 1000);
    assert_string_equal(x->field[5 + 12 + 12], want);
    assert_string_equal(x->field[121], "0"); /* no errors */
    assert_string_equal(x->field[122], "0");
    assert_string_equal(x->field[123], "a test job");

    run(x, "[j]\nrw=read\nbs=4k\nsize=64k\nclat_percentiles=0\n");
    terse(x);
    assert_int_equal(x->fields, TERSE_V3_FIELDS);
    for (size_t k = 0; k < 20; k++)
        assert_string_equal(x->field[17 + k], "0%=0");
}

static void test_terse_too_long(void **state)
{
    struct fixture *x = *state;
    run(x, "[j]\nrw=read\nbs=4k\nsize=64k\n");
    assert_int_equal(bench_terse_line(x->line, 100, &x->b.job, &x->b.r, "v"), 0);
    assert_int_equal(bench_terse_line(x->line, 0, &x->b.job, &x->b.r, "v"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_styles),
        cmocka_unit_test_setup_teardown(test_bins_only_for_json_plus, setup, teardown),
        cmocka_unit_test_setup_teardown(test_terse_v3_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_terse_options, setup, teardown),
        cmocka_unit_test_setup_teardown(test_terse_too_long, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
