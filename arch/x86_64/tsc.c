#include "tsc.h"

#include <stdio.h>

#include "cpu.h"
#include "lib/options.h"

#define PIT_HZ 1193182u
#define CALIBRATION_MS 10u
#define CALIBRATION_RUNS 3

static uint64_t tsc_hz;

static uint32_t max_leaf(uint32_t base) { return cpuid(base, 0).eax; }

static bool hypervisor_present(void) { return (cpuid(1, 0).ecx >> 31) & 1u; }

/* CPUID 0x15: TSC = crystal * EBX / EAX (Intel SDM vol. 2A, CPUID leaf 15H). */
static uint64_t from_leaf_15h(void)
{
    if (max_leaf(0) < 0x15)
        return 0;
    struct cpuid_regs r = cpuid(0x15, 0);
    if (r.eax == 0 || r.ebx == 0 || r.ecx == 0)
        return 0;
    return (uint64_t)r.ecx * r.ebx / r.eax;
}

/* CPUID 0x16: the processor base frequency in MHz, which is the TSC rate on these parts. */
static uint64_t from_leaf_16h(void)
{
    if (max_leaf(0) < 0x16)
        return 0;
    uint32_t mhz = cpuid(0x16, 0).eax & 0xffffu;
    return (uint64_t)mhz * 1000000u;
}

/* Leaf 0x40000010 (VMware's convention, which KVM/QEMU follow): EAX = TSC kHz. */
static uint64_t from_hypervisor_leaf(void)
{
    if (!hypervisor_present() || max_leaf(0x40000000) < 0x40000010)
        return 0;
    return (uint64_t)cpuid(0x40000010, 0).eax * 1000u;
}

static uint64_t median3(uint64_t a, uint64_t b, uint64_t c)
{
    if (a > b) { uint64_t t = a; a = b; b = t; }
    if (b > c) { uint64_t t = b; b = c; c = t; }
    if (a > b) { uint64_t t = a; a = b; b = t; }
    return b;
}

/* PIT channel 0 counting down from 0xffff in mode 0, read through the latch command (8254
 * data sheet, "Counter Latch Command"). Channel 0 rather than the usual channel 2: channel 2 is
 * gated through port 0x61, which microvm does not have. Nothing else uses channel 0 here: the
 * kernel runs with interrupts off. */
static uint16_t pit_read_channel0(void)
{
    outb(0x43, 0x00); /* latch channel 0 */
    uint8_t lo = inb(0x40);
    uint8_t hi = inb(0x40);
    return (uint16_t)(lo | hi << 8);
}

/* One PIT read bracketed by two TSC reads: the TSC at the read is known to within the bracket.
 * A guest can be descheduled anywhere (a busy host under TCG or KVM); a wide bracket shows it. */
struct pit_sample {
    uint16_t count;
    uint64_t tsc, uncertainty;
};

static struct pit_sample pit_sample(void)
{
    uint64_t before = rdtsc();
    uint16_t count = pit_read_channel0();
    uint64_t after = rdtsc();
    return (struct pit_sample){ count, before + (after - before) / 2, after - before };
}

#define PIT_ABSENT UINT64_MAX

/* One calibration run: the TSC rate, 0 when a bracket was too wide, PIT_ABSENT with no PIT. */
static uint64_t pit_once(void)
{
    uint32_t ticks = PIT_HZ * CALIBRATION_MS / 1000u; /* 11931: well inside one 0xffff count */
    outb(0x43, 0x30);                                  /* channel 0, lobyte/hibyte, mode 0, binary */
    outb(0x40, 0xff);
    outb(0x40, 0xff);
    uint16_t first = pit_read_channel0();
    uint64_t spins = 0;
    struct pit_sample start, end;
    /* Wait for the count to move: the counter loads on the first input clock edge. */
    while ((start = pit_sample()).count == first)
        if (++spins > 1000000u)
            return PIT_ABSENT; /* the count never moves */
    while ((uint16_t)(start.count - (end = pit_sample()).count) < ticks)
        if (++spins > 100000000u)
            return PIT_ABSENT;
    uint16_t elapsed = (uint16_t)(start.count - end.count);
    uint64_t cycles = end.tsc - start.tsc;
    /* Keep the run only if both ends are known to within 0.5% of the interval. */
    if ((start.uncertainty + end.uncertainty) * 200 > cycles)
        return 0;
    return cycles * PIT_HZ / elapsed;
}

