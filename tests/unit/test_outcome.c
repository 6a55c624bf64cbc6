/* The completion classifier (drivers/hba/outcome.c): transport response, then SCSI status, then
 * sense key and ASC/ASCQ, to one outcome; and the one-line descriptions of a finished command. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "drivers/hba/hba.h"
#include "drivers/hba/outcome.h"
#include "drivers/scsi/scsi.h"
#include "test_support.h"

/* ---- building finished commands ---- */

enum sense_format { SENSE_NONE, SENSE_FIXED, SENSE_DESC };

/* A command as the driver hands it back: everything else is poisoned so that a field the
 * classifier should not look at, but does, shows. */
static void cmd_init(struct hba_cmd *cmd, enum hba_response response, uint8_t status)
{
    memset(cmd, 0xa5, sizeof(*cmd));
    cmd->response = response;
    cmd->status = status;
    cmd->residual = 0;
    cmd->sense_len = 0;
    cmd->data_len = 4096;
}

/* Fixed-format sense (SPC-4 4.5.3): 18 bytes, ADDITIONAL SENSE LENGTH 10. */
static void set_sense_fixed(struct hba_cmd *cmd, uint8_t key, uint8_t asc, uint8_t ascq)
{
    memset(cmd->sense, 0, sizeof(cmd->sense));
    cmd->sense[0] = SCSI_SENSE_FIXED_CURRENT;
    cmd->sense[2] = key;
    cmd->sense[7] = 10;
    cmd->sense[12] = asc;
    cmd->sense[13] = ascq;
    cmd->sense_len = 18;
}

/* Descriptor-format sense (SPC-4 4.5.2): the 8-byte header, no descriptors. */
static void set_sense_desc(struct hba_cmd *cmd, uint8_t key, uint8_t asc, uint8_t ascq)
{
    memset(cmd->sense, 0, sizeof(cmd->sense));
    cmd->sense[0] = SCSI_SENSE_DESC_CURRENT;
    cmd->sense[1] = key;
    cmd->sense[2] = asc;
    cmd->sense[3] = ascq;
    cmd->sense[7] = 0;
    cmd->sense_len = 8;
}

static void set_sense(struct hba_cmd *cmd, enum sense_format fmt, uint8_t key, uint8_t asc, uint8_t ascq)
{
    if (fmt == SENSE_FIXED)
        set_sense_fixed(cmd, key, asc, ascq);
    else if (fmt == SENSE_DESC)
        set_sense_desc(cmd, key, asc, ascq);
}

/* CHECK CONDITION with sense in the given format. */
static void cmd_check(struct hba_cmd *cmd, enum sense_format fmt, uint8_t key, uint8_t asc, uint8_t ascq)
{
    cmd_init(cmd, HBA_RESPONSE_OK, SCSI_STATUS_CHECK_CONDITION);
    set_sense(cmd, fmt, key, asc, ascq);
}

/* Classify into a verdict that held garbage before: hba_classify must set every field. */
static void classify(const struct hba_cmd *cmd, struct hba_verdict *v)
{
    memset(v, 0x5a, sizeof(*v));
    hba_classify(cmd, v);
}

static const char *format_name(enum sense_format fmt)
{
    return fmt == SENSE_FIXED ? "fixed" : fmt == SENSE_DESC ? "descriptor" : "no sense";
}

/* ---- the mapping, as one table ---- */

struct classify_case {
    const char *name;
    enum hba_response response;
    uint8_t status;
    bool sense; /* run with fixed and with descriptor sense of key/asc/ascq */
    uint8_t key, asc, ascq;
    enum hba_outcome outcome;
    enum hba_change change;
    bool no_medium;
};

#define OK_STATUS(n, st, out) { n, HBA_RESPONSE_OK, st, false, 0, 0, 0, out, HBA_CHANGE_NONE, false }
#define RESP(n, r, out) { n, r, SCSI_STATUS_GOOD, false, 0, 0, 0, out, HBA_CHANGE_NONE, false }
#define CC(n, k, a, q, out) { n, HBA_RESPONSE_OK, SCSI_STATUS_CHECK_CONDITION, true, k, a, q, out, HBA_CHANGE_NONE, false }
#define UA(n, a, q, ch)                                                                                                \
    { n, HBA_RESPONSE_OK, SCSI_STATUS_CHECK_CONDITION, true, SCSI_SENSE_UNIT_ATTENTION, a, q,                          \
      HBA_OUTCOME_UNIT_ATTENTION, ch, false }
#define NR(n, a, q, nm)                                                                                                \
    { n, HBA_RESPONSE_OK, SCSI_STATUS_CHECK_CONDITION, true, SCSI_SENSE_NOT_READY, a, q, HBA_OUTCOME_NOT_READY,        \
      HBA_CHANGE_NONE, nm }

