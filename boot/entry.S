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
 * SSE is switched on before the first C instruction: newlib's printf uses SSE registers.
 */
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

    /* PML4[0] -> PDPT; PDPT[0..3] -> the four page directories. */
    movl    $boot_pdpt, %eax
    orl     $0x3, %eax                  /* present | writable */
    movl    %eax, boot_pml4
    movl    $boot_pd, %eax
    orl     $0x3, %eax
    movl    $boot_pdpt, %edi
    movl    $4, %ecx
101:  movl    %eax, (%edi)
    addl    $4096, %eax
    addl    $8, %edi
    loop    101b

    /* 2048 PD entries of 2 MiB each: identity map 0..4 GiB. */
    movl    $boot_pd, %edi
    movl    $0x83, %eax                 /* present | writable | page size */
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

    lgdt    boot_gdt_ptr
    ljmp    $0x08, $long_entry

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
    lgdt    boot_gdt_ptr64
    pushq   $0x08
    movabsq $long_entry, %rax
    pushq   %rax
    lretq

long_entry:
    movw    $0x10, %ax
    movw    %ax, %ds
    movw    %ax, %es
    movw    %ax, %ss
    xorw    %ax, %ax
    movw    %ax, %fs
    movw    %ax, %gs
    movabsq $boot_stack_top, %rsp
    xorl    %ebp, %ebp                  /* ends the frame-pointer backtrace */

    /* SSE: CR0.EM=0, CR0.MP=1; CR4.OSFXSR | CR4.OSXMMEXCPT. CR0.NE=1 too: native x87 error
     * reporting (#MF), as every 64-bit OS runs, rather than the legacy external FERR# line. */
    movq    %cr0, %rax
    andq    $~0x4, %rax
    orq     $0x22, %rax
    movq    %rax, %cr0
    movq    %cr4, %rax
    orq     $0x600, %rax
    movq    %rax, %cr4

    movl    boot_kind, %edi
    movl    boot_magic, %esi
    movl    boot_info_addr, %edx
    call    kmain
4:  cli
    hlt
    jmp     4b

    .section .rodata
    .align 16
    .globl boot_gdt
boot_gdt:
    .quad   0
    .quad   0x00AF9A000000FFFF          /* 0x08: 64-bit code, DPL 0 */
    .quad   0x00CF92000000FFFF          /* 0x10: data, DPL 0 */
boot_gdt_end:
boot_gdt_ptr:
    .word   boot_gdt_end - boot_gdt - 1
    .long   boot_gdt
boot_gdt_ptr64:                         /* lgdt in long mode reads a 64-bit base */
    .word   boot_gdt_end - boot_gdt - 1
    .quad   boot_gdt

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
