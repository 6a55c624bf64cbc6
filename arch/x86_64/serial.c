#include "serial.h"

#include "cpu.h"

static const uint16_t port_base[] = { [SERIAL_COM1] = 0x3f8, [SERIAL_COM2] = 0x2f8 };
static bool port_present[2];

enum { UART_THR = 0, UART_IER = 1, UART_FCR = 2, UART_LCR = 3, UART_MCR = 4, UART_LSR = 5, UART_SCR = 7 };
enum { LSR_THR_EMPTY = 0x20, UART_FIFO = 16 };

static bool probe(uint16_t base)
{
    /* An absent port reads all ones; a present 16550 keeps what is written to its scratch register. */
    if (inb((uint16_t)(base + UART_LSR)) == 0xff)
        return false;
    outb((uint16_t)(base + UART_SCR), 0x5a);
    if (inb((uint16_t)(base + UART_SCR)) != 0x5a)
        return false;
    outb((uint16_t)(base + UART_SCR), 0xa5);
    return inb((uint16_t)(base + UART_SCR)) == 0xa5;
}

static void program(uint16_t base)
{
    outb((uint16_t)(base + UART_IER), 0x00);  /* no interrupts: we poll */
    outb((uint16_t)(base + UART_LCR), 0x80);  /* DLAB to set the divisor */
    outb((uint16_t)(base + UART_THR), 0x01);  /* 115200 baud */
    outb((uint16_t)(base + UART_IER), 0x00);
    outb((uint16_t)(base + UART_LCR), 0x03);  /* 8N1 */
    outb((uint16_t)(base + UART_FCR), 0xc7);  /* FIFOs on and cleared */
    outb((uint16_t)(base + UART_MCR), 0x0b);  /* DTR, RTS, OUT2 */
}

void serial_init(void)
{
    for (int p = SERIAL_COM1; p <= SERIAL_COM2; p++) {
        port_present[p] = probe(port_base[p]);
        if (port_present[p])
            program(port_base[p]);
    }
}

bool serial_present(enum serial_port port) { return port_present[port]; }

void serial_write(enum serial_port port, const char *buf, size_t len)
{
    if (!port_present[port])
        return;
    uint16_t base = port_base[port];
    for (size_t i = 0; i < len;) {
        /* Bounded wait: a wedged UART must not hang the run. */
        for (int spin = 0; spin < 100000 && !(inb((uint16_t)(base + UART_LSR)) & LSR_THR_EMPTY); spin++)
            cpu_pause();
        /* THR empty with the FIFO on means the whole 16-byte transmit FIFO is free (16550A):
         * one status read per 16 bytes, which matters for long JSON output. */
        for (size_t burst = 0; burst < UART_FIFO && i < len; burst++)
            outb((uint16_t)(base + UART_THR), (uint8_t)buf[i++]);
    }
}
