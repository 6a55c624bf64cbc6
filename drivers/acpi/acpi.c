/* ACPI table parsing (ACPI 6.4, chapter 5). Every length read from a table is checked against
 * what the memory callback says is readable before it is used. */
#include <stdio.h>
#include <string.h>

#include "acpi.h"

#define SDT_HEADER_LEN 36u
#define RSDP_V1_LEN 20u
#define RSDP_V2_LEN 36u
#define MAX_TABLE_LEN (16u << 20) /* nothing QEMU builds comes near; stops a lying length early */

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t le64(const uint8_t *p) { return le32(p) | (uint64_t)le32(p + 4) << 32; }

bool acpi_checksum_ok(const uint8_t *p, size_t len)
{
    uint8_t sum = 0;
    for (size_t i = 0; i < len; i++)
        sum = (uint8_t)(sum + p[i]);
    return sum == 0;
}

bool acpi_rsdp_valid(const struct acpi_memory *mem, uint64_t addr)
{
    const uint8_t *p = mem->map(mem->ctx, addr, RSDP_V1_LEN);
    if (p == NULL || memcmp(p, "RSD PTR ", 8) != 0 || !acpi_checksum_ok(p, RSDP_V1_LEN))
        return false;
    if (p[15] < 2)
        return true;
    /* Revision 2+: the extended checksum covers the whole structure (5.2.5.3). */
    p = mem->map(mem->ctx, addr, RSDP_V2_LEN);
    if (p == NULL)
        return false;
    uint32_t length = le32(p + 20);
    if (length < RSDP_V2_LEN || length > 4096)
        return false;
    p = mem->map(mem->ctx, addr, length);
    return p != NULL && acpi_checksum_ok(p, length);
}

uint64_t acpi_rsdp_scan(const struct acpi_memory *mem, uint64_t start, uint64_t len)
{
    for (uint64_t off = 0; off + RSDP_V1_LEN <= len; off += 16)
        if (acpi_rsdp_valid(mem, start + off))
            return start + off;
    return 0;
}

/* The whole table at addr, once its header says how long it is; NULL if unreadable. */
static const uint8_t *map_table(const struct acpi_memory *mem, uint64_t addr, uint32_t *length)
{
    const uint8_t *h = mem->map(mem->ctx, addr, SDT_HEADER_LEN);
    if (h == NULL)
        return NULL;
    uint32_t len = le32(h + 4);
    if (len < SDT_HEADER_LEN || len > MAX_TABLE_LEN)
        return NULL;
    *length = len;
    return mem->map(mem->ctx, addr, len);
}

const struct acpi_table_ref *acpi_find_table(const struct acpi_info *info, const char *signature)
{
    for (size_t i = 0; i < info->table_count; i++)
        if (info->tables[i].checksum_ok && memcmp(info->tables[i].signature, signature, 4) == 0)
            return &info->tables[i];
    return NULL;
}

static void add_table(const struct acpi_memory *mem, struct acpi_info *info, uint64_t addr)
{
    if (info->table_count == ACPI_MAX_TABLES) {
        info->tables_dropped++;
        return;
    }
    uint32_t length = 0;
    const uint8_t *t = map_table(mem, addr, &length);
    struct acpi_table_ref *ref = &info->tables[info->table_count++];
    memset(ref, 0, sizeof *ref);
    ref->addr = addr;
    if (t == NULL) {
        memcpy(ref->signature, "????", 4);
        return;
    }
    memcpy(ref->signature, t, 4);
    ref->length = length;
    ref->checksum_ok = acpi_checksum_ok(t, length);
}

static struct acpi_gas read_gas(const uint8_t *p)
{
    return (struct acpi_gas){
        .space_id = p[0], .bit_width = p[1], .bit_offset = p[2], .access_size = p[3], .address = le64(p + 4)
    };
}

static void parse_mcfg(const uint8_t *t, uint32_t len, struct acpi_info *info)
{
    /* Header, 8 reserved bytes, then 16-byte allocation entries (PCI Firmware 3.2, 4.1.2). */
    for (uint32_t off = SDT_HEADER_LEN + 8; off + 16 <= len && info->mcfg_count < ACPI_MAX_MCFG; off += 16) {
        struct acpi_mcfg_entry *e = &info->mcfg[info->mcfg_count];
        e->base = le64(t + off);
        e->segment = le16(t + off + 8);
        e->bus_start = t[off + 10];
        e->bus_end = t[off + 11];
        if (e->base != 0 && e->bus_end >= e->bus_start)
            info->mcfg_count++;
    }
}

static void parse_fadt(const uint8_t *t, uint32_t len, struct acpi_info *info)
{
    /* Field offsets: ACPI 6.4, table 5.9. Older, shorter FADTs simply lack the later fields. */
    if (len < 116)
        return;
    info->have_fadt = true;
    info->dsdt_addr = le32(t + 40);
    info->pm1a_cnt = le32(t + 64);
    info->pm1b_cnt = le32(t + 68);
    info->hw_reduced = (le32(t + 112) & (1u << 20)) != 0;
    if (len >= 148 && le64(t + 140) != 0)
        info->dsdt_addr = le64(t + 140);
    if (len >= 256)
        info->sleep_control = read_gas(t + 244);
}

