/* The target's log: one line per event on stderr (the launcher writes it to the run's results
 * directory), each prefixed with the seconds since start. */
#ifndef TOOLS_VSCSI_TARGET_LOG_H
#define TOOLS_VSCSI_TARGET_LOG_H

#include <stdint.h>

void vt_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
uint64_t vt_now_ns(void);

#endif
