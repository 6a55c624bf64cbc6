/* The human console (COM1): what stdout and stderr write to. */
#ifndef ARCH_X86_64_CONSOLE_H
#define ARCH_X86_64_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

/* These run at CPL 0 too (the exception report): no newlib, no SSE (arch/x86_64/ring0.h).
 * Write bytes, turning "\n" into "\r\n". Safe from the exception handler: no allocation, no stdio. */
void console_write(const char *buf, size_t len);
void console_puts(const char *s);
/* "0x" and 16 hex digits, without stdio. */
void console_put_hex(uint64_t v);
/* Decimal, without stdio. */
void console_put_dec(uint64_t v);

#endif
