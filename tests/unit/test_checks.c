/* mode=check's checks (check/) against the fake HBA: a LUN that follows SPC and SBC passes
 * every one; each deviation the fake can show makes its check FAIL with the CDB and the
 * clause; glob selection; the output's lines and summary. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/check.h"
#include "lib/json.h"
#include "tests/unit/fake_hba.h"
#include "tests/unit/test_support.h"

#define TIMEOUT 50000

/* Keep text in the file the environment variable names, when it names one (make check-docs, the
 * launcher's junit.xml test). */
static void write_if_asked(const char *variable, const char *text, size_t len)
{
    const char *path = getenv(variable);
    if (path == NULL)
        return;
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    fclose(f);
}

struct fixture {
    struct fake_hba f;
    struct hba *hbas[1];
    bool ok[1];
    struct inventory inv;
    char *out;
    size_t out_len;
    bool may_write[4]; /* check_writes=yes on these inventory entries; all by default */
    bool no_writes;    /* run as without check_writes=yes */
};

static int setup(void **state)
{
    struct fixture *x = calloc(1, sizeof *x);
    fake_hba_init(&x->f, 0, 1, 16);
    fake_clock_set(0);
    x->hbas[0] = &x->f.base;
    x->ok[0] = true;
    for (size_t i = 0; i < sizeof x->may_write / sizeof x->may_write[0]; i++)
        x->may_write[i] = true;
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
    struct check_report r;
    check_run_all(x->hbas, x->ok, 1, &x->inv, globs, x->no_writes ? NULL : x->may_write, TIMEOUT, out, &r);
    fclose(out);
    struct check_totals t = r.totals;
    check_report_free(&r);
    return t;
}

static void test_a_conforming_lun_passes_everything(void **state)
{
    struct fixture *x = *state;
    fake_lun_store(fake_hba_add_lun(&x->f, 0, 0, 4096));
    struct check_totals t = run(x, "");
    assert_int_equal(t.run, check_count());
    /* What a single writable LUN cannot show: a list to cut, a write refused. */
    assert_non_null(strstr(x->out, "SKIP: spc.report_luns.truncation 0:0:0 (the list has fewer than two LUNs"));
    assert_non_null(strstr(x->out, "SKIP: sbc.write.protected 0:0:0 (the LUN is writable (WP clear))"));
    if (t.failed || t.skipped != 2) {
        for (const char *line = x->out; *line;) { /* the lines that are not PASS, whole */
            const char *end = strchr(line, '\n');
            size_t len = end ? (size_t)(end - line) + 1 : strlen(line);
            if (strncmp(line, "PASS: ", 6) != 0)
                fprintf(stderr, "%.*s", (int)len, line);
            line += len;
        }
        fail_msg("%u failed, %u skipped", t.failed, t.skipped);
    }
    assert_non_null(strstr(x->out, "PASS: spc.vpd.device_identification 0:0:0\n"));
    assert_non_null(strstr(x->out, "PASS: sbc.read16.past_the_end 0:0:0\n"));
    char summary[80];
    snprintf(summary, sizeof summary, "SUMMARY: %zu tests, 0 unexpected failures, 2 skipped\n", check_count());
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
                "(SPC-5 7.7.6) CDB 12 01 00 00 ff 00; got GOOD, 9 bytes; expected page 83 (Device Identification) among");
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
                "got GOOD, 255 bytes; expected 36 bytes: MODE DATA LENGTH 35 plus one (the transfer and the header disagree)");
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
    assert_true(check_count() >= 100);
    assert_null(check_at(check_count()));
    for (size_t i = 0; i < check_count(); i++) {
        assert_non_null(strchr(check_at(i)->clause, ' '));
        assert_true(strlen(check_at(i)->what) > 10);
        for (size_t k = 0; k < i; k++)
            assert_string_not_equal(check_at(i)->name, check_at(k)->name);
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
    write_if_asked("LUNBENCH_WRITE_CHECK_DOCS", text, len);
    size_t have_len;
    uint8_t *have = test_read_file("docs/checks.md", &have_len);
    if (have_len != len || memcmp(have, text, len) != 0)
        fail_msg("docs/checks.md is not the table's: run make check-docs");
    free(have);
    free(text);
}


/* ---- every check's FAIL path: one deviation of the fake each ---- */

