#include "trap.h"

#include "cpu.h"
#include "arch/x86_64/console.h"
#include "lib/exit_status.h"
#include "lib/options.h"
#include "arch/x86_64/serial.h"
#include "machine_exit.h"
#include "ring0.h"

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

static void put_reg(const char *name, uint64_t v)
{
    console_puts(" ");
    console_puts(name);
    console_puts(" ");
    console_put_hex(v);
}

static bool in_stack(uint64_t addr, struct cpu_stack s) { return s.hi != 0 && addr >= s.lo && addr + 16 <= s.hi; }

/* Follow saved frame pointers while they stay 8-aligned inside one of this CPU's stacks. */
static void backtrace(unsigned cpu, uint64_t rip, uint64_t rbp)
{
    console_puts("  backtrace (addr2line -f -e build/lunbench.elf): ");
    console_put_hex(rip);
    for (int depth = 0; depth < 24 && rbp != 0 && (rbp & 7) == 0; depth++) {
        if (!in_stack(rbp, ring0_user_stack(cpu)) && !in_stack(rbp, ring0_kernel_stack(cpu)))
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
    if (f->vector == 6 && (f->cs & 3) == 3 && ring0_call_from(f))
        return;
    if (f->vector == 13 && f->error_code == 0 && (f->cs & 3) == 3 && ring0_emulate_port_io(f))
        return;
    if (in_exception++) {
        console_puts("\nlunbench: exception inside the exception report; giving up\n");
        machine_exit(LUNBENCH_EXIT_CRASH);
    }
    if (!serial_present(SERIAL_COM1))
        serial_init(); /* a fault before kmain's first line still gets its report */
    uint64_t cr2 = read_cr2();
    unsigned cpu = ring0_this_cpu();
    console_puts("\nlunbench: CPU exception on CPU ");
    console_put_dec(cpu);
    console_puts(" in ring ");
    console_put_dec(f->cs & 3);
    console_puts(": ");
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
    struct cpu_stack stack = ring0_user_stack(cpu);
    if (f->vector == 14 && stack.lo != 0 && cr2 >= stack.lo - 4096 && cr2 < stack.lo)
        console_puts("  cr2 is in the guard page below the stack: stack overflow\n");
    /* rip first, then the return addresses of the chain of callers. */
    backtrace(cpu, f->rip, f->rbp);
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
