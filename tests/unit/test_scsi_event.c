/* virtio-scsi event records (drivers/scsi/scsi_event.c): what QEMU writes on hotplug, unplug and
 * parameter changes, and the malformed records a buggy device could write instead. */
#include <string.h>

#include "drivers/scsi/scsi.h"
#include "drivers/virtio/virtio_scsi_wire.h"
#include "test_support.h"

/* A 16-byte struct virtio_scsi_event (virtio 1.2, 5.6.6.3): le32 event, lun[8], le32 reason. */
static void make_event(uint8_t out[VSCSI_EVENT_LEN], uint32_t event, const uint8_t lun[8], uint32_t reason)
{
    for (int i = 0; i < 4; i++) {
        out[i] = (uint8_t)(event >> (8 * i));
        out[12 + i] = (uint8_t)(reason >> (8 * i));
    }
    memcpy(out + 4, lun, 8);
}

static void test_hotplug_rescan_flat_lun(void **state)
{
    (void)state;
    /* QEMU's virtio_scsi_push_event for a LUN >= 256: 1, target, 0x40 | lun >> 8, lun & 0xff. */
    const uint8_t lun[8] = { 1, 7, 0x40 | (300 >> 8), 300 & 0xff, 0, 0, 0, 0 };
    uint8_t buf[VSCSI_EVENT_LEN];
    make_event(buf, VSCSI_EVENT_TRANSPORT_RESET, lun, VSCSI_EVENT_RESET_RESCAN);
    struct vscsi_event ev;
    assert_int_equal(vscsi_event_decode(buf, sizeof buf, &ev), 0);
    assert_int_equal(ev.event, VSCSI_EVENT_TRANSPORT_RESET);
    assert_false(ev.events_missed);
    assert_true(ev.has_lun);
    assert_int_equal(ev.target, 7);
    assert_int_equal(ev.lun, 300);
    assert_int_equal(ev.reason, VSCSI_EVENT_RESET_RESCAN);
    assert_int_equal(ev.asc, 0);
    assert_int_equal(ev.ascq, 0);
}

static void test_unplug_peripheral_lun_in_longer_buffer(void **state)
{
    (void)state;
    /* LUN < 256 as QEMU writes it (peripheral addressing: byte 2 zero); the buffer is
     * event_info_size long, only its first 16 bytes are the event. */
    const uint8_t lun[8] = { 1, 2, 0x00, 5, 0, 0, 0, 0 };
    uint8_t buf[64];
    memset(buf, 0xee, sizeof buf);
    make_event(buf, VSCSI_EVENT_TRANSPORT_RESET, lun, VSCSI_EVENT_RESET_REMOVED);
    struct vscsi_event ev;
    assert_int_equal(vscsi_event_decode(buf, sizeof buf, &ev), 0);
    assert_int_equal(ev.target, 2);
    assert_int_equal(ev.lun, 5);
    assert_int_equal(ev.reason, VSCSI_EVENT_RESET_REMOVED);
}

static void test_param_change_splits_asc_ascq(void **state)
{
    (void)state;
    /* CAPACITY DATA HAS CHANGED (2A/09), with EVENTS_MISSED set on the same record. */
    const uint8_t lun[8] = { 1, 0, 0x40, 0x01, 0, 0, 0, 0 };
    uint8_t buf[VSCSI_EVENT_LEN];
    make_event(buf, VSCSI_EVENT_MISSED_FLAG | VSCSI_EVENT_PARAM_CHANGE, lun, 0x2a | 0x09 << 8);
    struct vscsi_event ev;
    assert_int_equal(vscsi_event_decode(buf, sizeof buf, &ev), 0);
    assert_int_equal(ev.event, VSCSI_EVENT_PARAM_CHANGE);
    assert_true(ev.events_missed);
    assert_int_equal(ev.asc, 0x2a);
    assert_int_equal(ev.ascq, 0x09);
    assert_int_equal(ev.lun, 1);
    assert_string_equal(scsi_asc_name(ev.asc, ev.ascq), "CAPACITY DATA HAS CHANGED");
}

