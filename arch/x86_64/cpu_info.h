/* What CPUID says about the processor, for the machine report. */
#ifndef ARCH_X86_64_CPU_INFO_H
#define ARCH_X86_64_CPU_INFO_H

#include <stdbool.h>
#include <stdint.h>

struct cpu_info {
    char vendor[13];
    char brand[49];
    char hypervisor[13]; /* "" on bare metal */
    unsigned family, model, stepping;
    bool invariant_tsc;
};

void cpu_info_read(struct cpu_info *info);

#endif