#define MATCH(op, a0, e0, a1, e1) .opcode = (op), .at = { (a0), (a1) }, .eq = { (e0), (e1) }
#define ANY(op) MATCH(op, -1, 0, -1, 0)
#define AT(op, i, v) MATCH(op, i, v, -1, 0)
#define STD_INQUIRY MATCH(SCSI_OP_INQUIRY, 1, 0, -1, 0)
#define VPD(page) MATCH(SCSI_OP_INQUIRY, 1, 1, 2, page)
#define BYTE(o, v) .kind = TWIST_BYTE, .offset = (o), .value = (v)
#define SENSE_BYTE(o, v) .kind = TWIST_SENSE_BYTE, .offset = (o), .value = (v)
#define SENSE(k, a, q) .kind = TWIST_SENSE, .key = (k), .asc = (a), .ascq = (q)
#define LENGTH(n) .kind = TWIST_LENGTH, .length = (n)
#define GOOD .kind = TWIST_GOOD
#define MEDIUM_ERROR SENSE(SCSI_SENSE_MEDIUM_ERROR, 0x11, 0)
#define INVALID_FIELD SENSE(SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_CDB, 0)

struct fail_case {
    const char *check;
    struct fake_twist twists[2];
    const char *expected; /* in the FAIL line */
    unsigned luns;        /* LUNs on target 0 (1 unless said) */
    enum hba_tmf_kind tmf; /* with tmf_response: how every TMF of that kind is answered */
    enum hba_response tmf_response;
    bool no_lun_bound;    /* the HBA's max_lun below the LUNs found */
    void (*transport)(struct virtio_pci_seen *s); /* changes what the transport showed */
    bool write_protected; /* the LUN's WP bit set */
};

static void no_version_1(struct virtio_pci_seen *s) { s->device_features = 0; }
static void odd_multiplier(struct virtio_pci_seen *s) { s->caps.notify_off_multiplier = 3; }
static void no_isr(struct virtio_pci_seen *s) { s->caps.isr.present = false; }
static void short_device_cfg(struct virtio_pci_seen *s) { s->caps.device.length = 20; }
static void unaligned_common(struct virtio_pci_seen *s) { s->caps.common.offset = 2; }
static void queue_of_100(struct virtio_pci_seen *s) { s->queue_size[1] = 100; }
static void too_few_queues(struct virtio_pci_seen *s) { s->num_queues = 2; }