static const struct classify_case classify_cases[] = {
    /* Transport responses come first. */
    RESP("OK/GOOD", HBA_RESPONSE_OK, HBA_OUTCOME_DONE),
    RESP("BAD_TARGET", HBA_RESPONSE_BAD_TARGET, HBA_OUTCOME_GONE),
    RESP("INCORRECT_LUN", HBA_RESPONSE_INCORRECT_LUN, HBA_OUTCOME_GONE),
    RESP("ABORTED", HBA_RESPONSE_ABORTED, HBA_OUTCOME_CANCELLED),
    RESP("RESET", HBA_RESPONSE_RESET, HBA_OUTCOME_CANCELLED),
    RESP("LOST", HBA_RESPONSE_LOST, HBA_OUTCOME_LOST),
    RESP("transport BUSY", HBA_RESPONSE_BUSY, HBA_OUTCOME_BUSY),
    RESP("OVERRUN", HBA_RESPONSE_OVERRUN, HBA_OUTCOME_TRANSPORT_ERROR),
    RESP("TRANSPORT_FAILURE", HBA_RESPONSE_TRANSPORT_FAILURE, HBA_OUTCOME_TRANSPORT_ERROR),
    RESP("TARGET_FAILURE", HBA_RESPONSE_TARGET_FAILURE, HBA_OUTCOME_TRANSPORT_ERROR),
    RESP("NEXUS_FAILURE", HBA_RESPONSE_NEXUS_FAILURE, HBA_OUTCOME_TRANSPORT_ERROR),
    RESP("FAILURE", HBA_RESPONSE_FAILURE, HBA_OUTCOME_TRANSPORT_ERROR),
    RESP("FUNCTION_SUCCEEDED", HBA_RESPONSE_FUNCTION_SUCCEEDED, HBA_OUTCOME_TRANSPORT_ERROR),
    RESP("FUNCTION_REJECTED", HBA_RESPONSE_FUNCTION_REJECTED, HBA_OUTCOME_TRANSPORT_ERROR),
    RESP("NO_ANSWER", HBA_RESPONSE_NO_ANSWER, HBA_OUTCOME_TRANSPORT_ERROR),
    /* SCSI status without sense. */
    OK_STATUS("status BUSY", SCSI_STATUS_BUSY, HBA_OUTCOME_BUSY),
    OK_STATUS("status TASK SET FULL", SCSI_STATUS_TASK_SET_FULL, HBA_OUTCOME_BUSY),
    OK_STATUS("status RESERVATION CONFLICT", SCSI_STATUS_RESERVATION_CONFLICT, HBA_OUTCOME_STATUS),
    OK_STATUS("status ACA ACTIVE", SCSI_STATUS_ACA_ACTIVE, HBA_OUTCOME_STATUS),
    OK_STATUS("status TASK ABORTED", SCSI_STATUS_TASK_ABORTED, HBA_OUTCOME_STATUS),
    OK_STATUS("status 0x7e", 0x7e, HBA_OUTCOME_STATUS),
    OK_STATUS("CHECK CONDITION without sense", SCSI_STATUS_CHECK_CONDITION, HBA_OUTCOME_CHECK_CONDITION),
    /* UNIT ATTENTION: what changed. */
    UA("UA 2a/09 capacity", 0x2a, 0x09, HBA_CHANGE_CAPACITY),
    UA("UA 3f/0e reported luns", 0x3f, 0x0e, HBA_CHANGE_LUN_INVENTORY),
    UA("UA 29/00 power on or reset", 0x29, 0x00, HBA_CHANGE_RESET),
    UA("UA 29/01 power on", 0x29, 0x01, HBA_CHANGE_RESET),
    UA("UA 29/02 bus reset", 0x29, 0x02, HBA_CHANGE_RESET),
    UA("UA 29/03 bus device reset", 0x29, 0x03, HBA_CHANGE_RESET),
    UA("UA 29/07 I_T nexus loss", 0x29, 0x07, HBA_CHANGE_RESET),
    UA("UA 2a/01 mode parameters", 0x2a, 0x01, HBA_CHANGE_OTHER),
    UA("UA 2a/00 parameters changed", 0x2a, 0x00, HBA_CHANGE_OTHER),
    UA("UA 3f/00 operating conditions", 0x3f, 0x00, HBA_CHANGE_OTHER),
    UA("UA 3f/03 inquiry data", 0x3f, 0x03, HBA_CHANGE_OTHER),
    UA("UA 28/00 medium may have changed", 0x28, 0x00, HBA_CHANGE_OTHER),
    UA("UA 09/2a (codes swapped)", 0x09, 0x2a, HBA_CHANGE_OTHER),
    UA("UA 0e/3f (codes swapped)", 0x0e, 0x3f, HBA_CHANGE_OTHER),
    UA("UA 00/00", 0x00, 0x00, HBA_CHANGE_OTHER),
    /* NOT READY: no medium for 3a/xx only. */
    NR("NR 3a/00 medium not present", 0x3a, 0x00, true),
    NR("NR 3a/01 tray closed", 0x3a, 0x01, true),
    NR("NR 3a/02 tray open", 0x3a, 0x02, true),
    NR("NR 3a/03 loadable", 0x3a, 0x03, true),
    NR("NR 04/01 becoming ready", 0x04, 0x01, false),
    NR("NR 04/00 cause not reportable", 0x04, 0x00, false),
    NR("NR 04/02 initializing command required", 0x04, 0x02, false),
    /* ILLEGAL REQUEST. */
    CC("IR 25/00 lun not supported", SCSI_SENSE_ILLEGAL_REQUEST, 0x25, 0x00, HBA_OUTCOME_GONE),
    CC("IR 20/00 invalid opcode", SCSI_SENSE_ILLEGAL_REQUEST, 0x20, 0x00, HBA_OUTCOME_UNSUPPORTED),
    CC("IR 24/00 invalid field in cdb", SCSI_SENSE_ILLEGAL_REQUEST, 0x24, 0x00, HBA_OUTCOME_UNSUPPORTED),
    CC("IR 21/00 lba out of range", SCSI_SENSE_ILLEGAL_REQUEST, 0x21, 0x00, HBA_OUTCOME_CHECK_CONDITION),
    CC("IR 26/00 invalid field in parameter list", SCSI_SENSE_ILLEGAL_REQUEST, 0x26, 0x00,
       HBA_OUTCOME_CHECK_CONDITION),
    CC("IR 20/02 access denied", SCSI_SENSE_ILLEGAL_REQUEST, 0x20, 0x02, HBA_OUTCOME_CHECK_CONDITION),
    CC("IR 00/00", SCSI_SENSE_ILLEGAL_REQUEST, 0x00, 0x00, HBA_OUTCOME_CHECK_CONDITION),
    CC("IR 24/01 cdb decryption error", SCSI_SENSE_ILLEGAL_REQUEST, 0x24, 0x01, HBA_OUTCOME_CHECK_CONDITION),
    CC("IR 20/01 (qualifier not 0)", SCSI_SENSE_ILLEGAL_REQUEST, 0x20, 0x01, HBA_OUTCOME_CHECK_CONDITION),
    CC("IR 25/01 (qualifier not 0)", SCSI_SENSE_ILLEGAL_REQUEST, 0x25, 0x01, HBA_OUTCOME_CHECK_CONDITION),
    /* 25/00 means gone only with ILLEGAL REQUEST, 20/00 and 24/00 unsupported only with it. */
    CC("ABORTED COMMAND 25/00", SCSI_SENSE_ABORTED_COMMAND, 0x25, 0x00, HBA_OUTCOME_CHECK_CONDITION),
    CC("NO SENSE 24/00", SCSI_SENSE_NO_SENSE, 0x24, 0x00, HBA_OUTCOME_CHECK_CONDITION),
    /* MEDIUM ERROR and HARDWARE ERROR, whatever the ASC. */
    CC("MEDIUM ERROR 11/00", SCSI_SENSE_MEDIUM_ERROR, 0x11, 0x00, HBA_OUTCOME_MEDIUM_ERROR),
    CC("MEDIUM ERROR 0c/00", SCSI_SENSE_MEDIUM_ERROR, 0x0c, 0x00, HBA_OUTCOME_MEDIUM_ERROR),
    CC("MEDIUM ERROR 3a/00", SCSI_SENSE_MEDIUM_ERROR, 0x3a, 0x00, HBA_OUTCOME_MEDIUM_ERROR),
    CC("HARDWARE ERROR 44/00", SCSI_SENSE_HARDWARE_ERROR, 0x44, 0x00, HBA_OUTCOME_MEDIUM_ERROR),
    CC("HARDWARE ERROR 00/00", SCSI_SENSE_HARDWARE_ERROR, 0x00, 0x00, HBA_OUTCOME_MEDIUM_ERROR),
    /* DATA PROTECT. */
    CC("DATA PROTECT 27/00", SCSI_SENSE_DATA_PROTECT, 0x27, 0x00, HBA_OUTCOME_WRITE_PROTECTED),
    CC("DATA PROTECT 27/01", SCSI_SENSE_DATA_PROTECT, 0x27, 0x01, HBA_OUTCOME_WRITE_PROTECTED),
    /* Every other key: a plain CHECK CONDITION. */
    CC("ABORTED COMMAND 47/00", SCSI_SENSE_ABORTED_COMMAND, 0x47, 0x00, HBA_OUTCOME_CHECK_CONDITION),
    CC("ABORTED COMMAND 00/00", SCSI_SENSE_ABORTED_COMMAND, 0x00, 0x00, HBA_OUTCOME_CHECK_CONDITION),
    CC("NO SENSE 00/00", SCSI_SENSE_NO_SENSE, 0x00, 0x00, HBA_OUTCOME_CHECK_CONDITION),
    CC("RECOVERED ERROR 5d/00", SCSI_SENSE_RECOVERED_ERROR, 0x5d, 0x00, HBA_OUTCOME_CHECK_CONDITION),
    CC("BLANK CHECK", SCSI_SENSE_BLANK_CHECK, 0x00, 0x00, HBA_OUTCOME_CHECK_CONDITION),
    CC("VENDOR SPECIFIC", SCSI_SENSE_VENDOR_SPECIFIC, 0x80, 0x01, HBA_OUTCOME_CHECK_CONDITION),
    CC("COPY ABORTED", SCSI_SENSE_COPY_ABORTED, 0x00, 0x00, HBA_OUTCOME_CHECK_CONDITION),
    CC("reserved key 0xc", 0x0c, 0x00, 0x00, HBA_OUTCOME_CHECK_CONDITION),
    CC("VOLUME OVERFLOW", SCSI_SENSE_VOLUME_OVERFLOW, 0x00, 0x00, HBA_OUTCOME_CHECK_CONDITION),
    CC("MISCOMPARE 1d/00", SCSI_SENSE_MISCOMPARE, 0x1d, 0x00, HBA_OUTCOME_CHECK_CONDITION),
    CC("COMPLETED", SCSI_SENSE_COMPLETED, 0x00, 0x00, HBA_OUTCOME_CHECK_CONDITION),
};

