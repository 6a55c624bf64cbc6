#include "arch/x86_64/smp.h"

#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/paging.h"

/* xAPIC registers (SDM vol. 3, table 10-1) and ICR values (10.6.1). */
enum {
    LAPIC_SVR = 0xf0, LAPIC_ICR_LOW = 0x300, LAPIC_ICR_HIGH = 0x310,
    SVR_ENABLE = 0x100,
    ICR_INIT = 0x4500,       /* INIT, level assert */
    ICR_STARTUP = 0x4600,    /* start-up, level assert; | the vector (page number) */
    ICR_FIXED = 0x4000,      /* fixed, level assert; | the vector */
    ICR_PENDING = 1 << 12,   /* delivery status */
};

#define AP_STACK_SIZE (256u * 1024)
#define TSC_ROUNDS 16
#define TSC_ABANDONED 0xffffffffu /* ping: the boot CPU stopped measuring (a round trip timed out) */
#define XAPIC_MAX_ID 254 /* 255 is the broadcast destination */
#define IDLE_SPINS 20000 /* pauses before sleeping in RING0_WAIT */

/*
 * Each CPU's mailbox. What the boot CPU writes and what the CPU writes are on cache lines of
 * their own, so polling one never bounces the other. x86 keeps stores in order and loads in
 * order (SDM vol. 3, 8.2.2), so the release store of a sequence number publishes everything
 * written before it and the acquire load that sees it sees all of that; the __atomic builtins
 * make the compiler keep that order too.
 */
struct mailbox {
    struct {
        void (*fn)(void *arg);
        void *arg;
        uint32_t posted; /* work items posted */
        uint32_t ping;   /* TSC round the boot CPU is in */
    } to_cpu __attribute__((aligned(64)));
    struct {
        uint32_t alive;
        uint32_t finished; /* work items finished */
        uint32_t pong;     /* TSC round answered */
        uint64_t pong_tsc;
    } from_cpu __attribute__((aligned(64)));
};

extern const char ap_trampoline[], ap_trampoline_end[];
uint64_t ap_stack_top[CPU_MAX]; /* read by boot/entry.S's AP entry */

static struct mailbox mailboxes[CPU_MAX];
static struct smp_cpu cpus[CPU_MAX];
static unsigned cpu_count = 1;
static uint64_t lapic;
/* The application processors' stacks, one block (smp_self tells a CPU by its stack pointer). */
static uintptr_t stacks_base, stacks_end, stacks_slot;

static uint32_t lapic_read(unsigned reg) { return mmio_read32(lapic + reg); }
static void lapic_write(unsigned reg, uint32_t v) { mmio_write32(lapic + reg, v); }

static void send_ipi(uint32_t apic_id, uint32_t icr)
{
    lapic_write(LAPIC_ICR_HIGH, apic_id << 24);
    lapic_write(LAPIC_ICR_LOW, icr);
    for (unsigned spin = 0; spin < 1000000 && (lapic_read(LAPIC_ICR_LOW) & ICR_PENDING); spin++)
        cpu_pause();
}

static void delay_cycles(uint64_t cycles)
{
    uint64_t start = rdtsc();
    while (rdtsc() - start < cycles)
        cpu_pause();
}

static uint64_t rdtsc_ordered(void)
{
    __asm__ volatile("lfence" ::: "memory"); /* rdtsc waits for nothing before it otherwise */
    return rdtsc();
}

unsigned smp_cpu_count(void) { return cpu_count; }

const struct smp_cpu *smp_cpu(unsigned cpu) { return cpu < cpu_count ? &cpus[cpu] : NULL; }

uint32_t smp_read_apic_id(void)
{
    if (cpuid(0, 0).eax >= 0xb && cpuid(0xb, 0).ebx != 0)
        return cpuid(0xb, 0).edx;
    return cpuid(1, 0).ebx >> 24;
}

unsigned smp_self(void)
{
    uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
    if (sp < stacks_base || sp >= stacks_end)
        return 0; /* the boot CPU's stack (ring-3 code of an AP runs on its block's stack only) */
    return 1 + (unsigned)((sp - stacks_base) / stacks_slot);
}

void smp_run(unsigned cpu, void (*fn)(void *arg), void *arg)
{
    struct mailbox *m = &mailboxes[cpu];
    m->to_cpu.fn = fn;
    m->to_cpu.arg = arg;
    __atomic_store_n(&m->to_cpu.posted, m->to_cpu.posted + 1, __ATOMIC_RELEASE);
    send_ipi(cpus[cpu].apic_id, ICR_FIXED | VECTOR_WAKE); /* in case it sleeps in RING0_WAIT */
}

