#include "report.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench/report_figures.h"

static const char *const dir_names[DIR_COUNT] = { "read", "write", "trim" };

double bench_driver_cycles_per_io(const struct job_result *r)
{
    return r->driver_ios ? (double)(r->submit_cycles + r->reap_cycles) / (double)r->driver_ios : 0.0;
}

void report_style_of(unsigned output_format, const char *fio_version, uint64_t tsc_hz, struct report_style *s)
{
    s->normal = (output_format & OUTPUT_NORMAL) != 0;
    s->terse = (output_format & OUTPUT_TERSE) != 0;
    s->bins = (output_format & OUTPUT_JSON_PLUS) != 0 || (output_format & OUTPUT_JSON) == 0;
    s->fio_version = fio_version;
    s->tsc_hz = tsc_hz;
}

static double per_second(uint64_t v, uint64_t ns) { return ns ? (double)v * 1e9 / (double)ns : 0.0; }

/* fio prints "12.3k" style counts. */
static const char *short_count(double v, char buf[32])
{
    if (v >= 1e6)
        snprintf(buf, 32, "%.1fM", v / 1e6);
    else if (v >= 1e4)
        snprintf(buf, 32, "%.1fk", v / 1e3);
    else
        snprintf(buf, 32, "%.0f", v);
    return buf;
}

/* A latency unit fitting the values, as fio switches between nsec, usec and msec. */
static void pick_unit(double ns, const char **unit, double *div)
{
    if (ns < 10000) {
        *unit = "nsec";
        *div = 1;
    } else if (ns < 10000000) {
        *unit = "usec";
        *div = 1e3;
    } else {
        *unit = "msec";
        *div = 1e6;
    }
}

static void print_lat(const char *label, const struct histogram *h)
{
    if (h->count == 0)
        return;
    const char *unit;
    double div;
    pick_unit(h->mean, &unit, &div);
    printf("    %4s (%s): min=%.0f, max=%.0f, avg=%.2f, stdev=%.2f\n", label, unit, (double)h->min / div,
           (double)h->max / div, h->mean / div, hist_stddev(h) / div);
}

static void print_percentiles(const char *label, const struct job_spec *job, const struct histogram *h)
{
    if (h->count == 0)
        return;
    uint64_t values[HIST_MAX_PERCENTILES];
    if (hist_percentiles(h, job->percentiles, job->percentile_count, values) != 0)
        return;
    const char *unit;
    double div;
    pick_unit((double)values[job->percentile_count / 2], &unit, &div);
    printf("    %s percentiles (%s):", label, unit);
    for (size_t i = 0; i < job->percentile_count; i++)
        printf("%s%6.2fth=[%6.0f]%s", i % 4 == 0 ? "\n     | " : " ", job->percentiles[i], (double)values[i] / div,
               i + 1 < job->percentile_count ? "," : "");
    printf("\n");
}

