/* Strings from a boot loader: bounded copies and the Multiboot command line's first word. */
#ifndef LIB_BOOT_STRING_H
#define LIB_BOOT_STRING_H

#include <stdbool.h>
#include <stddef.h>

/* Copy a NUL-terminated loader string of at most max-1 bytes; true if it had to be cut. */
bool boot_copy_string(char *dst, size_t max, const char *src);

/* Drop the first word (Multiboot puts the kernel's file name before the -append text). */
void boot_cmdline_skip_first_word(char *cmdline);

#endif
