/*
 * mode=check: named conformance checks of the LUNs behind each HBA, each with the clause of the
 * specification it enforces, run over the HBA seam one command at a time. Output follows
 * kvm-unit-tests: a PASS:, FAIL: or SKIP: line per check and LUN, then a SUMMARY line; a FAIL
 * line carries the CDB sent and what came back against what the clause wants.
 *
 * The table (check/table.c) is the one list: the runner, check_list=yes and docs/checks.md (made
 * by tools/check-docs from it) all read it.
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
    uint64_t timeout_cycles;
    uint8_t *buf; /* CHECK_BUF bytes, DMA-able */
};
#define CHECK_BUF 4096

struct check_def {
    const char *name;   /* "spc.inquiry.standard.response_data_format" */
    const char *clause; /* "SPC-5 6.7.2" */
    const char *what;   /* what it sends and what it expects, one sentence */
    /* PASS, or FAIL / SKIP with why (the CDB and what came back, for a FAIL). */
    enum check_result (*run)(const struct check_lun *l, char *why, size_t why_len);
    bool once_per_hba; /* checks the HBA, not the LUN: run with the HBA's first LUN only */
};

extern const struct check_def check_table[];
extern const size_t check_table_count;

/* Whether name matches one of the comma-separated globs ('*' any run, '?' one character). */
bool check_selected(const char *name, const char *globs);

struct check_totals {
    unsigned run, failed, skipped;
};

/* Run every selected check on every LUN of the usable HBAs, printing a line each to out, then
 * the SUMMARY line. */
void check_run_all(struct hba *const *hbas, const bool *hba_ok, unsigned hba_count, const struct inventory *inv,
                   const char *globs, uint64_t timeout_cycles, FILE *out, struct check_totals *totals);

/* The selected checks, a line each: name, clause, what. */
void check_list(const char *globs, FILE *out);

/* docs/checks.md, from the table (`make check-docs` writes it; a unit test keeps it current). */
void check_docs(FILE *out);

#endif
