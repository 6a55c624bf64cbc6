/*
 * fio-style job files (bench/job.h; the options are listed in docs/jobs.md): the INI layer
 * (sections, comments, key=value) and one table of the options lunbench knows, each with the
 * function that checks its value and applies it to a job. Where fio's HOWTO and fio 3.33's
 * parser disagree, lunbench refuses the ambiguous form rather than pick one.
 */
#include "bench/job.h"

#include <ctype.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/stamp.h"

/* fio's OPT_LEN_MAX is larger; 1023 holds a luns= list of LUNSEL_LIST_MAX "255:255:16383". */
#define JOB_LINE_MAX 1024
#define JOB_WHY_MAX 200
#define JOB_SECTOR 512u          /* the smallest SCSI logical block: bs and offset are multiples */
#define JOB_BS_MAX (256u << 20) /* fio has no cap; buffers are iodepth x the largest bs */
#define JOB_IODEPTH_MAX 4096u
#define JOB_HBA_MAX 255u
#define JOB_TARGET_MAX 255u      /* QEMU's max_target (inclusive) */
#define JOB_LUN_MAX 16383u       /* flat LUN addressing: 14 bits; QEMU's max_lun */

/* Checks value (NULL: a bare key) and applies it to job; -1 with the reason in why. */
typedef int (*job_apply_fn)(struct job_spec *job, const char *value, char *why, size_t why_len);

struct job_option_def {
    const char *name;
    const char *fio_name; /* the name fio prints in "job options" when name is an alias */
    job_apply_fn apply;   /* NULL: a bool option (0 or 1) or a time stored at field, or refused */
    size_t field;
    bool bare;            /* the bool option may stand alone for 1 (fio's "set" options) */
    const char *refused;  /* fio's option, refused for this reason */
    bool time_us;         /* field is a uint64_t time in microseconds (time_us_value), not a bool */
};

#define BOOL_FIELD(name) NULL, NULL, offsetof(struct job_spec, name)
#define BOOL_ALIAS(fio, name) fio, NULL, offsetof(struct job_spec, name)
#define FLAG_FIELD(name) NULL, NULL, offsetof(struct job_spec, name), true
#define REFUSED(why) NULL, NULL, 0, false, why
#define TIME_FIELD(name) NULL, NULL, offsetof(struct job_spec, name), false, NULL, true

#define TRIM_VERIFY "fio's trim verification (trim_percentage of the verified blocks trimmed, then read back " \
                    "as zeros: trim_verify_zero, trim_backlog) is not implemented; rw=trim, randtrim and trimwrite " \
                    "send UNMAP"

/* ---- values ---- */

static int need_value(const char *value, char *why, size_t why_len)
{
    if (value != NULL)
        return 0;
    snprintf(why, why_len, "needs a value");
    return -1;
}

/* One or more decimal digits at *p, no sign; advances *p. */
static int parse_decimal(const char **p, uint64_t *out)
{
    const char *s = *p;
    uint64_t v = 0;
    if (!isdigit((unsigned char)*s))
        return -1;
    for (; isdigit((unsigned char)*s); s++) {
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *p = s;
    *out = v;
    return 0;
}

static int parse_decimal_upto(const char **p, uint64_t max, unsigned *out)
{
    uint64_t v;
    if (parse_decimal(p, &v) != 0 || v > max)
        return -1;
    *out = (unsigned)v;
    return 0;
}

int job_parse_size(const char *text, uint64_t *bytes)
{
    const char *p = text;
    uint64_t v = 0;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        p += 2;
        if (!isxdigit((unsigned char)*p))
            return -1;
        for (; isxdigit((unsigned char)*p); p++) {
            int c = tolower((unsigned char)*p);
            unsigned d = isdigit(c) ? (unsigned)(c - '0') : (unsigned)(c - 'a' + 10);
            if (v > UINT64_MAX >> 4)
                return -1;
            v = v << 4 | d;
        }
        if (*p != '\0')
            return -1;
        *bytes = v;
        return 0;
    }
    if (parse_decimal(&p, &v) != 0)
        return -1;
    static const char prefixes[] = "kmgtp"; /* HOWTO "int": kb_base=1024 powers */
    unsigned shift = 0;
    const char *prefix = *p != '\0' ? strchr(prefixes, tolower((unsigned char)*p)) : NULL;
    if (prefix != NULL) {
        shift = 10 * (unsigned)(prefix - prefixes + 1);
        p++;
    }
    if (*p == 'b' || *p == 'B')
        p++;
    if (*p != '\0' || (shift != 0 && v > UINT64_MAX >> shift))
        return -1;
    *bytes = v << shift;
    return 0;
}

/* A whole number and a time unit (any case): the unit's microseconds, plain_us for none. */
static int parse_time_units(const char *text, uint64_t plain_us, uint64_t *us)
{
    const char *p = text;
    uint64_t v;
    if (parse_decimal(&p, &v) != 0)
        return -1;
    char unit[8];
    size_t n = strlen(p);
    if (n >= sizeof unit)
        return -1;
    for (size_t i = 0; i <= n; i++)
        unit[i] = (char)tolower((unsigned char)p[i]);
    static const struct {
        const char *unit;
        uint64_t us;
    } units[] = { { "us", 1 }, { "usec", 1 }, { "ms", 1000 }, { "msec", 1000 }, { "s", 1000000 },
                  { "m", 60000000 }, { "h", 3600000000ull }, { "d", 86400000000ull } };
    uint64_t mul = unit[0] == '\0' ? plain_us : 0;
    for (size_t i = 0; i < sizeof units / sizeof units[0] && mul == 0; i++)
        if (strcmp(unit, units[i].unit) == 0)
            mul = units[i].us;
    if (mul == 0 || v > UINT64_MAX / mul)
        return -1;
    *us = v * mul;
    return 0;
}

int job_parse_time_us(const char *text, uint64_t *us) { return parse_time_units(text, 1, us); }

int job_parse_time_ms(const char *text, uint64_t *ms)
{
    const char *p = text;
    uint64_t v;
    if (parse_decimal(&p, &v) != 0)
        return -1;
    /* HOWTO "time": units are not case sensitive; no unit means seconds. */
    char unit[8];
    size_t n = strlen(p);
    if (n >= sizeof unit)
        return -1;
    for (size_t i = 0; i <= n; i++)
        unit[i] = (char)tolower((unsigned char)p[i]);
    if (strcmp(unit, "us") == 0 || strcmp(unit, "usec") == 0) {
        *ms = v / 1000 + (v % 1000 != 0); /* up: a 500us runtime must not become "no limit" */
        return 0;
    }
    static const struct {
        const char *unit;
        uint64_t ms;
    } units[] = { { "ms", 1 }, { "msec", 1 }, { "", 1000 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
                  { "d", 86400000 } };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcmp(unit, units[i].unit) == 0) {
            if (v > UINT64_MAX / units[i].ms)
                return -1;
            *ms = v * units[i].ms;
            return 0;
        }
    }
    return -1;
}

static int size_value(const char *value, uint64_t *bytes, char *why, size_t why_len)
{
    if (need_value(value, why, why_len) != 0)
        return -1;
    if (job_parse_size(value, bytes) == 0)
        return 0;
    if (strpbrk(value, "iI") != NULL)
        snprintf(why, why_len,
                 "ambiguous size '%s': fio 3.33 reads 4KiB as 4000 bytes but 4ki as 4096; write 4k (4096) or 4000",
                 value);
    else
        snprintf(why, why_len, "bad size '%s'", value);
    return -1;
}

/* fio reads its integer options with the size syntax too: iodepth=4k is 4096. */
static int uint_value(const char *value, uint64_t min, uint64_t max, uint64_t *out, char *why, size_t why_len)
{
    if (need_value(value, why, why_len) != 0)
        return -1;
    if (job_parse_size(value, out) != 0) {
        snprintf(why, why_len, "bad number '%s'", value);
        return -1;
    }
    if (*out < min || *out > max) {
        snprintf(why, why_len, "must be %llu..%llu, not %s", (unsigned long long)min, (unsigned long long)max, value);
        return -1;
    }
    return 0;
}

/* fio's bool options need a value; its "set" options (time_based, ...) may be bare. */
static int bool_value(const char *value, bool bare_is_true, bool *out, char *why, size_t why_len)
{
    if (value == NULL && bare_is_true) {
        *out = true;
        return 0;
    }
    if (value != NULL && (strcmp(value, "0") == 0 || strcmp(value, "1") == 0)) {
        *out = value[0] == '1';
        return 0;
    }
    snprintf(why, why_len, value == NULL ? "needs a value (0 or 1)" : "must be 0 or 1, not '%s'", value);
    return -1;
}

static int time_value(const char *value, uint64_t *ms, char *why, size_t why_len)
{
    if (need_value(value, why, why_len) != 0)
        return -1;
    if (job_parse_time_ms(value, ms) == 0)
        return 0;
    snprintf(why, why_len, "bad time '%s' (a whole number, in seconds or with us, ms, s, m, h or d)", value);
    return -1;
}

/* "N%" of each LUN: HOWTO size= and offset= take "a number between 1 and 100 followed by '%'". */
static int percent_value(const char *value, unsigned *percent, bool *is_percent, char *why, size_t why_len)
{
    size_t n = strlen(value);
    *is_percent = n > 0 && value[n - 1] == '%';
    if (!*is_percent)
        return 0;
    const char *p = value;
    uint64_t v;
    if (parse_decimal(&p, &v) != 0 || *p != '%' || v < 1 || v > 100) {
        snprintf(why, why_len, "bad percentage '%s' (1%% to 100%%)", value);
        return -1;
    }
    *percent = (unsigned)v;
    return 0;
}

/* ---- the options ---- */

/* A job's name (name=, wait_for=) into dest[JOB_NAME_MAX]. */
static int name_value(const char *value, char *dest, char *why, size_t why_len)
{
    if (need_value(value, why, why_len) != 0)
        return -1;
    if (value[0] == '\0' || strlen(value) >= JOB_NAME_MAX) {
        snprintf(why, why_len, "a job name has 1 to %d characters", JOB_NAME_MAX - 1);
        return -1;
    }
    strcpy(dest, value);
    return 0;
}

static int apply_name(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    return name_value(value, job->name, why, why_len);
}

static int apply_ignored_string(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    (void)job;
    return need_value(value, why, why_len);
}

static int apply_ignored_bool(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    (void)job;
    bool b;
    return bool_value(value, false, &b, why, why_len);
}

static int apply_ignored_flag(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    (void)job;
    bool b;
    return bool_value(value, true, &b, why, why_len);
}

static int apply_ignored_uint(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    (void)job;
    uint64_t v;
    return uint_value(value, 0, UINT32_MAX, &v, why, why_len);
}

/* HOWTO fsync=N, fdatasync=N: SCSI has one flush for data and metadata, SYNCHRONIZE CACHE. */
static int apply_fsync(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    return uint_value(value, 0, UINT32_MAX, &job->fsync_blocks, why, why_len);
}

static int apply_fdatasync(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    return uint_value(value, 0, UINT32_MAX, &job->fdatasync_blocks, why, why_len);
}

static int apply_end_fsync(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    if (bool_value(value, false, &job->end_fsync, why, why_len) != 0)
        return -1;
    job->end_syncs = job->end_fsync + job->fsync_on_close;
    return 0;
}

static int apply_fsync_on_close(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    if (bool_value(value, false, &job->fsync_on_close, why, why_len) != 0)
        return -1;
    job->end_syncs = job->end_fsync + job->fsync_on_close;
    return 0;
}

/* fio's device names mean nothing here. A job that also says luns= runs as fio would, on the
 * LUNs it names, and the file name is ignored; without luns= it is refused (job_finish), since
 * running a job meant for one disk on every LUN would be wrong. */
static int apply_filename(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    (void)value;
    (void)why;
    (void)why_len;
    job->filename_given = true;
    return 0;
}

