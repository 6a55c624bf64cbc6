/*
 * The virtio-scsi HBA driver (virtio 1.2, 5.6), polled and without a SCSI midlayer: a caller
 * fills a struct vscsi_cmd, submits it to a LUN on a request queue, kicks the queue once per
 * batch and polls for completions. Every command carries a deadline; one that passes it is
 * aborted (TMF ABORT TASK), then its LUN reset (LOGICAL UNIT RESET), then the whole device
 * reset and brought up again, each step reported with HBA, target, LUN and command.
 *
 * The caller keeps at most cmd_per_lun commands in flight per LUN (5.6.6.1: the driver MUST
 * NOT exceed it).
 */
#ifndef DRIVERS_VIRTIO_SCSI_VIRTIO_SCSI_H
#define DRIVERS_VIRTIO_SCSI_VIRTIO_SCSI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/pci/pci.h"
#include "drivers/scsi/scsi.h"
#include "drivers/virtio/virtio_scsi_wire.h"
#include "drivers/virtio_pci/virtio_pci.h"

#define VSCSI_CDB_SIZE 32   /* what we set cdb_size to (the device default) */
#define VSCSI_SENSE_SIZE 96 /* what we set sense_size to (the device default) */

/* Feature bits (5.6.3). */
#define VIRTIO_SCSI_F_INOUT (1ull << 0)
#define VIRTIO_SCSI_F_HOTPLUG (1ull << 1)
#define VIRTIO_SCSI_F_CHANGE (1ull << 2)


/* virtio-scsi PCI IDs: transitional 0x1004, modern 0x1040 + device ID 8 (virtio 1.2, 4.1.2.1). */
static inline bool vscsi_pci_match(uint16_t vendor, uint16_t device)
{
    return vendor == 0x1af4 && (device == 0x1004 || device == 0x1048);
}

/* The device configuration (5.6.4), as read and checked at start-up. */
struct vscsi_config {
    uint32_t num_queues, seg_max, max_sectors, cmd_per_lun, event_info_size, sense_size, cdb_size;
    uint16_t max_channel, max_target; /* max_target and max_lun are inclusive bounds */
    uint32_t max_lun;
};

enum vscsi_dir { VSCSI_DIR_NONE, VSCSI_DIR_IN, VSCSI_DIR_OUT };

struct vscsi_cmd {
    /* Set by the caller. */
    uint8_t target;
    uint16_t lun;
    uint8_t cdb[SCSI_CDB_MAX];
    uint8_t cdb_len;
    enum vscsi_dir dir;
    void *data; /* identity-mapped: its address is its physical address */
    uint32_t data_len;
    uint64_t timeout_cycles;
    void *user;
    /* Set by the driver on completion. */
    uint8_t response, status;
    uint32_t residual;  /* checked: at most data_len */
    uint32_t sense_len; /* checked: at most VSCSI_SENSE_SIZE */
    uint8_t sense[VSCSI_SENSE_SIZE];
    uint64_t submit_tsc, complete_tsc;
    /* Driver-private. */
    uint32_t slot;
    uint8_t recovery; /* 0 none, 1 abort sent, 2 LUN reset sent */
    uint64_t deadline;
};

struct vscsi_queue;

struct vscsi_stats {
    uint64_t submitted, completed, aborts, lun_resets, device_resets, notifies, notifies_suppressed, events;
    uint64_t recovery_cycles; /* spent in deadline recovery (TMFs, resets), inside vscsi_poll */
};

struct vscsi_hba {
    unsigned index;
    char pci_name[8];                /* "00:03.0" */
    struct virtio_pci_device vdev;
    struct vscsi_config config;
    uint16_t queue_size;             /* of the request queues */
    unsigned num_req_queues;
    struct vscsi_queue *ctrl, *event, *req;
    struct vscsi_stats stats;
    uint64_t tsc_hz;
    uint32_t event_buffer_len;
    unsigned event_buffer_count;
    void *event_buffers;
    bool broken;                     /* protocol violation or failed reset: no more commands */
    char error[200];
};

struct vscsi_options {
    bool prefer_legacy;
    uint16_t max_queue_size; /* 0: the device's */
    unsigned max_queues;     /* 0: all request queues */
    unsigned event_buffers;  /* event buffers to post (1..16); 0: 16 */
    uint64_t tsc_hz;
};

/* Bring the HBA up: transport, features (INOUT, HOTPLUG, CHANGE, EVENT_IDX when offered),
 * configuration checks, control, event and request queues, event buffers, DRIVER_OK.
 * Returns 0, or -1 with a one-line reason in hba->error. */
int vscsi_hba_init(struct vscsi_hba *hba, unsigned index, const struct pci_config_access *cfg,
                   const struct pci_device *pci, const struct vscsi_options *opts);

/* Submit cmd on request queue q (not yet notified). Returns 0, or -1 when the queue is full
 * (poll, then retry) or the HBA is broken. */
int vscsi_submit(struct vscsi_hba *hba, unsigned q, struct vscsi_cmd *cmd);
/* Notify the device of what was submitted on q, if it needs it. */
void vscsi_kick(struct vscsi_hba *hba, unsigned q);
/* Reap up to max completed commands from q into done[]; runs deadline recovery when due.
 * Returns how many (completed with a device response, or with VSCSI_RESPONSE_DEVICE_RESET). */
unsigned vscsi_poll(struct vscsi_hba *hba, unsigned q, struct vscsi_cmd **done, unsigned max);
/* Commands on q not yet handed back by vscsi_poll. */
unsigned vscsi_in_flight(const struct vscsi_hba *hba, unsigned q);

#define VSCSI_EVENT_SIZE 16 /* struct virtio_scsi_event (5.6.6.3); decode with vscsi_event_decode */

/* Copy out up to max event records the device filled (hotplug, parameter changes), each up to
 * VSCSI_EVENT_SIZE bytes with its length (what the device wrote, clipped) in lens[], and post
 * their buffers again. Returns how many. */
unsigned vscsi_poll_events(struct vscsi_hba *hba, uint8_t (*records)[VSCSI_EVENT_SIZE], uint32_t *lens, unsigned max);

#endif