static const struct fail_case fail_cases[] = {
    { "spc.inquiry.qualifier_connected", { { STD_INQUIRY, BYTE(0, 0x20) } }, "PERIPHERAL QUALIFIER 000b" },
    { "spc.inquiry.standard.length", { { STD_INQUIRY, BYTE(4, 10) } }, "ADDITIONAL LENGTH >= 31" },
    { "spc.inquiry.standard.response_data_format", { { STD_INQUIRY, BYTE(3, 1) } }, "RESPONSE DATA FORMAT" },
    { "spc.inquiry.standard.version", { { STD_INQUIRY, BYTE(2, 2) } }, "VERSION 00h or 03h-07h (it is 02h)" },
    { "spc.inquiry.standard.stable", { { STD_INQUIRY, BYTE(20, 'X'), .skip = 1 } }, "the same 36 bytes" },
    { "spc.inquiry.standard.device_type", { { STD_INQUIRY, BYTE(0, 5) } }, "PERIPHERAL DEVICE TYPE 00h" },
    { "spc.inquiry.standard.ascii_fields", { { STD_INQUIRY, BYTE(10, 1) } }, "(byte 10 is 0x01)" },
    { "spc.inquiry.standard.vendor_aligned", { { STD_INQUIRY, BYTE(8, ' ') } }, "left-aligned (byte 8 is a space)" },
    { "spc.inquiry.standard.product_aligned", { { STD_INQUIRY, BYTE(17, 0) } }, "padded with spaces (byte 17 is 00h)" },
    { "spc.inquiry.standard.revision_aligned", { { STD_INQUIRY, BYTE(32, ' ') } }, "(byte 32 is a space)" },
    { "spc.inquiry.allocation_length", { { STD_INQUIRY, LENGTH(4) } }, "exactly 5 bytes" },
    { "spc.inquiry.allocation_length_zero", { { AT(SCSI_OP_INQUIRY, 4, 0), INVALID_FIELD } }, "GOOD (an allocation" },
    { "spc.inquiry.allocation_length_one", { { AT(SCSI_OP_INQUIRY, 4, 1), LENGTH(0) } }, "exactly 1 byte" },
    { "spc.inquiry.transfer_length", { { STD_INQUIRY, LENGTH(40) } }, "36 bytes: ADDITIONAL LENGTH 31 plus 5" },
    { "spc.inquiry.page_code_without_evpd", { { AT(SCSI_OP_INQUIRY, 2, 0x80), GOOD } }, "24/00 (INVALID FIELD IN CDB)" },
    { "spc.sense.invalid_field_pointer", { { AT(SCSI_OP_INQUIRY, 2, 0x80), SENSE_BYTE(17, 5) } }, "at byte 2" },
    { "spc.vpd.supported_pages", { { VPD(0x00), BYTE(6, 0) } }, "page codes in ascending order" },
    { "spc.vpd.unsupported_page", { { VPD(0xfe), GOOD } }, "for a page not in page 00's list" },
    { "spc.vpd.allocation_length", { { MATCH(SCSI_OP_INQUIRY, 1, 1, 4, 4), LENGTH(3) } }, "exactly 4 bytes" },
    { "spc.vpd.transfer_length", { { VPD(0x00), LENGTH(5) } }, "10 bytes: PAGE LENGTH plus 4" },
    { "spc.vpd.peripheral_matches", { { VPD(0x00), BYTE(0, 5) } }, "as in the standard data (00h)" },
    { "spc.vpd.device_identification", { { VPD(0x83), BYTE(27, 200) } }, "designators fit its length" },
    { "spc.vpd.device_identification.code_set", { { VPD(0x83), BYTE(4, 5) } }, "CODE SET 1h, 2h or 3h (the designator at byte 4)" },
    { "spc.vpd.device_identification.names_the_lun", { { VPD(0x83), BYTE(5, 0x21) }, { VPD(0x83), BYTE(25, 0x13) } }, "ASSOCIATION 00b" },
    { "spc.vpd.device_identification.lengths", { { VPD(0x83), BYTE(28, 0x60) } }, "16 for NAA 6" },
    { "spc.vpd.device_identification.stable", { { VPD(0x83), BYTE(30, 'X'), .skip = 1 } }, "the same page" },
    { "spc.vpd.serial_ascii", { { VPD(0x80), BYTE(5, 1) } }, "ASCII graphic codes" },
    { "spc.vpd.serial.stable", { { VPD(0x80), BYTE(5, 'Z'), .skip = 1 } }, "the same page" },
    { "spc.vpd.page_codes_match", { { VPD(0xb1), BYTE(1, 0xb0) } }, "page b1's own PAGE CODE" },
    { "spc.test_unit_ready", { { ANY(SCSI_OP_TEST_UNIT_READY), SENSE(SCSI_SENSE_NOT_READY, 4, 0) } }, "GOOD from a ready LUN" },
    { "spc.request_sense.no_sense", { { ANY(SCSI_OP_REQUEST_SENSE), BYTE(2, 6) } }, "sense key NO SENSE" },
    { "spc.request_sense.allocation_length", { { ANY(SCSI_OP_REQUEST_SENSE), LENGTH(7) } }, "exactly 8 bytes" },
    { "spc.request_sense.fixed_format", { { AT(SCSI_OP_REQUEST_SENSE, 1, 0), BYTE(0, 0x71) } }, "response code 70h" },
    { "spc.request_sense.transfer_length", { { ANY(SCSI_OP_REQUEST_SENSE), BYTE(7, 5) } }, "13 bytes: ADDITIONAL SENSE LENGTH 5 plus 8" },
    { "spc.request_sense.descriptor_format", { { AT(SCSI_OP_REQUEST_SENSE, 1, 1), BYTE(0, 0x70) } }, "response code 72h; it is 70h" },
    { "spc.sense.format", { { ANY(0xc3), SENSE_BYTE(0, 0x7e) } }, "response code 70h-73h" },
    { "spc.report_luns.lists_this_lun", { { ANY(SCSI_OP_REPORT_LUNS), BYTE(9, 5) } }, "this LUN in the list" },
    { "spc.report_luns.select_report_1", { { AT(SCSI_OP_REPORT_LUNS, 2, 1), BYTE(3, 7) } }, "multiple of 8" },
    { "spc.report_luns.select_report_2", { { AT(SCSI_OP_REPORT_LUNS, 2, 2), BYTE(3, 7) } }, "multiple of 8" },
    { "spc.report_luns.select_report_reserved", { { AT(SCSI_OP_REPORT_LUNS, 2, 5), GOOD } }, "reserved SELECT REPORT" },
    { "spc.report_luns.allocation_length_small", { { AT(SCSI_OP_REPORT_LUNS, 9, 8), GOOD } }, "ALLOCATION LENGTH 8" },
    { "spc.report_luns.truncation", { { AT(SCSI_OP_REPORT_LUNS, 9, 16), LENGTH(12) } }, "LUN LIST LENGTH still 16", 2 },
    { "spc.report_luns.unique", { { ANY(SCSI_OP_REPORT_LUNS), BYTE(17, 0) } }, "(LUN 0 is listed twice)", 2 },
    { "spc.report_luns.matches_inventory", { { ANY(SCSI_OP_REPORT_LUNS), BYTE(9, 7) } }, "LUN 0, which discovery found" },
    { "spc.invalid_opcode", { { ANY(0xc3), GOOD } }, "20/00 (INVALID COMMAND OPERATION CODE)" },
    { "spc.cdb.naca_without_aca", { { AT(SCSI_OP_INQUIRY, 5, 4), GOOD } }, "(NACA set, NORMACA zero)" },
    { "spc.absent_lun.inquiry", { { ANY(SCSI_OP_INQUIRY), BYTE(0, 0) } }, "for LUN 16383, which is not listed" },
    { "spc.absent_lun.test_unit_ready", { { ANY(SCSI_OP_TEST_UNIT_READY), GOOD } }, "ILLEGAL REQUEST 25/00" },
    { "spc.absent_lun.request_sense", { { ANY(SCSI_OP_REQUEST_SENSE), BYTE(12, 0) } }, "sense data ILLEGAL REQUEST 25/00" },
    { "spc.mode_sense6.length", { { ANY(SCSI_OP_MODE_SENSE6), BYTE(0, 20) } }, "MODE DATA LENGTH 20 plus one" },
    { "spc.mode_sense10.length", { { ANY(SCSI_OP_MODE_SENSE10), BYTE(1, 20) } }, "22 bytes: MODE DATA LENGTH 20 plus two" },
    { "spc.mode_sense6.allocation_length", { { AT(SCSI_OP_MODE_SENSE6, 4, 4), LENGTH(3) } }, "exactly 4 bytes" },
    { "spc.mode_sense6.dbd", { { ANY(SCSI_OP_MODE_SENSE6), BYTE(3, 8) } }, "BLOCK DESCRIPTOR LENGTH 0 (DBD set)" },
    { "sbc.mode_sense6.block_descriptor", { { ANY(SCSI_OP_MODE_SENSE6), BYTE(10, 0x10) } }, "LOGICAL BLOCK LENGTH 512" },
    { "spc.mode_sense.pages_ascending", { { ANY(SCSI_OP_MODE_SENSE10), BYTE(8, 0x0b) } }, "ascending page code order" },
    { "spc.mode_sense.unsupported_page", { { AT(SCSI_OP_MODE_SENSE10, 2, 0x3e), GOOD } }, "for page 3eh" },
    { "spc.mode_sense6.matches_10", { { ANY(SCSI_OP_MODE_SENSE10), BYTE(9, 0x11) } }, "the same mode pages" },
    { "spc.mode_sense.changeable", { { AT(SCSI_OP_MODE_SENSE10, 2, 0x7f), LENGTH(20) } }, "as for the current values" },
    { "spc.mode_sense.default", { { AT(SCSI_OP_MODE_SENSE10, 2, 0xbf), LENGTH(20) } }, "as for the current values" },
    { "spc.mode_sense.saved", { { AT(SCSI_OP_MODE_SENSE10, 2, 0xff), INVALID_FIELD } }, "39/00 (SAVING PARAMETERS" },
    { "sbc.mode_page.caching", { { AT(SCSI_OP_MODE_SENSE10, 2, 0x08), BYTE(9, 0x10) } }, "PAGE LENGTH 12h" },
    { "spc.mode_page.control", { { AT(SCSI_OP_MODE_SENSE10, 2, 0x0a), BYTE(9, 0x0b) } }, "PAGE LENGTH 0ah" },
    { "spc.rsoc.well_formed", { { ANY(SCSI_OP_MAINTENANCE_IN), BYTE(9, 2) } }, "descriptors of 8 bytes" },
    { "spc.rsoc.lists_mandatory", { { ANY(SCSI_OP_MAINTENANCE_IN), BYTE(4, 0x77) } }, "opcode 00h" },
    { "sbc.readcap16.matches_readcap10", { { ANY(SCSI_OP_READ_CAPACITY10), BYTE(3, 0) } }, "4096 blocks of 512" },
    { "sbc.readcap16.allocation_length", { { AT(SCSI_OP_SERVICE_ACTION_IN16, 13, 12), LENGTH(11) } }, "exactly 12 bytes" },
    { "sbc.readcap16.transfer_length", { { AT(SCSI_OP_SERVICE_ACTION_IN16, 13, 64), LENGTH(64) } }, "exactly 32 bytes" },
    { "sbc.readcap16.lowest_aligned", { { ANY(SCSI_OP_SERVICE_ACTION_IN16), BYTE(15, 1) } }, "below 2^0 (it is 1)" },
    { "sbc.readcap16.matches_inventory", { { ANY(SCSI_OP_SERVICE_ACTION_IN16), BYTE(7, 0) } }, "4096 blocks of 512" },
    { "sbc.readcap16.lbpme_has_page", { { VPD(0x00), BYTE(9, 0xb1) } }, "page B2 among" },
    { "sbc.vpd.provisioning.lbprz", { { ANY(SCSI_OP_SERVICE_ACTION_IN16), BYTE(14, 0x80) } }, "LBPRZ 0" },
    { "sbc.read6.first_lba", { { ANY(SCSI_OP_READ6), LENGTH(100) } }, "one whole block" },
    { "sbc.read10.first_lba", { { ANY(SCSI_OP_READ10), LENGTH(100) } }, "one whole block" },
    { "sbc.read10.last_lba", { { AT(SCSI_OP_READ10, 5, 0xff), MEDIUM_ERROR } }, "MEDIUM ERROR 11/00" },
    { "sbc.read10.past_the_end", { { ANY(SCSI_OP_READ10), GOOD } }, "21/00 (LOGICAL BLOCK ADDRESS OUT OF RANGE)" },
    { "sbc.read10.two_blocks", { { ANY(SCSI_OP_READ10), LENGTH(600) } }, "two whole blocks" },
    { "sbc.read10.fua", { { AT(SCSI_OP_READ10, 1, 0x08), INVALID_FIELD } }, "one whole block" },
    { "sbc.read10.dpo", { { AT(SCSI_OP_READ10, 1, 0x10), INVALID_FIELD } }, "one whole block" },
    { "sbc.read10.transfer_length_zero", { { ANY(SCSI_OP_READ10), INVALID_FIELD } }, "GOOD (a transfer length of zero" },
    { "sbc.read10.matches_read16", { { ANY(SCSI_OP_READ16), BYTE(0, 1) } }, "the same bytes as the READ before it" },
    { "sbc.read.data_stable", { { ANY(SCSI_OP_READ10), BYTE(0, 1), .skip = 1 } }, "the same bytes as the READ before it" },
    { "sbc.read12.first_lba", { { ANY(SCSI_OP_READ12), LENGTH(100) } }, "one whole block" },
    { "sbc.read16.first_lba", { { ANY(SCSI_OP_READ16), LENGTH(100) } }, "one whole block" },
    { "sbc.read16.fua", { { AT(SCSI_OP_READ16, 1, 0x08), MEDIUM_ERROR } }, "one whole block" },
    { "sbc.read16.last_lba", { { ANY(SCSI_OP_READ16), LENGTH(100) } }, "one whole block" },
    { "sbc.read16.past_the_end", { { ANY(SCSI_OP_READ16), GOOD } }, "LOGICAL BLOCK ADDRESS OUT OF RANGE" },
    { "sbc.read16.across_the_end", { { ANY(SCSI_OP_READ16), GOOD } }, "the range passes the last LBA" },
    { "sbc.verify10.first_lba", { { ANY(SCSI_OP_VERIFY10), MEDIUM_ERROR } }, "expected GOOD" },
    { "sbc.verify10.past_the_end", { { ANY(SCSI_OP_VERIFY10), GOOD } }, "21/00" },
    { "sbc.verify16.first_lba", { { ANY(SCSI_OP_VERIFY16), MEDIUM_ERROR } }, "expected GOOD" },
    { "sbc.verify16.past_the_end", { { ANY(SCSI_OP_VERIFY16), GOOD } }, "21/00" },
    { "sbc.synchronize_cache", { { ANY(SCSI_OP_SYNCHRONIZE_CACHE10), MEDIUM_ERROR } }, "expected GOOD" },
    { "sbc.synchronize_cache16", { { ANY(SCSI_OP_SYNCHRONIZE_CACHE16), MEDIUM_ERROR } }, "expected GOOD" },
    { "sbc.synchronize_cache16.past_the_end", { { ANY(SCSI_OP_SYNCHRONIZE_CACHE16), GOOD } }, "21/00" },
    { "sbc.write10.read_back", { { ANY(SCSI_OP_READ16), BYTE(3, 0) } }, "the block as written" },
    { "sbc.write16.read_back", { { ANY(SCSI_OP_WRITE16), MEDIUM_ERROR } }, "MEDIUM ERROR 11/00 (UNRECOVERED READ ERROR); expected GOOD" },
    { "sbc.write10.fua_read_back", { { AT(SCSI_OP_WRITE10, 1, 0x08), MEDIUM_ERROR } }, "expected GOOD" },
    { "sbc.write16.past_the_end", { { ANY(SCSI_OP_WRITE16), GOOD } }, "21/00 (LOGICAL BLOCK ADDRESS OUT OF RANGE)" },
    { "sbc.write.protected", { { ANY(SCSI_OP_WRITE10), GOOD } }, "DATA PROTECT 27/xx", .write_protected = true },
    { "sbc.write_same10.read_back", { { ANY(SCSI_OP_READ16), BYTE(600, 0) } }, "both LBAs" },
    { "sbc.write_same16.read_back", { { ANY(SCSI_OP_WRITE_SAME16), MEDIUM_ERROR } }, "expected GOOD" },
    { "sbc.unmap.read_back", { { ANY(SCSI_OP_READ16), BYTE(7, 1) } }, "zeros from the unmapped block" },
    { "sbc.vpd.block_limits.length", { { VPD(0xb0), BYTE(3, 0x10) } }, "PAGE LENGTH 003ch (it is 0010h)" },
    { "sbc.vpd.block_limits.optimal_within_max", { { VPD(0xb0), BYTE(14, 0x10) } }, "(4224 > 2048)" },
    { "sbc.vpd.block_limits.max_transfer_honoured", { { ANY(SCSI_OP_READ16), LENGTH(100) } }, "every block asked for" },
    { "sbc.vpd.characteristics.length", { { VPD(0xb1), BYTE(3, 0x10) } }, "PAGE LENGTH 003ch" },
    { "sbc.vpd.provisioning.length", { { VPD(0xb2), BYTE(3, 2) } }, "PAGE LENGTH at least 0004h" },
    { "sam.tmf.abort_task_no_such_task", { { 0 } }, "ABORT TASK; got FUNCTION_REJECTED", 1, HBA_TMF_ABORT_TASK, HBA_RESPONSE_FUNCTION_REJECTED },
    { "sam.tmf.abort_task_set", { { 0 } }, "ABORT TASK SET; got FUNCTION_REJECTED", 1, HBA_TMF_ABORT_TASK_SET, HBA_RESPONSE_FUNCTION_REJECTED },
    { "sam.tmf.clear_task_set", { { 0 } }, "CLEAR TASK SET; got FAILURE", 1, HBA_TMF_CLEAR_TASK_SET, HBA_RESPONSE_FAILURE },
    { "sam.tmf.lun_reset_unit_attention", { { 0 } }, "LOGICAL UNIT RESET; got INCORRECT_LUN", 1, HBA_TMF_LUN_RESET, HBA_RESPONSE_INCORRECT_LUN },
    { "sam.tmf.i_t_nexus_reset", { { 0 } }, "I_T NEXUS RESET; got FUNCTION_REJECTED", 1, HBA_TMF_I_T_NEXUS_RESET, HBA_RESPONSE_FUNCTION_REJECTED },
    { "sam.tmf.query_task_no_such_task", { { 0 } }, "QUERY TASK; got FUNCTION_SUCCEEDED", 1, HBA_TMF_QUERY_TASK, HBA_RESPONSE_FUNCTION_SUCCEEDED },
    { "sam.tmf.query_task_set_idle", { { 0 } }, "QUERY TASK SET; got FAILURE", 1, HBA_TMF_QUERY_TASK_SET, HBA_RESPONSE_FAILURE },
    { "virtio.scsi.bad_target", { { ANY(SCSI_OP_REPORT_LUNS), SENSE(SCSI_SENSE_ILLEGAL_REQUEST, 0x25, 0) } }, "response BAD_TARGET" },
    { "virtio.scsi.config.bounds", { { 0 } }, "LUN 0:0:1 answered, outside max_target 255 and max_lun 0", 2, .no_lun_bound = true },
    { "virtio.features.version_1", { { 0 } }, "without VIRTIO_F_VERSION_1 (bit 32)", .transport = no_version_1 },
    { "virtio.pci.notify_off_multiplier", { { 0 } }, "notify_off_multiplier 3: not 0", .transport = odd_multiplier },
    { "virtio.pci.isr_capability", { { 0 } }, "no VIRTIO_PCI_CAP_ISR_CFG capability", .transport = no_isr },
    { "virtio.pci.device_cfg_capability", { { 0 } }, "at least 36 bytes (it has 20)", .transport = short_device_cfg },
    { "virtio.pci.cap_alignment", { { 0 } }, "the common configuration at offset 0x2 of BAR 4: not 4-byte", .transport = unaligned_common },
    { "virtio.pci.queue_sizes", { { 0 } }, "queue 1 offers size 100", .transport = queue_of_100 },
    { "virtio.scsi.config.num_queues", { { 0 } }, "num_queues 2, below virtio-scsi's num_queues 1", .transport = too_few_queues },
    { "virtio.scsi.overrun", { { AT(SCSI_OP_READ10, 8, 2), GOOD } }, "response OVERRUN" },
    { "virtio.scsi.residual", { { ANY(SCSI_OP_READ10), LENGTH(1024) } }, "residual 512" },
};

