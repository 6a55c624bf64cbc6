/* Glue between the pure parsers and this machine: physical memory for ACPI, the choice of PCI
 * configuration access and the address windows for unassigned BARs. */
#include <stdio.h>
#include <string.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/paging.h"
#include "app/pci_config.h"
#include "machine.h"

#define FOUR_GIB 0x100000000ull
#define PCI_MEM_FLOOR 0xc0000000ull /* above q35's ECAM; the hole below 4 GiB QEMU routes to PCI */
#define PCI_MEM_CEILING 0xfec00000ull /* IOAPIC, HPET and LAPIC live above */
#define PCI_IO_BASE 0xc000u           /* clear of the ACPI PM/SMBus ports firmware puts lower */
#define PCI_IO_END 0x10000u

bool platform_hba_match(uint16_t vendor, uint16_t device)
{
    return vscsi_pci_match(vendor, device) || vblk_pci_match(vendor, device);
}

static const uint8_t *identity_map(void *ctx, uint64_t addr, size_t len)
{
    (void)ctx;
    /* boot/entry.S maps the low 4 GiB; ACPI tables always live there on QEMU. */
    if (addr == 0 || addr >= FOUR_GIB || len > FOUR_GIB - addr)
        return NULL;
    return phys_to_virt(addr);
}

static const struct acpi_memory acpi_mem = { .map = identity_map };

void platform_find_acpi(struct machine *m)
{
    uint64_t rsdp = m->boot.rsdp;
    if (rsdp == 0) {
        /* ACPI 6.4, 5.2.5.1: the first KiB of the EBDA, then the BIOS area 0xE0000-0xFFFFF. */
        const uint8_t *bda = identity_map(NULL, 0x40e, 2); /* BIOS data area: EBDA segment */
        uint64_t ebda = (uint64_t)(bda[0] | bda[1] << 8) << 4;
        if (ebda >= 0x80000 && ebda < 0xa0000)
            rsdp = acpi_rsdp_scan(&acpi_mem, ebda, 1024);
        if (rsdp == 0)
            rsdp = acpi_rsdp_scan(&acpi_mem, 0xe0000, 0x20000);
    }
    if (rsdp == 0) {
        snprintf(m->acpi_error, sizeof m->acpi_error, "no ACPI RSDP (none from the loader, none in the BIOS area)");
        return;
    }
    m->have_acpi = acpi_parse(&acpi_mem, rsdp, &m->acpi, m->acpi_error, sizeof m->acpi_error) == 0;
}

void platform_dump_acpi(const struct machine *m)
{
    /* One line per 32 bytes: "acpidump SIG ADDR OFFSET HEX", read back by tools/acpi-dump. */
    if (!m->have_acpi)
        return;
    for (size_t i = 0; i < m->acpi.table_count; i++) {
        const struct acpi_table_ref *t = &m->acpi.tables[i];
        const uint8_t *p = identity_map(NULL, t->addr, t->length);
        for (uint32_t off = 0; p != NULL && off < t->length; off += 32) {
            printf("acpidump %s 0x%08llx 0x%04x ", t->signature, (unsigned long long)t->addr, (unsigned)off);
            for (uint32_t k = off; k < off + 32 && k < t->length; k++)
                printf("%02x", p[k]);
            printf("\n");
        }
    }
    uint32_t rsdp_len = m->acpi.revision >= 2 ? 36 : 20;
    const uint8_t *p = identity_map(NULL, m->acpi.rsdp_addr, rsdp_len);
    printf("acpidump RSDP 0x%08llx 0x0000 ", (unsigned long long)m->acpi.rsdp_addr);
    for (uint32_t k = 0; p != NULL && k < rsdp_len; k++)
        printf("%02x", p[k]);
    printf("\n");
}

/* Choose ECAM (ACPI MCFG, else a host bridge's _CBA as on microvm) or the 0xCF8 ports. */
static bool choose_access(struct machine *m, uint64_t *ecam_base, uint64_t *ecam_len)
{
    const struct acpi_info *a = &m->acpi;
    uint64_t base = 0;
    uint8_t bus_start = 0, bus_end = 255;
    const char *source = NULL;
    if (m->have_acpi && a->mcfg_count > 0) {
        base = a->mcfg[0].base;
        bus_start = a->mcfg[0].bus_start;
        bus_end = a->mcfg[0].bus_end;
        source = "ACPI MCFG";
    } else if (m->have_acpi && a->have_cba) {
        base = a->cba;
        source = "ACPI DSDT _CBA";
    }
    int want = m->options.pci;
    if (want == PCI_ACCESS_ECAM || (want == PCI_ACCESS_AUTO && base != 0)) {
        if (base == 0) {
            snprintf(m->pci_error, sizeof m->pci_error,
                     "pci=ecam, but ACPI gives no ECAM (no MCFG table, no _CBA): try pci=legacy or pci=auto");
            return false;
        }
        /* Bus-relative ECAM base: the MCFG base address is that of bus 0 (PCI Firmware 3.2, 4.1.2). */
        uint64_t first = base + ((uint64_t)bus_start << 20);
        *ecam_base = first;
        *ecam_len = (uint64_t)(bus_end - bus_start + 1) << 20;
        if (first + *ecam_len > FOUR_GIB && paging_map_identity(first, *ecam_len, 1) != 0) {
            snprintf(m->pci_error, sizeof m->pci_error, "cannot map ECAM at 0x%llx: page-table pool exhausted",
                     (unsigned long long)first);
            return false;
        }
        pci_access_ecam(&m->pci_access, first, bus_start, bus_end);
        snprintf(m->pci_access_source, sizeof m->pci_access_source, "%s, 0x%llx, buses %u-%u", source,
                 (unsigned long long)first, bus_start, bus_end);
        return true;
    }
    if (!pci_legacy_present()) {
        snprintf(m->pci_error, sizeof m->pci_error,
                 "no PCI configuration access: ports 0xCF8/0xCFC do not answer and ACPI gives no ECAM");
        return false;
    }
    pci_access_legacy(&m->pci_access);
    snprintf(m->pci_access_source, sizeof m->pci_access_source, "%s", want == PCI_ACCESS_LEGACY ? "pci=legacy" : "no ECAM in ACPI");
    return true;
}

