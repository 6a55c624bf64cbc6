/* The human machine report on the console. */
#include <inttypes.h>
#include <stdio.h>

#include "arch/x86_64/serial.h"
#include "rt/heap.h"
#include "machine.h"

static void print_size(uint64_t bytes)
{
    if (bytes >= (1ull << 30) && bytes % (1ull << 30) == 0)
        printf("%" PRIu64 " GiB", bytes >> 30);
    else if (bytes >= (1ull << 20))
        printf("%.1f MiB", (double)bytes / (1 << 20));
    else if (bytes >= 1024)
        printf("%.1f KiB", (double)bytes / 1024);
    else
        printf("%" PRIu64 " B", bytes);
}

void report_boot(const struct machine *m)
{
    const struct boot_info *b = &m->boot;
    printf("boot: %s%s%s%s\n", b->protocol == BOOT_PVH ? "PVH" : b->protocol == BOOT_UEFI ? "UEFI" : "Multiboot1", b->loader_name[0] ? " from \"" : "",
           b->loader_name, b->loader_name[0] ? "\"" : "");
    printf("command line: \"%s\"%s\n", b->cmdline, b->cmdline_truncated ? " (truncated)" : "");
    printf("serial: console on COM1; machine-readable channel %s\n",
           serial_present(SERIAL_COM2) ? "on COM2" : "absent (no COM2: results will go to COM1 between markers)");
    for (size_t i = 0; i < b->module_count; i++)
        printf("module %zu: 0x%" PRIx64 "-0x%" PRIx64 " (%" PRIu64 " bytes) \"%s\"\n", i, b->modules[i].start,
               b->modules[i].end, b->modules[i].end - b->modules[i].start, b->modules[i].name);
    if (b->modules_dropped)
        printf("warning: %zu modules beyond the first %d ignored\n", b->modules_dropped, BOOT_MODULES_MAX);
}

void report_memory(const struct machine *m)
{
    const struct boot_info *b = &m->boot;
    printf("memory map (%zu entries from the loader, %zu after sorting and merging):\n", b->memmap_raw_count,
           b->memmap_count);
    for (size_t i = 0; i < b->memmap_count; i++) {
        const struct memmap_entry *e = &b->memmap[i];
        char name[16];
        printf("  0x%016" PRIx64 "-0x%016" PRIx64 "  %-9s ", e->base, e->base + e->length - 1,
               memmap_type_name(e->type, name));
        print_size(e->length);
        printf("\n");
    }
    printf("memory: ");
    print_size(memmap_total(b->memmap, b->memmap_count, MEMMAP_RAM));
    printf(" RAM; heap 0x%" PRIx64 "-0x%" PRIx64 " (", m->heap.base, m->heap.end);
    print_size(heap_size());
    printf(")\n");
}

void report_cpu(const struct machine *m)
{
    const struct cpu_info *c = &m->cpu;
    printf("CPU: %s family 0x%x model 0x%x stepping %u \"%s\"", c->vendor, c->family, c->model, c->stepping,
           c->brand[0] ? c->brand : "no brand string");
    if (c->hypervisor[0])
        printf(", hypervisor \"%s\"", c->hypervisor);
    if (m->have_acpi && m->acpi.cpu_count)
        printf(", %u CPU%s in the MADT", m->acpi.cpu_count, m->acpi.cpu_count == 1 ? "" : "s");
    printf("\n");
    if (m->tsc.hz != 0)
        printf("TSC: %.3f MHz from %s, %s\n", (double)m->tsc.hz / 1e6, tsc_source_name(m->tsc.source),
               m->tsc.invariant ? "invariant" : "not invariant (CPUID 0x80000007 EDX bit 8 clear)");
    else
        printf("TSC: unknown frequency: %s\n", m->tsc_error);
    if (m->have_acpi) {
        const struct acpi_info *a = &m->acpi;
        printf("ACPI: RSDP 0x%" PRIx64 " revision %u \"%s\", %s:", a->rsdp_addr, a->revision, a->oem_id,
               a->xsdt ? "XSDT" : "RSDT");
        for (size_t i = 0; i < a->table_count; i++)
            printf(" %s%s", a->tables[i].signature, a->tables[i].checksum_ok ? "" : "(bad checksum, ignored)");
        printf("\n");
    } else {
        printf("ACPI: none: %s\n", m->acpi_error);
    }
}

void report_cpus(const struct machine *m)
{
    const struct smp_report *r = &m->smp;
    if (r->started == 0) { /* platform_start_cpus never ran */
        printf("CPUs: only the boot CPU runs: starting the others needs the TSC frequency (for their delays)\n");
        return;
    }
    printf("CPUs: %u started of %u in the MADT", r->started, r->listed);
    if (r->skipped)
        printf(" (%u not started: cpus=, above %d, x2APIC-only IDs, or late)", r->skipped, CPU_MAX);
    if (r->started > 1) {
        printf(", in %.1f ms; APIC IDs", m->tsc.hz ? (double)r->start_cycles * 1e3 / (double)m->tsc.hz : 0.0);
        for (unsigned c = 0; c < smp_cpu_count(); c++)
            printf(" %u", smp_cpu(c)->apic_id);
    }
    printf("\n");
    if (r->tsc_unmeasured)
        printf("TSC: %u CPU%s not measured against CPU 0 (a round trip over 20 ms: a busy host)\n", r->tsc_unmeasured,
               r->tsc_unmeasured == 1 ? "" : "s");
    if (r->worst_skew_cpu != 0)
        printf("TSC: CPUs agree within %lld cycles (largest offset: CPU %u, measured to +-%llu)\n",
               (long long)(r->worst_skew < 0 ? -r->worst_skew : r->worst_skew), r->worst_skew_cpu,
               (unsigned long long)r->worst_skew_uncertainty);
    if (m->smp_error[0] != '\0')
        printf("lunbench: CPUs: %s\n", m->smp_error);
}

