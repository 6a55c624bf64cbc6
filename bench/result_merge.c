#include "bench/result_merge.h"

#include <string.h>

#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define MIN(a, b) ((a) < (b) ? (a) : (b))

/* fio's sum_stat with pure_sum: a group's IOPS and bandwidth are its members' added up. */
static void samples_sum(struct sample_stats *dst, const struct sample_stats *src)
{
    if (src->n == 0)
        return;
    if (dst->n == 0) {
        *dst = *src;
        return;
    }
    dst->min += src->min;
    dst->max += src->max;
    dst->mean += src->mean;
    dst->m2 += src->m2;
    dst->n += src->n;
}

void job_result_merge(struct job_result *dst, const struct job_result *src)
{
    for (int d = 0; d < DIR_COUNT; d++) {
        struct dir_result *a = &dst->dir[d];
        const struct dir_result *b = &src->dir[d];
        a->ios += b->ios;
        a->bytes += b->bytes;
        hist_merge(&a->clat, &b->clat);
        hist_merge(&a->slat, &b->slat);
        hist_merge(&a->lat, &b->lat);
        samples_sum(&a->iops_samples, &b->iops_samples);
        samples_sum(&a->bw_samples, &b->bw_samples);
        a->errors += b->errors;
    }
    dst->sync.ios += src->sync.ios;
    dst->sync.errors += src->sync.errors;
    hist_merge(&dst->sync.lat, &src->sync.lat);
    for (size_t i = 0; i < sizeof dst->lat_dist.ns / sizeof dst->lat_dist.ns[0]; i++)
        dst->lat_dist.ns[i] += src->lat_dist.ns[i];
    for (size_t i = 0; i < sizeof dst->lat_dist.us / sizeof dst->lat_dist.us[0]; i++)
        dst->lat_dist.us[i] += src->lat_dist.us[i];
    for (size_t i = 0; i < sizeof dst->lat_dist.ms / sizeof dst->lat_dist.ms[0]; i++)
        dst->lat_dist.ms[i] += src->lat_dist.ms[i];
    dst->lat_dist.total += src->lat_dist.total;
    dst->runtime_ns = MAX(dst->runtime_ns, src->runtime_ns);
    dst->elapsed_ns = MAX(dst->elapsed_ns, src->elapsed_ns);
    for (int k = 0; k < ERR_KINDS; k++)
        dst->errors[k] += src->errors[k];
    dst->verify_blocks += src->verify_blocks;
    dst->verify_failures += src->verify_failures;
    for (int i = 0; i < IODEPTH_LEVELS; i++)
        dst->iodepth_level[i] += src->iodepth_level[i];
    dst->lun_count = MAX(dst->lun_count, src->lun_count); /* clones run on the same LUNs */
    dst->submit_cycles += src->submit_cycles;
    dst->reap_cycles += src->reap_cycles;
    dst->driver_ios += src->driver_ios;
    dst->removed_ios += src->removed_ios;
    dst->ua_retries += src->ua_retries;
    /* Hotplug changes are seen by every job running then: count each once. */
    dst->luns_removed = MAX(dst->luns_removed, src->luns_removed);
    dst->luns_added = MAX(dst->luns_added, src->luns_added);
    dst->capacity_changes = MAX(dst->capacity_changes, src->capacity_changes);
    dst->events = MAX(dst->events, src->events);
    dst->luns_retired += src->luns_retired;
    if (src->stopped && !dst->stopped)
        memcpy(dst->stop_reason, src->stop_reason, sizeof dst->stop_reason);
    dst->stopped |= src->stopped;
    dst->start_ns = MIN(dst->start_ns, src->start_ns);
    dst->end_ns = MAX(dst->end_ns, src->end_ns);
    dst->job_start_ms = MIN(dst->job_start_ms, src->job_start_ms);
    dst->members += src->members;
}
