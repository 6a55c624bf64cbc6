/* Parsing and matching the fault rules (fault_rules.h). */
#include "tools/vscsi-target/fault_rules.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/scsi/scsi.h"

static const char *const action_names[FAULT_ACTIONS] = {
    [FAULT_HANG] = "hang",
    [FAULT_HANG_TMF] = "hang-tmf",
    [FAULT_LATENCY] = "latency",
    [FAULT_CORRUPT] = "corrupt",
    [FAULT_USED_ID] = "used-id",
    [FAULT_USED_LEN] = "used-len",
    [FAULT_REPORT_LUNS_LENGTH] = "report-luns-length",
    [FAULT_SENSE_LEN] = "sense-len",
    [FAULT_CAPACITY] = "capacity",
    [FAULT_INQUIRY_LENGTH] = "inquiry-length",
    [FAULT_USED_IDX_JUMP] = "used-idx-jump",
    [FAULT_RESIDUAL] = "residual",
    [FAULT_DEAD] = "dead",
    [FAULT_VANISH] = "vanish",
    [FAULT_SHRINK] = "shrink",
    [FAULT_DESC_REWRITE] = "desc-rewrite",
    [FAULT_EVENT] = "event",
    [FAULT_POWER_CUT] = "power-cut",
    [FAULT_UNIT_ATTENTION] = "unit-attention",
};

static const struct {
    const char *name;
    enum fault_cmd cmd;
} cmd_names[] = {
    {"any", FAULT_CMD_ANY}, {"io", FAULT_CMD_IO}, {"read", FAULT_CMD_READ}, {"write", FAULT_CMD_WRITE},
    {"inquiry", FAULT_CMD_INQUIRY}, {"report-luns", FAULT_CMD_REPORT_LUNS},
    {"read-capacity", FAULT_CMD_READ_CAPACITY}, {"tur", FAULT_CMD_TUR}, {"mode-sense", FAULT_CMD_MODE_SENSE},
    {"sync", FAULT_CMD_SYNC}, {"unmap", FAULT_CMD_UNMAP}, {"write-same", FAULT_CMD_WRITE_SAME},
    {"request-sense", FAULT_CMD_REQUEST_SENSE},
};

/* The command kind each action applies to when the rule names none. */
static const enum fault_cmd default_cmd[FAULT_ACTIONS] = {
    [FAULT_HANG] = FAULT_CMD_IO,
    [FAULT_HANG_TMF] = FAULT_CMD_ANY,
    [FAULT_LATENCY] = FAULT_CMD_IO,
    [FAULT_CORRUPT] = FAULT_CMD_READ,
    [FAULT_USED_ID] = FAULT_CMD_IO,
    [FAULT_USED_LEN] = FAULT_CMD_IO,
    [FAULT_REPORT_LUNS_LENGTH] = FAULT_CMD_REPORT_LUNS,
    [FAULT_SENSE_LEN] = FAULT_CMD_IO,
    [FAULT_CAPACITY] = FAULT_CMD_READ_CAPACITY,
    [FAULT_INQUIRY_LENGTH] = FAULT_CMD_INQUIRY,
    [FAULT_USED_IDX_JUMP] = FAULT_CMD_IO,
    [FAULT_RESIDUAL] = FAULT_CMD_IO,
    [FAULT_DEAD] = FAULT_CMD_ANY,
    [FAULT_VANISH] = FAULT_CMD_IO,
    [FAULT_SHRINK] = FAULT_CMD_IO,
    [FAULT_DESC_REWRITE] = FAULT_CMD_IO,
    [FAULT_EVENT] = FAULT_CMD_IO,
    [FAULT_POWER_CUT] = FAULT_CMD_WRITE,
    [FAULT_UNIT_ATTENTION] = FAULT_CMD_IO,
};

const char *fault_action_name(enum fault_action a)
{
    return a < FAULT_ACTIONS ? action_names[a] : "unknown";
}

static int fail(char *err, size_t errlen, unsigned line, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(err, errlen, "line %u: %s", line, msg);
    return -1;
}

static int parse_u64(const char *s, uint64_t *v)
{
    char *end;
    if (*s == '\0' || *s == '-')
        return -1;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 0);
    if (errno || *end)
        return -1;
    *v = x;
    return 0;
}

/* "N" or "N-M" (N <= M <= limit). */
static int parse_range(const char *s, uint64_t limit, uint64_t *lo, uint64_t *hi)
{
    char buf[64];
    if (strlen(s) >= sizeof(buf))
        return -1;
    strcpy(buf, s);
    char *dash = strchr(buf, '-');
    if (dash)
        *dash = '\0';
    if (parse_u64(buf, lo) < 0 || (dash ? parse_u64(dash + 1, hi) : (*hi = *lo, 0)) < 0)
        return -1;
    return *lo <= *hi && *hi <= limit ? 0 : -1;
}

