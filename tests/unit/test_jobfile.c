/* fio-style job files (bench/job_parse.c): syntax, every option's checks, exact error messages,
 * and fio's own example job files (Debian's fio-examples, GPL-2, in tests/data/jobs/fio-examples). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/default_job.h"
#include "bench/job.h"
#include "bench/stamp.h"
#include "test_support.h"

#define MAX_TEST_JOBS 8
static struct job_spec jobs[MAX_TEST_JOBS];

#define NOT_FILENAME "lunbench picks LUNs with luns=, not filename= (see docs/jobs.md)"
static char err[300];

static int parse_with(const char *name, const char *text, size_t len, const char *const *ov, size_t n_ov,
                      size_t max_jobs, size_t *count)
{
    err[0] = '\0';
    memset(jobs, 0xa5, sizeof jobs); /* nothing may depend on what the caller's array held */
    return job_file_parse(name, text, len, ov, n_ov, jobs, max_jobs, count, err, sizeof err);
}

static int parse(const char *text, size_t *count)
{
    return parse_with("t.fio", text, strlen(text), NULL, 0, MAX_TEST_JOBS, count);
}

static void expect_error(const char *text, const char *message)
{
    size_t count = 99;
    if (parse(text, &count) != -1)
        fail_msg("parsed, but should fail with \"%s\":\n%s", message, text);
    assert_string_equal(err, message);
    assert_int_equal(count, 0);
}

static const struct job_option *find_option(const struct job_spec *job, const char *key)
{
    for (size_t i = 0; i < job->option_count; i++)
        if (strcmp(job->options[i].key, key) == 0)
            return &job->options[i];
    return NULL;
}

static void expect_option(const struct job_spec *job, size_t index, const char *key, const char *value, unsigned line)
{
    assert_true(index < job->option_count);
    assert_string_equal(job->options[index].key, key);
    assert_string_equal(job->options[index].value, value);
    assert_int_equal(job->options[index].line, line);
}

static void test_defaults(void **state)
{
    (void)state;
    struct job_spec j;
    memset(&j, 0xff, sizeof j);
    job_spec_defaults(&j);
    assert_string_equal(j.name, "");
    assert_int_equal(j.rw, JOB_READ);
    assert_int_equal(j.rwmixread, 50);
    assert_int_equal(j.bs, 4096);
    assert_int_equal(j.iodepth, 1);
    assert_int_equal(j.runtime_ms, 0);
    assert_false(j.time_based);
    assert_int_equal(j.size, 0);
    assert_int_equal(j.size_percent, 0);
    assert_int_equal(j.offset, 0);
    assert_false(j.verify);
    assert_true(j.do_verify);
    assert_int_equal(j.randseed, 0xb1899bed);
    /* fio's default list: 1:5:10:20:30:40:50:60:70:80:90:95:99:99.5:99.9:99.95:99.99 */
    assert_int_equal(j.percentile_count, 17);
    assert_true(j.percentiles[0] == 1.0 && j.percentiles[13] == 99.5 && j.percentiles[16] == 99.99);
    assert_int_equal(j.luns.kind, LUNSEL_ALL);
    assert_int_equal(j.lun_order, LUN_ORDER_ROUNDROBIN);
    assert_int_equal(j.option_count, 0);
}

static void test_sizes(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        uint64_t bytes;
    } good[] = {
        { "0", 0 },
        { "512", 512 },
        { "4k", 4096 },
        { "4K", 4096 },
        { "4kb", 4096 },
        { "4KB", 4096 },
        { "4096b", 4096 },
        { "4096B", 4096 },
        { "1m", 1048576 },
        { "1M", 1048576 },
        { "1g", 1073741824 },
        { "10G", 10737418240ull },
        { "2t", 2ull << 40 },
        { "1p", 1ull << 50 },
        { "16383p", 16383ull << 50 },
        { "0x1000", 4096 },
        { "0XfF", 255 },
        { "18446744073709551615", UINT64_MAX },
        { "0xffffffffffffffff", UINT64_MAX },
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        uint64_t v = 1;
        if (job_parse_size(good[i].text, &v) != 0)
            fail_msg("'%s' was refused", good[i].text);
        assert_int_equal(v, good[i].bytes);
    }
    static const char *const bad[] = {
        "", "4x", "-4k", "+4k", "1.5k", "4 k", " 4", "4k ", "k", "4kk", "4kbb", "4bk",
        "4KiB", "4ki", "1MiB", "1Mi",               /* fio 3.33: 4KiB = 4000, 4ki = 4096 */
        "18446744073709551616", "16384p", "0x", "0x1k", "0x10000000000000000", "99999999999999999999", "1e3", "10%",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint64_t v = 7;
        if (job_parse_size(bad[i], &v) != -1)
            fail_msg("'%s' was accepted as %llu", bad[i], (unsigned long long)v);
        assert_int_equal(v, 7);
    }
}

static void test_times(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        uint64_t ms;
    } good[] = {
        { "0", 0 },         { "30", 30000 },     { "30s", 30000 },   { "30S", 30000 },  { "250ms", 250 },
        { "250MS", 250 },   { "250msec", 250 },  { "2m", 120000 },   { "1h", 3600000 }, { "1H", 3600000 },
        { "2d", 172800000 }, { "1000us", 1 },    { "1001us", 2 },    { "1usec", 1 },    { "0us", 0 },
        { "18446744073709551615ms", UINT64_MAX },
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        uint64_t v = 1;
        if (job_parse_time_ms(good[i].text, &v) != 0)
            fail_msg("'%s' was refused", good[i].text);
        assert_int_equal(v, good[i].ms);
    }
    static const char *const bad[] = {
        "", "1.5", "-1", "10x", "10sec", "1min", "0x10", "10 s", "s", "18446744073709551615", "213503982334602d",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint64_t v = 7;
        if (job_parse_time_ms(bad[i], &v) != -1)
            fail_msg("'%s' was accepted as %llu ms", bad[i], (unsigned long long)v);
        assert_int_equal(v, 7);
    }
}

static void test_two_jobs_file(void **state)
{
    (void)state;
    size_t len, count = 0;
    uint8_t *text = test_read_file("tests/data/jobs/two-jobs.fio", &len);
    assert_int_equal(parse_with("two-jobs.fio", (const char *)text, len, NULL, 0, MAX_TEST_JOBS, &count), 0);
    free(text);
    assert_int_equal(count, 3);

    const struct job_spec *a = &jobs[0];
    assert_string_equal(a->name, "qd4-reads");
    assert_string_equal(a->source, "two-jobs.fio");
    assert_int_equal(a->line, 12);
    assert_int_equal(a->rw, JOB_RANDREAD);
    assert_int_equal(a->bs, 8192); /* "bs = 8k   ; a comment..." */
    assert_int_equal(a->iodepth, 4);
    assert_int_equal(a->runtime_ms, 10000);
    assert_true(a->time_based);
    assert_int_equal(a->percentile_count, 3);
    assert_true(a->percentiles[0] == 50.0 && a->percentiles[1] == 99.0 && a->percentiles[2] == 99.9);
    assert_int_equal(a->luns.kind, LUNSEL_TARGETS);
    assert_int_equal(a->luns.target_lo, 0);
    assert_int_equal(a->luns.target_hi, 3);
    assert_int_equal(a->lun_order, LUN_ORDER_RANDOM);
    assert_false(a->verify);
    assert_int_equal(a->option_count, 8);
    expect_option(a, 0, "rw", "randread", 4);
    expect_option(a, 1, "bs", "8k", 5);
    expect_option(a, 4, "time_based", "", 8);
    expect_option(a, 5, "percentile_list", "99.9:50:99", 9);
    expect_option(a, 7, "lun_order", "random", 13);

    /* The job's own options replace [global]'s in place; blocksize= is fio's bs. */
    const struct job_spec *b = &jobs[1];
    assert_string_equal(b->name, "writes");
    assert_int_equal(b->line, 15);
    assert_int_equal(b->rw, JOB_RANDWRITE);
    assert_int_equal(b->bs, 65536);
    assert_int_equal(b->iodepth, 32);
    assert_true(b->verify);
    assert_true(b->do_verify);
    assert_int_equal(b->lun_order, LUN_ORDER_ROUNDROBIN); /* the first job's lun_order stays there */
    assert_int_equal(b->ramp_time_ms, 0);                 /* the second [global] comes after */
    assert_int_equal(b->option_count, 8);
    expect_option(b, 0, "rw", "randwrite", 16);
    expect_option(b, 1, "bs", "64k", 17);
    expect_option(b, 2, "iodepth", "32", 18);
    expect_option(b, 7, "verify", "crc32c", 19);
    assert_null(find_option(b, "blocksize"));
    assert_null(find_option(b, "ramp_time"));

    /* A later [global] adds to the earlier one for the jobs after it. */
    const struct job_spec *c = &jobs[2];
    assert_string_equal(c->name, "late");
    assert_int_equal(c->rw, JOB_RW);
    assert_int_equal(c->rwmixread, 70);
    assert_int_equal(c->bs, 8192);
    assert_int_equal(c->iodepth, 4);
    assert_true(c->time_based);
    assert_int_equal(c->ramp_time_ms, 2000);
    assert_int_equal(c->size, 1ull << 30);
    assert_int_equal(c->offset, 1ull << 20);
    assert_int_equal(c->luns.kind, LUNSEL_LIST);
    assert_int_equal(c->luns.list_count, 3);
    assert_int_equal(c->luns.list[2].hba, 1);
    assert_int_equal(c->luns.list[2].target, 255);
    assert_int_equal(c->luns.list[2].lun, 16383);
    expect_option(c, 6, "luns", "0:0:1,0:1:2,1:255:16383", 30);
    expect_option(c, 7, "ramp_time", "2", 22);
    expect_option(c, 8, "direct", "1", 23);
    expect_option(c, 9, "rwmixwrite", "30", 27);
    assert_int_equal(c->option_count, 12);
}

