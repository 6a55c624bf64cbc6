/* What the job options that shape the I/O stream do to it, against the fake HBA: bssplit's mix and
 * bsrange's sizes, rw=...:N's skips and sequential runs, random_distribution's hot set and zones,
 * percentage_random, the rates per direction (linear and poisson), rate_iops_min, loops, and bs
 * against the HBA's transfer limit. Every command is recorded as the fake sees it. Time is the
 * fake clock (a tick a microsecond): rates are exact to the tick. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/distribution.h"
#include "bench/engine.h"
#include "bench/worker.h"
#include "bench/targets.h"
#include "drivers/scsi/scsi.h"
#include "tests/unit/bench_fixture.h"
#include "tests/unit/fake_hba.h"
#include "tests/unit/test_support.h"

#define LUN_BLOCKS 8192 /* 4 MiB LUNs of 512-byte blocks */
#define TIMEOUT 100000
#define MAX_SEEN 40000

struct seen {
    uint64_t lba[MAX_SEEN], submit[MAX_SEEN];
    uint32_t len[MAX_SEEN];
    bool write[MAX_SEEN];
    unsigned n;
    /* SYNCHRONIZE CACHE, and every command in order: 'r', 'w' or 's' with its LUN. */
    unsigned syncs;
    char order[MAX_SEEN];
    uint16_t order_lun[MAX_SEEN];
    unsigned n_order;
    const struct fake_hba *f;
};

struct fixture {
    struct bench_fixture b;
    struct seen seen;
};

