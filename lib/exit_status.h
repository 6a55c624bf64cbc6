/* lunbench's exit statuses (README, "Exit statuses"). QEMU's isa-debug-exit turns status s into
 * QEMU exit code 2*s+1; QEMU exit code 0 is never ours (a triple fault under -no-reboot). */
#ifndef LIB_EXIT_STATUS_H
#define LIB_EXIT_STATUS_H

enum lunbench_status {
    LUNBENCH_EXIT_OK = 0,        /* success */
    LUNBENCH_EXIT_ERRORS = 1,    /* finished, with errors */
    LUNBENCH_EXIT_USAGE = 2,     /* bad usage or input */
    LUNBENCH_EXIT_NO_DEVICE = 3, /* no usable device */
    LUNBENCH_EXIT_CRASH = 4,     /* crash (CPU exception) */
};

const char *exit_status_name(int status);

#endif
