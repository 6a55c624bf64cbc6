/*
 * 32-bit entry from QEMU's Multiboot1 and PVH loaders, switch to long mode, call kmain; and the
 * 64-bit entry from the UEFI stub, which is in long mode already.
 *
 * Both loaders enter here in 32-bit protected mode with paging off and no usable stack
 * (docs/boot.md). We identity-map the low 4 GiB with 2 MiB pages, which covers the kernel,
 * the RAM QEMU gives a small guest and every MMIO range the drivers use below 4 GiB (ECAM at
 * 0xb0000000 on q35 and 0xe0000000 on microvm, the PCI windows, LAPIC/IOAPIC/HPET).
 * arch/x86_64/paging.c adds mappings above 4 GiB later, from C.
 *
 * The order after that is Linux's head_64.S's, which hardware VMX/SVM needs (a guest state it can
 * enter at every exit): the GDT (accessed bits preset, with a 64-bit TSS) loaded before paging is
 * enabled; after the far jump SS, then DS/ES/FS/GS reloaded; lldt 0; ltr; SSE; only then C
 * (arch/x86_64/ring0.c, built without SSE: it runs at CPL 0). Then iretq to ring 3, where all of
 * the C program runs (every page user-accessible, IOPL 3 for port I/O): the kvm-pvm flavour of
 * KVM runs ring-0 code in its instruction emulator, which has no SSE register moves, and ring-3
 * code natively (docs/boot.md). Exceptions and the ring-0 calls (arch/x86_64/ring0.h) come back to
 * CPL 0 on each CPU's own stack (its TSS's RSP0).
 */
#include "arch/x86_64/segments.h"

#define BOOT_KIND_MULTIBOOT1 1
#define BOOT_KIND_PVH        2
#define BOOT_KIND_UEFI       3

/*
 * Build the identity map of the low 4 GiB in boot_pml4.. (2 MiB pages). The same instructions
 * assemble for 32-bit and 64-bit mode with the same meaning (every address is below 4 GiB, and in
 * long mode the 32-bit register writes zero-extend), so both entries expand this one macro.
 * Clobbers eax, ecx, edx, edi.
 */
.macro BUILD_IDENTITY_MAP
    /* Zero the page tables (PML4, PDPT, 4 PDs: 6 pages). */
    movl    $boot_pml4, %edi
    xorl    %eax, %eax
    movl    $(6 * 4096 / 4), %ecx
    rep stosl

    /* PML4[0] -> PDPT; PDPT[0..3] -> the four page directories. Every level user-accessible:
     * the C program runs in ring 3. */
    movl    $boot_pdpt, %eax
    orl     $0x7, %eax                  /* present | writable | user */
    movl    %eax, boot_pml4
    movl    $boot_pd, %eax
    orl     $0x7, %eax
    movl    $boot_pdpt, %edi
    movl    $4, %ecx
101:  movl    %eax, (%edi)
    addl    $4096, %eax
    addl    $8, %edi
    loop    101b

    /* 2048 PD entries of 2 MiB each: identity map 0..4 GiB. */
    movl    $boot_pd, %edi
    movl    $0x87, %eax                 /* present | writable | user | page size */
    xorl    %edx, %edx                  /* high half of the physical address */
    movl    $2048, %ecx
102:  movl    %eax, (%edi)
    movl    %edx, 4(%edi)
    addl    $0x200000, %eax
    jnc     103f
    incl    %edx
103:  addl    $8, %edi
    loop    102b

.endm

/*
 * Install CPU %ebx's GDT: the template's segments, then a 64-bit TSS descriptor for its TSS
 * (cpu_tss, arch/x86_64/ring0.c), and load it. Like BUILD_IDENTITY_MAP it assembles for 32-bit
 * and 64-bit mode alike (every address below 4 GiB). Needs DF clear; clobbers eax, ecx, esi, edi.
 */
.macro INSTALL_GDT
    movl    %ebx, %edi
    shll    $GDT_SLOT_SHIFT, %edi
    addl    $cpu_gdt, %edi
    movl    $gdt_template, %esi
    movl    $(GDT_TEMPLATE_QUADS * 2), %ecx
    rep movsl                           /* edi: the TSS descriptor (SDM vol. 3, 8.2.3) */
    movl    %ebx, %eax
    shll    $TSS_SLOT_SHIFT, %eax
    addl    $cpu_tss, %eax
    movl    %eax, %ecx                  /* base 15:0, limit 15:0 */
    shll    $16, %ecx
    orl     $(TSS_SIZE - 1), %ecx
    movl    %ecx, (%edi)
    movl    %eax, %ecx                  /* base 23:16, type 9 (64-bit TSS, available), P, base 31:24 */
    shrl    $16, %ecx
    andl    $0xff, %ecx
    orl     $0x8900, %ecx
    andl    $0xff000000, %eax
    orl     %eax, %ecx
    movl    %ecx, 4(%edi)
    movl    $0, 8(%edi)                 /* base 63:32 */
    movl    $0, 12(%edi)
    movl    %ebx, %edi                  /* the lgdt operand: limit, then a 64-bit base */
    shll    $GDTR_SLOT_SHIFT, %edi
    addl    $cpu_gdtr, %edi
    movw    $(GDT_QUADS * 8 - 1), (%edi)
    movl    %ebx, %eax
    shll    $GDT_SLOT_SHIFT, %eax
    addl    $cpu_gdt, %eax
    movl    %eax, 2(%edi)
    movl    $0, 6(%edi)
    lgdt    (%edi)
