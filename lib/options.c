#include "options.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* OPT_LIST: comma-separated words of choices, stored as an unsigned: the OR of each word's bits. */
enum option_kind { OPT_CHOICE, OPT_UINT, OPT_STRING, OPT_LIST };

struct option_spec {
    const char *name;
    enum option_kind kind;
    size_t offset;
    const char *const *choices; /* OPT_CHOICE: NULL-terminated, index = stored value */
    uint64_t min, max;          /* OPT_UINT: inclusive */
    const char *help;
    const unsigned *bits;       /* OPT_LIST: choices[i]'s bits */
};

static const char *const mode_names[] = { "bench", "list", "info", "check", NULL };
static const char *const yes_no_names[] = { "no", "yes", NULL };
static const char *const inventory_names[] = { "luns", "runs", NULL };
static const char *const virtio_names[] = { "auto", "legacy", NULL };
static const char *const pci_names[] = { "auto", "ecam", "legacy", NULL };
static const char *const clock_names[] = { "auto", "cpuid", "hypervisor", "pit", "hpet", NULL };
static const char *const dump_names[] = { "none", "acpi", NULL };
static const char *const fault_names[] = { "none", "ud", "pf", "gp", "de", "stack", NULL };
static const char *const guard_names[] = { "default", "end", "start", NULL };
/* fio's words (init.c parse_output_format): json+ is json with the bins; minimal and csv are terse. */
static const char *const output_format_names[] = { "normal", "json", "terse", "json+", "minimal", "csv", NULL };
static const unsigned output_format_bits[] = { OUTPUT_NORMAL, OUTPUT_JSON, OUTPUT_TERSE, OUTPUT_JSON | OUTPUT_JSON_PLUS,
                                               OUTPUT_TERSE, OUTPUT_TERSE };

