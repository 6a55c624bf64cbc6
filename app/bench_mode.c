/* mode=bench: find the job file (the -initrd module, or the built-in default), check every job,
 * run them as fio does (side by side until a stonewall, numjobs clones beside their job), report
 * each job or group_reporting group with fio's group lines, then write fio's JSON. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/rtc.h"
#include "bench/cpu_plan.h"
#include "bench/crew.h"
#include "bench/default_job.h"
#include "bench/engine.h"
#include "bench/group_report.h"
#include "bench/job_plan.h"
#include "bench/targets.h"
#include "bench/wave.h"
#include "bench/worker.h"
#include "fs/archive.h"
#include "lib/exit_status.h"
#include "rt/results.h"
#include "machine.h"

#ifndef LUNBENCH_VERSION
#define LUNBENCH_VERSION "unknown"
#endif

/* The "fio version" of the JSON and of the terse lines. */
#define FIO_VERSION "lunbench-" LUNBENCH_VERSION

#define MAX_JOBS 32
#define MAX_INSTANCES 128 /* jobs and their numjobs clones */
#define MAX_FILES 64

/* Where the job file comes from: jobfile=H:T:L:/PATH (a FAT file system on a LUN), jobfile=esp:/PATH
 * (read by the UEFI entry: the first module), the -initrd module, else nothing (the default job).
 * 0 with the bytes and a name for messages, or -1 (printed). */
static int job_file_source(const struct machine *m, const struct scan_result *scan, const uint8_t **data,
                           size_t *size, const char **plain)
{
    const struct boot_info *b = &m->boot;
    const char *jobfile = m->options.jobfile;
    *data = NULL;
    *plain = jobfile;
    if (jobfile[0] != '\0' && strncmp(jobfile, "esp:", 4) != 0) {
        uint8_t *bytes;
        if (lun_file_read(scan, jobfile, m->tsc.hz / 1000 * m->options.cmd_timeout_ms, &bytes, size) != 0)
            return -1;
        *data = bytes; /* kept: the jobs point into it */
        return 0;
    }
    if (jobfile[0] != '\0' && b->protocol != BOOT_UEFI) {
        printf("lunbench: jobfile=%s: esp: files are read by the UEFI image; this one booted by %s (use -initrd)\n",
               jobfile, b->protocol == BOOT_PVH ? "PVH" : "Multiboot1");
        return -1;
    }
    if (jobfile[0] != '\0' && b->module_count == 0) {
        printf("lunbench: jobfile=%s: the UEFI entry could not read it (its line above says why)\n", jobfile);
        return -1;
    }
    if (b->module_count == 0)
        return 0;
    if (b->module_count > 1)
        printf("lunbench: %zu modules given; jobs come from the first\n", b->module_count);
    const struct boot_module *mod = &b->modules[0];
    *data = phys_to_virt(mod->start);
    *size = mod->end - mod->start;
    if (jobfile[0] == '\0')
        *plain = mod->name[0] ? mod->name : "initrd";
    return 0;
}

/* The job file text: from the job file (choosing job=NAME in an archive), else the default. */
static int find_job_file(const struct machine *m, const struct scan_result *scan, const char **name,
                         const char **text, size_t *len)
{
    const uint8_t *data;
    size_t size = 0;
    const char *plain;
    if (job_file_source(m, scan, &data, &size, &plain) != 0)
        return -1;
    if (data == NULL) {
        if (m->options.job[0] != '\0') {
            printf("lunbench: job=%s, but no job file was given (-initrd or jobfile=)\n", m->options.job);
            return -1;
        }
        *name = bench_default_job_name;
        *text = bench_default_job;
        *len = strlen(bench_default_job);
        return 0;
    }
    static struct fs_file files[MAX_FILES];
    size_t count = 0;
    char err[200];
    if (fs_archive_list(data, size, plain, files, MAX_FILES, &count, err, sizeof err) != 0) {
        printf("lunbench: job archive %s: %s\n", plain, err);
        return -1;
    }
    const struct fs_file *chosen = NULL;
    for (size_t i = 0; i < count; i++) {
        const char *base = strrchr(files[i].name, '/');
        base = base ? base + 1 : files[i].name;
        if (m->options.job[0] == '\0' ? count == 1
                                      : strcmp(files[i].name, m->options.job) == 0 || strcmp(base, m->options.job) == 0)
            chosen = &files[i];
    }
    if (chosen == NULL) {
        if (m->options.job[0])
            printf("lunbench: job=%s: no such file; the module %s holds:", m->options.job, plain);
        else
            printf("lunbench: choose a job file with job=NAME; the module %s holds:", plain);
        for (size_t i = 0; i < count; i++)
            printf(" %s", files[i].name);
        printf("\n");
        return -1;
    }
    *name = chosen->name;
    *text = (const char *)chosen->data;
    *len = chosen->size;
    return 0;
}

