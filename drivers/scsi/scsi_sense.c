/* Sense data decoding (SPC-4 4.5) and the names of statuses, sense keys and ASC/ASCQ codes. */
#include <string.h>

#include "drivers/scsi/scsi.h"

/* Both formats keep ADDITIONAL SENSE LENGTH in byte 7, so 8 bytes is the least either can be. */
#define SCSI_SENSE_HEADER_LEN 8

/* Information sense data descriptor (SPC-4 4.5.2.2): type 0x00, ADDITIONAL LENGTH 0x0a, byte 2
 * bit 7 VALID, bytes 4-11 INFORMATION. */
#define SCSI_SENSE_DESC_INFORMATION 0x00
#define SCSI_SENSE_DESC_INFORMATION_LEN 12

/* Fixed format (SPC-4 4.5.3): byte 0 bit 7 VALID, byte 2 bits 3-0 SENSE KEY, bytes 3-6
 * INFORMATION, byte 7 ADDITIONAL SENSE LENGTH, byte 12 ASC, byte 13 ASCQ. end is where the valid
 * data stops: min(len, 8 + ADDITIONAL SENSE LENGTH). */
static void scsi_sense_decode_fixed(const uint8_t *buf, size_t end, struct scsi_sense *sense)
{
    sense->key = buf[2] & 0x0f;
    if (buf[0] & 0x80) {
        sense->information_valid = true;
        sense->information = scsi_get_be32(buf + 3);
    }
    if (end >= 14) {
        sense->asc = buf[12];
        sense->ascq = buf[13];
    }
}

/* Descriptor format (SPC-4 4.5.2): byte 1 bits 3-0 SENSE KEY, byte 2 ASC, byte 3 ASCQ, then
 * descriptors from byte 8, each 2 + its byte 1 (ADDITIONAL LENGTH) long. */
static void scsi_sense_decode_descriptor(const uint8_t *buf, size_t end, struct scsi_sense *sense)
{
    sense->key = buf[1] & 0x0f;
    sense->asc = buf[2];
    sense->ascq = buf[3];
    size_t off = SCSI_SENSE_HEADER_LEN;
    while (end - off >= 2) {
        size_t desc_len = 2 + (size_t)buf[off + 1];
        if (desc_len > end - off)
            break; /* cut short: the rest did not arrive */
        if (buf[off] == SCSI_SENSE_DESC_INFORMATION && desc_len >= SCSI_SENSE_DESC_INFORMATION_LEN &&
            (buf[off + 2] & 0x80) && !sense->information_valid) {
            sense->information_valid = true;
            sense->information = scsi_get_be64(buf + off + 4);
        }
        off += desc_len;
    }
}

int scsi_sense_decode(const uint8_t *buf, size_t len, struct scsi_sense *sense)
{
    memset(sense, 0, sizeof(*sense));
    if (len < 1)
        return -1;
    /* Byte 0 bits 6-0 RESPONSE CODE; bit 7 is VALID (fixed) or reserved (descriptor). */
    uint8_t code = buf[0] & 0x7f;
    if (code < SCSI_SENSE_FIXED_CURRENT || code > SCSI_SENSE_DESC_DEFERRED)
        return -1;
    if (len < SCSI_SENSE_HEADER_LEN)
        return -1;
    sense->response_code = code;
    sense->descriptor = code == SCSI_SENSE_DESC_CURRENT || code == SCSI_SENSE_DESC_DEFERRED;
    sense->deferred = code == SCSI_SENSE_FIXED_DEFERRED || code == SCSI_SENSE_DESC_DEFERRED;
    size_t end = SCSI_SENSE_HEADER_LEN + (size_t)buf[7];
    if (end > len)
        end = len;
    if (sense->descriptor)
        scsi_sense_decode_descriptor(buf, end, sense);
    else
        scsi_sense_decode_fixed(buf, end, sense);
    return 0;
}

