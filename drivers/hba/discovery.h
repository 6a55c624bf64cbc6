/*
 * LUN discovery on one HBA, over the HBA seam (drivers/hba/hba.h): REPORT LUNS to every target
 * 0..max_target, then per LUN INQUIRY and READ CAPACITY(16) (or (10) where 16 is not supported),
 * the power-on UNIT ATTENTION retried: at most 3 commands a LUN, since QEMU's device model pays
 * for every command with a walk of all its LUNs. Readiness comes from READ CAPACITY's sense (NOT
 * READY: no medium, becoming ready; no TEST UNIT READY). The write-protect bit (MODE SENSE(6)) is
 * read only where a write needs it: discovery_read_write_protect, for the LUNs a write job
 * selects, and in discovery_probe_lun. Many commands are in flight at once, spread over the
 * request queues and bounded by their size, one at a time per LUN (well within cmd_per_lun), so
 * the scan does not pay one round trip per LUN in series.
 */
#ifndef DRIVERS_HBA_DISCOVERY_H
#define DRIVERS_HBA_DISCOVERY_H

#include <stddef.h>
#include <stdint.h>

#include "drivers/hba/hba.h"

enum {
    LUN_REMOVABLE = 1 << 0,
    LUN_NO_MEDIUM = 1 << 1,  /* NOT READY, MEDIUM NOT PRESENT: an empty CD drive */
    LUN_NOT_READY = 1 << 2,  /* NOT READY for another reason */
    LUN_FAILED = 1 << 3,     /* a discovery command failed for good; see the report */
    LUN_PROTECTION = 1 << 4, /* PROT_EN in READ CAPACITY(16) */
    LUN_WRITE_PROTECTED = 1 << 5, /* WP in the MODE SENSE header: writes end in DATA PROTECT */
    LUN_REMOVED = 1 << 6,    /* hot-unplugged during a run */
    LUN_ABSENT = 1 << 7,     /* listed by REPORT LUNS but INQUIRY says no device (qualifier != 0) */
    LUN_WP_KNOWN = 1 << 8,   /* LUN_WRITE_PROTECTED is to be believed: MODE SENSE was read, or the
                              * LUN is no disk; the scan leaves it unread (discovery_read_write_protect) */
    LUN_LBP_KNOWN = 1 << 9,  /* its Logical Block Provisioning was read (discovery_read_provisioning) */
    LUN_LBP_PAGE = 1 << 10,  /* it offers page B2 at all */
    LUN_UNMAP = 1 << 11,     /* page B2 says LBPU: it takes UNMAP */
};

/* 64 bytes a LUN: 16384 LUNs take 1 MiB. */
struct lun_info {
    uint64_t blocks;
    uint32_t block_size;
    uint32_t errors; /* failed I/Os in benchmark jobs, all jobs together */
    uint16_t lun;
    uint8_t hba, target;
    uint16_t flags;
    uint8_t device_type, p_type, lbppbe;
    char vendor[9], product[17], revision[5];
    /* Page B0's UNMAP limits (SBC-4 6.6.4) where LUN_UNMAP: MAXIMUM UNMAP LBA COUNT and MAXIMUM UNMAP
     * BLOCK DESCRIPTOR COUNT; 0: not given (no page B0, or the field 0). */
    uint32_t unmap_max_blocks, unmap_max_descriptors;
};

struct inventory {
    struct lun_info *luns;
    size_t count, capacity;
};

struct discovery_stats {
    unsigned targets;        /* targets that answered REPORT LUNS */
    unsigned luns_listed;    /* entries in their REPORT LUNS lists */
    unsigned luns_absent;    /* listed, but INQUIRY says no device there */
    unsigned luns_failed;
    uint64_t commands, ua_retries, other_retries, report_luns_regrows;
    uint64_t lun_commands;        /* commands to LUNs: all but REPORT LUNS */
    uint64_t write_protect_reads; /* MODE SENSE commands for the write-protect bit */
    uint64_t provisioning_reads;  /* INQUIRY commands for pages B2 and B0 */
    unsigned max_in_flight;
};

/*
 * Discover every LUN on hba and append it to inv (sorted by target, then LUN). Failures of
 * single LUNs are printed (HBA, target, LUN, command, response/status/sense) and counted; the
 * scan goes on. Returns 0, or -1 when the HBA itself failed (inv keeps what was found). Events
 * the HBA queued meanwhile stay queued: the caller decides whether the scan made them old news.
 */
int discovery_run(struct hba *hba, struct inventory *inv, struct discovery_stats *stats, uint64_t cmd_timeout_cycles);

/*
 * Read the write-protect bit (MODE SENSE(6), SBC-4 6.5.1) of the inventory entries indexes[0..n)
 * that are disks on hba and do not have it yet (LUN_WP_KNOWN), many at once; each gets
 * LUN_WP_KNOWN, and LUN_WRITE_PROTECTED when set. A LUN that rejects MODE SENSE is taken as
 * writable; one that fails it otherwise is marked LUN_FAILED and printed. The inventory keeps
 * its order and size. Returns 0, or -1 when the HBA failed (hba->error says why); the commands
 * are added to stats.
 */
int discovery_read_write_protect(struct hba *hba, struct inventory *inv, const size_t *indexes, size_t n,
                                 struct discovery_stats *stats, uint64_t cmd_timeout_cycles);

/*
 * Read the Logical Block Provisioning of the inventory entries indexes[0..n) that are disks on hba
 * and do not have it yet (LUN_LBP_KNOWN), many at once, for a job that trims: INQUIRY of VPD page
 * B2 (SBC-4 6.6.6), and where it says LBPU, of page B0 (6.6.4) for the UNMAP limits. Each gets
 * LUN_LBP_KNOWN; LUN_LBP_PAGE where page B2 came, LUN_UNMAP where it says LBPU. A LUN that
 * refuses a page (ILLEGAL REQUEST) does not offer it; one that fails it otherwise is marked
 * LUN_FAILED and printed, as for MODE SENSE. The inventory keeps its order and size. Returns 0, or
 * -1 when the HBA failed (hba->error says why); the commands are added to stats.
 */
int discovery_read_provisioning(struct hba *hba, struct inventory *inv, const size_t *indexes, size_t n,
                                struct discovery_stats *stats, uint64_t cmd_timeout_cycles);

/*
 * Probe one LUN (after a hotplug or a capacity change): INQUIRY, READ CAPACITY as discovery does,
 * and MODE SENSE for a disk (a LUN that joins a running job may be written at once). Returns 1 with *found filled (and, when inv is not NULL, the
 * LUN appended to it), 0 when there is no device at that address, -1 when the HBA failed or the
 * inventory could not grow (hba->error says which). The
 * caller must have nothing else in flight on the HBA: the probe polls its queues.
 */
int discovery_probe_lun(struct hba *hba, struct inventory *inv, uint8_t target, uint16_t lun,
                        uint64_t cmd_timeout_cycles, struct lun_info *found);

#endif
