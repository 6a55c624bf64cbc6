#include "bench/terse.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bench/report_figures.h"

struct line {
    char *buf;
    size_t len, used;
    bool overflow;
};

static void add(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct line *l, const char *fmt, ...)
{
    if (l->overflow)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(l->buf + l->used, l->len - l->used, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= l->len - l->used) {
        l->overflow = true;
        return;
    }
    l->used += (size_t)n;
}

/* min, max, mean, stdev in us, fio's calc_lat: zeros without samples. */
static void lat_fields(struct line *l, const struct histogram *h)
{
    if (h->count == 0) {
        add(l, ";0;0;0.000000;0.000000");
        return;
    }
    add(l, ";%" PRIu64 ";%" PRIu64 ";%f;%f", h->min / 1000, h->max / 1000, h->mean / 1000.0, hist_stddev(h) / 1000.0);
}

/* The 20 percentile fields (fio's FIO_IO_U_LIST_MAX_LEN): each "P%=us", then "0%=0". */
static void percentile_fields(struct line *l, const struct job_spec *job, const struct histogram *h, bool on)
{
    uint64_t values[HIST_MAX_PERCENTILES];
    size_t n = on && hist_percentiles(h, job->percentiles, job->percentile_count, values) == 0 ? job->percentile_count
                                                                                                : 0;
    for (size_t i = 0; i < HIST_MAX_PERCENTILES; i++) {
        if (i < n)
            add(l, ";%f%%=%" PRIu64, job->percentiles[i], values[i] / 1000);
        else
            add(l, ";0%%=0");
    }
}

/* fio's show_ddir_status_terse for version 3. */
static void dir_fields(struct line *l, const struct job_spec *job, const struct job_result *r, int d)
{
    const struct dir_result *dr = &r->dir[d];
    struct histogram off;
    hist_init(&off);
    uint64_t runt = dr->ios ? r->runtime_ns / 1000000 : 0; /* as the JSON's "runtime" */
    uint64_t bw = runt ? 1000 * dr->bytes / runt / 1024 : 0;
    uint64_t iops = runt ? 1000 * dr->ios / runt : 0;
    add(l, ";%" PRIu64 ";%" PRIu64 ";%" PRIu64 ";%" PRIu64, dr->bytes >> 10, bw, iops, runt);
    const struct histogram *slat = job->disable_slat ? &off : &dr->slat;
    const struct histogram *clat = job->disable_clat ? &off : &dr->clat;
    const struct histogram *lat = job->disable_lat ? &off : &dr->lat;
    lat_fields(l, slat);
    lat_fields(l, clat);
    if (job->lat_percentiles)
        percentile_fields(l, job, lat, true);
    else
        percentile_fields(l, job, clat, job->clat_percentiles);
    lat_fields(l, lat);
    const struct sample_stats *s = &dr->bw_samples;
    if (job->disable_bw || s->n == 0)
        add(l, ";0;0;0.000000%%;0.000000;0.000000");
    else
        add(l, ";%" PRIu64 ";%" PRIu64 ";%f%%;%f;%f", (uint64_t)s->min, (uint64_t)s->max,
            report_bw_agg(dr, r->group_agg_bw[d]), s->mean, sample_stats_stddev(s));
}

/* A job option's value as the job file gave it, or NULL. */
static const char *given(const struct job_spec *job, const char *key)
{
    for (size_t i = 0; i < job->option_count; i++)
        if (strcmp(job->options[i].key, key) == 0)
            return job->options[i].value;
    return NULL;
}

size_t bench_terse_line(char *buf, size_t len, const struct job_spec *job, const struct job_result *r,
                        const char *fio_version)
{
    struct line l = { buf, len, 0, len == 0 };
    if (len != 0)
        buf[0] = '\0';
    add(&l, "3;%s;%s;%u;%d", fio_version, job->name, r->groupid, report_error(r));
    dir_fields(&l, job, r, DIR_READ);
    dir_fields(&l, job, r, DIR_WRITE);
    /* CPU: lunbench's one polling CPU, as its JSON gives usr_cpu and sys_cpu. */
    add(&l, ";%f%%;%f%%;%d;%d;%d", 100.0, 0.0, 0, 0, 0);
    double depth[IODEPTH_LEVELS];
    report_depth_dist(r, depth);
    for (int i = 0; i < IODEPTH_LEVELS; i++)
        add(&l, ";%3.1f%%", depth[i]);
    /* fio's stat_calc_lat_nu: the latencies under 1 us count in the first microsecond field. */
    double us[10], ms[12];
    report_lat_pct(r->lat_dist.us, 10, r->lat_dist.total, us);
    report_lat_pct(r->lat_dist.ms, 12, r->lat_dist.total, ms);
    uint64_t ns = 0;
    for (int i = 0; i < 10; i++)
        ns += r->lat_dist.ns[i];
    if (r->lat_dist.total)
        us[0] += 100.0 * (double)ns / (double)r->lat_dist.total;
    for (int i = 0; i < 10; i++)
        add(&l, ";%3.2f%%", us[i]);
    for (int i = 0; i < 12; i++)
        add(&l, ";%3.2f%%", ms[i]);
    if (given(job, "continue_on_error") != NULL)
        add(&l, ";%" PRIu64 ";%d", report_error_count(r), report_error(r));
    const char *description = given(job, "description");
    if (description != NULL && description[0] != '\0')
        add(&l, ";%s", description);
    add(&l, "\n");
    return l.overflow ? 0 : l.used;
}
