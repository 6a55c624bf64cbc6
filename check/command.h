/*
 * What every check does with a command: send it to the LUN over the seam, classify the answer,
 * and word a FAIL (the CDB, what came back, what the clause wants) or a SKIP (why). Shared by the
 * families of checks (check/spc_*.c, check/sbc.c, check/task.c); not part of check.h's face.
 */
#ifndef CHECK_COMMAND_H
#define CHECK_COMMAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "check/check.h"
#include "drivers/hba/outcome.h"
#include "drivers/scsi/scsi.h"

struct answer {
    const char *kind; /* the transport, for its responses' names */
    struct hba_cmd cmd;
    struct hba_verdict v;
    uint32_t got;     /* bytes transferred */
    char error[160];  /* the HBA did not take it: the check cannot judge the LUN */
};

/* Send cdb (len bytes) to the LUN with data_len bytes of data (in, or out when dir says so); the
 * answer in *a. false when the command did not come back (the HBA failed): the caller SKIPs. */
bool check_send_dir(const struct check_lun *l, const uint8_t *cdb, size_t len, enum hba_dir dir, uint32_t data_len,
                    struct answer *a);
/* Data-in (or no data when data_len is 0). */
bool check_send(const struct check_lun *l, const uint8_t *cdb, size_t len, uint32_t data_len, struct answer *a);
/* The same, sent again past a UNIT ATTENTION (a LUN reports one once after a reset). */
bool check_send_good(const struct check_lun *l, const uint8_t *cdb, size_t len, uint32_t data_len, struct answer *a);
/* INQUIRY (SPC-5 6.7) with EVPD, PAGE CODE and ALLOCATION LENGTH, through check_send_good. */
bool check_send_inquiry(const struct check_lun *l, bool evpd, uint8_t page, uint16_t alloc, struct answer *a);

/* A FAIL line's detail: what was sent, what came back, what the clause wants. */
enum check_result check_fail(const struct answer *a, char *why, size_t why_len, const char *expected);
/* The same with the expectation formatted (printf). */
enum check_result check_failf(const struct answer *a, char *why, size_t why_len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
enum check_result check_skip(char *why, size_t why_len, const char *reason);

/* CHECK CONDITION with this sense key and ASC/ASCQ. */
bool check_sense_is(const struct answer *a, uint8_t key, uint8_t asc, uint8_t ascq);
/* GOOD (after any UNIT ATTENTION was retried). */
static inline bool check_good(const struct answer *a) { return a->v.outcome == HBA_OUTCOME_DONE; }

static inline bool check_is_disk(const struct check_lun *l) { return l->info->device_type == SCSI_TYPE_DISK; }
bool check_ready_disk(const struct check_lun *l);

/* The supported-pages list (page 00): false when it did not come (a->error says whether the
 * command was lost). */
bool check_supported_pages(const struct check_lun *l, struct answer *a, uint8_t pages[64], size_t *count);
/* Whether the list names page code. */
bool check_page_listed(const uint8_t *pages, size_t n, uint8_t code);
/* INQUIRY of VPD page code when page 00 lists it: 1 with the page in l->buf (a->got bytes), 0 when
 * not offered (why says so), -1 when it could not be read (why holds the SKIP or FAIL reason and
 * *result says which). */
int check_vpd_page(const struct check_lun *l, uint8_t code, struct answer *a, char *why, size_t why_len,
                   enum check_result *result);

/* Fill n bytes with the pattern of block lba (a different one per LBA and per byte), or say whether
 * buf holds it. */
void check_pattern_fill(uint8_t *buf, size_t n, uint64_t lba);
bool check_pattern_holds(const uint8_t *buf, size_t n, uint64_t lba);

struct check_capacity {
    uint64_t blocks;
    uint32_t block_size;
    struct scsi_capacity full;
};
/* READ CAPACITY(16), decoded; false when it did not come back GOOD and whole. */
bool check_read_capacity16(const struct check_lun *l, struct answer *a, struct check_capacity *cap);

#define CHECK_FN(fn) static enum check_result fn(const struct check_lun *l, char *why, size_t why_len)
#define COMMAND_LOST(a) check_skip(why, why_len, (a)->error)
#define NOT_A_READY_DISK() check_skip(why, why_len, "not a ready disk")

#endif