/* An HBA without task management (virtio-blk) SKIPs the TMF checks, sends none. */
static void test_no_task_management_is_a_skip(void **state)
{
    struct fixture *x = *state;
    fake_hba_add_lun(&x->f, 0, 0, 64);
    x->f.base.tmf_unsupported = true;
    struct check_totals t = run(x, "sam.tmf.*");
    assert_int_equal(t.run, 7);
    assert_int_equal(t.skipped, 7);
    assert_non_null(strstr(x->out, "SKIP: sam.tmf.lun_reset_unit_attention 0:0:0 (the transport has no task management"));
    for (unsigned k = 0; k < HBA_TMF_KIND_COUNT; k++)
        assert_int_equal(x->f.tmfs[k], 0);
}

/* The checks that write: not run at all without check_writes=yes, SKIPped on a LUN luns= does not
 * name, run on one it names. */
static void test_writes_only_where_allowed(void **state)
{
    struct fixture *x = *state;
    fake_lun_store(fake_hba_add_lun(&x->f, 0, 0, 64));
    fake_lun_store(fake_hba_add_lun(&x->f, 0, 1, 64));
    x->no_writes = true;
    struct check_totals t = run(x, "sbc.write*");
    assert_int_equal(t.run, 0);
    assert_int_equal(fake_hba_find_lun(&x->f, 0, 0)->writes, 0);
    x->no_writes = false;
    x->may_write[0] = false;
    t = run(x, "sbc.write16.read_back");
    assert_int_equal(t.run, 2);
    assert_int_equal(t.skipped, 1);
    assert_non_null(strstr(x->out, "SKIP: sbc.write16.read_back 0:0:0 (it writes, and luns= does not name this LUN)\n"));
    assert_non_null(strstr(x->out, "PASS: sbc.write16.read_back 0:0:1\n"));
    assert_int_equal(fake_hba_find_lun(&x->f, 0, 0)->writes, 0);
    assert_int_equal(fake_hba_find_lun(&x->f, 0, 1)->writes, 1);
}

