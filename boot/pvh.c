/* PVH start info (Xen's arch-x86/hvm/start_info.h, version 1) -> struct boot_info. */
#include <stdio.h>
#include <string.h>

#include "boot_info.h"

#define HVM_START_MAGIC 0x336ec578u

struct __attribute__((packed)) hvm_start_info {
    uint32_t magic;
    uint32_t version;
    uint32_t flags;
    uint32_t nr_modules;
    uint64_t modlist_paddr;
    uint64_t cmdline_paddr;
    uint64_t rsdp_paddr;
    uint64_t memmap_paddr; /* version >= 1 */
    uint32_t memmap_entries;
    uint32_t reserved;
};

struct __attribute__((packed)) hvm_modlist_entry {
    uint64_t paddr, size, cmdline_paddr, reserved;
};

struct __attribute__((packed)) hvm_memmap_entry {
    uint64_t addr, size;
    uint32_t type, reserved;
};

static const void *phys(uint64_t addr) { return (const void *)(uintptr_t)addr; }

const char *boot_info_from_pvh(struct boot_info *info, uint32_t start_info_addr)
{
    static char reason[80];
    const struct hvm_start_info *si = phys(start_info_addr);
    if (si->magic != HVM_START_MAGIC) {
        snprintf(reason, sizeof reason, "bad PVH start-info magic 0x%08x (want 0x%08x)", (unsigned)si->magic,
                 HVM_START_MAGIC);
        return reason;
    }
    memset(info, 0, sizeof *info);
    info->protocol = BOOT_PVH;
    info->loader_name = "";
    info->rsdp = si->rsdp_paddr;
    if (si->cmdline_paddr != 0)
        info->cmdline_truncated = boot_copy_string(info->cmdline, sizeof info->cmdline, phys(si->cmdline_paddr));

    const struct hvm_modlist_entry *mods = phys(si->modlist_paddr);
    for (uint32_t i = 0; si->modlist_paddr != 0 && i < si->nr_modules; i++) {
        if (info->module_count == BOOT_MODULES_MAX) {
            info->modules_dropped++;
            continue;
        }
        struct boot_module *m = &info->modules[info->module_count++];
        m->start = mods[i].paddr;
        m->end = mods[i].paddr + mods[i].size;
        if (mods[i].cmdline_paddr != 0)
            boot_copy_string(m->name, sizeof m->name, phys(mods[i].cmdline_paddr));
    }

    if (si->version < 1 || si->memmap_paddr == 0 || si->memmap_entries == 0)
        return "the PVH loader gave no memory map (start info version < 1)";
    const struct hvm_memmap_entry *map = phys(si->memmap_paddr);
    for (uint32_t i = 0; i < si->memmap_entries && info->memmap_raw_count < BOOT_MEMMAP_INPUT_MAX; i++)
        info->memmap[info->memmap_raw_count++] =
            (struct memmap_entry){ .base = map[i].addr, .length = map[i].size, .type = map[i].type };
    return NULL;
}
