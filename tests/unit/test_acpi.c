/*
 * ACPI table parsing (drivers/acpi/acpi.c) against the real tables QEMU builds, as dumped by
 * tools/acpi-dump into tests/data/acpi/<config>/<SIG>@<hexaddr>.bin.
 *
 * Each test gets a fresh fake physical memory: every .bin of one configuration loaded at its
 * address, each in a malloc'd block of exactly its size, so that a read past a table's end is
 * an AddressSanitizer report and not a silent pass. The corruption tests change those copies,
 * never the files. The expected values were read off the dumps (see the report of
 * tools/acpi-dump and the hex comments below); a parser that reads the wrong offset, the wrong
 * table or the wrong AML name gets different numbers.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/acpi/acpi.h"
#include "test_support.h"

/* ---- fake physical memory ---- */

#define MAX_BLOBS 16

struct blob {
    char sig[5];
    uint64_t addr;
    uint8_t *data;
    size_t len;
};

struct fake_mem {
    struct blob blobs[MAX_BLOBS];
    size_t count;
    size_t max_len; /* the longest range the parser asked for, mapped or not */
    struct acpi_memory mem;
};

/* [addr, addr + len) must lie inside one blob: the parser may read only what a table's own
 * bytes say is there, never what happens to sit next to it in the guest. */
static const uint8_t *fake_map(void *ctx, uint64_t addr, size_t len)
{
    struct fake_mem *m = ctx;
    if (len > m->max_len)
        m->max_len = len;
    for (size_t i = 0; i < m->count; i++) {
        const struct blob *b = &m->blobs[i];
        if (addr >= b->addr && addr - b->addr <= b->len && len <= b->len - (addr - b->addr))
            return b->data + (addr - b->addr);
    }
    return NULL;
}

static struct blob *add_blob(struct fake_mem *m, const char *sig, uint64_t addr, uint8_t *data, size_t len)
{
    assert_true(m->count < MAX_BLOBS);
    struct blob *b = &m->blobs[m->count++];
    memset(b->sig, 0, sizeof b->sig);
    memcpy(b->sig, sig, 4);
    b->addr = addr;
    b->data = data;
    b->len = len;
    return b;
}

/* Load tests/data/acpi/<config>/SIG@HEXADDR.bin, all of them. */
static struct fake_mem *load_config(const char *config)
{
    struct fake_mem *m = calloc(1, sizeof *m);
    assert_non_null(m);
    m->mem.map = fake_map;
    m->mem.ctx = m;
    char dir[256];
    snprintf(dir, sizeof dir, "tests/data/acpi/%s", config);
    DIR *d = opendir(dir);
    if (d == NULL)
        fail_msg("cannot open %s (run the tests from the repository root; tools/acpi-dump makes it)", dir);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *name = e->d_name, *at = strchr(name, '@');
        size_t n = strlen(name);
        if (n < 4 || strcmp(name + n - 4, ".bin") != 0)
            continue;
        if (at == NULL || at - name != 4)
            fail_msg("%s/%s: expected SIG@HEXADDR.bin", dir, name);
        char *end;
        uint64_t addr = strtoull(at + 1, &end, 16);
        if (end == at + 1 || strcmp(end, ".bin") != 0)
            fail_msg("%s/%s: the address is not hex", dir, name);
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, name);
        size_t len;
        uint8_t *data = test_read_file(path, &len);
        add_blob(m, name, addr, data, len);
    }
    closedir(d);
    assert_true(m->count >= 4); /* at least RSDP, a root table, FACP, DSDT */
    return m;
}

static void free_mem(struct fake_mem *m)
{
    for (size_t i = 0; i < m->count; i++)
        free(m->blobs[i].data);
    free(m);
}