void fault_rules_seed(struct fault_rules *rules, uint64_t seed)
{
    rules->seed = seed;
    rules->rng = seed ? seed : 0x9e3779b97f4a7c15ull; /* xorshift needs a non-zero state */
}

/* The index of value among names, or -1. */
static int choice(const char *value, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(value, names[i]))
            return i;
    return -1;
}

static int parse_key(struct fault_rule *r, const char *key, const char *value, char *err, size_t errlen)
{
    uint64_t lo, hi;
    if (!strcmp(key, "target") || !strcmp(key, "lun")) {
        bool target = key[0] == 't';
        if (parse_range(value, target ? 255 : 16383, &lo, &hi) < 0)
            return fail(err, errlen, r->line, "bad %s=%s (N or N-M, at most %d)", key, value, target ? 255 : 16383);
        *(target ? &r->target_lo : &r->lun_lo) = (unsigned)lo;
        *(target ? &r->target_hi : &r->lun_hi) = (unsigned)hi;
    } else if (!strcmp(key, "cmd")) {
        size_t i;
        for (i = 0; i < sizeof(cmd_names) / sizeof(cmd_names[0]); i++)
            if (!strcmp(cmd_names[i].name, value))
                break;
        if (i == sizeof(cmd_names) / sizeof(cmd_names[0]))
            return fail(err, errlen, r->line, "unknown cmd=%s (any, io, read, write, inquiry, report-luns, "
                        "read-capacity, tur, mode-sense, sync, unmap, write-same, request-sense)", value);
        r->cmd = cmd_names[i].cmd;
    } else if (!strcmp(key, "prob")) {
        char *end;
        double p = strtod(value, &end);
        if (*value == '\0' || *end || !(p >= 0.0 && p <= 1.0))
            return fail(err, errlen, r->line, "bad prob=%s (a number from 0 to 1)", value);
        r->prob = p;
    } else if (!strcmp(key, "us") && r->action == FAULT_LATENCY) {
        if (parse_range(value, 60000000, &r->us_lo, &r->us_hi) < 0)
            return fail(err, errlen, r->line, "bad us=%s (N or N-M microseconds, at most 60 s)", value);
    } else if (!strcmp(key, "survives") && r->action == FAULT_HANG) {
        static const char *const levels[] = {"none", "abort", "lun-reset"}; /* FAULT_SURVIVES_* */
        int v = choice(value, levels, 3);
        if (v < 0)
            return fail(err, errlen, r->line, "bad survives=%s (none, abort or lun-reset)", value);
        r->survives = (unsigned)v;
    } else if (!strcmp(key, "tmf") && r->action == FAULT_HANG_TMF) {
        static const char *const tmfs[] = {"any", "abort", "lun-reset"}; /* FAULT_TMF_* */
        int v = choice(value, tmfs, 3);
        if (v < 0)
            return fail(err, errlen, r->line, "bad tmf=%s (any, abort or lun-reset)", value);
        r->tmf = (unsigned)v;
    } else if (!strcmp(key, "when") && r->action == FAULT_DESC_REWRITE) {
        static const char *const whens[] = {"after", "before"};
        int v = choice(value, whens, 2);
        if (v < 0)
            return fail(err, errlen, r->line, "bad when=%s (after or before)", value);
        r->before = v == 1;
    } else if (!strcmp(key, "type") && r->action == FAULT_EVENT) {
        static const char *const types[] = {"rescan", "removed", "param-change", "missed"}; /* FAULT_EVENT_* */
        int v = choice(value, types, 4);
        if (v < 0)
            return fail(err, errlen, r->line, "bad type=%s (rescan, removed, param-change or missed)", value);
        r->event_type = (unsigned)v;
    } else if (!strcmp(key, "change") && r->action == FAULT_UNIT_ATTENTION) {
        static const char *const changes[] = {"inventory", "capacity"}; /* FAULT_UA_* */
        int v = choice(value, changes, 2);
        if (v < 0)
            return fail(err, errlen, r->line, "bad change=%s (inventory or capacity)", value);
        r->ua = (unsigned)v;
    } else if (!strcmp(key, "page") && r->action == FAULT_INQUIRY_LENGTH) {
        if (parse_u64(value, &lo) < 0 || lo > 0xff)
            return fail(err, errlen, r->line, "bad page=%s (a VPD page code, 0-0xff)", value);
        r->page = (unsigned)lo;
    } else {
        uint64_t v;
        uint64_t *slot = NULL;
        bool *has = NULL;
        if (!strcmp(key, "after"))
            slot = &r->after;
        else if (!strcmp(key, "count"))
            slot = &r->count;
        else if (!strcmp(key, "id") && r->action == FAULT_USED_ID)
            slot = &r->used_id, has = &r->has_used_id;
        else if (!strcmp(key, "extra") &&
                 (r->action == FAULT_USED_LEN || r->action == FAULT_USED_IDX_JUMP || r->action == FAULT_RESIDUAL))
            slot = &r->extra, has = &r->has_extra;
        else if (!strcmp(key, "length") && (r->action == FAULT_REPORT_LUNS_LENGTH || r->action == FAULT_SENSE_LEN ||
                                            r->action == FAULT_INQUIRY_LENGTH))
            slot = &r->length;
        else if (!strcmp(key, "last_lba") && r->action == FAULT_CAPACITY)
            slot = &r->last_lba, has = &r->has_last_lba;
        else if (!strcmp(key, "blocks") && r->action == FAULT_SHRINK)
            slot = &r->blocks, has = &r->has_last_lba; /* has_last_lba: the size was given */
        else if (!strcmp(key, "n") && r->action == FAULT_EVENT)
            slot = &r->events;
        else if (!strcmp(key, "block_size") && r->action == FAULT_CAPACITY)
            slot = &r->block_size, has = &r->has_block_size;
        if (!slot)
            return fail(err, errlen, r->line, "%s takes no key %s", action_names[r->action], key);
        if (parse_u64(value, &v) < 0)
            return fail(err, errlen, r->line, "bad %s=%s (a number)", key, value);
        *slot = v;
        if (has)
            *has = true;
    }
    return 0;
}

