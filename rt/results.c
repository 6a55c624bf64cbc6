#include "results.h"

#include <stdio.h>

#include "arch/x86_64/serial.h"
#include "arch/x86_64/console.h"

static void to_com2(void *ctx, const char *buf, size_t len)
{
    (void)ctx;
    serial_write(SERIAL_COM2, buf, len);
}

static void to_console(void *ctx, const char *buf, size_t len)
{
    (void)ctx;
    console_write(buf, len);
}

bool results_com2_present(void) { return serial_present(SERIAL_COM2); }

void results_com2_write(void *ctx, const char *buf, size_t len) { to_com2(ctx, buf, len); }

const char *results_channel_name(void) { return serial_present(SERIAL_COM2) ? "COM2" : "COM1 between markers"; }

void results_begin(struct json_writer *w)
{
    fflush(stdout); /* the console's buffered lines first, so the markers stand on lines of their own */
    bool com2 = serial_present(SERIAL_COM2);
    if (!com2)
        console_puts(RESULTS_BEGIN_MARKER "\n");
    json_init(w, com2 ? to_com2 : to_console, NULL, 3); /* a line per LUN or job */
}

void results_end(struct json_writer *w)
{
    (void)w;
    if (!serial_present(SERIAL_COM2))
        console_puts(RESULTS_END_MARKER "\n");
}
