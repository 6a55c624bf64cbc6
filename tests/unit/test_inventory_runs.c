/* The runs of the compact inventory (drivers/hba/inventory_runs.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "drivers/hba/inventory_runs.h"

static struct lun_info lun(uint8_t hba, uint8_t target, uint16_t n)
{
    struct lun_info l;
    memset(&l, 0, sizeof l);
    l.hba = hba;
    l.target = target;
    l.lun = n;
    l.blocks = 2048;
    l.block_size = 512;
    strcpy(l.vendor, "LUNBENCH");
    strcpy(l.product, "VSCSI TARGET");
    strcpy(l.revision, "0001");
    return l;
}

static void test_runs_break_where_anything_differs(void **state)
{
    (void)state;
    struct lun_info l[12];
    for (uint16_t i = 0; i < 4; i++)
        l[i] = lun(0, 0, i);             /* 0:0:0-3: one run */
    l[4] = lun(0, 0, 5);                 /* a gap in the numbers */
    l[5] = lun(0, 0, 6);
    l[5].blocks = 4096;                  /* another capacity */
    l[6] = lun(0, 0, 7);
    l[6].flags = LUN_FAILED;             /* another state */
    l[7] = lun(0, 1, 8);                 /* another target */
    l[8] = lun(1, 1, 9);                 /* another HBA */
    l[9] = lun(1, 1, 10);
    strcpy(l[9].product, "OTHER");       /* another product */
    l[10] = lun(1, 1, 11);
    strcpy(l[10].product, "OTHER");
    l[11] = lun(1, 1, 12);
    l[11].errors = 1;                    /* errors in a job */
    struct inventory inv = { l, 12, 12 };
    static const size_t want[] = { 4, 0, 0, 0, 1, 1, 1, 1, 1, 2, 0, 1 };
    size_t rows = 0, covered = 0;
    for (size_t i = 0; i < inv.count; i += inventory_run_length(&inv, i)) {
        assert_int_equal(inventory_run_length(&inv, i), want[i]);
        rows++;
        covered += inventory_run_length(&inv, i);
    }
    assert_int_equal(rows, 8);
    assert_int_equal(covered, 12);
    assert_int_equal(inventory_run_length(&inv, 12), 0);
}

static void test_alike_luns_are_one_row_a_target(void **state)
{
    (void)state;
    static struct lun_info l[256 * 64];
    for (unsigned t = 0; t < 256; t++)
        for (uint16_t n = 0; n < 64; n++)
            l[t * 64 + n] = lun(0, (uint8_t)t, n);
    struct inventory inv = { l, 256 * 64, 256 * 64 };
    size_t rows = 0;
    for (size_t i = 0; i < inv.count; i += inventory_run_length(&inv, i)) {
        assert_int_equal(inventory_run_length(&inv, i), 64);
        assert_int_equal(l[i].lun, 0);
        rows++;
    }
    assert_int_equal(rows, 256);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_runs_break_where_anything_differs),
        cmocka_unit_test(test_alike_luns_are_one_row_a_target),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
