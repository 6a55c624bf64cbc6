/*
 * The HBA seam: what discovery, the benchmark engine and hotplug handling need of a host bus
 * adapter, as one table of operations (after fio's ioengine_ops and SPDK's virtio_dev_ops). The
 * virtio-scsi driver (drivers/virtio_scsi/) is one implementation, the fake HBA of the unit tests
 * (tests/unit/fake_hba.c) another. What sits on it (discovery, bench/, check/) is pure: it builds
 * for the host and is tested there against the fake.
 *
 * A command is built by the caller (CDB, direction, data, deadline) and handed to submit() on one
 * request queue; kick() tells the device once per batch; poll() hands back finished commands.
 * The transport's answer is translated into enum hba_response, SCSI's own (status, sense) is
 * passed through; drivers/hba/outcome.h says what a caller does with it.
 *
 * Deadlines and their escalation (ABORT TASK, then LOGICAL UNIT RESET, then an HBA reset) are not
 * the driver's business: drivers/hba/recovery.h does it over tmf_submit / tmf_poll / reset for
 * every implementation, without waiting: other LUNs keep running while one is recovered.
 */
#ifndef DRIVERS_HBA_HBA_H
#define DRIVERS_HBA_HBA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/scsi/scsi.h"

#define HBA_MAX 128       /* HBAs one run drives (virtio-blk: one a disk); lun_info.hba holds up to 255 */
#define HBA_MAX_QUEUES 64 /* request queues per HBA */
#define HBA_SENSE_MAX 96  /* sense bytes a command keeps (virtio-scsi's default sense_size) */
#define HBA_TMF_SLOTS 8   /* task-management functions in flight per HBA */

enum hba_dir { HBA_DIR_NONE, HBA_DIR_IN, HBA_DIR_OUT };

/* The transport's answer, before SCSI status. The names and meanings are virtio-scsi's (virtio
 * 1.2, 5.6.6.1), the richest of our transports; another maps its own codes onto them. */
enum hba_response {
    HBA_RESPONSE_OK = 0,             /* the LUN answered: see status and sense */
    HBA_RESPONSE_OVERRUN,            /* more data than the buffers took */
    HBA_RESPONSE_ABORTED,            /* cancelled: by our TMF, or by an unplug */
    HBA_RESPONSE_BAD_TARGET,         /* no such target */
    HBA_RESPONSE_RESET,              /* cancelled by a reset */
    HBA_RESPONSE_BUSY,               /* the transport is busy: retry */
    HBA_RESPONSE_TRANSPORT_FAILURE,
    HBA_RESPONSE_TARGET_FAILURE,
    HBA_RESPONSE_NEXUS_FAILURE,
    HBA_RESPONSE_FAILURE,            /* anything else, and answers we could not believe */
    HBA_RESPONSE_FUNCTION_SUCCEEDED, /* TMF answers */
    HBA_RESPONSE_FUNCTION_REJECTED,
    HBA_RESPONSE_INCORRECT_LUN,      /* no such LUN */
    HBA_RESPONSE_LOST,               /* ours: lost in an HBA reset */
    HBA_RESPONSE_NO_ANSWER,          /* ours: a TMF the device never answered before a reset */
    HBA_RESPONSE_COUNT
};
const char *hba_response_name(enum hba_response response);

/* Recovery steps a command has been through (drivers/hba/recovery.c). */
enum hba_recovery_step { HBA_RECOVERY_NONE, HBA_RECOVERY_ABORT_SENT, HBA_RECOVERY_LUN_RESET_SENT };

struct hba_cmd {
    /* Set by the caller. */
    uint8_t target;
    uint16_t lun;
    uint8_t cdb[SCSI_CDB_MAX];
    uint8_t cdb_len;
    enum hba_dir dir;
    void *data; /* identity-mapped in the kernel: its address is its physical address */
    uint32_t data_len;
    uint64_t timeout_cycles; /* 0: 30 s */
    void *user;
    /* Set on completion, by the driver; each value bounded there. */
    enum hba_response response;
    uint8_t status;
    uint32_t residual;  /* at most data_len */
    uint32_t sense_len; /* at most HBA_SENSE_MAX */
    uint8_t sense[HBA_SENSE_MAX];
    uint64_t submit_tsc, complete_tsc;
    /* Recovery state (drivers/hba/recovery.c). */
    enum hba_recovery_step recovery;
    uint64_t recovery_tsc; /* when the last step was taken */
    uint64_t deadline;
    /* Set by the driver at submission: the request's tag on the wire, for messages. */
    uint64_t tag;
    /* Driver-private. */
    uint32_t slot;
};