static void check_case(const struct classify_case *c, enum sense_format fmt)
{
    struct hba_cmd cmd;
    struct hba_verdict v;
    cmd_init(&cmd, c->response, c->status);
    if (c->sense)
        set_sense(&cmd, fmt, c->key, c->asc, c->ascq);
    classify(&cmd, &v);
    bool want_sense = c->sense && c->response == HBA_RESPONSE_OK;
    if (v.outcome != c->outcome || v.change != c->change || v.no_medium != c->no_medium ||
        v.have_sense != want_sense)
        print_error("case \"%s\" (%s): outcome %s change %d no_medium %d have_sense %d; want %s %d %d %d\n", c->name,
                    format_name(fmt), hba_outcome_name(v.outcome), (int)v.change, (int)v.no_medium,
                    (int)v.have_sense, hba_outcome_name(c->outcome), (int)c->change, (int)c->no_medium,
                    (int)want_sense);
    assert_int_equal(v.outcome, c->outcome);
    assert_int_equal(v.change, c->change);
    assert_int_equal(v.no_medium, c->no_medium);
    assert_int_equal(v.have_sense, want_sense);
    if (want_sense) {
        assert_int_equal(v.sense.descriptor, fmt == SENSE_DESC);
        assert_int_equal(v.sense.key, c->key);
        assert_int_equal(v.sense.asc, c->asc);
        assert_int_equal(v.sense.ascq, c->ascq);
    }
}

static void test_classify_table(void **state)
{
    (void)state;
    bool outcome_seen[HBA_OUTCOME_COUNT] = { false };
    bool change_seen[HBA_CHANGE_OTHER + 1] = { false };
    for (size_t i = 0; i < sizeof(classify_cases) / sizeof(classify_cases[0]); i++) {
        const struct classify_case *c = &classify_cases[i];
        if (c->sense) {
            check_case(c, SENSE_FIXED);
            check_case(c, SENSE_DESC);
        } else {
            check_case(c, SENSE_NONE);
        }
        outcome_seen[c->outcome] = true;
        change_seen[c->change] = true;
    }
    /* The table exercises every outcome and every change. */
    for (int o = 0; o < HBA_OUTCOME_COUNT; o++) {
        if (!outcome_seen[o])
            print_error("no case for outcome %s\n", hba_outcome_name((enum hba_outcome)o));
        assert_true(outcome_seen[o]);
    }
    for (int ch = HBA_CHANGE_NONE; ch <= HBA_CHANGE_OTHER; ch++)
        assert_true(change_seen[ch]);
}

