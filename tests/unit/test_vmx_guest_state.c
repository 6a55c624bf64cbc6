/* The VMX segment-state rules lunbench checks itself against at boot (lib/vmx_guest_state.c). */
#include <stdio.h>
#include <string.h>

#include "lib/vmx_guest_state.h"
#include "test_support.h"

/* lunbench's own GDT (boot/entry.S's template, then a busy 64-bit TSS at 0x28). */
static const uint64_t good_gdt[7] = {
    0, 0x00AF9B000000FFFFull, 0x00CF93000000FFFFull, 0x00CFF3000000FFFFull, 0x00AFFB000000FFFFull,
    0x00008B0000000067ull, 0,
};

struct lines {
    unsigned n;
    char last[200];
};

static void collect(void *ctx, const char *line)
{
    struct lines *l = ctx;
    l->n++;
    snprintf(l->last, sizeof l->last, "%s", line);
}

static unsigned check(const uint64_t *gdt, const uint16_t sel[VMX_SEGMENTS], struct lines *l)
{
    struct vmx_segment seg[VMX_SEGMENTS];
    for (unsigned i = 0; i < VMX_SEGMENTS; i++)
        seg[i] = vmx_segment_from_gdt(gdt, 7 * 8 - 1, sel[i]);
    memset(l, 0, sizeof *l);
    return vmx_check_guest_state(seg, collect, l);
}

static const uint16_t ring0[VMX_SEGMENTS] = { 0x08, 0x10, 0x10, 0x10, 0x10, 0x10, 0x28, 0 };
static const uint16_t ring3[VMX_SEGMENTS] = { 0x23, 0x1b, 0x1b, 0x1b, 0x1b, 0x1b, 0x28, 0 };
/* After an exception from ring 3 the CPU loads SS with a null selector: unusable, allowed. */
static const uint16_t ring0_after_trap[VMX_SEGMENTS] = { 0x08, 0x00, 0x1b, 0x1b, 0x1b, 0x1b, 0x28, 0 };

static void test_lunbench_state_holds(void **state)
{
    (void)state;
    struct lines l;
    assert_int_equal(check(good_gdt, ring0, &l), 0);
    assert_int_equal(check(good_gdt, ring3, &l), 0);
    assert_int_equal(check(good_gdt, ring0_after_trap, &l), 0);
}

static void test_accessed_bit_missing(void **state)
{
    (void)state;
    uint64_t gdt[7];
    memcpy(gdt, good_gdt, sizeof gdt);
    gdt[1] &= ~(1ull << 40); /* CS type 0xa: code without the accessed bit */
    struct lines l;
    assert_int_equal(check(gdt, ring0, &l), 1);
    assert_non_null(strstr(l.last, "CS (selector 0x08): type: accessed code"));
    memcpy(gdt, good_gdt, sizeof gdt);
    gdt[2] &= ~(1ull << 40); /* data 0x2: SS type must be 3 or 7, and DS..GS lack accessed */
    assert_int_equal(check(gdt, ring0, &l), 5);
}

static void test_rpl_and_dpl(void **state)
{
    (void)state;
    struct lines l;
    /* Ring 3 code with the kernel's data segment in SS: RPL and DPL both wrong. */
    const uint16_t mixed[VMX_SEGMENTS] = { 0x23, 0x10, 0x1b, 0x1b, 0x1b, 0x1b, 0x28, 0 };
    assert_int_equal(check(good_gdt, mixed, &l), 1);
    assert_non_null(strstr(l.last, "SS (selector 0x10): RPL equal to CS.RPL (is 0, must be 3)"));
    /* CS selector with RPL 0 for a DPL 3 segment. */
    const uint16_t cs_rpl[VMX_SEGMENTS] = { 0x20, 0x00, 0x1b, 0x1b, 0x1b, 0x1b, 0x28, 0 };
    assert_int_equal(check(good_gdt, cs_rpl, &l), 1);
    assert_non_null(strstr(l.last, "non-conforming: DPL equal to RPL (is 3, must be 0)"));
    /* DS with RPL 3 for the DPL 0 segment. */
    const uint16_t ds_rpl[VMX_SEGMENTS] = { 0x08, 0x10, 0x13, 0x10, 0x10, 0x10, 0x28, 0 };
    assert_int_equal(check(good_gdt, ds_rpl, &l), 1);
    assert_non_null(strstr(l.last, "DS (selector 0x13): DPL at least RPL"));
}

static void test_tr_and_ldtr(void **state)
{
    (void)state;
    struct lines l;
    uint64_t gdt[7];
    memcpy(gdt, good_gdt, sizeof gdt);
    gdt[5] = 0x0000890000000067ull; /* available, not busy: ltr never ran */
    assert_int_equal(check(gdt, ring0, &l), 1);
    assert_non_null(strstr(l.last, "TR (selector 0x28): type: busy 64-bit TSS (is 9, must be 11)"));
    const uint16_t no_tr[VMX_SEGMENTS] = { 0x08, 0x10, 0x10, 0x10, 0x10, 0x10, 0x00, 0 };
    assert_int_equal(check(good_gdt, no_tr, &l), 1);
    assert_non_null(strstr(l.last, "TR (selector 0x00): usable"));
    const uint16_t ldt_data[VMX_SEGMENTS] = { 0x08, 0x10, 0x10, 0x10, 0x10, 0x10, 0x28, 0x10 };
    assert_true(check(good_gdt, ldt_data, &l) >= 2); /* a data descriptor: type and S */
    const uint16_t outside[VMX_SEGMENTS] = { 0x08, 0x10, 0x10, 0x10, 0x40, 0x10, 0x28, 0 };
    assert_int_equal(check(good_gdt, outside, &l), 1);
    assert_non_null(strstr(l.last, "FS (selector 0x40): selector inside the GDT"));
}

static void test_code_flags(void **state)
{
    (void)state;
    struct lines l;
    uint64_t gdt[7];
    memcpy(gdt, good_gdt, sizeof gdt);
    gdt[1] = 0x00CF9B000000FFFFull; /* 32-bit code (L=0, D=1) as CS in IA-32e mode */
    assert_int_equal(check(gdt, ring0, &l), 1);
    assert_non_null(strstr(l.last, "L (64-bit code"));
    memcpy(gdt, good_gdt, sizeof gdt);
    gdt[1] = 0x00EF9B000000FFFFull; /* L and D both set */
    assert_int_equal(check(gdt, ring0, &l), 1);
    memcpy(gdt, good_gdt, sizeof gdt);
    gdt[2] &= ~(1ull << 47); /* data not present: SS, DS, ES, FS, GS */
    assert_int_equal(check(gdt, ring0, &l), 5);
    memcpy(gdt, good_gdt, sizeof gdt);
    gdt[2] = 0x004F93000000FFFFull; /* G=0 with a 64 KiB limit: allowed */
    assert_int_equal(check(gdt, ring0, &l), 0);
    gdt[2] = 0x008F9300000FF000ull; /* G=1 with limit bits 11:0 of the scaled limit set: fine */
    assert_int_equal(check(gdt, ring0, &l), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lunbench_state_holds),
        cmocka_unit_test(test_accessed_bit_missing),
        cmocka_unit_test(test_rpl_and_dpl),
        cmocka_unit_test(test_tr_and_ldtr),
        cmocka_unit_test(test_code_flags),
    };
    return cmocka_run_group_tests_name("vmx_guest_state", tests, NULL, NULL);
}