static int apply_numjobs(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    uint64_t v;
    if (uint_value(value, 1, JOB_NUMJOBS_MAX, &v, why, why_len) != 0)
        return -1;
    job->numjobs = (unsigned)v;
    return 0;
}

/* fio's cpus_allowed: CPU numbers and ranges, "0,5,8-15". */
static int apply_cpus_allowed(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    if (need_value(value, why, why_len) != 0)
        return -1;
    uint64_t mask = 0;
    const char *p = value;
    for (;;) {
        uint64_t first, last;
        if (parse_decimal(&p, &first) != 0 || first >= 64) {
            snprintf(why, why_len, "'%s': CPU numbers 0 to 63, as a list of numbers and ranges (0,5,8-15)", value);
            return -1;
        }
        last = first;
        if (*p == '-' && (p++, parse_decimal(&p, &last) != 0 || last >= 64 || last < first)) {
            snprintf(why, why_len, "'%s': a range is FIRST-LAST, both 0 to 63, FIRST not above LAST", value);
            return -1;
        }
        for (uint64_t c = first; c <= last; c++)
            mask |= 1ull << c;
        if (*p == '\0')
            break;
        if (*p++ != ',') {
            snprintf(why, why_len, "'%s': CPU numbers and ranges are separated by ','", value);
            return -1;
        }
    }
    job->cpus_allowed = mask;
    return 0;
}

/* fio's cpumask: the same set as a number, bit c for CPU c. */
static int apply_cpumask(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    uint64_t v;
    if (uint_value(value, 1, UINT64_MAX, &v, why, why_len) != 0)
        return -1;
    job->cpus_allowed = v;
    return 0;
}

static int apply_cpus_allowed_policy(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    if (need_value(value, why, why_len) != 0)
        return -1;
    if (strcmp(value, "shared") != 0 && strcmp(value, "split") != 0) {
        snprintf(why, why_len, "'%s': shared or split", value);
        return -1;
    }
    job->cpus_split = strcmp(value, "split") == 0;
    return 0;
}

static const char *const job_rw_names[] = {
    [JOB_READ] = "read", [JOB_WRITE] = "write", [JOB_RANDREAD] = "randread",
    [JOB_RANDWRITE] = "randwrite", [JOB_RW] = "rw", [JOB_RANDRW] = "randrw", [JOB_TRIM] = "trim",
    [JOB_RANDTRIM] = "randtrim", [JOB_TRIMWRITE] = "trimwrite", [JOB_RANDTRIMWRITE] = "randtrimwrite",
};

const char *job_rw_name(enum job_rw rw)
{
    return (unsigned)rw < sizeof job_rw_names / sizeof job_rw_names[0] ? job_rw_names[rw] : "?";
}

bool job_random_offsets(const struct job_spec *job)
{
    return job->rw == JOB_RANDREAD || job->rw == JOB_RANDWRITE || job->rw == JOB_RANDRW || job->rw == JOB_RANDTRIM ||
           job->rw == JOB_RANDTRIMWRITE;
}

bool job_does_dir(const struct job_spec *job, int dir)
{
    enum job_rw rw = job->rw;
    switch (dir) {
    case JOB_DDIR_READ: return rw == JOB_READ || rw == JOB_RANDREAD || rw == JOB_RW || rw == JOB_RANDRW;
    case JOB_DDIR_WRITE:
        return rw == JOB_WRITE || rw == JOB_RANDWRITE || rw == JOB_RW || rw == JOB_RANDRW || rw == JOB_TRIMWRITE ||
               rw == JOB_RANDTRIMWRITE;
    case JOB_DDIR_TRIM: return rw == JOB_TRIM || rw == JOB_RANDTRIM || rw == JOB_TRIMWRITE || rw == JOB_RANDTRIMWRITE;
    default: return false;
    }
}

bool job_changes_data(const struct job_spec *job)
{
    return job_does_dir(job, JOB_DDIR_WRITE) || job_does_dir(job, JOB_DDIR_TRIM);
}

static void block_sizes_text(const struct job_block_sizes *b, char *buf, size_t len)
{
    if (b->min == b->max)
        snprintf(buf, len, "%" PRIu32, b->min);
    else
        snprintf(buf, len, "%" PRIu32 "-%" PRIu32, b->min, b->max);
}

void job_bs_text(const struct job_spec *job, char *buf, size_t len)
{
    static const char letter[JOB_DDIRS] = { 'r', 'w', 't' };
    char text[JOB_DDIRS][24];
    int first = -1;
    bool differ = false;
    for (int d = 0; d < JOB_DDIRS; d++) {
        block_sizes_text(&job->bsz[d], text[d], sizeof text[d]);
        if (!job_does_dir(job, d))
            continue;
        if (first < 0)
            first = d;
        else if (strcmp(text[d], text[first]) != 0)
            differ = true;
    }
    if (first < 0)
        first = JOB_DDIR_READ;
    if (!differ) {
        snprintf(buf, len, "%s", text[first]);
        return;
    }
    size_t used = 0;
    buf[0] = '\0';
    for (int d = 0; d < JOB_DDIRS && used < len; d++) {
        if (job_does_dir(job, d))
            used += (size_t)snprintf(buf + used, len - used, "%s%c %s", used ? ", " : "", letter[d], text[d]);
    }
}

/* HOWTO rw: "rw=read:N" (sequential) skips N bytes after each I/O, backwards when N < 0;
 * "rw=randread:N" (random) issues N I/Os per new random offset, the ones between sequential. */
static int apply_rw_modifier(struct job_spec *job, const char *mod, char *why, size_t why_len)
{
    uint64_t v;
    if (job_random_offsets(job)) {
        if (job_parse_size(mod, &v) != 0 || v == 0) {
            snprintf(why, why_len, "bad ':N' modifier '%s' (for a random pattern: I/Os per random offset, >= 1)",
                     mod);
            return -1;
        }
        job->seq_nr = v;
        job->seq_add = 0;
        return 0;
    }
    bool back = mod[0] == '-';
    if (job_parse_size(mod + back, &v) != 0 || v > (uint64_t)INT64_MAX || v % JOB_SECTOR != 0) {
        snprintf(why, why_len, "bad ':N' modifier '%s' (bytes to skip after each I/O, a multiple of 512, '-' "
                 "for backwards)", mod);
        return -1;
    }
    job->seq_add = back ? -(int64_t)v : (int64_t)v;
    job->seq_nr = 1;
    return 0;
}

static int apply_rw(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    if (need_value(value, why, why_len) != 0)
        return -1;
    char name[16];
    size_t n = strcspn(value, ":");
    if (n >= sizeof name) {
        snprintf(why, why_len, "bad value '%s' (read, write, randread, randwrite, rw, readwrite, randrw, trim, "
                 "randtrim, trimwrite, randtrimwrite)", value);
        return -1;
    }
    memcpy(name, value, n);
    name[n] = '\0';
    bool found = false;
    /* HOWTO rw: "readwrite" is "rw" (both sequential mixed). */
    if (strcmp(name, "readwrite") == 0) {
        job->rw = JOB_RW;
        found = true;
    }
    for (size_t i = 0; !found && i < sizeof job_rw_names / sizeof job_rw_names[0]; i++) {
        if (strcmp(name, job_rw_names[i]) == 0) {
            job->rw = (enum job_rw)i;
            found = true;
        }
    }
    if (!found) {
        snprintf(why, why_len, "bad value '%s' (read, write, randread, randwrite, rw, readwrite, randrw, trim, "
                 "randtrim, trimwrite, randtrimwrite)", value);
        return -1;
    }
    job->seq_add = 0;
    job->seq_nr = 1;
    return value[n] == ':' ? apply_rw_modifier(job, value + n + 1, why, why_len) : 0;
}

static int apply_rwmixread(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    uint64_t v;
    if (uint_value(value, 0, 100, &v, why, why_len) != 0)
        return -1;
    job->rwmixread = (unsigned)v;
    return 0;
}

/* HOWTO rwmixwrite: when both are given, the later one wins: each sets the split. */
static int apply_rwmixwrite(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    uint64_t v;
    if (uint_value(value, 0, 100, &v, why, why_len) != 0)
        return -1;
    job->rwmixread = 100 - (unsigned)v;
    return 0;
}

/*
 * fio's per-direction values (HOWTO blocksize): "R,W,T" for reads, writes and trims; an empty
 * field keeps the default, and a value not followed by a comma applies to the directions after
 * it too ("bs=8k,32k": 32k for writes and trims; "rate=500k,": reads only). item() checks one
 * field and stores it for direction dir.
 */
typedef int (*dir_item_fn)(struct job_spec *job, int dir, const char *item, void *ctx, char *why, size_t why_len);

static int per_direction(struct job_spec *job, const char *value, dir_item_fn item, void *ctx, char *why,
                         size_t why_len)
{
    if (need_value(value, why, why_len) != 0)
        return -1;
    if (value[0] == '\0')
        return item(job, JOB_DDIR_READ, value, ctx, why, why_len); /* says what an empty value lacks */
    char buf[JOB_LINE_MAX];
    if (snprintf(buf, sizeof buf, "%s", value) >= (int)sizeof buf) {
        snprintf(why, why_len, "value is too long");
        return -1;
    }
    char *field[3];
    size_t k = 0;
    for (char *p = buf;;) {
        if (k == 3) {
            snprintf(why, why_len, "more than three comma-separated values (reads, writes, trims) in '%.60s'", value);
            return -1;
        }
        field[k++] = p;
        char *comma = strchr(p, ',');
        if (comma == NULL)
            break;
        *comma = '\0';
        p = comma + 1;
    }
    bool ends_in_comma = value[strlen(value) - 1] == ',';
    for (int d = 0; d < JOB_DDIRS; d++) {
        const char *f = (size_t)d < k ? field[d] : ends_in_comma ? NULL : field[k - 1];
        if (f != NULL && *f != '\0' && item(job, d, f, ctx, why, why_len) != 0)
            return -1;
    }
    return 0;
}

/* A block size: a multiple of 512 (SCSI's smallest logical block) up to JOB_BS_MAX; each LUN's
 * HBA may allow less (targets.c checks its max_sectors). */
static int block_size_value(const char *text, uint32_t *out, char *why, size_t why_len)
{
    uint64_t v;
    if (size_value(text, &v, why, why_len) != 0)
        return -1;
    if (v < JOB_SECTOR || v > JOB_BS_MAX || v % JOB_SECTOR != 0) {
        snprintf(why, why_len, "block size %s is not a multiple of 512 from 512 to %um", text, JOB_BS_MAX >> 20);
        return -1;
    }
    *out = (uint32_t)v;
    return 0;
}

/* The later of bs=, bsrange= and bssplit= decides a direction's sizes. */
static int bs_item(struct job_spec *job, int dir, const char *item, void *ctx, char *why, size_t why_len)
{
    (void)ctx;
    uint32_t v;
    if (block_size_value(item, &v, why, why_len) != 0)
        return -1;
    if (dir < JOB_DDIRS)
        job->bsz[dir] = (struct job_block_sizes){ .min = v, .max = v };
    return 0;
}

static int apply_bs(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    return per_direction(job, value, bs_item, NULL, why, why_len);
}

/* HOWTO bsrange: "min-max" (fio's irange takes ':' too); sizes are multiples of min. */
static int bsrange_item(struct job_spec *job, int dir, const char *item, void *ctx, char *why, size_t why_len)
{
    (void)ctx;
    char lo[32], hi[32];
    size_t n = strcspn(item, "-:");
    if (item[n] == '\0' || n >= sizeof lo || strlen(item + n + 1) >= sizeof hi) {
        snprintf(why, why_len, "bad range '%s' (MIN-MAX)", item);
        return -1;
    }
    memcpy(lo, item, n);
    lo[n] = '\0';
    strcpy(hi, item + n + 1);
    uint32_t min, max;
    if (block_size_value(lo, &min, why, why_len) != 0 || block_size_value(hi, &max, why, why_len) != 0)
        return -1;
    if (min > max) {
        snprintf(why, why_len, "range '%s' has its minimum above its maximum", item);
        return -1;
    }
    if (dir < JOB_DDIRS)
        job->bsz[dir] = (struct job_block_sizes){ .min = min, .max = max };
    return 0;
}