/* ---- focused tests ---- */

/* Every transport response, each time with CHECK CONDITION and sense that would classify as a
 * UNIT ATTENTION: the response decides alone, the sense is not decoded. */
static void test_every_response_wins_over_status_and_sense(void **state)
{
    (void)state;
    static const enum hba_outcome want[HBA_RESPONSE_COUNT] = {
        [HBA_RESPONSE_OK] = HBA_OUTCOME_UNIT_ATTENTION,
        [HBA_RESPONSE_OVERRUN] = HBA_OUTCOME_TRANSPORT_ERROR,
        [HBA_RESPONSE_ABORTED] = HBA_OUTCOME_CANCELLED,
        [HBA_RESPONSE_BAD_TARGET] = HBA_OUTCOME_GONE,
        [HBA_RESPONSE_RESET] = HBA_OUTCOME_CANCELLED,
        [HBA_RESPONSE_BUSY] = HBA_OUTCOME_BUSY,
        [HBA_RESPONSE_TRANSPORT_FAILURE] = HBA_OUTCOME_TRANSPORT_ERROR,
        [HBA_RESPONSE_TARGET_FAILURE] = HBA_OUTCOME_TRANSPORT_ERROR,
        [HBA_RESPONSE_NEXUS_FAILURE] = HBA_OUTCOME_TRANSPORT_ERROR,
        [HBA_RESPONSE_FAILURE] = HBA_OUTCOME_TRANSPORT_ERROR,
        [HBA_RESPONSE_FUNCTION_SUCCEEDED] = HBA_OUTCOME_TRANSPORT_ERROR,
        [HBA_RESPONSE_FUNCTION_REJECTED] = HBA_OUTCOME_TRANSPORT_ERROR,
        [HBA_RESPONSE_INCORRECT_LUN] = HBA_OUTCOME_GONE,
        [HBA_RESPONSE_LOST] = HBA_OUTCOME_LOST,
        [HBA_RESPONSE_NO_ANSWER] = HBA_OUTCOME_TRANSPORT_ERROR,
    };
    for (int r = 0; r < HBA_RESPONSE_COUNT; r++) {
        struct hba_cmd cmd;
        struct hba_verdict v;
        cmd_check(&cmd, SENSE_FIXED, SCSI_SENSE_UNIT_ATTENTION, 0x2a, 0x09);
        cmd.response = (enum hba_response)r;
        classify(&cmd, &v);
        if (v.outcome != want[r])
            print_error("response %s: outcome %s, want %s\n", hba_response_name((enum hba_response)r),
                        hba_outcome_name(v.outcome), hba_outcome_name(want[r]));
        assert_int_equal(v.outcome, want[r]);
        if (r == HBA_RESPONSE_OK) {
            assert_true(v.have_sense);
            assert_int_equal(v.change, HBA_CHANGE_CAPACITY);
        } else {
            assert_false(v.have_sense);
            assert_int_equal(v.change, HBA_CHANGE_NONE);
            assert_false(v.no_medium);
        }
    }
    /* A response beyond the enum (a driver bug) is a transport error, never DONE. */
    struct hba_cmd cmd;
    struct hba_verdict v;
    cmd_init(&cmd, (enum hba_response)HBA_RESPONSE_COUNT, SCSI_STATUS_GOOD);
    classify(&cmd, &v);
    assert_int_equal(v.outcome, HBA_OUTCOME_TRANSPORT_ERROR);
    cmd_init(&cmd, (enum hba_response)0x7fff, SCSI_STATUS_GOOD);
    classify(&cmd, &v);
    assert_int_equal(v.outcome, HBA_OUTCOME_TRANSPORT_ERROR);
}

/* Status BUSY / TASK SET FULL / RESERVATION CONFLICT decide even when sense came along. */
static void test_status_with_sense_ignores_the_sense_key(void **state)
{
    (void)state;
    struct hba_cmd cmd;
    struct hba_verdict v;
    cmd_init(&cmd, HBA_RESPONSE_OK, SCSI_STATUS_BUSY);
    set_sense_fixed(&cmd, SCSI_SENSE_MEDIUM_ERROR, 0x11, 0x00);
    classify(&cmd, &v);
    assert_int_equal(v.outcome, HBA_OUTCOME_BUSY);
    cmd_init(&cmd, HBA_RESPONSE_OK, SCSI_STATUS_TASK_SET_FULL);
    set_sense_fixed(&cmd, SCSI_SENSE_UNIT_ATTENTION, 0x2a, 0x09);
    classify(&cmd, &v);
    assert_int_equal(v.outcome, HBA_OUTCOME_BUSY);
    assert_int_equal(v.change, HBA_CHANGE_NONE);
    cmd_init(&cmd, HBA_RESPONSE_OK, SCSI_STATUS_RESERVATION_CONFLICT);
    set_sense_fixed(&cmd, SCSI_SENSE_NOT_READY, 0x3a, 0x00);
    classify(&cmd, &v);
    assert_int_equal(v.outcome, HBA_OUTCOME_STATUS);
    assert_false(v.no_medium);
}

/* GOOD is DONE whatever the residual (the caller checks it), and whatever sense came with it. */
static void test_good_with_residual_is_done(void **state)
{
    (void)state;
    struct hba_cmd cmd;
    struct hba_verdict v;
    cmd_init(&cmd, HBA_RESPONSE_OK, SCSI_STATUS_GOOD);
    cmd.data_len = 8192;
    cmd.residual = 4096;
    classify(&cmd, &v);
    assert_int_equal(v.outcome, HBA_OUTCOME_DONE);
    assert_int_equal(v.change, HBA_CHANGE_NONE);
    assert_false(v.no_medium);
    assert_false(v.have_sense);
    cmd.residual = cmd.data_len; /* nothing moved at all */
    classify(&cmd, &v);
    assert_int_equal(v.outcome, HBA_OUTCOME_DONE);
    /* GOOD with sense (informational, e.g. RECOVERED ERROR): still DONE, the sense decoded. */
    set_sense_fixed(&cmd, SCSI_SENSE_UNIT_ATTENTION, 0x29, 0x00);
    classify(&cmd, &v);
    assert_int_equal(v.outcome, HBA_OUTCOME_DONE);
    assert_int_equal(v.change, HBA_CHANGE_NONE);
    assert_true(v.have_sense);
    assert_int_equal(v.sense.key, SCSI_SENSE_UNIT_ATTENTION);
}

