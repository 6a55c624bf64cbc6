/*
 * Multiboot1 header for build/lunbench.elf. QEMU's -kernel loads a Multiboot1 ELF64 only with the
 * "a.out kludge" (flags bit 16): the load addresses below tell it what to copy, so it never parses
 * the ELF64 program headers it would refuse. An image that also carried the PVH note would still be
 * loaded as Multiboot, so the PVH image (boot/pvh_note.S) is linked separately.
 * Multiboot Specification 0.6.96, section 3.1.
 */
#define MB_MAGIC  0x1BADB002
#define MB_FLAGS  0x00010003    /* page-align modules | memory info | a.out kludge addresses */

    .section .multiboot, "a"
    .align 4
mb_header:
    .long   MB_MAGIC
    .long   MB_FLAGS
    .long   -(MB_MAGIC + MB_FLAGS)
    .long   mb_header           /* header_addr */
    .long   _load_start         /* load_addr */
    .long   _load_end           /* load_end_addr */
    .long   _bss_end            /* bss_end_addr */
    .long   mb_entry            /* entry_addr */

    .section .note.GNU-stack, "", @progbits