/* The task-management functions (SAM-5 7), as virtio-scsi carries them (virtio 1.2 5.6.6.2). Recovery
 * uses the first two; mode=check sends every one. */
enum hba_tmf_kind {
    HBA_TMF_ABORT_TASK,
    HBA_TMF_LUN_RESET,
    HBA_TMF_ABORT_TASK_SET,
    HBA_TMF_CLEAR_TASK_SET,
    HBA_TMF_I_T_NEXUS_RESET,
    HBA_TMF_QUERY_TASK,
    HBA_TMF_QUERY_TASK_SET,
    HBA_TMF_KIND_COUNT
};
/* "ABORT TASK", "LOGICAL UNIT RESET", ... */
const char *hba_tmf_name(enum hba_tmf_kind kind);

/* A task-management function in flight. Its memory stays the caller's until tmf_poll hands it
 * back (answered, or HBA_RESPONSE_NO_ANSWER after a reset): the device may still write. */
struct hba_tmf {
    enum hba_tmf_kind kind;
    uint8_t target;
    uint16_t lun;
    struct hba_cmd *task; /* ABORT TASK: the command to abort (read at submission only: by the
                           * answer it may have completed and been reused) */
    enum hba_response response; /* set on completion */
    /* The recovery layer's bookkeeping. */
    bool in_flight;
    uint64_t sent_tsc;
    bool outlived; /* an abort its LUN's reset overtook: reported once */
    /* Driver-private. */
    uint32_t slot;
};

/* What the event queue told (virtio 1.2, 5.6.6.3, decoded by the driver). */
enum hba_event_kind {
    HBA_EVENT_NONE,        /* only events_missed is news */
    HBA_EVENT_LUN_ADDED,   /* a LUN appeared, or a target was reset: probe it */
    HBA_EVENT_LUN_REMOVED, /* gone: its commands come back cancelled */
    HBA_EVENT_LUN_CHANGED, /* parameters changed (capacity): read them again */
    HBA_EVENT_MALFORMED,   /* the record did not decode; raw_type and len say what came */
};

struct hba_event {
    enum hba_event_kind kind;
    bool events_missed; /* the device dropped events: only a rescan knows what changed */
    uint8_t target;
    uint16_t lun;
    uint32_t raw_type, len;
};

/* What the HBA as a whole did: written by whoever owns its control and event queues, recovery and
 * resets (one CPU: bench/crew.h). */
struct hba_stats {
    uint64_t events;
    uint64_t aborts, lun_resets, hba_resets; /* recovery steps taken */
    uint64_t aborts_outlived;                /* ABORT TASKs still unanswered once their LUN's reset was */
    uint64_t recovery_cycles;                /* spent taking them: not the driver's cost per I/O */
};

/* What one request queue did, written only by the CPU that owns the queue. Padded to 128 bytes so
 * that no two queues' counters share a 64-byte cache line, whatever the array's alignment. */
struct hba_queue_stats {
    uint64_t submitted, completed, notifies, notifies_suppressed;
    uint64_t pad_[12];
};
_Static_assert(sizeof(struct hba_queue_stats) == 128, "two cache lines a queue");

struct hba;

