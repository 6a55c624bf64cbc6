/*
 * The machine-readable channel: COM2 when QEMU has a second serial port (-serial stdio -serial
 * file:out.json), else COM1 between two marker lines, so a harness can always cut the JSON out.
 */
#ifndef RT_RESULTS_H
#define RT_RESULTS_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/json.h"

#define RESULTS_BEGIN_MARKER "----- lunbench results begin -----"
#define RESULTS_END_MARKER "----- lunbench results end -----"

/* Start a JSON document on the channel; *w writes to it until results_end. */
void results_begin(struct json_writer *w);
void results_end(struct json_writer *w);
/* Bytes straight onto COM2, ahead of the JSON document (fio's log files in frames,
 * bench/log_frame.h); only where results_com2_present(). ctx is unused. */
bool results_com2_present(void);
void results_com2_write(void *ctx, const char *buf, size_t len);
/* "COM2" or "COM1 between markers". */
const char *results_channel_name(void);

#endif