static int apply_bsrange(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    return per_direction(job, value, bsrange_item, NULL, why, why_len);
}

/* HOWTO bssplit: "bs/percent:bs/percent..."; a size without a percent shares what the others
 * leave of 100 equally with the other such sizes (fio's "4k/50:8k/:16k/"). */
static int bssplit_item(struct job_spec *job, int dir, const char *item, void *ctx, char *why, size_t why_len)
{
    (void)ctx;
    struct job_block_sizes b = { .min = UINT32_MAX, .max = 0 };
    unsigned total = 0, open_shares = 0;
    bool open[JOB_BSSPLIT_MAX] = { false };
    for (const char *p = item;;) {
        size_t len = strcspn(p, ":");
        char entry[48], *slash;
        if (len == 0 || len >= sizeof entry) {
            snprintf(why, why_len, "bad entry '%.*s' in '%.60s' (SIZE/PERCENT)", (int)(len < 40 ? len : 40), p, item);
            return -1;
        }
        memcpy(entry, p, len);
        entry[len] = '\0';
        if ((slash = strchr(entry, '/')) == NULL) {
            snprintf(why, why_len, "bad entry '%s' (SIZE/PERCENT)", entry);
            return -1;
        }
        *slash = '\0';
        if (b.split_count == JOB_BSSPLIT_MAX) {
            snprintf(why, why_len, "more than %d block sizes", JOB_BSSPLIT_MAX);
            return -1;
        }
        struct job_bs_share *sh = &b.split[b.split_count];
        if (block_size_value(entry, &sh->bs, why, why_len) != 0)
            return -1;
        const char *perc = slash + 1;
        uint64_t v = 0;
        if (*perc == '\0') {
            open[b.split_count] = true;
            open_shares++;
        } else if (parse_decimal(&perc, &v) != 0 || *perc != '\0' || v > 100) {
            snprintf(why, why_len, "bad percentage '%s' for %s (0..100)", slash + 1, entry);
            return -1;
        }
        sh->percent = (uint32_t)v;
        total += (unsigned)v;
        b.split_count++;
        if (sh->bs < b.min)
            b.min = sh->bs;
        if (sh->bs > b.max)
            b.max = sh->bs;
        p += len;
        if (*p == '\0')
            break;
        p++;
    }
    if (total > 100 || (open_shares == 0 && total != 100)) {
        snprintf(why, why_len, "the percentages in '%.60s' add up to %u, not 100", item, total);
        return -1;
    }
    unsigned left = 100 - total;
    for (size_t i = 0; i < b.split_count && open_shares > 0; i++) {
        if (!open[i])
            continue;
        b.split[i].percent = left / open_shares; /* the last open one takes the remainder */
        left -= b.split[i].percent;
        open_shares--;
    }
    if (dir < JOB_DDIRS)
        job->bsz[dir] = b;
    return 0;
}

static int apply_bssplit(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    return per_direction(job, value, bssplit_item, NULL, why, why_len);
}

/* blocksize_unaligned=1 lets fio issue sizes that are not multiples of the smallest one. */
static int apply_bs_unaligned(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    (void)job;
    bool b;
    if (bool_value(value, true, &b, why, why_len) != 0)
        return -1;
    if (b) {
        snprintf(why, why_len, "not supported: SCSI moves whole logical blocks, and lunbench keeps every I/O a "
                 "multiple of the job's smallest block size");
        return -1;
    }
    return 0;
}

static int percentage_random_item(struct job_spec *job, int dir, const char *item, void *ctx, char *why, size_t why_len)
{
    (void)ctx;
    uint64_t v;
    if (uint_value(item, 0, 100, &v, why, why_len) != 0)
        return -1;
    if (dir < JOB_DDIRS)
        job->percentage_random[dir] = (unsigned)v;
    return 0;
}

static int apply_percentage_random(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    return per_direction(job, value, percentage_random_item, NULL, why, why_len);
}

/* A float for random_distribution: a plain decimal (no sign, exponent, inf or nan). */
static int dist_float(const char *text, size_t len, double *out)
{
    char buf[32];
    if (len == 0 || len >= sizeof buf)
        return -1;
    for (size_t i = 0; i < len; i++)
        if (!isdigit((unsigned char)text[i]) && text[i] != '.')
            return -1;
    memcpy(buf, text, len);
    buf[len] = '\0';
    char *end;
    *out = strtod(buf, &end);
    return *end == '\0' ? 0 : -1;
}

/* zoned:ACCESS/RANGE:...: RANGE a percent of the region (zoned) or a size (zoned_abs); an empty
 * RANGE is the rest of the region. The access percents add up to 100. */
static int parse_zones(struct job_distribution *d, const char *spec, bool absolute, char *why, size_t why_len)
{
    unsigned access = 0;
    uint64_t range_percent = 0;
    for (const char *p = spec;;) {
        size_t len = strcspn(p, ":");
        char entry[48], *slash;
        if (len == 0 || len >= sizeof entry) {
            snprintf(why, why_len, "bad zone '%.*s' (ACCESS%%/%s)", (int)(len < 40 ? len : 40), p,
                     absolute ? "SIZE" : "RANGE%");
            return -1;
        }
        memcpy(entry, p, len);
        entry[len] = '\0';
        if (d->zone_count == JOB_ZONES_MAX) {
            snprintf(why, why_len, "more than %d zones", JOB_ZONES_MAX);
            return -1;
        }
        struct job_zone *z = &d->zones[d->zone_count];
        const char *q = entry;
        uint64_t a;
        if ((slash = strchr(entry, '/')) == NULL || parse_decimal(&q, &a) != 0 || q != slash || a > 100) {
            snprintf(why, why_len, "bad zone '%s' (ACCESS%%/%s, ACCESS 0..100)", entry, absolute ? "SIZE" : "RANGE%");
            return -1;
        }
        z->access_percent = (uint32_t)a;
        access += (unsigned)a;
        const char *r = slash + 1;
        if (*r == '\0') {
            z->size = UINT64_MAX; /* the rest */
        } else if (absolute) {
            if (job_parse_size(r, &z->size) != 0 || z->size == 0) {
                snprintf(why, why_len, "bad zone size '%s'", r);
                return -1;
            }
        } else {
            uint64_t v;
            if (parse_decimal(&r, &v) != 0 || *r != '\0' || v == 0 || v > 100) {
                snprintf(why, why_len, "bad zone range '%s' (a percent of the region, 1..100)", slash + 1);
                return -1;
            }
            z->size = v;
            range_percent += v;
        }
        d->zone_count++;
        p += len;
        if (*p == '\0')
            break;
        p++;
    }
    if (access != 100) {
        snprintf(why, why_len, "the zones' access percentages add up to %u, not 100", access);
        return -1;
    }
    if (range_percent > 100) {
        snprintf(why, why_len, "the zones' ranges add up to %llu%% of the region", (unsigned long long)range_percent);
        return -1;
    }
    return 0;
}

/* HOWTO random_distribution: random | zipf:THETA[:CENTER] | pareto:H[:CENTER] |
 * normal:DEV[:CENTER] | zoned:... | zoned_abs:..., per direction. */
static int dist_item(struct job_spec *job, int dir, const char *item, void *ctx, char *why, size_t why_len)
{
    (void)ctx;
    struct job_distribution d = { .kind = JOB_DIST_RANDOM, .center = -1.0 };
    static const struct {
        const char *name;
        enum job_dist kind;
    } kinds[] = { { "random", JOB_DIST_RANDOM }, { "zipf", JOB_DIST_ZIPF }, { "pareto", JOB_DIST_PARETO },
                  { "normal", JOB_DIST_NORMAL }, { "zoned", JOB_DIST_ZONED }, { "zoned_abs", JOB_DIST_ZONED_ABS } };
    size_t n = strcspn(item, ":");
    bool found = false;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0] && !found; i++) {
        if (strlen(kinds[i].name) == n && strncmp(item, kinds[i].name, n) == 0) {
            d.kind = kinds[i].kind;
            found = true;
        }
    }
    if (!found) {
        snprintf(why, why_len, "bad distribution '%.40s' (random, zipf:THETA, pareto:H, normal:DEV, zoned:..., "
                 "zoned_abs:...)", item);
        return -1;
    }
    const char *rest = item[n] == ':' ? item + n + 1 : NULL;
    if (d.kind == JOB_DIST_RANDOM) {
        if (rest != NULL) {
            snprintf(why, why_len, "'random' takes no parameter");
            return -1;
        }
    } else if (d.kind == JOB_DIST_ZONED || d.kind == JOB_DIST_ZONED_ABS) {
        if (rest == NULL || parse_zones(&d, rest, d.kind == JOB_DIST_ZONED_ABS, why, why_len) != 0) {
            if (rest == NULL)
                snprintf(why, why_len, "'%.*s' needs its zones (ACCESS/RANGE:...)", (int)n, item);
            return -1;
        }
    } else {
        size_t plen = rest != NULL ? strcspn(rest, ":") : 0;
        if (rest == NULL || dist_float(rest, plen, &d.param) != 0) {
            snprintf(why, why_len, "'%.*s' needs a number: %s", (int)n, item,
                     d.kind == JOB_DIST_ZIPF ? "zipf:THETA" : d.kind == JOB_DIST_PARETO ? "pareto:H" : "normal:DEV");
            return -1;
        }
        if ((d.kind == JOB_DIST_ZIPF && (d.param <= 0.0 || d.param == 1.0)) ||
            (d.kind == JOB_DIST_PARETO && (d.param <= 0.0 || d.param >= 1.0)) ||
            (d.kind == JOB_DIST_NORMAL && d.param > 100.0)) {
            snprintf(why, why_len, "%s", d.kind == JOB_DIST_ZIPF     ? "zipf's theta must be above 0 and not 1"
                                         : d.kind == JOB_DIST_PARETO ? "pareto's h must be between 0 and 1"
                                                                     : "normal's deviation must be 0..100");
            return -1;
        }
        const char *c = rest[plen] == ':' ? rest + plen + 1 : NULL;
        if (c != NULL && (dist_float(c, strlen(c), &d.center) != 0 || d.center > 1.0)) {
            snprintf(why, why_len, "bad center '%s' (0..1)", c);
            return -1;
        }
    }
    if (dir < JOB_DDIRS)
        job->dist[dir] = d;
    return 0;
}

static int apply_random_distribution(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    return per_direction(job, value, dist_item, NULL, why, why_len);
}

static int time_us_value(const char *value, uint64_t *us, char *why, size_t why_len)
{
    if (need_value(value, why, why_len) != 0)
        return -1;
    if (job_parse_time_us(value, us) == 0)
        return 0;
    snprintf(why, why_len, "bad time '%s' (a whole number of microseconds, or with us, ms, s, m, h or d)", value);
    return -1;
}

static int apply_thinktime_blocks(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    return uint_value(value, 1, UINT32_MAX, &job->thinktime_blocks, why, why_len);
}

static int apply_thinktime_blocks_type(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    if (need_value(value, why, why_len) != 0)
        return -1;
    if (strcmp(value, "complete") != 0 && strcmp(value, "issue") != 0) {
        snprintf(why, why_len, "bad value '%s' (complete or issue)", value);
        return -1;
    }
    job->thinktime_on_issue = value[0] == 'i';
    return 0;
}

/* HOWTO significant_figures: the precision of fio's normal output; lunbench's console report
 * has its own format and its JSON is exact, so the value (1..10) is only checked. */
