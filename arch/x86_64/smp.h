/*
 * The application processors: started from the MADT's list (INIT, SIPI, SIPI through the xAPIC;
 * SDM vol. 3, 8.4.4.1), each in ring 3 on its own stacks and descriptor tables, then told what
 * to run. And the TSC agreement between them, measured at start.
 *
 * Handing work to a CPU: smp_run posts a function to its mailbox and wakes it; the CPU runs it
 * to its end and says so (smp_done). Nothing else is shared: what the function touches is its
 * own business (bench/ hands each CPU its own queues and results). newlib is not reentrant here:
 * every call into it holds one lock (rt/newlib_lock.c), so any CPU may print or allocate, but
 * nothing on a hot path should.
 */
#ifndef ARCH_X86_64_SMP_H
#define ARCH_X86_64_SMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86_64/ring0.h"

struct smp_cpu {
    uint32_t apic_id;
    bool started;
    int64_t tsc_offset;       /* its TSC minus the boot CPU's, in cycles (0 for CPU 0) */
    uint64_t tsc_uncertainty; /* half the round trip of the best measurement */
    struct cpu_rings state;   /* as it read itself at start (cpu_check=yes) */
};

struct smp_report {
    unsigned listed;           /* CPUs the MADT lists as enabled */
    unsigned started;          /* of which running, the boot CPU included */
    unsigned skipped;          /* not started: above CPU_MAX, x2APIC-only IDs, or wanted= fewer */
    uint64_t start_cycles;     /* INIT to the last one running */
    unsigned tsc_unmeasured;   /* CPUs whose first TSC round trip took over 20 ms */
    unsigned worst_skew_cpu;   /* the CPU whose TSC is furthest from CPU 0's (0: none measured) */
    int64_t worst_skew;
    uint64_t worst_skew_uncertainty;
};

/* Start the processors apic_ids lists (the boot CPU among them), up to wanted of them (0: all).
 * Returns 0, or -1 with a one-line reason in err; either way *r says what runs. */
int smp_start(const uint32_t *apic_ids, const bool *x2apic, unsigned count, unsigned wanted, uint64_t lapic_base,
              uint64_t tsc_hz, struct smp_report *r, char *err, size_t err_len);

/* CPUs running, the boot CPU (0) included; 1 before smp_start. */
unsigned smp_cpu_count(void);
const struct smp_cpu *smp_cpu(unsigned cpu);

/* The CPU this runs on (0: the boot CPU), from which CPU's stack it is on: cheap, ring 3. */
unsigned smp_self(void);

/* The running CPU's APIC ID as CPUID tells it (leaf 0xB's x2APIC ID where there is one, else
 * leaf 1's initial APIC ID): ring 3, a check of which CPU really runs the code. */
uint32_t smp_read_apic_id(void);

/* Run fn(arg) on CPU cpu (not 0), which must be idle (smp_done). */
void smp_run(unsigned cpu, void (*fn)(void *arg), void *arg);
bool smp_done(unsigned cpu);

/* Called from boot/entry.S on each application processor, in ring 3. */
_Noreturn void smp_ap_main(unsigned cpu);

#endif
