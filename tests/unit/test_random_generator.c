/* fio's random_generator (lib/tausworthe.c, lib/lfsr.c, bench/io_shape.c): the LFSR's taps give
 * full periods (every width up to 22 stepped through), it yields each of 0..n-1 once per pass and
 * then the same order again; taus88 and lfsr258 are seeded as fio seeds them and repeat for a
 * seed; and against the fake HBA, random_generator=lfsr reads every block of a LUN once before
 * any twice, tausworthe's offsets are uniform and repeat run after run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/engine.h"
#include "bench/worker.h"
#include "lib/lfsr.h"
#include "lib/tausworthe.h"
#include "tests/unit/bench_fixture.h"
#include "tests/unit/fake_hba.h"
#include "tests/unit/test_support.h"

#define LUN_BLOCKS 8192 /* 4 MiB: 1024 units of 4 KiB */
#define UNITS 1024
#define TIMEOUT 100000
#define MAX_SEEN 8192

/* Every width's register, started at 1, comes back to 1 after exactly 2^w - 1 steps: the
 * polynomial is primitive (a shorter cycle would return sooner). */
static void test_lfsr_full_periods(void **state)
{
    (void)state;
    for (unsigned w = LFSR_MIN_WIDTH; w <= 22; w++) {
        struct lfsr l = { .state = 1, .mask = lfsr_taps(w), .n = ~0ull, .width = w };
        uint64_t period = 0, s = 1;
        do {
            s = s & 1 ? (s >> 1) ^ l.mask : s >> 1;
            period++;
        } while (s != 1 && period <= (1ull << w));
        if (period != (1ull << w) - 1)
            fail_msg("width %u: period %llu, not %llu", w, (unsigned long long)period, (unsigned long long)((1ull << w) - 1));
    }
    for (unsigned w = LFSR_MIN_WIDTH; w <= LFSR_MAX_WIDTH; w++)
        assert_true(lfsr_taps(w) >> (w - 1) == 1); /* the top tap is the width's own bit */
    assert_int_equal(lfsr_taps(2), 0);
    assert_int_equal(lfsr_taps(65), 0);
}

/* Each of 0..n-1 once in n draws, then the same order. */
static void test_lfsr_every_value_once(void **state)
{
    (void)state;
    static const uint64_t sizes[] = { 1, 2, 7, 8, 1000, 4097, 100003 };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        uint64_t n = sizes[i];
        uint8_t *seen = calloc(n, 1);
        uint64_t *order = calloc(n, sizeof *order);
        assert_non_null(seen);
        assert_non_null(order);
        struct lfsr l;
        lfsr_init(&l, n, 0xb1899bed);
        for (uint64_t k = 0; k < n; k++) {
            order[k] = lfsr_next(&l);
            assert_true(order[k] < n);
            if (seen[order[k]]++)
                fail_msg("n %llu: %llu came twice in the first pass", (unsigned long long)n, (unsigned long long)order[k]);
        }
        for (uint64_t k = 0; k < n; k++)
            assert_int_equal(lfsr_next(&l), order[k]);
        free(seen);
        free(order);
    }
}

/* fio's seeding (lib/rand.c __init_rand32): s1 from 53 * 69069 ^ seed, each next from the one
 * before, raised above 1, 7 and 15, then six draws. */
static void test_tausworthe_seeding(void **state)
{
    (void)state;
    struct taus88 t, u;
    taus88_seed(&t, 1);
    struct taus88 want = { 53u * 69069u ^ 1u, 0, 0 };
    want.s2 = want.s1 * 69069u ^ 1u;
    want.s3 = want.s2 * 69069u ^ 1u;
    for (int i = 0; i < 6; i++)
        taus88_next(&want);
    assert_memory_equal(&t, &want, sizeof t);
    /* Seed 53 * 69069 makes s1 0, below its minimum of 1: fio adds the minimum. */
    const uint32_t seed = 53u * 69069u;
    taus88_seed(&u, seed);
    struct taus88 raised = { 1, 0, 0 };
    raised.s2 = raised.s1 * 69069u ^ seed;
    raised.s3 = raised.s2 * 69069u ^ seed;
    for (int i = 0; i < 6; i++)
        taus88_next(&raised);
    assert_memory_equal(&u, &raised, sizeof u);
    /* Uniform: the mean of many draws is half the range, within 1%; another seed, another sequence. */
    double sum32 = 0, sum64 = 0;
    struct taus258 a, b;
    taus258_seed(&a, 0xb1899bed);
    taus258_seed(&b, 0xb1899bee);
    assert_true(taus258_next(&a) != taus258_next(&b));
    taus258_seed(&a, 0xb1899bed);
    for (int i = 0; i < 100000; i++) {
        sum32 += taus88_next(&t) / 4294967296.0;
        sum64 += taus258_next(&a) / 18446744073709551616.0;
    }
    assert_true(sum32 / 100000 > 0.495 && sum32 / 100000 < 0.505);
    assert_true(sum64 / 100000 > 0.495 && sum64 / 100000 < 0.505);
    taus88_seed(&t, 1);
    taus88_seed(&u, 1);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(taus88_next(&t), taus88_next(&u));
}

