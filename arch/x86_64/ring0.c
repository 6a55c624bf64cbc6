#include "arch/x86_64/ring0.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/trap.h"
#include "lib/io_insn.h"

struct __attribute__((packed)) tss64 {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
};
_Static_assert(sizeof(struct tss64) == TSS_SIZE, "64-bit TSS layout (SDM vol. 3, 8.7)");

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

enum { IST_EMERGENCY = 1, IDT_VECTORS = 256, EMERGENCY_STACK = 8192, APIC_IDS = 256 };

#define MSR_EFER 0xC0000080u

/* Filled by boot/entry.S's INSTALL_GDT (the slot sizes are segments.h's); the TSS stacks here. */
uint64_t cpu_gdt[CPU_MAX][1 << (GDT_SLOT_SHIFT - 3)] __attribute__((aligned(64)));
struct {
    struct tss64 tss;
    uint8_t pad[(1 << TSS_SLOT_SHIFT) - TSS_SIZE];
} cpu_tss[CPU_MAX] __attribute__((aligned(128)));
uint8_t cpu_gdtr[CPU_MAX][1 << GDTR_SLOT_SHIFT] __attribute__((aligned(16)));
uint8_t cpu_kstack[CPU_MAX][KSTACK_SIZE] __attribute__((aligned(4096)));
static uint8_t emergency_stack[CPU_MAX][EMERGENCY_STACK] __attribute__((aligned(16)));
static struct cpu_stack user_stack[CPU_MAX];
uint8_t cpu_by_apic[APIC_IDS]; /* read by boot/entry.S's AP entry */
uint64_t lapic_eoi_register;   /* written by isr_wake (isr.S) */
static uint64_t io_emulated; /* in/out ring 0 carried out for ring 3 */

static struct idt_gate idt[IDT_VECTORS] __attribute__((aligned(16)));

extern const uint64_t isr_table[32];
extern const uint64_t isr_wake_entry, isr_spurious_entry;

static void set_gate(unsigned vector, uint64_t handler, uint8_t ist)
{
    idt[vector] = (struct idt_gate){
        .offset_lo = (uint16_t)handler, .selector = SEL_KERNEL_CODE, .ist = ist,
        .type_attr = 0x8e, /* present 64-bit interrupt gate, DPL 0: IF cleared */
        .offset_mid = (uint16_t)(handler >> 16), .offset_hi = (uint32_t)(handler >> 32), .zero = 0,
    };
}

static void build_idt(void)
{
    for (unsigned v = 0; v < 32; v++) {
        /* #DF, NMI and #MC run on their own stack: the one they interrupt may be unusable. */
        uint8_t ist = (v == 8 || v == 2 || v == 18) ? IST_EMERGENCY : 0;
        set_gate(v, isr_table[v], ist);
    }
    /* The only interrupts ever enabled: inside RING0_WAIT. */
    set_gate(VECTOR_WAKE, isr_wake_entry, 0);
    set_gate(VECTOR_SPURIOUS, isr_spurious_entry, 0);
}

void ring0_cpu_init(unsigned cpu)
{
    struct tss64 *t = &cpu_tss[cpu].tss;
    /* Loops, not memset: nothing at CPL 0 calls into newlib. */
    for (unsigned i = 0; i < 3; i++)
        t->rsp[i] = 0;
    for (unsigned i = 0; i < 7; i++)
        t->ist[i] = 0;
    t->rsp[0] = (uint64_t)(uintptr_t)(cpu_kstack[cpu] + KSTACK_SIZE);
    t->ist[IST_EMERGENCY - 1] = (uint64_t)(uintptr_t)(emergency_stack[cpu] + EMERGENCY_STACK);
    t->iomap_base = TSS_SIZE; /* no I/O permission bitmap: IOPL 3 alone grants ring 3 the ports */
    if (cpu == 0)
        build_idt();
    struct table_ptr idtr = { sizeof idt - 1, (uint64_t)(uintptr_t)idt };
    __asm__ volatile("lidt %0" : : "m"(idtr));
}

