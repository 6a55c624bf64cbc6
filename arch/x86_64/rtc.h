/* The CMOS real-time clock: wall-clock time for fio's "timestamp" and "time" keys. */
#ifndef ARCH_X86_64_RTC_H
#define ARCH_X86_64_RTC_H

#include <stddef.h>
#include <stdint.h>

/* Seconds since 1970 (UTC, as QEMU's RTC runs by default); 0 when the RTC reads nonsense. */
uint64_t rtc_unix_time(void);
/* "Thu Nov 26 02:11:48 2026", fio's "time" format (ctime without the newline). */
void rtc_format(uint64_t unix_time, char *buf, size_t len);

#endif