static void parse_hpet(const uint8_t *t, uint32_t len, struct acpi_info *info)
{
    if (len < 56)
        return;
    struct acpi_gas base = read_gas(t + 40);
    if (base.space_id == ACPI_GAS_MEMORY && base.address != 0) {
        info->have_hpet = true;
        info->hpet_base = base.address;
    }
}

static void add_cpu(struct acpi_info *info, uint32_t apic_id, bool x2apic)
{
    /* A firmware may list a CPU both ways (x2APIC IDs below 255 are also xAPIC entries): once. */
    unsigned listed = info->cpu_count < ACPI_MAX_CPUS ? info->cpu_count : ACPI_MAX_CPUS;
    for (unsigned i = 0; i < listed; i++)
        if (info->cpu_apic_id[i] == apic_id)
            return;
    if (info->cpu_count < ACPI_MAX_CPUS) {
        info->cpu_apic_id[info->cpu_count] = apic_id;
        info->cpu_x2apic[info->cpu_count] = x2apic;
    }
    info->cpu_count++;
}

void acpi_parse_madt(const uint8_t *t, uint32_t len, struct acpi_info *info)
{
    if (len < 44)
        return;
    info->lapic_base = le32(t + 36);
    /* Interrupt controller structures follow the 44-byte fixed part (5.2.12). */
    for (uint32_t off = 44; off + 2 <= len;) {
        uint8_t type = t[off], entry_len = t[off + 1];
        if (entry_len < 2 || off + entry_len > len)
            break;
        if (type == 0 && entry_len >= 8 && (le32(t + off + 4) & 1u))
            add_cpu(info, t[off + 3], false); /* processor local APIC, enabled (5.2.12.2) */
        else if (type == 9 && entry_len >= 16 && (le32(t + off + 8) & 1u))
            add_cpu(info, le32(t + off + 4), true); /* processor local x2APIC, enabled (5.2.12.12) */
        else if (type == 5 && entry_len >= 12)
            info->lapic_base = le64(t + off + 4); /* local APIC address override (5.2.12.8) */
        off += entry_len;
    }
}

int acpi_parse(const struct acpi_memory *mem, uint64_t rsdp_addr, struct acpi_info *info, char *err, size_t err_len)
{
    memset(info, 0, sizeof *info);
    info->rsdp_addr = rsdp_addr;
    if (!acpi_rsdp_valid(mem, rsdp_addr)) {
        snprintf(err, err_len, "no valid ACPI RSDP at 0x%llx (signature or checksum)", (unsigned long long)rsdp_addr);
        return -1;
    }
    const uint8_t *rsdp = mem->map(mem->ctx, rsdp_addr, RSDP_V1_LEN);
    info->revision = rsdp[15];
    memcpy(info->oem_id, rsdp + 9, 6);
    uint64_t root = le32(rsdp + 16);
    unsigned entry_size = 4;
    if (info->revision >= 2) {
        const uint8_t *v2 = mem->map(mem->ctx, rsdp_addr, RSDP_V2_LEN);
        if (le64(v2 + 24) != 0) {
            root = le64(v2 + 24);
            entry_size = 8;
            info->xsdt = true;
        }
    }
    uint32_t root_len = 0;
    const uint8_t *rt = map_table(mem, root, &root_len);
    if (rt == NULL || memcmp(rt, info->xsdt ? "XSDT" : "RSDT", 4) != 0 || !acpi_checksum_ok(rt, root_len)) {
        snprintf(err, err_len, "the ACPI %s at 0x%llx is unreadable or fails its checksum", info->xsdt ? "XSDT" : "RSDT",
                 (unsigned long long)root);
        return -1;
    }
    for (uint32_t off = SDT_HEADER_LEN; off + entry_size <= root_len; off += entry_size)
        add_table(mem, info, entry_size == 8 ? le64(rt + off) : le32(rt + off));

    /* The DSDT is not in the root table; the FADT points at it. */
    const struct acpi_table_ref *ref;
    uint32_t len;
    const uint8_t *t;
    if ((ref = acpi_find_table(info, "FACP")) && (t = map_table(mem, ref->addr, &len)))
        parse_fadt(t, len, info);
    if (info->dsdt_addr != 0)
        add_table(mem, info, info->dsdt_addr);
    if ((ref = acpi_find_table(info, "MCFG")) && (t = map_table(mem, ref->addr, &len)))
        parse_mcfg(t, len, info);
    if ((ref = acpi_find_table(info, "HPET")) && (t = map_table(mem, ref->addr, &len)))
        parse_hpet(t, len, info);
    if ((ref = acpi_find_table(info, "APIC")) && (t = map_table(mem, ref->addr, &len)))
        acpi_parse_madt(t, len, info);
    if ((ref = acpi_find_table(info, "DSDT")) && (t = map_table(mem, ref->addr, &len))) {
        info->have_s5 = acpi_aml_find_s5(t + SDT_HEADER_LEN, len - SDT_HEADER_LEN, &info->s5_slp_typ_a,
                                         &info->s5_slp_typ_b);
        info->have_cba = acpi_aml_find_cba(t + SDT_HEADER_LEN, len - SDT_HEADER_LEN, &info->cba);
    }
    return 0;
}

