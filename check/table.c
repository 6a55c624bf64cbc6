/* The one list of checks (check/check.h): the families' tables, one after another. */
#include "check/check.h"

extern const struct check_def check_spc_inquiry[], check_spc_commands[], check_sbc[], check_task[], check_transport[];
extern const size_t check_spc_inquiry_count, check_spc_commands_count, check_sbc_count, check_task_count,
    check_transport_count;

static const struct {
    const struct check_def *defs;
    const size_t *count;
} families[] = {
    { check_spc_inquiry, &check_spc_inquiry_count },
    { check_spc_commands, &check_spc_commands_count },
    { check_sbc, &check_sbc_count },
    { check_task, &check_task_count },
    { check_transport, &check_transport_count },
};

size_t check_count(void)
{
    size_t n = 0;
    for (size_t f = 0; f < sizeof families / sizeof families[0]; f++)
        n += *families[f].count;
    return n;
}

const struct check_def *check_at(size_t i)
{
    for (size_t f = 0; f < sizeof families / sizeof families[0]; f++) {
        if (i < *families[f].count)
            return &families[f].defs[i];
        i -= *families[f].count;
    }
    return NULL;
}