static void test_overrides_come_last(void **state)
{
    (void)state;
    static const char text[] = "[global]\niodepth=2\n[a]\niodepth=8\nrw=randwrite\n[b]\n";
    static const char *const ov[] = { "iodepth=64", " bs = 16k ", "time_based", "runtime=1m", "name=x" };
    size_t count = 0;
    assert_int_equal(parse_with("o.fio", text, strlen(text), ov, 5, MAX_TEST_JOBS, &count), 0);
    assert_int_equal(count, 2);
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(jobs[i].iodepth, 64);
        assert_int_equal(jobs[i].bs, 16384);
        assert_true(jobs[i].time_based);
        assert_int_equal(jobs[i].runtime_ms, 60000);
        assert_string_equal(jobs[i].name, "x");
        expect_option(&jobs[i], 0, "iodepth", "64", 0); /* replaced in place; line 0: the command line */
    }
    assert_int_equal(jobs[0].rw, JOB_RANDWRITE);
    expect_option(&jobs[0], 2, "bs", "16k", 0);
    expect_option(&jobs[0], 3, "time_based", "", 0);

    static const char *const bad[] = { "rw=read", "iodepth=0" };
    assert_int_equal(parse_with("o.fio", text, strlen(text), bad, 2, MAX_TEST_JOBS, &count), -1);
    assert_string_equal(err, "command line: option 'iodepth': must be 1..4096, not 0");
    static const char *const unknown[] = { "foo=1" };
    assert_int_equal(parse_with("o.fio", text, strlen(text), unknown, 1, MAX_TEST_JOBS, &count), -1);
    assert_string_equal(err, "command line: unknown option 'foo'");
    /* time_based from the command line with no runtime anywhere. */
    static const char plain[] = "[a]\n";
    static const char *const tb[] = { "time_based=1" };
    assert_int_equal(parse_with("o.fio", plain, strlen(plain), tb, 1, MAX_TEST_JOBS, &count), -1);
    assert_string_equal(err, "command line: option 'time_based': needs a runtime (fio ignores time_based without one)");
}

static void test_syntax(void **state)
{
    (void)state;
    size_t count = 0;
    /* CRLF lines, blank lines of spaces and tabs, '#' after a value, a bare flag with spaces. */
    static const char crlf[] = "\r\n  [ spaced name ]  \r\n\tbs=8k# hash\r\n  norandommap  \r\n \t \r\nrw = write\r\n";
    assert_int_equal(parse(crlf, &count), 0);
    assert_int_equal(count, 1);
    assert_string_equal(jobs[0].name, "spaced name");
    assert_int_equal(jobs[0].line, 2);
    assert_int_equal(jobs[0].bs, 8192);
    assert_int_equal(jobs[0].rw, JOB_WRITE);
    expect_option(&jobs[0], 1, "norandommap", "", 4);

    /* No newline at the end; an empty job section takes [global] as it is. */
    assert_int_equal(parse("[global]\nrw=randrw\n[a]\n[b]\nrwmixread=10", &count), 0);
    assert_int_equal(count, 2);
    assert_int_equal(jobs[0].rw, JOB_RANDRW);
    assert_int_equal(jobs[0].rwmixread, 50);
    assert_int_equal(jobs[1].rwmixread, 10);
    assert_int_equal(jobs[0].option_count, 1);

    /* name= in [global] does not rename jobs (fio); in a job's section it does. */
    assert_int_equal(parse("[global]\nname=g\n[a]\n[b]\nname=other\n", &count), 0);
    assert_string_equal(jobs[0].name, "a");
    assert_string_equal(jobs[1].name, "other");
    expect_option(&jobs[0], 0, "name", "g", 2);

    /* Same job name twice is allowed (fio allows it); the last of rwmixread/rwmixwrite wins. */
    assert_int_equal(parse("[a]\nrwmixwrite=30\nrwmixread=80\n[a]\nrwmixread=80\nrwmixwrite=30\n", &count), 0);
    assert_int_equal(jobs[0].rwmixread, 80);
    assert_int_equal(jobs[1].rwmixread, 70);

    /* Flags: bare, =1, =0. */
    assert_int_equal(parse("[a]\nruntime=5\ntime_based=1\n[b]\nruntime=5\ntime_based\ntime_based=0\n", &count), 0);
    assert_true(jobs[0].time_based);
    assert_false(jobs[1].time_based);
    expect_option(&jobs[1], 1, "time_based", "0", 7);

    /* Every accepted-and-ignored option, recorded under fio's names. */
    static const char ignored[] = "[a]\nioengine=libaio\ndirect=1\nbuffered=0\nthread\ngroup_reporting\nstonewall\n"
                                  "wait_for_previous\nnew_group\ninvalidate=1\nnorandommap\nrandrepeat=0\n"
                                  "iodepth_batch=8\niodepth_batch_submit=4\niodepth_batch_complete=2\n"
                                  "iodepth_batch_complete_min=1\niodepth_low=1\nfsync_on_close=0\nend_fsync=0\n"
                                  "gtod_reduce=1\ndescription=anything at all\nnumjobs=1\n";
    assert_int_equal(parse(ignored, &count), 0);
    assert_int_equal(jobs[0].option_count, 18);
    expect_option(&jobs[0], 5, "stonewall", "", 8); /* wait_for_previous is fio's stonewall */
    expect_option(&jobs[0], 10, "iodepth_batch", "4", 14);
    expect_option(&jobs[0], 11, "iodepth_batch_complete_min", "1", 16);
    expect_option(&jobs[0], 16, "description", "anything at all", 21);
    assert_int_equal(jobs[0].iodepth, 1);

    /* Options that take the size syntax: fio reads iodepth=1k as 1024. */
    assert_int_equal(parse("[a]\niodepth=1k\nnumber_ios=2k\nrate_iops=0x100\nrandseed=42\nsize=50%\noffset=10%\n"
                           "do_verify=0\nverify=crc32\n[b]\nsize=100%\nsize=4m\noffset=5%\noffset=4k\nverify=0\n",
                           &count),
                     0);
    assert_int_equal(jobs[0].iodepth, 1024);
    assert_int_equal(jobs[0].number_ios, 2048);
    assert_int_equal(jobs[0].rate_iops[JOB_DDIR_READ], 256);
    assert_int_equal(jobs[0].rate_iops[JOB_DDIR_WRITE], 256); /* one value: every direction, as fio */
    assert_int_equal(jobs[0].randseed, 42);
    assert_int_equal(jobs[0].size, 0);
    assert_int_equal(jobs[0].size_percent, 50);
    assert_int_equal(jobs[0].offset_percent, 10);
    assert_true(jobs[0].verify);
    assert_false(jobs[0].do_verify);
    assert_int_equal(jobs[1].size, 4 << 20);
    assert_int_equal(jobs[1].size_percent, 0);
    assert_int_equal(jobs[1].offset, 4096);
    assert_int_equal(jobs[1].offset_percent, 0);
    assert_false(jobs[1].verify);
    expect_option(&jobs[1], 0, "size", "4m", 12);

    /* A NUL byte is not a job file; the length bounds the text (no terminator needed). */
    static const char nul[] = "[a]\nbs=4k\0\n";
    assert_int_equal(parse_with("t.fio", nul, sizeof nul - 1, NULL, 0, MAX_TEST_JOBS, &count), -1);
    assert_string_equal(err, "t.fio:2: NUL byte in the line (not a text file?)");
    static const char cut[] = "[a]\nbs=16kXXXX";
    assert_int_equal(parse_with("t.fio", cut, sizeof cut - 5, NULL, 0, MAX_TEST_JOBS, &count), 0);
    assert_int_equal(jobs[0].bs, 16384);
}

