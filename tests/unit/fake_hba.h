/*
 * A fake HBA behind the seam (drivers/hba/hba.h), for host tests of discovery, the engine,
 * hotplug and recovery: LUNs held in memory that answer the SCSI commands lunbench sends (REPORT
 * LUNS, INQUIRY, TEST UNIT READY, READ CAPACITY, MODE SENSE, READ/WRITE, SYNCHRONIZE CACHE) the way
 * QEMU's scsi-hd does, with scripted faults: UNIT ATTENTIONs, media errors, LUNs that hold every
 * command, removals, events, TMFs that go unanswered, resets that fail.
 *
 * Time is a fake clock shared by every fake HBA: each fake_clock_now() call advances it by one
 * tick, so every polling loop moves time on; a command completes latency ticks after submission.
 */
#ifndef TESTS_UNIT_FAKE_HBA_H
#define TESTS_UNIT_FAKE_HBA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/hba/hba.h"
#include "drivers/virtio/virtio_pci_seen.h"

#define FAKE_HZ 1000000u /* ticks per second: one tick is a microsecond */

uint64_t fake_clock_now(void);
void fake_clock_set(uint64_t t);

struct fake_lun {
    uint8_t target;
    uint16_t lun;
    bool present;              /* false: listed nowhere, answers as QEMU's missing LUNs do */
    uint8_t device_type;       /* SCSI_TYPE_DISK unless set */
    uint64_t blocks;
    uint32_t block_size;
    bool write_protected, no_medium, no_read_capacity16;
    /* Deviations for the conformance checks' FAIL paths. */
    bool bad_inquiry_format;   /* RESPONSE DATA FORMAT 1 instead of 2 */
    bool no_device_id_page;    /* VPD page 83 not offered */
    bool readcap10_off_by_one; /* READ CAPACITY(10) one block short */
    bool pads_mode_sense;      /* MODE SENSE sent as the whole allocation length (QEMU 7.2 does) */
    bool no_sks;               /* INVALID FIELD IN CDB without a field pointer */
    bool no_provisioning_page; /* VPD page B2 not offered */
    bool no_unmap;             /* page B2 says LBPU 0 */
    uint32_t unmap_max_blocks, unmap_max_descriptors; /* page B0's UNMAP limits (0: not given) */
    unsigned ua_pending;       /* the next commands (not INQUIRY / REPORT LUNS) end in UNIT ATTENTION */
    uint8_t ua_asc, ua_ascq;
    bool stall;                /* commands are held: only a TMF or a reset frees them */
    uint64_t latency;          /* ticks from submit to completion for its commands (0: the HBA's) */
    int64_t media_error_lba;   /* a READ or WRITE covering this LBA ends in MEDIUM ERROR; -1 none */
    uint8_t *data;             /* blocks * block_size bytes when stored (verify tests); else zeroes */
    uint64_t reads, writes, flushes, commands;
    uint64_t unmaps, unmapped_blocks; /* UNMAP commands taken, and the blocks they named */
};

/* A scripted deviation (for the conformance checks' FAIL paths): after a command whose opcode is
 * opcode and whose CDB bytes at[i] equal eq[i] (at[i] < 0: any) has run, past the first skip of
 * them, change its answer. */
enum fake_twist_kind {
    TWIST_NONE,
    TWIST_BYTE,       /* data-in byte offset becomes value */
    TWIST_SENSE_BYTE, /* sense byte offset becomes value */
    TWIST_GOOD,       /* GOOD with no data, whatever the LUN said */
    TWIST_SENSE,      /* CHECK CONDITION with key/asc/ascq */
    TWIST_LENGTH,     /* length bytes transferred (the residual says the rest) */
};
struct fake_twist {
    enum fake_twist_kind kind;
    uint8_t opcode;
    int8_t at[2];
    uint8_t eq[2];
    unsigned skip;
    uint16_t offset;
    uint8_t value;
    uint8_t key, asc, ascq;
    uint32_t length;
    unsigned seen; /* matching commands so far */
};