void platform_setup_pci(struct machine *m)
{
    uint64_t ecam_base = 0, ecam_len = 0;
    if (!choose_access(m, &ecam_base, &ecam_len))
        return;

    /* Memory window: above RAM and q35's ECAM, below the IOAPIC; on microvm the ECAM (at
     * 0xe0000000) caps it. Everything the firmware reserved inside it stays out of use. */
    uint64_t ram_top = 0;
    for (size_t i = 0; i < m->boot.memmap_count; i++) {
        const struct memmap_entry *e = &m->boot.memmap[i];
        if (e->type == MEMMAP_RAM && e->base < FOUR_GIB) {
            uint64_t end = e->base + e->length > FOUR_GIB ? FOUR_GIB : e->base + e->length;
            if (end > ram_top)
                ram_top = end;
        }
    }
    uint64_t mem_base = (ram_top + 0xfffff) & ~0xfffffull;
    if (mem_base < PCI_MEM_FLOOR)
        mem_base = PCI_MEM_FLOOR;
    uint64_t mem_end = PCI_MEM_CEILING;
    if (ecam_len != 0 && ecam_base > mem_base && ecam_base < mem_end)
        mem_end = ecam_base;

    static uint64_t reserved[BOOT_MEMMAP_MAX + 1][2];
    size_t n_reserved = 0;
    for (size_t i = 0; i < m->boot.memmap_count; i++) {
        const struct memmap_entry *e = &m->boot.memmap[i];
        if (e->type != MEMMAP_RAM) {
            reserved[n_reserved][0] = e->base;
            reserved[n_reserved][1] = e->base + e->length;
            n_reserved++;
        }
    }
    if (ecam_len != 0) {
        reserved[n_reserved][0] = ecam_base;
        reserved[n_reserved][1] = ecam_base + ecam_len;
        n_reserved++;
    }
    bool have_io = m->pci_access.max_offset == 256 || pci_legacy_present();
    struct pci_resource_window window = {
        .mem_base = mem_base, .mem_end = mem_end,
        .io_base = have_io ? PCI_IO_BASE : 0, .io_end = have_io ? PCI_IO_END : 0,
        .reserved = (const uint64_t(*)[2])reserved, .reserved_count = n_reserved,
    };
    m->have_pci = pci_enumerate(&m->pci_access, &window, platform_hba_match, &m->pci, m->pci_error, sizeof m->pci_error) == 0;
}

/* The trampoline page must be RAM nobody else holds: below the kernel, so never the heap, and
 * (the loaders place modules above the kernel) no module. */
static bool trampoline_page_free(const struct boot_info *b)
{
    for (size_t i = 0; i < b->module_count; i++)
        if (b->modules[i].start < AP_TRAMPOLINE_BASE + 4096 && b->modules[i].end > AP_TRAMPOLINE_BASE)
            return false;
    for (size_t i = 0; i < b->memmap_count; i++) {
        const struct memmap_entry *e = &b->memmap[i];
        if (e->type == MEMMAP_RAM && e->base <= AP_TRAMPOLINE_BASE && e->base + e->length >= AP_TRAMPOLINE_BASE + 4096)
            return true;
    }
    return false;
}

int platform_start_cpus(struct machine *m)
{
    m->smp_error[0] = '\0';
    unsigned wanted = (unsigned)m->options.cpus;
    if (!m->have_acpi || m->acpi.cpu_count <= 1 || wanted == 1) {
        m->smp = (struct smp_report){ .listed = m->have_acpi ? m->acpi.cpu_count : 0, .started = 1,
                                      .skipped = m->have_acpi && m->acpi.cpu_count > 1 ? m->acpi.cpu_count - 1 : 0 };
        if (wanted > 1) {
            snprintf(m->smp_error, sizeof m->smp_error, "cpus=%u: %s", wanted,
                     m->have_acpi ? "the MADT lists one CPU" : "no ACPI MADT to find the other CPUs in");
            return -1;
        }
        return 0;
    }
    if (!trampoline_page_free(&m->boot)) {
        snprintf(m->smp_error, sizeof m->smp_error, "the application processors' start page 0x%x is not free RAM in the "
                 "memory map: only the boot CPU runs", AP_TRAMPOLINE_BASE);
        m->smp = (struct smp_report){ .listed = m->acpi.cpu_count, .started = 1, .skipped = m->acpi.cpu_count - 1 };
        return -1;
    }
    unsigned listed = m->acpi.cpu_count < ACPI_MAX_CPUS ? m->acpi.cpu_count : ACPI_MAX_CPUS;
    int rc = smp_start(m->acpi.cpu_apic_id, m->acpi.cpu_x2apic, listed, wanted, m->acpi.lapic_base, m->tsc.hz, &m->smp,
                       m->smp_error, sizeof m->smp_error);
    if (rc == 0 && wanted > m->smp.started)
        snprintf(m->smp_error, sizeof m->smp_error, "cpus=%u: the MADT lists %u CPUs", wanted, m->acpi.cpu_count);
    return rc == 0 && m->smp_error[0] == '\0' ? 0 : -1;
}
