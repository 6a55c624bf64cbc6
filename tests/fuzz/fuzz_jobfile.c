/*
 * fio-style job files (job_file_parse, bench/job.h), as a user writes them and a boot loader
 * loads them. Input: the file's bytes (not NUL-terminated: the parser gets a length), exact-size.
 * If the input holds a NUL byte, what follows it is a list of command-line overrides, one per
 * line; otherwise a fixed pair of overrides is used. Each file is parsed without overrides and
 * room for 8 jobs, then with the overrides and room for 2.
 */
#include "bench/job.h"
#include "fuzz_input.h"

#define FUZZ_MAX_OVERRIDES 8
#define FUZZ_ERR_LEN 256

static void fuzz_check_job(const struct job_spec *job)
{
    FUZZ_CHECK(job->name[0] != '\0' && fuzz_is_c_string(job->name, sizeof job->name));
    FUZZ_CHECK(job->bs >= 512 && job->bs <= job->bs_max && job->bs_max <= (256u << 20) && job->bs % 512 == 0);
    FUZZ_CHECK(job->iodepth >= 1 && job->iodepth <= 4096);
    FUZZ_CHECK(job->rwmixread <= 100);
    FUZZ_CHECK(job->offset % 512 == 0);
    FUZZ_CHECK(job->size_percent <= 100 && job->offset_percent <= 100);
    FUZZ_CHECK(!job->time_based || job->runtime_ms > 0);
    FUZZ_CHECK(strcmp(job_rw_name(job->rw), "?") != 0);
    FUZZ_CHECK(job->percentile_count >= 1 && job->percentile_count <= HIST_MAX_PERCENTILES);
    for (size_t i = 0; i < job->percentile_count; i++) {
        FUZZ_CHECK(job->percentiles[i] > 0.0 && job->percentiles[i] <= 100.0);
        FUZZ_CHECK(i == 0 || job->percentiles[i - 1] < job->percentiles[i]);
    }
    FUZZ_CHECK(job->option_count <= JOB_MAX_OPTIONS);
    for (size_t i = 0; i < job->option_count; i++) {
        FUZZ_CHECK(fuzz_is_c_string(job->options[i].key, sizeof job->options[i].key));
        FUZZ_CHECK(fuzz_is_c_string(job->options[i].value, sizeof job->options[i].value));
    }
    const struct lun_selection *s = &job->luns;
    FUZZ_CHECK(s->list_count <= LUNSEL_LIST_MAX);
    FUZZ_CHECK(s->kind != LUNSEL_TARGETS || (s->target_lo <= s->target_hi && s->target_hi <= 255));
    FUZZ_CHECK(s->kind != LUNSEL_FIRST || s->first_n >= 1);
    for (size_t i = 0; i < s->list_count; i++)
        FUZZ_CHECK(s->list[i].lun <= 16383);
}

static void fuzz_parse(const char *text, size_t len, const char *const *overrides, size_t n_overrides,
                       size_t max_jobs)
{
    struct job_spec *jobs = malloc(max_jobs * sizeof *jobs);
    char *err = malloc(FUZZ_ERR_LEN);
    FUZZ_CHECK(jobs != NULL && err != NULL);
    size_t count = 99;
    err[0] = '\0';
    int rc = job_file_parse("fuzz.fio", text, len, overrides, n_overrides, jobs, max_jobs, &count, err, FUZZ_ERR_LEN);
    if (rc == 0) {
        FUZZ_CHECK(count >= 1 && count <= max_jobs);
        for (size_t i = 0; i < count; i++)
            fuzz_check_job(&jobs[i]);
    } else {
        FUZZ_CHECK(rc == -1 && count == 0);
        FUZZ_CHECK(err[0] != '\0' && fuzz_is_c_string(err, FUZZ_ERR_LEN));
    }
    free(err);
    free(jobs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, '\0', size);
    size_t text_len = nul != NULL ? (size_t)(nul - data) : size;
    char *text = (char *)fuzz_copy(data, text_len);

    /* The overrides: NUL-terminated strings, each its own allocation. */
    char *owned[FUZZ_MAX_OVERRIDES];
    const char *overrides[FUZZ_MAX_OVERRIDES];
    size_t n = 0;
    if (nul != NULL) {
        const uint8_t *p = nul + 1, *end = data + size;
        while (p < end && n < FUZZ_MAX_OVERRIDES) {
            const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
            size_t l = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
            owned[n] = fuzz_strndup(p, l);
            overrides[n] = owned[n];
            n++;
            p += l + 1;
        }
    } else {
        static const char *const fixed[] = { "bs=8k", "luns=0:0:1,1:2:300" };
        for (; n < 2; n++) {
            owned[n] = fuzz_strndup((const uint8_t *)fixed[n], strlen(fixed[n]));
            overrides[n] = owned[n];
        }
    }
    fuzz_parse(text, text_len, NULL, 0, 8);
    fuzz_parse(text, text_len, overrides, n, 2);
    for (size_t i = 0; i < n; i++)
        free(owned[i]);
    free(text);
    return 0;
}