static uint64_t be(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* Every READ or WRITE the job sends: where, how long, when. */
static void record(struct fake_hba *f, const struct hba_cmd *c, void *ctx)
{
    (void)f;
    struct seen *s = ctx;
    uint8_t op = c->cdb[0];
    bool ten = op == 0x28 || op == 0x2a, sixteen = op == 0x88 || op == 0x8a;
    if ((ten || sixteen || op == 0x35) && s->n_order < MAX_SEEN) {
        s->order[s->n_order] = op == 0x35 ? 's' : (op == 0x2a || op == 0x8a) ? 'w' : 'r';
        s->order_lun[s->n_order++] = c->lun;
    }
    s->syncs += op == 0x35;
    if ((!ten && !sixteen) || s->n == MAX_SEEN)
        return;
    s->lba[s->n] = ten ? be(c->cdb + 2, 4) : be(c->cdb + 2, 8);
    s->len[s->n] = c->data_len;
    s->write[s->n] = op == 0x2a || op == 0x8a;
    s->submit[s->n] = c->submit_tsc;
    s->n++;
}

BENCH_FIXTURE_SETUP_TEARDOWN(struct fixture)

/* n LUNs, discovered, with every command recorded. */
static void luns(struct fixture *x, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        fake_hba_add_lun(&x->b.f, 0, (uint16_t)i, LUN_BLOCKS);
    bench_fixture_discover(&x->b, TIMEOUT, fake_clock_now);
    x->b.f.on_submit = record;
    x->b.f.ctx = &x->seen;
}

static int run(struct fixture *x, const char *text)
{
    bench_fixture_parse(&x->b, text);
    x->seen.n = x->seen.n_order = x->seen.syncs = 0;
    return bench_run_job(&x->b.job, &x->b.env, &x->b.r);
}

static unsigned count_len(const struct seen *s, uint32_t len)
{
    unsigned n = 0;
    for (unsigned i = 0; i < s->n; i++)
        n += s->len[i] == len;
    return n;
}

/* bssplit: each size's share of the I/Os within 1.5 points of what was asked, and the bytes
 * accounted are the bytes moved. */
static void test_bssplit_mix(void **state)
{
    struct fixture *x = *state;
    luns(x, 2);
    assert_int_equal(run(x, "[j]\nrw=randread\nbssplit=4k/60:16k/30:64k/10\niodepth=8\nnumber_ios=20000\ntime_based\nruntime=600\n"), 0);
    assert_int_equal(x->seen.n, 20000);
    static const struct {
        uint32_t len;
        double percent;
    } want[] = { { 4096, 60 }, { 16384, 30 }, { 65536, 10 } };
    uint64_t bytes = 0;
    for (size_t i = 0; i < 3; i++) {
        double got = 100.0 * count_len(&x->seen, want[i].len) / x->seen.n;
        if (fabs(got - want[i].percent) > 1.5)
            fail_msg("bs %u: %.2f%% of the I/Os, asked %.0f%%", want[i].len, got, want[i].percent);
        bytes += (uint64_t)count_len(&x->seen, want[i].len) * want[i].len;
    }
    assert_int_equal(count_len(&x->seen, 4096) + count_len(&x->seen, 16384) + count_len(&x->seen, 65536), 20000);
    assert_int_equal(x->b.r.dir[DIR_READ].bytes, bytes);
    /* Offsets are multiples of the smallest size, and every I/O fits in its LUN. */
    for (unsigned i = 0; i < x->seen.n; i++) {
        assert_int_equal(x->seen.lba[i] % 8, 0);
        assert_true(x->seen.lba[i] * 512 + x->seen.len[i] <= LUN_BLOCKS * 512ull);
    }
}

/* blockalign (jesd219.fio's ba=4k beside 512-byte I/Os): random offsets are multiples of it, while
 * without it a 512-byte job's offsets fall on every sector. */
static void test_blockalign(void **state)
{
    struct fixture *x = *state;
    luns(x, 1);
    assert_int_equal(run(x, "[j]\nrw=randread\nbssplit=512/50:4k/50\nblockalign=4k\nnumber_ios=2000\ntime_based\n"
                            "runtime=600\n"), 0);
    assert_int_equal(x->seen.n, 2000);
    for (unsigned i = 0; i < x->seen.n; i++)
        assert_int_equal(x->seen.lba[i] % 8, 0);
    assert_int_equal(run(x, "[j]\nrw=randread\nbs=512\nnumber_ios=2000\ntime_based\nruntime=600\n"), 0);
    unsigned unaligned = 0;
    for (unsigned i = 0; i < x->seen.n; i++)
        unaligned += x->seen.lba[i] % 8 != 0;
    assert_true(unaligned > 1000);
}

/* Per direction: reads 4k, writes 8k/50:32k/50. */
static void test_bssplit_per_direction(void **state)
{
    struct fixture *x = *state;
    luns(x, 1);
    assert_int_equal(run(x, "[j]\nrw=randrw\nbssplit=4k/100,8k/50:32k/50\nnumber_ios=4000\ntime_based\nruntime=600\n"), 0);
    unsigned reads = 0, w8 = 0, w32 = 0;
    for (unsigned i = 0; i < x->seen.n; i++) {
        if (!x->seen.write[i]) {
            assert_int_equal(x->seen.len[i], 4096);
            reads++;
        } else {
            assert_true(x->seen.len[i] == 8192 || x->seen.len[i] == 32768);
            w8 += x->seen.len[i] == 8192;
            w32 += x->seen.len[i] == 32768;
        }
    }
    assert_in_range(reads, 1800, 2200);
    assert_in_range(w8, (w8 + w32) * 45 / 100, (w8 + w32) * 55 / 100);
}

/* bsrange=4k-16k: sizes are multiples of 4k from 4k to 16k, each of them drawn. */
static void test_bsrange_sizes(void **state)
{
    struct fixture *x = *state;
    luns(x, 1);
    assert_int_equal(run(x, "[j]\nrw=randread\nbsrange=4k-16k\nnumber_ios=2000\ntime_based\nruntime=600\n"), 0);
    for (unsigned i = 0; i < x->seen.n; i++)
        assert_true(x->seen.len[i] % 4096 == 0 && x->seen.len[i] >= 4096 && x->seen.len[i] <= 16384);
    for (uint32_t len = 4096; len <= 16384; len += 4096)
        assert_true(count_len(&x->seen, len) > 100);
}

/* backwards-read.fio: rw=read:-8k with bs=4k reads 0, then backwards from the end, 4k apart. */
static void test_rw_backwards(void **state)
{
    struct fixture *x = *state;
    luns(x, 1);
    assert_int_equal(run(x, "[j]\nrw=read:-8k\nbs=4k\nsize=64k\n"), 0);
    assert_int_equal(x->seen.n, 16);
    static const uint64_t want[] = { 0, 112, 104, 96, 88, 80, 72, 64, 56, 48, 40, 32, 24, 16, 8, 0 };
    for (unsigned i = 0; i < 16; i++)
        assert_int_equal(x->seen.lba[i], want[i]);
    assert_int_equal(x->b.r.dir[DIR_READ].bytes, 64 * 1024);
}

/* rw=write:4k skips 4k after each 4k write, wrapping to the start past the end. */
static void test_rw_skip_forward(void **state)
{
    struct fixture *x = *state;
    luns(x, 1);
    assert_int_equal(run(x, "[j]\nrw=write:4k\nbs=4k\nsize=32k\n"), 0);
    static const uint64_t want[] = { 0, 16, 32, 48, 0, 16, 32, 48 };
    assert_int_equal(x->seen.n, 8);
    for (unsigned i = 0; i < 8; i++)
        assert_int_equal(x->seen.lba[i], want[i]);
}

/* rw=randread:4 (fio's ddir_seq_nr): three I/Os that follow on, then one at a new random offset;
 * one that would run past the region's end starts again at 0. */
static void test_rw_random_runs(void **state)
{
    struct fixture *x = *state;
    luns(x, 1);
    assert_int_equal(run(x, "[j]\nrw=randread:4\nbs=4k\nnumber_ios=400\ntime_based\nruntime=600\n"), 0);
    assert_int_equal(x->seen.n, 400);
    assert_int_equal(x->seen.lba[0], 0);
    unsigned jumps = 0;
    for (unsigned i = 1; i < x->seen.n; i++) {
        bool next = x->seen.lba[i] == x->seen.lba[i - 1] + 8;
        if (i % 4 != 3 && !next && x->seen.lba[i] != 0)
            fail_msg("I/O %u at LBA %llu does not follow LBA %llu", i, (unsigned long long)x->seen.lba[i],
                     (unsigned long long)x->seen.lba[i - 1]);
        jumps += !next;
    }
    assert_in_range(jumps, 95, 103); /* the random ones land elsewhere (almost) always */
}

/* percentage_random=0 makes a random job sequential; 50 makes half its offsets follow on. */
static void test_percentage_random(void **state)
{
    struct fixture *x = *state;
    luns(x, 1);
    assert_int_equal(run(x, "[j]\nrw=randread\nbs=4k\npercentage_random=0\nnumber_ios=100\ntime_based\nruntime=600\n"), 0);
    for (unsigned i = 0; i < x->seen.n; i++)
        assert_int_equal(x->seen.lba[i], i * 8);
    assert_int_equal(run(x, "[j]\nrw=randread\nbs=4k\npercentage_random=50\nnumber_ios=4000\ntime_based\nruntime=600\n"), 0);
    unsigned follow = 0;
    for (unsigned i = 1; i < x->seen.n; i++)
        follow += x->seen.lba[i] == x->seen.lba[i - 1] + 8;
    assert_in_range(follow, 1800, 2200);
}

static int by_count_desc(const void *a, const void *b)
{
    unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

/* zipf.fio's zipf:0.5 and a steeper one: the 10 hottest blocks take the share zipf gives its 10
 * top ranks, H(10, theta) / H(n, theta), within a few points. */
static void check_zipf(struct fixture *x, double theta)
{
    char text[200];
    snprintf(text, sizeof text, "[j]\nrw=randread\nbs=4k\nrandom_distribution=zipf:%g\nnumber_ios=30000\ntime_based\nruntime=600\n", theta);
    assert_int_equal(run(x, text), 0);
    unsigned n = LUN_BLOCKS / 8;
    unsigned *hits = calloc(n, sizeof *hits);
    assert_non_null(hits);
    for (unsigned i = 0; i < x->seen.n; i++)
        hits[x->seen.lba[i] / 8]++;
    qsort(hits, n, sizeof *hits, by_count_desc);
    unsigned top = 0;
    for (unsigned i = 0; i < 10; i++)
        top += hits[i];
    double hk = 0, hn = 0;
    for (unsigned i = 1; i <= n; i++) {
        hn += pow(i, -theta);
        if (i <= 10)
            hk += pow(i, -theta);
    }
    double got = (double)top / x->seen.n, want = hk / hn;
    free(hits);
    if (fabs(got - want) > 0.03)
        fail_msg("zipf:%g: the 10 hottest blocks took %.3f of the I/Os, zipf says %.3f", theta, got, want);
}

static void test_zipf_hot_set(void **state)
{
    struct fixture *x = *state;
    luns(x, 1);
    check_zipf(x, 0.5);
    check_zipf(x, 1.2);
}

/* rand-zones.fio: 50% of the I/Os in the first 5% of the region, 30% in the next 15%, 20% in the rest. */
static void test_zoned(void **state)
{
    struct fixture *x = *state;
    luns(x, 1);
    assert_int_equal(run(x, "[j]\nrw=randread\nbs=4k\nrandom_distribution=zoned:50/5:30/15:20/\nnumber_ios=20000\ntime_based\nruntime=600\n"), 0);
    unsigned n = LUN_BLOCKS / 8, zone[3] = { 0 };
    for (unsigned i = 0; i < x->seen.n; i++) {
        uint64_t u = x->seen.lba[i] / 8;
        zone[u < n * 5 / 100 ? 0 : u < n * 20 / 100 ? 1 : 2]++;
    }
    assert_in_range(zone[0], 9700, 10300);
    assert_in_range(zone[1], 5700, 6300);
    assert_in_range(zone[2], 3700, 4300);
    /* zoned_abs: 1 MiB, then the rest. */
    assert_int_equal(run(x, "[j]\nrw=randread\nbs=4k\nrandom_distribution=zoned_abs:90/1m:10/\nnumber_ios=10000\ntime_based\nruntime=600\n"), 0);
    unsigned low = 0;
    for (unsigned i = 0; i < x->seen.n; i++)
        low += x->seen.lba[i] < 2048;
    assert_in_range(low, 8800, 9200);
}

/* normal:10:0.5 (a center: not scattered): 68% of the offsets within a deviation of the middle;
 * pareto:0.2 with a center at 0: about 80% of the I/Os in the first 20% of the region (h=0.2). */
static void test_normal_and_pareto(void **state)
{
    struct fixture *x = *state;
    luns(x, 1);
    assert_int_equal(run(x, "[j]\nrw=randread\nbs=4k\nrandom_distribution=normal:10:0.5\nnumber_ios=20000\ntime_based\nruntime=600\n"), 0);
    double n = LUN_BLOCKS / 8, mid = (n - 1) / 2, sigma = n / 10;
    unsigned within = 0;
    for (unsigned i = 0; i < x->seen.n; i++)
        within += fabs((double)(x->seen.lba[i] / 8) - mid) <= sigma;
    assert_in_range(within, 13200, 14100);
    assert_int_equal(run(x, "[j]\nrw=randread\nbs=4k\nrandom_distribution=pareto:0.2:0\nnumber_ios=20000\ntime_based\nruntime=600\n"), 0);
    unsigned first = 0;
    for (unsigned i = 0; i < x->seen.n; i++)
        first += x->seen.lba[i] / 8 < n / 5;
    assert_in_range(first, 15000, 17000);
}

/* rate_iops per direction over 5 s: reads at 500, writes at 100, each within 2%. */
static void test_rate_iops_per_direction(void **state)
{
    struct fixture *x = *state;
    luns(x, 2);
    assert_int_equal(run(x, "[j]\nrw=randrw\nrwmixread=50\niodepth=8\nrate_iops=500,100\ntime_based\nruntime=5\n"), 0);
    uint64_t r = x->b.r.dir[DIR_READ].ios, w = x->b.r.dir[DIR_WRITE].ios;
    assert_in_range(r, 2450, 2550);
    assert_in_range(w, 490, 510);
}

/* rate= in bytes: 4 MiB/s of 16k reads is 256 IOPS. */
static void test_rate_bytes(void **state)
{
    struct fixture *x = *state;
    luns(x, 1);
    assert_int_equal(run(x, "[j]\nrw=randread\nbs=16k\niodepth=4\nrate=4m\ntime_based\nruntime=5\n"), 0);
    assert_in_range(x->b.r.dir[DIR_READ].ios, 1254, 1306);
}

/* rate_process=poisson: the same mean rate, with exponential gaps (their coefficient of
 * variation near 1, where linear's is near 0). */
static double gap_cv(const struct seen *s)
{
    double sum = 0, sq = 0;
    unsigned n = s->n - 1;
    for (unsigned i = 1; i < s->n; i++) {
        double g = (double)(s->submit[i] - s->submit[i - 1]);
        sum += g;
        sq += g * g;
    }
    double mean = sum / n;
    return sqrt(sq / n - mean * mean) / mean;
}

static void test_rate_process_poisson(void **state)
{
    struct fixture *x = *state;
    luns(x, 1);
    assert_int_equal(run(x, "[j]\nrw=randread\niodepth=32\nrate_iops=1000\nrate_process=poisson\n"
                            "io_submit_mode=offload\ntime_based\nruntime=5\n"), 0);
    assert_in_range(x->b.r.dir[DIR_READ].ios, 4800, 5200);
    double cv = gap_cv(&x->seen);
    if (cv < 0.9 || cv > 1.1)
        fail_msg("poisson gaps: coefficient of variation %.3f", cv);
    assert_int_equal(run(x, "[j]\nrw=randread\niodepth=32\nrate_iops=1000\ntime_based\nruntime=5\n"), 0);
    assert_in_range(x->b.r.dir[DIR_READ].ios, 4990, 5010);
    assert_true(gap_cv(&x->seen) < 0.05);
}

/* rate_iops_min above what the rate cap allows: the job stops, failed, after its first second. */
static void test_rate_iops_min_not_met(void **state)
{
    struct fixture *x = *state;
    luns(x, 1);
    assert_int_equal(run(x, "[j]\nrw=randread\nrate_iops=100\nrate_iops_min=200\ntime_based\nruntime=5\n"), -1);
    assert_true(x->b.r.stopped);
    assert_string_equal(x->b.r.stop_reason, "rate_iops_min=200 not met: read did 100 IOPS in second 1");
    assert_true(x->b.r.dir[DIR_READ].ios <= 110);
    /* Met: the job runs out its time. */
    assert_int_equal(run(x, "[j]\nrw=randread\nrate_iops=300\nrate_iops_min=200\nrate_min=100k\ntime_based\n"
                            "runtime=2\n"), 0);
    assert_false(x->b.r.stopped);
}

/* loops=3: a sequential job covers its region three times. */
static void test_loops(void **state)
{
    struct fixture *x = *state;
    luns(x, 2);
    assert_int_equal(run(x, "[j]\nrw=read\nbs=4k\nsize=16k\nloops=3\n"), 0);
    assert_int_equal(x->b.r.dir[DIR_READ].ios, 2 * 4 * 3);
    assert_int_equal(x->b.f.luns[0]->reads, 12);
}

/* bs above the HBA's transfer limit (virtio-scsi's max_sectors) is refused before any I/O. */
static void test_bs_beyond_max_transfer(void **state)
{
    struct fixture *x = *state;
    luns(x, 1);
    x->b.f.base.max_transfer = 64 * 1024;
    bench_fixture_parse(&x->b, "[j]\nbs=128k\n");
    char err[300] = "";
    assert_int_equal(targets_check(&x->b.job, &x->b.env, err, sizeof err), -1);
    assert_non_null(strstr(err, "bs=131072 is more than HBA 0 (fake0) moves in one command (65536 bytes: its max_sectors)"));
    assert_int_equal(run(x, "[j]\nbs=64k\nsize=1m\n"), 0);
    assert_int_equal(count_len(&x->seen, 65536), 16);
}

/* fsync=4: every 4 writes to a LUN, a SYNCHRONIZE CACHE of it, sent once those writes are done
 * (none of its commands is in flight), counted in fio's sync numbers. */
static void test_fsync_every_n_writes(void **state)
{
    struct fixture *x = *state;
    luns(x, 2);
    assert_int_equal(run(x, "[j]\nrw=write\nbs=4k\nsize=64k\niodepth=8\nfsync=4\n"), 0);
    assert_int_equal(x->b.r.dir[DIR_WRITE].ios, 32);
    assert_int_equal(x->seen.syncs, 8);
    assert_int_equal(x->b.r.sync.ios, 8);
    assert_int_equal(x->b.r.sync.lat.count, 8);
    assert_true(x->b.r.sync.lat.min >= 20000); /* the fake's 20 us */
    for (uint16_t lun = 0; lun < 2; lun++) {
        unsigned writes = 0;
        for (unsigned i = 0; i < x->seen.n_order; i++) {
            if (x->seen.order_lun[i] != lun)
                continue;
            if (x->seen.order[i] == 's') {
                assert_int_equal(writes, 4);
                writes = 0;
            } else {
                writes++;
            }
        }
        assert_int_equal(x->b.f.luns[lun]->flushes, 4);
    }
    /* fdatasync= is the same command: SCSI has one flush for data and metadata. */
    assert_int_equal(run(x, "[j]\nrw=randwrite\nbs=4k\nnumber_ios=30\nfdatasync=10\ntime_based\nruntime=600\n"), 0);
    assert_in_range(x->seen.syncs, 2, 3);
    assert_int_equal(x->b.r.sync.ios, x->seen.syncs);
}

/* end_fsync=1 and fsync_on_close=1: one SYNCHRONIZE CACHE of every LUN written, each, at the end;
 * a read job sends none. */
static void test_end_fsync(void **state)
{
    struct fixture *x = *state;
    luns(x, 3);
    assert_int_equal(run(x, "[j]\nrw=write\nbs=4k\nsize=16k\nend_fsync=1\n"), 0);
    assert_int_equal(x->seen.syncs, 3);
    assert_int_equal(x->b.r.sync.ios, 3);
    for (unsigned i = x->seen.n_order - 3; i < x->seen.n_order; i++)
        assert_int_equal(x->seen.order[i], 's'); /* after every write */
    assert_int_equal(run(x, "[j]\nrw=write\nbs=4k\nsize=16k\nend_fsync=1\nfsync_on_close=1\n"), 0);
    assert_int_equal(x->b.r.sync.ios, 6);
    assert_int_equal(run(x, "[j]\nrw=read\nbs=4k\nsize=16k\nend_fsync=1\n"), 0);
    assert_int_equal(x->seen.syncs, 0);
    assert_int_equal(x->b.r.sync.ios, 0);
}

/* thinktime=1ms with thinktime_blocks=4: I/Os go in bursts of 4 (the job drains after each), with
 * at least 1 ms from the end of a burst to the next submission. Counting completions (the
 * default), at iodepth=1 each I/O of a burst waits for the one before; counting submissions
 * (thinktime_blocks_type=issue), at iodepth=8 a burst goes out back to back. */
static void check_think_bursts(struct fixture *x, const char *extra, unsigned depth, uint64_t within)
{
    char text[200];
    snprintf(text, sizeof text, "[j]\nrw=randread\niodepth=%u\nthinktime=1ms\nthinktime_blocks=4\n%s"
             "number_ios=40\ntime_based\nruntime=600\n", depth, extra);
    assert_int_equal(run(x, text), 0);
    assert_int_equal(x->seen.n, 40);
    for (unsigned i = 1; i < x->seen.n; i++) {
        uint64_t gap = x->seen.submit[i] - x->seen.submit[i - 1];
        bool think = i % 4 == 0;
        if (think ? gap < 1000 + 20 : gap > within) /* the burst's completion (20 ticks), then 1 ms */
            fail_msg("%s: gap %llu before I/O %u", extra, (unsigned long long)gap, i);
    }
}

static void test_thinktime(void **state)
{
    struct fixture *x = *state;
    luns(x, 1);
    check_think_bursts(x, "", 1, 40);
    check_think_bursts(x, "thinktime_blocks_type=issue\nthinktime_spin=200\n", 8, 10);
    /* A plain number is microseconds: thinktime=500, one I/O at a time. */
    assert_int_equal(run(x, "[j]\nrw=randread\nthinktime=500\nnumber_ios=10\ntime_based\nruntime=600\n"), 0);
    for (unsigned i = 1; i < x->seen.n; i++)
        assert_in_range(x->seen.submit[i] - x->seen.submit[i - 1], 520, 560);
}

/* disk-zone-profile.fio's zonemode=strided, scaled down: 256k read in each zone, 1m skipped
 * between zones; the skipped bytes count towards the region, so one sweep of the 4 MiB LUN. */
static void test_strided_zones_sequential(void **state)
{
    struct fixture *x = *state;
    luns(x, 1);
    assert_int_equal(run(x, "[j]\nrw=read\nbs=64k\nzonemode=strided\nzonesize=256k\nzoneskip=1m\n"), 0);
    assert_int_equal(x->seen.n, 16);
    for (unsigned i = 0; i < 16; i++) {
        uint64_t zone = i / 4, want = (zone * 1280 + (i % 4) * 64) * 2; /* KiB to 512-byte LBAs */
        assert_int_equal(x->seen.lba[i], want);
    }
}

/* Random offsets stay in the zone's range (zonerange=512k) until zonesize (64k) was done there. */
static void test_strided_zones_random(void **state)
{
    struct fixture *x = *state;
    luns(x, 1);
    assert_int_equal(run(x, "[j]\nrw=randread\nbs=4k\nzonemode=strided\nzonesize=64k\nzonerange=512k\n"
                            "number_ios=160\ntime_based\nruntime=600\n"), 0);
    assert_int_equal(x->seen.n, 160);
    for (unsigned i = 0; i < x->seen.n; i++) {
        uint64_t zone = (i / 16) % 8, lo = zone * 1024, hi = lo + 1024; /* 512k zones of LBAs */
        if (x->seen.lba[i] < lo || x->seen.lba[i] + 8 > hi)
            fail_msg("I/O %u at LBA %llu, outside zone %llu", i, (unsigned long long)x->seen.lba[i],
                     (unsigned long long)zone);
    }
}

/* What writes carry: zero_buffers zeros, buffer_pattern its bytes repeated, fio's default random
 * data that differs from write to write (scramble_buffers), refill_buffers new data each time,
 * scramble_buffers=0 the same data every time. */
static void test_buffer_contents(void **state)
{
    struct fixture *x = *state;
    luns(x, 1);
    struct fake_lun *l = x->b.f.luns[0];
    fake_lun_store(l);
    assert_int_equal(run(x, "[j]\nrw=write\nbs=4k\nsize=16k\nzero_buffers\n"), 0);
    for (unsigned i = 0; i < 16384; i++)
        assert_int_equal(l->data[i], 0);
    assert_int_equal(run(x, "[j]\nrw=write\nbs=4k\nsize=16k\nbuffer_pattern=\"ab\"0x0d0a07\n"), 0);
    static const uint8_t want[] = { 'a', 'b', 0x0d, 0x0a, 0x07 };
    for (unsigned i = 0; i < 16384; i++)
        assert_int_equal(l->data[i], want[(i % 4096) % 5]); /* each 4k write starts the pattern again */
    /* Random: no two 512-byte sectors of the default hold the same bytes. */
    assert_int_equal(run(x, "[j]\nrw=write\nbs=4k\nsize=16k\n"), 0);
    for (unsigned a = 0; a < 32; a++)
        for (unsigned b = a + 1; b < 32; b++)
            assert_memory_not_equal(l->data + a * 512, l->data + b * 512, 512);
    /* scramble_buffers=0: every write of a slot carries the same data (iodepth 1: one slot). */
    assert_int_equal(run(x, "[j]\nrw=write\nbs=4k\nsize=16k\nscramble_buffers=0\n"), 0);
    assert_memory_equal(l->data, l->data + 4096, 4096);
    /* refill_buffers: all of it new, the first 16 bytes of each sector too. */
    assert_int_equal(run(x, "[j]\nrw=write\nbs=4k\nsize=16k\nscramble_buffers=0\nrefill_buffers\n"), 0);
    assert_memory_not_equal(l->data + 100, l->data + 4096 + 100, 400);
}

/* exitall ends the run after its job; exitall_on_error only after a job that failed. */
static void test_exitall(void **state)
{
    struct fixture *x = *state;
    luns(x, 1);
    x->b.f.luns[0]->media_error_lba = 0;
    assert_int_equal(run(x, "[j]\nrw=read\nbs=4k\nsize=16k\nexitall_on_error=1\n"), 0);
    assert_true(bench_job_terminates_others(&x->b.job, &x->b.r)); /* its first read failed */
    x->b.f.luns[0]->media_error_lba = -1;
    assert_int_equal(run(x, "[j]\nrw=read\nbs=4k\nsize=16k\nexitall_on_error=1\n"), 0);
    assert_false(bench_job_terminates_others(&x->b.job, &x->b.r));
    assert_int_equal(run(x, "[j]\nrw=read\nbs=4k\nsize=16k\nexitall\n"), 0);
    assert_true(bench_job_terminates_others(&x->b.job, &x->b.r));
    assert_int_equal(run(x, "[j]\nrw=read\nbs=4k\nsize=16k\n"), 0);
    assert_false(bench_job_terminates_others(&x->b.job, &x->b.r));
}

/* zipf's normalisation past DIST_ZETA_EXACT ranks: the integral tail is within 1e-9 (relative)
 * of the sum of the ranks it stands for. */
static void test_zeta_tail(void **state)
{
    (void)state;
    uint64_t n = DIST_ZETA_EXACT + 1000000;
    double theta = 1.2, head = dist_zeta(DIST_ZETA_EXACT, theta), all = dist_zeta(n, theta);
    long double tail = 0;
    for (uint64_t i = n; i > DIST_ZETA_EXACT; i--)
        tail += powl((long double)i, -(long double)theta);
    if (fabs((all - head) - (double)tail) / all > 1e-9)
        fail_msg("zeta tail: %.12g, summed %.12Lg", all - head, tail);
    assert_true(dist_zeta(1, 0.5) == 1.0);
    assert_true(fabs(dist_zeta(2, 1.2) - (1.0 + pow(2, -1.2))) < 1e-15);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_bssplit_mix, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bssplit_per_direction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blockalign, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bsrange_sizes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rw_backwards, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rw_skip_forward, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rw_random_runs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_percentage_random, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zipf_hot_set, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zoned, setup, teardown),
        cmocka_unit_test_setup_teardown(test_normal_and_pareto, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rate_iops_per_direction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rate_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rate_process_poisson, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rate_iops_min_not_met, setup, teardown),
        cmocka_unit_test_setup_teardown(test_loops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bs_beyond_max_transfer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fsync_every_n_writes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_end_fsync, setup, teardown),
        cmocka_unit_test_setup_teardown(test_thinktime, setup, teardown),
        cmocka_unit_test_setup_teardown(test_strided_zones_sequential, setup, teardown),
        cmocka_unit_test_setup_teardown(test_strided_zones_random, setup, teardown),
        cmocka_unit_test_setup_teardown(test_buffer_contents, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exitall, setup, teardown),
        cmocka_unit_test(test_zeta_tail),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