static int apply_significant_figures(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    (void)job;
    uint64_t v;
    return uint_value(value, 1, 10, &v, why, why_len);
}

/* HOWTO zonemode: none, strided (zonesize, zonerange, zoneskip) or zbd (zoned block devices). */
static int apply_zonemode(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    if (need_value(value, why, why_len) != 0)
        return -1;
    if (strcmp(value, "none") == 0 || strcmp(value, "strided") == 0) {
        job->zonemode_strided = value[0] == 's';
        return 0;
    }
    if (strcmp(value, "zbd") == 0)
        snprintf(why, why_len, "zbd is not supported: lunbench drives no zoned block devices (ZBC)");
    else
        snprintf(why, why_len, "bad value '%s' (none, strided)", value);
    return -1;
}

static int zone_value(const char *value, uint64_t *bytes, char *why, size_t why_len)
{
    if (size_value(value, bytes, why, why_len) != 0)
        return -1;
    if (*bytes % JOB_SECTOR != 0) {
        snprintf(why, why_len, "must be a multiple of 512, not %s", value);
        return -1;
    }
    return 0;
}

static int apply_zonesize(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    return zone_value(value, &job->zone_size, why, why_len);
}

static int apply_zonerange(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    return zone_value(value, &job->zone_range, why, why_len);
}

static int apply_zoneskip(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    return zone_value(value, &job->zone_skip, why, why_len);
}

static unsigned hex_digit(char c)
{
    return isdigit((unsigned char)c) ? (unsigned)(c - '0') : (unsigned)(tolower((unsigned char)c) - 'a' + 10);
}

/* fio's pattern syntax (lib/pattern.c parse_and_fill_pattern), shared by buffer_pattern and
 * verify_pattern: one after another, "quoted strings" (their bytes), 0x hex numbers of any length
 * (their digits' bytes in the order written, an odd leading digit a byte of its own; "0xff0x14"
 * is two numbers) and decimal numbers from INT_MIN to INT_MAX (the 32-bit value's low bytes,
 * least significant first, as many as it needs: 0 is one zero byte, -12 is f4 ff ff ff). fio's
 * 'FILE' (a file's bytes) and %o (each block's offset) are refused. The bytes into out[0..*n). */
static int pattern_value(const char *value, uint8_t out[JOB_PATTERN_MAX], size_t *n_out, char *why, size_t why_len)
{
    size_t n = 0;
    const char *p = value;
    while (*p != '\0') {
        if (*p == '"') {
            const char *end = strchr(p + 1, '"');
            if (end == NULL) {
                snprintf(why, why_len, "unterminated string in '%.60s'", value);
                return -1;
            }
            for (const char *c = p + 1; c < end; c++) {
                if (n == JOB_PATTERN_MAX)
                    goto too_long;
                out[n++] = (uint8_t)*c;
            }
            p = end + 1;
        } else if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
            p += 2;
            size_t digits = strspn(p, "0123456789abcdefABCDEF");
            /* fio's look-back: in 0xff0x14 the 0 before the x starts the next number */
            if (digits > 1 && (p[digits] == 'x' || p[digits] == 'X') && p[digits - 1] == '0')
                digits--;
            if (digits == 0) {
                snprintf(why, why_len, "bad hex number in '%.60s'", value);
                return -1;
            }
            if (n + (digits + 1) / 2 > JOB_PATTERN_MAX)
                goto too_long;
            size_t i = 0;
            if (digits % 2 != 0) /* an odd leading digit is a byte of its own */
                out[n++] = (uint8_t)hex_digit(p[i++]);
            for (; i < digits; i += 2)
                out[n++] = (uint8_t)(hex_digit(p[i]) << 4 | hex_digit(p[i + 1]));
            p += digits;
        } else if (isdigit((unsigned char)*p) || (*p == '-' && isdigit((unsigned char)p[1]))) {
            bool negative = *p == '-';
            const char *end = p + negative;
            uint64_t magnitude = 0;
            while (isdigit((unsigned char)*end) && magnitude <= (uint64_t)INT32_MAX + 1)
                magnitude = magnitude * 10 + (uint64_t)(*end++ - '0');
            if (isdigit((unsigned char)*end) || magnitude > (uint64_t)INT32_MAX + negative) {
                snprintf(why, why_len, "decimal number out of range in '%.60s' (%d to %d; longer ones in hex)", value,
                         INT32_MIN, INT32_MAX);
                return -1;
            }
            uint32_t u = negative ? (uint32_t)(0 - magnitude) : (uint32_t)magnitude;
            do {
                if (n == JOB_PATTERN_MAX)
                    goto too_long;
                out[n++] = (uint8_t)u;
                u >>= 8;
            } while (u != 0);
            p = end;
        } else if (*p == '\'') {
            snprintf(why, why_len, "a file's bytes ('FILE') cannot be read here: write them as a \"string\" or in hex");
            return -1;
        } else if (*p == '%') {
            snprintf(why, why_len, "'%.60s': %%o (each block's offset in the pattern) is not implemented", value);
            return -1;
        } else {
            snprintf(why, why_len, "bad pattern '%.60s' (quoted strings, 0x hex and decimal numbers)", value);
            return -1;
        }
    }
    if (n == 0) {
        snprintf(why, why_len, "empty pattern");
        return -1;
    }
    *n_out = n;
    return 0;
too_long:
    snprintf(why, why_len, "pattern longer than %d bytes", JOB_PATTERN_MAX);
    return -1;
}

/* HOWTO buffer_pattern: every write's data is the pattern repeated. */
static int apply_buffer_pattern(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    if (need_value(value, why, why_len) != 0 || pattern_value(value, job->pattern, &job->pattern_len, why, why_len) != 0)
        return -1;
    job->buffers = JOB_BUFFERS_PATTERN;
    return 0;
}

/* HOWTO verify_pattern: the verified blocks' data is the pattern repeated, and it is checked. Without
 * verify= in the job so far, fio verifies its header and the pattern (VERIFY_PATTERN): here
 * verify=meta with the pattern; a later verify= chooses otherwise. */
static int apply_verify_pattern(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    if (need_value(value, why, why_len) != 0 ||
        pattern_value(value, job->verify_pattern, &job->verify_pattern_len, why, why_len) != 0)
        return -1;
    bool verify_given = false;
    for (size_t i = 0; i < job->option_count; i++)
        verify_given |= strcmp(job->options[i].key, "verify") == 0;
    if (!verify_given) {
        job->verify = true;
        job->verify_method = STAMP_META;
    }
    return 0;
}

/* HOWTO verify_interval: fio writes a header every N bytes. lunbench stamps every logical block, so
 * N must be a whole number of a LUN's blocks (checked before the job runs: a LUN it does not fit is
 * left out, bench/targets.c): the checks are then as fine as fio's, or finer. */
static int apply_verify_interval(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    if (need_value(value, why, why_len) != 0 || size_value(value, &job->verify_interval, why, why_len) != 0)
        return -1;
    if (job->verify_interval == 0 || job->verify_interval % 512 != 0 || job->verify_interval > UINT32_MAX) {
        snprintf(why, why_len, "'%s' is not a whole number of 512-byte blocks (lunbench stamps every logical block)",
                 value);
        return -1;
    }
    return 0;
}

/* HOWTO fill_device: write until the device is full: each LUN's region runs from offset to its end,
 * whatever size= says. */
static int apply_fill_device(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    return bool_value(value, true, &job->fill_device, why, why_len);
}

static int apply_zero_buffers(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    bool zero;
    if (bool_value(value, true, &zero, why, why_len) != 0)
        return -1;
    if (zero)
        job->buffers = JOB_BUFFERS_ZERO;
    else if (job->buffers == JOB_BUFFERS_ZERO)
        job->buffers = JOB_BUFFERS_RANDOM;
    return 0;
}

/* HOWTO continue_on_error: lunbench always goes on after a failed I/O or verify, counting it, which
 * is fio's "all" (fio's default, none, ends the job at the first error). */
static int apply_continue_on_error(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    (void)job;
    if (need_value(value, why, why_len) != 0)
        return -1;
    if (strcmp(value, "all") == 0 || strcmp(value, "1") == 0)
        return 0;
    snprintf(why, why_len, "only 'all' (or 1) is supported: lunbench goes on after every failed I/O and verify, "
             "counting each, not '%s'", value);
    return -1;
}

/* HOWTO ioengine: lunbench drives the LUNs itself with polled virtio-scsi requests, whichever
 * engine of a block device a job names; an engine of something else (a file system, the network,
 * RDMA, HTTP, GPUs, persistent memory, passthrough commands) is not a job for these LUNs. */
static int apply_ioengine(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    (void)job;
    if (need_value(value, why, why_len) != 0)
        return -1;
    static const char *const block_engines[] = { "sync", "psync", "vsync", "pvsync", "pvsync2", "libaio", "io_uring",
                                                 "posixaio", "solarisaio", "windowsaio", "mmap", "null" };
    for (size_t i = 0; i < sizeof block_engines / sizeof block_engines[0]; i++)
        if (strcmp(value, block_engines[i]) == 0)
            return 0;
    snprintf(why, why_len, "'%.40s' is not an engine of a block device (lunbench runs the jobs of sync, psync, "
             "vsync, pvsync, pvsync2, libaio, io_uring, posixaio, mmap and null on its LUNs)", value);
    return -1;
}

static int apply_loops(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    return uint_value(value, 1, UINT32_MAX, &job->loops, why, why_len);
}

static int apply_iodepth(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    uint64_t v;
    if (uint_value(value, 1, JOB_IODEPTH_MAX, &v, why, why_len) != 0)
        return -1;
    job->iodepth = (unsigned)v;
    return 0;
}

static int apply_runtime(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    return time_value(value, &job->runtime_ms, why, why_len);
}

static int apply_ramp_time(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    return time_value(value, &job->ramp_time_ms, why, why_len);
}

/* HOWTO steadystate: "iops:N", "iops_slope:N", "bw:N", "bw_slope:N", N a number (bytes a second
 * for bw) or "N%" of the mean. */
static int apply_steadystate(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    if (need_value(value, why, why_len) != 0)
        return -1;
    static const struct {
        const char *name;
        bool bw, slope;
    } kinds[] = { { "iops", false, false }, { "iops_slope", false, true }, { "bw", true, false }, { "bw_slope", true, true } };
    const char *colon = strchr(value, ':');
    size_t n = colon ? (size_t)(colon - value) : 0;
    for (size_t i = 0; colon && i < sizeof kinds / sizeof kinds[0]; i++) {
        if (strlen(kinds[i].name) != n || strncmp(value, kinds[i].name, n) != 0)
            continue;
        char *end;
        double limit = strtod(colon + 1, &end);
        bool pct = *end == '%';
        if (end == colon + 1 || !(limit >= 0.0) || limit > 1e18 || end[pct] != '\0' || (pct && limit > 100.0))
            break;
        job->ss_bw = kinds[i].bw;
        job->ss_slope = kinds[i].slope;
        job->ss_pct = pct;
        job->ss_limit = limit;
        return 0;
    }
    snprintf(why, why_len, "bad value '%s' (iops:N, iops_slope:N, bw:N or bw_slope:N; N a limit, or N%% of the mean)",
             value);
    return -1;
}

/* HOWTO ss_dur: the window, in whole seconds (one sample each). */
static int apply_ss_dur(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    uint64_t ms;
    if (time_value(value, &ms, why, why_len) != 0)
        return -1;
    if (ms % 1000 != 0 || ms / 1000 > JOB_SS_DUR_MAX) {
        snprintf(why, why_len, "'%s': whole seconds from 0 to %u (one sample a second)", value, JOB_SS_DUR_MAX);
        return -1;
    }
    job->ss_dur_s = ms / 1000;
    return 0;
}

static int apply_ss_ramp(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    return time_value(value, &job->ss_ramp_ms, why, why_len);
}