void bench_report_job(const struct job_spec *job, const struct job_result *r, const struct report_style *style)
{
    uint64_t tsc_hz = style->tsc_hz;
    uint64_t errors = report_error_count(r);
    char bs[48];
    job_bs_text(job, bs, sizeof bs);
    printf("%s: (rw=%s, bs=%s, iodepth=%u, %u LUN%s): err=%" PRIu64 "%s%s\n", job->name, job_rw_name(job->rw),
           bs, job->iodepth, r->lun_count, r->lun_count == 1 ? "" : "s", errors, r->stopped ? ", stopped: " : "",
           r->stopped ? r->stop_reason : "");
    if (r->members > 1)
        printf("  (groupid=%u, jobs=%u): group_reporting, one entry for the group\n", r->groupid, r->members);
    for (int d = 0; d < DIR_COUNT; d++) {
        const struct dir_result *dr = &r->dir[d];
        if (dr->ios == 0 && dr->errors == 0)
            continue;
        char iops[32];
        double bw = per_second(dr->bytes, r->runtime_ns);
        printf("  %s: IOPS=%s, BW=%.1fMiB/s (%.1fMB/s)(%.1fMiB/%" PRIu64 "msec)\n", dir_names[d],
               short_count(per_second(dr->ios, r->runtime_ns), iops), bw / (1 << 20), bw / 1e6,
               (double)dr->bytes / (1 << 20), r->runtime_ns / 1000000);
        /* disable_slat, disable_clat, disable_lat; clat_percentiles (on), lat_ and slat_percentiles. */
        if (!job->disable_slat)
            print_lat("slat", &dr->slat);
        if (!job->disable_clat)
            print_lat("clat", &dr->clat);
        if (!job->disable_lat)
            print_lat("lat", &dr->lat);
        if (job->slat_percentiles && !job->disable_slat)
            print_percentiles("slat", job, &dr->slat);
        if (job->clat_percentiles && !job->disable_clat)
            print_percentiles("clat", job, &dr->clat);
        if (job->lat_percentiles && !job->disable_lat)
            print_percentiles("lat", job, &dr->lat);
        if (job->disable_bw)
            continue;
        if (dr->bw_samples.n)
            printf("   bw (  KiB/s): min=%.0f, max=%.0f, avg=%.2f, stdev=%.2f, samples=%" PRIu64 "\n", dr->bw_samples.min,
                   dr->bw_samples.max, dr->bw_samples.mean, sample_stats_stddev(&dr->bw_samples), dr->bw_samples.n);
        if (dr->iops_samples.n)
            printf("   iops        : min=%.0f, max=%.0f, avg=%.2f, stdev=%.2f, samples=%" PRIu64 "\n",
                   dr->iops_samples.min, dr->iops_samples.max, dr->iops_samples.mean,
                   sample_stats_stddev(&dr->iops_samples), dr->iops_samples.n);
        if (dr->errors)
            printf("   errors      : %" PRIu64 "\n", dr->errors);
    }
    if (r->sync.ios || r->sync.errors) { /* fio's block for fsync and fdatasync */
        printf("  fsync/fdatasync/sync_file_range:\n");
        print_lat("sync", &r->sync.lat);
        print_percentiles("sync", job, &r->sync.lat);
        if (r->sync.errors)
            printf("   errors      : %" PRIu64 "\n", r->sync.errors);
    }
    /* fio's "lat (usec): 50=1.2%, ..." distribution lines, buckets above 0.01% only. */
    const uint64_t *sets[3] = { r->lat_dist.ns, r->lat_dist.us, r->lat_dist.ms };
    const char *units[3] = { "nsec", "usec", "msec" };
    for (int u = 0; u < 3 && r->lat_dist.total; u++) {
        int n = u == 2 ? 12 : 10;
        double pcts[12];
        report_lat_pct(sets[u], (size_t)n, r->lat_dist.total, pcts);
        bool any = false;
        for (int k = 0; k < n; k++) {
            double pct = pcts[k];
            if (pct <= 0.0) /* fio's show_lat: a non-zero count shows as at least 0.01% */
                continue;
            if (!any)
                printf("  lat (%s)   : ", units[u]);
            else
                printf(", ");
            printf("%s=%.2f%%", lat_dist_keys[k], pct);
            any = true;
        }
        if (any)
            printf("\n");
    }
    if (job->ss_dur_s != 0) { /* fio's show_ss_normal */
        double bw = steadystate_mean(&r->ss, true);
        printf("  steadystate  : attained=%s, bw=%.1fMiB/s (%.1fMB/s), iops=%.0f, %s%s=%.3f%s\n",
               r->ss.attained ? "yes" : "no", bw / (1 << 20), bw / 1e6, steadystate_mean(&r->ss, false),
               job->ss_bw ? "bw" : "iops", job->ss_slope ? " slope" : " mean dev",
               isfinite(r->ss.criterion) ? r->ss.criterion : 0.0, job->ss_pct ? "%" : "");
    }
    if (r->verify_blocks)
        printf("  verify: %" PRIu64 " blocks checked, %" PRIu64 " failed\n", r->verify_blocks, r->verify_failures);
    if (r->events || r->removed_ios || r->ua_retries)
        printf("  hotplug: %u events, %u LUNs removed, %u added, %u capacity changes; %" PRIu64
               " I/Os found their LUN gone, %" PRIu64 " UNIT ATTENTIONs retried\n", r->events, r->luns_removed,
               r->luns_added, r->capacity_changes, r->removed_ios, r->ua_retries);
    printf("  driver: %.0f TSC cycles per I/O in submit + reap (%.0f ns), %" PRIu64 " I/Os\n",
           bench_driver_cycles_per_io(r), tsc_hz ? bench_driver_cycles_per_io(r) * 1e9 / (double)tsc_hz : 0.0,
           r->driver_ios);
}

