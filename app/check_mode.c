/* mode=check: the conformance checks (check/check.h) of every discovered LUN, or their list. The
 * verdicts go to the console and, as a "checks" array, to the results channel, from which the
 * launcher writes junit.xml. */
#include <stdio.h>

#include "check/check.h"
#include "lib/exit_status.h"
#include "machine.h"
#include "rt/results.h"

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
    struct check_report report;
    check_run_all(scan->seams, scan->hba_ok, scan->hba_count, &scan->inv, globs,
                  m->tsc.hz / 1000 * m->options.cmd_timeout_ms, stdout, &report);
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
