/* mode=check: the conformance checks (check/check.h) of every discovered LUN, or their list. The
 * verdicts go to the console and, as a "checks" array, to the results channel, from which the
 * launcher writes junit.xml. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/targets.h"

#include "check/check.h"
#include "lib/exit_status.h"
#include "machine.h"
#include "rt/results.h"

/* check_writes=yes: the LUNs the luns= option names (as a job's would), by inventory index. 0, or -1
 * with the reason printed. */
static int writable_luns(const struct machine *m, const struct scan_result *scan, bool **may_write)
{
    const char *luns = NULL;
    for (size_t i = 0; i < OPTIONS_MAX_JOB_OVERRIDES && m->options.job_overrides[i][0]; i++)
        if (strncmp(m->options.job_overrides[i], "luns=", 5) == 0)
            luns = m->options.job_overrides[i];
    if (luns == NULL) {
        printf("lunbench: check_writes=yes: name the LUNs whose data the checks may overwrite with luns= "
               "(H:T:L,..., hba:N, targets:A-B, first:N or all)\n");
        return -1;
    }
    static struct job_spec job;
    size_t count = 0;
    char err[200];
    static const char section[] = "[check_writes]\n";
    if (job_file_parse("the command line", section, sizeof section - 1, &luns, 1, &job, 1, &count, err, sizeof err) != 0) {
        printf("lunbench: %s\n", err);
        return -1;
    }
    *may_write = calloc(scan->inv.count ? scan->inv.count : 1, sizeof **may_write);
    if (*may_write == NULL) {
        printf("lunbench: check_writes=yes: out of memory\n");
        return -1;
    }
    unsigned usable = 0;
    for (size_t k = 0; k < scan->inv.count; k++) {
        const struct lun_info *li = &scan->inv.luns[k];
        if (li->hba < scan->hba_count && scan->hba_ok[li->hba])
            (*may_write)[k] = targets_selected(&job, li, usable++);
    }
    return 0;
}

int check_mode_run(const struct machine *m, const struct scan_result *scan)
{
    const char *globs = m->options.check;
    if (m->options.check_list == OPT_YES) {
        check_list(globs, stdout);
        return LUNBENCH_EXIT_OK;
    }
    unsigned selected = 0;
    for (size_t i = 0; i < check_count(); i++)
        selected += check_selected(check_at(i)->name, globs);
    if (selected == 0) {
        printf("lunbench: check=%s: no check has such a name (check_list=yes lists them)\n", globs);
        return LUNBENCH_EXIT_USAGE;
    }
    bool *may_write = NULL;
    if (m->options.check_writes == OPT_YES && writable_luns(m, scan, &may_write) != 0)
        return LUNBENCH_EXIT_USAGE;
    struct check_report report;
    check_run_all(scan->seams, scan->hba_ok, scan->hba_count, &scan->inv, globs, may_write,
                  m->tsc.hz / 1000 * m->options.cmd_timeout_ms, stdout, &report);
    free(may_write);
    /* The document after the console lines: without COM2 the two share COM1. */
    struct json_writer w;
    results_begin(&w);
    json_object_begin(&w, NULL);
    json_string(&w, "mode", "check");
    check_report_json(&w, &report, &scan->inv);
    json_object_end(&w);
    results_end(&w);
    unsigned failed = report.totals.failed;
    check_report_free(&report);
    return failed ? LUNBENCH_EXIT_ERRORS : LUNBENCH_EXIT_OK;
}
