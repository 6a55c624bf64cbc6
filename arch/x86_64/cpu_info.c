#include "cpu_info.h"

#include <string.h>

#include "cpu.h"

static void trim(char *s)
{
    size_t start = 0, len = strlen(s);
    while (s[start] == ' ')
        start++;
    while (len > start && s[len - 1] == ' ')
        len--;
    memmove(s, s + start, len - start);
    s[len - start] = '\0';
}

void cpu_info_read(struct cpu_info *info)
{
    memset(info, 0, sizeof *info);
    struct cpuid_regs r = cpuid(0, 0);
    memcpy(info->vendor, &r.ebx, 4);
    memcpy(info->vendor + 4, &r.edx, 4);
    memcpy(info->vendor + 8, &r.ecx, 4);

    r = cpuid(1, 0);
    unsigned family = (r.eax >> 8) & 0xf, model = (r.eax >> 4) & 0xf;
    if (family == 0xf)
        family += (r.eax >> 20) & 0xff;
    if (family == 0x6 || family >= 0xf)
        model |= ((r.eax >> 16) & 0xf) << 4;
    info->family = family;
    info->model = model;
    info->stepping = r.eax & 0xf;
    if ((r.ecx >> 31) & 1u) {
        struct cpuid_regs h = cpuid(0x40000000, 0);
        memcpy(info->hypervisor, &h.ebx, 4);
        memcpy(info->hypervisor + 4, &h.ecx, 4);
        memcpy(info->hypervisor + 8, &h.edx, 4);
        trim(info->hypervisor);
    }

    uint32_t ext = cpuid(0x80000000, 0).eax;
    if (ext >= 0x80000004) {
        for (uint32_t leaf = 0; leaf < 3; leaf++) {
            struct cpuid_regs b = cpuid(0x80000002 + leaf, 0);
            memcpy(info->brand + leaf * 16, &b, 16);
        }
        trim(info->brand);
    }
    if (ext >= 0x80000007)
        info->invariant_tsc = (cpuid(0x80000007, 0).edx >> 8) & 1u;
}
