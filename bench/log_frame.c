#include "bench/log_frame.h"

#include <inttypes.h>
#include <stdio.h>

static void header(const struct log_channel *ch, const char *line, int n, size_t size)
{
    if (n > 0)
        ch->write(ch->ctx, line, (size_t)n < size ? (size_t)n : size - 1);
}

void log_frame_open(const struct log_channel *ch, const char *name)
{
    char line[160];
    header(ch, line, snprintf(line, sizeof line, LOG_FRAME_TAG " " LOG_FRAME_OPEN " %s\n", name), sizeof line);
}

void log_frame_data(const struct log_channel *ch, const char *name, const char *text, size_t len)
{
    if (len == 0)
        return;
    char line[200];
    header(ch, line, snprintf(line, sizeof line, LOG_FRAME_TAG " " LOG_FRAME_DATA " %zu %s\n", len, name), sizeof line);
    ch->write(ch->ctx, text, len);
}

void log_frame_close(const struct log_channel *ch, const char *name, uint64_t bytes)
{
    char line[180];
    header(ch, line, snprintf(line, sizeof line, LOG_FRAME_TAG " " LOG_FRAME_CLOSE " %" PRIu64 " %s\n", bytes, name),
           sizeof line);
}
