/*
 * The pure half of the UEFI entry (boot/uefi/stub.c): UEFI memory descriptors as the e820 map the
 * kernel knows, and ExitBootServices with the map-key retry, over callbacks, so that both are
 * unit-tested on the host against a fake boot-services table. No gnu-efi types here: the stub
 * adapts its calls.
 */
#ifndef LIB_UEFI_BOOT_H
#define LIB_UEFI_BOOT_H

#include <stddef.h>
#include <stdint.h>

#include "lib/memmap.h"

/* The EFI memory types this mapping names (UEFI 2.10 7.2, EFI_MEMORY_TYPE). */
enum {
    UEFI_RESERVED = 0,
    UEFI_LOADER_CODE = 1,
    UEFI_LOADER_DATA = 2,
    UEFI_BOOT_SERVICES_CODE = 3,
    UEFI_BOOT_SERVICES_DATA = 4,
    UEFI_RUNTIME_SERVICES_CODE = 5,
    UEFI_RUNTIME_SERVICES_DATA = 6,
    UEFI_CONVENTIONAL = 7,
    UEFI_UNUSABLE = 8,
    UEFI_ACPI_RECLAIM = 9,
    UEFI_ACPI_NVS = 10,
};

/* UEFI 2.10 7.2, EFI_MEMORY_DESCRIPTOR: the fields we read, at their offsets. The map's stride is
 * the firmware's descriptor size, which may be larger. */
#define UEFI_DESC_TYPE 0
#define UEFI_DESC_PHYSICAL_START 8
#define UEFI_DESC_NUMBER_OF_PAGES 24
#define UEFI_DESC_MIN_SIZE 40
#define UEFI_PAGE_SIZE 4096u

/* The e820 type of an EFI memory type: what boot services and the loader used is RAM once they
 * are gone; runtime services, MMIO and anything unknown stay out of the heap. */
uint32_t uefi_memmap_type(uint32_t efi_type);

/* Convert a memory map of size bytes and descriptors of desc_size bytes into out (at most max
 * entries), merging neighbours of one type (UEFI maps are long). Returns the entries written, or
 * -1 when desc_size is smaller than a descriptor. Entries past max are dropped and counted in
 * *dropped. */
int uefi_memmap_convert(const uint8_t *map, size_t size, size_t desc_size, struct memmap_entry *out, size_t max,
                        size_t *dropped);

/* What uefi_exit_boot_services needs of the firmware. */
struct uefi_exit_ops {
    /* GetMemoryMap into buf (capacity bytes): 0 with *size, *key and *desc_size; -1 on failure. */
    int (*get_map)(void *ctx, void *buf, size_t capacity, size_t *size, uint64_t *key, size_t *desc_size);
    /* The map about to be handed over (convert it: nothing of boot services may be called here). */
    void (*took_map)(void *ctx, const void *buf, size_t size, size_t desc_size);
    /* ExitBootServices(key): 0, 1 for a stale key (EFI_INVALID_PARAMETER), -1 for anything else. */
    int (*exit)(void *ctx, uint64_t key);
};

/* UEFI 2.10 7.4.6: when ExitBootServices says the map key is stale, get the map again (the only
 * boot service allowed after a failed attempt) and try again, up to max_attempts. Returns the
 * attempts it took (>= 1), or -1 with *why. buf is allocated by the caller beforehand. */
int uefi_exit_boot_services(const struct uefi_exit_ops *ops, void *ctx, void *buf, size_t capacity,
                            unsigned max_attempts, const char **why);

#endif
