/* mode=check: the conformance checks (check/check.h) of every discovered LUN, or their list. */
#include <stdio.h>

#include "check/check.h"
#include "lib/exit_status.h"
#include "machine.h"

int check_mode_run(const struct machine *m, const struct scan_result *scan)
{
    const char *globs = m->options.check;
    if (m->options.check_list == OPT_YES) {
        check_list(globs, stdout);
        return LUNBENCH_EXIT_OK;
    }
    unsigned selected = 0;
    for (size_t i = 0; i < check_table_count; i++)
        selected += check_selected(check_table[i].name, globs);
    if (selected == 0) {
        printf("lunbench: check=%s: no check has such a name (check_list=yes lists them)\n", globs);
        return LUNBENCH_EXIT_USAGE;
    }
    struct check_totals t;
    check_run_all(scan->seams, scan->hba_ok, scan->hba_count, &scan->inv, globs,
                  m->tsc.hz / 1000 * m->options.cmd_timeout_ms, stdout, &t);
    return t.failed ? LUNBENCH_EXIT_ERRORS : LUNBENCH_EXIT_OK;
}
