/* Blocks read one command at a time over the seam (drivers/hba/sync_command.c), against the fake HBA. */
#include <stdlib.h>
#include <string.h>

#include "drivers/hba/sync_command.h"
#include "drivers/scsi/scsi.h"
#include "tests/unit/fake_hba.h"
#include "tests/unit/test_support.h"

#define TIMEOUT 50000

static void test_reads_what_the_lun_holds(void **state)
{
    (void)state;
    struct fake_hba f;
    fake_hba_init(&f, 0, 1, 8);
    struct fake_lun *l = fake_hba_add_lun(&f, 2, 7, 64);
    fake_lun_store(l);
    for (unsigned i = 0; i < 64 * 512; i++)
        l->data[i] = (uint8_t)(i * 7 + i / 512);
    uint8_t buf[4 * 512];
    char err[200] = "";
    assert_int_equal(hba_read_blocks(&f.base, 2, 7, 512, 10, 4, buf, TIMEOUT, err, sizeof err), 0);
    assert_memory_equal(buf, l->data + 10 * 512, sizeof buf);
    assert_int_equal(f.ops[SCSI_OP_READ10], 1);
    /* A UNIT ATTENTION first (after a reset): retried. */
    l->ua_pending = 1;
    l->ua_asc = SCSI_ASC_POWER_ON_OR_RESET;
    assert_int_equal(hba_read_blocks(&f.base, 2, 7, 512, 0, 1, buf, TIMEOUT, err, sizeof err), 0);
    assert_memory_equal(buf, l->data, 512);
    assert_int_equal(f.ops[SCSI_OP_READ10], 3);
    fake_hba_free(&f);
}

static void test_errors_say_what(void **state)
{
    (void)state;
    struct fake_hba f;
    fake_hba_init(&f, 0, 1, 8);
    struct fake_lun *l = fake_hba_add_lun(&f, 0, 0, 64);
    l->media_error_lba = 3;
    uint8_t buf[8 * 512];
    char err[200] = "";
    assert_int_equal(hba_read_blocks(&f.base, 0, 0, 512, 2, 2, buf, TIMEOUT, err, sizeof err), -1);
    assert_string_equal(err, "READ(10) LBA 2: CHECK CONDITION, sense MEDIUM ERROR 11/00 (UNRECOVERED READ ERROR)");
    assert_int_equal(hba_read_blocks(&f.base, 0, 0, 512, 63, 2, buf, TIMEOUT, err, sizeof err), -1);
    assert_non_null(strstr(err, "ILLEGAL REQUEST 21/00"));
    assert_int_equal(hba_read_blocks(&f.base, 0, 5, 512, 0, 1, buf, TIMEOUT, err, sizeof err), -1);
    assert_non_null(strstr(err, "LOGICAL UNIT NOT SUPPORTED"));
    assert_int_equal(hba_read_blocks(&f.base, 0, 0, 512, 0, 0, buf, TIMEOUT, err, sizeof err), -1);
    assert_non_null(strstr(err, "out of range"));
    /* A LUN that holds the read: recovery brings it back (ABORTED), and that is the error. */
    l->stall = true;
    assert_int_equal(hba_read_blocks(&f.base, 0, 0, 512, 0, 1, buf, TIMEOUT, err, sizeof err), -1);
    assert_non_null(strstr(err, "response ABORTED"));
    f.base.broken = true;
    assert_int_equal(hba_read_blocks(&f.base, 0, 0, 512, 0, 1, buf, TIMEOUT, err, sizeof err), -1);
    assert_non_null(strstr(err, "does not take commands"));
    fake_hba_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reads_what_the_lun_holds),
        cmocka_unit_test(test_errors_say_what),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