/* Limits a rule's values must keep so that the device can carry them out. */
static int check_rule(struct fault_rule *r, char *err, size_t errlen)
{
    switch (r->action) {
    case FAULT_LATENCY:
        if (r->us_hi == 0)
            return fail(err, errlen, r->line, "latency needs us=N or us=N-M");
        break;
    case FAULT_REPORT_LUNS_LENGTH:
        if (r->length > 0xffffffffull)
            return fail(err, errlen, r->line, "length=%llu does not fit REPORT LUNS' 32-bit field",
                        (unsigned long long)r->length);
        break;
    case FAULT_SENSE_LEN:
        if (r->length > 0xffffffffull)
            return fail(err, errlen, r->line, "length does not fit sense_len's 32 bits");
        break;
    case FAULT_INQUIRY_LENGTH:
        if (r->length > (r->page == FAULT_NO_PAGE ? 0xffu : 0xffffu))
            return fail(err, errlen, r->line, "length=%llu does not fit the %s field",
                        (unsigned long long)r->length, r->page == FAULT_NO_PAGE ? "ADDITIONAL LENGTH (8-bit)"
                                                                               : "PAGE LENGTH (16-bit)");
        break;
    case FAULT_CAPACITY:
        if (!r->has_last_lba && !r->has_block_size)
            return fail(err, errlen, r->line, "capacity needs last_lba=N and/or block_size=N");
        if (r->block_size > 0xffffffffull)
            return fail(err, errlen, r->line, "block_size does not fit 32 bits");
        break;
    case FAULT_USED_ID:
        if (r->used_id > 0xffffffffull)
            return fail(err, errlen, r->line, "id does not fit 32 bits");
        break;
    case FAULT_SHRINK:
        if (!r->has_last_lba || r->blocks == 0)
            return fail(err, errlen, r->line, "shrink needs blocks=N (at least 1)");
        break;
    case FAULT_USED_IDX_JUMP:
        if (r->has_extra && (r->extra == 0 || r->extra > 0xffff))
            return fail(err, errlen, r->line, "extra=%llu: the used index moves 1 to 65535 entries too far",
                        (unsigned long long)r->extra);
        break;
    case FAULT_EVENT:
        if (r->events == 0 || r->events > FAULT_EVENTS_MAX)
            return fail(err, errlen, r->line, "n=%llu: an event rule sends 1 to %d events",
                        (unsigned long long)r->events, FAULT_EVENTS_MAX);
        break;
    case FAULT_RESIDUAL:
        if (r->extra > 0xffffffffull)
            return fail(err, errlen, r->line, "extra does not fit the 32-bit residual");
        break;
    default:
        break;
    }
    return 0;
}

