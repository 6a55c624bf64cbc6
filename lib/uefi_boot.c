#include "lib/uefi_boot.h"

#include <string.h>

uint32_t uefi_memmap_type(uint32_t efi_type)
{
    switch (efi_type) {
    case UEFI_CONVENTIONAL:
    case UEFI_BOOT_SERVICES_CODE:
    case UEFI_BOOT_SERVICES_DATA:
    case UEFI_LOADER_CODE:
    case UEFI_LOADER_DATA: return MEMMAP_RAM;
    case UEFI_ACPI_RECLAIM: return MEMMAP_ACPI_RECLAIMABLE;
    case UEFI_ACPI_NVS: return MEMMAP_ACPI_NVS;
    case UEFI_UNUSABLE: return MEMMAP_UNUSABLE;
    default: return MEMMAP_RESERVED;
    }
}

static uint64_t get64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

int uefi_memmap_convert(const uint8_t *map, size_t size, size_t desc_size, struct memmap_entry *out, size_t max,
                        size_t *dropped)
{
    *dropped = 0;
    if (desc_size < UEFI_DESC_MIN_SIZE)
        return -1;
    size_t n = 0;
    for (size_t off = 0; off <= size && size - off >= desc_size; off += desc_size) {
        const uint8_t *d = map + off;
        uint32_t efi_type;
        memcpy(&efi_type, d + UEFI_DESC_TYPE, sizeof efi_type);
        uint64_t pages = get64(d + UEFI_DESC_NUMBER_OF_PAGES);
        struct memmap_entry e = { get64(d + UEFI_DESC_PHYSICAL_START),
                                  pages > UINT64_MAX / UEFI_PAGE_SIZE ? UINT64_MAX : pages * UEFI_PAGE_SIZE,
                                  uefi_memmap_type(efi_type) };
        if (n > 0 && out[n - 1].type == e.type && out[n - 1].base + out[n - 1].length == e.base &&
            out[n - 1].length <= UINT64_MAX - e.length) {
            out[n - 1].length += e.length;
            continue;
        }
        if (n == max) {
            (*dropped)++;
            continue;
        }
        out[n++] = e;
    }
    return (int)n;
}

int uefi_exit_boot_services(const struct uefi_exit_ops *ops, void *ctx, void *buf, size_t capacity,
                            unsigned max_attempts, const char **why)
{
    for (unsigned attempt = 1; attempt <= max_attempts; attempt++) {
        size_t size = 0, desc_size = 0;
        uint64_t key = 0;
        if (ops->get_map(ctx, buf, capacity, &size, &key, &desc_size) != 0) {
            *why = "GetMemoryMap failed (or the map outgrew the buffer)";
            return -1;
        }
        ops->took_map(ctx, buf, size, desc_size);
        int rc = ops->exit(ctx, key);
        if (rc == 0)
            return (int)attempt;
        if (rc < 0) {
            *why = "ExitBootServices failed";
            return -1;
        }
    }
    *why = "ExitBootServices said the map key was stale on every attempt";
    return -1;
}