static struct blob *blob(struct fake_mem *m, const char *sig)
{
    for (size_t i = 0; i < m->count; i++)
        if (strcmp(m->blobs[i].sig, sig) == 0)
            return &m->blobs[i];
    fail_msg("no %s table loaded", sig);
    return NULL;
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Make the byte sum of p[0..len) zero again by adjusting the checksum byte at p[at]. */
static void fix_checksum(uint8_t *p, size_t len, size_t at)
{
    uint8_t sum = 0;
    p[at] = 0;
    for (size_t i = 0; i < len; i++)
        sum = (uint8_t)(sum + p[i]);
    p[at] = (uint8_t)-sum;
}

/* SDT header: length at byte 4, checksum at byte 9 (ACPI 6.4, 5.2.6). */
static void fix_table_checksum(struct blob *b) { fix_checksum(b->data, b->len, 9); }

/* cmocka fixtures: one configuration per test, loaded fresh so corruption cannot leak. */
static int setup_pc(void **state) { *state = load_config("pc-seabios"); return 0; }
static int setup_q35(void **state) { *state = load_config("q35-seabios"); return 0; }
static int setup_q35_qboot(void **state) { *state = load_config("q35-qboot"); return 0; }
static int setup_microvm(void **state) { *state = load_config("microvm-qboot"); return 0; }
static int teardown(void **state) { free_mem(*state); return 0; }

/* ---- helpers for the assertions ---- */

/* "FACP APIC ..." in table order, so that a failure prints the whole list. */
static void assert_signatures(const struct acpi_info *info, const char *want)
{
    char got[ACPI_MAX_TABLES * 5 + 1] = "";
    for (size_t i = 0; i < info->table_count; i++) {
        if (i > 0)
            strcat(got, " ");
        strcat(got, info->tables[i].signature);
    }
    assert_string_equal(got, want);
}

static const struct acpi_table_ref *listed(const struct acpi_info *info, const char *sig)
{
    for (size_t i = 0; i < info->table_count; i++)
        if (strcmp(info->tables[i].signature, sig) == 0)
            return &info->tables[i];
    fail_msg("%s is not in the table list", sig);
    return NULL;
}

/* Every listed table sits where its dump file says, is as long, and passed its checksum. */
static void assert_tables_match_files(struct fake_mem *m, const struct acpi_info *info)
{
    assert_int_equal(info->tables_dropped, 0);
    for (size_t i = 0; i < info->table_count; i++) {
        const struct acpi_table_ref *t = &info->tables[i];
        const struct blob *b = blob(m, t->signature);
        assert_int_equal(t->addr, b->addr);
        assert_int_equal(t->length, b->len);
        assert_true(t->checksum_ok);
        assert_ptr_equal(acpi_find_table(info, t->signature), t);
    }
}

static int parse(struct fake_mem *m, struct acpi_info *info, char *err, size_t err_len)
{
    err[0] = '\0';
    return acpi_parse(&m->mem, blob(m, "RSDP")->addr, info, err, err_len);
}

/* ---- acpi_parse on the real tables ---- */

static void test_pc_seabios(void **state)
{
    struct fake_mem *m = *state;
    struct acpi_info info;
    char err[160];
    assert_int_equal(parse(m, &info, err, sizeof err), 0);

    assert_int_equal(info.rsdp_addr, 0xf59d0);
    assert_int_equal(info.revision, 0); /* ACPI 1.0 RSDP: RSDT only */
    assert_false(info.xsdt);
    assert_string_equal(info.oem_id, "BOCHS ");
    /* The RSDT's four entries, then the DSDT the FADT points at. */
    assert_signatures(&info, "FACP APIC HPET WAET DSDT");
    assert_tables_match_files(m, &info);
    assert_int_equal(listed(&info, "FACP")->length, 116); /* a revision 1 FADT: no X_ fields */

    assert_int_equal(info.mcfg_count, 0); /* i440fx: no ECAM */

    assert_true(info.have_fadt);
    assert_false(info.hw_reduced);
    assert_int_equal(info.pm1a_cnt, 0x604); /* PM base 0x600 + 4 */
    assert_int_equal(info.pm1b_cnt, 0);
    assert_int_equal(info.dsdt_addr, 0x0ffe0040);

    /* DSDT: Name(_S3_, Package(4){1, 1, 0, 0}), _S4_ {2, 2, ...}, then
     * Name(_S5_, Package(4){Zero, Zero, Zero, Zero}): 0 is QEMU's S5 on PIIX4 and ICH9. */
    assert_true(info.have_s5);
    assert_int_equal(info.s5_slp_typ_a, 0);
    assert_int_equal(info.s5_slp_typ_b, 0);
    assert_false(info.have_cba);

    assert_true(info.have_hpet);
    assert_int_equal(info.hpet_base, 0xfed00000);
    /* MADT: one enabled local APIC, one IOAPIC, five interrupt overrides, one local NMI. */
    assert_int_equal(info.cpu_count, 1);
}

/* q35 under SeaBIOS and under qboot: the same tables QEMU builds, placed differently. */
static void check_q35(struct fake_mem *m, uint64_t rsdp, uint64_t dsdt)
{
    struct acpi_info info;
    char err[160];
    assert_int_equal(parse(m, &info, err, sizeof err), 0);

    assert_int_equal(info.rsdp_addr, rsdp);
    assert_int_equal(info.revision, 0);
    assert_false(info.xsdt);
    assert_string_equal(info.oem_id, "BOCHS ");
    assert_signatures(&info, "FACP APIC HPET MCFG WAET DSDT");
    assert_tables_match_files(m, &info);

    /* MCFG: one allocation, 000000b0 00000000 | 0000 | 00 | ff */
    assert_int_equal(info.mcfg_count, 1);
    assert_int_equal(info.mcfg[0].base, 0xb0000000);
    assert_int_equal(info.mcfg[0].segment, 0);
    assert_int_equal(info.mcfg[0].bus_start, 0);
    assert_int_equal(info.mcfg[0].bus_end, 255);

    assert_true(info.have_fadt);
    assert_false(info.hw_reduced); /* FADT flags 0x84a5 */
    assert_int_equal(info.pm1a_cnt, 0x604);
    assert_int_equal(info.pm1b_cnt, 0);
    assert_int_equal(info.dsdt_addr, dsdt); /* DSDT and X_DSDT agree */
    assert_int_equal(info.sleep_control.address, 0); /* a 244-byte FADT ends before it */

    assert_true(info.have_s5);
    assert_int_equal(info.s5_slp_typ_a, 0);
    assert_int_equal(info.s5_slp_typ_b, 0);
    assert_false(info.have_cba); /* q35's ECAM comes from the MCFG */

    assert_true(info.have_hpet);
    assert_int_equal(info.hpet_base, 0xfed00000);
    assert_int_equal(info.cpu_count, 1);
}

static void test_q35_seabios(void **state) { check_q35(*state, 0xf59e0, 0x0ffe0040); }

/* qboot keeps the tables in the 0xd0000 segment (e820 type 4). */
static void test_q35_qboot(void **state) { check_q35(*state, 0xf36a0, 0xd0040); }

static void test_microvm_qboot(void **state)
{
    struct fake_mem *m = *state;
    struct acpi_info info;
    char err[160];
    assert_int_equal(parse(m, &info, err, sizeof err), 0);

    assert_int_equal(info.rsdp_addr, 0xf34d0);
    assert_int_equal(info.revision, 2); /* RSDT address 0, XSDT at 0xeff90 */
    assert_true(info.xsdt);
    assert_string_equal(info.oem_id, "BOCHS ");
    assert_signatures(&info, "FACP APIC DSDT");
    assert_tables_match_files(m, &info);

    assert_int_equal(info.mcfg_count, 0); /* pcie=on, yet no MCFG ... */
    assert_true(info.have_cba);           /* ... but Method(_CBA){Return(0xE0000000)} */
    assert_int_equal(info.cba, 0xe0000000);

    /* A revision 5, 268-byte FADT, flags 0x100400: HW_REDUCED_ACPI (bit 20), no PM1 blocks,
     * power off through the GED sleep control register 0xfea00200 (8 bits, memory). */
    assert_true(info.have_fadt);
    assert_true(info.hw_reduced);
    assert_int_equal(info.pm1a_cnt, 0);
    assert_int_equal(info.pm1b_cnt, 0);
    assert_int_equal(info.sleep_control.space_id, ACPI_GAS_MEMORY);
    assert_int_equal(info.sleep_control.bit_width, 8);
    assert_int_equal(info.sleep_control.address, 0xfea00200);
    assert_int_equal(info.dsdt_addr, 0xef280);

    /* Scope(\){ Name(_S5_, Package(4){0x05, Zero, Zero, Zero}) }: GED's S5 sleep type is 5. */
    assert_true(info.have_s5);
    assert_int_equal(info.s5_slp_typ_a, 5);
    assert_int_equal(info.s5_slp_typ_b, 0);

    assert_false(info.have_hpet); /* microvm has no HPET table */
    /* MADT: one enabled local APIC, two IOAPICs, one local NMI. */
    assert_int_equal(info.cpu_count, 1);
}

/* ---- the RSDP ---- */

/* A zeroed copy of the BIOS area 0xE0000-0xFFFFF with the real RSDP at its real offset. */
static struct fake_mem *bios_area(const uint8_t *rsdp, size_t rsdp_len, uint64_t rsdp_addr)
{
    struct fake_mem *m = calloc(1, sizeof *m);
    assert_non_null(m);
    m->mem.map = fake_map;
    m->mem.ctx = m;
    uint8_t *area = calloc(1, 0x20000);
    assert_non_null(area);
    assert_true(rsdp_addr >= 0xe0000 && rsdp_addr + rsdp_len <= 0x100000);
    memcpy(area + (rsdp_addr - 0xe0000), rsdp, rsdp_len);
    add_blob(m, "BIOS", 0xe0000, area, 0x20000);
    return m;
}

static void check_rsdp_scan(struct fake_mem *tables)
{
    const struct blob *r = blob(tables, "RSDP");
    struct fake_mem *m = bios_area(r->data, r->len, r->addr);
    assert_true(acpi_rsdp_valid(&m->mem, r->addr));
    assert_int_equal(acpi_rsdp_scan(&m->mem, 0xe0000, 0x20000), r->addr);
    /* A scan of just the last 16-byte slot that holds it still sees the whole RSDP... */
    assert_int_equal(acpi_rsdp_scan(&m->mem, r->addr, 20), r->addr);
    /* ... and one that ends before it, or inside it, does not. */
    assert_int_equal(acpi_rsdp_scan(&m->mem, 0xe0000, r->addr - 0xe0000), 0);
    assert_int_equal(acpi_rsdp_scan(&m->mem, 0xe0000, r->addr - 0xe0000 + 19), 0);

    /* One byte off in the checksum byte (8): no RSDP anywhere. */
    m->blobs[0].data[r->addr - 0xe0000 + 8] ^= 0x01;
    assert_false(acpi_rsdp_valid(&m->mem, r->addr));
    assert_int_equal(acpi_rsdp_scan(&m->mem, 0xe0000, 0x20000), 0);
    free_mem(m);
}

static void test_rsdp_scan_pc(void **state) { check_rsdp_scan(*state); }
static void test_rsdp_scan_q35_qboot(void **state) { check_rsdp_scan(*state); }
static void test_rsdp_scan_microvm(void **state) { check_rsdp_scan(*state); }

static void test_rsdp_scan_skips_unaligned(void **state)
{
    /* The spec's scan is on 16-byte boundaries; an RSDP 4 bytes off one is not found. */
    const struct blob *r = blob(*state, "RSDP");
    struct fake_mem *m = bios_area(r->data, r->len, r->addr + 4);
    assert_int_equal(acpi_rsdp_scan(&m->mem, 0xe0000, 0x20000), 0);
    free_mem(m);
}

static void test_rsdp_v2_bad_extended_checksum(void **state)
{
    /* microvm's revision 2 RSDP: change a reserved byte (33) of the extended part. The ACPI 1.0
     * checksum over bytes 0-19 still passes; only the extended checksum can catch it. */
    struct fake_mem *m = *state;
    struct blob *r = blob(m, "RSDP");
    assert_int_equal(r->len, 36);
    assert_true(acpi_rsdp_valid(&m->mem, r->addr));
    r->data[33] ^= 0x40;
    assert_true(acpi_checksum_ok(r->data, 20));
    assert_false(acpi_rsdp_valid(&m->mem, r->addr));

    struct acpi_info info;
    char err[160];
    assert_int_equal(parse(m, &info, err, sizeof err), -1);
    assert_non_null(strstr(err, "RSDP"));
}

static void test_rsdp_v2_bad_length(void **state)
{
    /* A revision 2 RSDP whose length field lies (checksums fixed up to match): too short to
     * hold the XSDT address, or far past the 36 bytes there are. Invalid, no read past them. */
    struct fake_mem *m = *state;
    struct blob *r = blob(m, "RSDP");
    const uint32_t lies[] = { 0, 20, 35, 37, 4096, 0xffffffff };
    for (size_t i = 0; i < sizeof lies / sizeof lies[0]; i++) {
        put32(r->data + 20, lies[i]);
        fix_checksum(r->data, 36, 32);
        assert_false(acpi_rsdp_valid(&m->mem, r->addr));
    }
}

/* ---- corrupted tables (copies of the real ones) ---- */

static void test_root_checksum_broken(void **state)
{
    struct fake_mem *m = *state;
    struct acpi_info info;
    char err[160];
    blob(m, "RSDT")->data[40] ^= 0x10; /* an entry's address: the sum no longer works out */
    assert_int_equal(parse(m, &info, err, sizeof err), -1);
    assert_non_null(strstr(err, "RSDT"));
    assert_non_null(strstr(err, "0xffe1ad8")); /* and where it is */
}

static void test_xsdt_checksum_broken(void **state)
{
    struct fake_mem *m = *state;
    struct acpi_info info;
    char err[160];
    blob(m, "XSDT")->data[36] ^= 0x10;
    assert_int_equal(parse(m, &info, err, sizeof err), -1);
    assert_non_null(strstr(err, "XSDT"));
}

static void test_root_length_lies(void **state)
{
    /* The RSDT's length made huge, then past the end of its blob, then shorter than a header,
     * each with the checksum fixed over the bytes there are: never readable, so -1. */
    struct fake_mem *m = *state;
    struct blob *rsdt = blob(m, "RSDT");
    const uint32_t lies[] = { 0xffffffff, 0x01000000, (uint32_t)rsdt->len + 1, 4096, 35, 0 };
    for (size_t i = 0; i < sizeof lies / sizeof lies[0]; i++) {
        put32(rsdt->data + 4, lies[i]);
        fix_table_checksum(rsdt);
        struct acpi_info info;
        char err[160];
        assert_int_equal(parse(m, &info, err, sizeof err), -1);
        assert_non_null(strstr(err, "RSDT"));
    }
}

static void test_madt_checksum_broken(void **state)
{
    struct fake_mem *m = *state;
    struct acpi_info info;
    char err[160];
    blob(m, "APIC")->data[9] ^= 0x01; /* the checksum byte itself */
    assert_int_equal(parse(m, &info, err, sizeof err), 0);
    /* Still listed, where it is, with its length, marked bad ... */
    assert_signatures(&info, "FACP APIC HPET WAET DSDT");
    const struct acpi_table_ref *apic = listed(&info, "APIC");
    assert_false(apic->checksum_ok);
    assert_int_equal(apic->addr, 0x0ffe1a00);
    assert_int_equal(apic->length, 120);
    /* ... but not used: no CPUs counted, acpi_find_table will not hand it out. */
    assert_null(acpi_find_table(&info, "APIC"));
    assert_int_equal(info.cpu_count, 0);
    /* The others are untouched. */
    assert_true(listed(&info, "FACP")->checksum_ok);
    assert_true(info.have_s5);
    assert_int_equal(info.hpet_base, 0xfed00000);
}

static void test_mcfg_checksum_broken(void **state)
{
    /* A bad MCFG must not hand out an ECAM base: the PCI code would map and poke it. */
    struct fake_mem *m = *state;
    struct acpi_info info;
    char err[160];
    blob(m, "MCFG")->data[44 + 3] ^= 0x01; /* base 0xb0000000 -> 0xb1000000, sum now off */
    assert_int_equal(parse(m, &info, err, sizeof err), 0);
    assert_false(listed(&info, "MCFG")->checksum_ok);
    assert_int_equal(info.mcfg_count, 0);
}

static void test_fadt_checksum_broken(void **state)
{
    /* Without a trusted FADT there is no PM1 block and no way to the DSDT. */
    struct fake_mem *m = *state;
    struct acpi_info info;
    char err[160];
    blob(m, "FACP")->data[64] ^= 0x01;
    assert_int_equal(parse(m, &info, err, sizeof err), 0);
    assert_false(info.have_fadt);
    assert_int_equal(info.pm1a_cnt, 0);
    assert_false(info.have_s5);
    assert_signatures(&info, "FACP APIC HPET WAET");
    assert_int_equal(info.cpu_count, 1);
}

static void test_fadt_x_dsdt_wins(void **state)
{
    /* q35's FADT has both DSDT (32-bit, offset 40) and X_DSDT (64-bit, offset 140), equal. Point
     * the old field elsewhere: a non-zero X_DSDT takes precedence (ACPI 6.4, table 5.9), so the
     * real DSDT is still found and its \_S5 read. */
    struct fake_mem *m = *state;
    struct blob *fadt = blob(m, "FACP");
    put32(fadt->data + 40, 0x1000);
    fix_table_checksum(fadt);
    struct acpi_info info;
    char err[160];
    assert_int_equal(parse(m, &info, err, sizeof err), 0);
    assert_int_equal(info.dsdt_addr, 0x0ffe0040);
    assert_string_equal(info.tables[info.table_count - 1].signature, "DSDT");
    assert_true(info.have_s5);
}

static void test_table_length_lies(void **state)
{
    /* The MADT claims more bytes than the blob holds (checksum fixed over what is there), or an
     * absurd 4 GiB, or less than a header: unreadable, listed as "????", never used, no crash. */
    struct fake_mem *m = *state;
    struct blob *apic = blob(m, "APIC");
    const uint32_t lies[] = { 0xffffffff, 0x80000000, (uint32_t)apic->len + 1, 0x1000, 35, 0 };
    for (size_t i = 0; i < sizeof lies / sizeof lies[0]; i++) {
        put32(apic->data + 4, lies[i]);
        fix_table_checksum(apic);
        struct acpi_info info;
        char err[160];
        assert_int_equal(parse(m, &info, err, sizeof err), 0);
        assert_signatures(&info, "FACP ???? HPET WAET DSDT");
        assert_int_equal(info.tables[1].addr, 0x0ffe1a00);
        assert_false(info.tables[1].checksum_ok);
        assert_int_equal(info.cpu_count, 0);
        assert_true(info.have_fadt); /* the rest still parse */
    }
    /* The kernel's map hands out anything below 4 GiB, so this fake's refusal is no defence
     * there: the parser itself must not even ask for a lying 2 or 4 GiB (it caps at 16 MiB). */
    assert_true(m->max_len <= 16u << 20);
}

static void test_madt_length_shorter(void **state)
{
    /* A MADT that says it ends after the local APIC entry (checksum fixed over that prefix):
     * the entries past its length are not its own and must not be read. One CPU still. */
    struct fake_mem *m = *state;
    struct blob *apic = blob(m, "APIC");
    put32(apic->data + 4, 44 + 8);
    fix_checksum(apic->data, 44 + 8, 9);
    struct acpi_info info;
    char err[160];
    assert_int_equal(parse(m, &info, err, sizeof err), 0);
    assert_int_equal(listed(&info, "APIC")->length, 52);
    assert_int_equal(info.cpu_count, 1);
    /* Cut inside that entry instead: no whole entry, no CPU. */
    put32(apic->data + 4, 44 + 7);
    fix_checksum(apic->data, 44 + 7, 9);
    assert_int_equal(parse(m, &info, err, sizeof err), 0);
    assert_int_equal(info.cpu_count, 0);
}

static void test_madt_disabled_cpu(void **state)
{
    /* The count follows the enabled flag of the local APIC entry, not the entry's presence. */
    struct fake_mem *m = *state;
    struct blob *apic = blob(m, "APIC");
    assert_int_equal(apic->data[44], 0); /* type 0: processor local APIC */
    apic->data[44 + 4] = 0;              /* flags: not enabled */
    fix_table_checksum(apic);
    struct acpi_info info;
    char err[160];
    assert_int_equal(parse(m, &info, err, sizeof err), 0);
    assert_true(listed(&info, "APIC")->checksum_ok);
    assert_int_equal(info.cpu_count, 0);
}

static void test_dsdt_length_lies(void **state)
{
    /* A DSDT claiming more than there is: unusable, so no \_S5 (and no read past it). */
    struct fake_mem *m = *state;
    struct blob *dsdt = blob(m, "DSDT");
    put32(dsdt->data + 4, (uint32_t)dsdt->len + 64);
    fix_table_checksum(dsdt);
    struct acpi_info info;
    char err[160];
    assert_int_equal(parse(m, &info, err, sizeof err), 0);
    assert_true(info.have_fadt);
    assert_int_equal(info.tables[info.table_count - 1].addr, 0xef280);
    assert_false(info.tables[info.table_count - 1].checksum_ok);
    assert_false(info.have_s5);
    assert_false(info.have_cba);
}

static void test_too_many_tables(void **state)
{
    /* An RSDT of 40 entries (all the real MADT) behind a rewritten RSDP: the list stops at
     * ACPI_MAX_TABLES and counts the rest, the DSDT among them. */
    struct fake_mem *m = *state;
    enum { N = 40 };
    const uint64_t rsdt_addr = 0x100000;
    uint8_t *rsdt = calloc(1, 36 + 4 * N);
    assert_non_null(rsdt);
    memcpy(rsdt, blob(m, "RSDT")->data, 36);
    put32(rsdt + 4, 36 + 4 * N);
    for (int i = 0; i < N; i++)
        put32(rsdt + 36 + 4 * i, (uint32_t)blob(m, "APIC")->addr);
    fix_checksum(rsdt, 36 + 4 * N, 9);
    add_blob(m, "RSDT", rsdt_addr, rsdt, 36 + 4 * N);
    struct blob *r = blob(m, "RSDP");
    put32(r->data + 16, (uint32_t)rsdt_addr);
    fix_checksum(r->data, 20, 8);

    struct acpi_info info;
    char err[160];
    assert_int_equal(parse(m, &info, err, sizeof err), 0);
    assert_int_equal(info.table_count, ACPI_MAX_TABLES);
    assert_int_equal(info.tables_dropped, N - ACPI_MAX_TABLES);
    assert_false(info.have_fadt);
    /* The same MADT at every entry: the parser uses the first one once. */
    assert_int_equal(info.cpu_count, 1);
}

static void test_no_rsdp(void **state)
{
    struct fake_mem *m = *state;
    struct acpi_info info;
    char err[160];
    /* Nothing mapped there, then a real table's address (no "RSD PTR " signature). */
    assert_int_equal(acpi_parse(&m->mem, 0xf0000, &info, err, sizeof err), -1);
    assert_non_null(strstr(err, "RSDP"));
    assert_int_equal(acpi_parse(&m->mem, blob(m, "FACP")->addr, &info, err, sizeof err), -1);
    assert_non_null(strstr(err, "RSDP"));
}

/* ---- AML scans on hand-made byte strings ---- */

/* Call a scan on an exactly sized heap copy of aml[0..len), so ASan flags any read past len. */
static bool s5_exact(const uint8_t *aml, size_t len, uint8_t *a, uint8_t *b)
{
    uint8_t *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    if (len > 0)
        memcpy(copy, aml, len);
    bool found = acpi_aml_find_s5(copy, len, a, b);
    free(copy);
    return found;
}

static bool cba_exact(const uint8_t *aml, size_t len, uint64_t *cba)
{
    uint8_t *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    if (len > 0)
        memcpy(copy, aml, len);
    bool found = acpi_aml_find_cba(copy, len, cba);
    free(copy);
    return found;
}

#define NAME_S5 0x08, '_', 'S', '5', '_' /* NameOp, NameSeg */
#define PACKAGE 0x12                     /* PackageOp */

static void check_s5(const uint8_t *aml, size_t len, uint8_t want_a, uint8_t want_b)
{
    uint8_t a = 0xee, b = 0xee;
    assert_true(s5_exact(aml, len, &a, &b));
    assert_int_equal(a, want_a);
    assert_int_equal(b, want_b);
}

static void test_s5_byteprefix(void **state)
{
    (void)state;
    /* Name(_S5_, Package(){0x05, 0x05, 0, 0}): PkgLength 8 = itself, NumElements, 2+2+1+1. */
    const uint8_t aml[] = { NAME_S5, PACKAGE, 0x08, 0x04, 0x0a, 0x05, 0x0a, 0x05, 0x00, 0x00 };
    check_s5(aml, sizeof aml, 5, 5);
    /* Different values for a and b, so a swap shows. */
    const uint8_t ab[] = { NAME_S5, PACKAGE, 0x08, 0x04, 0x0a, 0x03, 0x0a, 0x06, 0x00, 0x00 };
    check_s5(ab, sizeof ab, 3, 6);
}

static void test_s5_zero_one_ops(void **state)
{
    (void)state;
    /* Package(){Zero, One, Zero, Zero} and {One, Zero, ...} */
    const uint8_t zo[] = { NAME_S5, PACKAGE, 0x06, 0x04, 0x00, 0x01, 0x00, 0x00 };
    check_s5(zo, sizeof zo, 0, 1);
    const uint8_t oz[] = { NAME_S5, PACKAGE, 0x06, 0x04, 0x01, 0x00, 0x00, 0x00 };
    check_s5(oz, sizeof oz, 1, 0);
    /* A one-element package (b absent): a only, b 0. */
    const uint8_t one[] = { NAME_S5, PACKAGE, 0x04, 0x01, 0x0a, 0x07 };
    check_s5(one, sizeof one, 7, 0);
}

static void test_s5_root_prefix(void **state)
{
    (void)state;
    /* Name(\_S5_, ...): NameOp, RootChar '\', NameSeg. */
    const uint8_t aml[] = { 0x08, '\\', '_', 'S', '5', '_', PACKAGE, 0x06, 0x04, 0x0a, 0x02, 0x01, 0x00 };
    check_s5(aml, sizeof aml, 2, 1);
}

static void test_s5_two_byte_pkglength(void **state)
{
    (void)state;
    /* PkgLength 9 written in two bytes (lead 0x40 | 9, then 0x00): the elements start one byte
     * later than with the one-byte form. */
    const uint8_t aml[] = { NAME_S5, PACKAGE, 0x49, 0x00, 0x04, 0x0a, 0x03, 0x0a, 0x04, 0x00, 0x00 };
    check_s5(aml, sizeof aml, 3, 4);
}

static void test_s5_in_context(void **state)
{
    (void)state;
    /* The real layout: Scope(\){ Name(_S3_, {1,1,0,0}) Name(_S4_, {2,2,0,0}) Name(_S5_, {0,0,0,0}) }.
     * _S3_/_S4_ must not be taken for _S5_; (0, 0) must still come out as found. */
    const uint8_t aml[] = {
        0x10, 0x29, '\\', 0x00,
        0x08, '_', 'S', '3', '_', PACKAGE, 0x06, 0x04, 0x01, 0x01, 0x00, 0x00,
        0x08, '_', 'S', '4', '_', PACKAGE, 0x08, 0x04, 0x0a, 0x02, 0x0a, 0x02, 0x00, 0x00,
        NAME_S5, PACKAGE, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00,
    };
    check_s5(aml, sizeof aml, 0, 0);
}

static void test_s5_not_a_name(void **state)
{
    (void)state;
    uint8_t a, b;
    /* String "_S5_" (StringPrefix ... NUL), and "\_S5_" as a string. */
    const uint8_t str[] = { 0x0d, '_', 'S', '5', '_', 0x00, PACKAGE, 0x06, 0x04, 0x01, 0x01, 0x00, 0x00 };
    assert_false(s5_exact(str, sizeof str, &a, &b));
    const uint8_t rstr[] = { 0x0d, '\\', '_', 'S', '5', '_', PACKAGE, 0x06, 0x04, 0x01, 0x01, 0x00, 0x00 };
    assert_false(s5_exact(rstr, sizeof rstr, &a, &b));
    /* Store(_S5_, Local0): a reference, not a definition. */
    const uint8_t ref[] = { 0x70, '_', 'S', '5', '_', 0x60 };
    assert_false(s5_exact(ref, sizeof ref, &a, &b));
    /* Name(_S5_, 5): a name, but not a package. */
    const uint8_t notpkg[] = { NAME_S5, 0x0a, 0x05 };
    assert_false(s5_exact(notpkg, sizeof notpkg, &a, &b));
    /* A package whose first element is not an integer (a string). */
    const uint8_t strelem[] = { NAME_S5, PACKAGE, 0x07, 0x02, 0x0d, 'x', 0x00, 0x00 };
    assert_false(s5_exact(strelem, sizeof strelem, &a, &b));
    /* A false candidate first, then the real one: the scan goes on past the first. */
    const uint8_t both[] = { 0x0d, '_', 'S', '5', '_', 0x00, NAME_S5, PACKAGE, 0x06, 0x04, 0x01, 0x00, 0x00, 0x00 };
    check_s5(both, sizeof both, 1, 0);
    /* Nothing at all. */
    assert_false(s5_exact(NULL, 0, &a, &b));
}

/* Every prefix of a good definition: never a read past the end (ASan), not found while the
 * first element is incomplete, and once it is complete, a right even if b was cut off. */
static void check_s5_prefixes(const uint8_t *aml, size_t len, size_t a_end, uint8_t want_a, uint8_t want_b)
{
    check_s5(aml, len, want_a, want_b);
    for (size_t n = 0; n < len; n++) {
        uint8_t a = 0xee, b = 0xee;
        bool found = s5_exact(aml, n, &a, &b);
        if (n < a_end)
            assert_false(found);
        else if (found)
            assert_int_equal(a, want_a);
    }
}

static void test_s5_truncated(void **state)
{
    (void)state;
    /* Root prefix, 2-byte PkgLength, DWord then QWord elements: a ends at byte 15. */
    const uint8_t dq[] = { 0x08, '\\', '_', 'S', '5', '_', PACKAGE, 0x4b, 0x00, 0x04, 0x0c, 0x05, 0x00, 0x00, 0x00,
                           0x0e, 0x06, 0, 0, 0, 0, 0, 0, 0 };
    check_s5_prefixes(dq, sizeof dq, 15, 5, 6);
    /* Byte then Word elements: a ends at byte 10. */
    const uint8_t bw[] = { NAME_S5, PACKAGE, 0x07, 0x02, 0x0a, 0x03, 0x0b, 0x04, 0x00 };
    check_s5_prefixes(bw, sizeof bw, 10, 3, 4);
    /* A 4-byte PkgLength (lead 0xc0 | 9, three more bytes): a is bytes 11-12. */
    const uint8_t pkg4[] = { NAME_S5, PACKAGE, 0xc9, 0x00, 0x00, 0x00, 0x02, 0x0a, 0x03, 0x0a, 0x04 };
    check_s5_prefixes(pkg4, sizeof pkg4, 13, 3, 4);
}

#define NAME_CBA '_', 'C', 'B', 'A'

static void check_cba(const uint8_t *aml, size_t len, uint64_t want)
{
    uint64_t cba = 0xdeadbeef;
    assert_true(cba_exact(aml, len, &cba));
    assert_int_equal(cba, want);
    /* Every shorter prefix cuts the value: not found, and no read past the end. */
    for (size_t n = 0; n < len; n++) {
        cba = 0xdeadbeef;
        assert_false(cba_exact(aml, n, &cba));
    }
}

static void test_cba_name(void **state)
{
    (void)state;
    /* Name(_CBA, 0xE0000000) and Name(_CBA, 0x000000C000000000) */
    const uint8_t dword[] = { 0x08, NAME_CBA, 0x0c, 0x00, 0x00, 0x00, 0xe0 };
    check_cba(dword, sizeof dword, 0xe0000000);
    const uint8_t qword[] = { 0x08, NAME_CBA, 0x0e, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x00, 0x00 };
    check_cba(qword, sizeof qword, 0xc000000000);
}

static void test_cba_method(void **state)
{
    (void)state;
    /* microvm's own bytes: Method(_CBA, 0, NotSerialized){ Return(0xE0000000) } */
    const uint8_t dword[] = { 0x14, 0x0c, NAME_CBA, 0x00, 0xa4, 0x0c, 0x00, 0x00, 0x00, 0xe0 };
    check_cba(dword, sizeof dword, 0xe0000000);
    /* Return(QWord) */
    const uint8_t qword[] = { 0x14, 0x10, NAME_CBA, 0x00, 0xa4, 0x0e, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00 };
    check_cba(qword, sizeof qword, 0x4000000000);
    /* The same with a two-byte PkgLength (17 = lead 0x41, then 0x01). */
    const uint8_t pkg2[] = { 0x14, 0x41, 0x01, NAME_CBA, 0x00, 0xa4, 0x0e, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00 };
    check_cba(pkg2, sizeof pkg2, 0x4000000000);
}

static void test_cba_not_found(void **state)
{
    (void)state;
    uint64_t cba;
    /* A string "_CBA", a method that returns a local (not a constant), a call to _CBA. */
    const uint8_t str[] = { 0x0d, NAME_CBA, 0x00, 0x0c, 0x00, 0x00, 0x00, 0xe0 };
    assert_false(cba_exact(str, sizeof str, &cba));
    const uint8_t local[] = { 0x14, 0x08, NAME_CBA, 0x00, 0xa4, 0x60 };
    assert_false(cba_exact(local, sizeof local, &cba));
    const uint8_t call[] = { 0x70, NAME_CBA, 0x60 };
    assert_false(cba_exact(call, sizeof call, &cba));
    /* Name(_CBA, Zero), Name(_CBA, 0x1234): no ECAM base is 0 or off a 1 MiB boundary. */
    const uint8_t zero[] = { 0x08, NAME_CBA, 0x00 };
    assert_false(cba_exact(zero, sizeof zero, &cba));
    const uint8_t odd[] = { 0x08, NAME_CBA, 0x0b, 0x34, 0x12 };
    assert_false(cba_exact(odd, sizeof odd, &cba));
    assert_false(cba_exact(NULL, 0, &cba));
}

static void test_cba_method_pkglength_is_nameop(void **state)
{
    (void)state;
    uint64_t cba = 0xdeadbeef;
    /* Regression: a Method(_CBA) whose PkgLength ends in byte 0x08 (NameOp), here a 0x81-byte
     * method (PkgLength 0x41 0x08) that computes its value, looked like Name(_CBA, Zero) through
     * its flags byte 0x00, and the scan reported ECAM at 0. */
    uint8_t big[0x82] = { 0x14, 0x41, 0x08, NAME_CBA, 0x00, 0x70 /* Store(...) */ };
    assert_false(cba_exact(big, sizeof big, &cba));
    /* The one-byte form: Method(_CBA){ Return(Local0) } is exactly 8 bytes long. */
    const uint8_t small[] = { 0x14, 0x08, NAME_CBA, 0x00, 0xa4, 0x60 };
    assert_false(cba_exact(small, sizeof small, &cba));
    /* And such a method must not hide a real _CBA after it. */
    const uint8_t then_name[] = { 0x14, 0x08, NAME_CBA, 0x00, 0xa4, 0x60, 0x08, NAME_CBA, 0x0c, 0x00, 0x00, 0x00, 0xe0 };
    assert_true(cba_exact(then_name, sizeof then_name, &cba));
    assert_int_equal(cba, 0xe0000000);
}

static void test_cba_real_dsdts(void **state)
{
    /* The scan over the real q35 DSDT (which has no _CBA) finds none. */
    struct fake_mem *m = *state;
    const struct blob *dsdt = blob(m, "DSDT");
    uint64_t cba;
    assert_false(cba_exact(dsdt->data + 36, dsdt->len - 36, &cba));
}

/* ---- checksums ---- */

static void test_checksum_basics(void **state)
{
    struct fake_mem *m = *state;
    const uint8_t zero[] = { 0x00 }, one[] = { 0x01 }, pair[] = { 0x01, 0xff }, wrap[] = { 0x80, 0x80, 0x12, 0xee };
    assert_true(acpi_checksum_ok(zero, 0)); /* an empty sum is zero */
    assert_true(acpi_checksum_ok(zero, 1));
    assert_false(acpi_checksum_ok(one, 1));
    assert_true(acpi_checksum_ok(pair, 2));
    assert_false(acpi_checksum_ok(pair, 1)); /* only len bytes count */
    assert_true(acpi_checksum_ok(wrap, 4));  /* the sum is modulo 256 */

    /* Every real table sums to zero, and any single changed byte breaks that. */
    for (size_t i = 0; i < m->count; i++) {
        struct blob *b = &m->blobs[i];
        size_t len = strcmp(b->sig, "RSDP") == 0 ? 20 : b->len;
        assert_true(acpi_checksum_ok(b->data, len));
        b->data[len / 2] ^= 0x04;
        assert_false(acpi_checksum_ok(b->data, len));
        b->data[len / 2] ^= 0x04;
    }
}

/* A MADT as QEMU writes one for -smp 4 with a hole (CPU 2 absent: maxcpus), and what firmware
 * may add: an x2APIC entry for an ID already listed, one beyond 254, an address override. */
static void test_madt_cpus_and_apic_ids(void **state)
{
    (void)state;
    uint8_t t[200] = { 0 };
    uint32_t len = 44;
    put32(t + 36, 0xfee00000);
    const uint8_t lapics[][8] = {
        { 0, 8, 0, 0, 1, 0, 0, 0 }, { 0, 8, 1, 1, 1, 0, 0, 0 }, { 0, 8, 2, 2, 0, 0, 0, 0 }, /* disabled */
        { 0, 8, 3, 3, 1, 0, 0, 0 },
    };
    for (unsigned i = 0; i < 4; i++, len += 8)
        memcpy(t + len, lapics[i], 8);
    uint8_t x2[16] = { 9, 16, 0, 0 };
    put32(x2 + 4, 3); /* the same CPU as APIC ID 3 */
    put32(x2 + 8, 1);
    memcpy(t + len, x2, 16);
    len += 16;
    put32(x2 + 4, 300);
    memcpy(t + len, x2, 16);
    len += 16;
    struct acpi_info info;
    memset(&info, 0, sizeof info);
    acpi_parse_madt(t, len, &info);
    assert_int_equal(info.cpu_count, 4);
    assert_int_equal(info.cpu_apic_id[0], 0);
    assert_int_equal(info.cpu_apic_id[1], 1);
    assert_int_equal(info.cpu_apic_id[2], 3);
    assert_int_equal(info.cpu_apic_id[3], 300);
    assert_false(info.cpu_x2apic[2]);
    assert_true(info.cpu_x2apic[3]);
    assert_int_equal(info.lapic_base, 0xfee00000);
    /* Type 5 overrides the 32-bit address; an entry running past the table ends the walk. */
    uint8_t over[12] = { 5, 12, 0, 0 };
    put32(over + 4, 0x00000000);
    put32(over + 8, 0x1); /* 0x1_0000_0000 */
    memcpy(t + len, over, 12);
    memset(&info, 0, sizeof info);
    acpi_parse_madt(t, len + 12, &info);
    assert_int_equal(info.lapic_base, 0x100000000ull);
    t[len + 1] = 40;
    memset(&info, 0, sizeof info);
    acpi_parse_madt(t, len + 12, &info);
    assert_int_equal(info.lapic_base, 0xfee00000);
    assert_int_equal(info.cpu_count, 4);
    /* Shorter than its fixed part: nothing. */
    memset(&info, 0, sizeof info);
    acpi_parse_madt(t, 43, &info);
    assert_int_equal(info.cpu_count, 0);
    assert_int_equal(info.lapic_base, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_madt_cpus_and_apic_ids),
        cmocka_unit_test_setup_teardown(test_pc_seabios, setup_pc, teardown),
        cmocka_unit_test_setup_teardown(test_q35_seabios, setup_q35, teardown),
        cmocka_unit_test_setup_teardown(test_q35_qboot, setup_q35_qboot, teardown),
        cmocka_unit_test_setup_teardown(test_microvm_qboot, setup_microvm, teardown),

        cmocka_unit_test_setup_teardown(test_rsdp_scan_pc, setup_pc, teardown),
        cmocka_unit_test_setup_teardown(test_rsdp_scan_q35_qboot, setup_q35_qboot, teardown),
        cmocka_unit_test_setup_teardown(test_rsdp_scan_microvm, setup_microvm, teardown),
        cmocka_unit_test_setup_teardown(test_rsdp_scan_skips_unaligned, setup_pc, teardown),
        cmocka_unit_test_setup_teardown(test_rsdp_v2_bad_extended_checksum, setup_microvm, teardown),
        cmocka_unit_test_setup_teardown(test_rsdp_v2_bad_length, setup_microvm, teardown),

        cmocka_unit_test_setup_teardown(test_root_checksum_broken, setup_pc, teardown),
        cmocka_unit_test_setup_teardown(test_xsdt_checksum_broken, setup_microvm, teardown),
        cmocka_unit_test_setup_teardown(test_root_length_lies, setup_pc, teardown),
        cmocka_unit_test_setup_teardown(test_madt_checksum_broken, setup_pc, teardown),
        cmocka_unit_test_setup_teardown(test_mcfg_checksum_broken, setup_q35, teardown),
        cmocka_unit_test_setup_teardown(test_fadt_checksum_broken, setup_pc, teardown),
        cmocka_unit_test_setup_teardown(test_fadt_x_dsdt_wins, setup_q35, teardown),
        cmocka_unit_test_setup_teardown(test_table_length_lies, setup_pc, teardown),
        cmocka_unit_test_setup_teardown(test_madt_length_shorter, setup_pc, teardown),
        cmocka_unit_test_setup_teardown(test_madt_disabled_cpu, setup_pc, teardown),
        cmocka_unit_test_setup_teardown(test_dsdt_length_lies, setup_microvm, teardown),
        cmocka_unit_test_setup_teardown(test_too_many_tables, setup_pc, teardown),
        cmocka_unit_test_setup_teardown(test_no_rsdp, setup_pc, teardown),

        cmocka_unit_test(test_s5_byteprefix),
        cmocka_unit_test(test_s5_zero_one_ops),
        cmocka_unit_test(test_s5_root_prefix),
        cmocka_unit_test(test_s5_two_byte_pkglength),
        cmocka_unit_test(test_s5_in_context),
        cmocka_unit_test(test_s5_not_a_name),
        cmocka_unit_test(test_s5_truncated),
        cmocka_unit_test(test_cba_name),
        cmocka_unit_test(test_cba_method),
        cmocka_unit_test(test_cba_not_found),
        cmocka_unit_test(test_cba_method_pkglength_is_nameop),
        cmocka_unit_test_setup_teardown(test_cba_real_dsdts, setup_q35, teardown),

        cmocka_unit_test_setup_teardown(test_checksum_basics, setup_microvm, teardown),
    };
    return cmocka_run_group_tests_name("acpi", tests, NULL, NULL);
}
