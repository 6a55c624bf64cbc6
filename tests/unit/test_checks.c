/* mode=check's checks (check/) against the fake HBA: a LUN that follows SPC and SBC passes
 * every one; each deviation the fake can show makes its check FAIL with the CDB and the
 * clause; glob selection; the output's lines and summary. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/check.h"
#include "tests/unit/fake_hba.h"
#include "tests/unit/test_support.h"

#define TIMEOUT 50000

struct fixture {
    struct fake_hba f;
    struct hba *hbas[1];
    bool ok[1];
    struct inventory inv;
    char *out;
    size_t out_len;
};

static int setup(void **state)
{
    struct fixture *x = calloc(1, sizeof *x);
    fake_hba_init(&x->f, 0, 1, 16);
    fake_clock_set(0);
    x->hbas[0] = &x->f.base;
    x->ok[0] = true;
    *state = x;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *x = *state;
    fake_hba_free(&x->f);
    free(x->inv.luns);
    free(x->out);
    free(x);
    return 0;
}

/* Discover, run the selected checks, keep what they printed. */
static struct check_totals run(struct fixture *x, const char *globs)
{
    struct discovery_stats st;
    if (x->inv.count == 0)
        assert_int_equal(discovery_run(&x->f.base, &x->inv, &st, TIMEOUT), 0);
    free(x->out);
    x->out = NULL;
    FILE *out = open_memstream(&x->out, &x->out_len);
    struct check_totals t;
    check_run_all(x->hbas, x->ok, 1, &x->inv, globs, TIMEOUT, out, &t);
    fclose(out);
    return t;
}

static void test_a_conforming_lun_passes_everything(void **state)
{
    struct fixture *x = *state;
    fake_hba_add_lun(&x->f, 0, 0, 4096);
    struct check_totals t = run(x, "");
    assert_int_equal(t.run, check_table_count);
    if (t.failed || t.skipped)
        fail_msg("%s", x->out);
    assert_non_null(strstr(x->out, "PASS: spc.vpd.device_identification 0:0:0\n"));
    assert_non_null(strstr(x->out, "PASS: sbc.read16.past_the_end 0:0:0\n"));
    char summary[80];
    snprintf(summary, sizeof summary, "SUMMARY: %zu tests, 0 unexpected failures, 0 skipped\n", check_table_count);
    assert_non_null(strstr(x->out, summary));
}

/* One deviation, one check that FAILs with the clause, the CDB, what came and what was wanted. */
static void check_fails(struct fixture *x, const char *check, const char *line)
{
    struct check_totals t = run(x, check);
    assert_int_equal(t.run, 1);
    if (t.failed != 1 || strstr(x->out, line) == NULL)
        fail_msg("%s: wanted '%s' in:\n%s", check, line, x->out);
}

static void test_response_data_format(void **state)
{
    struct fixture *x = *state;
    fake_hba_add_lun(&x->f, 0, 0, 64)->bad_inquiry_format = true;
    check_fails(x, "spc.inquiry.standard.response_data_format",
                "FAIL: spc.inquiry.standard.response_data_format 0:0:0 (SPC-5 6.7.2) CDB 12 00 00 00 24 00; got GOOD, 36 "
                "bytes; expected RESPONSE DATA FORMAT (byte 3, bits 3-0) 2\n");
}

static void test_device_identification(void **state)
{
    struct fixture *x = *state;
    fake_hba_add_lun(&x->f, 0, 0, 64)->no_device_id_page = true;
    check_fails(x, "spc.vpd.device_identification",
                "(SPC-5 7.7.6) CDB 12 01 00 00 ff 00; got GOOD, 6 bytes; expected page 83 (Device Identification) among");
}

static void test_read_capacity_mismatch(void **state)
{
    struct fixture *x = *state;
    fake_hba_add_lun(&x->f, 0, 0, 64)->readcap10_off_by_one = true;
    check_fails(x, "sbc.readcap16.matches_readcap10",
                "(SBC-4 5.20.2) CDB 25 00 00 00 00 00 00 00 00 00; got GOOD, 8 bytes; expected the capacity of READ "
                "CAPACITY(16): 64 blocks of 512");
}

static void test_mode_sense_padded(void **state)
{
    struct fixture *x = *state;
    fake_hba_add_lun(&x->f, 0, 0, 64)->pads_mode_sense = true;
    check_fails(x, "spc.mode_sense6.length",
                "got GOOD, 255 bytes; expected 4 bytes: MODE DATA LENGTH 3 plus one (the transfer and the header disagree)");
}

