/*
 * Fault rules: what the target does wrong, to which commands, how often. A rule file has one
 * rule a line (docs/faults.md, "The vscsi-target's faults"):
 *
 *   # comment
 *   seed 42
 *   hang        lun=1 cmd=read after=20 count=1
 *   latency     lun=0-3 us=200-900 prob=0.5
 *   capacity    last_lba=0xffffffffffffffff
 *
 * ACTION [key=value ...]. Where: target=N or N-M, lun=N or N-M (default every one), cmd=KIND
 * (each action has a default). When: after=N (let the first N matching commands through),
 * count=N (fire at most N times; default: every time), prob=P (0..1, drawn from a generator the
 * seed starts, so a run is repeatable). The rest are the action's own keys. Pure: parsed and
 * matched in the host unit tests.
 */
#ifndef TOOLS_VSCSI_TARGET_FAULT_RULES_H
#define TOOLS_VSCSI_TARGET_FAULT_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum fault_action {
    FAULT_HANG,               /* the command is never answered; survives=abort|lun-reset: which TMFs it outlives */
    FAULT_HANG_TMF,           /* a task-management function (tmf=abort|lun-reset|any) is never answered */
    FAULT_LATENCY,            /* answered us=N or us=N-M (uniform) microseconds late */
    FAULT_CORRUPT,            /* one byte of every block read is inverted */
    FAULT_USED_ID,            /* the used-ring entry names id=N (default: the queue size: out of range) */
    FAULT_USED_LEN,           /* the used length is the buffers' size plus extra=N (default 4096) */
    FAULT_REPORT_LUNS_LENGTH, /* REPORT LUNS' LUN LIST LENGTH says length=N */
    FAULT_SENSE_LEN,          /* CHECK CONDITION with sense_len length=N (default 4096: past sense_size) */
    FAULT_CAPACITY,           /* READ CAPACITY answers last_lba=N and/or block_size=N */
    FAULT_INQUIRY_LENGTH,     /* INQUIRY's ADDITIONAL LENGTH (page=P: the VPD page's PAGE LENGTH) is length=N */
    FAULT_USED_IDX_JUMP,      /* the used index moves extra=N (default: the queue size) past the entries written */
    FAULT_RESIDUAL,           /* the residual is the data buffer's size plus extra=N (default 4096) */
    FAULT_DEAD,               /* from this command on the device answers nothing, not even after a reset */
    FAULT_VANISH,             /* the LUN is gone from this command on, without an event (25/00 after it) */
    FAULT_SHRINK,             /* the LUN shrinks to blocks=N from this command on, without an event */
    FAULT_DESC_REWRITE,       /* the chain's descriptors are rewritten in the guest's table (when=before|after) */
    FAULT_EVENT,              /* n=N events of type=rescan|removed|param-change|missed about the LUN */
    FAULT_POWER_CUT,          /* the power fails: the volatile caches are lost, nothing answers until reconnect */
    FAULT_UNIT_ATTENTION,     /* CHECK CONDITION, UNIT ATTENTION change=inventory (3f/0e) or capacity (2a/09) */
    FAULT_ACTIONS
};

/* Command kinds a rule can name with cmd=. */
enum fault_cmd {
    FAULT_CMD_ANY, FAULT_CMD_IO, FAULT_CMD_READ, FAULT_CMD_WRITE, FAULT_CMD_INQUIRY, FAULT_CMD_REPORT_LUNS,
    FAULT_CMD_READ_CAPACITY, FAULT_CMD_TUR, FAULT_CMD_MODE_SENSE, FAULT_CMD_SYNC, FAULT_CMD_UNMAP,
    FAULT_CMD_WRITE_SAME, FAULT_CMD_REQUEST_SENSE,
};

/* What a held command outlives: nothing (an ABORT TASK ends it), ABORT TASK (a LOGICAL UNIT
 * RESET ends it), or both TMFs (only a device reset, which stops the rings, ends it). */