/* Each case FAILs its check (on LUN 0, and on no more LUNs than it has) with the words given;
 * every check has a case. */
static void test_every_fail_path(void **state)
{
    (void)state;
    const size_t cases = sizeof fail_cases / sizeof fail_cases[0];
    unsigned wrong = 0;
    for (size_t i = 0; i < cases; i++) {
        const struct fail_case *fc = &fail_cases[i];
        struct fixture *x;
        setup((void **)&x);
        for (uint16_t lun = 0; lun < (fc->luns ? fc->luns : 1); lun++) {
            struct fake_lun *fl = fake_hba_add_lun(&x->f, 0, lun, 4096);
            fake_lun_store(fl);
            fl->write_protected = fc->write_protected;
        }
        struct discovery_stats st;
        assert_int_equal(discovery_run(&x->f.base, &x->inv, &st, TIMEOUT), 0);
        memcpy(x->f.twists, fc->twists, sizeof x->f.twists);
        if (fc->tmf_response != HBA_RESPONSE_OK)
            x->f.tmf_response[fc->tmf] = fc->tmf_response;
        if (fc->no_lun_bound)
            x->f.base.max_lun = 0;
        if (fc->transport != NULL)
            fc->transport(&x->f.seen);
        struct check_totals t = run(x, fc->check);
        char line[120];
        snprintf(line, sizeof line, "FAIL: %s 0:0:0 (", fc->check);
        if (t.failed < 1 || t.failed > (fc->luns ? fc->luns : 1) || strstr(x->out, line) == NULL || strstr(x->out, fc->expected) == NULL) {
            fprintf(stderr, "%s: wanted one FAIL with '%s' in:\n%s", fc->check, fc->expected, x->out);
            wrong++;
        }
        teardown((void **)&x);
    }
    assert_int_equal(wrong, 0);
    for (size_t k = 0; k < check_count(); k++) {
        bool covered = false;
        for (size_t i = 0; i < cases && !covered; i++)
            covered = strcmp(fail_cases[i].check, check_at(k)->name) == 0;
        if (!covered)
            fail_msg("%s has no FAIL case", check_at(k)->name);
    }
}

