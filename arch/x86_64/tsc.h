/* The TSC as the clock: its frequency, where it came from, and whether it is invariant. */
#ifndef ARCH_X86_64_TSC_H
#define ARCH_X86_64_TSC_H

#include <stdbool.h>
#include <stdint.h>

enum tsc_source { TSC_SOURCE_NONE, TSC_SOURCE_CPUID_15H, TSC_SOURCE_CPUID_16H, TSC_SOURCE_HYPERVISOR, TSC_SOURCE_PIT, TSC_SOURCE_HPET };

struct tsc_clock {
    uint64_t hz;
    enum tsc_source source;
    bool invariant; /* CPUID 0x80000007 EDX bit 8 */
};

/*
 * Find the TSC frequency. choice is an enum clock_choice (lib/options.h): auto tries CPUID leaf
 * 0x15, leaf 0x16, the hypervisor leaf 0x40000010, a PIT calibration and an HPET calibration in
 * that order; any other value uses only that source. hpet_base is 0 when ACPI has no HPET.
 * Returns 0, or -1 with a reason in err when the chosen source cannot give a frequency.
 */
int tsc_calibrate(int choice, uint64_t hpet_base, struct tsc_clock *clock, char *err, unsigned err_len);

const char *tsc_source_name(enum tsc_source source);

/* Cycles to nanoseconds at the calibrated frequency (no overflow for spans below ~2^64/1e9 s). */
uint64_t tsc_cycles_to_ns(uint64_t cycles);

#endif
