/*
 * Decoding the port I/O instructions lunbench executes (in and out, with an immediate port or DX;
 * Intel SDM vol. 2, IN and OUT), so ring 0 can carry out one that ring 3 was refused.
 *
 * The program runs in ring 3 with IOPL 3, which lets it use the ports directly under TCG and
 * hardware KVM; kvm-pvm runs ring 3 natively at the host's IOPL 0, so there each in/out raises
 * #GP (error code 0), and the ring-0 handler (arch/x86_64/ring0.c) decodes and performs it, as Xen
 * does for its PV guests' virtual IOPL. Pure: host-tested; built without SSE (it runs at CPL 0).
 */
#ifndef LIB_IO_INSN_H
#define LIB_IO_INSN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct io_insn {
    bool out;          /* out (AL/AX/EAX to the port), else in */
    bool port_in_dx;   /* the port is DX, else the immediate */
    uint8_t port_imm;
    uint8_t width;     /* 1, 2 or 4 bytes */
    uint8_t length;    /* bytes of the instruction */
};

/* Decode the instruction at code (avail bytes readable). true for an in/out lunbench uses; false
 * for anything else (string I/O, other prefixes), which stays a #GP. */
bool io_insn_decode(const uint8_t *code, size_t avail, struct io_insn *insn);

/* RAX after an in of width bytes read value: AL and AX keep the bits above them, EAX clears the
 * upper half (a 32-bit register write in 64-bit mode). */
uint64_t io_insn_merge_in(uint64_t rax, unsigned width, uint32_t value);

#endif
