#include "bench/wave.h"

#include <stdlib.h>
#include <string.h>

void wave_free(struct wave *w)
{
    free(w->state);
    free(w->terminates);
    free(w->start_at);
    free(w->flow_of);
    free(w->flows);
    memset(w, 0, sizeof *w);
}

/* No startdelay and no waitee in this wave: it starts in the wave's first round. */
static bool starts_with_the_wave(const struct wave *w, size_t i)
{
    const struct job_spec *job = w->jobs[i];
    return job->startdelay_ms == 0 && job->waitee_end <= w->first;
}

int wave_init(struct wave *w, const struct job_spec *const *jobs, size_t n, size_t first, uint64_t run_start,
              uint64_t tsc_hz)
{
    memset(w, 0, sizeof *w);
    size_t k = n ? n : 1;
    *w = (struct wave){ .first = first, .n = n, .jobs = jobs };
    w->state = calloc(k, sizeof *w->state);
    w->terminates = calloc(k, sizeof *w->terminates);
    w->start_at = calloc(k, sizeof *w->start_at);
    w->flow_of = calloc(k, sizeof *w->flow_of);
    w->flows = calloc(k, sizeof *w->flows);
    if (w->state == NULL || w->terminates == NULL || w->start_at == NULL || w->flow_of == NULL || w->flows == NULL)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const struct job_spec *job = jobs[i];
        w->state[i] = WAVE_WAITING;
        w->start_at[i] = run_start + (uint64_t)((unsigned __int128)job->startdelay_ms * tsc_hz / 1000u);
        w->flow_of[i] = SIZE_MAX;
        if (job->flow == 0)
            continue;
        size_t f = 0;
        while (f < w->n_flows && w->flows[f].id != job->flow_id)
            f++;
        if (f == w->n_flows) {
            w->flows[f].id = job->flow_id;
            w->flows[f].counter = 1; /* fio's flow_get */
            w->n_flows++;
        }
        w->flow_of[i] = f;
        /* fio starts the jobs it can start together only once each has joined its flow
         * (flow_init_job, before any is set running): so do the ones that start with the wave. */
        if (starts_with_the_wave(w, i))
            wave_flow_join(&w->flows[f], job->flow);
    }
    return 0;
}

enum wave_state wave_state_of(const struct wave *w, size_t i)
{
    /* Acquire: an instance seen ended has its result and its terminates flag written (wave_end). */
    return (enum wave_state)__atomic_load_n(&w->state[i], __ATOMIC_ACQUIRE);
}

bool wave_try_start(struct wave *w, size_t i, uint64_t now)
{
    const struct job_spec *job = w->jobs[i];
    if (wave_state_of(w, i) != WAVE_WAITING || now < w->start_at[i])
        return false;
    /* wait_for: the waitee's instances in an earlier wave have ended with it. */
    size_t from = job->waitee_first > w->first ? job->waitee_first - w->first : 0;
    size_t to = job->waitee_end > w->first ? job->waitee_end - w->first : 0;
    for (size_t j = from; j < to && j < w->n; j++) {
        enum wave_state s = wave_state_of(w, j);
        if (s != WAVE_ENDED && s != WAVE_CANCELLED)
            return false;
    }
    /* Only its own worker starts it, but a pause's owner may cancel it meanwhile: whoever swaps
     * WAITING first decides. */
    uint32_t waiting = WAVE_WAITING;
    if (!__atomic_compare_exchange_n(&w->state[i], &waiting, WAVE_RUNNING, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        return false;
    if (wave_flow_of(w, i) != NULL && !starts_with_the_wave(w, i))
        wave_flow_join(wave_flow_of(w, i), job->flow); /* a late starter joins as it starts */
    return true;
}

void wave_end(struct wave *w, size_t i, bool terminated)
{
    w->terminates[i] = terminated;
    /* Release: a worker that sees it ended (wait_for) or an owner that reads terminates does so
     * after this. */
    __atomic_store_n(&w->state[i], WAVE_ENDED, __ATOMIC_RELEASE);
}

bool wave_cancel(struct wave *w, size_t i)
{
    uint32_t waiting = WAVE_WAITING;
    if (!__atomic_compare_exchange_n(&w->state[i], &waiting, WAVE_CANCELLED, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE))
        return false;
    if (wave_flow_of(w, i) != NULL && starts_with_the_wave(w, i))
        wave_flow_leave(wave_flow_of(w, i), w->jobs[i]->flow, 0); /* joined, never ran */
    return true;
}

bool wave_reaches(const struct job_spec *ender, const struct job_spec *other, bool started)
{
    switch (ender->exit_what) {
    case JOB_EXIT_GROUP: return other->groupid == ender->groupid;
    case JOB_EXIT_STONEWALL: return started; /* fio: runstate >= TD_RUNNING */
    case JOB_EXIT_ALL: return true;
    }
    return false;
}

struct wave_flow *wave_flow_of(struct wave *w, size_t i)
{
    return w->flow_of[i] == SIZE_MAX ? NULL : &w->flows[w->flow_of[i]];
}

/* The flow's counters are plain counts that every job of the flow adds to: relaxed atomics, as
 * fio's atomic_add. Nothing else is ordered by them; a job reading a count a little old holds
 * back (or goes on) one I/O early or late, as fio's do. */
void wave_flow_join(struct wave_flow *f, unsigned weight)
{
    __atomic_fetch_add(&f->total_weight, weight, __ATOMIC_RELAXED);
}

void wave_flow_leave(struct wave_flow *f, unsigned weight, uint64_t own)
{
    __atomic_fetch_sub(&f->counter, own, __ATOMIC_RELAXED);
    __atomic_fetch_sub(&f->total_weight, weight, __ATOMIC_RELAXED);
}

bool wave_flow_allows(const struct wave_flow *f, unsigned weight, uint64_t own)
{
    uint64_t counter = __atomic_load_n(&f->counter, __ATOMIC_RELAXED);
    uint64_t total = __atomic_load_n(&f->total_weight, __ATOMIC_RELAXED);
    if (counter == 0 || total == 0)
        return true;
    /* own / counter > weight / total, without division (fio compares the two as doubles). */
    return (unsigned __int128)own * total <= (unsigned __int128)weight * counter;
}

void wave_flow_issued(struct wave_flow *f) { __atomic_fetch_add(&f->counter, 1, __ATOMIC_RELAXED); }