static const struct option_spec specs[] = {
    { "mode", OPT_CHOICE, offsetof(struct options, mode), mode_names, 0, 0,
      "what to do: bench (discover the LUNs, then run the jobs), list (discover every HBA, target and LUN and "
      "report them), info (report the machine only), check (conformance checks of every LUN)" },
    { "check", OPT_STRING, offsetof(struct options, check), NULL, 1, 127,
      "mode=check: the checks to run, comma-separated globs of their names (spc.inquiry.*,sbc.*); all by default" },
    { "check_list", OPT_CHOICE, offsetof(struct options, check_list), yes_no_names, 0, 0,
      "mode=check: list the checks with their clauses and run none" },
    { "check_writes", OPT_CHOICE, offsetof(struct options, check_writes), yes_no_names, 0, 0,
      "mode=check: also run the checks that write (their data is lost), on the LUNs luns= names only" },
    { "job", OPT_STRING, offsetof(struct options, job), NULL, 1, 63,
      "mode=bench: the job file to run when the -initrd module is an archive of several" },
    { "jobfile", OPT_STRING, offsetof(struct options, jobfile), NULL, 5, 127,
      "mode=bench: the job file (or archive) to run: H:T:L:/PATH on a FAT file system on that LUN (whole "
      "disk or its first MBR or GPT partition), or esp:/PATH on the UEFI image's own volume" },
    { "progress", OPT_CHOICE, offsetof(struct options, progress), yes_no_names, 0, 0,
      "mode=bench: print a line a second while a job runs" },
    { "status_interval", OPT_UINT, offsetof(struct options, status_interval), NULL, 0, 86400,
      "mode=bench: fio's --status-interval: every N seconds of a job, a whole JSON document of the jobs so far, "
      "values cumulative from each job's start (lunbench-run writes them to status-interval.json); 0: none" },
    { "output-format", OPT_LIST, offsetof(struct options, output_format), output_format_names, 0, 0,
      "mode=bench: fio's --output-format, a comma-separated list: normal (the report on the console), terse "
      "(also minimal, csv: fio's terse v3 line per job on the console), json (the results document without bins), "
      "json+ (with fio's latency bins; also what the document holds when no json format is named)",
      output_format_bits },
    { "inventory", OPT_CHOICE, offsetof(struct options, inventory), inventory_names, 0, 0,
      "the JSON inventory: luns (a row per LUN) or runs (\"lun_runs\": a row per run of consecutive LUNs alike "
      "in all else, with a count; for huge topologies)" },
    { "list_luns", OPT_CHOICE, offsetof(struct options, list_luns), yes_no_names, 0, 0,
      "mode=list: also print a line per LUN on the console" },
    { "virtio", OPT_CHOICE, offsetof(struct options, virtio), virtio_names, 0, 0,
      "virtio interface of transitional HBAs: auto (modern, virtio 1.x) or legacy (0.9.5 I/O ports)" },
    { "queues", OPT_UINT, offsetof(struct options, queues), NULL, 0, 64,
      "request queues to use per HBA; 0 uses all the device offers (up to 64)" },
    { "queue_size", OPT_UINT, offsetof(struct options, queue_size), NULL, 0, 32768,
      "request queue size (a power of two, at most the device's); 0 uses the device's" },
    { "event_buffers", OPT_UINT, offsetof(struct options, event_buffers), NULL, 1, 16,
      "event buffers posted per HBA (hotplug events); with few, a burst of events overflows and "
      "lunbench rescans" },
    { "cmd_timeout_ms", OPT_UINT, offsetof(struct options, cmd_timeout_ms), NULL, 1, 3600000,
      "deadline of each SCSI command; past it lunbench aborts it, then resets the LUN, then the HBA" },
    { "pci", OPT_CHOICE, offsetof(struct options, pci), pci_names, 0, 0,
      "PCI configuration access: auto (ECAM if ACPI gives one, else ports 0xCF8/0xCFC), ecam, legacy" },
    { "clock", OPT_CHOICE, offsetof(struct options, clock), clock_names, 0, 0,
      "TSC frequency source: auto (cpuid, hypervisor leaf, PIT, HPET in that order) or one of them" },
    { "cpus", OPT_UINT, offsetof(struct options, cpus), NULL, 0, 64,
      "CPUs to start, the boot CPU included; 0 starts every CPU the ACPI MADT lists (up to 64)" },
    { "cpu_check", OPT_CHOICE, offsetof(struct options, cpu_check), yes_no_names, 0, 0,
      "check every CPU's segment registers, TR, LDTR and GDT in ring 3 and ring 0 against the rules hardware "
      "VMX enforces on entry (a violation is an error)" },
    { "dump", OPT_CHOICE, offsetof(struct options, dump), dump_names, 0, 0,
      "debug dumps: acpi (hex dump of every ACPI table, for tests/data/acpi)" },
    { "fault", OPT_CHOICE, offsetof(struct options, fault), fault_names, 0, 0,
      "test only: raise an exception on purpose (ud, pf, gp, de, stack overflow)" },
    { "fault_cpu", OPT_UINT, offsetof(struct options, fault_cpu), NULL, 0, 63,
      "test only: the CPU that raises fault= (0, the boot CPU, by default; another once it is started)" },
    { "test_skip_flush", OPT_CHOICE, offsetof(struct options, test_skip_flush), yes_no_names, 0, 0,
      "test only: durable write jobs skip their SYNCHRONIZE CACHE yet call each pass durable (a broken driver "
      "the power-cut test must catch)" },
    { "test_short_header", OPT_UINT, offsetof(struct options, test_short_header), NULL, 0, 1000000000,
      "test only: the first read or no-data command from HBA 0's Nth command on goes out with its virtio-scsi "
      "request header one byte short, once (QEMU's device then sets DEVICE_NEEDS_RESET: the recovery test); "
      "0: never" },
    { "guard_pages", OPT_CHOICE, offsetof(struct options, guard_pages), guard_names, 0, 0,
      "build/lunbench-guard.elf only: every buffer the device writes sits against an unmapped page, at its end "
      "(default) or its start, so that a read past it is a page fault (docs/faults.md, \"Guard pages\")" },
    { "test_guard_overread", OPT_CHOICE, offsetof(struct options, test_guard_overread), yes_no_names, 0, 0,
      "test only: once HBA 0 is up, read the byte just past a response header the device writes (request slot 0's); "
      "the guard build must end in a page fault naming that address" },
    { "max_lines", OPT_UINT, offsetof(struct options, max_lines), NULL, 0, 1000000,
      "PCI table rows to print before eliding the rest; 0 prints all" },
};

