/*
 * The kernel command line (options_parse, lib/options.h), with the fio job options the command
 * line may carry checked by the job-file code (bench/job.h), as the kernel wires them. Input: the
 * text, made NUL-terminated (a boot loader hands over a C string). It is parsed with and without
 * the job options, into an error buffer of exactly the size given.
 */
#include "bench/job.h"
#include "lib/options.h"
#include "fuzz_input.h"

#define FUZZ_ERR_LEN 200

static void fuzz_check_options(const struct options *o)
{
    FUZZ_CHECK(o->job_override_count <= OPTIONS_MAX_JOB_OVERRIDES);
    for (size_t i = 0; i < o->job_override_count; i++) {
        const char *w = o->job_overrides[i];
        FUZZ_CHECK(fuzz_is_c_string(w, OPTIONS_JOB_OVERRIDE_MAX) && strchr(w, '=') != NULL);
    }
    FUZZ_CHECK(fuzz_is_c_string(o->job, sizeof o->job));
    FUZZ_CHECK(o->cmd_timeout_ms >= 1 && o->cmd_timeout_ms <= 3600000);
    FUZZ_CHECK(o->queues <= 64 && o->queue_size <= 32768 && o->max_lines <= 1000000);
    /* Every enum option holds a value its name table knows. */
    FUZZ_CHECK(strcmp(options_value_name("mode", o->mode), "?") != 0);
    FUZZ_CHECK(strcmp(options_value_name("pci", o->pci), "?") != 0);
    FUZZ_CHECK(strcmp(options_value_name("clock", o->clock), "?") != 0);
    FUZZ_CHECK(strcmp(options_value_name("fault", o->fault), "?") != 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *cmdline = fuzz_strndup(data, size);
    char *err = malloc(FUZZ_ERR_LEN);
    FUZZ_CHECK(err != NULL);
    const struct options_extra extra = { job_option_known, job_option_check };
    const struct options_extra *extras[] = { &extra, NULL };
    for (size_t i = 0; i < sizeof extras / sizeof extras[0]; i++) {
        struct options *opts = malloc(sizeof *opts);
        FUZZ_CHECK(opts != NULL);
        options_defaults(opts);
        err[0] = '\0';
        int rc = options_parse(cmdline, opts, extras[i], err, FUZZ_ERR_LEN);
        FUZZ_CHECK(rc == 0 || rc == -1);
        if (rc == 0)
            fuzz_check_options(opts);
        else
            FUZZ_CHECK(err[0] != '\0' && fuzz_is_c_string(err, FUZZ_ERR_LEN));
        if (extras[i] == NULL)
            FUZZ_CHECK(rc == -1 || opts->job_override_count == 0);
        free(opts);
    }
    free(err);
    free(cmdline);
    return 0;
}