/* {"min", "max", "mean", "stddev", "N"} and, where percentiles are on, "percentile" and with bins
 * fio's json+ "bins" (add_ddir_lat_json). */
static void json_lat(struct json_writer *w, const char *key, const struct histogram *h, const struct job_spec *job,
                     bool with_percentiles, bool bins)
{
    json_object_begin(w, key);
    json_uint(w, "min", h->count ? h->min : 0);
    json_uint(w, "max", h->max);
    json_double(w, "mean", h->mean);
    json_double(w, "stddev", hist_stddev(h));
    json_uint(w, "N", h->count);
    if (with_percentiles && h->count) {
        uint64_t values[HIST_MAX_PERCENTILES];
        if (hist_percentiles(h, job->percentiles, job->percentile_count, values) == 0) {
            json_object_begin(w, "percentile");
            for (size_t i = 0; i < job->percentile_count; i++) {
                char k[32];
                snprintf(k, sizeof k, "%f", job->percentiles[i]); /* fio's "%f" keys: "99.900000" */
                json_uint(w, k, values[i]);
            }
            json_object_end(w);
        }
    }
    if (with_percentiles && h->count && bins) {
        json_object_begin(w, "bins");
        for (unsigned i = 0; i < HIST_PLAT_NR; i++) {
            if (h->buckets[i] == 0)
                continue;
            char k[24];
            snprintf(k, sizeof k, "%" PRIu64, hist_bucket_value(i));
            json_uint(w, k, h->buckets[i]);
        }
        json_object_end(w);
    }
    json_object_end(w);
}

/* fio's "steadystate" object (stat.c): the criterion as given, the window's length and verdict, the
 * last judged criterion, deviation and slope, and the window's samples, oldest first. */
static void json_steadystate(struct json_writer *w, const struct job_spec *job, const struct steadystate *ss)
{
    char text[64];
    snprintf(text, sizeof text, "%s%s:%f%s", job->ss_bw ? "bw" : "iops", job->ss_slope ? "_slope" : "", job->ss_limit,
             job->ss_pct ? "%" : "");
    json_object_begin(w, "steadystate");
    json_string(w, "ss", text);
    json_uint(w, "duration", job->ss_dur_s);
    json_uint(w, "attained", ss->attained);
    snprintf(text, sizeof text, "%f%s", isfinite(ss->criterion) ? ss->criterion : 0.0, job->ss_pct ? "%" : "");
    json_string(w, "criterion", text);
    json_double(w, "max_deviation", ss->deviation);
    json_double(w, "slope", ss->slope);
    json_object_begin(w, "data");
    json_uint(w, "bw_mean", (uint64_t)steadystate_mean(ss, true));
    json_uint(w, "iops_mean", (uint64_t)steadystate_mean(ss, false));
    static uint64_t iops[JOB_SS_DUR_MAX], bw[JOB_SS_DUR_MAX];
    unsigned n = steadystate_window(ss, iops, bw);
    json_array_begin(w, "iops");
    for (unsigned i = 0; i < n; i++)
        json_uint(w, NULL, iops[i]);
    json_array_end(w);
    json_array_begin(w, "bw");
    for (unsigned i = 0; i < n; i++)
        json_uint(w, NULL, bw[i]);
    json_array_end(w);
    json_object_end(w);
    json_object_end(w);
}