#define N_SPECS (sizeof specs / sizeof specs[0])

void options_defaults(struct options *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->mode = MODE_BENCH;
    opts->progress = OPT_YES;
    opts->list_luns = OPT_NO;
    opts->virtio = VIRTIO_AUTO;
    opts->cmd_timeout_ms = 10000;
    opts->event_buffers = 16;
    opts->pci = PCI_ACCESS_AUTO;
    opts->clock = CLOCK_AUTO;
    opts->dump = DUMP_NONE;
    opts->fault = FAULT_NONE;
    opts->max_lines = 0;
    opts->output_format = OUTPUT_NORMAL;
}

static const struct option_spec *find_spec(const char *name, size_t len)
{
    for (size_t i = 0; i < N_SPECS; i++)
        if (strlen(specs[i].name) == len && memcmp(specs[i].name, name, len) == 0)
            return &specs[i];
    return NULL;
}

static void list_choices(const struct option_spec *s, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; s->choices[i] != NULL && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "", s->choices[i]);
}

/* Each comma-separated word of value must be one of s->choices; an empty word (",," or a comma at
 * either end) is an error, as a word given twice is not (fio ORs them). */
static int parse_list(const struct option_spec *s, const char *value, unsigned *mask, char *err, size_t err_len)
{
    unsigned bits = 0;
    for (const char *p = value;;) {
        size_t len = strcspn(p, ",");
        int found = -1;
        for (int i = 0; s->choices[i] != NULL && found < 0; i++)
            if (strlen(s->choices[i]) == len && memcmp(s->choices[i], p, len) == 0)
                found = i;
        if (found < 0) {
            char choices[160];
            list_choices(s, choices, sizeof choices);
            snprintf(err, err_len, "bad value '%s' for option '%s': '%.*s' is not one of: %s (comma-separated)",
                     value, s->name, (int)len, p, choices);
            return -1;
        }
        bits |= s->bits[found];
        if (p[len] == '\0')
            break;
        p += len + 1;
    }
    *mask = bits;
    return 0;
}

static int parse_value(const struct option_spec *s, const char *value, struct options *opts, char *err,
                       size_t err_len)
{
    char *field = (char *)opts + s->offset;
    if (s->kind == OPT_STRING) {
        size_t len = strlen(value);
        if (len < s->min || len > s->max) {
            snprintf(err, err_len, "bad value '%s' for option '%s' (%llu to %llu characters)", value, s->name,
                     (unsigned long long)s->min, (unsigned long long)s->max);
            return -1;
        }
        memcpy(field, value, len + 1);
        return 0;
    }
    if (s->kind == OPT_LIST)
        return parse_list(s, value, (unsigned *)field, err, err_len);
    if (s->kind == OPT_CHOICE) {
        for (int i = 0; s->choices[i] != NULL; i++) {
            if (strcmp(s->choices[i], value) == 0) {
                *(int *)field = i;
                return 0;
            }
        }
        char choices[160];
        list_choices(s, choices, sizeof choices);
        snprintf(err, err_len, "bad value '%s' for option '%s' (choose one of: %s)", value, s->name, choices);
        return -1;
    }
    char *end = NULL;
    errno = 0;
    unsigned long long v = value[0] >= '0' && value[0] <= '9' ? strtoull(value, &end, 0) : 0;
    if (end == NULL || *end != '\0' || errno != 0 || v < s->min || v > s->max) {
        snprintf(err, err_len, "bad value '%s' for option '%s' (a whole number from %llu to %llu)", value, s->name,
                 (unsigned long long)s->min, (unsigned long long)s->max);
        return -1;
    }
    *(uint64_t *)field = v;
    return 0;
}

