/* Port I/O, MMIO, control registers, MSRs, CPUID, the TSC and the ring-0 call: the inline assembly
 * (beside the descriptor-table instructions of arch/x86_64/ring0.c). */
#ifndef ARCH_X86_64_CPU_H
#define ARCH_X86_64_CPU_H

#include <stdint.h>

#include "arch/x86_64/ring0.h"

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline uint16_t inw(uint16_t port)
{
    uint16_t v;
    __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline uint32_t inl(uint16_t port)
{
    uint32_t v;
    __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

/* Physical memory is identity-mapped. The empty asm hides the constant from gcc, which would
 * otherwise treat low fixed addresses (the BIOS data area) as null-pointer arithmetic. */
static inline void *phys_to_virt(uint64_t addr)
{
    __asm__("" : "+r"(addr));
    return (void *)(uintptr_t)addr;
}

static inline uint8_t mmio_read8(uint64_t addr) { return *(volatile uint8_t *)(uintptr_t)addr; }
static inline uint16_t mmio_read16(uint64_t addr) { return *(volatile uint16_t *)(uintptr_t)addr; }
static inline uint32_t mmio_read32(uint64_t addr) { return *(volatile uint32_t *)(uintptr_t)addr; }
static inline uint64_t mmio_read64(uint64_t addr) { return *(volatile uint64_t *)(uintptr_t)addr; }
static inline void mmio_write8(uint64_t addr, uint8_t v) { *(volatile uint8_t *)(uintptr_t)addr = v; }
static inline void mmio_write16(uint64_t addr, uint16_t v) { *(volatile uint16_t *)(uintptr_t)addr = v; }
static inline void mmio_write32(uint64_t addr, uint32_t v) { *(volatile uint32_t *)(uintptr_t)addr = v; }
static inline void mmio_write64(uint64_t addr, uint64_t v) { *(volatile uint64_t *)(uintptr_t)addr = v; }

/* Accesses of 1, 2 or 4 bytes, for registers whose width is a parameter (PCI configuration space,
 * virtio device configuration). */
static inline uint32_t mmio_read_sized(uint64_t addr, unsigned width)
{
    return width == 1 ? mmio_read8(addr) : width == 2 ? mmio_read16(addr) : mmio_read32(addr);
}

static inline void mmio_write_sized(uint64_t addr, unsigned width, uint32_t v)
{
    if (width == 1)
        mmio_write8(addr, (uint8_t)v);
    else if (width == 2)
        mmio_write16(addr, (uint16_t)v);
    else
        mmio_write32(addr, v);
}

static inline uint32_t port_read_sized(uint16_t port, unsigned width)
{
    return width == 1 ? inb(port) : width == 2 ? inw(port) : inl(port);
}

static inline void port_write_sized(uint16_t port, unsigned width, uint32_t v)
{
    if (width == 1)
        outb(port, (uint8_t)v);
    else if (width == 2)
        outw(port, (uint16_t)v);
    else
        outl(port, v);
}

struct cpuid_regs {
    uint32_t eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpuid(uint32_t leaf, uint32_t subleaf)
{
    struct cpuid_regs r;
    __asm__ volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx) : "a"(leaf), "c"(subleaf));
    return r;
}

/* rdtsc writes EAX and EDX, which clears the upper halves of RAX and RDX (a 32-bit register write
 * zero-extends, Intel SDM vol. 1, 3.4.1.1): read them as 64-bit values, so that no instruction
 * is spent zero-extending the low half again on every clock read of the I/O path. */
static inline uint64_t rdtsc(void)
{
    uint64_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (hi << 32) | lo;
}

static inline uint64_t read_cr2(void)
{
    uint64_t v;
    __asm__ volatile("mov %%cr2, %0" : "=r"(v));
    return v;
}

static inline uint64_t read_cr3(void)
{
    uint64_t v;
    __asm__ volatile("mov %%cr3, %0" : "=r"(v));
    return v;
}

static inline void write_cr3(uint64_t v) { __asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory"); }

/* CPL 0 only (arch/x86_64/ring0.c). */
static inline uint64_t read_msr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return (uint64_t)hi << 32 | lo;
}

static inline void write_msr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline void cpu_pause(void) { __asm__ volatile("pause"); }

/* The privilege level this code runs at: 0 in the ring-0 part, 3 in the program. */
static inline unsigned cpu_ring(void)
{
    uint16_t cs;
    __asm__ volatile("mov %%cs, %0" : "=r"(cs));
    return cs & 3u;
}

/* The selectors this code runs with (unprivileged reads: the ring-3 half of cpu_check). TR and
 * LDTR come from ring 0 (RING0_CPU_STATE): str and sldt fault in ring 3 where UMIP is on. */
static inline void cpu_read_selectors(struct cpu_state *s)
{
    __asm__ volatile("mov %%cs, %0\n\tmov %%ss, %1\n\tmov %%ds, %2\n\tmov %%es, %3"
                     : "=r"(s->cs), "=r"(s->ss), "=r"(s->ds), "=r"(s->es));
    __asm__ volatile("mov %%fs, %0\n\tmov %%gs, %1" : "=r"(s->fs), "=r"(s->gs));
}

/* Ask ring 0 for one of its operations (arch/x86_64/ring0.h). */
static inline uint64_t ring0_call(enum ring0_call call, uint64_t arg)
{
    uint64_t result;
    /* ud2 and the mark (segments.h says why); the #UD handler returns past them. */
    __asm__ volatile("ud2\n\t.byte %c3, %c4"
                     : "=a"(result)
                     : "a"((uint64_t)call), "D"(arg), "i"(RING0_CALL_MARK0), "i"(RING0_CALL_MARK1)
                     : "memory");
    return result;
}

static inline _Noreturn void cpu_halt_forever(void)
{
    if (cpu_ring() == 0)
        for (;;)
            __asm__ volatile("cli; hlt");
    for (;;)
        ring0_call(RING0_HALT, 0);
}

#endif