const char *scsi_status_name(uint8_t status)
{
    switch (status) {
    case SCSI_STATUS_GOOD: return "GOOD";
    case SCSI_STATUS_CHECK_CONDITION: return "CHECK CONDITION";
    case SCSI_STATUS_CONDITION_MET: return "CONDITION MET";
    case SCSI_STATUS_BUSY: return "BUSY";
    case SCSI_STATUS_RESERVATION_CONFLICT: return "RESERVATION CONFLICT";
    case SCSI_STATUS_TASK_SET_FULL: return "TASK SET FULL";
    case SCSI_STATUS_ACA_ACTIVE: return "ACA ACTIVE";
    case SCSI_STATUS_TASK_ABORTED: return "TASK ABORTED";
    default: return "unknown";
    }
}

const char *scsi_sense_key_name(uint8_t key)
{
    /* SPC-4 4.5.6 (SPC-5 adds COMPLETED). */
    static const char *const names[16] = {
        "NO SENSE",        "RECOVERED ERROR", "NOT READY",       "MEDIUM ERROR",
        "HARDWARE ERROR",  "ILLEGAL REQUEST", "UNIT ATTENTION",  "DATA PROTECT",
        "BLANK CHECK",     "VENDOR SPECIFIC", "COPY ABORTED",    "ABORTED COMMAND",
        "RESERVED",        "VOLUME OVERFLOW", "MISCOMPARE",      "COMPLETED",
    };
    return key < 16 ? names[key] : "unknown";
}

struct scsi_asc_entry {
    uint8_t asc, ascq;
    const char *name;
};