static int add_job_override(const char *word, const struct options_extra *extra, const char *key, const char *value,
                            struct options *opts, char *err, size_t err_len)
{
    if (extra->check(key, value, err, err_len) != 0)
        return -1;
    if (opts->job_override_count == OPTIONS_MAX_JOB_OVERRIDES || strlen(word) >= OPTIONS_JOB_OVERRIDE_MAX) {
        snprintf(err, err_len, "job option '%s': too many or too long (at most %d of %d characters)", key,
                 OPTIONS_MAX_JOB_OVERRIDES, OPTIONS_JOB_OVERRIDE_MAX - 1);
        return -1;
    }
    strcpy(opts->job_overrides[opts->job_override_count++], word);
    return 0;
}

int options_parse(const char *cmdline, struct options *opts, const struct options_extra *extra, char *err,
                  size_t err_len)
{
    bool seen[N_SPECS] = { false };
    const char *p = cmdline;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0')
            return 0;
        const char *word = p;
        while (*p != '\0' && *p != ' ' && *p != '\t')
            p++;
        size_t word_len = (size_t)(p - word);
        char buf[256];
        if (word_len >= sizeof buf) {
            snprintf(err, err_len, "option '%.40s...' is longer than %zu characters", word, sizeof buf - 1);
            return -1;
        }
        memcpy(buf, word, word_len);
        buf[word_len] = '\0';
        char *eq = strchr(buf, '=');
        if (eq == NULL) {
            snprintf(err, err_len, "'%s' is not of the form key=value", buf);
            return -1;
        }
        const struct option_spec *s = find_spec(buf, (size_t)(eq - buf));
        if (s == NULL) {
            char word_copy[256];
            strcpy(word_copy, buf);
            *eq = '\0';
            if (extra != NULL && extra->known(buf)) {
                if (add_job_override(word_copy, extra, buf, eq + 1, opts, err, err_len) != 0)
                    return -1;
                continue;
            }
            snprintf(err, err_len, "unknown option '%s' (in '%s=%s')", buf, buf, eq + 1);
            return -1;
        }
        if (seen[s - specs]) {
            snprintf(err, err_len, "option '%s' is given more than once", s->name);
            return -1;
        }
        seen[s - specs] = true;
        if (eq[1] == '\0') {
            snprintf(err, err_len, "option '%s' has an empty value", s->name);
            return -1;
        }
        if (parse_value(s, eq + 1, opts, err, err_len) != 0)
            return -1;
    }
}

void options_usage(FILE *out)
{
    struct options defaults;
    options_defaults(&defaults);
    fprintf(out, "usage: lunbench [key=value ...]   (the kernel command line, -append in QEMU)\n");
    fprintf(out, "  fio job options (rw=, bs=, iodepth=, runtime=, ... see docs/jobs.md) apply to every job\n");
    for (size_t i = 0; i < N_SPECS; i++) {
        const struct option_spec *s = &specs[i];
        const char *field = (const char *)&defaults + s->offset;
        if (s->kind == OPT_CHOICE) {
            char choices[160];
            list_choices(s, choices, sizeof choices);
            fprintf(out, "  %s=WORD  [%s; default %s]\n      %s\n", s->name, choices,
                    s->choices[*(const int *)field], s->help);
        } else if (s->kind == OPT_LIST) {
            char choices[160];
            list_choices(s, choices, sizeof choices);
            size_t d = 0;
            while (s->choices[d + 1] != NULL && s->bits[d] != *(const unsigned *)field)
                d++;
            fprintf(out, "  %s=WORD[,WORD...]  [%s; default %s]\n      %s\n", s->name, choices, s->choices[d], s->help);
        } else if (s->kind == OPT_STRING) {
            fprintf(out, "  %s=NAME\n      %s\n", s->name, s->help);
        } else {
            fprintf(out, "  %s=N  [%llu..%llu; default %llu]\n      %s\n", s->name, (unsigned long long)s->min,
                    (unsigned long long)s->max, (unsigned long long)*(const uint64_t *)field, s->help);
        }
    }
}

const char *options_value_name(const char *option, int value)
{
    const struct option_spec *s = find_spec(option, strlen(option));
    if (s == NULL || s->kind != OPT_CHOICE || value < 0)
        return "?";
    for (int i = 0; s->choices[i] != NULL; i++)
        if (i == value)
            return s->choices[i];
    return "?";
}
