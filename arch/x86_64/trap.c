#include "trap.h"

#include <string.h>

#include "cpu.h"
#include "arch/x86_64/console.h"
#include "lib/exit_status.h"
#include "lib/options.h"
#include "machine_exit.h"

struct __attribute__((packed)) tss64 {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
};

struct __attribute__((packed)) idt_gate {
    uint16_t offset_lo, selector;
    uint8_t ist, type_attr;
    uint16_t offset_mid;
    uint32_t offset_hi, zero;
};

struct __attribute__((packed)) table_ptr {
    uint16_t limit;
    uint64_t base;
};

enum { SEL_CODE = 0x08, SEL_DATA = 0x10, SEL_TSS = 0x18 };
enum { IST_EMERGENCY = 1 };

extern const uint64_t isr_table[32];
extern char boot_stack_bottom[], boot_stack_top[];

static uint64_t gdt[5] __attribute__((aligned(16)));
static struct tss64 tss __attribute__((aligned(16)));
static struct idt_gate idt[32] __attribute__((aligned(16)));
static uint8_t emergency_stack[16384] __attribute__((aligned(16)));
static volatile int in_exception;

static const char *const vector_names[32] = {
    "#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow", "#BR bound range",
    "#UD invalid opcode", "#NM device not available", "#DF double fault", "coprocessor segment overrun",
    "#TS invalid TSS", "#NP segment not present", "#SS stack fault", "#GP general protection",
    "#PF page fault", "reserved 15", "#MF x87 floating point", "#AC alignment check", "#MC machine check",
    "#XM SIMD floating point", "#VE virtualization", "#CP control protection", "reserved 22", "reserved 23",
    "reserved 24", "reserved 25", "reserved 26", "reserved 27", "#HV hypervisor injection",
    "#VC VMM communication", "#SX security", "reserved 31",
};

void trap_init(void)
{
    uint64_t tss_base = (uint64_t)(uintptr_t)&tss;
    uint64_t tss_limit = sizeof tss - 1;
    memset(&tss, 0, sizeof tss);
    tss.ist[IST_EMERGENCY - 1] = (uint64_t)(uintptr_t)(emergency_stack + sizeof emergency_stack);
    tss.iomap_base = sizeof tss; /* no I/O permission bitmap */

    gdt[0] = 0;
    gdt[1] = 0x00AF9A000000FFFFull; /* 64-bit code */
    gdt[2] = 0x00CF92000000FFFFull; /* data */
    gdt[3] = (tss_limit & 0xffff) | (tss_base & 0xffffff) << 16 | 0x89ull << 40 | ((tss_limit >> 16) & 0xf) << 48 |
             ((tss_base >> 24) & 0xff) << 56;
    gdt[4] = tss_base >> 32;
    struct table_ptr gdtr = { sizeof gdt - 1, (uint64_t)(uintptr_t)gdt };
    /* CS and the data selectors keep their values, so no far jump is needed after the reload. */
    __asm__ volatile("lgdt %0\n\t"
                     "mov %1, %%ds\n\tmov %1, %%es\n\tmov %1, %%ss\n\t"
                     "ltr %w2"
                     :
                     : "m"(gdtr), "r"((uint64_t)SEL_DATA), "r"((uint16_t)SEL_TSS)
                     : "memory");

    for (unsigned v = 0; v < 32; v++) {
        uint64_t handler = isr_table[v];
        /* #DF, NMI and #MC run on their own stack: the one they interrupt may be unusable. */
        uint8_t ist = (v == 8 || v == 2 || v == 18) ? IST_EMERGENCY : 0;
        idt[v] = (struct idt_gate){
            .offset_lo = (uint16_t)handler, .selector = SEL_CODE, .ist = ist, .type_attr = 0x8e,
            .offset_mid = (uint16_t)(handler >> 16), .offset_hi = (uint32_t)(handler >> 32), .zero = 0,
        };
    }
    struct table_ptr idtr = { sizeof idt - 1, (uint64_t)(uintptr_t)idt };
    __asm__ volatile("lidt %0" : : "m"(idtr));
}

static void put_reg(const char *name, uint64_t v)
{
    console_puts(" ");
    console_puts(name);
    console_puts(" ");
    console_put_hex(v);
}

