/* Descriptor tables and the exception report. */
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

/* Load a GDT with a TSS (its IST gives #DF, NMI and #MC a stack of their own, so a stack
 * overflow still gets a report) and an IDT with a handler for vectors 0-31. */
void trap_init(void);

/* Called from isr.S: print the report and exit with LUNBENCH_EXIT_CRASH. */
void trap_exception(struct trap_frame *frame);

/* Raise an exception on purpose (the test-only fault= option). */
void trap_trigger(int fault);

#endif
