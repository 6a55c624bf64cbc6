#include "drivers/hba/discovery.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/hba/outcome.h"
#include "drivers/hba/recovery.h"
#include "lib/dev_buf.h"

#define REPORT_LUNS_INITIAL 4096 /* header + 511 entries: one round trip for most targets */
#define REPORT_LUNS_MAX (8u + 8u * 16384u)
#define MAX_JOBS 4096
#define MAX_UA_RETRIES 8   /* power-on/reset and LUN-inventory-changed attentions, one each */
#define MAX_OTHER_RETRIES 3 /* BUSY, TASK SET FULL, ABORTED, RESET, lost in a device reset */
#define DATA_BUFFER 256

enum step {
    STEP_REPORT_LUNS, STEP_INQUIRY, STEP_READ_CAPACITY16, STEP_READ_CAPACITY10, STEP_MODE_SENSE,
    STEP_VPD_PROVISIONING, STEP_VPD_BLOCK_LIMITS
};

struct job {
    struct hba_cmd cmd;
    enum step step;
    bool busy;
    unsigned queue;
    uint8_t target;
    uint16_t lun;
    size_t lun_index;
    unsigned ua_retries, other_retries;
    uint8_t *report; /* REPORT LUNS buffer (a device buffer, lib/dev_buf.h) */
    uint32_t report_len;
    uint8_t *buf; /* DATA_BUFFER bytes for the LUN's answers, a device buffer; each command's data is
                   * the part dev_buf_window gives (against the guard page in the guard build) */
};

struct scan {
    struct hba *hba;
    struct inventory *inv;
    struct discovery_stats *stats;
    uint64_t timeout;
    size_t first_lun;    /* this HBA's entries in inv start here */
    size_t next_lun;     /* next entry to probe */
    unsigned next_target;
    bool read_wp;        /* a disk's probe ends with MODE SENSE (discovery_probe_lun) */
    /* discovery_read_write_protect and discovery_read_provisioning: only only_step (MODE SENSE, or
     * page B2 and after it B0), on these entries. */
    const size_t *only;
    size_t only_count, next_only;
    enum step only_step;
    bool failed;
    bool dirty[HBA_MAX_QUEUES]; /* submitted to since the last kick */
};

static struct lun_info *append_lun(struct inventory *inv, uint8_t hba, uint8_t target, uint16_t lun)
{
    if (inv->count == inv->capacity) {
        size_t cap = inv->capacity ? inv->capacity * 2 : 256;
        struct lun_info *grown = realloc(inv->luns, cap * sizeof *grown);
        if (grown == NULL)
            return NULL;
        inv->luns = grown;
        inv->capacity = cap;
    }
    struct lun_info *l = &inv->luns[inv->count++];
    memset(l, 0, sizeof *l);
    l->hba = hba;
    l->target = target;
    l->lun = lun;
    return l;
}

static void build(struct scan *s, struct job *j)
{
    struct hba_cmd *c = &j->cmd;
    memset(c, 0, offsetof(struct hba_cmd, response));
    c->target = j->target;
    c->lun = j->lun;
    c->timeout_cycles = s->timeout;
    c->user = j;
    c->dir = HBA_DIR_IN;
    switch (j->step) {
    case STEP_REPORT_LUNS:
        c->cdb_len = (uint8_t)scsi_cdb_report_luns(c->cdb, j->report_len);
        c->data = j->report;
        c->data_len = j->report_len;
        break;
    case STEP_INQUIRY:
        c->cdb_len = (uint8_t)scsi_cdb_inquiry(c->cdb, false, 0, 96);
        c->data_len = 96;
        break;
    case STEP_READ_CAPACITY16:
        c->cdb_len = (uint8_t)scsi_cdb_read_capacity16(c->cdb, 32);
        c->data_len = 32;
        break;
    case STEP_READ_CAPACITY10:
        c->cdb_len = (uint8_t)scsi_cdb_read_capacity10(c->cdb);
        c->data_len = 8;
        break;
    case STEP_MODE_SENSE:
        c->cdb_len = (uint8_t)scsi_cdb_mode_sense6(c->cdb, 0x3f, 4);
        c->data_len = 4;
        break;
    case STEP_VPD_PROVISIONING:
    case STEP_VPD_BLOCK_LIMITS:
        c->cdb_len = (uint8_t)scsi_cdb_inquiry(c->cdb, true, j->step == STEP_VPD_PROVISIONING
                                               ? SCSI_VPD_LOGICAL_BLOCK_PROVISIONING : SCSI_VPD_BLOCK_LIMITS, 64);
        c->data_len = 64;
        break;
    }
    if (j->step != STEP_REPORT_LUNS)
        c->data = dev_buf_window(j->buf, DATA_BUFFER, c->data_len);
}

