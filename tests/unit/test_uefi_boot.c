/* The pure half of the UEFI entry (lib/uefi_boot.c): memory types, map conversion, and
 * ExitBootServices with the map-key retry against a fake boot-services table. */
#include <string.h>

#include "lib/uefi_boot.h"
#include "tests/unit/test_support.h"

#define DESC 48 /* OVMF's descriptor size: larger than the 40 bytes of the structure */

static void put_desc(uint8_t *map, unsigned i, uint32_t type, uint64_t start, uint64_t pages)
{
    uint8_t *d = map + i * DESC;
    memset(d, 0xa5, DESC); /* padding and fields we do not read: garbage */
    memcpy(d + UEFI_DESC_TYPE, &type, 4);
    memcpy(d + UEFI_DESC_PHYSICAL_START, &start, 8);
    memcpy(d + UEFI_DESC_NUMBER_OF_PAGES, &pages, 8);
}

static void test_memory_types(void **state)
{
    (void)state;
    const struct { uint32_t efi, e820; } cases[] = {
        { UEFI_CONVENTIONAL, MEMMAP_RAM },          { UEFI_BOOT_SERVICES_CODE, MEMMAP_RAM },
        { UEFI_BOOT_SERVICES_DATA, MEMMAP_RAM },    { UEFI_LOADER_CODE, MEMMAP_RAM },
        { UEFI_LOADER_DATA, MEMMAP_RAM },           { UEFI_ACPI_RECLAIM, MEMMAP_ACPI_RECLAIMABLE },
        { UEFI_ACPI_NVS, MEMMAP_ACPI_NVS },         { UEFI_UNUSABLE, MEMMAP_UNUSABLE },
        { UEFI_RESERVED, MEMMAP_RESERVED },         { UEFI_RUNTIME_SERVICES_CODE, MEMMAP_RESERVED },
        { UEFI_RUNTIME_SERVICES_DATA, MEMMAP_RESERVED }, { 11 /* MMIO */, MEMMAP_RESERVED },
        { 14 /* persistent */, MEMMAP_RESERVED },   { 0x80000000u /* OEM */, MEMMAP_RESERVED },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(uefi_memmap_type(cases[i].efi), cases[i].e820);
}

static void test_convert_merges_and_bounds(void **state)
{
    (void)state;
    uint8_t map[8 * DESC];
    put_desc(map, 0, UEFI_CONVENTIONAL, 0, 160);
    put_desc(map, 1, UEFI_BOOT_SERVICES_DATA, 0x100000, 256);  /* RAM next to nothing: new entry */
    put_desc(map, 2, UEFI_LOADER_CODE, 0x200000, 256);         /* RAM right after: merged */
    put_desc(map, 3, UEFI_RUNTIME_SERVICES_DATA, 0x300000, 16);
    put_desc(map, 4, UEFI_ACPI_NVS, 0x310000, 1);
    put_desc(map, 5, UEFI_CONVENTIONAL, 0x311000, 0xfff);
    struct memmap_entry out[8];
    size_t dropped;
    /* A trailing partial descriptor (size not a multiple of the stride) is not read. */
    assert_int_equal(uefi_memmap_convert(map, 6 * DESC + 20, DESC, out, 8, &dropped), 5);
    assert_int_equal(dropped, 0);
    assert_int_equal(out[0].base, 0);
    assert_int_equal(out[0].length, 160 * 4096);
    assert_int_equal(out[1].base, 0x100000);
    assert_int_equal(out[1].length, 512 * 4096);
    assert_int_equal(out[1].type, MEMMAP_RAM);
    assert_int_equal(out[2].type, MEMMAP_RESERVED);
    assert_int_equal(out[3].type, MEMMAP_ACPI_NVS);
    assert_int_equal(out[4].length, 0xfffull * 4096);
    /* Room for 2: the rest is dropped and counted. */
    assert_int_equal(uefi_memmap_convert(map, 6 * DESC, DESC, out, 2, &dropped), 2);
    assert_int_equal(dropped, 3);
    /* A descriptor size below the structure's is refused, an empty map is empty. */
    assert_int_equal(uefi_memmap_convert(map, 6 * DESC, 24, out, 8, &dropped), -1);
    assert_int_equal(uefi_memmap_convert(map, 0, DESC, out, 8, &dropped), 0);
    /* A page count that would overflow the length saturates. */
    put_desc(map, 0, UEFI_CONVENTIONAL, 0, UINT64_MAX / 1024);
    assert_int_equal(uefi_memmap_convert(map, DESC, DESC, out, 8, &dropped), 1);
    assert_int_equal(out[0].length, UINT64_MAX);
}

/* A fake boot-services table: the map key goes stale `stale` times (something allocated between
 * GetMemoryMap and ExitBootServices), then ExitBootServices takes the current key. */
struct fake_bs {
    unsigned stale, maps, took, exits;
    uint64_t key;
    int fail_map, fail_exit;
};

static int fake_get_map(void *ctx, void *buf, size_t capacity, size_t *size, uint64_t *key, size_t *desc_size)
{
    struct fake_bs *f = ctx;
    if (f->fail_map || capacity < DESC)
        return -1;
    f->maps++;
    put_desc(buf, 0, UEFI_CONVENTIONAL, 0, 1);
    *size = DESC;
    *desc_size = DESC;
    *key = f->key;
    return 0;
}

static void fake_took_map(void *ctx, const void *buf, size_t size, size_t desc_size)
{
    struct fake_bs *f = ctx;
    assert_non_null(buf);
    assert_int_equal(size, DESC);
    assert_int_equal(desc_size, DESC);
    f->took++;
}

static int fake_exit(void *ctx, uint64_t key)
{
    struct fake_bs *f = ctx;
    f->exits++;
    if (f->fail_exit)
        return -1;
    if (f->stale > 0) {
        f->stale--;
        f->key++; /* the map changed: the key handed over is no longer current */
        return 1;
    }
    return key == f->key ? 0 : 1;
}

static const struct uefi_exit_ops fake_ops = { fake_get_map, fake_took_map, fake_exit };

static void test_exit_first_time(void **state)
{
    (void)state;
    struct fake_bs f = { .key = 7 };
    uint8_t buf[4 * DESC];
    const char *why = NULL;
    assert_int_equal(uefi_exit_boot_services(&fake_ops, &f, buf, sizeof buf, 4, &why), 1);
    assert_int_equal(f.maps, 1);
    assert_int_equal(f.took, 1);
    assert_int_equal(f.exits, 1);
}

static void test_stale_key_is_retried_with_a_new_map(void **state)
{
    (void)state;
    struct fake_bs f = { .key = 7, .stale = 2 };
    uint8_t buf[4 * DESC];
    const char *why = NULL;
    assert_int_equal(uefi_exit_boot_services(&fake_ops, &f, buf, sizeof buf, 4, &why), 3);
    assert_int_equal(f.maps, 3); /* the map again before every attempt */
    assert_int_equal(f.took, 3);
    assert_int_equal(f.exits, 3);
}

static void test_exit_gives_up(void **state)
{
    (void)state;
    uint8_t buf[4 * DESC];
    const char *why = NULL;
    struct fake_bs always_stale = { .key = 1, .stale = 100 };
    assert_int_equal(uefi_exit_boot_services(&fake_ops, &always_stale, buf, sizeof buf, 4, &why), -1);
    assert_int_equal(always_stale.exits, 4);
    assert_non_null(strstr(why, "stale on every attempt"));
    struct fake_bs broken = { .key = 1, .fail_exit = 1 };
    assert_int_equal(uefi_exit_boot_services(&fake_ops, &broken, buf, sizeof buf, 4, &why), -1);
    assert_int_equal(broken.exits, 1);
    assert_string_equal(why, "ExitBootServices failed");
    struct fake_bs no_map = { .key = 1, .fail_map = 1 };
    assert_int_equal(uefi_exit_boot_services(&fake_ops, &no_map, buf, sizeof buf, 4, &why), -1);
    assert_int_equal(no_map.exits, 0);
    assert_non_null(strstr(why, "GetMemoryMap failed"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memory_types),
        cmocka_unit_test(test_convert_merges_and_bounds),
        cmocka_unit_test(test_exit_first_time),
        cmocka_unit_test(test_stale_key_is_retried_with_a_new_map),
        cmocka_unit_test(test_exit_gives_up),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
