/* What every boot entry (Multiboot1, PVH) hands to the rest of the kernel. */
#ifndef BOOT_BOOT_INFO_H
#define BOOT_BOOT_INFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/boot_string.h"
#include "lib/memmap.h"

#define BOOT_CMDLINE_MAX 4096
#define BOOT_MEMMAP_MAX 256 /* room for the normalised map: twice the entries a loader may give */
#define BOOT_MEMMAP_INPUT_MAX 128
#define BOOT_MODULES_MAX 16
#define BOOT_MODULE_NAME_MAX 128

enum boot_protocol {
    BOOT_MULTIBOOT1 = 1, /* values match boot/entry.S */
    BOOT_PVH = 2,
    BOOT_UEFI = 3,
};

struct boot_module {
    uint64_t start, end; /* physical, end exclusive */
    char name[BOOT_MODULE_NAME_MAX];
};

struct boot_info {
    enum boot_protocol protocol;
    const char *loader_name; /* "" when the loader gave none */
    char cmdline[BOOT_CMDLINE_MAX];
    bool cmdline_truncated;
    struct memmap_entry memmap[BOOT_MEMMAP_MAX];
    size_t memmap_count;
    size_t memmap_raw_count; /* entries as the loader gave them, before normalising */
    struct boot_module modules[BOOT_MODULES_MAX];
    size_t module_count;
    size_t modules_dropped; /* modules beyond BOOT_MODULES_MAX */
    uint64_t rsdp; /* physical address of the ACPI RSDP; 0 when the loader did not say */
    uint64_t uefi_reset_system; /* UEFI: RuntimeServices->ResetSystem (physical; 0 elsewhere) */
};

/*
 * Fill *info from the loader's data; the boot stubs in boot/multiboot.c and boot/pvh.c. They
 * copy everything out of the loader's structures (which live in memory the heap may reuse).
 * Return NULL on success, else a one-line reason ("bad Multiboot magic 0x...").
 */
const char *boot_info_from_multiboot1(struct boot_info *info, uint32_t magic, uint32_t mbi_addr);
const char *boot_info_from_pvh(struct boot_info *info, uint32_t start_info_addr);

/* What the UEFI stub (boot/uefi/stub.c) hands to the kernel's uefi_entry, below 4 GiB: the boot
 * info it filled from boot services (memory map, command line, modules, RSDP) and the firmware's
 * name. Everything else the stub had is boot-services memory, the heap's from now on. */
#define BOOT_UEFI_MAGIC 0x4946454e55424c00ull /* "\0LBUNEFI" */
struct boot_uefi_handoff {
    uint64_t magic;
    struct boot_info info;
    char firmware[64];          /* ST->FirmwareVendor, in ASCII */
    uint32_t firmware_revision;
    uint32_t exit_attempts;     /* ExitBootServices calls it took (a stale map key costs one) */
};
const char *boot_info_from_uefi(struct boot_info *info, uint32_t handoff_addr);

#endif