/* What the LUN answered (INQUIRY, READ CAPACITY, MODE SENSE). */
static const uint8_t *data_in(const struct job *j) { return j->cmd.data; }

static bool submit(struct scan *s, struct job *j)
{
    build(s, j);
    if (hba_submit(s->hba, j->queue, &j->cmd) != 0) {
        s->failed = true;
        return false;
    }
    j->busy = true;
    s->dirty[j->queue] = true;
    s->stats->commands++;
    s->stats->lun_commands += j->step != STEP_REPORT_LUNS;
    s->stats->write_protect_reads += j->step == STEP_MODE_SENSE;
    s->stats->provisioning_reads += j->step == STEP_VPD_PROVISIONING || j->step == STEP_VPD_BLOCK_LIMITS;
    return true;
}

static void job_finish(struct job *j)
{
    dev_buf_free(j->report, j->report_len);
    j->report = NULL;
    j->busy = false;
}

static void lun_failed(struct scan *s, struct job *j, const char *why)
{
    const struct hba_cmd *c = &j->cmd;
    printf("lunbench: HBA %u (%s) target %u LUN %u: %s failed: %s\n", s->hba->index, s->hba->name, j->target,
           j->lun, scsi_cdb_name(c->cdb, c->cdb_len), why);
    if (j->step != STEP_REPORT_LUNS) {
        s->inv->luns[j->lun_index].flags |= LUN_FAILED;
        s->stats->luns_failed++;
    }
    job_finish(j);
}

static void start_lun_step(struct scan *s, struct job *j, enum step step)
{
    j->step = step;
    j->ua_retries = j->other_retries = 0;
    submit(s, j);
}

static void handle_report_luns(struct scan *s, struct job *j)
{
    const struct hba_cmd *c = &j->cmd;
    uint32_t xfer = c->data_len - c->residual;
    /* One target's list at a time; a valid list holds at most the 16384 LUNs a target can have. */
    static uint16_t luns[SCSI_LUN_MAX + 1];
    struct scsi_report_luns r;
    if (scsi_report_luns_decode(j->report, j->report_len, xfer, luns, sizeof luns / sizeof luns[0], &r) != 0) {
        lun_failed(s, j, "malformed REPORT LUNS data (short header or a list length not a multiple of 8)");
        return;
    }
    uint64_t needed = 8ull + r.list_length; /* 64 bits: a lying 32-bit length must not wrap */
    if (r.truncated && needed > j->report_len && j->report_len < REPORT_LUNS_MAX) {
        /* The header gives the full list length even when the buffer was shorter: ask again
         * with room for all of it, up to what 16384 LUNs take (SPC-4 6.33; QEMU behaves so). */
        uint32_t want = needed > REPORT_LUNS_MAX ? REPORT_LUNS_MAX : (uint32_t)needed;
        uint8_t *grown = dev_buf_alloc(want, 8); /* nothing to keep: the list comes again */
        if (grown == NULL) {
            lun_failed(s, j, "out of memory for the REPORT LUNS list");
            return;
        }
        dev_buf_free(j->report, j->report_len);
        j->report = grown;
        j->report_len = want;
        s->stats->report_luns_regrows++;
        submit(s, j);
        return;
    }
    s->stats->targets++;
    static uint8_t seen[(SCSI_LUN_MAX + 1) / 8];
    memset(seen, 0, sizeof seen);
    size_t duplicates = 0;
    for (size_t i = 0; i < r.count; i++) {
        if (seen[luns[i] / 8] & (1u << (luns[i] % 8))) {
            duplicates++; /* a device listing a LUN twice must not make us probe it twice */
            continue;
        }
        seen[luns[i] / 8] |= (uint8_t)(1u << (luns[i] % 8));
        if (append_lun(s->inv, (uint8_t)s->hba->index, j->target, luns[i]) == NULL) {
            lun_failed(s, j, "out of memory for the LUN inventory");
            return;
        }
        s->stats->luns_listed++;
    }
    if (r.skipped || r.dropped || duplicates)
        printf("lunbench: HBA %u target %u: REPORT LUNS: skipped %zu entries in an addressing method we do not "
               "decode, %zu beyond 16384 entries, %zu duplicates\n", s->hba->index, j->target, r.skipped, r.dropped,
               duplicates);
    job_finish(j);
}

