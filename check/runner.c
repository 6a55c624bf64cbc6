/* Running the checks (check/check.h): selection by glob, a line per check and LUN, the summary. */
#include <stdlib.h>
#include <string.h>

#include "check/check.h"

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
    for (size_t i = 0; i < check_table_count; i++)
        if (check_selected(check_table[i].name, globs))
            fprintf(out, "check: %-45s %-16s %s\n", check_table[i].name, check_table[i].clause, check_table[i].what);
}

void check_docs(FILE *out)
{
    fprintf(out, "# mode=check: the checks\n\n"
                 "Made by `make check-docs` from the table in `check/table.c`, which the checks run from: do not edit.\n"
                 "`mode=check` runs them on every discovered LUN (`check=GLOB,...` chooses, `check_list=yes` lists);\n"
                 "a line per check and LUN, `PASS:`, `FAIL:` (the clause, the CDB, what came, what the clause wants)\n"
                 "or `SKIP:` (why), then `SUMMARY: N tests, F unexpected failures, S skipped`; status 1 when one\n"
                 "failed.\n\n| check | clause | what it sends and expects |\n|---|---|---|\n");
    for (size_t i = 0; i < check_table_count; i++)
        fprintf(out, "| `%s` | %s | %s |\n", check_table[i].name, check_table[i].clause, check_table[i].what);
    fprintf(out, "\nWhat QEMU 7.2 answers differently (tests/qemu/unittests.cfg expects these by name):\n\n"
                 "- `spc.mode_sense6.length`: scsi-hd and scsi-cd send MODE SENSE(6) data padded with zeros to the\n"
                 "  allocation length (the residual says 255 bytes came where MODE DATA LENGTH says 92).\n"
                 "- `spc.report_luns.lists_this_lun`: REPORT LUNS sent to a LUN other than 0 ends in ILLEGAL REQUEST\n"
                 "  25/00; SPC makes REPORT LUNS mandatory for every logical unit.\n"
                 "- `spc.sense.invalid_field_pointer` is a SKIP: QEMU's INVALID FIELD IN CDB has no field pointer.\n");
}

void check_run_all(struct hba *const *hbas, const bool *hba_ok, unsigned hba_count, const struct inventory *inv,
                   const char *globs, uint64_t timeout_cycles, FILE *out, struct check_totals *totals)
{
    memset(totals, 0, sizeof *totals);
    uint8_t *buf = malloc(CHECK_BUF);
    if (buf == NULL) {
        fprintf(out, "FAIL: check.setup (out of memory for a %u-byte buffer)\n", CHECK_BUF);
        totals->run = totals->failed = 1;
        return;
    }
    for (size_t k = 0; k < inv->count; k++) {
        const struct lun_info *li = &inv->luns[k];
        if (li->hba >= hba_count || !hba_ok[li->hba] || (li->flags & (LUN_FAILED | LUN_REMOVED)))
            continue;
        struct check_lun l = { hbas[li->hba], li, timeout_cycles, buf };
        bool first_of_hba = true;
        for (size_t p = 0; p < k; p++)
            first_of_hba &= inv->luns[p].hba != li->hba || (inv->luns[p].flags & (LUN_FAILED | LUN_REMOVED));
        for (size_t i = 0; i < check_table_count; i++) {
            const struct check_def *c = &check_table[i];
            if (!check_selected(c->name, globs) || (c->once_per_hba && !first_of_hba))
                continue;
            char why[400] = "";
            enum check_result r = c->run(&l, why, sizeof why);
            totals->run++;
            if (r == CHECK_PASS)
                fprintf(out, "PASS: %s %u:%u:%u\n", c->name, li->hba, li->target, li->lun);
            else if (r == CHECK_SKIP)
                fprintf(out, "SKIP: %s %u:%u:%u (%s)\n", c->name, li->hba, li->target, li->lun, why);
            else
                fprintf(out, "FAIL: %s %u:%u:%u (%s) %s\n", c->name, li->hba, li->target, li->lun, c->clause, why);
            totals->failed += r == CHECK_FAIL;
            totals->skipped += r == CHECK_SKIP;
        }
    }
    free(buf);
    fprintf(out, "SUMMARY: %u tests, %u unexpected failures, %u skipped\n", totals->run, totals->failed,
            totals->skipped);
}
