/* Running the checks (check/check.h): selection by glob, a line per check and LUN, the summary. */
#include <stdlib.h>
#include <string.h>

#include "check/check.h"
#include "lib/dev_buf.h"
#include "lib/json.h"

/* '*' matches any run, '?' one character; iterative, with one backtrack point. */
static bool glob_match(const char *glob, size_t glen, const char *name)
{
    size_t g = 0, n = 0, star = (size_t)-1, mark = 0;
    size_t nlen = strlen(name);
    while (n < nlen) {
        if (g < glen && (glob[g] == '?' || glob[g] == name[n])) {
            g++;
            n++;
        } else if (g < glen && glob[g] == '*') {
            star = g++;
            mark = n;
        } else if (star != (size_t)-1) {
            g = star + 1;
            n = ++mark;
        } else {
            return false;
        }
    }
    while (g < glen && glob[g] == '*')
        g++;
    return g == glen;
}

bool check_selected(const char *name, const char *globs)
{
    if (globs == NULL || globs[0] == '\0')
        return true;
    for (const char *p = globs;;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > 0 && glob_match(p, len, name))
            return true;
        if (end == NULL)
            return false;
        p = end + 1;
    }
}

void check_list(const char *globs, FILE *out)
{
    for (size_t i = 0; i < check_count(); i++) {
        const struct check_def *c = check_at(i);
        if (check_selected(c->name, globs))
            fprintf(out, "check: %-45s %-16s %s\n", c->name, c->clause, c->what);
    }
}

void check_docs(FILE *out)
{
    fprintf(out, "# mode=check: the checks\n\n"
                 "Made by `make check-docs` from the table in `check/table.c`, which the checks run from: do not edit.\n"
                 "`mode=check` runs them on every discovered LUN (`check=GLOB,...` chooses, `check_list=yes` lists);\n"
                 "a line per check and LUN, `PASS:`, `FAIL:` (the clause, the CDB, what came, what the clause wants)\n"
                 "or `SKIP:` (why), then `SUMMARY: N tests, F unexpected failures, S skipped`; status 1 when one\n"
                 "failed. The checks that write run only with `check_writes=yes`, on the LUNs `luns=` names\n"
                 "(the others SKIP them); their data is overwritten. The verdicts also go to the results channel as a `checks` array, which the launcher turns\n"
                 "into `junit.xml`. Every check's FAIL path is proven against the fake HBA\n"
                 "(`test_every_fail_path` in `tests/unit/test_checks.c`: one deviation of the device each).\n\n"
                 "| check | clause | what it sends and expects |\n|---|---|---|\n");
    static const char *const scope[] = { "", " (once per target)", " (once per HBA)" };
    for (size_t i = 0; i < check_count(); i++) {
        const struct check_def *c = check_at(i);
        fprintf(out, "| `%s` | %s | %s%s%s |\n", c->name, c->clause, c->what, scope[c->scope],
                c->writes ? " (writes: check_writes=yes, luns= LUNs only)" : "");
    }
    fprintf(out,
            "\nWhat QEMU 7.2's scsi-hd and scsi-cd answer differently (tests/qemu/unittests.cfg expects each of\n"
            "these FAILs by name; any other FAIL there is a regression):\n\n"
            "- Data-in padded to the allocation length: `spc.vpd.transfer_length` (a 9-byte page 00 comes as 255\n"
            "  bytes), `spc.request_sense.transfer_length` (18 bytes of sense as 252), `spc.mode_sense6.length` and\n"
            "  `spc.mode_sense10.length` (MODE DATA LENGTH 91 sent as 255 and 1024 bytes),\n"
            "  `sbc.readcap16.transfer_length` (the 32 bytes of READ CAPACITY(16) as 64). The residual says the\n"
            "  bytes came; the standard INQUIRY data is the one answer that is cut right.\n"
            "- `spc.vpd.device_identification.names_the_lun`: with no `serial`, `wwn` or `device_id` property,\n"
            "  page 83 holds no designator of the logical unit.\n"
            "- `spc.cdb.naca_without_aca`: NACA set in the CONTROL byte is not refused though NORMACA is zero.\n"
            "- `sbc.verify10.past_the_end`, `sbc.verify16.past_the_end`: VERIFY of the LBA after the last is\n"
            "  GOOD (READ of it is 21/00, as SBC wants).\n"
            "- `virtio.scsi.residual`: READ(10) of one block into room for two comes back GOOD with a residual\n"
            "  that is not the one block left over (lunbench takes a residual larger than the buffer as the\n"
            "  whole buffer).\n"
            "- `spc.report_luns.lists_this_lun`, `spc.report_luns.select_report_2` on a LUN other than 0: REPORT\n"
            "  LUNS ends in ILLEGAL REQUEST 25/00; SPC makes REPORT LUNS mandatory for every logical unit.\n"
            "- SKIPs, not deviations: `spc.sense.invalid_field_pointer` (QEMU's 24/00 carries no field pointer),\n"
            "  `sbc.synchronize_cache16` (not supported), `spc.rsoc.*` (not offered), `spc.vpd.serial*` (no serial\n"
            "  set).\n");
}

/* Whether LUN k is the first usable one of its HBA, or of its target, in the inventory (which is
 * sorted by HBA, target, LUN): the LUN a per-HBA or per-target check runs on. */
static bool lun_usable(const struct lun_info *li, const bool *hba_ok, unsigned hba_count)
{
    return li->hba < hba_count && hba_ok[li->hba] && !(li->flags & (LUN_FAILED | LUN_REMOVED | LUN_ABSENT));
}