/* CHECK CONDITION with sense that cannot be used: a plain CHECK_CONDITION, have_sense false. */
static void test_check_condition_without_usable_sense(void **state)
{
    (void)state;
    struct hba_cmd cmd;
    struct hba_verdict v;

    /* No sense bytes at all, though the buffer holds a valid-looking UNIT ATTENTION. */
    cmd_check(&cmd, SENSE_FIXED, SCSI_SENSE_UNIT_ATTENTION, 0x2a, 0x09);
    cmd.sense_len = 0;
    classify(&cmd, &v);
    assert_int_equal(v.outcome, HBA_OUTCOME_CHECK_CONDITION);
    assert_false(v.have_sense);
    assert_int_equal(v.change, HBA_CHANGE_NONE);

    /* More than the buffer holds: a driver bug; the classifier must not read past sense[]. */
    static const uint32_t too_long[] = { HBA_SENSE_MAX + 1, HBA_SENSE_MAX * 2, UINT32_MAX };
    for (size_t i = 0; i < sizeof(too_long) / sizeof(too_long[0]); i++) {
        cmd_check(&cmd, SENSE_FIXED, SCSI_SENSE_MEDIUM_ERROR, 0x11, 0x00);
        cmd.sense_len = too_long[i];
        classify(&cmd, &v);
        assert_int_equal(v.outcome, HBA_OUTCOME_CHECK_CONDITION);
        assert_false(v.have_sense);
    }
    /* Exactly HBA_SENSE_MAX is fine. */
    cmd_check(&cmd, SENSE_FIXED, SCSI_SENSE_MEDIUM_ERROR, 0x11, 0x00);
    cmd.sense_len = HBA_SENSE_MAX;
    classify(&cmd, &v);
    assert_int_equal(v.outcome, HBA_OUTCOME_MEDIUM_ERROR);
    assert_true(v.have_sense);

    /* Response codes that are not 0x70-0x73 (bit 7, VALID, aside). */
    static const uint8_t bad_codes[] = { 0x00, 0x01, 0x6f, 0x74, 0x7f, 0x80, 0xff };
    for (size_t i = 0; i < sizeof(bad_codes) / sizeof(bad_codes[0]); i++) {
        cmd_check(&cmd, SENSE_FIXED, SCSI_SENSE_ILLEGAL_REQUEST, 0x25, 0x00);
        cmd.sense[0] = bad_codes[i];
        classify(&cmd, &v);
        assert_int_equal(v.outcome, HBA_OUTCOME_CHECK_CONDITION);
        assert_false(v.have_sense);
    }

    /* A valid response code but shorter than the 8-byte header. */
    cmd_check(&cmd, SENSE_DESC, SCSI_SENSE_NOT_READY, 0x3a, 0x00);
    cmd.sense_len = 7;
    classify(&cmd, &v);
    assert_int_equal(v.outcome, HBA_OUTCOME_CHECK_CONDITION);
    assert_false(v.have_sense);
    assert_false(v.no_medium);
}

/* Bits next to the sense key (FILEMARK, EOM, ILI in fixed byte 2, reserved bits in descriptor
 * byte 1) and the VALID bit in byte 0 do not change the key. */
static void test_sense_key_ignores_neighbouring_bits(void **state)
{
    (void)state;
    struct hba_cmd cmd;
    struct hba_verdict v;
    cmd_check(&cmd, SENSE_FIXED, SCSI_SENSE_MEDIUM_ERROR, 0x11, 0x00);
    cmd.sense[0] = 0x80 | SCSI_SENSE_FIXED_CURRENT; /* VALID: INFORMATION holds the LBA */
    cmd.sense[2] = 0xe0 | SCSI_SENSE_MEDIUM_ERROR;
    scsi_put_be32(cmd.sense + 3, 0x12345678);
    classify(&cmd, &v);
    assert_int_equal(v.outcome, HBA_OUTCOME_MEDIUM_ERROR);
    assert_true(v.have_sense);
    assert_true(v.sense.information_valid);
    assert_int_equal(v.sense.information, 0x12345678);

    cmd_check(&cmd, SENSE_DESC, SCSI_SENSE_DATA_PROTECT, 0x27, 0x00);
    cmd.sense[1] = 0xf0 | SCSI_SENSE_DATA_PROTECT;
    classify(&cmd, &v);
    assert_int_equal(v.outcome, HBA_OUTCOME_WRITE_PROTECTED);
}

/* Descriptor-format sense, with an information descriptor after the header. */
static void test_descriptor_sense_with_descriptors(void **state)
{
    (void)state;
    struct hba_cmd cmd;
    struct hba_verdict v;
    cmd_init(&cmd, HBA_RESPONSE_OK, SCSI_STATUS_CHECK_CONDITION);
    memset(cmd.sense, 0, sizeof(cmd.sense));
    const uint8_t sense[] = {
        0x72, SCSI_SENSE_UNIT_ATTENTION, 0x3f, 0x0e, 0, 0, 0, 12,      /* header */
        0x00, 0x0a, 0x80, 0x00, 0, 0, 0, 0, 0x00, 0x00, 0x10, 0x00, /* INFORMATION 0x1000 */
    };
    memcpy(cmd.sense, sense, sizeof(sense));
    cmd.sense_len = sizeof(sense);
    classify(&cmd, &v);
    assert_int_equal(v.outcome, HBA_OUTCOME_UNIT_ATTENTION);
    assert_int_equal(v.change, HBA_CHANGE_LUN_INVENTORY);
    assert_true(v.have_sense);
    assert_true(v.sense.descriptor);
    assert_true(v.sense.information_valid);
    assert_int_equal(v.sense.information, 0x1000);
}