static void to_file(void *ctx, const char *buf, size_t len) { fwrite(buf, 1, len, ctx); }

/* The results document of a run with a PASS, a FAIL and a SKIP: one object per verdict, the
 * summary. LUNBENCH_WRITE_CHECK_REPORT=PATH keeps it, for the launcher's junit.xml test. */
static void test_report_json(void **state)
{
    struct fixture *x = *state;
    fake_hba_add_lun(&x->f, 0, 0, 64)->no_sks = true;
    struct discovery_stats st;
    assert_int_equal(discovery_run(&x->f.base, &x->inv, &st, TIMEOUT), 0);
    x->f.twists[0] = (struct fake_twist){ STD_INQUIRY, BYTE(2, 2) };
    FILE *console = fopen("/dev/null", "w");
    struct check_report r;
    check_run_all(x->hbas, x->ok, 1, &x->inv, "spc.inquiry.standard.*,spc.sense.invalid_field_pointer", NULL, TIMEOUT,
                  console, &r);
    fclose(console);
    char *text = NULL;
    size_t len = 0;
    FILE *doc = open_memstream(&text, &len);
    struct json_writer w;
    json_init(&w, to_file, doc, 2);
    json_object_begin(&w, NULL);
    json_string(&w, "mode", "check");
    check_report_json(&w, &r, &x->inv);
    json_object_end(&w);
    fclose(doc);
    assert_false(w.error);
    assert_int_equal(r.count, r.totals.run);
    assert_non_null(strstr(text, "{\"name\":\"spc.inquiry.standard.length\",\"clause\":\"SPC-5 6.7.2\","
                                 "\"lun\":\"0:0:0\",\"result\":\"PASS\"}"));
    assert_non_null(strstr(text, "\"result\":\"FAIL\",\"detail\":\"CDB 12 00 00 00 24 00; got GOOD, 36 bytes; "
                                 "expected VERSION 00h or 03h-07h (it is 02h)\"}"));
    assert_non_null(strstr(text, "\"result\":\"SKIP\",\"detail\":\"no sense-key-specific field"));
    const char *summary = strstr(text, "\"check_summary\": {");
    assert_non_null(summary);
    char tests[40];
    snprintf(tests, sizeof tests, "\"tests\": %u,", r.totals.run);
    assert_non_null(strstr(summary, tests));
    assert_non_null(strstr(summary, "\"failed\": 1,"));
    assert_non_null(strstr(summary, "\"skipped\": 1,"));
    assert_non_null(strstr(summary, "\"verdicts_complete\": true"));
    write_if_asked("LUNBENCH_WRITE_CHECK_REPORT", text, len);
    free(text);
    check_report_free(&r);
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
        cmocka_unit_test(test_every_fail_path),
        cmocka_unit_test_setup_teardown(test_writes_only_where_allowed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_task_management_is_a_skip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_report_json, setup, teardown),
        cmocka_unit_test(test_selection),
        cmocka_unit_test(test_list),
        cmocka_unit_test(test_docs_are_current),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