/* fio's log files (and status_interval's documents) reach the launcher on COM2, in frames ahead
 * of the JSON. */
static const struct log_channel com2_logs = { results_com2_write, NULL };

/* What each CPU drove over the whole run: the request queues it reaped, and how much. */
struct cpu_tally {
    bool used;
    uint32_t id;        /* its APIC ID, as read on it */
    unsigned instances; /* job instances it ran */
    uint64_t *reaped;   /* [h * HBA_MAX_QUEUES + q] */
};

struct cpu_tallies {
    struct cpu_tally cpu[CPU_PLAN_MAX];
    unsigned hba_count;
};

/* A worker's counts into its CPU's tally. 0, or -1 out of memory. */
static int tally_add(struct cpu_tallies *t, unsigned cpu, uint32_t id, unsigned instances, const uint64_t *reaped)
{
    struct cpu_tally *c = &t->cpu[cpu];
    size_t cells = (size_t)(t->hba_count ? t->hba_count : 1) * HBA_MAX_QUEUES;
    if (c->reaped == NULL && (c->reaped = calloc(cells, sizeof *c->reaped)) == NULL)
        return -1;
    c->used = true;
    c->id = id;
    c->instances += instances;
    for (size_t k = 0; k < cells; k++)
        c->reaped[k] += reaped[k];
    return 0;
}

/* The "cpus" array of the lunbench object: per CPU that ran jobs, the queues it reaped. Each
 * request queue is owned by one CPU in a wave (bench/cpu_plan.h). */
static void write_cpus(struct json_writer *w, const struct cpu_tallies *t)
{
    json_array_begin(w, "cpus");
    for (unsigned c = 0; c < CPU_PLAN_MAX; c++) {
        const struct cpu_tally *cpu = &t->cpu[c];
        if (!cpu->used)
            continue;
        json_object_begin(w, NULL);
        json_uint(w, "cpu", c);
        json_uint(w, "apic_id", cpu->id);
        json_uint(w, "job_instances", cpu->instances);
        uint64_t total = 0;
        json_array_begin(w, "queues");
        for (unsigned h = 0; h < t->hba_count; h++) {
            for (unsigned q = 0; q < HBA_MAX_QUEUES; q++) {
                uint64_t ios = cpu->reaped[h * HBA_MAX_QUEUES + q];
                if (ios == 0)
                    continue;
                total += ios;
                json_object_begin(w, NULL);
                json_uint(w, "hba", h);
                json_uint(w, "queue", q);
                json_uint(w, "completions", ios);
                json_object_end(w);
            }
        }
        json_array_end(w);
        json_uint(w, "completions", total);
        json_object_end(w);
    }
    json_array_end(w);
}

/* fio's JSON document of instances [0, n): the "jobs" array holds one entry per instance, or per
 * group_reporting group. */
