/*
 * Exception entry stubs for vectors 0-31. Each pushes a dummy error code where the CPU pushes
 * none (Intel SDM vol. 3, 6.15), then the vector, saves the general registers as a
 * struct trap_frame (arch/x86_64/trap.h) and calls trap_exception(frame), which returns (to
 * restore the frame, possibly changed, and iretq) only when it resolved the fault: a ring-0 call
 * (arch/x86_64/ring0.h) or a port access it carried out.
 */

    .text
    .code64

.macro ISR_NOERR vec
    .globl isr\vec
isr\vec:
    pushq   $0
    pushq   $\vec
    jmp     isr_common
.endm

.macro ISR_ERR vec
    .globl isr\vec
isr\vec:
    pushq   $\vec
    jmp     isr_common
.endm

ISR_NOERR 0
ISR_NOERR 1
ISR_NOERR 2
ISR_NOERR 3
ISR_NOERR 4
ISR_NOERR 5
ISR_NOERR 6
ISR_NOERR 7
ISR_ERR   8
ISR_NOERR 9
ISR_ERR   10
ISR_ERR   11
ISR_ERR   12
ISR_ERR   13
ISR_ERR   14
ISR_NOERR 15
ISR_NOERR 16
ISR_ERR   17
ISR_NOERR 18
ISR_NOERR 19
ISR_NOERR 20
ISR_ERR   21
ISR_NOERR 22
ISR_NOERR 23
ISR_NOERR 24
ISR_NOERR 25
ISR_NOERR 26
ISR_NOERR 27
ISR_NOERR 28
ISR_ERR   29
ISR_ERR   30
ISR_NOERR 31

.macro SAVE_REGS
    pushq   %rax
    pushq   %rbx
    pushq   %rcx
    pushq   %rdx
    pushq   %rsi
    pushq   %rdi
    pushq   %rbp
    pushq   %r8
    pushq   %r9
    pushq   %r10
    pushq   %r11
    pushq   %r12
    pushq   %r13
    pushq   %r14
    pushq   %r15
.endm

isr_common:
    SAVE_REGS
    movq    %rsp, %rdi
    movq    %rsp, %rbx                  /* callee-saved: the frame, past the alignment */
    andq    $~0xf, %rsp                 /* SysV stack alignment for the C handler */
    call    trap_exception              /* returns only when it resolved the fault */

    movq    %rbx, %rsp
    popq    %r15
    popq    %r14
    popq    %r13
    popq    %r12
    popq    %r11
    popq    %r10
    popq    %r9
    popq    %r8
    popq    %rbp
    popq    %rdi
    popq    %rsi
    popq    %rdx
    popq    %rcx
    popq    %rbx
    popq    %rax
    addq    $16, %rsp                   /* vector and error code */
    iretq

    /* The wake-up IPI (VECTOR_WAKE): RING0_WAIT's hlt ends; tell the local APIC it is done. */
isr_wake:
    pushq   %rax
    movq    lapic_eoi_register(%rip), %rax
    movl    $0, (%rax)
    popq    %rax
    iretq

    /* The local APIC's spurious vector: no EOI (SDM vol. 3, 10.9). */
isr_spurious:
    iretq

    .section .rodata
    .align 8
    .globl isr_wake_entry, isr_spurious_entry
isr_wake_entry:
    .quad   isr_wake
isr_spurious_entry:
    .quad   isr_spurious
    .globl isr_table
isr_table:
    .irp vec, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    .quad   isr\vec
    .endr

    .section .note.GNU-stack, "", @progbits