/* Fixed sense whose ADDITIONAL SENSE LENGTH stops before ASC/ASCQ: the bytes beyond it are not
 * believed (asc = ascq = 0), so 25/00 left there does not make the LUN gone. */
static void test_fixed_sense_cut_before_asc(void **state)
{
    (void)state;
    struct hba_cmd cmd;
    struct hba_verdict v;
    cmd_check(&cmd, SENSE_FIXED, SCSI_SENSE_ILLEGAL_REQUEST, 0x25, 0x00);
    cmd.sense[7] = 4; /* valid through byte 11 */
    classify(&cmd, &v);
    assert_true(v.have_sense);
    assert_int_equal(v.sense.asc, 0);
    assert_int_equal(v.outcome, HBA_OUTCOME_CHECK_CONDITION);

    /* 8 bytes only: the key, no ASC. UNIT ATTENTION 00/00 is some other change. */
    cmd_check(&cmd, SENSE_FIXED, SCSI_SENSE_UNIT_ATTENTION, 0x2a, 0x09);
    cmd.sense_len = 8;
    classify(&cmd, &v);
    assert_true(v.have_sense);
    assert_int_equal(v.outcome, HBA_OUTCOME_UNIT_ATTENTION);
    assert_int_equal(v.change, HBA_CHANGE_OTHER);

    /* NOT READY with the ASC cut off: not known to be a missing medium. */
    cmd_check(&cmd, SENSE_FIXED, SCSI_SENSE_NOT_READY, 0x3a, 0x00);
    cmd.sense_len = 13; /* ASC there, ASCQ not */
    classify(&cmd, &v);
    assert_int_equal(v.outcome, HBA_OUTCOME_NOT_READY);
    assert_false(v.no_medium);
}

/* Deferred sense (0x71, 0x73) decodes and says so; it tells of an earlier command, so whatever its
 * key it is a plain CHECK CONDITION for this one: never a retry, never a LUN gone. */
static void test_deferred_sense_is_an_error_of_its_own(void **state)
{
    (void)state;
    struct hba_cmd cmd;
    struct hba_verdict v;
    cmd_check(&cmd, SENSE_FIXED, SCSI_SENSE_MEDIUM_ERROR, 0x0c, 0x00);
    cmd.sense[0] = SCSI_SENSE_FIXED_DEFERRED;
    classify(&cmd, &v);
    assert_true(v.have_sense);
    assert_true(v.sense.deferred);
    assert_int_equal(v.sense.key, SCSI_SENSE_MEDIUM_ERROR);
    assert_int_equal(v.outcome, HBA_OUTCOME_CHECK_CONDITION);
    cmd_check(&cmd, SENSE_DESC, SCSI_SENSE_HARDWARE_ERROR, 0x44, 0x00);
    cmd.sense[0] = SCSI_SENSE_DESC_DEFERRED;
    classify(&cmd, &v);
    assert_true(v.have_sense);
    assert_true(v.sense.deferred);
    assert_true(v.sense.descriptor);
    assert_int_equal(v.outcome, HBA_OUTCOME_CHECK_CONDITION);
    cmd_check(&cmd, SENSE_FIXED, SCSI_SENSE_UNIT_ATTENTION, 0x29, 0x00);
    cmd.sense[0] = SCSI_SENSE_FIXED_DEFERRED;
    classify(&cmd, &v);
    assert_int_equal(v.outcome, HBA_OUTCOME_CHECK_CONDITION);
    assert_int_equal(v.change, HBA_CHANGE_NONE);
    cmd_check(&cmd, SENSE_FIXED, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_LOGICAL_UNIT_NOT_SUPPORTED, 0x00);
    cmd.sense[0] = SCSI_SENSE_FIXED_DEFERRED;
    classify(&cmd, &v);
    assert_int_equal(v.outcome, HBA_OUTCOME_CHECK_CONDITION);
}

/* Fields that belong to other outcomes stay cleared, even when the verdict is reused. */
static void test_verdict_reused_is_cleared(void **state)
{
    (void)state;
    struct hba_cmd cmd;
    struct hba_verdict v;
    memset(&v, 0xff, sizeof(v));
    cmd_check(&cmd, SENSE_FIXED, SCSI_SENSE_NOT_READY, 0x3a, 0x02);
    hba_classify(&cmd, &v);
    assert_int_equal(v.outcome, HBA_OUTCOME_NOT_READY);
    assert_true(v.no_medium);
    assert_int_equal(v.change, HBA_CHANGE_NONE);

    cmd_check(&cmd, SENSE_FIXED, SCSI_SENSE_UNIT_ATTENTION, 0x29, 0x02);
    hba_classify(&cmd, &v);
    assert_int_equal(v.outcome, HBA_OUTCOME_UNIT_ATTENTION);
    assert_int_equal(v.change, HBA_CHANGE_RESET);
    assert_false(v.no_medium);

    cmd_init(&cmd, HBA_RESPONSE_OK, SCSI_STATUS_GOOD);
    hba_classify(&cmd, &v);
    assert_int_equal(v.outcome, HBA_OUTCOME_DONE);
    assert_int_equal(v.change, HBA_CHANGE_NONE);
    assert_false(v.no_medium);
    assert_false(v.have_sense);
    assert_int_equal(v.sense.key, 0);
    assert_int_equal(v.sense.asc, 0);
    assert_int_equal(v.sense.ascq, 0);
    assert_int_equal(v.sense.response_code, 0);

    cmd_init(&cmd, HBA_RESPONSE_RESET, SCSI_STATUS_GOOD);
    hba_classify(&cmd, &v);
    assert_int_equal(v.outcome, HBA_OUTCOME_CANCELLED);
    assert_false(v.have_sense);
    assert_int_equal(v.change, HBA_CHANGE_NONE);
}

/* ---- names ---- */