enum { FAULT_SURVIVES_NONE, FAULT_SURVIVES_ABORT, FAULT_SURVIVES_LUN_RESET };
/* The events an event rule sends (virtio 1.2 5.6.6.3). */
enum { FAULT_EVENT_RESCAN, FAULT_EVENT_REMOVED, FAULT_EVENT_PARAM_CHANGE, FAULT_EVENT_MISSED };
#define FAULT_EVENTS_MAX 1000000 /* n= at most: a flood, not a loop without end */
/* The changes a unit-attention rule tells of (SPC-5 6.40 / SBC-4 4.10). */
enum { FAULT_UA_INVENTORY, FAULT_UA_CAPACITY };
/* The TMFs a hang-tmf rule holds. */
enum { FAULT_TMF_ANY, FAULT_TMF_ABORT, FAULT_TMF_LUN_RESET };

#define FAULT_RULES_MAX 64
#define FAULT_NO_PAGE 0x100 /* inquiry-length without page=: the standard data */

struct fault_rule {
    enum fault_action action;
    unsigned line;
    unsigned target_lo, target_hi, lun_lo, lun_hi;
    enum fault_cmd cmd;
    uint64_t after, count; /* count 0: no limit */
    double prob;
    /* the action's own values */
    uint64_t us_lo, us_hi;             /* latency */
    unsigned survives;                 /* hang: FAULT_SURVIVES_* */
    unsigned tmf;                      /* hang-tmf: FAULT_TMF_* */
    uint64_t used_id;                  /* used-id (with has_used_id) */
    bool has_used_id;
    uint64_t extra;                    /* used-len, used-idx-jump (with has_extra), residual */
    bool has_extra;
    uint64_t length;                   /* report-luns-length, sense-len, inquiry-length */
    unsigned page;                     /* inquiry-length */
    uint64_t last_lba, block_size;     /* capacity (with has_last_lba / has_block_size) */
    uint64_t blocks;                   /* shrink */
    bool before;                       /* desc-rewrite: when=before (as the chain is taken), not after */
    unsigned event_type;               /* event: FAULT_EVENT_* */
    uint64_t events;                   /* event: n= */
    unsigned ua;                       /* unit-attention: FAULT_UA_* */
    bool has_last_lba, has_block_size;
    /* state while the target runs */
    uint64_t seen, fired;
};

struct fault_rules {
    struct fault_rule rules[FAULT_RULES_MAX];
    size_t count;
    uint64_t seed, rng;
};

/* Parse a rule file's text. Returns 0, or -1 with a message naming the line in err. The seed is
 * 1 unless the file (or the caller afterwards, with fault_rules_seed) sets it. */
int fault_rules_parse(const char *text, struct fault_rules *out, char *err, size_t errlen);
void fault_rules_seed(struct fault_rules *rules, uint64_t seed);

/* The rules that fire for one command (CDB cdb of cdb_len bytes to target:lun), in file order,
 * into fired[0..max); returns how many. Counts each rule's matches and firings. */
size_t fault_rules_match(struct fault_rules *rules, unsigned target, unsigned lun, const uint8_t *cdb,
                         size_t cdb_len, struct fault_rule **fired, size_t max);

/* The hang-tmf rule that fires for a TMF (virtio-scsi subtype, 5.6.6.2) to target:lun, or NULL;
 * counted as fault_rules_match counts. */
struct fault_rule *fault_rules_match_tmf(struct fault_rules *rules, unsigned target, unsigned lun, uint32_t subtype);

/* A latency rule's delay for this firing, in microseconds (uniform in us_lo..us_hi). */
uint64_t fault_rules_delay_us(struct fault_rules *rules, const struct fault_rule *rule);

/* Apply a data-changing rule (corrupt, report-luns-length, capacity, inquiry-length) to the
 * data-in bytes a command produced: data holds len bytes of the answer to cdb. Bytes past len
 * are never touched. Other rules leave data alone. */
void fault_rule_patch(const struct fault_rule *rule, const uint8_t *cdb, uint8_t *data, size_t len,
                      uint32_t block_size);

const char *fault_action_name(enum fault_action a);

#endif