static void keep_verdict(struct check_report *r, size_t check, size_t lun, enum check_result result, const char *why)
{
    if (r->out_of_memory)
        return;
    if (r->count == r->capacity) {
        size_t cap = r->capacity ? 2 * r->capacity : 256;
        struct check_verdict *grown = realloc(r->v, cap * sizeof *grown);
        if (grown == NULL) {
            r->out_of_memory = true;
            return;
        }
        r->v = grown;
        r->capacity = cap;
    }
    r->v[r->count++] = (struct check_verdict){ (uint32_t)check, (uint32_t)lun, result,
                                               result == CHECK_PASS ? NULL : strdup(why) };
}

void check_report_json(struct json_writer *w, const struct check_report *report, const struct inventory *inv)
{
    static const char *const names[] = { "PASS", "FAIL", "SKIP" };
    json_array_begin(w, "checks");
    for (size_t i = 0; i < (report->out_of_memory ? 0 : report->count); i++) {
        const struct check_verdict *v = &report->v[i];
        const struct check_def *c = check_at(v->check);
        const struct lun_info *li = &inv->luns[v->lun];
        char where[24];
        snprintf(where, sizeof where, "%u:%u:%u", li->hba, li->target, li->lun);
        json_object_begin(w, NULL);
        json_string(w, "name", c->name);
        json_string(w, "clause", c->clause);
        json_string(w, "lun", where);
        json_string(w, "result", names[v->result]);
        if (v->why != NULL)
            json_string(w, "detail", v->why);
        json_object_end(w);
    }
    json_array_end(w);
    json_object_begin(w, "check_summary");
    json_uint(w, "tests", report->totals.run);
    json_uint(w, "failed", report->totals.failed);
    json_uint(w, "skipped", report->totals.skipped);
    json_bool(w, "verdicts_complete", !report->out_of_memory);
    json_object_end(w);
}

void check_report_free(struct check_report *report)
{
    for (size_t i = 0; i < report->count; i++)
        free(report->v[i].why);
    free(report->v);
    memset(report, 0, sizeof *report);
}

void check_run_all(struct hba *const *hbas, const bool *hba_ok, unsigned hba_count, const struct inventory *inv,
                   const char *globs, const bool *may_write, uint64_t timeout_cycles, FILE *out,
                   struct check_report *report)
{
    memset(report, 0, sizeof *report);
    struct check_totals *totals = &report->totals;
    size_t n = check_count();
    uint8_t *buf = dev_buf_alloc(CHECK_BUF, 64); /* every check's data-in (lib/dev_buf.h) */
    unsigned *runs = calloc(n, sizeof *runs), *fails = calloc(n, sizeof *fails);
    size_t *first_fail = calloc(n, sizeof *first_fail);
    if (buf == NULL || runs == NULL || fails == NULL || first_fail == NULL) {
        fprintf(out, "FAIL: check.setup (out of memory for the checks' buffers)\n");
        totals->run = totals->failed = 1;
        dev_buf_free(buf, CHECK_BUF), free(runs), free(fails), free(first_fail);
        return;
    }
    const struct lun_info *prev = NULL; /* the last usable LUN before this one */
    for (size_t k = 0; k < inv->count; k++) {
        const struct lun_info *li = &inv->luns[k];
        if (!lun_usable(li, hba_ok, hba_count))
            continue;
        bool first_of_hba = prev == NULL || prev->hba != li->hba;
        bool first_of_target = first_of_hba || prev->target != li->target;
        prev = li;
        struct check_lun l = { hbas[li->hba], li, inv, timeout_cycles, buf };
        for (size_t i = 0; i < n; i++) {
            const struct check_def *c = check_at(i);
            if (!check_selected(c->name, globs) || (c->scope == CHECK_PER_HBA && !first_of_hba) ||
                (c->scope == CHECK_PER_TARGET && !first_of_target) || (c->writes && may_write == NULL))
                continue;
            char why[400] = "it writes, and luns= does not name this LUN";
            enum check_result r = c->writes && !may_write[k] ? CHECK_SKIP : c->run(&l, why, sizeof why);
            totals->run++;
            runs[i]++;
            if (r == CHECK_PASS)
                fprintf(out, "PASS: %s %u:%u:%u\n", c->name, li->hba, li->target, li->lun);
            else if (r == CHECK_SKIP)
                fprintf(out, "SKIP: %s %u:%u:%u (%s)\n", c->name, li->hba, li->target, li->lun, why);
            else
                fprintf(out, "FAIL: %s %u:%u:%u (%s) %s\n", c->name, li->hba, li->target, li->lun, c->clause, why);
            if (r == CHECK_FAIL && fails[i]++ == 0)
                first_fail[i] = k;
            totals->failed += r == CHECK_FAIL;
            totals->skipped += r == CHECK_SKIP;
            keep_verdict(report, i, k, r, why);
        }
    }
    /* The same failure on thousands of LUNs is one finding: a line for each check that failed. */
    for (size_t i = 0; i < n; i++)
        if (fails[i]) {
            const struct lun_info *f = &inv->luns[first_fail[i]];
            fprintf(out, "check: %s (%s) FAIL on %u of %u %s, first on %u:%u:%u\n", check_at(i)->name,
                    check_at(i)->clause, fails[i], runs[i],
                    check_at(i)->scope == CHECK_PER_HBA ? "HBAs" : check_at(i)->scope == CHECK_PER_TARGET ? "targets" : "LUNs",
                    f->hba, f->target, f->lun);
        }
    dev_buf_free(buf, CHECK_BUF), free(runs), free(fails), free(first_fail);
    fprintf(out, "SUMMARY: %u tests, %u unexpected failures, %u skipped\n", totals->run, totals->failed,
            totals->skipped);
    if (report->out_of_memory)
        fprintf(out, "lunbench: mode=check: out of memory for the verdicts: the results document lists none\n");
}