static void json_ddir(struct json_writer *w, const char *key, const struct dir_result *d, const struct job_spec *job,
                      uint64_t runtime_ns, uint64_t group_agg_bw, bool bins)
{
    /* What fio prints for a measurement the job disabled: zeros. */
    struct histogram off;
    struct sample_stats no_samples;
    hist_init(&off);
    sample_stats_init(&no_samples);
    json_object_begin(w, key);
    double bw_bytes = per_second(d->bytes, runtime_ns);
    json_uint(w, "io_bytes", d->bytes);
    json_uint(w, "io_kbytes", d->bytes / 1024);
    json_uint(w, "bw_bytes", (uint64_t)bw_bytes);
    json_uint(w, "bw", (uint64_t)(bw_bytes / 1024));
    json_double(w, "iops", per_second(d->ios, runtime_ns));
    json_uint(w, "runtime", d->ios ? runtime_ns / 1000000 : 0);
    json_uint(w, "total_ios", d->ios);
    json_uint(w, "short_ios", 0);
    json_uint(w, "drop_ios", 0);
    json_lat(w, "slat_ns", job->disable_slat ? &off : &d->slat, job, job->slat_percentiles, bins);
    json_lat(w, "clat_ns", job->disable_clat ? &off : &d->clat, job, job->clat_percentiles, bins);
    json_lat(w, "lat_ns", job->disable_lat ? &off : &d->lat, job, job->lat_percentiles, bins);
    const struct sample_stats *bw = job->disable_bw ? &no_samples : &d->bw_samples;
    const struct sample_stats *iops = job->disable_bw ? &no_samples : &d->iops_samples;
    json_uint(w, "bw_min", bw->n ? (uint64_t)bw->min : 0);
    json_uint(w, "bw_max", bw->n ? (uint64_t)bw->max : 0);
    json_double(w, "bw_agg", report_bw_agg(d, group_agg_bw));
    json_double(w, "bw_mean", bw->n ? bw->mean : 0.0);
    json_double(w, "bw_dev", sample_stats_stddev(bw));
    json_uint(w, "bw_samples", bw->n);
    json_uint(w, "iops_min", iops->n ? (uint64_t)iops->min : 0);
    json_uint(w, "iops_max", iops->n ? (uint64_t)iops->max : 0);
    json_double(w, "iops_mean", iops->n ? iops->mean : 0.0);
    json_double(w, "iops_stddev", sample_stats_stddev(iops));
    json_uint(w, "iops_samples", iops->n);
    json_uint(w, "errors", d->errors);
    json_object_end(w);
}

static void json_percent_map(struct json_writer *w, const char *key, const uint64_t *counts, size_t n, uint64_t total)
{
    double pct[12];
    report_lat_pct(counts, n, total, pct);
    json_object_begin(w, key);
    for (size_t i = 0; i < n; i++)
        json_double(w, lat_dist_keys[i], pct[i]);
    json_object_end(w);
}