static void read_state(struct cpu_state *s)
{
    struct table_ptr gdtr, idtr;
    __asm__ volatile("sgdt %0\n\tsidt %1" : "=m"(gdtr), "=m"(idtr));
    cpu_read_selectors(s);
    __asm__ volatile("str %0\n\tsldt %1" : "=r"(s->tr), "=r"(s->ldtr));
    s->gdt_limit = gdtr.limit;
    s->gdt_base = gdtr.base;
    s->idt_limit = idtr.limit;
    s->idt_base = idtr.base;
    __asm__ volatile("mov %%cr0, %0\n\tmov %%cr4, %1" : "=r"(s->cr0), "=r"(s->cr4));
    s->cr3 = read_cr3();
    s->efer = read_msr(MSR_EFER);
}

static uint64_t dispatch(uint64_t call, uint64_t arg)
{
    switch (call) {
    case RING0_FLUSH_TLB:
        write_cr3(read_cr3());
        return 0;
    case RING0_HALT:
        for (;;)
            __asm__ volatile("cli; hlt");
    case RING0_CPU_STATE:
        read_state((struct cpu_state *)(uintptr_t)arg);
        return 0;
    case RING0_WAIT:
        /* sti's one-instruction shadow: an interrupt pending now is taken inside hlt, not lost. */
        __asm__ volatile("sti; hlt; cli" ::: "memory");
        return 0;
    default:
        return (uint64_t)-1;
    }
}

bool ring0_call_from(struct trap_frame *f)
{
    const uint8_t *code = (const uint8_t *)(uintptr_t)f->rip;
    /* Only ud2 (0f 0b) raises #UD with rip at a 0f byte here; the two after it are then read
     * from the same function's code, mapped with the rest of the image. */
    if (code[0] != 0x0f || code[1] != 0x0b || code[2] != RING0_CALL_MARK0 || code[3] != RING0_CALL_MARK1)
        return false;
    f->rax = dispatch(f->rax, f->rdi);
    f->rip += RING0_CALL_LENGTH;
    return true;
}

bool ring0_emulate_port_io(struct trap_frame *f)
{
    struct io_insn insn;
    /* rip is identity-mapped and was just fetched from: its first bytes are readable. An
     * instruction is at most 3 bytes here; a page end within them is only reached by a non-I/O
     * one, which decodes as such from the bytes before it. */
    const uint8_t *code = (const uint8_t *)(uintptr_t)f->rip;
    size_t avail = 4096 - (f->rip & 4095);
    if (!io_insn_decode(code, avail < 3 ? avail : 3, &insn))
        return false;
    uint16_t port = insn.port_in_dx ? (uint16_t)f->rdx : insn.port_imm;
    if (insn.out)
        port_write_sized(port, insn.width, (uint32_t)f->rax);
    else
        f->rax = io_insn_merge_in(f->rax, insn.width, port_read_sized(port, insn.width));
    f->rip += insn.length;
    io_emulated++;
    return true;
}

uint64_t ring0_port_io_emulated(void) { return io_emulated; }

void ring0_set_user_stack(unsigned cpu, uint64_t lo, uint64_t hi)
{
    if (cpu < CPU_MAX)
        user_stack[cpu] = (struct cpu_stack){ lo, hi };
}

struct cpu_stack ring0_user_stack(unsigned cpu) { return cpu < CPU_MAX ? user_stack[cpu] : (struct cpu_stack){ 0, 0 }; }

struct cpu_stack ring0_kernel_stack(unsigned cpu)
{
    if (cpu >= CPU_MAX)
        return (struct cpu_stack){ 0, 0 };
    return (struct cpu_stack){ (uint64_t)(uintptr_t)cpu_kstack[cpu], (uint64_t)(uintptr_t)(cpu_kstack[cpu] + KSTACK_SIZE) };
}

void ring0_set_lapic(uint64_t base) { lapic_eoi_register = base + 0xb0; /* EOI (SDM vol. 3, 10.8.5) */ }

void ring0_read_rings(struct cpu_rings *s)
{
    ring0_call(RING0_CPU_STATE, (uint64_t)(uintptr_t)&s->ring0);
    s->ring3 = s->ring0; /* TR, LDTR and the GDT are the CPU's, whatever the ring */
    cpu_read_selectors(&s->ring3);
}

void ring0_set_cpu_apic(unsigned cpu, uint32_t apic_id)
{
    if (apic_id < APIC_IDS && cpu < CPU_MAX)
        cpu_by_apic[apic_id] = (uint8_t)cpu;
}

unsigned ring0_this_cpu(void)
{
    uint32_t apic_id = cpuid(1, 0).ebx >> 24; /* initial APIC ID (xAPIC range) */
    return cpu_by_apic[apic_id];
}