static void test_missing_field_pointer_is_a_skip(void **state)
{
    struct fixture *x = *state;
    fake_hba_add_lun(&x->f, 0, 0, 64)->no_sks = true;
    struct check_totals t = run(x, "spc.sense.invalid_field_pointer");
    assert_int_equal(t.skipped, 1);
    assert_non_null(strstr(x->out, "SKIP: spc.sense.invalid_field_pointer 0:0:0 (no sense-key-specific field"));
}

/* A LUN gone from under the checks: every command answers 25/00, and the checks say what came. */
static void test_a_lun_that_answers_nothing_right(void **state)
{
    struct fixture *x = *state;
    fake_hba_add_lun(&x->f, 0, 0, 64);
    fake_hba_add_lun(&x->f, 0, 1, 64);
    struct discovery_stats st;
    assert_int_equal(discovery_run(&x->f.base, &x->inv, &st, TIMEOUT), 0);
    fake_hba_find_lun(&x->f, 0, 1)->present = false;
    struct check_totals t = run(x, "spc.test_unit_ready,sbc.read10.first_lba");
    assert_int_equal(t.run, 4);
    assert_int_equal(t.failed, 2);
    assert_non_null(strstr(x->out, "FAIL: spc.test_unit_ready 0:0:1 (SPC-5 6.47) CDB 00 00 00 00 00 00; got CHECK "
                                   "CONDITION, sense ILLEGAL REQUEST 25/00 (LOGICAL UNIT NOT SUPPORTED); expected GOOD"));
    assert_non_null(strstr(x->out, "PASS: sbc.read10.first_lba 0:0:0\n"));
}

static void test_selection(void **state)
{
    (void)state;
    assert_true(check_selected("spc.inquiry.standard.length", ""));
    assert_true(check_selected("spc.inquiry.standard.length", "spc.inquiry.*"));
    assert_true(check_selected("spc.inquiry.standard.length", "sbc.*,spc.*.length"));
    assert_true(check_selected("sbc.read10.first_lba", "sbc.read??.*"));
    assert_false(check_selected("sbc.read16.last_lba", "sbc.read10*"));
    assert_false(check_selected("spc.test_unit_ready", "spc.inquiry.*,,sbc.*"));
    /* Every name is unique and has a clause and a description. */
    for (size_t i = 0; i < check_table_count; i++) {
        assert_non_null(strchr(check_table[i].clause, ' '));
        assert_true(strlen(check_table[i].what) > 10);
        for (size_t k = 0; k < i; k++)
            assert_string_not_equal(check_table[i].name, check_table[k].name);
    }
}

static void test_list(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    check_list("sbc.read16.l*,sbc.read16.p*", out);
    fclose(out);
    assert_string_equal(text, "check: sbc.read16.last_lba                           SBC-4 5.16       READ(16) of the last LBA: "
                              "GOOD, one whole block\ncheck: sbc.read16.past_the_end                       SBC-4 4.5        "
                              "READ(16) of the LBA after the last: ILLEGAL REQUEST 21/00\n");
    free(text);
}

/* docs/checks.md is the table's: LUNBENCH_WRITE_CHECK_DOCS=PATH writes it (make check-docs). */
static void test_docs_are_current(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    check_docs(out);
    fclose(out);
    const char *write_to = getenv("LUNBENCH_WRITE_CHECK_DOCS");
    if (write_to != NULL) {
        FILE *f = fopen(write_to, "w");
        assert_non_null(f);
        assert_int_equal(fwrite(text, 1, len, f), len);
        fclose(f);
    }
    size_t have_len;
    uint8_t *have = test_read_file("docs/checks.md", &have_len);
    if (have_len != len || memcmp(have, text, len) != 0)
        fail_msg("docs/checks.md is not the table's: run make check-docs");
    free(have);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_a_conforming_lun_passes_everything, setup, teardown),
        cmocka_unit_test_setup_teardown(test_response_data_format, setup, teardown),
        cmocka_unit_test_setup_teardown(test_device_identification, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_capacity_mismatch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mode_sense_padded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_field_pointer_is_a_skip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_lun_that_answers_nothing_right, setup, teardown),
        cmocka_unit_test(test_selection),
        cmocka_unit_test(test_list),
        cmocka_unit_test(test_docs_are_current),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
