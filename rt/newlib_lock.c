/*
 * newlib serialised across CPUs. Debian's newlib is built without its retargetable locks, so its
 * allocator, stdio buffers and the dtoa state printf and strtod share are one per program, with
 * no lock. Every newlib entry point lunbench calls that keeps state is linked through here (the
 * linker's --wrap: NEWLIB_LOCKED in the Makefile; its newlib-check rule fails the build when code
 * calls a newlib function that is in neither NEWLIB_LOCKED nor NEWLIB_PURE) and holds one lock.
 *
 * The lock is recursive (exit runs atexit handlers that print) and a spin lock: the holder is
 * never preempted (one thread a CPU) and newlib's calls are short. It is never taken on the I/O
 * path: errors and reports print, I/O does not.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/smp.h"

static struct {
    uint32_t owner; /* CPU + 1 holding it; 0: free */
    uint32_t depth;
} lock;

static void take(void)
{
    uint32_t me = smp_self() + 1;
    if (__atomic_load_n(&lock.owner, __ATOMIC_RELAXED) == me) {
        lock.depth++;
        return;
    }
    for (;;) {
        uint32_t free_ = 0;
        /* Acquire: what the last holder wrote through newlib is seen by this one. */
        if (__atomic_compare_exchange_n(&lock.owner, &free_, me, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
            break;
        while (__atomic_load_n(&lock.owner, __ATOMIC_RELAXED) != 0)
            cpu_pause();
    }
    lock.depth = 1;
}

static void give(void)
{
    if (--lock.depth == 0)
        __atomic_store_n(&lock.owner, 0, __ATOMIC_RELEASE);
}

/* The real entry points, which the linker names __real_X for each wrapped X. */
void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__real_memalign(size_t align, size_t n);
void __real_free(void *p);
char *__real_strdup(const char *s);
double __real_strtod(const char *s, char **end);
unsigned long long __real_strtoull(const char *s, char **end, int base);
int __real_vsnprintf(char *buf, size_t len, const char *fmt, va_list ap);
int __real_fflush(FILE *f);
_Noreturn void __real_exit(int status);

void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
void *__wrap_memalign(size_t align, size_t n);
void __wrap_free(void *p);
char *__wrap_strdup(const char *s);
double __wrap_strtod(const char *s, char **end);
unsigned long long __wrap_strtoull(const char *s, char **end, int base);
int __wrap_vsnprintf(char *buf, size_t len, const char *fmt, va_list ap);
int __wrap_snprintf(char *buf, size_t len, const char *fmt, ...);
int __wrap_printf(const char *fmt, ...);
int __wrap_fprintf(FILE *f, const char *fmt, ...);
int __wrap_sscanf(const char *s, const char *fmt, ...);
int __wrap_fflush(FILE *f);
_Noreturn void __wrap_exit(int status);

#define LOCKED(type, call)                                                                                             \
    do {                                                                                                               \
        take();                                                                                                        \
        type result_ = call;                                                                                           \
        give();                                                                                                        \
        return result_;                                                                                                \
    } while (0)

void *__wrap_malloc(size_t n) { LOCKED(void *, __real_malloc(n)); }
void *__wrap_calloc(size_t n, size_t size) { LOCKED(void *, __real_calloc(n, size)); }
void *__wrap_realloc(void *p, size_t n) { LOCKED(void *, __real_realloc(p, n)); }
void *__wrap_memalign(size_t align, size_t n) { LOCKED(void *, __real_memalign(align, n)); }
char *__wrap_strdup(const char *s) { LOCKED(char *, __real_strdup(s)); }
double __wrap_strtod(const char *s, char **end) { LOCKED(double, __real_strtod(s, end)); }
unsigned long long __wrap_strtoull(const char *s, char **end, int base) { LOCKED(unsigned long long, __real_strtoull(s, end, base)); }
int __wrap_vsnprintf(char *buf, size_t len, const char *fmt, va_list ap) { LOCKED(int, __real_vsnprintf(buf, len, fmt, ap)); }
int __wrap_fflush(FILE *f) { LOCKED(int, __real_fflush(f)); }

void __wrap_free(void *p)
{
    take();
    __real_free(p);
    give();
}

/* The variadic ones go to newlib's v-forms (vprintf, vfprintf, vsscanf: not wrapped, so these
 * calls reach newlib itself). */
int __wrap_snprintf(char *buf, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    take();
    int n = __real_vsnprintf(buf, len, fmt, ap);
    give();
    va_end(ap);
    return n;
}

int __wrap_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    take();
    int n = vprintf(fmt, ap);
    give();
    va_end(ap);
    return n;
}

int __wrap_fprintf(FILE *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    take();
    int n = vfprintf(f, fmt, ap);
    give();
    va_end(ap);
    return n;
}

int __wrap_sscanf(const char *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    take();
    int n = vsscanf(s, fmt, ap);
    give();
    va_end(ap);
    return n;
}

_Noreturn void __wrap_exit(int status)
{
    take(); /* kept: nothing else runs newlib once the program is leaving */
    __real_exit(status);
}