bool smp_done(unsigned cpu)
{
    struct mailbox *m = &mailboxes[cpu];
    return __atomic_load_n(&m->from_cpu.finished, __ATOMIC_ACQUIRE) == m->to_cpu.posted;
}

_Noreturn void smp_ap_main(unsigned cpu)
{
    struct mailbox *m = &mailboxes[cpu];
    lapic_write(LAPIC_SVR, SVR_ENABLE | VECTOR_SPURIOUS); /* accept the wake-up IPI */
    ring0_read_rings(&cpus[cpu].state);
    __atomic_store_n(&m->from_cpu.alive, 1, __ATOMIC_RELEASE);
    /* The boot CPU's TSC rounds: answer each ping with this CPU's TSC at once. */
    for (uint32_t round = 1; round <= TSC_ROUNDS; round++) {
        uint32_t ping;
        while ((ping = __atomic_load_n(&m->to_cpu.ping, __ATOMIC_ACQUIRE)) != round && ping != TSC_ABANDONED)
            cpu_pause();
        if (ping == TSC_ABANDONED)
            break; /* else this CPU would wait here for a round that never comes */
        m->from_cpu.pong_tsc = rdtsc_ordered();
        __atomic_store_n(&m->from_cpu.pong, round, __ATOMIC_RELEASE);
    }
    uint32_t done = 0;
    for (unsigned idle = 0;; idle++) {
        uint32_t posted = __atomic_load_n(&m->to_cpu.posted, __ATOMIC_ACQUIRE);
        if (posted != done) {
            m->to_cpu.fn(m->to_cpu.arg);
            done = posted;
            __atomic_store_n(&m->from_cpu.finished, done, __ATOMIC_RELEASE);
            idle = 0;
            continue;
        }
        if (idle < IDLE_SPINS) {
            cpu_pause();
            continue;
        }
        /* A wake-up sent after the load above stays pending in the local APIC and ends this
         * sleep at once (RING0_WAIT's sti shadow covers the hlt). */
        ring0_call(RING0_WAIT, 0);
    }
}

/* The TSC offset of CPU cpu against this one: the round with the shortest round trip (tsc_uncertainty
 * stays 0 when no round completed). */
static void measure_tsc(unsigned cpu, uint64_t timeout)
{
    struct mailbox *m = &mailboxes[cpu];
    uint64_t best = UINT64_MAX;
    for (uint32_t round = 1; round <= TSC_ROUNDS; round++) {
        uint64_t t0 = rdtsc_ordered();
        __atomic_store_n(&m->to_cpu.ping, round, __ATOMIC_RELEASE);
        while (__atomic_load_n(&m->from_cpu.pong, __ATOMIC_ACQUIRE) != round)
            if (rdtsc() - t0 > timeout) {
                /* A busy host can deschedule a vCPU for that long: keep what was measured. */
                __atomic_store_n(&m->to_cpu.ping, TSC_ABANDONED, __ATOMIC_RELEASE);
                return;
            }
        uint64_t t2 = rdtsc_ordered();
        uint64_t t1 = m->from_cpu.pong_tsc;
        if (t2 - t0 < best) {
            best = t2 - t0;
            cpus[cpu].tsc_offset = (int64_t)(t1 - (t0 + (t2 - t0) / 2));
            cpus[cpu].tsc_uncertainty = (t2 - t0 + 1) / 2;
        }
    }
}

