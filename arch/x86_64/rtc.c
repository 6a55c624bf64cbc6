#include "rtc.h"

#include <stdbool.h>
#include <stdio.h>

#include "cpu.h"

static uint8_t cmos(uint8_t reg)
{
    outb(0x70, reg);
    return inb(0x71);
}

static unsigned from_bcd(uint8_t v, bool bcd) { return bcd ? (v >> 4) * 10u + (v & 15u) : v; }

static uint64_t days_from_civil(int y, unsigned m, unsigned d)
{
    /* Howard Hinnant's days_from_civil: days since 1970-01-01 in the proleptic Gregorian calendar. */
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (uint64_t)((int64_t)era * 146097 + (int64_t)doe - 719468);
}

uint64_t rtc_unix_time(void)
{
    /* Read while no update is in progress (status A bit 7), twice until both reads agree. */
    uint8_t t[6], again[6];
    for (int tries = 0; tries < 10; tries++) {
        for (int spin = 0; spin < 100000 && (cmos(0x0a) & 0x80); spin++)
            cpu_pause();
        static const uint8_t regs[6] = { 0x00, 0x02, 0x04, 0x07, 0x08, 0x09 };
        for (int i = 0; i < 6; i++)
            t[i] = cmos(regs[i]);
        for (int i = 0; i < 6; i++)
            again[i] = cmos(regs[i]);
        bool same = true;
        for (int i = 0; i < 6; i++)
            same &= t[i] == again[i];
        if (same)
            break;
    }
    uint8_t status_b = cmos(0x0b);
    bool bcd = !(status_b & 0x04), h12 = !(status_b & 0x02);
    unsigned sec = from_bcd(t[0], bcd), min = from_bcd(t[1], bcd);
    unsigned hour = from_bcd(t[2] & 0x7f, bcd);
    if (h12 && (t[2] & 0x80))
        hour = (hour % 12) + 12;
    unsigned day = from_bcd(t[3], bcd), month = from_bcd(t[4], bcd), year = 2000 + from_bcd(t[5], bcd);
    if (sec > 59 || min > 59 || hour > 23 || day < 1 || day > 31 || month < 1 || month > 12)
        return 0;
    return days_from_civil((int)year, month, day) * 86400 + hour * 3600u + min * 60u + sec;
}

void rtc_format(uint64_t t, char *buf, size_t len)
{
    static const char *const wd[] = { "Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed" };
    static const char *const mo[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
    uint64_t days = t / 86400, rem = t % 86400;
    /* civil_from_days (Hinnant). */
    int64_t z = (int64_t)days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    unsigned d = doy - (153 * mp + 2) / 5 + 1;
    unsigned m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    snprintf(buf, len, "%s %s %2u %02u:%02u:%02u %lld", wd[days % 7], mo[m - 1], d, (unsigned)(rem / 3600),
             (unsigned)(rem / 60 % 60), (unsigned)(rem % 60), (long long)y);
}