.endm

/*
 * In long mode on CPU %ebx's GDT, just after the far jump: the segment registers, LDTR and TR as
 * VMX wants them, then SSE. Clobbers eax.
 */
.macro LONG_MODE_CPU_STATE
    movw    $SEL_KERNEL_DATA, %ax
    movw    %ax, %ss                    /* SS first, then the others (head_64.S) */
    movw    %ax, %ds
    movw    %ax, %es
    movw    %ax, %fs
    movw    %ax, %gs
    xorl    %eax, %eax
    lldt    %ax                         /* LDTR unusable */
    movw    $SEL_TSS, %ax
    ltr     %ax                         /* TR: a busy 64-bit TSS from here on */

    /* SSE: CR0.EM=0, CR0.MP=1; CR4.OSFXSR | CR4.OSXMMEXCPT. CR0.NE=1 too: native x87 error
     * reporting (#MF), as every 64-bit OS runs, rather than the legacy external FERR# line.
     * CR4.TSD=0 (rdtsc in ring 3), SMEP=SMAP=0 (ring 0 runs and reads pages that are all
     * user-accessible), whatever a firmware left. */
    movq    %cr0, %rax
    andq    $~0x4, %rax
    orq     $0x22, %rax
    movq    %rax, %cr0
    movq    %cr4, %rax
    andq    $~((1 << 2) | (1 << 20) | (1 << 21)), %rax
    orq     $0x600, %rax
    movq    %rax, %cr4
.endm

/*
 * Leave ring 0 for good on this CPU: iretq to %rcx in ring 3 on the stack %rdx, interrupts off,
 * IOPL 3.
 */
.macro ENTER_RING3
    pushq   $SEL_USER_DATA
    pushq   %rdx
    pushq   $(RFLAGS_IOPL3 | 0x2)
    pushq   $SEL_USER_CODE
    pushq   %rcx
    iretq
.endm

    .section .text.boot, "ax"
    .code32

    .globl mb_entry
mb_entry:
    movl    %eax, boot_magic
    movl    %ebx, boot_info_addr
    movl    $BOOT_KIND_MULTIBOOT1, boot_kind
    jmp     common32

    .globl pvh_entry
pvh_entry:
    movl    %eax, boot_magic
    movl    %ebx, boot_info_addr
    movl    $BOOT_KIND_PVH, boot_kind

common32:
    cli
    cld
    movl    $boot_stack_top, %esp

    BUILD_IDENTITY_MAP
    xorl    %ebx, %ebx                  /* the boot CPU is CPU 0 */
    INSTALL_GDT                         /* before paging, with its TSS (head_64.S) */

    movl    $boot_pml4, %eax
    movl    %eax, %cr3

    movl    %cr4, %eax
    orl     $0x20, %eax                 /* CR4.PAE */
    movl    %eax, %cr4

    movl    $0xC0000080, %ecx           /* IA32_EFER */
    rdmsr
    orl     $0x100, %eax                /* EFER.LME */
    wrmsr

    movl    %cr0, %eax
    orl     $0x80000001, %eax           /* CR0.PG | CR0.PE */
    movl    %eax, %cr0

    ljmp    $SEL_KERNEL_CODE, $long_entry

    /*
     * 64-bit entry from the UEFI stub (boot/uefi/stub.c), after ExitBootServices: long mode with
     * the firmware's identity map, rdi = the handoff (below 4 GiB). Our own page tables, GDT and
     * stack from here on, as the 32-bit entries have them.
     */
    .code64
    .globl uefi_entry
uefi_entry:
    cli
    cld
    movl    %edi, boot_info_addr
    movl    $BOOT_KIND_UEFI, boot_kind
    movabsq $boot_stack_top, %rsp
    BUILD_IDENTITY_MAP
    movq    $boot_pml4, %rax
    movq    %rax, %cr3
    xorl    %ebx, %ebx
    INSTALL_GDT
    pushq   $SEL_KERNEL_CODE
    movabsq $long_entry, %rax
    pushq   %rax
    lretq

long_entry:
    LONG_MODE_CPU_STATE
    movabsq $(cpu_kstack + KSTACK_SIZE), %rsp /* CPU 0's ring-0 stack */
    xorl    %ebp, %ebp
    xorl    %edi, %edi
    call    ring0_cpu_init
    movabsq $user_entry, %rcx
    movabsq $boot_stack_top, %rdx
    ENTER_RING3

    /* Ring 3 from here on. */
user_entry:
    movw    $SEL_USER_DATA, %ax
    movw    %ax, %ds
    movw    %ax, %es
    movw    %ax, %fs
    movw    %ax, %gs
    xorl    %ebp, %ebp                  /* ends the frame-pointer backtrace */
    movl    boot_kind, %edi
    movl    boot_magic, %esi
    movl    boot_info_addr, %edx
    call    kmain
