#include "bench/steadystate.h"

#include <math.h>
#include <string.h>

void steadystate_init(struct steadystate *ss, const struct job_spec *job)
{
    memset(ss, 0, sizeof *ss);
    ss->on = job->ss_dur_s != 0;
    ss->dur = (unsigned)job->ss_dur_s;
    ss->ramp = (unsigned)((job->ss_ramp_ms + 999) / 1000);
}

static double magnitude(double v) { return v < 0.0 ? -v : v; }

static uint64_t at(const struct steadystate *ss, const uint64_t *v, unsigned i) { return v[(ss->head + i) % ss->dur]; }

double steadystate_mean(const struct steadystate *ss, bool bw)
{
    if (ss->count == 0)
        return 0.0;
    double sum = 0.0;
    for (unsigned i = 0; i < ss->count; i++)
        sum += (double)at(ss, bw ? ss->bw : ss->iops, i);
    return sum / ss->count;
}

unsigned steadystate_window(const struct steadystate *ss, uint64_t *iops, uint64_t *bw)
{
    for (unsigned i = 0; i < ss->count; i++) {
        iops[i] = at(ss, ss->iops, i);
        bw[i] = at(ss, ss->bw, i);
    }
    return ss->count;
}

bool steadystate_sample(struct steadystate *ss, const struct job_spec *job, uint64_t iops, uint64_t bw_bytes)
{
    if (!ss->on || ss->attained || ss->seen++ < ss->ramp)
        return false;
    if (ss->count < ss->dur) {
        ss->iops[(ss->head + ss->count) % ss->dur] = iops;
        ss->bw[(ss->head + ss->count) % ss->dur] = bw_bytes;
        ss->count++;
    } else {
        ss->iops[ss->head] = iops; /* the oldest goes */
        ss->bw[ss->head] = bw_bytes;
        ss->head = (ss->head + 1) % ss->dur;
    }
    if (ss->count < ss->dur)
        return false;
    ss->full = true;
    const uint64_t *v = job->ss_bw ? ss->bw : ss->iops;
    double mean = steadystate_mean(ss, job->ss_bw);
    double n = ss->count, sx = 0, sy = 0, sxy = 0, sxx = 0, dev = 0;
    for (unsigned i = 0; i < ss->count; i++) {
        double x = i, y = (double)at(ss, v, i);
        sx += x;
        sy += y;
        sxy += x * y;
        sxx += x * x;
        dev = magnitude(y - mean) > dev ? magnitude(y - mean) : dev;
    }
    double denom = n * sxx - sx * sx;
    ss->slope = denom != 0.0 ? (n * sxy - sx * sy) / denom : 0.0;
    ss->deviation = dev;
    double value = job->ss_slope ? magnitude(ss->slope) : dev;
    ss->criterion = job->ss_pct ? (mean != 0.0 ? 100.0 * value / mean : INFINITY) : value;
    ss->attained = ss->criterion < job->ss_limit;
    return ss->attained;
}
