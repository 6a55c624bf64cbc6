/* The exception report (the descriptor tables are arch/x86_64/ring0.c's). */
#ifndef ARCH_X86_64_TRAP_H
#define ARCH_X86_64_TRAP_H

#include <stdint.h>

/* The stack as arch/x86_64/isr.S leaves it, lowest address first. */
struct trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error_code;
    uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

/* Called from isr.S at CPL 0, on this CPU's ring-0 stack (#DF, NMI and #MC on an emergency stack
 * of their own, so a stack overflow still gets a report). A #GP from ring 3's port I/O where the
 * hypervisor withholds IOPL (kvm-pvm) is carried out and returns; anything else: print the
 * report and exit with LUNBENCH_EXIT_CRASH. */
void trap_exception(struct trap_frame *frame);

/* Raise an exception on purpose (the test-only fault= option). */
void trap_trigger(int fault);

#endif