static int parse_line(char *line, unsigned lineno, struct fault_rules *out, char *err, size_t errlen)
{
    char *save = NULL, *word = strtok_r(line, " \t\r", &save);
    if (!word)
        return 0;
    if (!strcmp(word, "seed")) {
        uint64_t seed;
        char *v = strtok_r(NULL, " \t\r", &save);
        if (!v || parse_u64(v, &seed) < 0 || strtok_r(NULL, " \t\r", &save))
            return fail(err, errlen, lineno, "seed takes one number");
        fault_rules_seed(out, seed);
        return 0;
    }
    int action = -1;
    for (int i = 0; i < FAULT_ACTIONS; i++)
        if (!strcmp(word, action_names[i]))
            action = i;
    if (action < 0)
        return fail(err, errlen, lineno, "unknown fault %s (hang, hang-tmf, latency, corrupt, used-id, used-len, "
                    "used-idx-jump, residual, report-luns-length, sense-len, capacity, inquiry-length, dead, vanish, "
                    "shrink, desc-rewrite, event, power-cut, unit-attention)", word);
    if (out->count == FAULT_RULES_MAX)
        return fail(err, errlen, lineno, "more than %d rules", FAULT_RULES_MAX);
    struct fault_rule *r = &out->rules[out->count];
    memset(r, 0, sizeof(*r));
    r->action = (enum fault_action)action;
    r->line = lineno;
    r->target_hi = 255;
    r->lun_hi = 16383;
    r->cmd = default_cmd[action];
    r->prob = 1.0;
    r->extra = 4096;
    r->length = action == FAULT_SENSE_LEN ? 4096 : 0;
    r->page = FAULT_NO_PAGE;
    r->events = 1;
    while ((word = strtok_r(NULL, " \t\r", &save)) != NULL) {
        char *eq = strchr(word, '=');
        if (!eq || eq == word)
            return fail(err, errlen, lineno, "%s is not key=value", word);
        *eq = '\0';
        if (parse_key(r, word, eq + 1, err, errlen) < 0)
            return -1;
    }
    if (check_rule(r, err, errlen) < 0)
        return -1;
    out->count++;
    return 0;
}

int fault_rules_parse(const char *text, struct fault_rules *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    fault_rules_seed(out, 1);
    unsigned lineno = 0;
    while (*text) {
        const char *nl = strchr(text, '\n');
        size_t n = nl ? (size_t)(nl - text) : strlen(text);
        char line[512];
        lineno++;
        if (n >= sizeof(line))
            return fail(err, errlen, lineno, "longer than %zu characters", sizeof(line) - 1);
        memcpy(line, text, n);
        line[n] = '\0';
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        if (parse_line(line, lineno, out, err, errlen) < 0)
            return -1;
        text += n + (nl ? 1 : 0);
    }
    return 0;
}

static bool cmd_matches(enum fault_cmd cmd, const uint8_t *cdb, size_t len)
{
    if (cmd == FAULT_CMD_ANY)
        return true;
    if (len == 0)
        return false;
    uint8_t op = cdb[0];
    bool read = op == SCSI_OP_READ6 || op == SCSI_OP_READ10 || op == SCSI_OP_READ12 || op == SCSI_OP_READ16;
    bool write = op == SCSI_OP_WRITE6 || op == SCSI_OP_WRITE10 || op == SCSI_OP_WRITE12 || op == SCSI_OP_WRITE16;
    switch (cmd) {
    case FAULT_CMD_IO: return read || write;
    case FAULT_CMD_READ: return read;
    case FAULT_CMD_WRITE: return write;
    case FAULT_CMD_INQUIRY: return op == SCSI_OP_INQUIRY;
    case FAULT_CMD_REPORT_LUNS: return op == SCSI_OP_REPORT_LUNS;
    case FAULT_CMD_READ_CAPACITY:
        return op == SCSI_OP_READ_CAPACITY10 ||
               (op == SCSI_OP_SERVICE_ACTION_IN16 && len > 1 && (cdb[1] & 0x1f) == SCSI_SAI_READ_CAPACITY16);
    case FAULT_CMD_TUR: return op == SCSI_OP_TEST_UNIT_READY;
    case FAULT_CMD_MODE_SENSE: return op == SCSI_OP_MODE_SENSE6 || op == SCSI_OP_MODE_SENSE10;
    case FAULT_CMD_SYNC: return op == SCSI_OP_SYNCHRONIZE_CACHE10 || op == SCSI_OP_SYNCHRONIZE_CACHE16;
    case FAULT_CMD_UNMAP: return op == SCSI_OP_UNMAP;
    case FAULT_CMD_WRITE_SAME: return op == SCSI_OP_WRITE_SAME10 || op == SCSI_OP_WRITE_SAME16;
    case FAULT_CMD_REQUEST_SENSE: return op == SCSI_OP_REQUEST_SENSE;
    default: return false;
    }
}