static void write_document(struct json_writer *w, const struct machine *m, const struct scan_result *scan,
                           const struct job_spec *specs, const struct job_instance *plan,
                           const struct job_result *results, size_t n, const struct cpu_tallies *cpus)
{
    json_object_begin(w, NULL);
    json_string(w, "fio version", FIO_VERSION);
    uint64_t now = rtc_unix_time();
    json_uint(w, "timestamp", now);
    json_uint(w, "timestamp_ms", now * 1000);
    char when[40];
    rtc_format(now, when, sizeof when);
    json_string(w, "time", when);
    json_object_begin(w, "global options");
    json_object_end(w);
    json_array_begin(w, "jobs");
    struct report_style style;
    report_style_of(m->options.output_format, FIO_VERSION, m->tsc.hz, &style);
    bench_json_entries(w, specs, plan, results, n, &style);
    json_array_end(w);
    json_object_begin(w, "lunbench");
    report_inventory_members(w, m, scan);
    write_cpus(w, cpus);
    json_object_end(w);
    json_object_end(w);
}

static void write_results(const struct machine *m, const struct scan_result *scan, const struct job_spec *specs,
                          const struct job_instance *plan, const struct job_result *results, size_t n,
                          const struct cpu_tallies *cpus)
{
    struct json_writer w;
    results_begin(&w);
    write_document(&w, m, scan, specs, plan, results, n, cpus);
    results_end(&w);
}

/* status_interval=N: fio's periodic JSON, a whole document of the jobs so far, each sent as a
 * frame of the file status-interval.json (tools/lunbench-run writes them one after another, as
 * fio prints them). */
#define STATUS_FILE "status-interval.json"

struct status_dump {
    const struct machine *m;
    const struct scan_result *scan;
    const struct job_spec *specs;
    const struct job_instance *plan;
    const struct job_result *results; /* the finished waves', then the running wave's (so far) */
    size_t first, end;                /* the running wave's instances */
    const unsigned *worker_of;        /* the running wave's instance i runs on worker worker_of[i - first] */
    const struct cpu_tallies *cpus;
    char *text;
    size_t len, cap;
    bool failed;
};

static void status_append(void *ctx, const char *buf, size_t len)
{
    struct status_dump *d = ctx;
    if (d->len + len > d->cap) {
        size_t cap = (d->len + len) * 2;
        char *grown = realloc(d->text, cap);
        if (grown == NULL) {
            d->failed = true;
            return;
        }
        d->text = grown;
        d->cap = cap;
    }
    memcpy(d->text + d->len, buf, len);
    d->len += len;
}

/* Every instance of the running wave is due at its own times; the first of them on CPU 0 (the
 * others send none) still running (end_ns 0 until it ends) sends the document. A group_reporting
 * group of the running wave shows its first member until the wave ends and the group is merged.
 * Instances on other CPUs are read as they run: a figure may be a round behind. */
static void status_write(void *ctx, const struct job_spec *job, const struct job_result *r)
{
    struct status_dump *d = ctx;
    (void)job;
    size_t sender = d->first;
    while (sender + 1 < d->end && (d->results[sender].end_ns != 0 || d->results[sender].start_ns == 0 ||
                                   d->worker_of[sender - d->first] != 0)) /* ended, not started yet, or not CPU 0's */
        sender++;
    if (r != &d->results[sender])
        return;
    d->len = 0;
    d->failed = false;
    struct json_writer w;
    json_init(&w, status_append, d, 3);
    write_document(&w, d->m, d->scan, d->specs, d->plan, d->results, d->end, d->cpus);
    status_append(d, "\n", 1);
    if (d->failed) {
        printf("lunbench: status_interval: out of memory for a status document; none sent\n");
        return;
    }
    log_frame_open(&com2_logs, STATUS_FILE); /* the launcher appends each to the last */
    log_frame_data(&com2_logs, STATUS_FILE, d->text, d->len);
    log_frame_close(&com2_logs, STATUS_FILE, d->len);
}

/* What a run of the job file keeps besides the jobs themselves. */
struct bench_run {
    struct job_spec *specs;         /* the job instances (numjobs clones included) */
    struct job_result *results;     /* specs[i]'s in results[i] */
    struct hotplug *hp;
    const struct job_spec **wave;   /* the wave being placed or run */
    unsigned *clone, *worker_of;    /* its instances' clone numbers and workers */
    struct cpu_plan *cpu_plan;
    struct cpu_tallies *tallies;
};