static int apply_time_based(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    return bool_value(value, true, &job->time_based, why, why_len);
}

static int apply_size(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    bool is_percent;
    if (need_value(value, why, why_len) != 0 ||
        percent_value(value, &job->size_percent, &is_percent, why, why_len) != 0)
        return -1;
    if (is_percent) {
        job->size = 0;
        return 0;
    }
    if (size_value(value, &job->size, why, why_len) != 0)
        return -1;
    job->size_percent = 0;
    return 0;
}

/* offset=, offset_increment=: a size, a multiple of 512, into *bytes, or "N%" of each LUN into
 * *percent; the other one becomes 0. */
static int offset_value(const char *value, uint64_t *bytes, unsigned *percent, char *why, size_t why_len)
{
    bool is_percent;
    if (need_value(value, why, why_len) != 0 || percent_value(value, percent, &is_percent, why, why_len) != 0)
        return -1;
    if (is_percent) {
        *bytes = 0;
        return 0;
    }
    uint64_t v;
    if (size_value(value, &v, why, why_len) != 0)
        return -1;
    if (v % JOB_SECTOR != 0) {
        snprintf(why, why_len, "must be a multiple of 512, not %s", value);
        return -1;
    }
    *bytes = v;
    *percent = 0;
    return 0;
}

static int apply_offset(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    return offset_value(value, &job->offset, &job->offset_percent, why, why_len);
}

static int apply_number_ios(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    return uint_value(value, 0, UINT64_MAX, &job->number_ios, why, why_len);
}

/* A per-direction count (the size syntax, as fio's integers) or, bytes set, a size in bytes. */
struct u64_dest {
    uint64_t *dir;  /* JOB_DDIRS values */
    bool bytes;
};

static int u64_item(struct job_spec *job, int dir, const char *item, void *ctx, char *why, size_t why_len)
{
    (void)job;
    const struct u64_dest *dest = ctx;
    uint64_t v;
    if ((dest->bytes ? size_value(item, &v, why, why_len) : uint_value(item, 0, UINT64_MAX, &v, why, why_len)) != 0)
        return -1;
    if (dir < JOB_DDIRS)
        dest->dir[dir] = v;
    return 0;
}

static int per_direction_u64(struct job_spec *job, const char *value, uint64_t *dir, bool bytes, char *why,
                             size_t why_len)
{
    struct u64_dest dest = { dir, bytes };
    return per_direction(job, value, u64_item, &dest, why, why_len);
}

static int apply_rate_iops(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    return per_direction_u64(job, value, job->rate_iops, false, why, why_len);
}

static int apply_rate(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    return per_direction_u64(job, value, job->rate_bytes, true, why, why_len);
}

static int apply_blockalign(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    return per_direction_u64(job, value, job->blockalign, true, why, why_len);
}

static int apply_rate_iops_min(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    return per_direction_u64(job, value, job->rate_iops_min, false, why, why_len);
}

static int apply_rate_min(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    return per_direction_u64(job, value, job->rate_bytes_min, true, why, why_len);
}

static int apply_rate_process(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    if (need_value(value, why, why_len) != 0)
        return -1;
    if (strcmp(value, "linear") == 0)
        job->rate_process = JOB_RATE_LINEAR;
    else if (strcmp(value, "poisson") == 0)
        job->rate_process = JOB_RATE_POISSON;
    else {
        snprintf(why, why_len, "bad value '%s' (linear or poisson)", value);
        return -1;
    }
    return 0;
}

/* io_submit_mode=offload hands submission to fio's I/O threads so that a rate holds whatever the
 * device does; lunbench's one polling loop submits on time either way, so both are the same. */
/* HOWTO random_generator: tausworthe, lfsr, tausworthe64 (bench/io_shape.c draws with them). */
static int apply_random_generator(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    static const struct {
        const char *name;
        enum job_random_generator g;
    } names[] = { { "tausworthe", JOB_RNG_TAUSWORTHE }, { "tausworthe64", JOB_RNG_TAUSWORTHE64 }, { "lfsr", JOB_RNG_LFSR } };
    if (need_value(value, why, why_len) != 0)
        return -1;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(value, names[i].name) == 0) {
            job->random_generator = names[i].g;
            return 0;
        }
    snprintf(why, why_len, "'%s' is not one of tausworthe, lfsr, tausworthe64", value);
    return -1;
}

/* HOWTO latency_percentile: "The percentage of I/Os that must fall within the criteria". */
static int apply_latency_percentile(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    double v;
    if (need_value(value, why, why_len) != 0)
        return -1;
    if (dist_float(value, strlen(value), &v) != 0 || v <= 0.0 || v > 100.0) {
        snprintf(why, why_len, "must be a percentage above 0, at most 100, not '%s'", value);
        return -1;
    }
    job->latency_percentile = v;
    return 0;
}

static int apply_io_submit_mode(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    (void)job;
    if (need_value(value, why, why_len) != 0)
        return -1;
    if (strcmp(value, "inline") != 0 && strcmp(value, "offload") != 0) {
        snprintf(why, why_len, "bad value '%s' (inline or offload)", value);
        return -1;
    }
    return 0;
}

static int apply_verify(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    if (need_value(value, why, why_len) != 0)
        return -1;
    /* fio's checksums (HOWTO verify); crc32 (another polynomial in fio) is checked as CRC-32C: any
     * checksum catches what lunbench checks, a block that does not hold what was written there. */
    static const struct {
        const char *name;
        enum stamp_method method;
    } on[] = { { "crc32c", STAMP_CRC32C }, { "crc32c-intel", STAMP_CRC32C }, { "crc32", STAMP_CRC32C },
               { "md5", STAMP_MD5 },       { "sha1", STAMP_SHA1 },           { "sha256", STAMP_SHA256 },
               { "xxhash", STAMP_XXHASH }, { "meta", STAMP_META },           { "header", STAMP_META },
               { "pattern", STAMP_PATTERN } };
    for (size_t i = 0; i < sizeof on / sizeof on[0]; i++) {
        if (strcmp(value, on[i].name) == 0) {
            job->verify = true;
            job->verify_method = (uint8_t)on[i].method;
            return 0;
        }
    }
    if (strcmp(value, "0") == 0 || strcmp(value, "none") == 0) {
        job->verify = false;
        return 0;
    }
    snprintf(why, why_len, "verify=%s is not supported (crc32c, crc32c-intel, crc32, md5, sha1, sha256, xxhash, meta, "
             "header, pattern, or 0 for none; fio's other checksums are not implemented)", value);
    return -1;
}

static int apply_verify_backlog(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    return uint_value(value, 0, JOB_VERIFY_BACKLOG_MAX, &job->verify_backlog, why, why_len);
}

static int apply_verify_fatal(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    return bool_value(value, false, &job->verify_fatal, why, why_len);
}

static int apply_verify_dump(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    return bool_value(value, false, &job->verify_dump, why, why_len);
}

static int apply_do_verify(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    return bool_value(value, false, &job->do_verify, why, why_len);
}

static int apply_verify_generation(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    return uint_value(value, 0, UINT64_MAX, &job->verify_generation, why, why_len);
}

static int apply_randseed(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    return uint_value(value, 0, UINT64_MAX, &job->randseed, why, why_len);
}

/* A plain decimal: digits with an optional fraction; strtod alone would take "inf", "1e2", "0x1p3". */
static bool is_plain_decimal(const char *s, size_t n)
{
    size_t digits = 0, dots = 0;
    for (size_t i = 0; i < n; i++) {
        if (isdigit((unsigned char)s[i]))
            digits++;
        else if (s[i] == '.')
            dots++;
        else
            return false;
    }
    return digits > 0 && dots <= 1;
}

/* HOWTO percentile_list: ':'-separated floats in (0, 100], at most 20. fio sorts the list
 * before use (stat.c); a repeated value is dropped so that JSON keys stay unique. */
static int apply_percentile_list(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    if (need_value(value, why, why_len) != 0)
        return -1;
    double list[HIST_MAX_PERCENTILES];
    size_t n = 0;
    const char *p = value;
    for (;;) {
        size_t len = strcspn(p, ":");
        char item[32];
        if (len == 0 || len >= sizeof item || !is_plain_decimal(p, len)) {
            snprintf(why, why_len, "bad percentile '%.*s' in '%s'", (int)(len < sizeof item ? len : sizeof item), p,
                     value);
            return -1;
        }
        memcpy(item, p, len);
        item[len] = '\0';
        double v = strtod(item, NULL);
        if (!(v > 0.0 && v <= 100.0)) {
            snprintf(why, why_len, "percentile %s is not in (0, 100]", item);
            return -1;
        }
        if (n == HIST_MAX_PERCENTILES) {
            snprintf(why, why_len, "more than %d percentiles", HIST_MAX_PERCENTILES);
            return -1;
        }
        size_t at = n; /* insertion sort: at most 20 */
        while (at > 0 && list[at - 1] > v)
            at--;
        if (!(at > 0 && list[at - 1] == v)) {
            memmove(&list[at + 1], &list[at], (n - at) * sizeof list[0]);
            list[at] = v;
            n++;
        }
        p += len;
        if (*p == '\0')
            break;
        p++;
    }
    memcpy(job->percentiles, list, n * sizeof list[0]);
    job->percentile_count = n;
    return 0;
}

static int apply_lun_order(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    if (need_value(value, why, why_len) != 0)
        return -1;
    if (strcmp(value, "roundrobin") == 0)
        job->lun_order = LUN_ORDER_ROUNDROBIN;
    else if (strcmp(value, "random") == 0)
        job->lun_order = LUN_ORDER_RANDOM;
    else {
        snprintf(why, why_len, "bad value '%s' (roundrobin or random)", value);
        return -1;
    }
    return 0;
}

static int parse_lun_list(const char *value, struct lun_selection *sel, char *why, size_t why_len)
{
    const char *p = value;
    sel->list_count = 0;
    for (;;) {
        const char *entry = p;
        unsigned h, t, l;
        if (parse_decimal_upto(&p, JOB_HBA_MAX, &h) != 0 || *p++ != ':' ||
            parse_decimal_upto(&p, JOB_TARGET_MAX, &t) != 0 || *p++ != ':' ||
            parse_decimal_upto(&p, JOB_LUN_MAX, &l) != 0 || (*p != ',' && *p != '\0')) {
            size_t len = strcspn(entry, ",");
            snprintf(why, why_len,
                     "bad LUN '%.*s' (HBA:TARGET:LUN with HBA 0..%u, TARGET 0..%u, LUN 0..%u; or all, hba:N, "
                     "targets:A-B, first:N)",
                     (int)(len < 40 ? len : 40), entry, JOB_HBA_MAX, JOB_TARGET_MAX, JOB_LUN_MAX);
            return -1;
        }
        for (size_t i = 0; i < sel->list_count; i++) {
            if (sel->list[i].hba == h && sel->list[i].target == t && sel->list[i].lun == l) {
                snprintf(why, why_len, "LUN %u:%u:%u is listed twice", h, t, l);
                return -1;
            }
        }
        if (sel->list_count == LUNSEL_LIST_MAX) {
            snprintf(why, why_len, "more than %d LUNs in the list", LUNSEL_LIST_MAX);
            return -1;
        }
        sel->list[sel->list_count++] = (struct lun_addr){ .hba = (uint8_t)h, .target = (uint8_t)t, .lun = (uint16_t)l };
        if (*p == '\0')
            return 0;
        p++;
    }
}

