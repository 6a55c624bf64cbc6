#include "arch/x86_64/console.h"

#include "arch/x86_64/serial.h"

void console_write(const char *buf, size_t len)
{
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        if (buf[i] != '\n')
            continue;
        serial_write(SERIAL_COM1, buf + start, i - start);
        serial_write(SERIAL_COM1, "\r\n", 2);
        start = i + 1;
    }
    serial_write(SERIAL_COM1, buf + start, len - start);
}

void console_puts(const char *s)
{
    size_t len = 0;
    while (s[len] != '\0')
        len++;
    console_write(s, len);
}

void console_put_hex(uint64_t v)
{
    char buf[18] = "0x";
    for (int i = 0; i < 16; i++)
        buf[2 + i] = "0123456789abcdef"[(v >> (60 - 4 * i)) & 0xf];
    console_write(buf, sizeof buf);
}

void console_put_dec(uint64_t v)
{
    char buf[20];
    unsigned n = 0;
    do {
        buf[sizeof buf - 1 - n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    console_write(buf + sizeof buf - n, n);
}
