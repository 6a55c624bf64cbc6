/*
 * ACPI tables (acpi_parse, drivers/acpi/acpi.h) in a fake physical memory built from the input,
 * and the AML scans (acpi_aml_find_s5, acpi_aml_find_cba) on raw bytes.
 *
 * Input: u8 flags, u32 RSDP address, then up to 8 blobs, each u32 address, u16 length and that
 * many bytes (fewer at the input's end). Each blob is an exact-size allocation and the map
 * callback hands out only ranges inside one blob, so a table read past what its own length
 * covers is an ASan report. Flags bit 0: fix the SDT checksum (byte 9) of every blob that looks
 * like a table, bit 1: fix the RSDP checksums; without them the fuzzer would rarely get past
 * the checksum checks. The whole input is also scanned as AML.
 */
#include "drivers/acpi/acpi.h"
#include "fuzz_input.h"

#define FUZZ_ACPI_MAX_BLOBS 8
#define FUZZ_ERR_LEN 200

struct fuzz_blob {
    uint64_t addr;
    uint8_t *data;
    size_t len;
};

struct fuzz_mem {
    struct fuzz_blob blobs[FUZZ_ACPI_MAX_BLOBS];
    size_t count;
};

/* [addr, addr + len) inside one blob, with no wrap-around; else unmapped. */
static const uint8_t *fuzz_map(void *ctx, uint64_t addr, size_t len)
{
    const struct fuzz_mem *m = ctx;
    for (size_t i = 0; i < m->count; i++) {
        const struct fuzz_blob *b = &m->blobs[i];
        if (addr >= b->addr && addr - b->addr <= b->len && len <= b->len - (addr - b->addr))
            return b->data + (addr - b->addr);
    }
    return NULL;
}

static uint32_t fuzz_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Set p[at] so that the len bytes at p sum to zero. */
static void fuzz_fix_checksum(uint8_t *p, size_t len, size_t at)
{
    uint8_t sum = 0;
    p[at] = 0;
    for (size_t i = 0; i < len; i++)
        sum = (uint8_t)(sum + p[i]);
    p[at] = (uint8_t)-sum;
}

static void fuzz_fix_checksums(struct fuzz_blob *b, uint8_t flags)
{
    if (b->len >= 20 && memcmp(b->data, "RSD PTR ", 8) == 0) {
        if (!(flags & 2))
            return;
        fuzz_fix_checksum(b->data, 20, 8);
        uint32_t length = b->len >= 36 ? fuzz_le32(b->data + 20) : 0;
        if (b->data[15] >= 2 && length >= 36 && length <= b->len)
            fuzz_fix_checksum(b->data, length, 32);
        return;
    }
    if ((flags & 1) && b->len >= 36) {
        uint32_t length = fuzz_le32(b->data + 4);
        if (length >= 36 && length <= b->len)
            fuzz_fix_checksum(b->data, length, 9);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = { data, size };
    uint8_t flags = fuzz_u8(&in);
    uint64_t rsdp = fuzz_u32(&in);
    struct fuzz_mem m = { .count = 0 };
    while (in.left >= 6 && m.count < FUZZ_ACPI_MAX_BLOBS) {
        struct fuzz_blob *b = &m.blobs[m.count++];
        b->addr = fuzz_u32(&in);
        size_t want = fuzz_u16(&in);
        const uint8_t *p = fuzz_bytes(&in, want, &b->len);
        b->data = fuzz_copy(p, b->len);
        fuzz_fix_checksums(b, flags);
    }

    const struct acpi_memory mem = { fuzz_map, &m };
    struct acpi_info *info = malloc(sizeof *info);
    char *err = malloc(FUZZ_ERR_LEN);
    FUZZ_CHECK(info != NULL && err != NULL);
    err[0] = '\0';
    if (acpi_parse(&mem, rsdp, info, err, FUZZ_ERR_LEN) == 0) {
        FUZZ_CHECK(info->table_count <= ACPI_MAX_TABLES && info->mcfg_count <= ACPI_MAX_MCFG);
        for (size_t i = 0; i < info->table_count; i++)
            FUZZ_CHECK(fuzz_is_c_string(info->tables[i].signature, sizeof info->tables[i].signature));
        for (size_t i = 0; i < info->mcfg_count; i++)
            FUZZ_CHECK(info->mcfg[i].base != 0 && info->mcfg[i].bus_start <= info->mcfg[i].bus_end);
        FUZZ_CHECK(!info->have_s5 || (info->s5_slp_typ_a <= 7 && info->s5_slp_typ_b <= 7));
        FUZZ_CHECK(!info->have_cba || (info->cba != 0 && (info->cba & 0xfffff) == 0));
        FUZZ_CHECK(fuzz_is_c_string(info->oem_id, sizeof info->oem_id));
        (void)acpi_find_table(info, "FACP");
    } else {
        FUZZ_CHECK(err[0] != '\0' && fuzz_is_c_string(err, FUZZ_ERR_LEN));
    }
    /* A short scan around the RSDP: how the kernel finds it without a boot-loader hint. */
    uint64_t found = acpi_rsdp_scan(&mem, rsdp & ~(uint64_t)15, 64);
    FUZZ_CHECK(found == 0 || acpi_rsdp_valid(&mem, found));

    /* The AML scans on the raw input: a DSDT body is device-provided bytes of any shape. */
    uint8_t *aml = fuzz_copy(data, size);
    uint8_t a = 0xff, b = 0xff;
    if (acpi_aml_find_s5(aml, size, &a, &b))
        FUZZ_CHECK(a <= 7 && b <= 7);
    uint64_t cba = 0;
    if (acpi_aml_find_cba(aml, size, &cba))
        FUZZ_CHECK(cba != 0 && (cba & 0xfffff) == 0);
    free(aml);

    free(err);
    free(info);
    for (size_t i = 0; i < m.count; i++)
        free(m.blobs[i].data);
    return 0;
}