static int apply_luns(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    if (need_value(value, why, why_len) != 0)
        return -1;
    struct lun_selection sel = { .kind = LUNSEL_ALL };
    const char *p;
    if (strcmp(value, "all") == 0) {
        /* the zero-initialised selection */
    } else if (strncmp(value, "hba:", 4) == 0) {
        p = value + 4;
        sel.kind = LUNSEL_HBA;
        if (parse_decimal_upto(&p, JOB_HBA_MAX, &sel.hba) != 0 || *p != '\0') {
            snprintf(why, why_len, "bad HBA in '%s' (hba:N, N 0..%u)", value, JOB_HBA_MAX);
            return -1;
        }
    } else if (strncmp(value, "targets:", 8) == 0) {
        p = value + 8;
        sel.kind = LUNSEL_TARGETS;
        if (parse_decimal_upto(&p, JOB_TARGET_MAX, &sel.target_lo) != 0 || *p++ != '-' ||
            parse_decimal_upto(&p, JOB_TARGET_MAX, &sel.target_hi) != 0 || *p != '\0' ||
            sel.target_lo > sel.target_hi) {
            snprintf(why, why_len, "bad target range in '%s' (targets:A-B, 0 <= A <= B <= %u)", value, JOB_TARGET_MAX);
            return -1;
        }
    } else if (strncmp(value, "first:", 6) == 0) {
        p = value + 6;
        sel.kind = LUNSEL_FIRST;
        if (parse_decimal_upto(&p, UINT32_MAX, &sel.first_n) != 0 || *p != '\0' || sel.first_n == 0) {
            snprintf(why, why_len, "bad count in '%s' (first:N, N >= 1)", value);
            return -1;
        }
    } else {
        sel.kind = LUNSEL_LIST;
        if (parse_lun_list(value, &sel, why, why_len) != 0)
            return -1;
    }
    job->luns = sel;
    return 0;
}

/* ---- log files (bench/io_log.h) ---- */

/* A log file's name: tools/lunbench-run writes it under the run's directory, so a relative path
 * of printable characters whose parts are not "." or "..". 0, or -1 with the reason. */
static int job_log_name_check(const char *name, char *why, size_t why_len)
{
    size_t n = strlen(name);
    bool ok = n > 0 && name[0] != '/';
    for (size_t i = 0; ok && i < n; i++)
        ok = name[i] >= ' ' && name[i] <= '~' && name[i] != '\\';
    for (const char *part = name; ok && *part != '\0';) {
        size_t len = strcspn(part, "/");
        ok = len > 0 && !(len == 1 && part[0] == '.') && !(len == 2 && part[0] == '.' && part[1] == '.');
        part += len + (part[len] == '/');
    }
    if (!ok)
        snprintf(why, why_len, "log name '%.60s': lunbench-run writes logs under the run's directory: a relative path "
                 "of printable characters, no empty, '.' or '..' parts", name);
    return ok ? 0 : -1;
}

/* HOWTO write_lat_log=str (and bw, iops, hist): bare, the job's name is the prefix (fio's
 * make_log_name); fio appends _TYPE[.N].log either way. */
static int log_prefix(struct job_spec *job, enum job_log_kind kind, const char *value, char *why, size_t why_len)
{
    if (value != NULL && strlen(value) >= JOB_LOG_PREFIX_MAX) {
        snprintf(why, why_len, "a log name has at most %d characters", JOB_LOG_PREFIX_MAX - 1);
        return -1;
    }
    if (value != NULL && value[0] != '\0' && job_log_name_check(value, why, why_len) != 0)
        return -1;
    job->logs.on[kind] = true;
    snprintf(job->logs.prefix[kind], sizeof job->logs.prefix[kind], "%s", value != NULL ? value : "");
    return 0;
}

static int apply_write_lat_log(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    return log_prefix(job, JOB_LOG_LAT, value, why, why_len);
}

static int apply_write_bw_log(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    return log_prefix(job, JOB_LOG_BW, value, why, why_len);
}

static int apply_write_iops_log(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    return log_prefix(job, JOB_LOG_IOPS, value, why, why_len);
}

static int apply_write_hist_log(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    return log_prefix(job, JOB_LOG_HIST, value, why, why_len);
}

static int apply_log_avg_msec(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    return uint_value(value, 0, UINT32_MAX, &job->logs.avg_msec, why, why_len);
}

static int apply_log_hist_msec(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    return uint_value(value, 0, UINT32_MAX, &job->logs.hist_msec, why, why_len);
}

/* HOWTO: "Integer ranging from 0 to 6"; each step halves fio's 1856 bins. */
static int apply_log_hist_coarseness(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    uint64_t v;
    if (uint_value(value, 0, 6, &v, why, why_len) != 0)
        return -1;
    job->logs.hist_coarseness = (unsigned)v;
    return 0;
}

/* HOWTO filesize=irange(int): "individual file sizes". For a block device fio 3.33 sets the
 * file's I/O size to it (filesetup.c, setup_files): the region ends filesize bytes into the
 * device. A range (a size drawn per file) is refused: each LUN has one size. */
static int apply_filesize(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    if (need_value(value, why, why_len) != 0)
        return -1;
    if (strpbrk(value, "-:,") != NULL) {
        snprintf(why, why_len, "a range of file sizes ('%s') is not supported: give one size", value);
        return -1;
    }
    uint64_t v;
    if (size_value(value, &v, why, why_len) != 0)
        return -1;
    if (v == 0 || v % JOB_SECTOR != 0) {
        snprintf(why, why_len, "must be a non-zero multiple of 512, not %s", value);
        return -1;
    }
    job->filesize = v;
    return 0;
}

/* HOWTO startdelay=irange(time): a time (plain: seconds), or a range LO-HI (fio also takes LO:HI
 * and LO,HI), from which each instance draws its own delay. */
static int apply_startdelay(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    if (need_value(value, why, why_len) != 0)
        return -1;
    char lo[JOB_VALUE_MAX];
    if (strlen(value) >= sizeof lo) {
        snprintf(why, why_len, "bad time '%.40s...'", value);
        return -1;
    }
    strcpy(lo, value);
    /* fio's handle_option splits at the first ',', else ':', else '-'. */
    char *sep = strchr(lo, ',');
    if (sep == NULL)
        sep = strchr(lo, ':');
    if (sep == NULL)
        sep = strchr(lo, '-');
    uint64_t a, b = 0;
    if (sep != NULL)
        *sep = '\0';
    if (job_parse_time_ms(lo, &a) != 0 || (sep != NULL && job_parse_time_ms(sep + 1, &b) != 0)) {
        snprintf(why, why_len, "bad time '%s' (a time in seconds or with us, ms, s, m, h or d, or a range LO-HI)",
                 value);
        return -1;
    }
    if (sep != NULL && b < a) {
        snprintf(why, why_len, "the range '%s' ends before it starts", value);
        return -1;
    }
    job->startdelay_ms = a;
    job->startdelay_hi_ms = sep != NULL ? b : 0;
    return 0;
}

/* HOWTO wait_for=str: the waitee is looked up when the job's section ends (job_wait_for_resolve). */
static int apply_wait_for(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    return name_value(value, job->wait_for, why, why_len);
}

static int apply_exit_what(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    static const char *const names[] = { [JOB_EXIT_GROUP] = "group", [JOB_EXIT_STONEWALL] = "stonewall",
                                         [JOB_EXIT_ALL] = "all" };
    if (need_value(value, why, why_len) != 0)
        return -1;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(value, names[i]) == 0) {
            job->exit_what = (enum job_exit_what)i;
            return 0;
        }
    }
    snprintf(why, why_len, "must be group, stonewall or all, not '%s'", value);
    return -1;
}

static int apply_flow(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    uint64_t v;
    if (uint_value(value, 0, JOB_FLOW_MAX_WEIGHT, &v, why, why_len) != 0)
        return -1;
    job->flow = (unsigned)v;
    return 0;
}

static int apply_flow_id(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    return uint_value(value, 0, INT32_MAX, &job->flow_id, why, why_len); /* fio's int */
}

/* HOWTO flow_sleep: microseconds, an integer as fio reads it (not a time). */
static int apply_flow_sleep(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    return uint_value(value, 0, UINT32_MAX, &job->flow_sleep_us, why, why_len);
}

/* HOWTO offset_increment: a size, or N% of each LUN's capacity (then aligned up to bs). */
static int apply_offset_increment(struct job_spec *job, const char *value, char *why, size_t why_len)
{
    return offset_value(value, &job->offset_increment, &job->offset_increment_percent, why, why_len);
}