static void bench_run_free(struct bench_run *r)
{
    for (unsigned c = 0; r->tallies != NULL && c < CPU_PLAN_MAX; c++)
        free(r->tallies->cpu[c].reaped);
    free(r->tallies);
    free(r->cpu_plan);
    free(r->worker_of);
    free(r->clone);
    free(r->wave);
    free(r->hp);
    free(r->results);
    free(r->specs);
}

/* The rest of a run for count instances (specs already there). 0, or -1 out of memory. */
static int bench_run_alloc(struct bench_run *r, size_t count, unsigned hba_count)
{
    r->results = calloc(count, sizeof *r->results);
    r->hp = malloc(sizeof *r->hp);
    r->wave = calloc(count, sizeof *r->wave);
    r->clone = calloc(count, sizeof *r->clone);
    r->worker_of = calloc(count, sizeof *r->worker_of);
    r->cpu_plan = malloc(sizeof *r->cpu_plan);
    r->tallies = calloc(1, sizeof *r->tallies);
    if (r->results == NULL || r->hp == NULL || r->wave == NULL || r->clone == NULL || r->worker_of == NULL ||
        r->cpu_plan == NULL || r->tallies == NULL)
        return -1;
    r->tallies->hba_count = hba_count;
    return 0;
}

/* The wave that starts at instance first into r->wave and r->clone; returns its end. */
static size_t load_wave(struct bench_run *r, const struct job_instance *plan, size_t count, size_t first)
{
    size_t end = job_plan_wave_end(plan, count, first);
    for (size_t i = first; i < end; i++) {
        r->wave[i - first] = &r->specs[i];
        r->clone[i - first] = plan[i].clone;
    }
    return end;
}

/* The application processors, for the crew (bench/crew.h). */
static const struct bench_cpus *smp_cpus(void)
{
    static struct bench_cpus cpus = { .run = smp_run, .done = smp_done, .id = smp_read_apic_id };
    cpus.count = smp_cpu_count();
    return &cpus;
}

#define RUN_WAVE_REFUSED 1

/* One wave: placed on the CPUs (bench/cpu_plan.h), driven by one worker when one CPU runs it all,
 * else by a crew; what each CPU reaped goes into tallies. As bench_worker_run, or
 * RUN_WAVE_REFUSED (printed) when the wave cannot be placed. */
static int run_wave(const struct bench_env *env, struct bench_run *run, struct wave *wave_state,
                    struct job_result *results, size_t n, size_t *ended_by)
{
    struct hotplug *hp = run->hp;
    struct cpu_plan *cpu_plan = run->cpu_plan;
    const struct job_spec **wave = run->wave;
    unsigned *worker_of = run->worker_of;
    struct cpu_tallies *tallies = run->tallies;
    char err[300];
    if (cpu_plan_make(wave, run->clone, n, env->cpus->count, env, cpu_plan, worker_of, err, sizeof err) != 0) {
        printf("lunbench: %s\n", err);
        return RUN_WAVE_REFUSED;
    }
    if (cpu_plan->note[0] != '\0')
        printf("bench: %s\n", cpu_plan->note);
    if (cpu_plan->workers == 1) {
        uint64_t *reaped = calloc((size_t)(env->hba_count ? env->hba_count : 1) * HBA_MAX_QUEUES, sizeof *reaped);
        struct bench_worker worker = { .env = env, .queues = &cpu_plan->queues[0], .hp = hp, .reaped = reaped,
                                       .wave = wave_state };
        int rc = bench_worker_run(&worker, wave, results, n, ended_by);
        if (reaped != NULL && tally_add(tallies, 0, env->cpus->id(), (unsigned)n, reaped) != 0)
            printf("lunbench: out of memory for the per-CPU counts\n");
        free(reaped);
        return rc;
    }
    printf("bench: the wave runs on %u CPUs:", cpu_plan->workers);
    for (unsigned w = 0; w < cpu_plan->workers; w++)
        printf(" %u (%u job%s)", cpu_plan->cpu[w], cpu_plan->instances[w], cpu_plan->instances[w] == 1 ? "" : "s");
    printf("\n");
    struct crew_report *report = malloc(sizeof *report);
    if (report == NULL) {
        printf("lunbench: out of memory for the crew's report\n");
        return RUN_WAVE_REFUSED;
    }
    int rc = bench_crew_run(env, hp, cpu_plan, worker_of, wave_state, results, ended_by, report);
    for (unsigned w = 0; w < report->workers; w++) {
        if (tally_add(tallies, report->w[w].cpu, report->w[w].cpu_id, cpu_plan->instances[w], report->w[w].reaped) != 0)
            printf("lunbench: out of memory for the per-CPU counts\n");
        free(report->w[w].reaped);
    }
    if (report->pauses != 0)
        printf("bench: the owner (CPU 0) paused the other CPUs %u time%s for shared work\n", report->pauses,
               report->pauses == 1 ? "" : "s");
    free(report);
    return rc;
}

