/* Which image this is: build/lunbench-guard.elf (the guard build, arch/x86_64/guard_pages.h) or
 * one of the normal ones. The only object the two builds compile differently (the Makefile). */
#ifndef APP_BUILD_FLAVOR_H
#define APP_BUILD_FLAVOR_H

#include <stdbool.h>

extern const bool lunbench_guard_build;

#endif