/* An AML integer (ACPI 6.4, 20.2.3 ComputationalData: ZeroOp, OneOp, OnesOp, Byte/Word/DWord/
 * QWordPrefix). Returns the bytes it took, 0 if p does not start one. */
static size_t aml_integer(const uint8_t *p, size_t avail, uint64_t *value)
{
    if (avail < 1)
        return 0;
    switch (p[0]) {
    case 0x00: *value = 0; return 1;
    case 0x01: *value = 1; return 1;
    case 0xff: *value = UINT64_MAX; return 1;
    case 0x0a: if (avail < 2) return 0; *value = p[1]; return 2;
    case 0x0b: if (avail < 3) return 0; *value = le16(p + 1); return 3;
    case 0x0c: if (avail < 5) return 0; *value = le32(p + 1); return 5;
    case 0x0e: if (avail < 9) return 0; *value = le64(p + 1); return 9;
    default: return 0;
    }
}

static const uint8_t *find_name(const uint8_t *aml, size_t len, size_t from, const char name[4])
{
    for (size_t i = from; i + 4 <= len; i++)
        if (memcmp(aml + i, name, 4) == 0)
            return aml + i;
    return NULL;
}

bool acpi_aml_find_s5(const uint8_t *aml, size_t len, uint8_t *slp_typ_a, uint8_t *slp_typ_b)
{
    /* Name (\_S5, Package () { SLP_TYPa, SLP_TYPb, ... }): NameOp, optional root prefix, the name,
     * PackageOp, PkgLength, NumElements, elements (20.2.5.1, 20.2.5.4). */
    for (const uint8_t *n = find_name(aml, len, 0, "_S5_"); n != NULL;
         n = find_name(aml, len, (size_t)(n - aml) + 1, "_S5_")) {
        size_t i = (size_t)(n - aml);
        bool named = (i >= 1 && aml[i - 1] == 0x08) || (i >= 2 && aml[i - 2] == 0x08 && aml[i - 1] == '\\');
        if (!named || i + 5 >= len || aml[i + 4] != 0x12)
            continue;
        size_t p = i + 5;
        p += 1u + (aml[p] >> 6); /* PkgLength: lead byte + its follow bytes */
        p += 1;                  /* NumElements */
        uint64_t a, b;
        size_t used = p < len ? aml_integer(aml + p, len - p, &a) : 0;
        if (used == 0)
            continue;
        p += used;
        if (p >= len || aml_integer(aml + p, len - p, &b) == 0)
            b = 0;
        *slp_typ_a = (uint8_t)(a & 7u);
        *slp_typ_b = (uint8_t)(b & 7u);
        return true;
    }
    return false;
}

/* An ECAM base is aligned to its region, at least the 1 MiB of one bus (PCIe Base 6.0, 7.2.2).
 * Anything else is other bytes misread: a Method (_CBA) whose PkgLength ends in 0x08 (NameOp)
 * looks like Name (_CBA, Zero) through its flags byte 0x00 (ZeroOp). Skip it, keep scanning. */
static bool ecam_base_plausible(uint64_t v) { return v != 0 && (v & 0xfffffu) == 0; }

bool acpi_aml_find_cba(const uint8_t *aml, size_t len, uint64_t *cba)
{
    for (const uint8_t *n = find_name(aml, len, 0, "_CBA"); n != NULL;
         n = find_name(aml, len, (size_t)(n - aml) + 1, "_CBA")) {
        size_t i = (size_t)(n - aml);
        uint64_t v;
        /* Name (_CBA, value) */
        if (i >= 1 && aml[i - 1] == 0x08 && aml_integer(aml + i + 4, len - i - 4, &v) != 0 && ecam_base_plausible(v)) {
            *cba = v;
            return true;
        }
        /* Method (_CBA) { Return (value) }: MethodOp PkgLength name flags ReturnOp value. */
        bool method = false;
        for (size_t back = 2; back <= 5 && back <= i; back++) {
            size_t op = i - back;
            if (aml[op] == 0x14 && (size_t)(aml[op + 1] >> 6) + 1 == back - 1)
                method = true;
        }
        if (method && i + 6 < len && aml[i + 5] == 0xa4 && aml_integer(aml + i + 6, len - i - 6, &v) != 0 &&
            ecam_base_plausible(v)) {
            *cba = v;
            return true;
        }
    }
    return false;
}