void bench_json_job(struct json_writer *w, const struct job_spec *job, const struct job_result *r,
                    const struct report_style *style)
{
    uint64_t tsc_hz = style->tsc_hz;
    bool bins = style->bins;
    json_object_begin(w, NULL);
    json_string(w, "jobname", job->name);
    json_uint(w, "groupid", r->groupid);
    json_uint(w, "job_start", r->job_start_ms);
    json_uint(w, "error", (uint64_t)report_error(r)); /* fio reports an errno */
    json_uint(w, "eta", 0);
    json_uint(w, "elapsed", (r->elapsed_ns + 999999999) / 1000000000);
    json_object_begin(w, "job options");
    for (size_t i = 0; i < job->option_count; i++)
        json_string(w, job->options[i].key, job->options[i].value);
    json_object_end(w);
    json_ddir(w, "read", &r->dir[DIR_READ], job, r->runtime_ns, r->group_agg_bw[DIR_READ], bins);
    json_ddir(w, "write", &r->dir[DIR_WRITE], job, r->runtime_ns, r->group_agg_bw[DIR_WRITE], bins);
    json_ddir(w, "trim", &r->dir[DIR_TRIM], job, r->runtime_ns, r->group_agg_bw[DIR_TRIM], bins);
    json_object_begin(w, "sync");
    json_uint(w, "total_ios", r->sync.ios);
    json_lat(w, "lat_ns", &r->sync.lat, job, true, bins);
    json_object_end(w);
    json_uint(w, "job_runtime", r->runtime_ns / 1000000);
    if (job->latency_target_us != 0) { /* fio's stat.c: only where latency_target was set */
        json_uint(w, "latency_depth", r->latency_depth);
        json_uint(w, "latency_target", job->latency_target_us * 1000);
        json_double(w, "latency_percentile", job->latency_percentile);
        json_uint(w, "latency_window", job->latency_window_us);
    }
    if (job->ss_dur_s != 0)
        json_steadystate(w, job, &r->ss);
    json_double(w, "usr_cpu", 100.0); /* one CPU, polling all the time */
    json_double(w, "sys_cpu", 0.0);
    json_uint(w, "ctx", 0);
    json_uint(w, "majf", 0);
    json_uint(w, "minf", 0);
    static const char *const depth_keys[IODEPTH_LEVELS] = { "1", "2", "4", "8", "16", "32", ">=64" };
    double depth[IODEPTH_LEVELS];
    report_depth_dist(r, depth);
    json_object_begin(w, "iodepth_level");
    for (int i = 0; i < IODEPTH_LEVELS; i++)
        json_double(w, depth_keys[i], depth[i]);
    json_object_end(w);
    json_percent_map(w, "latency_ns", r->lat_dist.ns, 10, r->lat_dist.total);
    json_percent_map(w, "latency_us", r->lat_dist.us, 10, r->lat_dist.total);
    json_percent_map(w, "latency_ms", r->lat_dist.ms, 12, r->lat_dist.total);
    json_uint(w, "latency_depth", job->iodepth);
    json_uint(w, "latency_target", 0);
    json_double(w, "latency_percentile", 100.0);
    json_uint(w, "latency_window", 0);
    json_object_begin(w, "lunbench");
    json_uint(w, "luns", r->lun_count);
    json_uint(w, "jobs", r->members); /* more than 1: a group_reporting entry */
    json_uint(w, "start_ns", r->start_ns); /* guest time (the TSC) from its start to its end */
    json_uint(w, "end_ns", r->end_ns);
    json_object_begin(w, "errors");
    static const char *const kinds[ERR_KINDS] = { "response", "check_condition", "other_status", "short_transfer",
                                                  "verify" };
    for (int k = 0; k < ERR_KINDS; k++)
        json_uint(w, kinds[k], r->errors[k]);
    json_object_end(w);
    json_object_begin(w, "hotplug");
    json_uint(w, "events", r->events);
    json_uint(w, "luns_removed", r->luns_removed);
    json_uint(w, "luns_added", r->luns_added);
    json_uint(w, "capacity_changes", r->capacity_changes);
    json_uint(w, "removed_ios", r->removed_ios);
    json_uint(w, "ua_retries", r->ua_retries);
    json_object_end(w);
    json_uint(w, "verify_blocks", r->verify_blocks);
    json_uint(w, "verify_failures", r->verify_failures);
    json_double(w, "driver_cycles_per_io", bench_driver_cycles_per_io(r));
    json_uint(w, "tsc_hz", tsc_hz);
    json_bool(w, "stopped", r->stopped);
    if (r->stopped)
        json_string(w, "stop_reason", r->stop_reason);
    json_object_end(w);
    json_object_end(w);
}