/* fio_name: what fio's "job options" calls an alias (fio 3.33 prints bs for blocksize=). */
static const struct job_option_def job_options[] = {
    { "name", NULL, apply_name },
    { "description", NULL, apply_ignored_string },
    { "rw", NULL, apply_rw },
    { "readwrite", "rw", apply_rw },
    { "rwmixread", NULL, apply_rwmixread },
    { "rwmixwrite", NULL, apply_rwmixwrite },
    { "bs", NULL, apply_bs },
    { "blocksize", "bs", apply_bs },
    { "iodepth", NULL, apply_iodepth },
    { "runtime", NULL, apply_runtime },
    { "steadystate", NULL, apply_steadystate },
    { "ss", "steadystate", apply_steadystate },
    { "ss_dur", NULL, apply_ss_dur },
    { "ss_ramp", NULL, apply_ss_ramp },
    { "ramp_time", NULL, apply_ramp_time },
    { "time_based", NULL, apply_time_based },
    { "size", NULL, apply_size },
    { "filesize", NULL, apply_filesize },
    { "offset", NULL, apply_offset },
    { "number_ios", NULL, apply_number_ios },
    { "rate_iops", NULL, apply_rate_iops },
    { "rate", NULL, apply_rate },
    { "rate_iops_min", NULL, apply_rate_iops_min },
    { "rate_min", NULL, apply_rate_min },
    { "ratemin", "rate_min", apply_rate_min },
    { "rate_process", NULL, apply_rate_process },
    { "io_submit_mode", NULL, apply_io_submit_mode },
    { "bsrange", NULL, apply_bsrange },
    { "blocksize_range", "bsrange", apply_bsrange },
    { "bssplit", NULL, apply_bssplit },
    { "blocksize_unaligned", NULL, apply_bs_unaligned },
    { "bs_unaligned", "blocksize_unaligned", apply_bs_unaligned },
    { "percentage_random", NULL, apply_percentage_random },
    { "blockalign", NULL, apply_blockalign },
    { "ba", "blockalign", apply_blockalign },
    { "random_distribution", NULL, apply_random_distribution },
    { "loops", NULL, apply_loops },
    { "zonemode", NULL, apply_zonemode },
    { "zonesize", NULL, apply_zonesize },
    { "zonerange", NULL, apply_zonerange },
    { "zoneskip", NULL, apply_zoneskip },
    { "fsync", NULL, apply_fsync },
    { "thinktime", TIME_FIELD(thinktime_us) },
    /* HOWTO thinktime_spin: part of the think time spent busy instead of asleep. lunbench never
     * sleeps (it polls), so all of the think time is spent like this; the value is checked. */
    { "thinktime_spin", TIME_FIELD(thinktime_spin_us) },
    { "thinktime_blocks", NULL, apply_thinktime_blocks },
    { "thinktime_blocks_type", NULL, apply_thinktime_blocks_type },
    /* What the report shows (bench/report.c). */
    { "disable_lat", BOOL_FIELD(disable_lat) },
    { "disable_clat", BOOL_FIELD(disable_clat) },
    { "disable_slat", BOOL_FIELD(disable_slat) },
    { "disable_bw_measurement", BOOL_FIELD(disable_bw) },
    { "disable_bw", BOOL_ALIAS("disable_bw_measurement", disable_bw) },
    { "lat_percentiles", BOOL_FIELD(lat_percentiles) },
    { "clat_percentiles", BOOL_FIELD(clat_percentiles) },
    { "slat_percentiles", BOOL_FIELD(slat_percentiles) },
    { "significant_figures", NULL, apply_significant_figures },
    { "exitall", FLAG_FIELD(exitall) },
    { "exit_what", NULL, apply_exit_what },
    /* fio's coordination of jobs that run side by side (bench/wave.h). */
    { "startdelay", NULL, apply_startdelay },
    { "wait_for", NULL, apply_wait_for },
    { "flow", NULL, apply_flow },
    { "flow_id", NULL, apply_flow_id },
    { "flow_sleep", NULL, apply_flow_sleep },
    { "offset_increment", NULL, apply_offset_increment },
    { "continue_on_error", NULL, apply_continue_on_error },
    { "buffer_pattern", NULL, apply_buffer_pattern },
    { "zero_buffers", NULL, apply_zero_buffers },
    { "refill_buffers", FLAG_FIELD(refill_buffers) },
    { "scramble_buffers", BOOL_FIELD(scramble_buffers) },
    { "exitall_on_error", FLAG_FIELD(exitall_on_error) },
    { "fdatasync", NULL, apply_fdatasync },
    { "end_fsync", NULL, apply_end_fsync },
    { "fsync_on_close", NULL, apply_fsync_on_close },
    { "verify", NULL, apply_verify },
    { "do_verify", NULL, apply_do_verify },
    { "verify_backlog", NULL, apply_verify_backlog },
    { "verify_fatal", NULL, apply_verify_fatal },
    { "verify_dump", NULL, apply_verify_dump },
    { "verify_generation", NULL, apply_verify_generation },
    { "randseed", NULL, apply_randseed },
    { "percentile_list", NULL, apply_percentile_list },
    { "luns", NULL, apply_luns },
    { "lun_order", NULL, apply_lun_order },
    { "numjobs", NULL, apply_numjobs },
    { "timeout", "runtime", apply_runtime }, /* fio's old name for runtime */
    { "random_generator", NULL, apply_random_generator },
    /* HOWTO latency_target, latency_window: times, a plain number microseconds. */
    { "latency_target", TIME_FIELD(latency_target_us) },
    { "latency_window", TIME_FIELD(latency_window_us) },
    { "latency_percentile", NULL, apply_latency_percentile },
    { "latency_run", BOOL_FIELD(latency_run) },
    /* fio's log files (bench/io_log.c). */
    { "write_lat_log", NULL, apply_write_lat_log },
    { "write_bw_log", NULL, apply_write_bw_log },
    { "write_iops_log", NULL, apply_write_iops_log },
    { "write_hist_log", NULL, apply_write_hist_log },
    { "log_avg_msec", NULL, apply_log_avg_msec },
    { "log_hist_msec", NULL, apply_log_hist_msec },
    { "log_hist_coarseness", NULL, apply_log_hist_coarseness },
    { "log_max_value", BOOL_FIELD(logs.max_value) },
    { "log_offset", BOOL_FIELD(logs.offset) },
    { "log_prio", BOOL_FIELD(logs.prio) },
    { "per_job_logs", BOOL_FIELD(logs.per_job) },
    /* Refused, each with its reason. */
    { "cpus_allowed", NULL, apply_cpus_allowed },
    { "cpus_allowed_policy", NULL, apply_cpus_allowed_policy },
    { "cpumask", NULL, apply_cpumask },
    { "trim_percentage", REFUSED(TRIM_VERIFY) },
    { "trim_verify_zero", REFUSED(TRIM_VERIFY) },
    { "trim_backlog", REFUSED(TRIM_VERIFY) },
    { "trim_backlog_batch", REFUSED(TRIM_VERIFY) },
    { "numa_cpu_nodes", REFUSED("NUMA placement of fio's processes is not implemented") },
    { "numa_mem_policy", REFUSED("NUMA placement of fio's processes is not implemented") },
    { "ignore_error", REFUSED("lunbench counts every failed I/O by its SCSI outcome and goes on (fio's "
                              "continue_on_error=all); fio's errno lists do not map onto SCSI sense") },
    { "verify_pattern", NULL, apply_verify_pattern },
    { "verify_interval", NULL, apply_verify_interval },
    { "fill_device", NULL, apply_fill_device },
    { "fill_fs", "fill_device", apply_fill_device },
    { "filename", NULL, apply_filename },
    { "directory", NULL, apply_filename },
    { "filename_format", NULL, apply_filename },
    /* Accepted so that fio files run unchanged; they do not change what lunbench does. */
    { "ioengine", NULL, apply_ioengine },
    { "direct", NULL, apply_ignored_bool },
    { "buffered", NULL, apply_ignored_bool },
    { "invalidate", NULL, apply_ignored_bool },
    { "create_serialize", NULL, apply_ignored_bool },
    { "randrepeat", NULL, apply_ignored_bool },
    { "gtod_reduce", NULL, apply_ignored_bool },
    { "thread", NULL, apply_ignored_flag },
    { "threads", "thread", apply_ignored_flag }, /* fio 3.33 takes threads=1 as thread (steadystate.fio) */
    { "group_reporting", FLAG_FIELD(group_reporting) },
    { "stonewall", FLAG_FIELD(stonewall) },
    { "wait_for_previous", "stonewall", NULL, offsetof(struct job_spec, stonewall), true },
    { "new_group", FLAG_FIELD(new_group) },
    { "norandommap", NULL, apply_ignored_flag },
    { "iodepth_batch", NULL, apply_ignored_uint },
    { "iodepth_batch_submit", "iodepth_batch", apply_ignored_uint },
    { "iodepth_batch_complete_min", NULL, apply_ignored_uint },
    { "iodepth_batch_complete", "iodepth_batch_complete_min", apply_ignored_uint },
    { "iodepth_low", NULL, apply_ignored_uint },
    /* fio 3.33 takes it and ignores it ("soft deprecated": its flows have no watermark now). */
    { "flow_watermark", NULL, apply_ignored_uint },

};

static const struct job_option_def *job_option_find(const char *key)
{
    for (size_t i = 0; i < sizeof job_options / sizeof job_options[0]; i++)
        if (strcmp(job_options[i].name, key) == 0) /* case-sensitive, as fio */
            return &job_options[i];
    return NULL;
}

bool job_option_known(const char *key) { return job_option_find(key) != NULL; }

void job_spec_defaults(struct job_spec *job)
{
    memset(job, 0, sizeof *job);
    job->rw = JOB_READ;
    job->rwmixread = 50;
    job->numjobs = 1;
    job->bs = job->bs_max = 4096;
    for (int d = 0; d < JOB_DDIRS; d++) {
        job->bsz[d] = (struct job_block_sizes){ .min = 4096, .max = 4096 };
        job->percentage_random[d] = 100;
        job->dist[d] = (struct job_distribution){ .kind = JOB_DIST_RANDOM, .center = -1.0 };
    }
    job->seq_nr = 1;
    job->loops = 1;
    job->thinktime_blocks = 1;
    job->clat_percentiles = true;
    job->scramble_buffers = true;
    job->iodepth = 1;
    job->do_verify = true;
    job->randseed = JOB_DEFAULT_RANDSEED;
    job->percentile_count = hist_default_percentiles_count;
    memcpy(job->percentiles, hist_default_percentiles, hist_default_percentiles_count * sizeof job->percentiles[0]);
    job->luns.kind = LUNSEL_ALL;
    job->lun_order = LUN_ORDER_ROUNDROBIN;
    job->logs.per_job = true;
    job->latency_percentile = 100.0;
    job->ss_slope = job->ss_pct = true; /* fio's default steadystate=iops_slope:0.01% */
    job->ss_limit = 0.01;
    job->wait_for_job = -1;
}

/* Keep key=value in the job's "job options": a later value replaces an earlier one in place. */
static int job_option_record(struct job_spec *job, const char *key, const char *value, unsigned line, char *why,
                             size_t why_len)
{
    struct job_option *o = NULL;
    for (size_t i = 0; i < job->option_count && o == NULL; i++)
        if (strcmp(job->options[i].key, key) == 0)
            o = &job->options[i];
    if (o == NULL) {
        if (job->option_count == JOB_MAX_OPTIONS) {
            snprintf(why, why_len, "more than %d options in one job", JOB_MAX_OPTIONS);
            return -1;
        }
        o = &job->options[job->option_count++];
        snprintf(o->key, sizeof o->key, "%s", key);
    }
    const char *v = value != NULL ? value : "";
    size_t n = strlen(v);
    if (n < sizeof o->value) {
        memcpy(o->value, v, n + 1);
    } else {
        memcpy(o->value, v, sizeof o->value - 4);
        strcpy(o->value + sizeof o->value - 4, "...");
    }
    o->line = line;
    return 0;
}

/* Check, apply and record one option; -1 with "option 'KEY': why" or "unknown option". */
static int job_option_set(struct job_spec *job, const char *key, const char *value, unsigned line, char *msg,
                          size_t msg_len)
{
    const struct job_option_def *def = job_option_find(key);
    if (def == NULL) {
        if (strncmp(key, "include ", 8) == 0)
            snprintf(msg, msg_len, "'include' is not supported: put the options in the job file itself");
        else
            snprintf(msg, msg_len, "unknown option '%s'", key);
        return -1;
    }
    char why[JOB_WHY_MAX];
    if (def->refused != NULL) {
        snprintf(msg, msg_len, "option '%s': not supported: %s", key, def->refused);
        return -1;
    }
    char *field = (char *)job + def->field;
    int rc = def->apply != NULL ? def->apply(job, value, why, sizeof why)
             : def->time_us    ? time_us_value(value, (uint64_t *)field, why, sizeof why)
                               : bool_value(value, def->bare, (bool *)field, why, sizeof why);
    if (rc != 0 ||
        job_option_record(job, def->fio_name != NULL ? def->fio_name : def->name, value, line, why, sizeof why) != 0) {
        snprintf(msg, msg_len, "option '%s': %s", key, why);
        return -1;
    }
    return 0;
}

int job_option_check(const char *key, const char *value, char *err, size_t err_len)
{
    struct job_spec scratch;
    job_spec_defaults(&scratch);
    return job_option_set(&scratch, key, value, 0, err, err_len);
}

/* ---- the INI layer ---- */

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* Split "key = value" (value NULL for a bare key), trimming both. */
static void split_option(char *text, char **key, char **value)
{
    char *eq = strchr(text, '=');
    *value = NULL;
    if (eq != NULL) {
        *eq = '\0';
        *value = trim(eq + 1);
    }
    *key = trim(text);
}

struct job_parser {
    const char *file_name;
    const char *const *overrides;
    size_t n_overrides;
    char *err;
    size_t err_len;
};

static int parser_fail(const struct job_parser *ps, unsigned line, const char *msg)
{
    if (line != 0)
        snprintf(ps->err, ps->err_len, "%s:%u: %s", ps->file_name, line, msg);
    else
        snprintf(ps->err, ps->err_len, "command line: %s", msg);
    return -1;
}

/* Where the job's option key was last set (0: the command line, or not set). */
static unsigned option_line(const struct job_spec *job, const char *key)
{
    for (size_t i = 0; i < job->option_count; i++)
        if (strcmp(job->options[i].key, key) == 0)
            return job->options[i].line;
    return 0;
}

/* The job's I/O unit is its smallest size in the directions it does: offsets are multiples of
 * it, as fio aligns them to the smallest size (blockalign's default), and lunbench needs every
 * size and skip to be a multiple of it too (it tracks regions in units of it). */