int smp_start(const uint32_t *apic_ids, const bool *x2apic, unsigned count, unsigned wanted, uint64_t lapic_base,
              uint64_t tsc_hz, struct smp_report *r, char *err, size_t err_len)
{
    memset(r, 0, sizeof *r);
    r->listed = count;
    r->started = 1;
    lapic = lapic_base != 0 ? lapic_base : 0xfee00000;
    uint32_t self = cpuid(1, 0).ebx >> 24;
    cpus[0] = (struct smp_cpu){ .apic_id = self, .started = true };
    ring0_set_cpu_apic(0, self);
    ring0_set_lapic(lapic);
    unsigned n = 1;
    for (unsigned i = 0; i < count; i++) {
        if (apic_ids[i] == self)
            continue;
        if (x2apic[i] && apic_ids[i] > XAPIC_MAX_ID) {
            r->skipped++; /* needs x2APIC mode, which lunbench does not switch to */
            continue;
        }
        if (n == CPU_MAX || (wanted != 0 && n == wanted)) {
            r->skipped++;
            continue;
        }
        cpus[n] = (struct smp_cpu){ .apic_id = apic_ids[i] };
        ring0_set_cpu_apic(n, apic_ids[i]);
        n++;
    }
    if (n == 1)
        return 0;

    /* Each stack with an unmapped guard page below it (an overflow faults, and the report says
     * so), all in one block: the guards split few 2 MiB pages. */
    size_t slot = AP_STACK_SIZE + 4096;
    uint8_t *block = memalign(4096, slot * (n - 1));
    if (block == NULL) {
        snprintf(err, err_len, "no memory for %u application processors' stacks (%zu KiB)", n - 1, slot * (n - 1) / 1024);
        return -1;
    }
    stacks_slot = slot;
    stacks_base = (uintptr_t)block;
    stacks_end = stacks_base + slot * (n - 1);
    for (unsigned c = 1; c < n; c++) {
        uint8_t *guard = block + slot * (c - 1);
        if (paging_unmap_guard((uint64_t)(uintptr_t)guard) != 0) {
            snprintf(err, err_len, "cannot unmap the stack guard page of CPU %u: page-table pool exhausted", c);
            return -1;
        }
        ap_stack_top[c] = (uint64_t)(uintptr_t)(guard + slot);
        ring0_set_user_stack(c, (uint64_t)(uintptr_t)(guard + 4096), ap_stack_top[c]);
        memset(&mailboxes[c], 0, sizeof mailboxes[c]);
    }
    memcpy((void *)(uintptr_t)AP_TRAMPOLINE_BASE, ap_trampoline, (size_t)(ap_trampoline_end - ap_trampoline));
    lapic_write(LAPIC_SVR, lapic_read(LAPIC_SVR) | SVR_ENABLE | VECTOR_SPURIOUS);

    /* INIT, 10 ms, SIPI, 200 µs, SIPI to those not yet up (SDM vol. 3, 8.4.4.1): all CPUs at once. */
    uint64_t start = rdtsc();
    for (unsigned c = 1; c < n; c++)
        send_ipi(cpus[c].apic_id, ICR_INIT);
    delay_cycles(tsc_hz / 100);
    for (unsigned sipi = 0; sipi < 2; sipi++) {
        for (unsigned c = 1; c < n; c++)
            if (!__atomic_load_n(&mailboxes[c].from_cpu.alive, __ATOMIC_ACQUIRE))
                send_ipi(cpus[c].apic_id, ICR_STARTUP | (AP_TRAMPOLINE_BASE >> 12));
        delay_cycles(tsc_hz / 5000);
    }
    /* Hardware starts a CPU in microseconds; 64 vCPU threads on a busy 2-core host under TCG
     * took up to 800 ms here. */
    uint64_t deadline = tsc_hz * 2;
    unsigned late = 0;
    for (unsigned c = 1; c < n; c++) {
        while (!__atomic_load_n(&mailboxes[c].from_cpu.alive, __ATOMIC_ACQUIRE) && rdtsc() - start < deadline)
            cpu_pause();
        cpus[c].started = __atomic_load_n(&mailboxes[c].from_cpu.alive, __ATOMIC_ACQUIRE) != 0;
        if (!cpus[c].started && late++ == 0)
            snprintf(err, err_len, "CPU %u (APIC ID %u) did not start within 2 s of its INIT", c, cpus[c].apic_id);
    }
    r->start_cycles = rdtsc() - start;
    for (unsigned c = 1; c < n; c++) {
        if (!cpus[c].started)
            continue;
        measure_tsc(c, tsc_hz / 50);
        if (cpus[c].tsc_uncertainty == 0) {
            r->tsc_unmeasured++;
            continue;
        }
        int64_t skew = cpus[c].tsc_offset < 0 ? -cpus[c].tsc_offset : cpus[c].tsc_offset;
        if (r->worst_skew_cpu == 0 || skew > (r->worst_skew < 0 ? -r->worst_skew : r->worst_skew)) {
            r->worst_skew_cpu = c;
            r->worst_skew = cpus[c].tsc_offset;
            r->worst_skew_uncertainty = cpus[c].tsc_uncertainty;
        }
    }
    /* CPUs are numbered 0..started-1 only when all started; a hole would leave a CPU number no
     * CPU answers to, so the count stops at the first one missing. */
    cpu_count = 1;
    while (cpu_count < n && cpus[cpu_count].started)
        cpu_count++;
    r->started = cpu_count;
    r->skipped += n - cpu_count;
    return late ? -1 : 0;
}