static void test_outcome_names(void **state)
{
    (void)state;
    for (int i = 0; i < HBA_OUTCOME_COUNT; i++) {
        const char *name = hba_outcome_name((enum hba_outcome)i);
        assert_non_null(name);
        assert_true(name[0] != '\0');
        assert_string_not_equal(name, "unknown");
        for (int j = 0; j < i; j++)
            assert_string_not_equal(name, hba_outcome_name((enum hba_outcome)j));
    }
    /* Every outcome has its own name (above); a few of them, word for word. */
    assert_string_equal(hba_outcome_name(HBA_OUTCOME_DONE), "done");
    assert_string_equal(hba_outcome_name(HBA_OUTCOME_UNIT_ATTENTION), "unit attention");
    assert_string_equal(hba_outcome_name(HBA_OUTCOME_WRITE_PROTECTED), "write-protected");
    assert_string_equal(hba_outcome_name(HBA_OUTCOME_TRANSPORT_ERROR), "transport error");
    assert_string_equal(hba_outcome_name(HBA_OUTCOME_COUNT), "unknown");
    assert_string_equal(hba_outcome_name((enum hba_outcome)(HBA_OUTCOME_COUNT + 1)), "unknown");
    assert_string_equal(hba_outcome_name((enum hba_outcome)1000), "unknown");
    assert_string_equal(hba_outcome_name((enum hba_outcome)-1), "unknown");
}

static void test_response_names(void **state)
{
    (void)state;
    for (int i = 0; i < HBA_RESPONSE_COUNT; i++) {
        const char *name = hba_response_name((enum hba_response)i);
        assert_non_null(name);
        assert_true(name[0] != '\0');
        assert_string_not_equal(name, "unknown response");
        for (int j = 0; j < i; j++)
            assert_string_not_equal(name, hba_response_name((enum hba_response)j));
    }
    /* The transport's own responses carry virtio 1.2 5.6.6.1's names (VIRTIO_SCSI_S_ dropped). */
    assert_string_equal(hba_response_name(HBA_RESPONSE_OK), "OK");
    assert_string_equal(hba_response_name(HBA_RESPONSE_BAD_TARGET), "BAD_TARGET");
    assert_string_equal(hba_response_name(HBA_RESPONSE_TARGET_FAILURE), "TARGET_FAILURE");
    assert_string_equal(hba_response_name(HBA_RESPONSE_FUNCTION_REJECTED), "FUNCTION_REJECTED");
    assert_string_equal(hba_response_name(HBA_RESPONSE_INCORRECT_LUN), "INCORRECT_LUN");
    /* The two the recovery adds say what happened in words. */
    assert_string_equal(hba_response_name(HBA_RESPONSE_LOST), "lost in an HBA reset");
    assert_string_equal(hba_response_name(HBA_RESPONSE_NO_ANSWER), "no answer before an HBA reset");
    assert_string_equal(hba_response_name(HBA_RESPONSE_COUNT), "unknown response");
    assert_string_equal(hba_response_name((enum hba_response)(HBA_RESPONSE_COUNT + 7)), "unknown response");
    assert_string_equal(hba_response_name((enum hba_response)-1), "unknown response");
}

/* ---- hba_verdict_describe ---- */

/* Classify, then describe into a buffer that held garbage. */
static void describe(const char *transport, const struct hba_cmd *cmd, char *buf, size_t len)
{
    struct hba_verdict v;
    hba_classify(cmd, &v);
    memset(buf, 'x', len);
    hba_verdict_describe(transport, cmd, &v, buf, len);
}

static void test_describe_transport_response(void **state)
{
    (void)state;
    struct hba_cmd cmd;
    char buf[160];
    cmd_init(&cmd, HBA_RESPONSE_BAD_TARGET, SCSI_STATUS_GOOD);
    describe("virtio-scsi", &cmd, buf, sizeof(buf));
    assert_string_equal(buf, "virtio-scsi response BAD_TARGET");

    cmd_init(&cmd, HBA_RESPONSE_INCORRECT_LUN, SCSI_STATUS_GOOD);
    describe("fake", &cmd, buf, sizeof(buf));
    assert_string_equal(buf, "fake response INCORRECT_LUN");

    cmd_init(&cmd, HBA_RESPONSE_LOST, SCSI_STATUS_GOOD);
    describe("virtio-scsi", &cmd, buf, sizeof(buf));
    assert_string_equal(buf, "virtio-scsi response lost in an HBA reset");

    /* The response is what is told, even with CHECK CONDITION and sense in the command. */
    cmd_check(&cmd, SENSE_FIXED, SCSI_SENSE_MEDIUM_ERROR, 0x11, 0x00);
    cmd.response = HBA_RESPONSE_TRANSPORT_FAILURE;
    describe("virtio-scsi", &cmd, buf, sizeof(buf));
    assert_string_equal(buf, "virtio-scsi response TRANSPORT_FAILURE");
}

static void test_describe_check_condition_known_asc(void **state)
{
    (void)state;
    struct hba_cmd cmd;
    char buf[160];
    cmd_check(&cmd, SENSE_FIXED, SCSI_SENSE_MEDIUM_ERROR, 0x11, 0x00);
    describe("virtio-scsi", &cmd, buf, sizeof(buf));
    assert_string_equal(buf, "CHECK CONDITION, sense MEDIUM ERROR 11/00 (UNRECOVERED READ ERROR)");

    cmd_check(&cmd, SENSE_DESC, SCSI_SENSE_UNIT_ATTENTION, 0x2a, 0x09);
    describe("virtio-scsi", &cmd, buf, sizeof(buf));
    assert_string_equal(buf, "CHECK CONDITION, sense UNIT ATTENTION 2a/09 (CAPACITY DATA HAS CHANGED)");

    cmd_check(&cmd, SENSE_FIXED, SCSI_SENSE_ILLEGAL_REQUEST, 0x25, 0x00);
    describe("virtio-scsi", &cmd, buf, sizeof(buf));
    assert_string_equal(buf, "CHECK CONDITION, sense ILLEGAL REQUEST 25/00 (LOGICAL UNIT NOT SUPPORTED)");

    cmd_check(&cmd, SENSE_FIXED, SCSI_SENSE_NOT_READY, 0x3a, 0x02);
    describe("virtio-scsi", &cmd, buf, sizeof(buf));
    assert_string_equal(buf, "CHECK CONDITION, sense NOT READY 3a/02 (MEDIUM NOT PRESENT - TRAY OPEN)");

    cmd_check(&cmd, SENSE_FIXED, SCSI_SENSE_DATA_PROTECT, 0x27, 0x00);
    describe("virtio-scsi", &cmd, buf, sizeof(buf));
    assert_string_equal(buf, "CHECK CONDITION, sense DATA PROTECT 27/00 (WRITE PROTECTED)");
}