static int job_sizes_finish(const struct job_parser *ps, struct job_spec *job)
{
    char msg[JOB_WHY_MAX + 64];
    uint32_t unit = UINT32_MAX, largest = 0;
    for (int d = 0; d < JOB_DDIRS; d++) {
        if (!job_does_dir(job, d))
            continue;
        if (job->bsz[d].min < unit)
            unit = job->bsz[d].min;
        if (job->bsz[d].max > largest)
            largest = job->bsz[d].max;
    }
    static const char *const size_keys[] = { "bssplit", "bsrange", "bs" };
    unsigned line = 0;
    for (size_t i = 0; i < sizeof size_keys / sizeof size_keys[0] && line == 0; i++)
        line = option_line(job, size_keys[i]);
    for (int d = 0; d < JOB_DDIRS; d++) {
        const struct job_block_sizes *b = &job->bsz[d];
        bool aligned = !job_does_dir(job, d) || (b->min % unit == 0 && b->max % unit == 0);
        for (size_t i = 0; aligned && i < b->split_count; i++)
            aligned = b->split[i].bs % unit == 0;
        if (!aligned) {
            snprintf(msg, sizeof msg, "the %s sizes must be multiples of the job's smallest, %" PRIu32
                     " (lunbench tracks each region in units of it)",
                     d == JOB_DDIR_READ ? "read" : d == JOB_DDIR_WRITE ? "write" : "trim", unit);
            return parser_fail(ps, line, msg);
        }
    }
    job->bs = unit;
    job->bs_max = largest;
    for (int d = 0; d < JOB_DDIRS; d++) {
        if (job_does_dir(job, d) && job->blockalign[d] % unit != 0) {
            snprintf(msg, sizeof msg, "option 'blockalign': %" PRIu64 " is not a multiple of the job's smallest block "
                     "size %" PRIu32, job->blockalign[d], unit);
            return parser_fail(ps, option_line(job, "blockalign"), msg);
        }
    }
    if (job->seq_add % (int64_t)unit != 0) {
        snprintf(msg, sizeof msg, "option 'rw': the skip of %" PRId64 " bytes is not a multiple of the block size %"
                 PRIu32, job->seq_add, unit);
        return parser_fail(ps, option_line(job, "rw"), msg);
    }
    if (!job->zonemode_strided && (job->zone_size || job->zone_range || job->zone_skip))
        return parser_fail(ps, option_line(job, job->zone_size ? "zonesize" : job->zone_range ? "zonerange" : "zoneskip"),
                           "zonesize, zonerange and zoneskip need zonemode=strided (fio: zonemode=none and zonesize "
                           "are not compatible)");
    if (job->zonemode_strided) {
        if (job->zone_size == 0)
            return parser_fail(ps, option_line(job, "zonemode"), "option 'zonemode': strided needs a zonesize");
        if (job->zone_range == 0)
            job->zone_range = job->zone_size; /* fio's default */
        if (job->zone_size % unit || job->zone_range % unit || job->zone_skip % unit) {
            snprintf(msg, sizeof msg, "zonesize, zonerange and zoneskip must be multiples of the block size %" PRIu32,
                     unit);
            return parser_fail(ps, option_line(job, "zonemode"), msg);
        }
        if (job->verify && job->rw == JOB_WRITE)
            return parser_fail(ps, option_line(job, "zonemode"), "option 'zonemode': a verified sequential write (a "
                               "durable pass over the region) cannot skip zones");
    }
    if (job->verify && job->verify_method == STAMP_PATTERN && job->verify_pattern_len == 0)
        return parser_fail(ps, option_line(job, "verify"), "option 'verify': pattern needs verify_pattern= (the bytes "
                           "every block must hold)");
    if (job->verify && job->rw == JOB_WRITE && job->bsz[JOB_DDIR_WRITE].min != job->bsz[JOB_DDIR_WRITE].max)
        return parser_fail(ps, line, "a verified sequential write (a durable pass over the region) takes one "
                           "block size, not a range or split");
    if (job->seq_add != 0 && job->verify && job->rw == JOB_WRITE)
        return parser_fail(ps, option_line(job, "rw"), "option 'rw': a verified sequential write (a durable pass "
                           "over the region) cannot skip with ':N'");
    return 0;
}

/* A job's section has ended: the command line's options go last, then the checks that need
 * the whole job. */
static int job_finish(const struct job_parser *ps, struct job_spec *job)
{
    char msg[JOB_WHY_MAX + 64];
    for (size_t i = 0; i < ps->n_overrides; i++) {
        char buf[JOB_LINE_MAX];
        if (snprintf(buf, sizeof buf, "%s", ps->overrides[i]) >= (int)sizeof buf)
            return parser_fail(ps, 0, "an option is longer than 1023 characters");
        char *key, *value;
        split_option(buf, &key, &value);
        if (job_option_set(job, key, value, 0, msg, sizeof msg) != 0)
            return parser_fail(ps, 0, msg);
    }
    if (job->filename_given) {
        unsigned line = 0;
        const char *key = "filename";
        bool luns = false;
        for (size_t i = 0; i < job->option_count; i++) {
            if (strcmp(job->options[i].key, "luns") == 0)
                luns = true;
            else if (line == 0 && (strcmp(job->options[i].key, "filename") == 0 ||
                                   strcmp(job->options[i].key, "directory") == 0 ||
                                   strcmp(job->options[i].key, "filename_format") == 0)) {
                line = job->options[i].line;
                key = job->options[i].key;
            }
        }
        if (!luns) {
            snprintf(msg, sizeof msg, "option '%s': lunbench picks LUNs with luns=, not filename= (see docs/jobs.md)",
                     key);
            return parser_fail(ps, line, msg);
        }
    }
    for (int k = 0; k < JOB_LOG_KINDS; k++) {
        char why[JOB_WHY_MAX];
        if (job->logs.on[k] && job->logs.prefix[k][0] == '\0' && job_log_name_check(job->name, why, sizeof why) != 0) {
            snprintf(msg, sizeof msg, "job '%s': its logs are named after it: %.150s", job->name, why);
            return parser_fail(ps, job->line, msg);
        }
    }
    for (int d = 0; d < JOB_DDIRS && job->random_generator == JOB_RNG_LFSR; d++) {
        if (job->dist[d].kind != JOB_DIST_RANDOM)
            return parser_fail(ps, option_line(job, "random_generator"),
                               "option 'random_generator': lfsr draws every block once, evenly: it goes with "
                               "random_distribution=random only");
    }
    if (job->filesize != 0 && (job->size != 0 || job->size_percent != 0))
        return parser_fail(ps, option_line(job, "size"), "option 'size': with filesize, fio takes size for io_size "
                           "(the amount of I/O), which lunbench does not implement");
    if (job->time_based && job->runtime_ms == 0) {
        /* fio's fixup_options logs "time_based requires a runtime" and drops time_based. */
        return parser_fail(ps, option_line(job, "time_based"),
                           "option 'time_based': needs a runtime (fio ignores time_based without one)");
    }
    return job_sizes_finish(ps, job);
}

/* HOWTO wait_for: "the waitee must be defined prior to the waiter job" and "must have a unique
 * name" (fio's wait_for_ok, which counts the jobs before this one). */
static int job_wait_for_resolve(const struct job_parser *ps, const struct job_spec *jobs, size_t before,
                                struct job_spec *job)
{
    char msg[JOB_WHY_MAX + 64];
    job->wait_for_job = -1;
    if (job->wait_for[0] == '\0')
        return 0;
    unsigned line = option_line(job, "wait_for");
    if (strcmp(job->wait_for, job->name) == 0) {
        snprintf(msg, sizeof msg, "option 'wait_for': job '%s' cannot wait for itself", job->name);
        return parser_fail(ps, line, msg);
    }
    unsigned found = 0;
    for (size_t i = 0; i < before; i++) {
        if (strcmp(jobs[i].name, job->wait_for) == 0) {
            job->wait_for_job = (long)i;
            found++;
        }
    }
    if (found == 0)
        snprintf(msg, sizeof msg, "option 'wait_for': no job '%s' before this one (fio: the waitee must come first)",
                 job->wait_for);
    else if (found > 1)
        snprintf(msg, sizeof msg, "option 'wait_for': %u jobs before this one are named '%s' (fio: the waitee's name "
                 "must be unique)", found, job->wait_for);
    else
        return 0;
    return parser_fail(ps, line, msg);
}

/* A job's section has ended (jobs[n - 1] is job): finish it, then find what it waits for. */
static int job_section_end(const struct job_parser *ps, const struct job_spec *jobs, size_t n, struct job_spec *job)
{
    if (job_finish(ps, job) != 0)
        return -1;
    return job_wait_for_resolve(ps, jobs, n - 1, job);
}

/* "[name]": 0 with the name in place, or -1 with the reason in msg. */
static int parse_section_header(char *text, char **name, char *msg, size_t msg_len)
{
    size_t n = strlen(text);
    if (text[n - 1] != ']') {
        snprintf(msg, msg_len, "section header '%.60s' does not end in ']'", text);
        return -1;
    }
    text[n - 1] = '\0';
    *name = trim(text + 1);
    if (**name == '\0') {
        snprintf(msg, msg_len, "empty section name");
        return -1;
    }
    if (strlen(*name) >= JOB_NAME_MAX) {
        snprintf(msg, msg_len, "job name '%.40s...' is longer than %d characters", *name, JOB_NAME_MAX - 1);
        return -1;
    }
    /* fio's parser takes any section whose name starts with "global" for [global]. */
    if (strncmp(*name, "global", 6) == 0 && strcmp(*name, "global") != 0) {
        snprintf(msg, msg_len, "fio reads section '[%s]' as [global]: rename it", *name);
        return -1;
    }
    return 0;
}

int job_file_parse(const char *file_name, const char *text, size_t len, const char *const *overrides,
                   size_t n_overrides, struct job_spec *jobs, size_t max_jobs, size_t *count, char *err,
                   size_t err_len)
{
    const struct job_parser ps = { file_name, overrides, n_overrides, err, err_len };
    struct job_spec global; /* what [global] sections have set so far */
    struct job_spec *cur = NULL;
    size_t n = 0;
    char msg[JOB_WHY_MAX + 64];
    job_spec_defaults(&global);
    *count = 0;
    unsigned line_no = 0;
    for (size_t pos = 0; pos < len;) {
        line_no++;
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t line_len = (nl != NULL ? (size_t)(nl - text) : len) - pos;
        char buf[JOB_LINE_MAX];
        if (line_len >= sizeof buf)
            return parser_fail(&ps, line_no, "line is longer than 1023 characters");
        memcpy(buf, text + pos, line_len);
        buf[line_len] = '\0';
        pos += line_len + 1;
        if (strlen(buf) != line_len)
            return parser_fail(&ps, line_no, "NUL byte in the line (not a text file?)");
        /* fio's strip_blank_end cuts a line at its first ';' or '#', inside values too (fio
         * 3.33 reads "bs=4k ; comment" as bs=4k); the HOWTO only speaks of whole lines. */
        buf[strcspn(buf, ";#")] = '\0';
        char *s = trim(buf);
        if (*s == '\0')
            continue;
        if (*s == '[') {
            char *name;
            if (cur != NULL && cur != &global && job_section_end(&ps, jobs, n, cur) != 0)
                return -1;
            if (parse_section_header(s, &name, msg, sizeof msg) != 0)
                return parser_fail(&ps, line_no, msg);
            if (strcmp(name, "global") == 0) {
                cur = &global;
                continue;
            }
            if (n == max_jobs) {
                snprintf(msg, sizeof msg, "more than %zu jobs", max_jobs);
                return parser_fail(&ps, line_no, msg);
            }
            cur = &jobs[n++];
            *cur = global;
            strcpy(cur->name, name); /* a name= in [global] does not rename jobs (fio) */
            snprintf(cur->source, sizeof cur->source, "%s", file_name);
            cur->line = line_no;
            cur->number = (unsigned)n;
            continue;
        }
        char *key, *value;
        split_option(s, &key, &value);
        if (cur == NULL) {
            snprintf(msg, sizeof msg, "option '%.40s' is outside any [section]", key);
            return parser_fail(&ps, line_no, msg);
        }
        if (job_option_set(cur, key, value, line_no, msg, sizeof msg) != 0)
            return parser_fail(&ps, line_no, msg);
    }
    if (cur != NULL && cur != &global && job_section_end(&ps, jobs, n, cur) != 0)
        return -1;
    if (n == 0) {
        snprintf(err, err_len, "%s: no job sections", file_name);
        return -1;
    }
    *count = n;
    return 0;
}