static void print_bar(unsigned index, const struct pci_bar *bar)
{
    static const char *const kinds[] = { "none", "io", "mem32", "mem64" };
    printf("           BAR%u %s%s ", index, kinds[bar->kind], bar->prefetchable ? " prefetchable" : "");
    if (bar->assigned)
        printf("0x%" PRIx64, bar->addr);
    else
        printf("unassigned");
    printf(" size 0x%" PRIx64 "%s\n", bar->size, bar->assigned_by_us ? " (assigned by lunbench)" : "");
}

static const char *cap_name(uint8_t id)
{
    switch (id) {
    case PCI_CAP_ID_PM: return "pm";
    case PCI_CAP_ID_MSI: return "msi";
    case PCI_CAP_ID_VNDR: return "vendor";
    case PCI_CAP_ID_PCIE: return "pcie";
    case PCI_CAP_ID_MSIX: return "msix";
    default: return NULL;
    }
}

void report_pci(const struct machine *m)
{
    if (!m->have_pci) {
        printf("PCI: none: %s\n", m->pci_error);
        return;
    }
    const struct pci_topology *t = &m->pci;
    printf("PCI: %s (%s), %zu functions\n", m->pci_access.name, m->pci_access_source, t->count);
    printf("  bdf      id         class     description\n");
    uint64_t limit = m->options.max_lines;
    for (size_t i = 0; i < t->count; i++) {
        if (limit != 0 && i >= limit) {
            printf("  ... %zu more (max_lines=%" PRIu64 ")\n", t->count - i, limit);
            break;
        }
        const struct pci_device *d = &t->devices[i];
        const char *name = pci_class_name(d->class_code, d->subclass);
        printf("  %02x:%02x.%x  %04x:%04x  %02x.%02x.%02x  %s", d->bus, d->dev, d->fn, d->vendor, d->device,
               d->class_code, d->subclass, d->prog_if, name ? name : "other");
        if (vscsi_pci_match(d->vendor, d->device))
            printf(" [virtio-scsi %s]", d->device == 0x1048 ? "modern" : "transitional");
        else if (vblk_pci_match(d->vendor, d->device))
            printf(" [virtio-blk %s]", d->device == 0x1042 ? "modern" : "transitional");
        printf("%s%s%s\n", (d->command & PCI_COMMAND_BUS_MASTER) ? " bus-master" : "",
               (d->command & PCI_COMMAND_MEMORY) ? " mem-on" : "", (d->command & PCI_COMMAND_IO) ? " io-on" : "");
        if (d->header_type == 1) {
            printf("           bus %02x-%02x%s", d->secondary_bus, d->subordinate_bus,
                   d->bus_numbers_by_us ? " (numbered by lunbench)" : "");
            if (d->mem_window_base != 0 && d->mem_window_base <= d->mem_window_limit)
                printf(" mem 0x%" PRIx64 "-0x%" PRIx64, d->mem_window_base, d->mem_window_limit);
            if (d->io_window_base != 0 && d->io_window_base <= d->io_window_limit)
                printf(" io 0x%x-0x%x", (unsigned)d->io_window_base, (unsigned)d->io_window_limit);
            printf("%s\n", d->windows_by_us ? " (windows by lunbench)" : "");
        }
        for (unsigned b = 0; b < d->bar_count; b++)
            if (d->bars[b].kind != PCI_BAR_NONE)
                print_bar(b, &d->bars[b]);
        if (d->cap_count) {
            printf("           caps");
            for (unsigned c = 0; c < d->cap_count; c++) {
                const char *cn = cap_name(d->cap_ids[c]);
                if (cn)
                    printf(" %s@0x%02x", cn, d->cap_offsets[c]);
                else
                    printf(" 0x%02x@0x%02x", d->cap_ids[c], d->cap_offsets[c]);
            }
            printf("\n");
        }
    }
    /* Firmware that drove devices itself (OVMF's VirtioScsiDxe, SeaBIOS's disk scan) may leave them
     * decoding and mastering: the drivers reset every HBA they take over. Say which. */
    unsigned enabled = 0;
    for (size_t i = 0; i < t->count; i++) {
        const struct pci_device *d = &t->devices[i];
        if (d->header_type != 0 || !(d->firmware_command & PCI_COMMAND_BUS_MASTER))
            continue;
        printf("%s %02x:%02x.%x", enabled++ ? "," : "PCI: bus mastering left on by the firmware:", d->bus, d->dev,
               d->fn);
    }
    if (enabled)
        printf("\n");
    printf("PCI: %u bridges numbered, %u BARs assigned by lunbench, %u left unassigned%s\n", t->buses_assigned,
           t->bars_assigned, t->bars_unassigned, t->dropped ? " (table full: functions dropped)" : "");
}