4:  pause
    jmp     4b

    /*
     * An application processor, from the trampoline below in 32-bit protected mode (flat
     * segments, paging off): the same steps as the boot CPU, on its own GDT, TSS and stacks. Its
     * CPU number comes from its APIC ID (cpu_by_apic, filled by arch/x86_64/smp.c before the
     * SIPI), so all of them may run this at once: nothing here needs a stack until long mode.
     */
    .code32
    .globl ap_entry32
ap_entry32:
    cld
    movl    $1, %eax
    cpuid                               /* EBX 31:24: the initial APIC ID */
    shrl    $24, %ebx
    movzbl  cpu_by_apic(%ebx), %ebx
    INSTALL_GDT
    movl    $boot_pml4, %eax
    movl    %eax, %cr3
    movl    %cr4, %eax
    orl     $0x20, %eax                 /* CR4.PAE */
    movl    %eax, %cr4
    movl    $0xC0000080, %ecx           /* IA32_EFER.LME */
    rdmsr
    orl     $0x100, %eax
    wrmsr
    movl    %cr0, %eax
    orl     $0x80000001, %eax
    movl    %eax, %cr0
    ljmp    $SEL_KERNEL_CODE, $ap_long_entry

    .code64
ap_long_entry:
    LONG_MODE_CPU_STATE
    movl    %ebx, %eax                  /* this CPU's ring-0 stack: the top of cpu_kstack[cpu] */
    incl    %eax
    imull   $KSTACK_SIZE, %eax
    movabsq $cpu_kstack, %rsp
    addq    %rax, %rsp
    xorl    %ebp, %ebp
    movl    %ebx, %edi
    call    ring0_cpu_init              /* rbx survives: callee-saved */
    movabsq $ap_user_entry, %rcx
    movabsq $ap_stack_top, %rdx
    movq    (%rdx,%rbx,8), %rdx
    ENTER_RING3

ap_user_entry:
    movw    $SEL_USER_DATA, %ax
    movw    %ax, %ds
    movw    %ax, %es
    movw    %ax, %fs
    movw    %ax, %gs
    xorl    %ebp, %ebp
    movl    %ebx, %edi
    call    smp_ap_main                 /* never returns */
5:  pause
    jmp     5b

    /*
     * The real-mode start of an application processor, copied to AP_TRAMPOLINE_BASE: CS is
     * AP_TRAMPOLINE_BASE >> 4 and IP 0 after the SIPI (SDM vol. 3, 8.4.4). A GDT of its own with
     * flat 32-bit segments takes it to protected mode and into ap_entry32 above.
     */
    .code16
    .globl ap_trampoline, ap_trampoline_end
ap_trampoline:
    cli
    movw    %cs, %ax
    movw    %ax, %ds
    lgdtl   trampoline_gdtr - ap_trampoline
    movl    %cr0, %eax
    orl     $1, %eax                    /* CR0.PE */
    movl    %eax, %cr0
    ljmpl   $0x08, $(AP_TRAMPOLINE_BASE + trampoline32 - ap_trampoline)
    .code32
trampoline32:
    movw    $0x10, %ax
    movw    %ax, %ds
    movw    %ax, %es
    movw    %ax, %ss
    movl    $ap_entry32, %eax
    jmp     *%eax
    .align 8
trampoline_gdt:
    .quad   0
    .quad   0x00CF9B000000FFFF          /* 0x08: flat 32-bit code, accessed */
    .quad   0x00CF93000000FFFF          /* 0x10: flat data, accessed */
trampoline_gdtr:
    .word   3 * 8 - 1
    .long   AP_TRAMPOLINE_BASE + trampoline_gdt - ap_trampoline
ap_trampoline_end:

    .section .rodata
    .align 16
gdt_template:                           /* accessed bits preset (arch/x86_64/segments.h) */
    .quad   0
    .quad   0x00AF9B000000FFFF          /* SEL_KERNEL_CODE: 64-bit code, DPL 0 */
    .quad   0x00CF93000000FFFF          /* SEL_KERNEL_DATA: data, DPL 0 */
    .quad   0x00CFF3000000FFFF          /* SEL_USER_DATA: data, DPL 3 */
    .quad   0x00AFFB000000FFFF          /* SEL_USER_CODE: 64-bit code, DPL 3 */

    .section .data
    .align 4
boot_kind:      .long 0
boot_magic:     .long 0
boot_info_addr: .long 0

    .section .bss
    .align 4096
    .globl boot_pml4, boot_pdpt, boot_pd
boot_pml4:  .skip 4096
boot_pdpt:  .skip 4096
boot_pd:    .skip 4 * 4096
    .align 4096
    .globl boot_stack_guard, boot_stack_bottom, boot_stack_top
boot_stack_guard:                       /* unmapped by kernel/main.c: an overflow faults here */
    .skip   4096
boot_stack_bottom:
    .skip   256 * 1024
boot_stack_top:

    .section .note.GNU-stack, "", @progbits
