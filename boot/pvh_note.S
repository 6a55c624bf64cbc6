/*
 * PVH entry note for build/lunbench-pvh.elf (Xen's XEN_ELFNOTE_PHYS32_ENTRY, type 18).
 * QEMU finds it through a PT_NOTE program header and reads the descriptor at
 * ALIGN_UP(namesz, p_align): the note must stay 4-byte aligned, or QEMU reads the wrong word and the
 * guest triple-faults before printing anything.
 */
    .section .note.Xen, "a", @note
    .align 4
    .long   4                   /* namesz */
    .long   4                   /* descsz */
    .long   18                  /* XEN_ELFNOTE_PHYS32_ENTRY */
    .asciz  "Xen"
    .align 4
    .long   pvh_entry
    .align 4

    .section .note.GNU-stack, "", @progbits