static void test_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text, *message;
    } cases[] = {
        { "[job]\niodepth=2\nbs=4x\n", "t.fio:3: option 'bs': bad size '4x'" },
        { "[job]\n\nfoo=1\n", "t.fio:3: unknown option 'foo'" },
        { "[job]\nBS=4k\n", "t.fio:2: unknown option 'BS'" },
        { "[job]\nbs 4k\n", "t.fio:2: unknown option 'bs 4k'" },
        { "[job]\ninclude other.fio\n", "t.fio:2: 'include' is not supported: put the options in the job file itself" },
        { "[job]\nnumjobs=65\n", "t.fio:2: option 'numjobs': must be 1..64, not 65" },
        { "[job]\nnumjobs=0\n", "t.fio:2: option 'numjobs': must be 1..64, not 0" },
        { "[job]\nbs=4k\nblockalign=6k\n", "t.fio:3: option 'blockalign': 6144 is not a multiple of the job's smallest "
          "block size 4096" },
        { "; nothing\n[global]\nrw=read\n", "t.fio: no job sections" },
        { "", "t.fio: no job sections" },
        { "bs=4k\n[job]\n", "t.fio:1: option 'bs' is outside any [section]" },
        { "[job\n", "t.fio:1: section header '[job' does not end in ']'" },
        { "[ ]\n", "t.fio:1: empty section name" },
        { "[global-reads]\n", "t.fio:1: fio reads section '[global-reads]' as [global]: rename it" },
        { "[a234567890123456789012345678901234567890123456789012345678901234]\n",
          "t.fio:1: job name 'a234567890123456789012345678901234567890...' is longer than 63 characters" },
        { "[job]\nname=\n", "t.fio:2: option 'name': a job name has 1 to 63 characters" },
        { "[job]\nname\n", "t.fio:2: option 'name': needs a value" },
        { "[job]\nioengine\n", "t.fio:2: option 'ioengine': needs a value" },
        { "[job]\nioengine=ftruncate\n",
          "t.fio:2: option 'ioengine': 'ftruncate' is not an engine of a block device (lunbench runs the jobs of sync, "
          "psync, vsync, pvsync, pvsync2, libaio, io_uring, posixaio, mmap and null on its LUNs)" },
        { "[job]\nrw=trimread\n", "t.fio:2: option 'rw': bad value 'trimread' (read, write, randread, randwrite, rw, "
                                 "readwrite, randrw, trim, randtrim, trimwrite, randtrimwrite)" },
        { "[job]\nrw=Read\n",
          "t.fio:2: option 'rw': bad value 'Read' (read, write, randread, randwrite, rw, readwrite, randrw, trim, "
          "randtrim, trimwrite, randtrimwrite)" },
        { "[job]\nrwmixread=101\n", "t.fio:2: option 'rwmixread': must be 0..100, not 101" },
        { "[job]\nrwmixwrite=-1\n", "t.fio:2: option 'rwmixwrite': bad number '-1'" },
        { "[job]\nblocksize=1000\n",
          "t.fio:2: option 'blocksize': block size 1000 is not a multiple of 512 from 512 to 256m" },
        { "[job]\nbs=512m\n", "t.fio:2: option 'bs': block size 512m is not a multiple of 512 from 512 to 256m" },
        { "[job]\nbs=0\n", "t.fio:2: option 'bs': block size 0 is not a multiple of 512 from 512 to 256m" },
        { "[job]\nbs\n", "t.fio:2: option 'bs': needs a value" },
        { "[job]\nbs=\n", "t.fio:2: option 'bs': bad size ''" },
        { "[job]\nbs=4KiB\n",
          "t.fio:2: option 'bs': ambiguous size '4KiB': fio 3.33 reads 4KiB as 4000 bytes but 4ki as 4096; write 4k "
          "(4096) or 4000" },
        { "[job]\niodepth=0\n", "t.fio:2: option 'iodepth': must be 1..4096, not 0" },
        { "[job]\niodepth=4097\n", "t.fio:2: option 'iodepth': must be 1..4096, not 4097" },
        { "[job]\nruntime=10sec\n",
          "t.fio:2: option 'runtime': bad time '10sec' (a whole number, in seconds or with us, ms, s, m, h or d)" },
        { "[job]\nramp_time=1.5\n",
          "t.fio:2: option 'ramp_time': bad time '1.5' (a whole number, in seconds or with us, ms, s, m, h or d)" },
        { "[job]\ntime_based\n", "t.fio:2: option 'time_based': needs a runtime (fio ignores time_based without one)" },
        { "[global]\ntime_based\n[job]\nbs=8k\n",
          "t.fio:2: option 'time_based': needs a runtime (fio ignores time_based without one)" },
        { "[job]\ntime_based=2\n", "t.fio:2: option 'time_based': must be 0 or 1, not '2'" },
        { "[job]\ndirect\n", "t.fio:2: option 'direct': needs a value (0 or 1)" },
        { "[job]\ndo_verify=yes\n", "t.fio:2: option 'do_verify': must be 0 or 1, not 'yes'" },
        { "[job]\nsize=4x\n", "t.fio:2: option 'size': bad size '4x'" },
        { "[job]\nsize=0%\n", "t.fio:2: option 'size': bad percentage '0%' (1% to 100%)" },
        { "[job]\nsize=101%\n", "t.fio:2: option 'size': bad percentage '101%' (1% to 100%)" },
        { "[job]\nsize=12.5%\n", "t.fio:2: option 'size': bad percentage '12.5%' (1% to 100%)" },
        { "[job]\noffset=1000\n", "t.fio:2: option 'offset': must be a multiple of 512, not 1000" },
        { "[job]\nnumber_ios=1.5\n", "t.fio:2: option 'number_ios': bad number '1.5'" },
        { "[job]\nverify=sha512\n",
          "t.fio:2: option 'verify': verify=sha512 is not supported (crc32c, crc32c-intel, crc32, md5, sha1, sha256, "
          "xxhash, meta, header, pattern, or 0 for none; fio's other checksums are not implemented)" },
        { "[job]\nverify=1\n",
          "t.fio:2: option 'verify': verify=1 is not supported (crc32c, crc32c-intel, crc32, md5, sha1, sha256, "
          "xxhash, meta, header, pattern, or 0 for none; fio's other checksums are not implemented)" },
        { "[job]\nbs=4k\nverify=pattern\n",
          "t.fio:3: option 'verify': pattern needs verify_pattern= (the bytes every block must hold)" },
        { "[job]\nverify_pattern=%o\n",
          "t.fio:2: option 'verify_pattern': '%o': %o (each block's offset in the pattern) is not implemented" },
        { "[job]\nverify_pattern='/tmp/p'\n",
          "t.fio:2: option 'verify_pattern': a file's bytes ('FILE') cannot be read here: write them as a \"string\" "
          "or in hex" },
        { "[job]\nverify_pattern=4294967296\n",
          "t.fio:2: option 'verify_pattern': decimal number out of range in '4294967296' (-2147483648 to 2147483647; "
          "longer ones in hex)" },
        { "[job]\nverify_pattern=0xzz\n", "t.fio:2: option 'verify_pattern': bad hex number in '0xzz'" },
        { "[job]\nverify_pattern=ab\n",
          "t.fio:2: option 'verify_pattern': bad pattern 'ab' (quoted strings, 0x hex and decimal numbers)" },
        { "[job]\nverify_interval=100\n",
          "t.fio:2: option 'verify_interval': '100' is not a whole number of 512-byte blocks (lunbench stamps every "
          "logical block)" },
        { "[job]\nverify_interval=0\n",
          "t.fio:2: option 'verify_interval': '0' is not a whole number of 512-byte blocks (lunbench stamps every "
          "logical block)" },
        { "[job]\nfill_device=yes\n", "t.fio:2: option 'fill_device': must be 0 or 1, not 'yes'" },
        { "[job]\nrw=randwrite\nverify=md5\ntrim_percentage=10\n",
          "t.fio:4: option 'trim_percentage': not supported: fio's trim verification (trim_percentage of the verified "
          "blocks trimmed, then read back as zeros: trim_verify_zero, trim_backlog) is not implemented; rw=trim, "
          "randtrim and trimwrite send UNMAP" },
        { "[job]\ntrim_verify_zero=1\n",
          "t.fio:2: option 'trim_verify_zero': not supported: fio's trim verification (trim_percentage of the verified "
          "blocks trimmed, then read back as zeros: trim_verify_zero, trim_backlog) is not implemented; rw=trim, "
          "randtrim and trimwrite send UNMAP" },
        { "[job]\nverify_backlog=65537\n", "t.fio:2: option 'verify_backlog': must be 0..65536, not 65537" },
        { "[job]\nverify_fatal\n", "t.fio:2: option 'verify_fatal': needs a value (0 or 1)" },
        { "[job]\nverify_dump=2\n", "t.fio:2: option 'verify_dump': must be 0 or 1, not '2'" },
        { "[job]\nfilename=/dev/sdb\n",
          "t.fio:2: option 'filename': " NOT_FILENAME },
        { "[job]\ndirectory=/data\n",
          "t.fio:2: option 'directory': " NOT_FILENAME },
        { "[job]\nfilename_format=f.$jobnum\n",
          "t.fio:2: option 'filename_format': " NOT_FILENAME },
        { "[job]\nend_fsync=2\n", "t.fio:2: option 'end_fsync': must be 0 or 1, not '2'" },
        { "[job]\nfsync=x\n", "t.fio:2: option 'fsync': bad number 'x'" },
        { "[job]\nfdatasync=-1\n", "t.fio:2: option 'fdatasync': bad number '-1'" },
        { "[job]\nfsync_on_close\n", "t.fio:2: option 'fsync_on_close': needs a value (0 or 1)" },
        { "[job]\nthread=yes\n", "t.fio:2: option 'thread': must be 0 or 1, not 'yes'" },
        { "[job]\niodepth_batch=x\n", "t.fio:2: option 'iodepth_batch': bad number 'x'" },
        { "[job]\nlun_order=sequential\n",
          "t.fio:2: option 'lun_order': bad value 'sequential' (roundrobin or random)" },
        { "[job]\npercentile_list=0\n", "t.fio:2: option 'percentile_list': percentile 0 is not in (0, 100]" },
        { "[job]\npercentile_list=50:100.5\n",
          "t.fio:2: option 'percentile_list': percentile 100.5 is not in (0, 100]" },
        { "[job]\npercentile_list=\n", "t.fio:2: option 'percentile_list': bad percentile '' in ''" },
        { "[job]\npercentile_list=50::90\n", "t.fio:2: option 'percentile_list': bad percentile '' in '50::90'" },
        { "[job]\npercentile_list=50:inf\n", "t.fio:2: option 'percentile_list': bad percentile 'inf' in '50:inf'" },
        { "[job]\npercentile_list=1e1\n", "t.fio:2: option 'percentile_list': bad percentile '1e1' in '1e1'" },
        { "[job]\npercentile_list=1.2.3\n", "t.fio:2: option 'percentile_list': bad percentile '1.2.3' in '1.2.3'" },
        { "[job]\npercentile_list=1:2:3:4:5:6:7:8:9:10:11:12:13:14:15:16:17:18:19:20:21\n",
          "t.fio:2: option 'percentile_list': more than 20 percentiles" },
        { "[job]\nluns=hba:256\n", "t.fio:2: option 'luns': bad HBA in 'hba:256' (hba:N, N 0..255)" },
        { "[job]\nluns=targets:5-2\n",
          "t.fio:2: option 'luns': bad target range in 'targets:5-2' (targets:A-B, 0 <= A <= B <= 255)" },
        { "[job]\nluns=targets:3\n",
          "t.fio:2: option 'luns': bad target range in 'targets:3' (targets:A-B, 0 <= A <= B <= 255)" },
        { "[job]\nluns=first:0\n", "t.fio:2: option 'luns': bad count in 'first:0' (first:N, N >= 1)" },
        { "[job]\nluns=0:0:16384\n",
          "t.fio:2: option 'luns': bad LUN '0:0:16384' (HBA:TARGET:LUN with HBA 0..255, TARGET 0..255, LUN 0..16383; "
          "or all, hba:N, targets:A-B, first:N)" },
        { "[job]\nluns=0:0:1,0:0\n",
          "t.fio:2: option 'luns': bad LUN '0:0' (HBA:TARGET:LUN with HBA 0..255, TARGET 0..255, LUN 0..16383; or "
          "all, hba:N, targets:A-B, first:N)" },
        { "[job]\nluns=0:0:1,\n",
          "t.fio:2: option 'luns': bad LUN '' (HBA:TARGET:LUN with HBA 0..255, TARGET 0..255, LUN 0..16383; or all, "
          "hba:N, targets:A-B, first:N)" },
        { "[job]\nluns=All\n",
          "t.fio:2: option 'luns': bad LUN 'All' (HBA:TARGET:LUN with HBA 0..255, TARGET 0..255, LUN 0..16383; or "
          "all, hba:N, targets:A-B, first:N)" },
        { "[job]\nluns=1:2:3,0:0:0,1:2:3\n", "t.fio:2: option 'luns': LUN 1:2:3 is listed twice" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_error(cases[i].text, cases[i].message);
}

static void test_limits(void **state)
{
    (void)state;
    size_t count = 0;
    char text[4096];

    /* More job sections than the caller has room for. */
    assert_int_equal(parse_with("t.fio", "[a]\n[b]\n[c]\n", 12, NULL, 0, 2, &count), -1);
    assert_string_equal(err, "t.fio:3: more than 2 jobs");

    /* A line of 1023 characters is fine, 1024 is not. */
    int n = snprintf(text, sizeof text, "[a]\ndescription=");
    memset(text + n, 'x', 1023 - 12);
    strcpy(text + n + 1023 - 12, "\n");
    assert_int_equal(parse(text, &count), 0);
    assert_string_equal(jobs[0].options[0].value + 92, "...");
    assert_int_equal(strlen(jobs[0].options[0].value), 95);
    memset(text + n, 'x', 1024 - 12);
    strcpy(text + n + 1024 - 12, "\n");
    expect_error(text, "t.fio:2: line is longer than 1023 characters");

    /* 64 LUNs in a list, the longest: parsed in full; the recorded value is cut short. */
    n = snprintf(text, sizeof text, "[a]\nluns=");
    for (unsigned i = 0; i < LUNSEL_LIST_MAX; i++)
        n += snprintf(text + n, sizeof text - (size_t)n, "%s255:%u:%u", i ? "," : "", i, 16383 - i);
    snprintf(text + n, sizeof text - (size_t)n, "\n");
    assert_int_equal(parse(text, &count), 0);
    assert_int_equal(jobs[0].luns.list_count, LUNSEL_LIST_MAX);
    assert_int_equal(jobs[0].luns.list[63].target, 63);
    assert_int_equal(jobs[0].luns.list[63].lun, 16383 - 63);
    assert_int_equal(strlen(jobs[0].options[0].value), JOB_VALUE_MAX - 1);
    assert_memory_equal(jobs[0].options[0].value, "255:0:16383,255:1:16382", 23);
    snprintf(text + n, sizeof text - (size_t)n, ",0:0:0\n");
    expect_error(text, "t.fio:2: option 'luns': more than 64 LUNs in the list");

    /* JOB_MAX_OPTIONS distinct options fit; ignored ones count too. */
    static const char *const keys[] = {
        "name=a", "description=d", "rw=read", "rwmixread=50", "rwmixwrite=50", "bs=4k", "iodepth=1", "runtime=1",
        "ramp_time=0", "time_based", "size=1m", "offset=0", "number_ios=0", "rate_iops=0", "verify=0", "do_verify=1",
        "randseed=1", "percentile_list=50", "luns=all", "lun_order=random", "numjobs=1", "ioengine=io_uring", "direct=1",
        "buffered=0", "invalidate=1", "randrepeat=1", "gtod_reduce=0", "thread", "group_reporting", "stonewall",
        "new_group", "norandommap", "iodepth_batch=1", "iodepth_batch_complete_min=1", "iodepth_low=1",
        "end_fsync=0", "fsync_on_close=0",
    };
    n = snprintf(text, sizeof text, "[a]\n");
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        n += snprintf(text + n, sizeof text - (size_t)n, "%s\n", keys[i]);
    assert_int_equal(parse(text, &count), 0);
    assert_int_equal(jobs[0].option_count, sizeof keys / sizeof keys[0]);
    assert_true(sizeof keys / sizeof keys[0] <= JOB_MAX_OPTIONS);
}

static void test_percentile_list(void **state)
{
    (void)state;
    size_t count = 0;
    /* Sorted ascending as fio sorts them; a repeated value is kept once. */
    assert_int_equal(parse("[a]\npercentile_list=99.99:1:50:50:99.5:.5:100\n", &count), 0);
    static const double want[] = { 0.5, 1, 50, 99.5, 99.99, 100 };
    assert_int_equal(jobs[0].percentile_count, 6);
    for (size_t i = 0; i < 6; i++)
        assert_true(jobs[0].percentiles[i] == want[i]);
    assert_int_equal(parse("[a]\npercentile_list=20:19:18:17:16:15:14:13:12:11:10:9:8:7:6:5:4:3:2:1\n", &count), 0);
    assert_int_equal(jobs[0].percentile_count, 20);
    for (size_t i = 0; i < 20; i++)
        assert_true(jobs[0].percentiles[i] == (double)(i + 1));
    /* A later list replaces the earlier one whole. */
    assert_int_equal(parse("[global]\npercentile_list=1:2:3\n[a]\npercentile_list=99\n", &count), 0);
    assert_int_equal(jobs[0].percentile_count, 1);
    assert_true(jobs[0].percentiles[0] == 99.0);
}

static void test_luns(void **state)
{
    (void)state;
    size_t count = 0;
    assert_int_equal(parse("[a]\nluns=hba:1\n[b]\nluns=targets:2-7\n[c]\nluns=first:1000\n[d]\nluns=3:4:300\n"
                           "[e]\nluns=hba:0\nluns=all\n[f]\nluns=targets:9-9\n",
                           &count),
                     0);
    assert_int_equal(count, 6);
    assert_int_equal(jobs[0].luns.kind, LUNSEL_HBA);
    assert_int_equal(jobs[0].luns.hba, 1);
    assert_int_equal(jobs[1].luns.kind, LUNSEL_TARGETS);
    assert_int_equal(jobs[1].luns.target_lo, 2);
    assert_int_equal(jobs[1].luns.target_hi, 7);
    assert_int_equal(jobs[2].luns.kind, LUNSEL_FIRST);
    assert_int_equal(jobs[2].luns.first_n, 1000);
    assert_int_equal(jobs[3].luns.kind, LUNSEL_LIST);
    assert_int_equal(jobs[3].luns.list_count, 1);
    assert_int_equal(jobs[3].luns.list[0].hba, 3);
    assert_int_equal(jobs[3].luns.list[0].target, 4);
    assert_int_equal(jobs[3].luns.list[0].lun, 300);
    assert_int_equal(jobs[4].luns.kind, LUNSEL_ALL);
    expect_option(&jobs[4], 0, "luns", "all", 11);
    assert_int_equal(jobs[5].luns.target_lo, 9);
    assert_int_equal(jobs[5].luns.target_hi, 9);
}

static void test_option_check_for_the_command_line(void **state)
{
    (void)state;
    assert_true(job_option_known("bs"));
    assert_true(job_option_known("blocksize"));
    assert_true(job_option_known("luns"));
    assert_true(job_option_known("filename")); /* known, so that its error says what to do */
    assert_false(job_option_known("BS"));
    assert_false(job_option_known("mode"));
    assert_false(job_option_known(""));
    err[0] = '\0';
    assert_int_equal(job_option_check("iodepth", "32", err, sizeof err), 0);
    assert_int_equal(job_option_check("time_based", NULL, err, sizeof err), 0);
    assert_int_equal(job_option_check("luns", "0:0:1,0:0:2", err, sizeof err), 0);
    assert_int_equal(job_option_check("iodepth", "0", err, sizeof err), -1);
    assert_string_equal(err, "option 'iodepth': must be 1..4096, not 0");
    assert_int_equal(job_option_check("time_based", "", err, sizeof err), -1);
    assert_string_equal(err, "option 'time_based': must be 0 or 1, not ''");
    assert_int_equal(job_option_check("nosuch", "1", err, sizeof err), -1);
    assert_string_equal(err, "unknown option 'nosuch'");
    assert_int_equal(job_option_check("numjobs", "8", err, sizeof err), 0);
    assert_int_equal(job_option_check("numjobs", "65", err, sizeof err), -1);
    assert_string_equal(err, "option 'numjobs': must be 1..64, not 65");
    /* A short buffer gets a cut, terminated message. */
    char small[12];
    assert_int_equal(job_option_check("bs", "4x", small, sizeof small), -1);
    assert_string_equal(small, "option 'bs'");
}

static void test_rw_names(void **state)
{
    (void)state;
    static const char *const names[] = { "read", "write", "randread", "randwrite", "rw", "randrw" };
    size_t count = 0;
    for (int rw = JOB_READ; rw <= JOB_RANDRW; rw++) {
        assert_string_equal(job_rw_name((enum job_rw)rw), names[rw]);
        char text[64];
        snprintf(text, sizeof text, "[a]\nrw=%s\n", names[rw]);
        assert_int_equal(parse(text, &count), 0);
        assert_int_equal(jobs[0].rw, rw);
    }
    assert_int_equal(parse("[a]\nreadwrite=readwrite\n", &count), 0);
    assert_int_equal(jobs[0].rw, JOB_RW);
    expect_option(&jobs[0], 0, "rw", "readwrite", 2);
    assert_string_equal(job_rw_name((enum job_rw)42), "?");
}

static void test_our_job_files(void **state)
{
    (void)state;
    static const struct {
        const char *path, *message;
    } cases[] = {
        { "tests/data/jobs/bad-bs.fio", "tests/data/jobs/bad-bs.fio:6: option 'bs': bad size '4x'" },
        { "tests/data/jobs/bad-numjobs.fio",
          "tests/data/jobs/bad-numjobs.fio:3: option 'numjobs': must be 1..64, not 0" },
        { "tests/data/jobs/bad-filename.fio",
          "tests/data/jobs/bad-filename.fio:2: option 'filename': " NOT_FILENAME },
        { "tests/data/jobs/no-jobs.fio", "tests/data/jobs/no-jobs.fio: no job sections" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len, count = 0;
        uint8_t *text = test_read_file(cases[i].path, &len);
        assert_int_equal(parse_with(cases[i].path, (const char *)text, len, NULL, 0, MAX_TEST_JOBS, &count), -1);
        assert_string_equal(err, cases[i].message);
        free(text);
    }
}

/* A fio example file: parsed as it is, or, where it names files, the error that says so and
 * then what it gives with its filename=/directory= lines commented out (the one change a
 * user makes). */
struct fio_example {
    const char *file;
    const char *error;        /* NULL: parses unchanged */
    const char *error_edited; /* NULL: parses once edited */
    const char *name;
    enum job_rw rw;
    uint32_t bs;
    unsigned iodepth;
    size_t jobs;
};

static void comment_out_files(char *text)
{
    for (char *line = text; line != NULL && *line != '\0';) {
        if (strncmp(line, "filename=", 9) == 0 || strncmp(line, "directory=", 10) == 0)
            line[0] = ';';
        line = strchr(line, '\n');
        if (line != NULL)
            line++;
    }
}

/* filename= is ignored when luns= says where the job runs, wherever luns= comes from. */
static void test_filename_with_luns(void **state)
{
    (void)state;
    size_t count = 0;
    const char *text = "[global]\nluns=first:2\n[a]\nfilename=/dev/sdb\nrw=randread\n";
    assert_int_equal(job_file_parse("f.fio", text, strlen(text), NULL, 0, jobs, MAX_TEST_JOBS, &count, err, sizeof err), 0);
    assert_int_equal(count, 1);
    assert_int_equal(jobs[0].luns.kind, LUNSEL_FIRST);
    const char *alone = "[a]\nfilename=/dev/sdb\n";
    const char *const cmdline[] = { "luns=all" };
    assert_int_equal(job_file_parse("f.fio", alone, strlen(alone), cmdline, 1, jobs, MAX_TEST_JOBS, &count, err, sizeof err), 0);
    assert_int_equal(job_file_parse("f.fio", alone, strlen(alone), NULL, 0, jobs, MAX_TEST_JOBS, &count, err, sizeof err), -1);
    assert_string_equal(err, "f.fio:2: option 'filename': " NOT_FILENAME);
}


/* fio's per-direction values: "R,W,T", an empty field keeps the default, a last value without a
 * comma after it applies to the directions after it. */
static void test_per_direction_values(void **state)
{
    (void)state;
    size_t count = 0;
    assert_int_equal(parse("[a]\nrw=rw\nbs=8k,32k\n[b]\nrw=rw\nbs=,8k\n[c]\nrw=rw\nbs=8k,\n"
                           "[d]\nrw=rw\nrate_iops=100,\nrate=1m,500k\n[e]\nrw=rw\nrate=,2k\nrate_iops_min=5\n"
                           "ratemin=1k,2k,3k\n",
                           &count),
                     0);
    assert_int_equal(count, 5);
    assert_int_equal(jobs[0].bsz[JOB_DDIR_READ].min, 8192);
    assert_int_equal(jobs[0].bsz[JOB_DDIR_WRITE].max, 32768);
    assert_int_equal(jobs[0].bs, 8192);       /* the smallest: offsets are multiples of it */
    assert_int_equal(jobs[0].bs_max, 32768);  /* the largest: buffers are this big */
    assert_int_equal(jobs[1].bsz[JOB_DDIR_READ].min, 4096); /* the default */
    assert_int_equal(jobs[1].bsz[JOB_DDIR_WRITE].min, 8192);
    assert_int_equal(jobs[2].bsz[JOB_DDIR_READ].min, 8192);
    assert_int_equal(jobs[2].bsz[JOB_DDIR_WRITE].min, 4096); /* "8k,": reads only */
    assert_int_equal(jobs[3].rate_iops[JOB_DDIR_READ], 100);
    assert_int_equal(jobs[3].rate_iops[JOB_DDIR_WRITE], 0);
    assert_int_equal(jobs[3].rate_bytes[JOB_DDIR_READ], 1 << 20);
    assert_int_equal(jobs[3].rate_bytes[JOB_DDIR_WRITE], 500 * 1024);
    assert_int_equal(jobs[4].rate_bytes[JOB_DDIR_READ], 0);
    assert_int_equal(jobs[4].rate_bytes[JOB_DDIR_WRITE], 2048);
    assert_int_equal(jobs[4].rate_iops_min[JOB_DDIR_READ], 5);
    assert_int_equal(jobs[4].rate_iops_min[JOB_DDIR_WRITE], 5);
    assert_int_equal(jobs[4].rate_bytes_min[JOB_DDIR_READ], 1024);
    assert_int_equal(jobs[4].rate_bytes_min[JOB_DDIR_WRITE], 2048);
    assert_non_null(find_option(&jobs[4], "rate_min")); /* ratemin is fio's old name for it */
    /* A write-only job's unit is its write size, whatever reads would use. */
    assert_int_equal(parse("[a]\nrw=write\nbs=512,16k\n", &count), 0);
    assert_int_equal(jobs[0].bs, 16384);
}

static void test_block_size_options(void **state)
{
    (void)state;
    size_t count = 0;
    /* iometer-file-access-server.fio's mix. */
    assert_int_equal(parse("[a]\nrw=randrw\nbssplit=512/10:1k/5:2k/5:4k/60:8k/2:16k/4:32k/4:64k/10\n", &count), 0);
    const struct job_block_sizes *b = &jobs[0].bsz[JOB_DDIR_WRITE];
    assert_int_equal(b->split_count, 8);
    assert_int_equal(b->split[3].bs, 4096);
    assert_int_equal(b->split[3].percent, 60);
    assert_int_equal(b->min, 512);
    assert_int_equal(b->max, 65536);
    assert_int_equal(jobs[0].bs, 512);
    assert_int_equal(jobs[0].bs_max, 65536);
    /* Open shares split what is left: 4k/50:8k/:16k/ is 50, 25, 25; a remainder goes to the last. */
    assert_int_equal(parse("[a]\nbssplit=4k/50:8k/:16k/\n[b]\nbssplit=4k/:8k/:16k/,64k/100\n[c]\nrw=rw\n"
                           "bssplit=4k/100,8k/100\nbs=16k\n",
                           &count),
                     0);
    assert_int_equal(jobs[0].bsz[0].split[1].percent, 25);
    assert_int_equal(jobs[0].bsz[0].split[2].percent, 25);
    assert_int_equal(jobs[1].bsz[0].split[0].percent, 33);
    assert_int_equal(jobs[1].bsz[0].split[2].percent, 34);
    assert_int_equal(jobs[1].bsz[1].split[0].bs, 65536);
    assert_int_equal(jobs[2].bsz[0].split_count, 0); /* the later bs= decides */
    assert_int_equal(jobs[2].bsz[1].min, 16384);
    assert_int_equal(parse("[a]\nbsrange=4k-16k\n[b]\nrw=rw\nblocksize_range=1k:4k,2k-8k\n"
                           "blocksize_unaligned=0\n[c]\nbs=2m\n",
                           &count),
                     0);
    assert_int_equal(jobs[0].bsz[0].min, 4096);
    assert_int_equal(jobs[0].bsz[0].max, 16384);
    assert_int_equal(jobs[1].bsz[1].min, 2048);
    assert_int_equal(jobs[1].bsz[1].max, 8192);
    assert_int_equal(jobs[1].bs, 1024);
    assert_int_equal(jobs[2].bs, 2 << 20); /* dev-dax.fio's: the HBA's max_sectors is the limit */
    expect_option(&jobs[1], 1, "bsrange", "1k:4k,2k-8k", 5);
    static const struct {
        const char *text, *message;
    } cases[] = {
        { "[a]\nbssplit=4k/50:8k/40\n", "t.fio:2: option 'bssplit': the percentages in '4k/50:8k/40' add up to 90, not 100" },
        { "[a]\nbssplit=4k/70:8k/40:16k/\n",
          "t.fio:2: option 'bssplit': the percentages in '4k/70:8k/40:16k/' add up to 110, not 100" },
        { "[a]\nbssplit=4k\n", "t.fio:2: option 'bssplit': bad entry '4k' (SIZE/PERCENT)" },
        { "[a]\nbssplit=4k/50::8k/50\n", "t.fio:2: option 'bssplit': bad entry '' in '4k/50::8k/50' (SIZE/PERCENT)" },
        { "[a]\nbssplit=4k/x\n", "t.fio:2: option 'bssplit': bad percentage 'x' for 4k (0..100)" },
        { "[a]\nbssplit=1000/100\n", "t.fio:2: option 'bssplit': block size 1000 is not a multiple of 512 from 512 to 256m" },
        { "[a]\nbssplit=4k/50:6k/50\n",
          "t.fio:2: the read sizes must be multiples of the job's smallest, 4096 (lunbench tracks each region in units of it)" },
        { "[a]\nrw=rw\nbs=8k,12k\n",
          "t.fio:3: the write sizes must be multiples of the job's smallest, 8192 (lunbench tracks each region in units of it)" },
        { "[a]\nbsrange=16k-4k\n", "t.fio:2: option 'bsrange': range '16k-4k' has its minimum above its maximum" },
        { "[a]\nbsrange=4k\n", "t.fio:2: option 'bsrange': bad range '4k' (MIN-MAX)" },
        { "[a]\nbs=4k,8k,16k,32k\n",
          "t.fio:2: option 'bs': more than three comma-separated values (reads, writes, trims) in '4k,8k,16k,32k'" },
        { "[a]\nbs=4k,,1x\n", "t.fio:2: option 'bs': bad size '1x'" }, /* the trim value is checked too */
        { "[a]\nblocksize_unaligned\n",
          "t.fio:2: option 'blocksize_unaligned': not supported: SCSI moves whole logical blocks, and lunbench keeps "
          "every I/O a multiple of the job's smallest block size" },
        { "[a]\nbs_unaligned=1\n",
          "t.fio:2: option 'bs_unaligned': not supported: SCSI moves whole logical blocks, and lunbench keeps every "
          "I/O a multiple of the job's smallest block size" },
        { "[a]\nrw=write\nverify=crc32c\nbsrange=4k-8k\n",
          "t.fio:4: a verified sequential write (a durable pass over the region) takes one block size, not a range or split" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_error(cases[i].text, cases[i].message);
}

/* fio's steady-state options: the four criteria, the ':N%' form, the default, ss_dur and ss_ramp. */
static void test_steadystate_options(void **state)
{
    (void)state;
    size_t count = 0;
    assert_int_equal(parse("[a]\nss=iops:10%\nss_dur=30s\nss_ramp=10s\n[b]\nsteadystate=bw_slope:1%\nss_dur=1m\n"
                           "[c]\nss=bw:2000000\n[d]\nss_dur=5\n",
                           &count),
                     0);
    assert_true(!jobs[0].ss_bw && !jobs[0].ss_slope && jobs[0].ss_pct && jobs[0].ss_limit == 10.0);
    assert_int_equal(jobs[0].ss_dur_s, 30);
    assert_int_equal(jobs[0].ss_ramp_ms, 10000);
    assert_true(jobs[1].ss_bw && jobs[1].ss_slope && jobs[1].ss_pct && jobs[1].ss_limit == 1.0);
    assert_int_equal(jobs[1].ss_dur_s, 60);
    assert_true(jobs[2].ss_bw && !jobs[2].ss_slope && !jobs[2].ss_pct && jobs[2].ss_limit == 2000000.0);
    assert_int_equal(jobs[2].ss_dur_s, 0); /* no window: off */
    assert_true(!jobs[3].ss_bw && jobs[3].ss_slope && jobs[3].ss_pct && jobs[3].ss_limit == 0.01); /* fio's default */
    expect_option(&jobs[0], 0, "steadystate", "iops:10%", 2); /* ss is fio's alias */
}

/* fio's verify methods, and verify_backlog, verify_fatal, verify_dump. */
static void test_verify_methods(void **state)
{
    (void)state;
    size_t count = 0;
    assert_int_equal(parse("[m]\nverify=md5\nverify_backlog=16\nverify_fatal=1\nverify_dump=1\n[s1]\nverify=sha1\n"
                           "[s2]\nverify=sha256\n[x]\nverify=xxhash\n[c]\nverify=crc32c-intel\n",
                           &count),
                     0);
    static const enum stamp_method methods[] = { STAMP_MD5, STAMP_SHA1, STAMP_SHA256, STAMP_XXHASH, STAMP_CRC32C };
    for (size_t i = 0; i < 5; i++) {
        assert_true(jobs[i].verify);
        assert_int_equal(jobs[i].verify_method, methods[i]);
    }
    assert_int_equal(jobs[0].verify_backlog, 16);
    assert_true(jobs[0].verify_fatal && jobs[0].verify_dump);
    assert_int_equal(jobs[1].verify_backlog, 0);
    assert_false(jobs[1].verify_fatal || jobs[1].verify_dump);

    /* surface-scan.fio's: verify=meta with a pattern, verify_interval, fill_device; verify_pattern
     * alone means fio's header and pattern (meta here), a verify= after it wins, verify=pattern. */
    assert_int_equal(parse("[global]\nverify=meta\nverify_pattern=0xaa555aa5\nverify_interval=512\n"
                           "[w]\nrw=write\nfill_device=1\n[p]\nverify_pattern=\"ab\"0x0d0a-12\n"
                           "[q]\nverify_pattern=0xff0x14\nverify=md5\n[r]\nverify=pattern\nverify_pattern=256\n"
                           "[f]\nfill_fs\nverify=header\n",
                           &count),
                     0);
    assert_int_equal(count, 5);
    static const uint8_t aa[] = { 0xaa, 0x55, 0x5a, 0xa5 };
    assert_true(jobs[0].verify && jobs[0].verify_method == STAMP_META && jobs[0].fill_device);
    assert_int_equal(jobs[0].verify_pattern_len, 4);
    assert_memory_equal(jobs[0].verify_pattern, aa, 4);
    assert_int_equal(jobs[0].verify_interval, 512);
    expect_option(&jobs[0], 4, "fill_device", "1", 7);
    static const uint8_t p1[] = { 'a', 'b', 0x0d, 0x0a, 0xf4, 0xff, 0xff, 0xff };
    assert_int_equal(jobs[1].verify_method, STAMP_META); /* [global]'s verify=meta */
    assert_int_equal(jobs[1].verify_pattern_len, sizeof p1);
    assert_memory_equal(jobs[1].verify_pattern, p1, sizeof p1);
    assert_false(jobs[1].fill_device);
    static const uint8_t p2[] = { 0xff, 0x14 };
    assert_int_equal(jobs[2].verify_method, STAMP_MD5);
    assert_memory_equal(jobs[2].verify_pattern, p2, 2);
    static const uint8_t p3[] = { 0x00, 0x01 };
    assert_int_equal(jobs[3].verify_method, STAMP_PATTERN);
    assert_int_equal(jobs[3].verify_pattern_len, 2);
    assert_memory_equal(jobs[3].verify_pattern, p3, 2);
    assert_true(jobs[4].fill_device && jobs[4].verify_method == STAMP_META);
    /* verify_pattern without verify=: fio's VERIFY_PATTERN, a header and the pattern. */
    assert_int_equal(parse("[a]\nverify_pattern=0\n", &count), 0);
    assert_true(jobs[0].verify && jobs[0].verify_method == STAMP_META && jobs[0].verify_pattern_len == 1);
    assert_int_equal(jobs[0].verify_pattern[0], 0); /* fio's 0: one zero byte */
    assert_int_equal(parse("[a]\nverify=0\nverify_pattern=7\n", &count), 0); /* verify= given: fio keeps it */
    assert_false(jobs[0].verify);
}

static void test_rw_modifier(void **state)
{
    (void)state;
    size_t count = 0;
    assert_int_equal(parse("[a]\nrw=read:-8k\n[b]\nreadwrite=write:112k\nbs=16k\n[c]\nrw=randread:8\n[d]\nrw=rw:4k\n"
                           "rw=read\n",
                           &count),
                     0);
    assert_int_equal(jobs[0].rw, JOB_READ);
    assert_int_equal(jobs[0].seq_add, -8192);
    assert_int_equal(jobs[1].rw, JOB_WRITE);
    assert_int_equal(jobs[1].seq_add, 112 * 1024);
    assert_int_equal(jobs[2].rw, JOB_RANDREAD);
    assert_int_equal(jobs[2].seq_nr, 8);
    assert_int_equal(jobs[2].seq_add, 0);
    assert_int_equal(jobs[3].seq_add, 0); /* a later rw= without a modifier drops it */
    expect_option(&jobs[0], 0, "rw", "read:-8k", 2);
    /* The trim patterns (fio's DDIR_TRIM): their direction, offsets, modifiers and the T of bs=R,W,T. */
    assert_int_equal(parse("[t]\nrw=trim:16k\nbs=4k,8k,16k\n[rt]\nrw=randtrim:4\n[tw]\nrw=trimwrite\nbs=4k,8k,16k\n"
                           "[rtw]\nrw=randtrimwrite\n",
                           &count),
                     0);
    assert_int_equal(count, 4);
    assert_int_equal(jobs[0].rw, JOB_TRIM);
    assert_int_equal(jobs[0].seq_add, 16384);
    assert_int_equal(jobs[0].bsz[JOB_DDIR_TRIM].min, 16384);
    assert_int_equal(jobs[0].bs, 16384); /* a trim job's unit is its trim size */
    assert_true(job_does_dir(&jobs[0], JOB_DDIR_TRIM) && !job_does_dir(&jobs[0], JOB_DDIR_WRITE));
    assert_false(job_random_offsets(&jobs[0]));
    assert_int_equal(jobs[1].rw, JOB_RANDTRIM);
    assert_int_equal(jobs[1].seq_nr, 4);
    assert_true(job_random_offsets(&jobs[1]));
    assert_true(job_does_dir(&jobs[2], JOB_DDIR_TRIM) && job_does_dir(&jobs[2], JOB_DDIR_WRITE));
    assert_false(job_does_dir(&jobs[2], JOB_DDIR_READ));
    assert_int_equal(jobs[2].bs, 8192);
    assert_int_equal(jobs[2].bs_max, 16384);
    char bs[48];
    job_bs_text(&jobs[2], bs, sizeof bs);
    assert_string_equal(bs, "w 8192, t 16384");
    assert_true(job_random_offsets(&jobs[3]) && job_changes_data(&jobs[3]));
    assert_string_equal(job_rw_name(jobs[3].rw), "randtrimwrite");
    static const struct {
        const char *text, *message;
    } cases[] = {
        { "[a]\nrw=read:1000\n",
          "t.fio:2: option 'rw': bad ':N' modifier '1000' (bytes to skip after each I/O, a multiple of 512, '-' for "
          "backwards)" },
        { "[a]\nrw=read:\n",
          "t.fio:2: option 'rw': bad ':N' modifier '' (bytes to skip after each I/O, a multiple of 512, '-' for "
          "backwards)" },
        { "[a]\nrw=randread:0\n",
          "t.fio:2: option 'rw': bad ':N' modifier '0' (for a random pattern: I/Os per random offset, >= 1)" },
        { "[a]\nrw=read:6k\nbs=4k\n", "t.fio:2: option 'rw': the skip of 6144 bytes is not a multiple of the block size 4096" },
        { "[a]\nrw=write:4k\nverify=crc32c\n",
          "t.fio:2: option 'rw': a verified sequential write (a durable pass over the region) cannot skip with ':N'" },
        { "[a]\nrw=trim:6k\nbs=4k\n", "t.fio:2: option 'rw': the skip of 6144 bytes is not a multiple of the block size 4096" },
        { "[a]\nrw=sequential\n",
          "t.fio:2: option 'rw': bad value 'sequential' (read, write, randread, randwrite, rw, readwrite, randrw, trim, "
          "randtrim, trimwrite, randtrimwrite)" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_error(cases[i].text, cases[i].message);
}

static void test_random_distribution(void **state)
{
    (void)state;
    size_t count = 0;
    assert_int_equal(parse("[a]\nrandom_distribution=zipf:0.5\n[b]\nrandom_distribution=pareto:0.9:0.25\n"
                           "[c]\nrandom_distribution=normal:10,random\n[d]\nrandom_distribution=zoned:50/5:30/15:20/\n"
                           "[e]\nrandom_distribution=zoned_abs:60/20g:30/100g:10/500g\npercentage_random=50,0\n",
                           &count),
                     0);
    assert_int_equal(jobs[0].dist[0].kind, JOB_DIST_ZIPF);
    assert_true(jobs[0].dist[0].param == 0.5 && jobs[0].dist[0].center < 0);
    assert_int_equal(jobs[0].dist[1].kind, JOB_DIST_ZIPF);
    assert_int_equal(jobs[1].dist[0].kind, JOB_DIST_PARETO);
    assert_true(jobs[1].dist[0].param == 0.9 && jobs[1].dist[0].center == 0.25);
    assert_int_equal(jobs[2].dist[0].kind, JOB_DIST_NORMAL);
    assert_int_equal(jobs[2].dist[1].kind, JOB_DIST_RANDOM);
    const struct job_distribution *z = &jobs[3].dist[0];
    assert_int_equal(z->kind, JOB_DIST_ZONED);
    assert_int_equal(z->zone_count, 3);
    assert_int_equal(z->zones[1].access_percent, 30);
    assert_int_equal(z->zones[1].size, 15);
    assert_true(z->zones[2].size == UINT64_MAX); /* "20/": the rest of the region */
    z = &jobs[4].dist[1];
    assert_int_equal(z->kind, JOB_DIST_ZONED_ABS);
    assert_true(z->zones[0].size == 20ull << 30);
    assert_int_equal(jobs[4].percentage_random[0], 50);
    assert_int_equal(jobs[4].percentage_random[1], 0);
    assert_int_equal(jobs[3].percentage_random[0], 100); /* the default */
    static const struct {
        const char *text, *message;
    } cases[] = {
        { "[a]\nrandom_distribution=zipf:1\n", "t.fio:2: option 'random_distribution': zipf's theta must be above 0 and not 1" },
        { "[a]\nrandom_distribution=zipf\n", "t.fio:2: option 'random_distribution': 'zipf' needs a number: zipf:THETA" },
        { "[a]\nrandom_distribution=pareto:1.5\n",
          "t.fio:2: option 'random_distribution': pareto's h must be between 0 and 1" },
        { "[a]\nrandom_distribution=normal:101\n",
          "t.fio:2: option 'random_distribution': normal's deviation must be 0..100" },
        { "[a]\nrandom_distribution=normal:-1\n",
          "t.fio:2: option 'random_distribution': 'normal' needs a number: normal:DEV" },
        { "[a]\nrandom_distribution=zipf:1.2:2\n", "t.fio:2: option 'random_distribution': bad center '2' (0..1)" },
        { "[a]\nrandom_distribution=gauss\n",
          "t.fio:2: option 'random_distribution': bad distribution 'gauss' (random, zipf:THETA, pareto:H, normal:DEV, "
          "zoned:..., zoned_abs:...)" },
        { "[a]\nrandom_distribution=random:1\n", "t.fio:2: option 'random_distribution': 'random' takes no parameter" },
        { "[a]\nrandom_distribution=zoned:50/5:30/15\n",
          "t.fio:2: option 'random_distribution': the zones' access percentages add up to 80, not 100" },
        { "[a]\nrandom_distribution=zoned:50/60:50/60\n",
          "t.fio:2: option 'random_distribution': the zones' ranges add up to 120% of the region" },
        { "[a]\nrandom_distribution=zoned:50\n",
          "t.fio:2: option 'random_distribution': bad zone '50' (ACCESS%/RANGE%, ACCESS 0..100)" },
        { "[a]\nrandom_distribution=zoned_abs:100/1x\n", "t.fio:2: option 'random_distribution': bad zone size '1x'" },
        { "[a]\nrandom_distribution=zoned\n",
          "t.fio:2: option 'random_distribution': 'zoned' needs its zones (ACCESS/RANGE:...)" },
        { "[a]\npercentage_random=101\n", "t.fio:2: option 'percentage_random': must be 0..100, not 101" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_error(cases[i].text, cases[i].message);
}

static void test_rate_options(void **state)
{
    (void)state;
    size_t count = 0;
    assert_int_equal(parse("[a]\nrate_iops=50\nrate_process=poisson\nio_submit_mode=offload\nloops=3\n"
                           "[b]\nrate_process=linear\nio_submit_mode=inline\n",
                           &count),
                     0);
    assert_int_equal(jobs[0].rate_process, JOB_RATE_POISSON);
    assert_int_equal(jobs[0].loops, 3);
    assert_int_equal(jobs[1].rate_process, JOB_RATE_LINEAR);
    assert_int_equal(jobs[1].loops, 1);
    expect_option(&jobs[0], 2, "io_submit_mode", "offload", 4);
    assert_int_equal(parse("[a]\nfsync=32\nend_fsync=1\n[b]\nfdatasync=1\nfsync_on_close=1\nend_fsync=1\n"
                           "end_fsync=0\n[c]\n",
                           &count),
                     0);
    assert_int_equal(jobs[0].fsync_blocks, 32);
    assert_int_equal(jobs[0].end_syncs, 1);
    assert_int_equal(jobs[1].fdatasync_blocks, 1);
    assert_int_equal(jobs[1].end_syncs, 1); /* fsync_on_close; end_fsync was turned off again */
    assert_int_equal(jobs[2].end_syncs, 0);
    assert_int_equal(jobs[2].fsync_blocks, 0);
    assert_int_equal(parse("[a]\nthinktime=500\nthinktime_spin=2ms\nthinktime_blocks=8\nthinktime_blocks_type=issue\n"
                           "disable_lat=1\ndisable_bw=1\nclat_percentiles=0\nlat_percentiles=1\nsignificant_figures=6\n"
                           "[b]\nthinktime=1s\n",
                           &count),
                     0);
    assert_int_equal(jobs[0].thinktime_us, 500);
    assert_int_equal(jobs[0].thinktime_spin_us, 2000);
    assert_int_equal(jobs[0].thinktime_blocks, 8);
    assert_true(jobs[0].thinktime_on_issue && jobs[0].disable_lat && jobs[0].disable_bw && jobs[0].lat_percentiles);
    assert_false(jobs[0].clat_percentiles || jobs[0].disable_clat || jobs[0].slat_percentiles);
    assert_non_null(find_option(&jobs[0], "disable_bw_measurement")); /* fio's name for disable_bw */
    assert_int_equal(jobs[1].thinktime_us, 1000000);
    assert_int_equal(jobs[1].thinktime_blocks, 1);
    assert_true(jobs[1].clat_percentiles);
    assert_int_equal(parse("[a]\nzonemode=strided\nzonesize=256m\nzoneskip=2g\n[b]\nzonemode=strided\nzonesize=64k\n"
                           "zonerange=1m\n[c]\nzonemode=none\n",
                           &count),
                     0);
    assert_true(jobs[0].zone_size == 256ull << 20 && jobs[0].zone_range == 256ull << 20);
    assert_true(jobs[0].zone_skip == 2ull << 30);
    assert_true(jobs[1].zone_range == 1 << 20);
    assert_int_equal(jobs[2].zone_size, 0);
    assert_int_equal(parse("[a]\nbuffer_pattern=0x5\"xy\"0xdeadbeef\nexitall\n[b]\nzero_buffers\nrefill_buffers\n"
                           "scramble_buffers=0\nexitall_on_error=1\n[c]\nzero_buffers=1\nzero_buffers=0\n",
                           &count),
                     0);
    static const uint8_t pattern[] = { 0x05, 'x', 'y', 0xde, 0xad, 0xbe, 0xef };
    assert_int_equal(jobs[0].buffers, JOB_BUFFERS_PATTERN);
    assert_int_equal(jobs[0].verify_pattern_len, 0); /* buffer_pattern is not verify_pattern */
    assert_int_equal(jobs[0].pattern_len, sizeof pattern);
    assert_memory_equal(jobs[0].pattern, pattern, sizeof pattern);
    assert_true(jobs[0].exitall && !jobs[0].exitall_on_error && jobs[0].scramble_buffers);
    assert_int_equal(jobs[1].buffers, JOB_BUFFERS_ZERO);
    assert_true(jobs[1].refill_buffers && !jobs[1].scramble_buffers && jobs[1].exitall_on_error);
    assert_int_equal(jobs[2].buffers, JOB_BUFFERS_RANDOM);
    assert_int_equal(parse("[a]\ncontinue_on_error=all\n[b]\ncontinue_on_error=1\n", &count), 0);
    assert_int_equal(parse("[a]\ntimeout=60\n", &count), 0); /* fio's old name for runtime */
    assert_int_equal(jobs[0].runtime_ms, 60000);
    expect_option(&jobs[0], 0, "runtime", "60", 2);
    static const struct {
        const char *text, *message;
    } cases[] = {
        { "[a]\nrate_process=burst\n", "t.fio:2: option 'rate_process': bad value 'burst' (linear or poisson)" },
        { "[a]\nio_submit_mode=threads\n", "t.fio:2: option 'io_submit_mode': bad value 'threads' (inline or offload)" },
        { "[a]\nrate=1x\n", "t.fio:2: option 'rate': bad size '1x'" },
        { "[a]\nrate_iops=,y\n", "t.fio:2: option 'rate_iops': bad number 'y'" },
        { "[a]\nloops=0\n", "t.fio:2: option 'loops': must be 1..4294967295, not 0" },
        { "[a]\nthinktime=1.5ms\n",
          "t.fio:2: option 'thinktime': bad time '1.5ms' (a whole number of microseconds, or with us, ms, s, m, h or d)" },
        { "[a]\nbuffer_pattern=x1234\n",
          "t.fio:2: option 'buffer_pattern': bad pattern 'x1234' (quoted strings, 0x hex and decimal numbers)" },
        { "[a]\nbuffer_pattern=\"abc\n", "t.fio:2: option 'buffer_pattern': unterminated string in '\"abc'" },
        { "[a]\nbuffer_pattern=0x\n", "t.fio:2: option 'buffer_pattern': bad hex number in '0x'" },
        { "[a]\nbuffer_pattern=\"\"\n", "t.fio:2: option 'buffer_pattern': empty pattern" },
        { "[a]\nscramble_buffers\n", "t.fio:2: option 'scramble_buffers': needs a value (0 or 1)" },
        { "[a]\ncontinue_on_error=none\n",
          "t.fio:2: option 'continue_on_error': only 'all' (or 1) is supported: lunbench goes on after every failed "
          "I/O and verify, counting each, not 'none'" },
        { "[a]\nexitall=2\n", "t.fio:2: option 'exitall': must be 0 or 1, not '2'" },
        { "[a]\nss=iops:-1%\n", "t.fio:2: option 'ss': bad value 'iops:-1%' (iops:N, iops_slope:N, bw:N or bw_slope:N; N a "
                              "limit, or N% of the mean)" },
        { "[a]\nsteadystate=latency:1\n", "t.fio:2: option 'steadystate': bad value 'latency:1' (iops:N, iops_slope:N, bw:N "
                                     "or bw_slope:N; N a limit, or N% of the mean)" },
        { "[a]\nss_dur=1500ms\n", "t.fio:2: option 'ss_dur': '1500ms': whole seconds from 0 to 300 (one sample a second)" },
        { "[a]\nss_dur=301\n", "t.fio:2: option 'ss_dur': '301': whole seconds from 0 to 300 (one sample a second)" },
        { "[a]\nrandom_generator=xorshift\n",
          "t.fio:2: option 'random_generator': 'xorshift' is not one of tausworthe, lfsr, tausworthe64" },
        { "[a]\nrw=randread\nrandom_generator=lfsr\nrandom_distribution=zipf:1.2\n",
          "t.fio:3: option 'random_generator': lfsr draws every block once, evenly: it goes with "
          "random_distribution=random only" },
        { "[a]\nignore_error=EIO\n",
          "t.fio:2: option 'ignore_error': not supported: lunbench counts every failed I/O by its SCSI outcome and "
          "goes on (fio's continue_on_error=all); fio's errno lists do not map onto SCSI sense" },
        { "[a]\nlatency_percentile=100.5\n",
          "t.fio:2: option 'latency_percentile': must be a percentage above 0, at most 100, not '100.5'" },
        { "[a]\nlatency_target=5x\n", "t.fio:2: option 'latency_target': bad time '5x' (a whole number of "
          "microseconds, or with us, ms, s, m, h or d)" },
        { "[a]\nzonemode=zbd\n",
          "t.fio:2: option 'zonemode': zbd is not supported: lunbench drives no zoned block devices (ZBC)" },
        { "[a]\nzonemode=striped\n", "t.fio:2: option 'zonemode': bad value 'striped' (none, strided)" },
        { "[a]\nzonesize=1m\n",
          "t.fio:2: zonesize, zonerange and zoneskip need zonemode=strided (fio: zonemode=none and zonesize are not "
          "compatible)" },
        { "[a]\nzonemode=strided\n", "t.fio:2: option 'zonemode': strided needs a zonesize" },
        { "[a]\nzonemode=strided\nzonesize=6k\n",
          "t.fio:2: zonesize, zonerange and zoneskip must be multiples of the block size 4096" },
        { "[a]\nzoneskip=100\n", "t.fio:2: option 'zoneskip': must be a multiple of 512, not 100" },
        { "[a]\nthinktime_blocks=0\n", "t.fio:2: option 'thinktime_blocks': must be 1..4294967295, not 0" },
        { "[a]\nthinktime_blocks_type=submit\n",
          "t.fio:2: option 'thinktime_blocks_type': bad value 'submit' (complete or issue)" },
        { "[a]\ndisable_lat\n", "t.fio:2: option 'disable_lat': needs a value (0 or 1)" },
        { "[a]\nclat_percentiles=2\n", "t.fio:2: option 'clat_percentiles': must be 0 or 1, not '2'" },
        { "[a]\nsignificant_figures=11\n", "t.fio:2: option 'significant_figures': must be 1..10, not 11" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_error(cases[i].text, cases[i].message);
}

static void test_fio_examples(void **state)
{
    (void)state;
    static const struct fio_example examples[] = {
        { "null.fio", NULL, NULL, "null", JOB_RANDREAD, 4096, 1, 1 },
        { "fio-rand-read.fio", "fio-rand-read.fio:5: option 'filename': " NOT_FILENAME,
          NULL, "file1", JOB_RANDREAD, 4096, 16, 1 },
        { "fio-seq-read.fio", "fio-seq-read.fio:3: option 'filename': " NOT_FILENAME,
          NULL, "file1", JOB_READ, 256 * 1024, 16, 1 },
        { "fio-seq-write.fio", "fio-seq-write.fio:5: option 'filename': " NOT_FILENAME,
          NULL, "file1", JOB_WRITE, 256 * 1024, 16, 1 },
        { "basic-verify.fio", "basic-verify.fio:12: option 'filename': " NOT_FILENAME,
          NULL, "write-and-verify", JOB_RANDWRITE, 4096, 16, 1 },
        { "aio-read.fio", "aio-read.fio:8: option 'directory': " NOT_FILENAME,
          NULL, "file1", JOB_RANDREAD, 128 * 1024, 4, 4 },
        /* numjobs=4: four clones of the one job (a name= in [global] renames no job, as in fio). */
        { "fio-rand-RW.fio", "fio-rand-RW.fio:5: option 'filename': " NOT_FILENAME, NULL, "file1", JOB_RANDRW,
          4096, 16, 1 },
    };
    for (size_t i = 0; i < sizeof examples / sizeof examples[0]; i++) {
        const struct fio_example *e = &examples[i];
        char path[128];
        snprintf(path, sizeof path, "tests/data/jobs/fio-examples/%s", e->file);
        size_t len, count = 0;
        uint8_t *raw = test_read_file(path, &len);
        char *text = malloc(len + 1);
        assert_non_null(text);
        memcpy(text, raw, len);
        text[len] = '\0';
        free(raw);
        int ret = parse_with(e->file, text, len, NULL, 0, MAX_TEST_JOBS, &count);
        if (e->error != NULL) {
            assert_int_equal(ret, -1);
            assert_string_equal(err, e->error);
            /* Unchanged, with luns= from the command line: filename= is then ignored. */
            static const char *const luns_all[] = { "luns=all" };
            ret = parse_with(e->file, text, len, luns_all, 1, MAX_TEST_JOBS, &count);
            if (e->error_edited != NULL) {
                assert_int_equal(ret, -1);
                assert_string_equal(err, e->error_edited);
                free(text);
                continue;
            }
        }
        if (ret != 0)
            fail_msg("%s: %s", e->file, err);
        assert_int_equal(count, e->jobs);
        assert_string_equal(jobs[0].name, e->name);
        assert_int_equal(jobs[0].rw, e->rw);
        assert_int_equal(jobs[0].bs, e->bs);
        assert_int_equal(jobs[0].iodepth, e->iodepth);
        free(text);
    }
}

/* What the fio examples ask for beyond rw/bs/iodepth. */
static void test_fio_example_details(void **state)
{
    (void)state;
    size_t len, count = 0;
    uint8_t *text = test_read_file("tests/data/jobs/fio-examples/null.fio", &len);
    assert_int_equal(parse_with("null.fio", (const char *)text, len, NULL, 0, MAX_TEST_JOBS, &count), 0);
    free(text);
    assert_int_equal(jobs[0].size, 100ull << 30);
    assert_false(jobs[0].time_based);
    expect_option(&jobs[0], 0, "bs", "4k", 2);
    expect_option(&jobs[0], 1, "gtod_reduce", "1", 3);
    expect_option(&jobs[0], 2, "ioengine", "null", 6);
    expect_option(&jobs[0], 5, "norandommap", "", 9);

    text = test_read_file("tests/data/jobs/fio-examples/aio-read.fio", &len);
    char *edited = malloc(len + 1);
    assert_non_null(edited);
    memcpy(edited, text, len);
    edited[len] = '\0';
    free(text);
    comment_out_files(edited);
    assert_int_equal(parse_with("aio-read.fio", edited, len, NULL, 0, MAX_TEST_JOBS, &count), 0);
    free(edited);
    static const unsigned depths[] = { 4, 32, 8, 16 };
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(jobs[i].iodepth, depths[i]);
        assert_int_equal(jobs[i].size, 512u << 20);
        assert_int_equal(jobs[i].line, 10 + 3 * i);
    }
}

/* The job lunbench runs when it is given none (bench/default_job.c) is in the subset. */
static void test_builtin_default_job(void **state)
{
    (void)state;
    size_t count = 0;
    if (parse_with(bench_default_job_name, bench_default_job, strlen(bench_default_job), NULL, 0, MAX_TEST_JOBS,
                   &count) != 0)
        fail_msg("%s", err);
    assert_true(count >= 1);
    assert_string_equal(jobs[0].source, bench_default_job_name);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_times),
        cmocka_unit_test(test_two_jobs_file),
        cmocka_unit_test(test_overrides_come_last),
        cmocka_unit_test(test_syntax),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_percentile_list),
        cmocka_unit_test(test_luns),
        cmocka_unit_test(test_option_check_for_the_command_line),
        cmocka_unit_test(test_rw_names),
        cmocka_unit_test(test_our_job_files),
        cmocka_unit_test(test_filename_with_luns),
        cmocka_unit_test(test_per_direction_values),
        cmocka_unit_test(test_block_size_options),
        cmocka_unit_test(test_rw_modifier),
        cmocka_unit_test(test_verify_methods),
        cmocka_unit_test(test_steadystate_options),
        cmocka_unit_test(test_random_distribution),
        cmocka_unit_test(test_rate_options),
        cmocka_unit_test(test_fio_examples),
        cmocka_unit_test(test_fio_example_details),
        cmocka_unit_test(test_builtin_default_job),
    };
    return cmocka_run_group_tests_name("jobfile", tests, NULL, NULL);
}