/* SPC-4 annex D.2, the subset QEMU, virtual disks and common drives report. */
static const struct scsi_asc_entry scsi_asc_table[] = {
    { 0x00, 0x00, "NO ADDITIONAL SENSE INFORMATION" },
    { 0x00, 0x06, "I/O PROCESS TERMINATED" },
    { 0x00, 0x16, "OPERATION IN PROGRESS" },
    { 0x00, 0x17, "CLEANING REQUESTED" },
    { 0x02, 0x00, "NO SEEK COMPLETE" },
    { 0x03, 0x00, "PERIPHERAL DEVICE WRITE FAULT" },
    { 0x04, 0x00, "LOGICAL UNIT NOT READY, CAUSE NOT REPORTABLE" },
    { 0x04, 0x01, "LOGICAL UNIT IS IN PROCESS OF BECOMING READY" },
    { 0x04, 0x02, "LOGICAL UNIT NOT READY, INITIALIZING COMMAND REQUIRED" },
    { 0x04, 0x03, "LOGICAL UNIT NOT READY, MANUAL INTERVENTION REQUIRED" },
    { 0x04, 0x04, "LOGICAL UNIT NOT READY, FORMAT IN PROGRESS" },
    { 0x04, 0x05, "LOGICAL UNIT NOT READY, REBUILD IN PROGRESS" },
    { 0x04, 0x06, "LOGICAL UNIT NOT READY, RECALCULATION IN PROGRESS" },
    { 0x04, 0x07, "LOGICAL UNIT NOT READY, OPERATION IN PROGRESS" },
    { 0x04, 0x08, "LOGICAL UNIT NOT READY, LONG WRITE IN PROGRESS" },
    { 0x04, 0x09, "LOGICAL UNIT NOT READY, SELF-TEST IN PROGRESS" },
    { 0x04, 0x0a, "LOGICAL UNIT NOT ACCESSIBLE, ASYMMETRIC ACCESS STATE TRANSITION" },
    { 0x04, 0x0b, "LOGICAL UNIT NOT ACCESSIBLE, TARGET PORT IN STANDBY STATE" },
    { 0x04, 0x0c, "LOGICAL UNIT NOT ACCESSIBLE, TARGET PORT IN UNAVAILABLE STATE" },
    { 0x04, 0x0d, "LOGICAL UNIT NOT READY, STRUCTURE CHECK REQUIRED" },
    { 0x04, 0x10, "LOGICAL UNIT NOT READY, AUXILIARY MEMORY NOT ACCESSIBLE" },
    { 0x04, 0x11, "LOGICAL UNIT NOT READY, NOTIFY (ENABLE SPINUP) REQUIRED" },
    { 0x04, 0x12, "LOGICAL UNIT NOT READY, OFFLINE" },
    { 0x04, 0x14, "LOGICAL UNIT NOT READY, SPACE ALLOCATION IN PROGRESS" },
    { 0x04, 0x1b, "LOGICAL UNIT NOT READY, SANITIZE IN PROGRESS" },
    { 0x04, 0x22, "LOGICAL UNIT NOT READY, POWER CYCLE REQUIRED" },
    { 0x05, 0x00, "LOGICAL UNIT DOES NOT RESPOND TO SELECTION" },
    { 0x08, 0x00, "LOGICAL UNIT COMMUNICATION FAILURE" },
    { 0x08, 0x01, "LOGICAL UNIT COMMUNICATION TIME-OUT" },
    { 0x0c, 0x00, "WRITE ERROR" },
    { 0x0c, 0x02, "WRITE ERROR - AUTO REALLOCATION FAILED" },
    { 0x0c, 0x03, "WRITE ERROR - RECOMMEND REASSIGNMENT" },
    { 0x10, 0x00, "ID CRC OR ECC ERROR" },
    { 0x10, 0x01, "LOGICAL BLOCK GUARD CHECK FAILED" },
    { 0x10, 0x02, "LOGICAL BLOCK APPLICATION TAG CHECK FAILED" },
    { 0x10, 0x03, "LOGICAL BLOCK REFERENCE TAG CHECK FAILED" },
    { 0x11, 0x00, "UNRECOVERED READ ERROR" },
    { 0x11, 0x01, "READ RETRIES EXHAUSTED" },
    { 0x11, 0x04, "UNRECOVERED READ ERROR - AUTO REALLOCATE FAILED" },
    { 0x14, 0x01, "RECORD NOT FOUND" },
    { 0x1a, 0x00, "PARAMETER LIST LENGTH ERROR" },
    { 0x1d, 0x00, "MISCOMPARE DURING VERIFY OPERATION" },
    { 0x20, 0x00, "INVALID COMMAND OPERATION CODE" },
    { 0x20, 0x02, "ACCESS DENIED - NO ACCESS RIGHTS" },
    { 0x21, 0x00, "LOGICAL BLOCK ADDRESS OUT OF RANGE" },
    { 0x21, 0x01, "INVALID ELEMENT ADDRESS" },
    { 0x24, 0x00, "INVALID FIELD IN CDB" },
    { 0x25, 0x00, "LOGICAL UNIT NOT SUPPORTED" },
    { 0x26, 0x00, "INVALID FIELD IN PARAMETER LIST" },
    { 0x26, 0x01, "PARAMETER NOT SUPPORTED" },
    { 0x26, 0x02, "PARAMETER VALUE INVALID" },
    { 0x27, 0x00, "WRITE PROTECTED" },
    { 0x27, 0x01, "HARDWARE WRITE PROTECTED" },
    { 0x27, 0x02, "LOGICAL UNIT SOFTWARE WRITE PROTECTED" },
    { 0x27, 0x07, "SPACE ALLOCATION FAILED WRITE PROTECT" },
    { 0x28, 0x00, "NOT READY TO READY CHANGE, MEDIUM MAY HAVE CHANGED" },
    { 0x28, 0x01, "IMPORT OR EXPORT ELEMENT ACCESSED" },
    { 0x29, 0x00, "POWER ON, RESET, OR BUS DEVICE RESET OCCURRED" },
    { 0x29, 0x01, "POWER ON OCCURRED" },
    { 0x29, 0x02, "SCSI BUS RESET OCCURRED" },
    { 0x29, 0x03, "BUS DEVICE RESET FUNCTION OCCURRED" },
    { 0x29, 0x04, "DEVICE INTERNAL RESET" },
    { 0x29, 0x05, "TRANSCEIVER MODE CHANGED TO SINGLE-ENDED" },
    { 0x29, 0x06, "TRANSCEIVER MODE CHANGED TO LVD" },
    { 0x29, 0x07, "I_T NEXUS LOSS OCCURRED" },
    { 0x2a, 0x00, "PARAMETERS CHANGED" },
    { 0x2a, 0x01, "MODE PARAMETERS CHANGED" },
    { 0x2a, 0x02, "LOG PARAMETERS CHANGED" },
    { 0x2a, 0x03, "RESERVATIONS PREEMPTED" },
    { 0x2a, 0x04, "RESERVATIONS RELEASED" },
    { 0x2a, 0x05, "REGISTRATIONS PREEMPTED" },
    { 0x2a, 0x06, "ASYMMETRIC ACCESS STATE CHANGED" },
    { 0x2a, 0x07, "IMPLICIT ASYMMETRIC ACCESS STATE TRANSITION FAILED" },
    { 0x2a, 0x08, "PRIORITY CHANGED" },
    { 0x2a, 0x09, "CAPACITY DATA HAS CHANGED" },
    { 0x2c, 0x00, "COMMAND SEQUENCE ERROR" },
    { 0x2f, 0x00, "COMMANDS CLEARED BY ANOTHER INITIATOR" },
    { 0x2f, 0x01, "COMMANDS CLEARED BY POWER LOSS NOTIFICATION" },
    { 0x2f, 0x02, "COMMANDS CLEARED BY DEVICE SERVER" },
    { 0x30, 0x00, "INCOMPATIBLE MEDIUM INSTALLED" },
    { 0x31, 0x00, "MEDIUM FORMAT CORRUPTED" },
    { 0x32, 0x00, "NO DEFECT SPARE LOCATION AVAILABLE" },
    { 0x38, 0x07, "THIN PROVISIONING SOFT THRESHOLD REACHED" },
    { 0x39, 0x00, "SAVING PARAMETERS NOT SUPPORTED" },
    { 0x3a, 0x00, "MEDIUM NOT PRESENT" },
    { 0x3a, 0x01, "MEDIUM NOT PRESENT - TRAY CLOSED" },
    { 0x3a, 0x02, "MEDIUM NOT PRESENT - TRAY OPEN" },
    { 0x3a, 0x03, "MEDIUM NOT PRESENT - LOADABLE" },
    { 0x3e, 0x00, "LOGICAL UNIT HAS NOT SELF-CONFIGURED YET" },
    { 0x3e, 0x01, "LOGICAL UNIT FAILURE" },
    { 0x3e, 0x02, "TIMEOUT ON LOGICAL UNIT" },
    { 0x3f, 0x00, "TARGET OPERATING CONDITIONS HAVE CHANGED" },
    { 0x3f, 0x01, "MICROCODE HAS BEEN CHANGED" },
    { 0x3f, 0x02, "CHANGED OPERATING DEFINITION" },
    { 0x3f, 0x03, "INQUIRY DATA HAS CHANGED" },
    { 0x3f, 0x04, "COMPONENT DEVICE ATTACHED" },
    { 0x3f, 0x05, "DEVICE IDENTIFIER CHANGED" },
    { 0x3f, 0x0e, "REPORTED LUNS DATA HAS CHANGED" },
    { 0x43, 0x00, "MESSAGE ERROR" },
    { 0x44, 0x00, "INTERNAL TARGET FAILURE" },
    { 0x45, 0x00, "SELECT OR RESELECT FAILURE" },
    { 0x47, 0x00, "SCSI PARITY ERROR" },
    { 0x47, 0x01, "DATA PHASE CRC ERROR DETECTED" },
    { 0x48, 0x00, "INITIATOR DETECTED ERROR MESSAGE RECEIVED" },
    { 0x49, 0x00, "INVALID MESSAGE ERROR" },
    { 0x4b, 0x00, "DATA PHASE ERROR" },
    { 0x4e, 0x00, "OVERLAPPED COMMANDS ATTEMPTED" },
    { 0x53, 0x00, "MEDIA LOAD OR EJECT FAILED" },
    { 0x53, 0x02, "MEDIUM REMOVAL PREVENTED" },
    { 0x55, 0x03, "INSUFFICIENT RESOURCES" },
    { 0x5d, 0x00, "FAILURE PREDICTION THRESHOLD EXCEEDED" },
    { 0x5d, 0xff, "FAILURE PREDICTION THRESHOLD EXCEEDED (FALSE)" },
    { 0x5e, 0x00, "LOW POWER CONDITION ON" },
};

const char *scsi_asc_name(uint8_t asc, uint8_t ascq)
{
    for (size_t i = 0; i < sizeof(scsi_asc_table) / sizeof(scsi_asc_table[0]); i++) {
        if (scsi_asc_table[i].asc == asc && scsi_asc_table[i].ascq == ascq)
            return scsi_asc_table[i].name;
    }
    return NULL;
}
