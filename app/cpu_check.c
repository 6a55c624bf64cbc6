/* cpu_check=yes: each CPU's segment state, as ring 3 and ring 0 see it, against hardware VMX's
 * entry rules (lib/vmx_guest_state.h). A CPU reads its own state (cpu_check_read, also on the
 * application processors: ring0_read_rings); the boot CPU judges and prints. */
#include <stdio.h>

#include "arch/x86_64/cpu.h"
#include "lib/vmx_guest_state.h"
#include "machine.h"

struct printer {
    unsigned cpu;
    const char *ring;
};

static void print_violation(void *ctx, const char *line)
{
    const struct printer *p = ctx;
    printf("cpu check: CPU %u %s: FAIL: %s\n", p->cpu, p->ring, line);
}

static unsigned judge(unsigned cpu, const char *ring, const struct cpu_state *s)
{
    const uint64_t *gdt = (const uint64_t *)(uintptr_t)s->gdt_base;
    const uint16_t sel[VMX_SEGMENTS] = { s->cs, s->ss, s->ds, s->es, s->fs, s->gs, s->tr, s->ldtr };
    struct vmx_segment seg[VMX_SEGMENTS];
    for (unsigned i = 0; i < VMX_SEGMENTS; i++)
        seg[i] = vmx_segment_from_gdt(gdt, s->gdt_limit, sel[i]);
    struct printer p = { cpu, ring };
    unsigned n = vmx_check_guest_state(seg, print_violation, &p);
    printf("cpu check: CPU %u %s: CS 0x%02x SS 0x%02x DS 0x%02x ES 0x%02x FS 0x%02x GS 0x%02x TR 0x%02x LDTR "
           "0x%02x GDT 0x%llx+%u: %s\n",
           cpu, ring, s->cs, s->ss, s->ds, s->es, s->fs, s->gs, s->tr, s->ldtr, (unsigned long long)s->gdt_base,
           s->gdt_limit + 1u, n == 0 ? "the VMX entry rules hold" : "VMX would refuse this state");
    return n;
}

unsigned cpu_check_report(unsigned cpu, const struct cpu_rings *s)
{
    unsigned n = judge(cpu, "ring 0", &s->ring0);
    /* kvm-pvm runs ring 3 natively on the host's own user segments (Linux's 0x33 and 0x2b), not
     * the ones boot/entry.S's iretq loaded: those are not ours to judge, and no VMX enters them. */
    if (s->ring3.cs != SEL_USER_CODE || s->ring3.ss != SEL_USER_DATA) {
        printf("cpu check: CPU %u ring 3: CS 0x%02x SS 0x%02x, not the 0x%02x and 0x%02x lunbench loaded: the "
               "hypervisor runs ring 3 on segments of its own (kvm-pvm does); not judged\n",
               cpu, s->ring3.cs, s->ring3.ss, SEL_USER_CODE, SEL_USER_DATA);
        return n;
    }
    return n + judge(cpu, "ring 3", &s->ring3);
}