struct fixture {
    struct bench_fixture b;
    uint64_t lba[MAX_SEEN];
    unsigned n;
};

static void record(struct fake_hba *f, const struct hba_cmd *c, void *ctx)
{
    (void)f;
    struct fixture *x = ctx;
    if (c->cdb[0] == 0x28 && x->n < MAX_SEEN)
        x->lba[x->n++] = (uint64_t)c->cdb[2] << 24 | (uint64_t)c->cdb[3] << 16 | (uint64_t)c->cdb[4] << 8 | c->cdb[5];
}

BENCH_FIXTURE_SETUP_TEARDOWN(struct fixture)

static void run(struct fixture *x, const char *text)
{
    if (x->b.env.hbas == NULL) {
        fake_hba_add_lun(&x->b.f, 0, 0, LUN_BLOCKS);
        bench_fixture_discover(&x->b, TIMEOUT, fake_clock_now);
        x->b.f.on_submit = record;
        x->b.f.ctx = x;
    }
    bench_fixture_parse(&x->b, text);
    x->n = 0;
    assert_int_equal(bench_run_job(&x->b.job, &x->b.env, &x->b.r), 0);
}

/* random_generator=lfsr: 1024 reads of 4k on a 1024-unit LUN touch every unit once; the next
 * 1024 go in the same order again. */
static void test_lfsr_job_reads_every_block_once(void **state)
{
    struct fixture *x = *state;
    run(x, "[j]\nrw=randread\nbs=4k\niodepth=4\nrandom_generator=lfsr\nnumber_ios=2048\ntime_based\nruntime=600\n");
    assert_int_equal(x->n, 2 * UNITS);
    static uint8_t seen[UNITS];
    memset(seen, 0, sizeof seen);
    for (unsigned i = 0; i < UNITS; i++) {
        assert_int_equal(x->lba[i] % 8, 0);
        if (seen[x->lba[i] / 8]++)
            fail_msg("unit %llu read twice in the first pass", (unsigned long long)(x->lba[i] / 8));
    }
    for (unsigned i = 0; i < UNITS; i++)
        assert_int_equal(x->lba[UNITS + i], x->lba[i]);
}

/* tausworthe and tausworthe64: uniform (each quarter of the LUN within 3 points of 25%), the same
 * offsets in a second run, others than lunbench's own generator's. */
static void test_tausworthe_job(void **state)
{
    struct fixture *x = *state;
    static uint64_t first[MAX_SEEN];
    static const char *const gens[] = { "tausworthe", "tausworthe64" };
    for (int g = 0; g < 2; g++) {
        char text[200];
        snprintf(text, sizeof text, "[j]\nrw=randread\nbs=4k\nrandom_generator=%s\nnumber_ios=8192\ntime_based\n"
                 "runtime=600\n", gens[g]);
        run(x, text);
        assert_int_equal(x->n, 8192);
        unsigned quarter[4] = { 0 };
        for (unsigned i = 0; i < x->n; i++)
            quarter[x->lba[i] * 4 / LUN_BLOCKS]++;
        for (int q = 0; q < 4; q++)
            assert_in_range(quarter[q], 8192 / 4 - 245, 8192 / 4 + 245);
        memcpy(first, x->lba, sizeof first);
        run(x, text);
        assert_memory_equal(first, x->lba, sizeof first);
        run(x, "[j]\nrw=randread\nbs=4k\nnumber_ios=8192\ntime_based\nruntime=600\n");
        unsigned same = 0;
        for (unsigned i = 0; i < x->n; i++)
            same += first[i] == x->lba[i];
        assert_true(same < 100);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lfsr_full_periods),
        cmocka_unit_test(test_lfsr_every_value_once),
        cmocka_unit_test(test_tausworthe_seeding),
        cmocka_unit_test_setup_teardown(test_lfsr_job_reads_every_block_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tausworthe_job, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