int bench_mode_run(struct machine *m, struct scan_result *scan)
{
    const char *name, *text;
    size_t len;
    if (find_job_file(m, scan, &name, &text, &len) != 0)
        return LUNBENCH_EXIT_USAGE;
    static struct job_spec jobs[MAX_JOBS];
    size_t n = 0;
    char err[300];
    const char *overrides[OPTIONS_MAX_JOB_OVERRIDES];
    for (size_t i = 0; i < m->options.job_override_count; i++)
        overrides[i] = m->options.job_overrides[i];
    if (job_file_parse(name, text, len, overrides, m->options.job_override_count, jobs, MAX_JOBS, &n, err, sizeof err) != 0) {
        printf("lunbench: %s\n", err);
        return LUNBENCH_EXIT_USAGE;
    }
    struct bench_env env = {
        .hbas = scan->seams, .hba_ok = scan->hba_ok, .hba_count = scan->hba_count, .inv = &scan->inv,
        .now = rdtsc, .cpus = smp_cpus(), .tsc_hz = m->tsc.hz, .cmd_timeout_cycles = m->tsc.hz / 1000 * m->options.cmd_timeout_ms,
        .wall_clock_us = rtc_unix_time() * 1000000u, .wall_clock_tsc = rdtsc(),
        .progress = m->options.progress == OPT_YES,
        .log_channel = results_com2_present() ? &com2_logs : NULL,
        .status_interval_ms = results_com2_present() ? m->options.status_interval * 1000 : 0,
        .test_skip_flush = m->options.test_skip_flush == OPT_YES,
    };
    /* Every job is checked against the LUNs before any I/O. */
    for (size_t i = 0; i < n; i++) {
        if (targets_check(&jobs[i], &env, err, sizeof err) != 0) {
            printf("lunbench: %s: %s\n", name, err);
            return LUNBENCH_EXIT_USAGE;
        }
    }
    static struct job_instance plan[MAX_INSTANCES];
    struct bench_run run = { .specs = calloc(MAX_INSTANCES, sizeof *run.specs) };
    size_t count = 0;
    if (run.specs == NULL) {
        printf("lunbench: out of memory for the job instances\n");
        return LUNBENCH_EXIT_ERRORS;
    }
    if (job_plan(jobs, n, plan, run.specs, MAX_INSTANCES, &count, err, sizeof err) != 0) {
        printf("lunbench: %s\n", err);
        bench_run_free(&run);
        return LUNBENCH_EXIT_USAGE;
    }
    if (bench_run_alloc(&run, count, scan->hba_count) != 0) {
        printf("lunbench: out of memory for the results of %zu jobs\n", count);
        bench_run_free(&run);
        return LUNBENCH_EXIT_ERRORS;
    }
    const struct job_spec *specs = run.specs;
    struct job_result *results = run.results;
    hotplug_init(run.hp, &env);
    /* Every wave is placed on the CPUs before any I/O: a cpus_allowed no CPU can satisfy is a
     * bad job file, found up front. */
    for (size_t first = 0; first < count;) {
        size_t end = load_wave(&run, plan, count, first);
        if (cpu_plan_make(run.wave, run.clone, end - first, env.cpus->count, &env, run.cpu_plan, run.worker_of, err,
                          sizeof err) != 0) {
            printf("lunbench: %s: %s\n", name, err);
            bench_run_free(&run);
            return LUNBENCH_EXIT_USAGE;
        }
        first = end;
    }
    printf("bench: %zu job%s from %s\n", n, n == 1 ? "" : "s", name);
    if (count != n)
        printf("bench: %zu job instances with the numjobs clones\n", count);
    struct status_dump dump = { .m = m, .scan = scan, .specs = specs, .plan = plan, .results = results,
                                .worker_of = run.worker_of, .cpus = run.tallies };
    env.status = status_write;
    env.status_ctx = &dump;
    if (m->options.status_interval != 0 && env.status_interval_ms == 0)
        printf("lunbench: status_interval=%" PRIu64 ": no status documents: they travel on the second serial port "
               "(COM2), which this machine lacks (tools/lunbench-run gives QEMU one)\n", m->options.status_interval);
    struct report_style style;
    report_style_of(m->options.output_format, FIO_VERSION, m->tsc.hz, &style);
    bool errors = false;
    size_t ran = 0;
    uint64_t run_start = rdtsc(); /* fio's genesis: startdelay counts from here */
    for (size_t first = 0; first < count;) {
        size_t end = load_wave(&run, plan, count, first);
        for (size_t i = first; i < end; i++) {
            if (plan[i].clone != 0)
                continue;
            char bs[48];
            job_bs_text(&specs[i], bs, sizeof bs);
            printf("bench: job '%s' starting: rw=%s bs=%s iodepth=%u", specs[i].name, job_rw_name(specs[i].rw), bs,
                   specs[i].iodepth);
            if (specs[i].numjobs > 1)
                printf(", numjobs=%u", specs[i].numjobs);
            printf(" (g=%u)\n", plan[i].groupid);
        }
        dump.first = first;
        dump.end = end;
        size_t ended_by;
        struct wave wave;
        int rc = RUN_WAVE_REFUSED;
        if (wave_init(&wave, run.wave, end - first, first, run_start, env.tsc_hz) != 0)
            printf("lunbench: out of memory for the wave of %zu jobs\n", end - first);
        else
            rc = run_wave(&env, &run, &wave, &results[first], end - first, &ended_by);
        wave_free(&wave);
        if (rc == RUN_WAVE_REFUSED) {
            errors = true;
            break; /* the JSON lists the waves that ran */
        }
        if (rc != 0)
            errors = true;
        for (size_t i = first; i < end; i++)
            for (int k = 0; k < ERR_KINDS; k++)
                errors |= results[i].errors[k] != 0;
        bench_groups_merge(specs, plan, results, first, end);
        bench_groups_report(specs, plan, results, first, end, &style);
        ran = end;
        if (ended_by < end - first && end < count) {
            const struct job_spec *j = &specs[first + ended_by];
            printf("bench: job '%s' ended the run (%s, exit_what=all): %zu job%s not run\n", j->name,
                   j->exitall ? "exitall" : "exitall_on_error", count - end, count - end == 1 ? "" : "s");
            break; /* the JSON lists the jobs that ran */
        }
        first = end;
    }
    for (unsigned h = 0; h < scan->hba_count; h++) {
        const struct hba_stats *st = &scan->seams[h]->stats;
        if (st->aborts || st->lun_resets || st->hba_resets)
            printf("HBA %u (%s): recovery: %" PRIu64 " ABORT TASK, %" PRIu64 " LOGICAL UNIT RESET, %" PRIu64
                   " device resets\n", h, scan->seams[h]->name, st->aborts, st->lun_resets, st->hba_resets);
    }
    write_results(m, scan, specs, plan, results, ran, run.tallies);
    free(dump.text);
    bench_run_free(&run);
    return errors ? LUNBENCH_EXIT_ERRORS : LUNBENCH_EXIT_OK;
}