struct fake_inflight {
    struct hba_cmd *cmd;
    unsigned queue;
    uint64_t due;                 /* UINT64_MAX: held */
    enum hba_response cancelled;  /* OK: runs; ABORTED or RESET: cancelled by an unplug or a TMF */
};

struct fake_hba {
    struct hba base;
    struct fake_lun **luns;    /* in the order added */
    unsigned n_luns;
    struct fake_lun **index;   /* open addressing on target << 16 | lun */
    unsigned index_size;
    uint64_t latency;          /* ticks from submit to completion (default 20) */
    /* Commands in flight, and those handed back by a reset. */
    struct fake_inflight *inflight;
    unsigned n_inflight, inflight_cap;
    uint64_t submitted_total;  /* every command so far: the next one's tag */
    struct hba_cmd **lost;
    unsigned n_lost;
    /* Events waiting for poll_events; past event_capacity the next one carries events_missed. */
    struct hba_event events[64];
    unsigned n_events, event_capacity;
    bool events_dropped;
    /* TMFs. */
    bool abort_frees;          /* ABORT TASK completes the task (ABORTED) and is answered */
    bool answer_lun_reset;     /* LOGICAL UNIT RESET completes the LUN's commands (RESET), answered */
    bool aborts_outlive_reset; /* ...and leaves the LUN's waiting aborts unanswered (QEMU answers them) */
    enum hba_response tmf_response[HBA_TMF_KIND_COUNT]; /* not OK: every TMF of the kind answers this */
    bool reset_fails;          /* the HBA does not come back from a reset */
    struct fake_twist twists[2];
    struct virtio_pci_seen seen; /* a conforming modern transport; base.virtio points here */
    bool report_lun0_always;   /* like QEMU: REPORT LUNS lists LUN 0 even where it does not exist */
    struct hba_tmf *tmf_pending[HBA_TMF_SLOTS]; /* sent, not answered */
    unsigned n_tmf_pending;
    struct hba_tmf *tmf_answered[HBA_TMF_SLOTS * 2];
    unsigned n_tmf_answered;
    /* A test's script: called after every submission (the test counts, unplugs, posts events). */
    void (*on_submit)(struct fake_hba *f, const struct hba_cmd *cmd, void *ctx);
    void *ctx;
    /* Counters for assertions. */
    uint64_t ops[256];         /* commands by opcode */
    uint64_t tmfs[HBA_TMF_KIND_COUNT]; /* by enum hba_tmf_kind */
    uint64_t resets;
    uint32_t report_luns_alloc_max; /* the largest REPORT LUNS allocation length asked for */
};

/* A fake HBA with the given request queues, each holding queue_depth commands. */
void fake_hba_init(struct fake_hba *f, unsigned index, unsigned queues, unsigned queue_depth);
void fake_hba_free(struct fake_hba *f);
/* Add a present disk LUN of blocks 512-byte blocks; the returned LUN can be changed. */
struct fake_lun *fake_hba_add_lun(struct fake_hba *f, uint8_t target, uint16_t lun, uint64_t blocks);
struct fake_lun *fake_hba_find_lun(const struct fake_hba *f, uint8_t target, uint16_t lun);
/* Give a LUN a backing store (its blocks kept, so that verify reads see what was written). */
void fake_lun_store(struct fake_lun *l);
/* Queue an event for poll_events. */
void fake_hba_post_event(struct fake_hba *f, enum hba_event_kind kind, uint8_t target, uint16_t lun);
/* Unplug a LUN: its held and queued commands end in ABORTED, later ones in BAD_TARGET or 25/00,
 * and a REMOVED event is posted when event is true. */
void fake_hba_unplug(struct fake_hba *f, uint8_t target, uint16_t lun, bool event);

#endif
