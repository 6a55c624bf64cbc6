/* The target's log lines and its clock (log.h). */
#include "tools/vscsi-target/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

uint64_t vt_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void vt_log(const char *fmt, ...)
{
    static uint64_t start;
    uint64_t now = vt_now_ns();
    if (!start)
        start = now;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    fprintf(stderr, "[%9.6f] vscsi-target: %s\n", (double)(now - start) / 1e9, line);
}
