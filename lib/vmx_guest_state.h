/*
 * The segment-state rules hardware VMX checks at every VM entry (Intel SDM vol. 3, 27.3.1.2
 * "Checks on Guest Segment Registers"; KVM's __vmx_guest_state_valid applies them where it must
 * emulate instead), judged from the selectors a CPU holds and the GDT they index. A guest that
 * breaks one runs under TCG and kvm-pvm but not under hardware KVM, which is why lunbench checks
 * its own state at boot (cpu_check=yes). Pure: host-tested against broken descriptors.
 */
#ifndef LIB_VMX_GUEST_STATE_H
#define LIB_VMX_GUEST_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A segment register as the CPU caches it, decoded from its descriptor. */
struct vmx_segment {
    uint16_t selector;
    bool unusable;       /* a null selector (SS, DS, ES, FS, GS, LDTR) */
    bool outside_gdt;    /* the selector indexes past the GDT limit (or TI=1) */
    uint8_t type;        /* 4 bits */
    bool s, p, l, db, g;
    uint8_t dpl;
    uint32_t limit;      /* 20 bits as written */
};

/* Decode the segment selector loads from the GDT (gdt_limit as sgdt reports it). System
 * descriptors (TR, LDTR) are 16 bytes in long mode; only the low 8 matter for the rules. */
struct vmx_segment vmx_segment_from_gdt(const uint64_t *gdt, uint16_t gdt_limit, uint16_t selector);

enum { VMX_CS, VMX_SS, VMX_DS, VMX_ES, VMX_FS, VMX_GS, VMX_TR, VMX_LDTR, VMX_SEGMENTS };

/* "CS", "SS", ... */
const char *vmx_segment_name(unsigned which);

/* Check every rule for a guest in IA-32e mode (64-bit CS): call report(ctx, line) once per
 * violation with a line naming the register, the rule and the values ("SS.RPL 0 differs from
 * CS.RPL 3"). Returns the number of violations. */
unsigned vmx_check_guest_state(const struct vmx_segment seg[VMX_SEGMENTS],
                               void (*report)(void *ctx, const char *line), void *ctx);

#endif