static void handle_lun_data(struct scan *s, struct job *j)
{
    const struct hba_cmd *c = &j->cmd;
    struct lun_info *l = &s->inv->luns[j->lun_index];
    uint32_t xfer = c->data_len - c->residual;
    switch (j->step) {
    case STEP_INQUIRY: {
        struct scsi_inquiry inq;
        if (scsi_inquiry_decode(data_in(j), xfer, &inq) != 0) {
            lun_failed(s, j, "INQUIRY returned fewer than 36 bytes");
            return;
        }
        /* SPC 6.6.2: qualifier 0 is a connected device; QEMU answers 3 (or type 0x1f) for LUNs
         * REPORT LUNS lists without a device behind them, LUN 0 above all. */
        if (inq.qualifier != 0 || inq.device_type == 0x1f) {
            l->flags |= LUN_ABSENT;
            s->stats->luns_absent++;
            job_finish(j);
            return;
        }
        l->device_type = inq.device_type;
        if (inq.removable)
            l->flags |= LUN_REMOVABLE;
        memcpy(l->vendor, inq.vendor, sizeof l->vendor);
        memcpy(l->product, inq.product, sizeof l->product);
        memcpy(l->revision, inq.revision, sizeof l->revision);
        if (inq.device_type != SCSI_TYPE_DISK)
            l->flags |= LUN_WP_KNOWN; /* the WP bit is a direct-access device's (SBC-4 6.5.1) */
        /* No TEST UNIT READY: READ CAPACITY's NOT READY tells as much, one command fewer. */
        start_lun_step(s, j, STEP_READ_CAPACITY16);
        return;
    }
    case STEP_READ_CAPACITY16:
    case STEP_READ_CAPACITY10: {
        struct scsi_capacity cap;
        bool needs_16 = false;
        int rc = j->step == STEP_READ_CAPACITY16 ? scsi_read_capacity16_decode(data_in(j), xfer, &cap)
                                                 : scsi_read_capacity10_decode(data_in(j), xfer, &cap, &needs_16);
        if (rc != 0) {
            char why[160];
            const uint8_t *d = data_in(j);
            bool sixteen = j->step == STEP_READ_CAPACITY16;
            if (xfer >= (sixteen ? SCSI_READ_CAPACITY16_LEN : SCSI_READ_CAPACITY10_LEN))
                snprintf(why, sizeof why, "%s (last LBA 0x%" PRIx64 ", block length %"
                         PRIu32 ")", scsi_read_capacity_problem(d, xfer, sixteen),
                         sixteen ? scsi_get_be64(d) : scsi_get_be32(d), scsi_get_be32(d + (sixteen ? 8 : 4)));
            else
                snprintf(why, sizeof why, "%s (%zu bytes)",
                         scsi_read_capacity_problem(d, xfer, sixteen), (size_t)xfer);
            lun_failed(s, j, why);
            return;
        }
        l->blocks = cap.blocks;
        l->block_size = cap.block_size;
        l->p_type = cap.p_type;
        l->lbppbe = cap.lbppbe;
        if (cap.prot_en)
            l->flags |= LUN_PROTECTION;
        if (s->read_wp && l->device_type == SCSI_TYPE_DISK)
            start_lun_step(s, j, STEP_MODE_SENSE); /* a LUN joining a write job must know it */
        else
            job_finish(j);
        return;
    }
    case STEP_MODE_SENSE: {
        bool wp;
        if (scsi_mode_sense6_write_protected(data_in(j), xfer, &wp) == 0 && wp)
            l->flags |= LUN_WRITE_PROTECTED;
        l->flags |= LUN_WP_KNOWN;
        job_finish(j);
        return;
    }
    case STEP_VPD_PROVISIONING: {
        struct scsi_vpd_provisioning p;
        l->flags |= LUN_LBP_KNOWN;
        if (scsi_vpd_provisioning(data_in(j), xfer, &p) != 0) {
            printf("lunbench: HBA %u (%s) target %u LUN %u: page B2 (Logical Block Provisioning) is malformed (%u "
                   "bytes); taken as no UNMAP\n", s->hba->index, s->hba->name, j->target, j->lun, (unsigned)xfer);
            job_finish(j);
            return;
        }
        l->flags |= LUN_LBP_PAGE;
        if (!p.lbpu) {
            job_finish(j);
            return;
        }
        l->flags |= LUN_UNMAP;
        start_lun_step(s, j, STEP_VPD_BLOCK_LIMITS); /* the UNMAP limits */
        return;
    }
    case STEP_VPD_BLOCK_LIMITS: {
        struct scsi_vpd_block_limits bl;
        if (scsi_vpd_block_limits(data_in(j), xfer, &bl) == 0) {
            l->unmap_max_blocks = bl.max_unmap_lba_count;
            l->unmap_max_descriptors = bl.max_unmap_descriptors;
        }
        job_finish(j); /* a short page B0 states no limits */
        return;
    }
    case STEP_REPORT_LUNS:
        break;
    }
}