/* xorshift64*: small, and the same sequence on every host for a seed. */
static uint64_t next_random(struct fault_rules *rules)
{
    uint64_t x = rules->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rules->rng = x;
    return x * 0x2545f4914f6cdd1dull;
}

/* A rule that matched counts; does it fire this time (after=, count=, prob=)? */
static bool fires(struct fault_rules *rules, struct fault_rule *r)
{
    if (++r->seen <= r->after || (r->count && r->fired >= r->count))
        return false;
    if (r->prob < 1.0 && (double)(next_random(rules) >> 11) / 9007199254740992.0 >= r->prob)
        return false;
    r->fired++;
    return true;
}

static bool where_matches(const struct fault_rule *r, unsigned target, unsigned lun)
{
    return target >= r->target_lo && target <= r->target_hi && lun >= r->lun_lo && lun <= r->lun_hi;
}

size_t fault_rules_match(struct fault_rules *rules, unsigned target, unsigned lun, const uint8_t *cdb,
                         size_t cdb_len, struct fault_rule **fired, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < rules->count; i++) {
        struct fault_rule *r = &rules->rules[i];
        if (r->action == FAULT_HANG_TMF || !where_matches(r, target, lun) || !cmd_matches(r->cmd, cdb, cdb_len))
            continue;
        if (fires(rules, r) && n < max)
            fired[n++] = r;
    }
    return n;
}

struct fault_rule *fault_rules_match_tmf(struct fault_rules *rules, unsigned target, unsigned lun, uint32_t subtype)
{
    for (size_t i = 0; i < rules->count; i++) {
        struct fault_rule *r = &rules->rules[i];
        if (r->action != FAULT_HANG_TMF || !where_matches(r, target, lun))
            continue;
        /* virtio 1.2 5.6.6.2: ABORT TASK is subtype 0, LOGICAL UNIT RESET 5 */
        if ((r->tmf == FAULT_TMF_ABORT && subtype != 0) || (r->tmf == FAULT_TMF_LUN_RESET && subtype != 5))
            continue;
        if (fires(rules, r))
            return r;
    }
    return NULL;
}

uint64_t fault_rules_delay_us(struct fault_rules *rules, const struct fault_rule *rule)
{
    if (rule->us_hi == rule->us_lo)
        return rule->us_lo;
    return rule->us_lo + next_random(rules) % (rule->us_hi - rule->us_lo + 1);
}

void fault_rule_patch(const struct fault_rule *rule, const uint8_t *cdb, uint8_t *data, size_t len,
                      uint32_t block_size)
{
    switch (rule->action) {
    case FAULT_CORRUPT:
        /* the middle byte of every block, so that any check of a block's contents sees it */
        for (size_t off = 0; block_size && off < len; off += block_size) {
            size_t at = off + block_size / 2;
            if (at < len)
                data[at] ^= 0xff;
        }
        break;
    case FAULT_REPORT_LUNS_LENGTH:
        if (len >= 4)
            scsi_put_be32(data, (uint32_t)rule->length);
        break;
    case FAULT_CAPACITY:
        if (cdb[0] == SCSI_OP_READ_CAPACITY10 && len >= 8) {
            if (rule->has_last_lba)
                scsi_put_be32(data, rule->last_lba > 0xffffffffull ? 0xffffffffu : (uint32_t)rule->last_lba);
            if (rule->has_block_size)
                scsi_put_be32(data + 4, (uint32_t)rule->block_size);
        } else if (cdb[0] == SCSI_OP_SERVICE_ACTION_IN16 && len >= 12) {
            if (rule->has_last_lba)
                scsi_put_be64(data, rule->last_lba);
            if (rule->has_block_size)
                scsi_put_be32(data + 8, (uint32_t)rule->block_size);
        }
        break;
    case FAULT_INQUIRY_LENGTH: {
        bool evpd = cdb[1] & 1;
        if (rule->page == FAULT_NO_PAGE && !evpd && len >= 5)
            data[4] = (uint8_t)rule->length;
        else if (rule->page != FAULT_NO_PAGE && evpd && cdb[2] == rule->page && len >= 4)
            scsi_put_be16(data + 2, (uint16_t)rule->length);
        break;
    }
    default:
        break;
    }
}
