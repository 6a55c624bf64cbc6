/* Multiboot1 information structure -> struct boot_info (Multiboot Specification 0.6.96, 3.3). */
#include <stdio.h>
#include <string.h>

#include "boot_info.h"

#define MULTIBOOT_LOADER_MAGIC 0x2BADB002u

enum {
    MBI_FLAG_CMDLINE = 1u << 2,
    MBI_FLAG_MODS = 1u << 3,
    MBI_FLAG_MMAP = 1u << 6,
    MBI_FLAG_LOADER_NAME = 1u << 9,
};

struct __attribute__((packed)) mbi {
    uint32_t flags;
    uint32_t mem_lower, mem_upper;
    uint32_t boot_device;
    uint32_t cmdline;
    uint32_t mods_count, mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length, mmap_addr;
    uint32_t drives_length, drives_addr;
    uint32_t config_table;
    uint32_t boot_loader_name;
};

struct __attribute__((packed)) mbi_module {
    uint32_t mod_start, mod_end;
    uint32_t string;
    uint32_t reserved;
};

struct __attribute__((packed)) mbi_mmap_entry {
    uint32_t size; /* of the rest of the entry, not counting this field */
    uint64_t base, length;
    uint32_t type;
};

static char loader_name[64];

static const void *phys(uint32_t addr) { return (const void *)(uintptr_t)addr; }

const char *boot_info_from_multiboot1(struct boot_info *info, uint32_t magic, uint32_t mbi_addr)
{
    static char reason[80];
    if (magic != MULTIBOOT_LOADER_MAGIC) {
        snprintf(reason, sizeof reason, "bad Multiboot magic 0x%08x (want 0x%08x)", (unsigned)magic,
                 MULTIBOOT_LOADER_MAGIC);
        return reason;
    }
    const struct mbi *mbi = phys(mbi_addr);
    memset(info, 0, sizeof *info);
    info->protocol = BOOT_MULTIBOOT1;
    info->loader_name = "";

    if (mbi->flags & MBI_FLAG_LOADER_NAME) {
        boot_copy_string(loader_name, sizeof loader_name, phys(mbi->boot_loader_name));
        info->loader_name = loader_name;
    }
    if (mbi->flags & MBI_FLAG_CMDLINE) {
        info->cmdline_truncated = boot_copy_string(info->cmdline, sizeof info->cmdline, phys(mbi->cmdline));
        boot_cmdline_skip_first_word(info->cmdline);
    }
    if (mbi->flags & MBI_FLAG_MODS) {
        const struct mbi_module *mods = phys(mbi->mods_addr);
        for (uint32_t i = 0; i < mbi->mods_count; i++) {
            if (info->module_count == BOOT_MODULES_MAX) {
                info->modules_dropped++;
                continue;
            }
            struct boot_module *m = &info->modules[info->module_count++];
            m->start = mods[i].mod_start;
            m->end = mods[i].mod_end;
            if (mods[i].string != 0)
                boot_copy_string(m->name, sizeof m->name, phys(mods[i].string));
        }
    }
    if (!(mbi->flags & MBI_FLAG_MMAP))
        return "the Multiboot loader gave no memory map";

    uint32_t off = 0;
    while (off + sizeof(struct mbi_mmap_entry) <= mbi->mmap_length) {
        const struct mbi_mmap_entry *e = phys(mbi->mmap_addr + off);
        if (info->memmap_raw_count == BOOT_MEMMAP_INPUT_MAX)
            break;
        info->memmap[info->memmap_raw_count++] =
            (struct memmap_entry){ .base = e->base, .length = e->length, .type = e->type };
        if (e->size < sizeof(struct mbi_mmap_entry) - sizeof(uint32_t))
            return "the Multiboot memory map has an entry shorter than 20 bytes";
        off += e->size + sizeof(uint32_t);
    }
    return NULL;
}