/* A LUN that refused a provisioning page (or failed it): it does not offer that page; the
 * LUN itself is no worse for it. */
static void provisioning_refused(struct scan *s, struct job *j)
{
    s->inv->luns[j->lun_index].flags |= LUN_LBP_KNOWN;
    job_finish(j);
}

static void handle_completion(struct scan *s, struct job *j)
{
    const struct hba_cmd *c = &j->cmd;
    j->busy = false;
    struct hba_verdict v;
    hba_classify(c, &v);
    switch (v.outcome) {
    case HBA_OUTCOME_DONE:
        if (j->step == STEP_REPORT_LUNS)
            handle_report_luns(s, j);
        else
            handle_lun_data(s, j);
        return;
    case HBA_OUTCOME_GONE:
        if (j->step == STEP_REPORT_LUNS && c->response == HBA_RESPONSE_BAD_TARGET) {
            job_finish(j); /* no target at this number: the normal answer for most of 0..255 */
            return;
        }
        if (s->only != NULL) {
            job_finish(j); /* gone since discovery: hotplug handling will hear of it */
            return;
        }
        if (j->step != STEP_REPORT_LUNS) {
            /* The LUN is not there (any more): a probe after a hotplug that was undone, or an
             * unplug during the scan. No device, not a failure. */
            s->inv->luns[j->lun_index].flags |= LUN_ABSENT;
            s->stats->luns_absent++;
            job_finish(j);
            return;
        }
        break;
    case HBA_OUTCOME_UNIT_ATTENTION:
        if (j->ua_retries < MAX_UA_RETRIES) {
            /* SAM-5 5.14: the first command after a reset or a change reports the attention. */
            j->ua_retries++;
            s->stats->ua_retries++;
            submit(s, j);
            return;
        }
        break;
    case HBA_OUTCOME_BUSY:
    case HBA_OUTCOME_CANCELLED:
    case HBA_OUTCOME_LOST:
        if (j->other_retries < MAX_OTHER_RETRIES) {
            j->other_retries++;
            s->stats->other_retries++;
            submit(s, j);
            return;
        }
        break;
    case HBA_OUTCOME_NOT_READY:
        if (j->step == STEP_READ_CAPACITY16 || j->step == STEP_READ_CAPACITY10) {
            /* Not an error of the scan: an empty CD drive, or a LUN still becoming ready. */
            s->inv->luns[j->lun_index].flags |= v.no_medium ? LUN_NO_MEDIUM : LUN_NOT_READY;
            job_finish(j);
            return;
        }
        break;
    case HBA_OUTCOME_UNSUPPORTED:
        if (j->step == STEP_READ_CAPACITY16) {
            start_lun_step(s, j, STEP_READ_CAPACITY10); /* READ CAPACITY(16) not supported */
            return;
        }
        if (j->step == STEP_MODE_SENSE) {
            s->inv->luns[j->lun_index].flags |= LUN_WP_KNOWN;
            job_finish(j); /* MODE SENSE is optional for us: no write-protect bit then */
            return;
        }
        if (j->step == STEP_VPD_PROVISIONING || j->step == STEP_VPD_BLOCK_LIMITS) {
            provisioning_refused(s, j);
            return;
        }
        break;
    default:
        break;
    }
    if (j->step == STEP_MODE_SENSE && v.have_sense && v.sense.key == SCSI_SENSE_ILLEGAL_REQUEST) {
        s->inv->luns[j->lun_index].flags |= LUN_WP_KNOWN;
        job_finish(j); /* any ILLEGAL REQUEST to MODE SENSE: no write-protect bit */
        return;
    }
    if ((j->step == STEP_VPD_PROVISIONING || j->step == STEP_VPD_BLOCK_LIMITS) && v.have_sense &&
        v.sense.key == SCSI_SENSE_ILLEGAL_REQUEST) {
        provisioning_refused(s, j); /* SPC-5 6.7.1: a page not offered is INVALID FIELD IN CDB */
        return;
    }
    char why[160];
    hba_verdict_describe(s->hba->kind, c, &v, why, sizeof why);
    lun_failed(s, j, why);
}

