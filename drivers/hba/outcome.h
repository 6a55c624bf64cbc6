/*
 * What a finished command means for its caller, decided in one place for discovery, the engine
 * and hotplug: the transport's response, then SCSI status, then sense key and ASC/ASCQ (SAM-5
 * 5.3, SPC-5 4.4 and annex D). Each caller then acts on the outcome: retry, drop the LUN, count
 * an error.
 */
#ifndef DRIVERS_HBA_OUTCOME_H
#define DRIVERS_HBA_OUTCOME_H

#include <stdbool.h>
#include <stddef.h>

#include "drivers/hba/hba.h"
#include "drivers/scsi/scsi.h"

enum hba_outcome {
    HBA_OUTCOME_DONE,            /* GOOD (the caller checks the residual where it matters) */
    HBA_OUTCOME_UNIT_ATTENTION,  /* SAM-5 5.14: reported once after a change; retry the command */
    HBA_OUTCOME_GONE,            /* no such target or LUN: BAD_TARGET, INCORRECT_LUN, 25/00 */
    HBA_OUTCOME_CANCELLED,       /* ABORTED or RESET by the transport: our TMF, or an unplug */
    HBA_OUTCOME_LOST,            /* lost in an HBA reset */
    HBA_OUTCOME_BUSY,            /* transport BUSY, status BUSY or TASK SET FULL: retry later */
    HBA_OUTCOME_NOT_READY,       /* sense key NOT READY; no_medium for 3a/xx */
    HBA_OUTCOME_UNSUPPORTED,     /* ILLEGAL REQUEST, 20/00 or 24/00: the LUN does not do this */
    HBA_OUTCOME_MEDIUM_ERROR,    /* MEDIUM ERROR or HARDWARE ERROR */
    HBA_OUTCOME_WRITE_PROTECTED, /* DATA PROTECT */
    HBA_OUTCOME_CHECK_CONDITION, /* any other CHECK CONDITION, or one without usable sense */
    HBA_OUTCOME_STATUS,          /* another SCSI status: RESERVATION CONFLICT, ACA ACTIVE, ... */
    HBA_OUTCOME_TRANSPORT_ERROR, /* another transport response */
    HBA_OUTCOME_COUNT
};

/* What a UNIT ATTENTION says changed. */
enum hba_change {
    HBA_CHANGE_NONE,
    HBA_CHANGE_CAPACITY,      /* 2a/09 CAPACITY DATA HAS CHANGED: read the capacity again */
    HBA_CHANGE_LUN_INVENTORY, /* 3f/0e REPORTED LUNS DATA HAS CHANGED: rescan the HBA */
    HBA_CHANGE_RESET,         /* 29/xx power on, reset, or bus device reset */
    HBA_CHANGE_OTHER,
};

struct hba_verdict {
    enum hba_outcome outcome;
    enum hba_change change; /* UNIT_ATTENTION only */
    bool no_medium;         /* NOT_READY only */
    bool have_sense;        /* sense decoded into sense */
    struct scsi_sense sense;
};

void hba_classify(const struct hba_cmd *cmd, struct hba_verdict *v);
const char *hba_outcome_name(enum hba_outcome outcome);

/* One line for an error message: "virtio-scsi response BAD_TARGET", "CHECK CONDITION, sense
 * MEDIUM ERROR 11/00 (UNRECOVERED READ ERROR)", "CHECK CONDITION without usable sense data",
 * "status RESERVATION CONFLICT". transport names the response's vocabulary ("virtio-scsi"). */
void hba_verdict_describe(const char *transport, const struct hba_cmd *cmd, const struct hba_verdict *v, char *buf,
                          size_t len);

#endif
