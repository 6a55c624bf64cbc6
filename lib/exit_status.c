#include "exit_status.h"

const char *exit_status_name(int status)
{
    switch (status) {
    case LUNBENCH_EXIT_OK: return "success";
    case LUNBENCH_EXIT_ERRORS: return "finished with errors";
    case LUNBENCH_EXIT_USAGE: return "bad usage or input";
    case LUNBENCH_EXIT_NO_DEVICE: return "no usable device";
    case LUNBENCH_EXIT_CRASH: return "crash";
    default: return "unknown status";
    }
}