static void test_describe_check_condition_unknown_asc(void **state)
{
    (void)state;
    struct hba_cmd cmd;
    char buf[160];
    cmd_check(&cmd, SENSE_FIXED, SCSI_SENSE_ABORTED_COMMAND, 0x99, 0x42);
    describe("virtio-scsi", &cmd, buf, sizeof(buf));
    assert_string_equal(buf, "CHECK CONDITION, sense ABORTED COMMAND 99/42 (no description)");

    cmd_check(&cmd, SENSE_DESC, SCSI_SENSE_HARDWARE_ERROR, 0xff, 0xff);
    describe("virtio-scsi", &cmd, buf, sizeof(buf));
    assert_string_equal(buf, "CHECK CONDITION, sense HARDWARE ERROR ff/ff (no description)");
}

static void test_describe_without_usable_sense(void **state)
{
    (void)state;
    struct hba_cmd cmd;
    char buf[160];
    cmd_init(&cmd, HBA_RESPONSE_OK, SCSI_STATUS_CHECK_CONDITION);
    describe("virtio-scsi", &cmd, buf, sizeof(buf));
    assert_string_equal(buf, "CHECK CONDITION without usable sense data");

    cmd_check(&cmd, SENSE_FIXED, SCSI_SENSE_MEDIUM_ERROR, 0x11, 0x00);
    cmd.sense[0] = 0x00;
    describe("virtio-scsi", &cmd, buf, sizeof(buf));
    assert_string_equal(buf, "CHECK CONDITION without usable sense data");

    cmd_check(&cmd, SENSE_FIXED, SCSI_SENSE_MEDIUM_ERROR, 0x11, 0x00);
    cmd.sense_len = HBA_SENSE_MAX + 1;
    describe("virtio-scsi", &cmd, buf, sizeof(buf));
    assert_string_equal(buf, "CHECK CONDITION without usable sense data");
}

static void test_describe_other_status(void **state)
{
    (void)state;
    struct hba_cmd cmd;
    char buf[160];
    cmd_init(&cmd, HBA_RESPONSE_OK, SCSI_STATUS_RESERVATION_CONFLICT);
    describe("virtio-scsi", &cmd, buf, sizeof(buf));
    assert_string_equal(buf, "status RESERVATION CONFLICT");

    cmd_init(&cmd, HBA_RESPONSE_OK, SCSI_STATUS_TASK_SET_FULL);
    describe("virtio-scsi", &cmd, buf, sizeof(buf));
    assert_string_equal(buf, "status TASK SET FULL");

    cmd_init(&cmd, HBA_RESPONSE_OK, SCSI_STATUS_BUSY);
    describe("virtio-scsi", &cmd, buf, sizeof(buf));
    assert_string_equal(buf, "status BUSY");

    /* Sense with a status other than CHECK CONDITION is not told. */
    cmd_init(&cmd, HBA_RESPONSE_OK, SCSI_STATUS_ACA_ACTIVE);
    set_sense_fixed(&cmd, SCSI_SENSE_MEDIUM_ERROR, 0x11, 0x00);
    describe("virtio-scsi", &cmd, buf, sizeof(buf));
    assert_string_equal(buf, "status ACA ACTIVE");

    cmd_init(&cmd, HBA_RESPONSE_OK, 0x7e);
    describe("virtio-scsi", &cmd, buf, sizeof(buf));
    assert_string_equal(buf, "status unknown");
}

/* A short buffer gets a truncated, terminated line; a zero-length one is not written. */
static void test_describe_truncates(void **state)
{
    (void)state;
    struct hba_cmd cmd;
    struct hba_verdict v;
    char buf[16];
    cmd_check(&cmd, SENSE_FIXED, SCSI_SENSE_MEDIUM_ERROR, 0x11, 0x00);
    hba_classify(&cmd, &v);
    memset(buf, 'x', sizeof(buf));
    hba_verdict_describe("virtio-scsi", &cmd, &v, buf, 10);
    assert_string_equal(buf, "CHECK CON");
    for (size_t i = 10; i < sizeof(buf); i++)
        assert_int_equal(buf[i], 'x'); /* nothing written past len */

    memset(buf, 'x', sizeof(buf));
    hba_verdict_describe("virtio-scsi", &cmd, &v, buf, 0);
    for (size_t i = 0; i < sizeof(buf); i++)
        assert_int_equal(buf[i], 'x');
    hba_verdict_describe("virtio-scsi", &cmd, &v, buf, 1);
    assert_int_equal(buf[0], '\0');
    assert_int_equal(buf[1], 'x');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classify_table),
        cmocka_unit_test(test_every_response_wins_over_status_and_sense),
        cmocka_unit_test(test_status_with_sense_ignores_the_sense_key),
        cmocka_unit_test(test_good_with_residual_is_done),
        cmocka_unit_test(test_check_condition_without_usable_sense),
        cmocka_unit_test(test_sense_key_ignores_neighbouring_bits),
        cmocka_unit_test(test_descriptor_sense_with_descriptors),
        cmocka_unit_test(test_fixed_sense_cut_before_asc),
        cmocka_unit_test(test_deferred_sense_is_an_error_of_its_own),
        cmocka_unit_test(test_verdict_reused_is_cleared),
        cmocka_unit_test(test_outcome_names),
        cmocka_unit_test(test_response_names),
        cmocka_unit_test(test_describe_transport_response),
        cmocka_unit_test(test_describe_check_condition_known_asc),
        cmocka_unit_test(test_describe_check_condition_unknown_asc),
        cmocka_unit_test(test_describe_without_usable_sense),
        cmocka_unit_test(test_describe_other_status),
        cmocka_unit_test(test_describe_truncates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