static uint64_t from_pit(void)
{
    /* The median of three runs with tight brackets; a run whose bracket was wide (the guest was
     * descheduled at a read) is taken again, 12 tries in all at most. */
    uint64_t runs[CALIBRATION_RUNS];
    int good = 0;
    for (int tries = 0; tries < 4 * CALIBRATION_RUNS && good < CALIBRATION_RUNS; tries++) {
        uint64_t hz = pit_once();
        if (hz == PIT_ABSENT)
            return 0;
        if (hz != 0)
            runs[good++] = hz;
    }
    if (good == 0)
        return 0;
    if (good < CALIBRATION_RUNS)
        return runs[0];
    return median3(runs[0], runs[1], runs[2]);
}

/* HPET: main counter at +0xf0, period in femtoseconds in the top half of the capabilities
 * register at +0 (IA-PC HPET 1.0a, 2.3). */
static uint64_t hpet_once(uint64_t base, uint32_t period_fs)
{
    uint64_t ticks = (uint64_t)CALIBRATION_MS * 1000000000000ull / period_fs;
    uint64_t h0 = mmio_read64(base + 0xf0), t0 = rdtsc();
    uint64_t h1, spins = 0;
    while ((h1 = mmio_read64(base + 0xf0)) - h0 < ticks)
        if (++spins > 100000000u)
            return 0;
    uint64_t t1 = rdtsc();
    uint64_t elapsed_fs = (h1 - h0) * period_fs;
    return (uint64_t)((unsigned __int128)(t1 - t0) * 1000000000000000ull / elapsed_fs);
}

static uint64_t from_hpet(uint64_t base)
{
    if (base == 0)
        return 0;
    uint32_t period_fs = (uint32_t)(mmio_read64(base) >> 32);
    if (period_fs == 0 || period_fs > 100000000u) /* the spec caps the period at 100 ns */
        return 0;
    uint64_t config = mmio_read64(base + 0x10);
    mmio_write64(base + 0x10, config | 1u); /* ENABLE_CNF */
    uint64_t runs[CALIBRATION_RUNS];
    for (int i = 0; i < CALIBRATION_RUNS; i++)
        if ((runs[i] = hpet_once(base, period_fs)) == 0)
            return 0;
    return median3(runs[0], runs[1], runs[2]);
}

int tsc_calibrate(int choice, uint64_t hpet_base, struct tsc_clock *clock, char *err, unsigned err_len)
{
    clock->invariant = max_leaf(0x80000000) >= 0x80000007 && ((cpuid(0x80000007, 0).edx >> 8) & 1u);
    clock->hz = 0;
    clock->source = TSC_SOURCE_NONE;
    struct {
        int choice;
        enum tsc_source source;
    } order[] = {
        { CLOCK_CPUID, TSC_SOURCE_CPUID_15H }, { CLOCK_CPUID, TSC_SOURCE_CPUID_16H },
        { CLOCK_HYPERVISOR, TSC_SOURCE_HYPERVISOR }, { CLOCK_PIT, TSC_SOURCE_PIT }, { CLOCK_HPET, TSC_SOURCE_HPET },
    };
    for (unsigned i = 0; i < sizeof order / sizeof order[0]; i++) {
        if (choice != CLOCK_AUTO && choice != order[i].choice)
            continue;
        uint64_t hz = 0;
        switch (order[i].source) {
        case TSC_SOURCE_CPUID_15H: hz = from_leaf_15h(); break;
        case TSC_SOURCE_CPUID_16H: hz = from_leaf_16h(); break;
        case TSC_SOURCE_HYPERVISOR: hz = from_hypervisor_leaf(); break;
        case TSC_SOURCE_PIT: hz = from_pit(); break;
        case TSC_SOURCE_HPET: hz = from_hpet(hpet_base); break;
        case TSC_SOURCE_NONE: break;
        }
        if (hz != 0) {
            clock->hz = tsc_hz = hz;
            clock->source = order[i].source;
            return 0;
        }
    }
    snprintf(err, err_len, "no TSC frequency from %s", choice == CLOCK_AUTO ? "any source (CPUID 0x15/0x16, hypervisor leaf, PIT, HPET)" : options_value_name("clock", choice));
    return -1;
}

const char *tsc_source_name(enum tsc_source source)
{
    switch (source) {
    case TSC_SOURCE_CPUID_15H: return "CPUID 0x15";
    case TSC_SOURCE_CPUID_16H: return "CPUID 0x16";
    case TSC_SOURCE_HYPERVISOR: return "hypervisor leaf 0x40000010";
    case TSC_SOURCE_PIT: return "PIT calibration";
    case TSC_SOURCE_HPET: return "HPET calibration";
    default: return "none";
    }
}

uint64_t tsc_cycles_to_ns(uint64_t cycles)
{
    return tsc_hz == 0 ? 0 : (uint64_t)((unsigned __int128)cycles * 1000000000u / tsc_hz);
}
