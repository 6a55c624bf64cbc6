#include "bench/latency_target.h"

#include <string.h>

void latency_target_init(struct latency_target *lt, const struct job_spec *job, uint64_t hz, uint64_t now,
                         uint64_t ios)
{
    memset(lt, 0, sizeof *lt);
    lt->iodepth = job->iodepth;
    lt->qd = job->iodepth;
    if (job->latency_target_us == 0)
        return;
    lt->on = true;
    lt->target_ns = job->latency_target_us * 1000u;
    lt->window_cycles = (uint64_t)((unsigned __int128)job->latency_window_us * hz / 1000000u);
    lt->percentile = job->latency_percentile;
    lt->run_on = job->latency_run;
    lt->qd = lt->qd_low = 1;
    lt->qd_high = job->iodepth;
    lt->window_start = now;
    lt->ios_at_start = ios;
}

static void new_window(struct latency_target *lt, uint64_t now, uint64_t ios)
{
    lt->window_start = now;
    lt->ios_at_start = ios;
    lt->failed = 0;
}

/* fio's __lat_target_failed: bisect down towards the last depth that met the target. */
static bool ramp_down(struct latency_target *lt, uint64_t now, uint64_t ios)
{
    if (lt->qd == 1)
        return true;
    lt->qd_high = lt->qd;
    if (lt->qd == lt->qd_low)
        lt->qd_low--;
    lt->qd = (lt->qd + lt->qd_low) / 2;
    lt->stable = 0;
    lt->quiesce = true; /* fio's io_u_quiesce: the deeper queue's I/Os would fail the next window too */
    new_window(lt, now, ios);
    return false;
}

/* fio's lat_target_success: double until a depth fails, then bisect; the same depth twice is the
 * answer. */
static void ramp_up(struct latency_target *lt, uint64_t now, uint64_t ios)
{
    unsigned qd = lt->qd;
    lt->qd_low = lt->qd;
    /* Stuck one below the first depth that failed: after 3 such windows try one higher (fio). */
    if (lt->qd + 1 == lt->qd_high && ++lt->stable >= 3) {
        lt->qd_high++;
        lt->stable = 0;
    }
    if (lt->qd_high != lt->iodepth)
        lt->qd = (lt->qd + lt->qd_high) / 2;
    else
        lt->qd *= 2;
    if (lt->qd > lt->iodepth)
        lt->qd = lt->iodepth;
    if (!lt->run_on && lt->qd == qd) {
        if (lt->end_run) {
            lt->done = true;
        } else {
            lt->quiesce = true;
            lt->end_run = true;
            lt->reset = true;
        }
    }
    new_window(lt, now, ios);
}

bool latency_target_allows(struct latency_target *lt, unsigned in_flight)
{
    if (lt->quiesce && in_flight == 0)
        lt->quiesce = false;
    return !lt->quiesce && in_flight < lt->qd;
}

void latency_target_io(struct latency_target *lt, uint64_t lat_ns, uint64_t now, uint64_t ios)
{
    if (!lt->on || lat_ns <= lt->target_ns)
        return;
    if (lt->percentile < 100.0) {
        lt->failed++;
        return;
    }
    if (ramp_down(lt, now, ios))
        lt->fatal = true;
}

void latency_target_check(struct latency_target *lt, uint64_t now, uint64_t ios)
{
    if (!lt->on || lt->done || now - lt->window_start < lt->window_cycles)
        return;
    uint64_t n = ios - lt->ios_at_start;
    /* fio divides by the window's I/Os even when there were none: 0/0 is no success. */
    double success = n ? 100.0 * (double)(n - lt->failed) / (double)n : 0.0;
    if (success >= lt->percentile)
        ramp_up(lt, now, ios);
    else
        ramp_down(lt, now, ios);
}