/* Give an idle job the next piece of work: a target to scan, else a listed LUN to probe. */
static bool start_job(struct scan *s, struct job *j)
{
    if (s->next_target <= s->hba->max_target) {
        j->step = STEP_REPORT_LUNS;
        j->target = (uint8_t)s->next_target++;
        j->lun = 0;
        j->ua_retries = j->other_retries = 0;
        j->report_len = REPORT_LUNS_INITIAL;
        j->report = dev_buf_alloc(j->report_len, 8);
        if (j->report == NULL) {
            s->failed = true;
            return false;
        }
        return submit(s, j);
    }
    while (s->only != NULL && s->next_only < s->only_count) {
        size_t index = s->only[s->next_only++];
        const struct lun_info *l = &s->inv->luns[index];
        j->target = l->target;
        j->lun = l->lun;
        j->lun_index = index;
        start_lun_step(s, j, s->only_step);
        return j->busy;
    }
    while (s->only == NULL && s->next_lun < s->inv->count) {
        size_t index = s->next_lun++;
        const struct lun_info *l = &s->inv->luns[index];
        j->target = l->target;
        j->lun = l->lun;
        j->lun_index = index;
        start_lun_step(s, j, STEP_INQUIRY);
        return j->busy;
    }
    return false;
}

static int compare_luns(const void *a, const void *b)
{
    const struct lun_info *x = a, *y = b;
    if (x->hba != y->hba)
        return x->hba < y->hba ? -1 : 1;
    if (x->target != y->target)
        return x->target < y->target ? -1 : 1;
    return x->lun < y->lun ? -1 : x->lun > y->lun;
}

/* Run a scan as s says: REPORT LUNS to every target (next_target 0), or only the LUN entries
 * already appended to inv from first_lun on probed, or (only) only only_step on those entries. */
static int scan_run(struct scan s)
{
    struct hba *hba = s.hba;
    struct inventory *inv = s.inv;
    struct discovery_stats *stats = s.stats;
    unsigned n_jobs = hba->queue_depth * hba->num_queues;
    if (n_jobs > MAX_JOBS)
        n_jobs = MAX_JOBS;
    struct job *jobs = calloc(n_jobs, sizeof *jobs);
    struct hba_cmd **done = calloc(hba->queue_depth, sizeof *done);
    if (jobs == NULL || done == NULL) {
        free(jobs);
        free(done);
        snprintf(hba->error, sizeof hba->error, "out of memory for %u discovery jobs", n_jobs);
        return -1;
    }
    for (unsigned i = 0; i < n_jobs; i++) {
        jobs[i].queue = i % hba->num_queues;
        if ((jobs[i].buf = dev_buf_alloc(DATA_BUFFER, 64)) == NULL) {
            for (unsigned k = 0; k < i; k++)
                dev_buf_free(jobs[k].buf, DATA_BUFFER);
            free(jobs);
            free(done);
            snprintf(hba->error, sizeof hba->error, "out of memory for %u discovery jobs", n_jobs);
            return -1;
        }
    }

    unsigned busy = 0;
    for (;;) {
        for (unsigned i = 0; i < n_jobs && !s.failed; i++)
            if (!jobs[i].busy && start_job(&s, &jobs[i]))
                busy++;
        if (busy == 0 || s.failed)
            break; /* nothing in flight and nothing left to start */
        if (busy > stats->max_in_flight)
            stats->max_in_flight = busy;
        for (unsigned q = 0; q < hba->num_queues; q++) {
            if (s.dirty[q])
                hba_kick(hba, q); /* once per batch, and only where something went */
            s.dirty[q] = false;
        }
        for (unsigned q = 0; q < hba->num_queues; q++) {
            unsigned n = hba_poll(hba, q, done, hba->queue_depth);
            for (unsigned k = 0; k < n; k++) {
                struct job *j = done[k]->user;
                handle_completion(&s, j);
                if (!j->busy)
                    busy--;
            }
        }
        if (hba->broken)
            s.failed = true;
    }

    for (unsigned i = 0; i < n_jobs; i++) {
        dev_buf_free(jobs[i].report, jobs[i].report_len);
        dev_buf_free(jobs[i].buf, DATA_BUFFER);
    }
    free(jobs);
    free(done);

    /* Drop the LUNs INQUIRY found empty, then sort this HBA's part of the inventory (a
     * write-protect or provisioning read leaves the inventory as it is: a running job points into it). */
    if (s.only == NULL) {
        size_t kept = s.first_lun;
        for (size_t i = s.first_lun; i < inv->count; i++)
            if (!(inv->luns[i].flags & LUN_ABSENT))
                inv->luns[kept++] = inv->luns[i];
        inv->count = kept;
        if (inv->count > s.first_lun) /* an HBA with no LUN may leave inv->luns NULL */
            qsort(inv->luns + s.first_lun, inv->count - s.first_lun, sizeof *inv->luns, compare_luns);
    }
    if (s.failed) {
        if (hba->error[0] == '\0')
            snprintf(hba->error, sizeof hba->error, "discovery stopped: the HBA stopped accepting commands");
        return -1;
    }
    return 0;
}