static void test_events_missed_alone_has_no_lun(void **state)
{
    (void)state;
    /* QEMU's virtio_scsi_handle_event_vq: NO_EVENT | EVENTS_MISSED, reason 0, LUN all zero. */
    const uint8_t zero[8] = { 0 };
    uint8_t buf[VSCSI_EVENT_LEN];
    make_event(buf, VSCSI_EVENT_MISSED_FLAG | VSCSI_EVENT_NO_EVENT, zero, 0);
    struct vscsi_event ev;
    assert_int_equal(vscsi_event_decode(buf, sizeof buf, &ev), 0);
    assert_int_equal(ev.event, VSCSI_EVENT_NO_EVENT);
    assert_true(ev.events_missed);
    assert_false(ev.has_lun);
}

static void test_short_record(void **state)
{
    (void)state;
    const uint8_t lun[8] = { 1, 0, 0, 0, 0, 0, 0, 0 };
    uint8_t buf[VSCSI_EVENT_LEN];
    make_event(buf, VSCSI_EVENT_TRANSPORT_RESET, lun, VSCSI_EVENT_RESET_RESCAN);
    struct vscsi_event ev;
    memset(&ev, 0xa5, sizeof ev);
    /* 15 bytes: the reason's last byte did not arrive. */
    assert_int_equal(vscsi_event_decode(buf, VSCSI_EVENT_LEN - 1, &ev), -1);
    assert_int_equal(ev.event, 0);
    assert_int_equal(ev.reason, 0);
    assert_false(ev.has_lun);
    assert_int_equal(vscsi_event_decode(buf, 0, &ev), -1);
}

static void test_bad_lun_forms(void **state)
{
    (void)state;
    const uint8_t bad[][8] = {
        { 0, 3, 0x40, 1, 0, 0, 0, 0 },    /* byte 0 not 1 */
        { 2, 3, 0x40, 1, 0, 0, 0, 0 },    /* byte 0 not 1 */
        { 1, 3, 0x80, 1, 0, 0, 0, 0 },    /* logical unit addressing (10b) */
        { 1, 3, 0xc1, 0, 0, 0, 0, 0 },    /* extended addressing (11b): a well-known LUN */
        { 1, 3, 0x01, 1, 0, 0, 0, 0 },    /* peripheral addressing with bus 1 */
        { 1, 3, 0x40, 1, 0x40, 1, 0, 0 }, /* a second level */
        { 1, 3, 0x40, 1, 0, 0, 0, 1 },    /* a stray byte in the last level */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t buf[VSCSI_EVENT_LEN];
        make_event(buf, VSCSI_EVENT_TRANSPORT_RESET, bad[i], VSCSI_EVENT_RESET_RESCAN);
        struct vscsi_event ev;
        assert_int_equal(vscsi_event_decode(buf, sizeof buf, &ev), -1);
        /* What the caller reports: which event carried the bad LUN. */
        assert_int_equal(ev.event, VSCSI_EVENT_TRANSPORT_RESET);
        assert_int_equal(ev.reason, VSCSI_EVENT_RESET_RESCAN);
        assert_false(ev.has_lun);
        assert_int_equal(ev.lun, 0);
    }
}

static void test_highest_flat_lun_and_unknown_type(void **state)
{
    (void)state;
    /* LUN 16383 (QEMU's max_lun) on target 255; an event type the spec does not define still
     * decodes, with its LUN checked, so the caller can report it. */
    const uint8_t lun[8] = { 1, 255, 0x7f, 0xff, 0, 0, 0, 0 };
    uint8_t buf[VSCSI_EVENT_LEN];
    make_event(buf, 0x1234, lun, 0xdeadbeef);
    struct vscsi_event ev;
    assert_int_equal(vscsi_event_decode(buf, sizeof buf, &ev), 0);
    assert_int_equal(ev.event, 0x1234);
    assert_false(ev.events_missed);
    assert_int_equal(ev.target, 255);
    assert_int_equal(ev.lun, 16383);
    assert_int_equal(ev.reason, 0xdeadbeef);
    assert_int_equal(ev.asc, 0); /* only PARAM_CHANGE carries a sense code */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hotplug_rescan_flat_lun),
        cmocka_unit_test(test_unplug_peripheral_lun_in_longer_buffer),
        cmocka_unit_test(test_param_change_splits_asc_ascq),
        cmocka_unit_test(test_events_missed_alone_has_no_lun),
        cmocka_unit_test(test_short_record),
        cmocka_unit_test(test_bad_lun_forms),
        cmocka_unit_test(test_highest_flat_lun_and_unknown_type),
    };
    return cmocka_run_group_tests_name("scsi_event", tests, NULL, NULL);
}
