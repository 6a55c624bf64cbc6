/*
 * mode=check: named conformance checks of the LUNs behind each HBA, each with the clause of the
 * specification it enforces, run over the HBA seam one command at a time. Output follows
 * kvm-unit-tests: a PASS:, FAIL: or SKIP: line per check and LUN, then a SUMMARY line; a FAIL
 * line carries the CDB sent and what came back against what the clause wants.
 *
 * Each family of checks (check/spc_inquiry.c, spc_commands.c, sbc.c, task.c, transport.c) keeps its table beside
 * its code; check/table.c strings them together into the one list that the runner, check_list=yes
 * and docs/checks.md (made by `make check-docs`) read.
 */
#ifndef CHECK_CHECK_H
#define CHECK_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "drivers/hba/discovery.h"
#include "drivers/hba/hba.h"

enum check_result { CHECK_PASS, CHECK_FAIL, CHECK_SKIP };

/* What a per-LUN check runs against. */
struct check_lun {
    struct hba *hba;
    const struct lun_info *info;
    const struct inventory *inv; /* every LUN discovery found, for checks that compare */
    uint64_t timeout_cycles;
    uint8_t *buf; /* CHECK_BUF bytes, DMA-able */
};
#define CHECK_BUF 4096

/* What a check judges: each LUN, each target (run on its first LUN) or the HBA (on its first). */
enum check_scope { CHECK_PER_LUN, CHECK_PER_TARGET, CHECK_PER_HBA };

struct check_def {
    const char *name;   /* "spc.inquiry.standard.response_data_format" */
    const char *clause; /* "SPC-5 6.7.2" */
    const char *what;   /* what it sends and what it expects, one sentence */
    /* PASS, or FAIL / SKIP with why (the CDB and what came back, for a FAIL). */
    enum check_result (*run)(const struct check_lun *l, char *why, size_t why_len);
    enum check_scope scope;
    bool writes; /* overwrites data: runs only with check_writes=yes, on the LUNs luns= names */
};

/* The checks, in the order they run and are listed. */
size_t check_count(void);
const struct check_def *check_at(size_t i);

/* Whether name matches one of the comma-separated globs ('*' any run, '?' one character). */
bool check_selected(const char *name, const char *globs);

struct check_totals {
    unsigned run, failed, skipped;
};

/* One verdict, kept for the results document. */
struct check_verdict {
    uint32_t check, lun; /* indexes: check_at(), inv->luns[] */
    enum check_result result;
    char *why;           /* FAIL and SKIP only */
};

struct check_report {
    struct check_totals totals;
    struct check_verdict *v;
    size_t count, capacity;
    bool out_of_memory; /* some verdicts could not be kept: the document lists none */
};

/* Run every selected check on every LUN of the usable HBAs, printing a line each to out; then a
 * line per check that failed anywhere ("FAIL on 3 of 4 LUNs"), and the SUMMARY line. The verdicts
 * are kept in *report (check_report_free releases them). may_write (by inventory index) names the
 * LUNs the checks that write may overwrite; NULL: those checks do not run at all. */
void check_run_all(struct hba *const *hbas, const bool *hba_ok, unsigned hba_count, const struct inventory *inv,
                   const char *globs, const bool *may_write, uint64_t timeout_cycles, FILE *out,
                   struct check_report *report);

/* The report as members of the open JSON object w: "checks" (an object per verdict: name, clause,
 * lun, result, detail) and "check_summary"; the launcher makes junit.xml of them. */
struct json_writer;
void check_report_json(struct json_writer *w, const struct check_report *report, const struct inventory *inv);
void check_report_free(struct check_report *report);

/* The selected checks, a line each: name, clause, what. */
void check_list(const char *globs, FILE *out);

/* docs/checks.md, from the table (`make check-docs` writes it; a unit test keeps it current). */
void check_docs(FILE *out);

#endif
