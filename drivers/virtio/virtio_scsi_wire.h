/*
 * virtio-scsi's wire format (virtio 1.2, 5.6.6): the request LUN field, the response codes and
 * the event records. Pure: the driver (drivers/virtio_scsi/) builds and parses with these, and
 * the parsers are fuzzed on the host.
 */
#ifndef DRIVERS_VIRTIO_VIRTIO_SCSI_WIRE_H
#define DRIVERS_VIRTIO_VIRTIO_SCSI_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VSCSI_CDB_SIZE 32   /* what lunbench sets cdb_size to (the device default) */
#define VSCSI_SENSE_SIZE 96 /* what lunbench sets sense_size to (the device default) */

/* Request and response headers of a command (5.6.6.1); the request id is ours to choose. */
struct __attribute__((packed)) vscsi_req_hdr {
    uint8_t lun[8];
    uint64_t id;
    uint8_t task_attr, prio, crn;
    uint8_t cdb[VSCSI_CDB_SIZE];
};

struct __attribute__((packed)) vscsi_resp_hdr {
    uint32_t sense_len;
    uint32_t residual;
    uint16_t status_qualifier;
    uint8_t status;
    uint8_t response;
    uint8_t sense[VSCSI_SENSE_SIZE];
};

/* A task-management request and its answer on the control queue (5.6.6.2). */
#define VIRTIO_SCSI_T_TMF 0
#define VIRTIO_SCSI_T_TMF_ABORT_TASK 0
#define VIRTIO_SCSI_T_TMF_ABORT_TASK_SET 1
#define VIRTIO_SCSI_T_TMF_CLEAR_ACA 2
#define VIRTIO_SCSI_T_TMF_CLEAR_TASK_SET 3
#define VIRTIO_SCSI_T_TMF_I_T_NEXUS_RESET 4
#define VIRTIO_SCSI_T_TMF_LOGICAL_UNIT_RESET 5
#define VIRTIO_SCSI_T_TMF_QUERY_TASK 6
#define VIRTIO_SCSI_T_TMF_QUERY_TASK_SET 7

struct __attribute__((packed)) vscsi_tmf_req {
    uint32_t type, subtype;
    uint8_t lun[8];
    uint64_t id;
};

struct __attribute__((packed)) vscsi_tmf_resp {
    uint8_t response;
};

/* Responses (5.6.6.1); drivers/hba/hba.h takes them as the seam's own (enum hba_response). */
enum {
    VIRTIO_SCSI_S_OK = 0,
    VIRTIO_SCSI_S_OVERRUN = 1,
    VIRTIO_SCSI_S_ABORTED = 2,
    VIRTIO_SCSI_S_BAD_TARGET = 3,
    VIRTIO_SCSI_S_RESET = 4,
    VIRTIO_SCSI_S_BUSY = 5,
    VIRTIO_SCSI_S_TRANSPORT_FAILURE = 6,
    VIRTIO_SCSI_S_TARGET_FAILURE = 7,
    VIRTIO_SCSI_S_NEXUS_FAILURE = 8,
    VIRTIO_SCSI_S_FAILURE = 9,
    VIRTIO_SCSI_S_FUNCTION_SUCCEEDED = 10,
    VIRTIO_SCSI_S_FUNCTION_REJECTED = 11,
    VIRTIO_SCSI_S_INCORRECT_LUN = 12,
};

#define VSCSI_LUN_MAX 16383 /* 14 bits of flat space addressing */
/* Encode a LUN as QEMU/virtio-scsi expects in the 8-byte request LUN field:
 * {1, target, 0x40 | lun >> 8, lun & 0xff, 0,0,0,0} (virtio 1.2, 5.6.6.1). Returns -1 if
 * lun > 16383, with out all zero (QEMU answers BAD_TARGET to that rather than reach a device). */
static inline int vscsi_lun_encode(uint8_t out[8], uint8_t target, uint16_t lun)
{
    /* virtio 1.2 5.6.6.1: byte 0 is 1, byte 1 the target, bytes 2-3 a flat-space single-level
     * LUN; QEMU also uses it for LUN < 256. */
    /* Byte stores, not a memset: inline, on every I/O. */
    out[4] = out[5] = out[6] = out[7] = 0;
    if (lun > VSCSI_LUN_MAX) {
        out[0] = out[1] = out[2] = out[3] = 0;
        return -1;
    }
    out[0] = 1;
    out[1] = target;
    out[2] = (uint8_t)(0x40 | lun >> 8);
    out[3] = (uint8_t)lun;
    return 0;
}

/*
 * An event the device writes into an event-queue buffer (virtio 1.2, 5.6.6.3): le32 event,
 * u8 lun[8], le32 reason; 16 bytes (the buffer may be longer: event_info_size).
 * Event types are the spec's VIRTIO_SCSI_T_*; EVENTS_MISSED is a flag or'ed into the type when
 * the device dropped events for want of buffers (the driver should then rescan).
 */
#define VSCSI_EVENT_LEN 16
#define VSCSI_EVENT_MISSED_FLAG 0x80000000u
enum {
    VSCSI_EVENT_NO_EVENT = 0,        /* VIRTIO_SCSI_T_NO_EVENT: only to carry EVENTS_MISSED */
    VSCSI_EVENT_TRANSPORT_RESET = 1, /* VIRTIO_SCSI_T_TRANSPORT_RESET (5.6.6.3.1): hotplug */
    VSCSI_EVENT_ASYNC_NOTIFY = 2,    /* VIRTIO_SCSI_T_ASYNC_NOTIFY (5.6.6.3.2) */
    VSCSI_EVENT_PARAM_CHANGE = 3,    /* VIRTIO_SCSI_T_PARAM_CHANGE (5.6.6.3.3) */
};
/* TRANSPORT_RESET reasons (VIRTIO_SCSI_EVT_RESET_*, 5.6.6.3.1): RESCAN when a LUN appeared
 * (hotplug), REMOVED when one went away (unplug). */
enum { VSCSI_EVENT_RESET_HARD = 0, VSCSI_EVENT_RESET_RESCAN = 1, VSCSI_EVENT_RESET_REMOVED = 2 };

struct vscsi_event {
    uint32_t event;     /* the type, without VSCSI_EVENT_MISSED_FLAG */
    bool events_missed; /* the device dropped events: rescan */
    bool has_lun;       /* false for NO_EVENT: QEMU leaves the LUN zero there */
    uint8_t target;
    uint16_t lun;
    uint32_t reason;
    uint8_t asc, ascq; /* PARAM_CHANGE: reason = asc | ascq << 8 (the sense code that changed) */
};
/*
 * Decode the event record of len bytes (the used length the device reported, already clipped to
 * the buffer). Returns 0, or -1 when fewer than 16 bytes arrived or, for any event but NO_EVENT,
 * the LUN field is not virtio's single-level form {1, target, LUN (SAM-5 4.7: peripheral or flat
 * addressing), 0, 0, 0, 0} (5.6.6.1); on that -1, event, events_missed, reason, asc and ascq
 * are still filled in (for the error line), has_lun is false. NO_EVENT does not name a LUN, so its
 * LUN field is not read.
 */
int vscsi_event_decode(const uint8_t *buf, size_t len, struct vscsi_event *ev);

#endif
