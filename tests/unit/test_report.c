/* fio's JSON for a job (bench/report.c) after a run against the fake HBA: the sync object of
 * fsync=, and what disable_* and *_percentiles leave out or add, under fio's keys. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/engine.h"
#include "bench/worker.h"
#include "bench/report.h"
#include "tests/unit/bench_fixture.h"
#include "tests/unit/fake_hba.h"
#include "tests/unit/test_support.h"

#define JSON_MAX (1 << 20)

struct fixture {
    struct bench_fixture b;
    char json[JSON_MAX];
};

/* One 4096-block LUN, discovered. */
static int setup(void **state)
{
    struct fixture *x = bench_fixture_new(sizeof *x);
    if (x == NULL)
        return -1;
    fake_hba_add_lun(&x->b.f, 0, 0, 4096);
    bench_fixture_discover(&x->b, 100000, fake_clock_now);
    *state = x;
    return 0;
}

static int teardown(void **state)
{
    bench_fixture_delete(*state);
    return 0;
}

/* Run the job and write its JSON (one line). */
static void run_json(struct fixture *x, const char *text)
{
    bench_fixture_parse(&x->b, text);
    assert_int_equal(bench_run_job(&x->b.job, &x->b.env, &x->b.r), 0);
    struct json_writer w;
    struct test_text out = { x->json, JSON_MAX, 0 };
    json_init(&w, test_text_sink, &out, 0);
    struct report_style style;
    report_style_of(OUTPUT_NORMAL, "lunbench-test", FAKE_HZ, &style);
    bench_json_job(&w, &x->b.job, &x->b.r, &style);
    assert_false(w.error);
}

/* The text of object KEY inside the object at *from (the first KEY after it), braces included. */
static const char *object(const char *from, const char *key, char *out, size_t out_len)
{
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":{", key);
    const char *p = strstr(from, pattern);
    if (p == NULL)
        fail_msg("no object %s in %.200s", key, from);
    p += strlen(pattern) - 1;
    int depth = 0;
    size_t n = 0;
    do {
        depth += *p == '{';
        depth -= *p == '}';
        assert_true(n + 1 < out_len);
        out[n++] = *p++;
    } while (depth > 0);
    out[n] = '\0';
    return out;
}

static void test_sync_object(void **state)
{
    struct fixture *x = *state;
    run_json(x, "[j]\nrw=write\nbs=4k\nsize=64k\nfsync=4\n");
    static char sync[1 << 16], lat[1 << 16];
    object(x->json, "sync", sync, sizeof sync);
    if (strstr(sync, "\"total_ios\":4,") == NULL)
        fail_msg("sync: %.300s", sync);
    object(sync, "lat_ns", lat, sizeof lat);
    assert_non_null(strstr(lat, "\"N\":4"));
    assert_non_null(strstr(lat, "\"percentile\":{\"1.000000\":")); /* fio prints sync percentiles */
    /* Without fsync= the object is there, empty. */
    run_json(x, "[j]\nrw=write\nbs=4k\nsize=64k\n");
    object(x->json, "sync", sync, sizeof sync);
    assert_non_null(strstr(sync, "\"total_ios\":0,"));
}

static void test_disable_and_percentiles(void **state)
{
    struct fixture *x = *state;
    static char write[1 << 18], part[1 << 16];
    run_json(x, "[j]\nrw=write\nbs=4k\nsize=64k\n");
    object(x->json, "write", write, sizeof write);
    assert_non_null(strstr(object(write, "slat_ns", part, sizeof part), "\"N\":16"));
    assert_null(strstr(part, "percentile"));
    assert_non_null(strstr(object(write, "clat_ns", part, sizeof part), "\"percentile\""));
    assert_null(strstr(object(write, "lat_ns", part, sizeof part), "percentile"));

    run_json(x, "[j]\nrw=write\nbs=4k\nsize=64k\ndisable_slat=1\ndisable_lat=1\nclat_percentiles=0\n"
                "lat_percentiles=1\nslat_percentiles=1\nsignificant_figures=4\n");
    object(x->json, "write", write, sizeof write);
    assert_non_null(strstr(object(write, "slat_ns", part, sizeof part), "\"N\":0"));
    assert_non_null(strstr(object(write, "lat_ns", part, sizeof part), "\"N\":0"));
    assert_non_null(strstr(object(write, "clat_ns", part, sizeof part), "\"N\":16"));
    assert_null(strstr(part, "percentile"));
    assert_non_null(strstr(write, "\"total_ios\":16"));

    run_json(x, "[j]\nrw=write\nbs=4k\nsize=64k\nlat_percentiles=1\ndisable_bw_measurement=1\n");
    object(x->json, "write", write, sizeof write);
    assert_non_null(strstr(object(write, "lat_ns", part, sizeof part), "\"percentile\""));
    assert_non_null(strstr(write, "\"bw_samples\":0,"));
    assert_non_null(strstr(write, "\"iops_samples\":0,"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sync_object, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disable_and_percentiles, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
