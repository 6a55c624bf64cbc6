#include "lib/boot_string.h"

#include <string.h>

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
    memmove(cmdline, p, strlen(p) + 1);
}