static bool in_range(uint64_t addr, const void *lo, const void *hi)
{
    return addr >= (uint64_t)(uintptr_t)lo && addr + 16 <= (uint64_t)(uintptr_t)hi;
}

/* Follow saved frame pointers while they stay 8-aligned inside a known stack. */
static void backtrace(uint64_t rip, uint64_t rbp)
{
    console_puts("  backtrace (addr2line -f -e build/lunbench.elf): ");
    console_put_hex(rip);
    for (int depth = 0; depth < 24 && rbp != 0 && (rbp & 7) == 0; depth++) {
        if (!in_range(rbp, boot_stack_bottom, boot_stack_top) &&
            !in_range(rbp, emergency_stack, emergency_stack + sizeof emergency_stack))
            break;
        const uint64_t *frame = (const uint64_t *)(uintptr_t)rbp;
        if (frame[1] == 0)
            break;
        console_puts(" ");
        console_put_hex(frame[1]);
        if (frame[0] <= rbp)
            break; /* frames must move up the stack */
        rbp = frame[0];
    }
    console_puts("\n");
}

void trap_exception(struct trap_frame *f)
{
    if (in_exception++) {
        console_puts("\nlunbench: exception inside the exception report; giving up\n");
        machine_exit(LUNBENCH_EXIT_CRASH);
    }
    uint64_t cr2 = read_cr2();
    console_puts("\nlunbench: CPU exception ");
    console_puts(f->vector < 32 ? vector_names[f->vector] : "unknown");
    console_puts(", vector ");
    console_put_hex(f->vector);
    console_puts(", error code ");
    console_put_hex(f->error_code);
    console_puts("\n ");
    put_reg("rip", f->rip);
    put_reg("cs", f->cs);
    put_reg("rflags", f->rflags);
    console_puts("\n ");
    put_reg("rsp", f->rsp);
    put_reg("ss", f->ss);
    put_reg("cr2", cr2);
    put_reg("cr3", read_cr3());
    console_puts("\n ");
    put_reg("rax", f->rax);
    put_reg("rbx", f->rbx);
    put_reg("rcx", f->rcx);
    put_reg("rdx", f->rdx);
    console_puts("\n ");
    put_reg("rsi", f->rsi);
    put_reg("rdi", f->rdi);
    put_reg("rbp", f->rbp);
    put_reg("r8 ", f->r8);
    console_puts("\n ");
    put_reg("r9 ", f->r9);
    put_reg("r10", f->r10);
    put_reg("r11", f->r11);
    put_reg("r12", f->r12);
    console_puts("\n ");
    put_reg("r13", f->r13);
    put_reg("r14", f->r14);
    put_reg("r15", f->r15);
    console_puts("\n");
    if (cr2 >= (uint64_t)(uintptr_t)boot_stack_bottom - 4096 && cr2 < (uint64_t)(uintptr_t)boot_stack_bottom)
        console_puts("  cr2 is in the guard page below the stack: stack overflow\n");
    /* rip first, then the return addresses of the chain of callers. */
    backtrace(f->rip, f->rbp);
    console_puts("lunbench: exit status 4 (crash)\n");
    machine_exit(LUNBENCH_EXIT_CRASH);
}

static int __attribute__((noinline)) overflow_stack(volatile int depth)
{
    volatile char pad[512];
    pad[0] = (char)depth;
    if (depth < (1 << 30)) /* always true; keeps -Winfinite-recursion quiet */
        return overflow_stack(depth + 1) + pad[0];
    return pad[0];
}

void trap_trigger(int fault)
{
    switch (fault) {
    case FAULT_UD: __asm__ volatile("ud2"); break;
    case FAULT_PF: (void)*(volatile uint64_t *)(uintptr_t)0x4000000000ull; break; /* 256 GiB: unmapped */
    case FAULT_GP: (void)*(volatile uint64_t *)(uintptr_t)0x8000000000000000ull; break; /* non-canonical */
    case FAULT_DE: {
        uint64_t zero = 0;
        __asm__ volatile("xor %%edx, %%edx\n\tmov $1, %%eax\n\tdivq %0" : : "r"(zero) : "rax", "rdx");
        break;
    }
    case FAULT_STACK: overflow_stack(0); break;
    default: break;
    }
}
