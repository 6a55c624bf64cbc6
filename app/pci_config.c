#include "app/pci_config.h"

#include "arch/x86_64/cpu.h"

#define CONFIG_ADDRESS 0xcf8
#define CONFIG_DATA 0xcfc

static uint32_t legacy_address(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t offset)
{
    return 0x80000000u | (uint32_t)bus << 16 | (uint32_t)(dev & 31u) << 11 | (uint32_t)(fn & 7u) << 8 | (offset & 0xfcu);
}

static uint32_t legacy_read(void *ctx, uint8_t bus, uint8_t dev, uint8_t fn, uint16_t offset, unsigned width)
{
    (void)ctx;
    outl(CONFIG_ADDRESS, legacy_address(bus, dev, fn, offset));
    return port_read_sized((uint16_t)(CONFIG_DATA + (offset & 3u)), width);
}

static void legacy_write(void *ctx, uint8_t bus, uint8_t dev, uint8_t fn, uint16_t offset, unsigned width, uint32_t v)
{
    (void)ctx;
    outl(CONFIG_ADDRESS, legacy_address(bus, dev, fn, offset));
    port_write_sized((uint16_t)(CONFIG_DATA + (offset & 3u)), width, v);
}

void pci_access_legacy(struct pci_config_access *cfg)
{
    *cfg = (struct pci_config_access){
        .name = "legacy ports 0xCF8/0xCFC", .read = legacy_read, .write = legacy_write,
        .max_offset = 256, .bus_start = 0, .bus_end = 255,
    };
}

bool pci_legacy_present(void)
{
    /* Host bridges sit at 00:00.0 on every machine QEMU emulates with CF8 access. */
    return legacy_read(NULL, 0, 0, 0, 0, 4) != 0xffffffffu;
}

struct ecam {
    uint64_t base;
    uint8_t bus_start;
};

static struct ecam ecam_region;

static uint64_t ecam_address(const struct ecam *e, uint8_t bus, uint8_t dev, uint8_t fn, uint16_t offset)
{
    return e->base + ((uint64_t)(bus - e->bus_start) << 20 | (uint64_t)(dev & 31u) << 15 | (uint64_t)(fn & 7u) << 12 |
                      (offset & 0xfffu));
}

static uint32_t ecam_read(void *ctx, uint8_t bus, uint8_t dev, uint8_t fn, uint16_t offset, unsigned width)
{
    return mmio_read_sized(ecam_address(ctx, bus, dev, fn, offset), width);
}

static void ecam_write(void *ctx, uint8_t bus, uint8_t dev, uint8_t fn, uint16_t offset, unsigned width, uint32_t v)
{
    mmio_write_sized(ecam_address(ctx, bus, dev, fn, offset), width, v);
}

void pci_access_ecam(struct pci_config_access *cfg, uint64_t base, uint8_t bus_start, uint8_t bus_end)
{
    ecam_region = (struct ecam){ .base = base, .bus_start = bus_start };
    *cfg = (struct pci_config_access){
        .name = "ECAM", .read = ecam_read, .write = ecam_write, .ctx = &ecam_region,
        .max_offset = 4096, .bus_start = bus_start, .bus_end = bus_end,
    };
}
