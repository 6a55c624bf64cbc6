/*
 * The descriptor-table layout every CPU shares, as constants the assembly (boot/entry.S,
 * arch/x86_64/isr.S, the AP trampoline) and the C side (arch/x86_64/ring0.c) both read.
 *
 * Each CPU has its own GDT (the template's five segments, then its own 64-bit TSS) so that each
 * has its own ring-0 stack for exceptions and ring-0 calls taken from ring 3. The code segments
 * and data segments have the accessed bit preset: hardware VMX refuses a guest whose CS or SS
 * lack it (Intel SDM vol. 3, 27.3.1.2; KVM's __vmx_guest_state_valid), and the CPU would
 * otherwise write it into a GDT it may not be able to write.
 */
#ifndef ARCH_X86_64_SEGMENTS_H
#define ARCH_X86_64_SEGMENTS_H

#define SEL_KERNEL_CODE 0x08
#define SEL_KERNEL_DATA 0x10
#define SEL_USER_DATA   0x1b /* 0x18 | RPL 3 */
#define SEL_USER_CODE   0x23 /* 0x20 | RPL 3 */
#define SEL_TSS         0x28 /* 16 bytes: entries 5 and 6 */

#define GDT_TEMPLATE_QUADS 5  /* null, kernel code, kernel data, user data, user code */
#define GDT_QUADS          7  /* + the TSS descriptor */
#define GDT_SLOT_SHIFT     6  /* each CPU's GDT occupies 64 bytes of cpu_gdt */
#define GDT_TSS_OFFSET     40 /* byte offset of the TSS descriptor */

#define TSS_SIZE           104 /* the 64-bit TSS (SDM vol. 3, 8.7) */
#define TSS_SLOT_SHIFT     7   /* each CPU's TSS occupies 128 bytes of cpu_tss */
#define GDTR_SLOT_SHIFT    4   /* each CPU's lgdt operand occupies 16 bytes of cpu_gdtr */

#define CPU_MAX            64  /* CPUs lunbench starts; -smp above that leaves the rest parked */
#define KSTACK_SIZE        16384 /* each CPU's ring-0 stack (exceptions, ring-0 calls) */

/* Application processors start in real mode at this page (the SIPI vector is its page number):
 * boot/entry.S's trampoline is copied there (arch/x86_64/smp.c checks the memory map has it free). */
#define AP_TRAMPOLINE_BASE 0x8000
#define VECTOR_WAKE        0xf0 /* the IPI that wakes a sleeping CPU (RING0_WAIT) */
#define VECTOR_SPURIOUS    0xff /* the local APIC's spurious-interrupt vector */

#define RFLAGS_IOPL3       0x3000 /* ring 3 may use in/out (the serial ports, PCI 0xcf8) */

/* The ring-0 call (arch/x86_64/ring0.h): ud2 and these two bytes, never executed. Not syscall or
 * int $n: kvm-pvm runs a syscall's target at CPL 3 and answers int $n from ring 3 with #UD, but
 * delivers exceptions to ring 0 everywhere. */
#define RING0_CALL_MARK0   0x4c /* 'L' */
#define RING0_CALL_MARK1   0x42 /* 'B' */
#define RING0_CALL_LENGTH  4

#endif