struct hba_ops {
    /* Queue cmd on request queue q, not yet notified. 0, or -1 when the queue is full (poll, then
     * retry) or the HBA is broken. Sets submit_tsc and leaves the deadline to the caller. */
    int (*submit)(struct hba *h, unsigned q, struct hba_cmd *cmd);
    /* Notify the device of what was submitted on q, when it needs it. */
    void (*kick)(struct hba *h, unsigned q);
    /* Hand back up to max finished commands of q (device answers and commands lost in a reset). */
    unsigned (*poll)(struct hba *h, unsigned q, struct hba_cmd **done, unsigned max);
    /* Commands on q not yet handed back. */
    unsigned (*in_flight)(const struct hba *h, unsigned q);
    /* Up to max commands on q still in flight whose deadline is before now. */
    unsigned (*overdue)(struct hba *h, unsigned q, uint64_t now, struct hba_cmd **out, unsigned max);
    /* Decoded events, up to max; the driver posts its buffers again. */
    unsigned (*poll_events)(struct hba *h, struct hba_event *events, unsigned max);
    /* Send a TMF on the control path. 0, or -1 when no TMF slot is free or the HBA is broken. */
    int (*tmf_submit)(struct hba *h, struct hba_tmf *tmf);
    /* Hand back up to max answered TMFs. */
    unsigned (*tmf_poll)(struct hba *h, struct hba_tmf **done, unsigned max);
    /* Reset the device and bring it up again. Every command in flight comes back from the next
     * poll of its queue as HBA_RESPONSE_LOST, every TMF from tmf_poll as NO_ANSWER. 0, or -1
     * (broken set, error says why) when it did not come back. */
    int (*reset)(struct hba *h);
    /* The clock every deadline and latency is measured in (the TSC, or a fake one). */
    uint64_t (*now)(const struct hba *h);
};

/* The common face of every HBA. An implementation embeds it and fills it at bring-up. */
struct hba {
    const struct hba_ops *ops;
    const char *kind;      /* "virtio-scsi", "virtio-blk" */
    unsigned index;
    char name[16];         /* where it is: "00:03.0" */
    unsigned num_queues;   /* request queues in use, at most HBA_MAX_QUEUES */
    unsigned queue_depth;  /* commands one request queue holds at once */
    uint16_t max_target;   /* inclusive bounds */
    uint32_t max_lun;
    uint32_t cmd_per_lun;  /* commands in flight per LUN the device allows */
    uint32_t max_transfer; /* bytes one command may move (virtio-scsi: max_sectors x 512); 0: no limit */
    uint64_t tsc_hz;       /* ticks of now() per second */
    const struct virtio_pci_seen *virtio; /* what a virtio-pci transport read at bring-up; NULL for others */
    struct hba_stats stats;
    struct hba_queue_stats queue_stats[HBA_MAX_QUEUES];
    bool broken;           /* protocol violation or failed reset: no more commands */
    /* While several CPUs share the HBA (bench/crew.h) only the owner resets it, with the others
     * paused: a poller that finds the device needs a reset sets reset_wanted instead (atomically:
     * the owner reads it from another CPU) and polls no more until the owner has reset it. */
    bool defer_resets;
    bool reset_wanted;
    bool tmf_unsupported;  /* no task management (virtio-blk): a late command's recovery is a reset */
    char error[200];
    /* The recovery layer's state (drivers/hba/recovery.c). */
    struct hba_tmf tmfs[HBA_TMF_SLOTS];
    unsigned tmfs_in_flight;
    unsigned cmds_in_recovery; /* handed a recovery step and not back yet */
    uint64_t next_deadline_check;
};

static inline uint64_t hba_ms_to_cycles(const struct hba *h, uint64_t ms) { return h->tsc_hz / 1000 * ms; }

/* Submit with the command's deadline set from its timeout (30 s when it has none). */
static inline int hba_submit(struct hba *h, unsigned q, struct hba_cmd *cmd)
{
    cmd->recovery = HBA_RECOVERY_NONE;
    int rc = h->ops->submit(h, q, cmd);
    if (rc == 0)
        cmd->deadline = cmd->submit_tsc + (cmd->timeout_cycles ? cmd->timeout_cycles : hba_ms_to_cycles(h, 30000));
    return rc;
}

static inline void hba_kick(struct hba *h, unsigned q) { h->ops->kick(h, q); }
static inline unsigned hba_in_flight(const struct hba *h, unsigned q) { return h->ops->in_flight(h, q); }
static inline unsigned hba_poll_events(struct hba *h, struct hba_event *ev, unsigned max)
{
    return h->broken ? 0 : h->ops->poll_events(h, ev, max);
}

/* The request queues' counters, summed. */
void hba_queue_totals(const struct hba *h, struct hba_queue_stats *sum);

/* The command's name and, for READ/WRITE(10/16), " LBA n", for error lines. */
void hba_cmd_describe(const struct hba_cmd *cmd, char *buf, size_t len);

#endif