int discovery_run(struct hba *hba, struct inventory *inv, struct discovery_stats *stats, uint64_t cmd_timeout_cycles)
{
    memset(stats, 0, sizeof *stats);
    return scan_run((struct scan){ .hba = hba, .inv = inv, .stats = stats, .timeout = cmd_timeout_cycles,
                                   .first_lun = inv->count, .next_lun = inv->count, .next_target = 0 });
}

/* Run step on the disks of hba among indexes[0..n) that lack the flag known. */
static int scan_only(struct hba *hba, struct inventory *inv, const size_t *indexes, size_t n,
                     struct discovery_stats *stats, uint64_t cmd_timeout_cycles, enum step step, uint16_t known)
{
    size_t *wanted = malloc((n ? n : 1) * sizeof *wanted);
    if (wanted == NULL) {
        snprintf(hba->error, sizeof hba->error, "out of memory for %zu LUN reads", n);
        return -1;
    }
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        const struct lun_info *l = &inv->luns[indexes[i]];
        if (l->hba == hba->index && l->device_type == SCSI_TYPE_DISK && !(l->flags & (known | LUN_REMOVED)))
            wanted[count++] = indexes[i];
    }
    int rc = count == 0 ? 0
                        : scan_run((struct scan){ .hba = hba, .inv = inv, .stats = stats, .timeout = cmd_timeout_cycles,
                                                  .next_target = hba->max_target + 1u, .only = wanted,
                                                  .only_count = count, .only_step = step });
    free(wanted);
    return rc;
}

int discovery_read_write_protect(struct hba *hba, struct inventory *inv, const size_t *indexes, size_t n,
                                 struct discovery_stats *stats, uint64_t cmd_timeout_cycles)
{
    return scan_only(hba, inv, indexes, n, stats, cmd_timeout_cycles, STEP_MODE_SENSE, LUN_WP_KNOWN);
}

int discovery_read_provisioning(struct hba *hba, struct inventory *inv, const size_t *indexes, size_t n,
                                struct discovery_stats *stats, uint64_t cmd_timeout_cycles)
{
    return scan_only(hba, inv, indexes, n, stats, cmd_timeout_cycles, STEP_VPD_PROVISIONING, LUN_LBP_KNOWN);
}

int discovery_probe_lun(struct hba *hba, struct inventory *inv, uint8_t target, uint16_t lun,
                        uint64_t cmd_timeout_cycles, struct lun_info *found)
{
    struct discovery_stats stats;
    memset(&stats, 0, sizeof stats);
    struct inventory probe = { 0 };
    if (append_lun(&probe, (uint8_t)hba->index, target, lun) == NULL) {
        snprintf(hba->error, sizeof hba->error, "out of memory for a LUN probe");
        return -1;
    }
    int rc = scan_run((struct scan){ .hba = hba, .inv = &probe, .stats = &stats, .timeout = cmd_timeout_cycles,
                                     .next_target = hba->max_target + 1u, .read_wp = true });
    int result = rc != 0 ? -1 : probe.count == 0 ? 0 : 1;
    if (result == 1) {
        *found = probe.luns[0];
        if (inv != NULL) {
            struct lun_info *added = append_lun(inv, found->hba, target, lun);
            if (added == NULL) {
                snprintf(hba->error, sizeof hba->error, "out of memory for LUN %u:%u:%u in the inventory", hba->index,
                         target, lun);
                result = -1;
            } else {
                *added = *found;
            }
        }
    }
    free(probe.luns);
    return result;
}
