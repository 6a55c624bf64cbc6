/* The kernel command line: space-separated key=value options (README, "Options"). */
#ifndef LIB_OPTIONS_H
#define LIB_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum run_mode { MODE_BENCH, MODE_LIST, MODE_INFO, MODE_CHECK };
enum pci_access_choice { PCI_ACCESS_AUTO, PCI_ACCESS_ECAM, PCI_ACCESS_LEGACY };
enum clock_choice { CLOCK_AUTO, CLOCK_CPUID, CLOCK_HYPERVISOR, CLOCK_PIT, CLOCK_HPET };
enum dump_choice { DUMP_NONE, DUMP_ACPI };
enum fault_choice { FAULT_NONE, FAULT_UD, FAULT_PF, FAULT_GP, FAULT_DE, FAULT_STACK };
enum virtio_choice { VIRTIO_AUTO, VIRTIO_LEGACY };
enum yes_no { OPT_NO, OPT_YES };
enum inventory_form { INVENTORY_LUNS, INVENTORY_RUNS };
/* guard_pages=: where the guard build puts device buffers (lib/dev_buf.h); default: the build's own
 * (end in build/lunbench-guard.elf, none in the others, which refuse end and start). */
enum guard_choice { GUARD_DEFAULT, GUARD_END, GUARD_START };
/* output-format=: fio's --output-format, a comma-separated list of normal, json, terse (minimal,
 * csv) and json+ (OUTPUT_JSON | OUTPUT_JSON_PLUS, as fio sets both). What each makes lunbench print
 * is decided in one place, bench/report.h (report_style_of). */
enum output_format_bit { OUTPUT_NORMAL = 1, OUTPUT_JSON = 2, OUTPUT_TERSE = 4, OUTPUT_JSON_PLUS = 8 };

#define OPTIONS_MAX_JOB_OVERRIDES 16
#define OPTIONS_JOB_OVERRIDE_MAX 128

struct options {
    int mode;  /* enum run_mode */
    int pci;   /* enum pci_access_choice */
    int clock; /* enum clock_choice */
    int dump;  /* enum dump_choice */
    uint64_t cpus;      /* CPUs to start, the boot CPU included; 0: every one the MADT lists (up to 64) */
    int cpu_check; /* check each CPU's segment state against hardware VMX's rules at boot */
    int fault; /* enum fault_choice: test-only, makes the kernel fault on purpose */
    uint64_t fault_cpu; /* the CPU that raises it (OPT_UINT) */
    uint64_t max_lines; /* PCI table rows to print before eliding; 0 = all */
    int list_luns;      /* enum yes_no: a console line per LUN in mode=list */
    int inventory;      /* enum inventory_form: the JSON inventory a row per LUN, or per run of alike LUNs */
    int virtio;         /* enum virtio_choice */
    uint64_t cmd_timeout_ms;
    uint64_t queue_size; /* request queue size; 0 = the device's */
    uint64_t queues;     /* request queues used per HBA; 0 = all */
    uint64_t event_buffers; /* virtio-scsi event buffers posted per HBA */
    char job[64];        /* the job file to run from a module archive; "" = the only one */
    char jobfile[128];   /* esp:/PATH (UEFI); "" = the -initrd module */
    char check[128];     /* mode=check: comma-separated globs of check names; "" = all */
    int check_list;      /* mode=check: list the checks, run none */
    int check_writes;    /* mode=check: run the checks that write, on the LUNs luns= names */
    int progress;        /* enum yes_no: a line a second while a job runs */
    uint64_t status_interval; /* seconds between fio's periodic JSON documents; 0: none */
    unsigned output_format;   /* enum output_format_bit, ORed */
    int test_skip_flush; /* enum yes_no, test only: durable jobs skip SYNCHRONIZE CACHE */
    uint64_t test_short_header; /* test only: HBA 0's Nth command goes out with a header 1 byte short */
    int guard_pages;     /* enum guard_choice: build/lunbench-guard.elf only */
    int test_guard_overread; /* enum yes_no, test only: a read past a response header of HBA 0's, once it is up */
    /* Job options (fio names) given on the command line: they override every job's own. */
    char job_overrides[OPTIONS_MAX_JOB_OVERRIDES][OPTIONS_JOB_OVERRIDE_MAX];
    size_t job_override_count;
};

/* The defaults (what an empty command line gives). */
void options_defaults(struct options *opts);

/*
 * Parse cmdline into *opts (which starts from the defaults). Returns 0, or -1 with a one-line
 * message in err that names the offending word: an unknown option, a missing '=', a value not
 * in the option's list or range, an option given twice.
 */
/* Words whose key is not a kernel option but that known() accepts (fio job options) are
 * checked with check() and kept in job_overrides. extra may be NULL. */
struct options_extra {
    bool (*known)(const char *key);
    int (*check)(const char *key, const char *value, char *err, size_t err_len);
};

int options_parse(const char *cmdline, struct options *opts, const struct options_extra *extra, char *err,
                  size_t err_len);

/* The usage text: every option, its values and default, one per line. */
void options_usage(FILE *out);

/* The name of an enum option's value, for reports ("auto", "pit", ...). */
const char *options_value_name(const char *option, int value);

#endif
