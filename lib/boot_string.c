#include "lib/boot_string.h"

/* No C library here: the UEFI stub links this file too (built with gnu-efi, which has none). */

bool boot_copy_string(char *dst, size_t max, const char *src)
{
    size_t i = 0;
    if (max == 0)
        return src[0] != '\0';
    for (; src[i] != '\0'; i++) {
        if (i + 1 >= max) {
            dst[i] = '\0';
            return true;
        }
        dst[i] = src[i];
    }
    dst[i] = '\0';
    return false;
}

void boot_cmdline_skip_first_word(char *cmdline)
{
    char *p = cmdline;
    while (*p == ' ')
        p++;
    while (*p != '\0' && *p != ' ')
        p++;
    while (*p == ' ')
        p++;
    size_t i = 0;
    do
        cmdline[i] = p[i]; /* forward: p is at or after cmdline */
    while (p[i++] != '\0');
}
