/* Memory-map normalisation and the choice of the heap range (boot/memmap.c). */
#include <string.h>

#include "lib/memmap.h"
#include "test_support.h"

#define RAM MEMMAP_RAM
#define RES MEMMAP_RESERVED

static void expect(const struct memmap_entry *got, int n, const struct memmap_entry *want, int want_n)
{
    assert_int_equal(n, want_n);
    for (int i = 0; i < want_n; i++) {
        assert_int_equal(got[i].base, want[i].base);
        assert_int_equal(got[i].length, want[i].length);
        assert_int_equal(got[i].type, want[i].type);
    }
}

static void test_sorts_and_drops_zero_length(void **state)
{
    (void)state;
    /* qboot gives the 1 MiB RAM entry last; microvm ends its map with an all-zero entry. */
    struct memmap_entry m[8] = {
        { 0x0, 0x9fc00, RAM }, { 0xf0000, 0x10000, RES }, { 0x100000, 0xff00000, RAM }, { 0, 0, 0 },
        { 0x9fc00, 0x400, RES },
    };
    struct memmap_entry unsorted[8] = { m[2], m[3], m[1], m[0], m[4] };
    const struct memmap_entry want[] = {
        { 0x0, 0x9fc00, RAM }, { 0x9fc00, 0x400, RES }, { 0xf0000, 0x10000, RES }, { 0x100000, 0xff00000, RAM },
    };
    expect(unsorted, memmap_normalise(unsorted, 5, 8), want, 4);
}

static void test_overlap_reserved_wins(void **state)
{
    (void)state;
    /* A reserved hole punched into RAM splits it; the reserved part never becomes RAM. */
    struct memmap_entry m[8] = { { 0x100000, 0x900000, RAM }, { 0x400000, 0x100000, RES } };
    const struct memmap_entry want[] = {
        { 0x100000, 0x300000, RAM }, { 0x400000, 0x100000, RES }, { 0x500000, 0x500000, RAM },
    };
    expect(m, memmap_normalise(m, 2, 8), want, 3);
}

static void test_overlap_ranks(void **state)
{
    (void)state;
    /* ACPI over RAM, NVS over ACPI, unknown type 12 counts as reserved, unusable over all. */
    struct memmap_entry m[12] = {
        { 0x0, 0x1000, RAM },
        { 0x800, 0x1000, MEMMAP_ACPI_RECLAIMABLE },
        { 0x1000, 0x1000, MEMMAP_ACPI_NVS },
        { 0x1800, 0x1000, 12 },
        { 0x2000, 0x100, MEMMAP_UNUSABLE },
    };
    const struct memmap_entry want[] = {
        { 0x0, 0x800, RAM },
        { 0x800, 0x800, MEMMAP_ACPI_RECLAIMABLE },
        { 0x1000, 0x800, MEMMAP_ACPI_NVS },
        { 0x1800, 0x800, 12 },
        { 0x2000, 0x100, MEMMAP_UNUSABLE },
        { 0x2100, 0x700, 12 },
    };
    expect(m, memmap_normalise(m, 5, 12), want, 6);
}

static void test_merges_adjacent_and_duplicates(void **state)
{
    (void)state;
    struct memmap_entry m[8] = {
        { 0x1000, 0x1000, RAM }, { 0x2000, 0x1000, RAM }, { 0x1000, 0x2000, RAM }, { 0x3000, 0x1000, RES },
    };
    const struct memmap_entry want[] = { { 0x1000, 0x2000, RAM }, { 0x3000, 0x1000, RES } };
    expect(m, memmap_normalise(m, 4, 8), want, 2);
}

static void test_end_past_2_64_is_clipped(void **state)
{
    (void)state;
    struct memmap_entry m[4] = { { 0xfffffffffffff000ull, 0x2000, RES }, { 0x0, 0x1000, RAM } };
    int n = memmap_normalise(m, 2, 4);
    assert_int_equal(n, 2);
    assert_int_equal(m[1].base, 0xfffffffffffff000ull);
    assert_int_equal(m[1].length, 0xfffull);
}

static void test_capacity_overflow_is_an_error(void **state)
{
    (void)state;
    /* Three reserved holes in one RAM range need five entries; three do not suffice. */
    struct memmap_entry m[4] = {
        { 0x0, 0x10000, RAM }, { 0x1000, 0x1000, RES }, { 0x4000, 0x1000, RES }, { 0x8000, 0x1000, RES }
    };
    assert_int_equal(memmap_normalise(m, 4, 4), -1);
    assert_int_equal(memmap_normalise(m, 5, 4), -1); /* count above capacity */
}

static void test_type_names_and_totals(void **state)
{
    (void)state;
    char buf[16];
    assert_string_equal(memmap_type_name(RAM, buf), "RAM");
    assert_string_equal(memmap_type_name(MEMMAP_ACPI_NVS, buf), "ACPI NVS");
    assert_string_equal(memmap_type_name(12, buf), "type 12");
    const struct memmap_entry m[] = { { 0, 0x1000, RAM }, { 0x1000, 0x10, RES }, { 0x2000, 0x3000, RAM } };
    assert_int_equal(memmap_total(m, 3, RAM), 0x4000);
    assert_int_equal(memmap_total(m, 3, RES), 0x10);
}

static void test_largest_free_avoids_exclusions(void **state)
{
    (void)state;
    const struct memmap_entry m[] = {
        { 0x0, 0x9fc00, RAM }, { 0x100000, 0xfee0000, RAM }, { 0x100000000ull, 0x40000000, RAM },
    };
    /* Kernel up to 0x200000, a module in the middle of RAM at 0x8000000. */
    const struct memmap_range excl[] = { { 0x0, 0x200000 }, { 0x8000000, 0x8001000 } };
    struct memmap_range out;
    assert_true(memmap_largest_free(m, 3, excl, 2, 0x100000, 0x100000000ull, &out));
    assert_int_equal(out.base, 0x8001000);
    assert_int_equal(out.end, 0xffe0000);
    /* Exclusions that overlap each other and cover a whole range. */
    const struct memmap_range excl2[] = { { 0x0, 0x5000000 }, { 0x4000000, 0xffe0000 } };
    assert_false(memmap_largest_free(m, 2, excl2, 2, 0x100000, 0x100000000ull, &out));
    /* The upper limit clips the range above 4 GiB away. */
    assert_true(memmap_largest_free(m, 3, NULL, 0, 0x100000, 0x100000000ull, &out));
    assert_int_equal(out.base, 0x100000);
    assert_int_equal(out.end, 0xffe0000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sorts_and_drops_zero_length),
        cmocka_unit_test(test_overlap_reserved_wins),
        cmocka_unit_test(test_overlap_ranks),
        cmocka_unit_test(test_merges_adjacent_and_duplicates),
        cmocka_unit_test(test_end_past_2_64_is_clipped),
        cmocka_unit_test(test_capacity_overflow_is_an_error),
        cmocka_unit_test(test_type_names_and_totals),
        cmocka_unit_test(test_largest_free_avoids_exclusions),
    };
    return cmocka_run_group_tests_name("memmap", tests, NULL, NULL);
}
