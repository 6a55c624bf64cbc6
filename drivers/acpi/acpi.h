/*
 * ACPI tables: find and check the RSDP, walk the RSDT/XSDT, and pull out what the kernel uses:
 * MCFG (ECAM for PCI), FADT (power-off registers, DSDT), HPET (a calibration clock), MADT (the
 * CPUs' APIC IDs), and from the DSDT the \_S5 sleep type and a host bridge's _CBA (microvm's ECAM, which
 * has no MCFG). Tables are reached through struct acpi_memory so the parser also runs on the
 * host against tables dumped from QEMU (tests/data/acpi).
 */
#ifndef DRIVERS_ACPI_ACPI_H
#define DRIVERS_ACPI_ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct acpi_memory {
    /* A pointer to len readable bytes at physical address addr, or NULL if out of range. */
    const uint8_t *(*map)(void *ctx, uint64_t addr, size_t len);
    void *ctx;
};

/* Generic Address Structure (ACPI 6.4, 5.2.3.2). */
struct acpi_gas {
    uint8_t space_id; /* 0 system memory, 1 system I/O */
    uint8_t bit_width, bit_offset, access_size;
    uint64_t address;
};

enum { ACPI_GAS_MEMORY = 0, ACPI_GAS_IO = 1 };

#define ACPI_MAX_TABLES 32
#define ACPI_MAX_MCFG 8
#define ACPI_MAX_CPUS 256

struct acpi_table_ref {
    char signature[5];
    uint64_t addr;
    uint32_t length;
    bool checksum_ok;
};

struct acpi_mcfg_entry {
    uint64_t base;
    uint16_t segment;
    uint8_t bus_start, bus_end;
};

struct acpi_info {
    uint64_t rsdp_addr;
    uint8_t revision;
    char oem_id[7];
    bool xsdt; /* tables listed by the XSDT (else the RSDT) */
    struct acpi_table_ref tables[ACPI_MAX_TABLES];
    size_t table_count;
    size_t tables_dropped;

    struct acpi_mcfg_entry mcfg[ACPI_MAX_MCFG];
    size_t mcfg_count;

    bool have_fadt;
    bool hw_reduced;       /* FADT flag: no PM1 blocks, sleep through sleep_control */
    uint32_t pm1a_cnt, pm1b_cnt;
    struct acpi_gas sleep_control;
    uint64_t dsdt_addr;

    bool have_s5;
    uint8_t s5_slp_typ_a, s5_slp_typ_b;

    bool have_cba;
    uint64_t cba; /* ECAM base from a host bridge's _CBA */

    bool have_hpet;
    uint64_t hpet_base;

    unsigned cpu_count; /* enabled processors in the MADT; 0 when there is no MADT */
    /* Their APIC IDs in MADT order (the first ACPI_MAX_CPUS; the boot CPU need not be first), and
     * the local APICs' address (5.2.12: the fixed part, or a type 5 override). */
    uint32_t cpu_apic_id[ACPI_MAX_CPUS];
    bool cpu_x2apic[ACPI_MAX_CPUS]; /* listed as a local x2APIC (type 9) */
    uint64_t lapic_base;
};

/* Check the "RSD PTR " signature and checksums of an RSDP at addr (ACPI 6.4, 5.2.5.3). */
bool acpi_rsdp_valid(const struct acpi_memory *mem, uint64_t addr);

/* Scan [start, start + len) on 16-byte boundaries for a valid RSDP (5.2.5.1); 0 if none. */
uint64_t acpi_rsdp_scan(const struct acpi_memory *mem, uint64_t start, uint64_t len);

/* Byte sum of len bytes is zero. */
bool acpi_checksum_ok(const uint8_t *p, size_t len);

/*
 * Parse everything reachable from the RSDP at rsdp_addr. A table whose checksum fails is listed
 * (checksum_ok false) but not used. Returns 0, or -1 with a one-line reason in err (a bad RSDP,
 * an unreadable RSDT/XSDT).
 */
int acpi_parse(const struct acpi_memory *mem, uint64_t rsdp_addr, struct acpi_info *info, char *err, size_t err_len);

/* The MADT's body (len bytes, checksum already checked): CPU count, APIC IDs, LAPIC address. */
void acpi_parse_madt(const uint8_t *table, uint32_t len, struct acpi_info *info);

/* The table with this signature whose checksum passed, or NULL. */
const struct acpi_table_ref *acpi_find_table(const struct acpi_info *info, const char *signature);

/* AML scans of a DSDT body: \_S5 package (SLP_TYPa, SLP_TYPb) and _CBA. */
bool acpi_aml_find_s5(const uint8_t *aml, size_t len, uint8_t *slp_typ_a, uint8_t *slp_typ_b);
bool acpi_aml_find_cba(const uint8_t *aml, size_t len, uint64_t *cba);

#endif
