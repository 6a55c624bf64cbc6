/* 16550 UARTs: COM1 carries the console, COM2 (when QEMU has one) the machine-readable output. */
#ifndef ARCH_X86_64_SERIAL_H
#define ARCH_X86_64_SERIAL_H

#include <stdbool.h>
#include <stddef.h>

enum serial_port { SERIAL_COM1, SERIAL_COM2 };

/* Program both UARTs for 115200 8N1 with FIFOs; probe COM2 through its scratch register. */
void serial_init(void);
bool serial_present(enum serial_port port);
/* Write raw bytes (no newline translation); a missing port swallows them. */
void serial_write(enum serial_port port, const char *buf, size_t len);

#endif
