/*
 * The ring-0 part of lunbench: each CPU's descriptor tables and stacks, and the few operations the
 * ring-3 program asks of ring 0 (ring0_call in cpu.h: a marked ud2, segments.h).
 *
 * Everything else runs in ring 3 (boot/entry.S says why). This unit, the exception report
 * (trap.c) and what it prints through (console.c, serial.c, machine_exit.c) run at CPL 0 and are
 * built with -mgeneral-regs-only and call nothing in newlib (the Makefile checks both): under
 * kvm-pvm every ring-0 instruction goes through KVM's emulator, which has no SSE register moves.
 */
#ifndef ARCH_X86_64_RING0_H
#define ARCH_X86_64_RING0_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/segments.h"

/* What a ring-0 call does, by rax; the argument in rdi; the result in rax. */
enum ring0_call {
    RING0_FLUSH_TLB,  /* reload CR3: after a mapping was removed or changed */
    RING0_HALT,       /* cli; hlt, for good */
    RING0_CPU_STATE,  /* rdi: struct cpu_state *, filled with ring 0's view */
    RING0_WAIT,       /* sti; hlt; cli: sleep until an interrupt (the wake-up IPI) */
    RING0_CALL_COUNT
};

/* The processor state the boot self-check (cpu_check=yes) judges; read by ring 0 (selectors,
 * descriptor-table registers, control registers) or by ring 3 (its own selectors). */
struct cpu_state {
    uint16_t cs, ss, ds, es, fs, gs, tr, ldtr;
    uint16_t gdt_limit, idt_limit;
    uint64_t gdt_base, idt_base;
    uint64_t cr0, cr3, cr4, efer;
};

/* Called from boot/entry.S (and the AP entry) at CPL 0, once per CPU, after ltr: this CPU's TSS
 * stacks and the IDT (built by CPU 0). */
void ring0_cpu_init(unsigned cpu);

struct trap_frame;
/* From the #UD handler: when the ud2 at frame->rip is a ring-0 call from ring 3, do it, set rax
 * and step past it; false for any other #UD. */
bool ring0_call_from(struct trap_frame *frame);

/* Carry out the in/out at frame->rip that raised #GP in ring 3 (lib/io_insn.h says when) and step
 * past it. false when that is not what faulted. */
bool ring0_emulate_port_io(struct trap_frame *frame);
/* How many it carried out (the machine report: 0 wherever IOPL 3 works). */
uint64_t ring0_port_io_emulated(void);

/* The stacks of a CPU, for the exception report's backtrace and its stack-overflow hint: ring 3's
 * (set by whoever gives the CPU its stack) and its ring-0 ones. */
struct cpu_stack {
    uint64_t lo, hi;
};
void ring0_set_user_stack(unsigned cpu, uint64_t lo, uint64_t hi);
struct cpu_stack ring0_user_stack(unsigned cpu);
struct cpu_stack ring0_kernel_stack(unsigned cpu);

/* Where the local APIC is (xAPIC MMIO), for the wake-up IPI's EOI. */
void ring0_set_lapic(uint64_t base);

/* This CPU's state in both rings (ring 3 reads its selectors; ring 0, through RING0_CPU_STATE,
 * the rest), for cpu_check=yes. Called in ring 3. */
struct cpu_rings {
    struct cpu_state ring3, ring0;
};
void ring0_read_rings(struct cpu_rings *s);

/* Which CPU this is, from its APIC ID (CPUID; unprivileged, so also usable in ring 3): the CPU
 * numbering SMP bring-up set with ring0_set_cpu_apic; 0 for an APIC ID it never set. */
void ring0_set_cpu_apic(unsigned cpu, uint32_t apic_id);
unsigned ring0_this_cpu(void);

#endif
