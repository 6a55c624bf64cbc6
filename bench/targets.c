#include "bench/targets.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_NAMED_LEFT_OUT 10 /* LUNs named one by one when left out; then only a count */

/* Why a selected LUN cannot take part in this job, or NULL. */
static const char *unusable_reason(const struct job_spec *job, const struct lun_info *l)
{
    if (l->flags & LUN_REMOVED)
        return "it was removed (hotplug)";
    if (l->flags & LUN_FAILED)
        return "it failed discovery";
    if (l->flags & LUN_NO_MEDIUM)
        return "it has no medium";
    if (l->flags & LUN_NOT_READY)
        return "it is not ready";
    if (l->blocks == 0 || l->block_size == 0)
        return "it has no capacity";
    bool writes = job_changes_data(job);
    if (writes && (l->flags & LUN_WRITE_PROTECTED))
        return "it is write-protected (writes would end in DATA PROTECT)";
    if (writes && !(l->flags & LUN_WP_KNOWN))
        return "its write-protect bit could not be read";
    if (writes && l->device_type == SCSI_TYPE_CDROM)
        return "it is a CD/DVD drive (read-only medium)";
    if (job_does_dir(job, JOB_DDIR_TRIM)) {
        /* SBC-4 5.31: UNMAP only where page B2 says LBPU (6.6.6), each within page B0's MAXIMUM
         * UNMAP LBA COUNT (6.6.4): one block descriptor a trim, so the descriptor count is met. */
        if (!(l->flags & LUN_LBP_KNOWN))
            return "its Logical Block Provisioning page (B2) could not be read, so it may not take UNMAP (trims)";
        if (!(l->flags & LUN_LBP_PAGE))
            return "it does not offer UNMAP for trims (no Logical Block Provisioning VPD page B2)";
        if (!(l->flags & LUN_UNMAP))
            return "it does not offer UNMAP for trims (its VPD page B2 says LBPU 0)";
        if (l->unmap_max_blocks != 0 && job->bsz[JOB_DDIR_TRIM].max / l->block_size > l->unmap_max_blocks)
            return "the job's largest trim is more than one UNMAP may cover (page B0's MAXIMUM UNMAP LBA COUNT)";
    }
    return NULL;
}

bool targets_selected(const struct job_spec *job, const struct lun_info *l, unsigned index_among_usable)
{
    const struct lun_selection *s = &job->luns;
    switch (s->kind) {
    case LUNSEL_ALL: return true;
    case LUNSEL_HBA: return l->hba == s->hba;
    case LUNSEL_TARGETS: return l->target >= s->target_lo && l->target <= s->target_hi;
    case LUNSEL_FIRST: return index_among_usable < s->first_n;
    case LUNSEL_LIST:
        for (size_t i = 0; i < s->list_count; i++)
            if (s->list[i].hba == l->hba && s->list[i].target == l->target && s->list[i].lun == l->lun)
                return true;
        return false;
    }
    return false;
}

/* Check inventory entry k against the job's block size and region and, when t is not NULL, set
 * up a target for it. Returns 0, or -1 with why the LUN cannot run the job in why (of the LUN:
 * the caller names the job and the LUN). */
static int init_target(const struct job_spec *job, const struct bench_env *env, size_t k, struct target *t, char *why,
                       size_t why_len)
{
    struct lun_info *l = &env->inv->luns[k];
    if (job->bs % l->block_size != 0) {
        snprintf(why, why_len, "bs=%" PRIu32 " is not a multiple of its %" PRIu32 "-byte blocks", job->bs,
                 l->block_size);
        return -1;
    }
    if (job->verify_interval % l->block_size != 0) {
        snprintf(why, why_len, "verify_interval=%" PRIu64 " is not a multiple of its %" PRIu32
                 "-byte blocks (lunbench stamps and checks each logical block)", job->verify_interval, l->block_size);
        return -1;
    }
    const struct hba *hba = env->hbas[l->hba];
    if (hba->max_transfer != 0 && job->bs_max > hba->max_transfer) {
        snprintf(why, why_len, "bs=%" PRIu32 " is more than HBA %u (%s) moves in one command (%" PRIu32
                 " bytes: its max_sectors)", job->bs_max, l->hba, hba->name, hba->max_transfer);
        return -1;
    }
    uint64_t capacity = l->blocks * l->block_size;
    if (job->filesize > capacity) {
        snprintf(why, why_len, "filesize=%" PRIu64 " is more than it holds (%" PRIu64 " bytes)", job->filesize,
                 capacity);
        return -1;
    }
    if (job->filesize != 0)
        capacity = job->filesize; /* the LUN is taken to be that big (fio's file size) */
    /* size=N% and offset=N% are fractions of each LUN; a percentage offset is aligned up to bs,
     * as fio does. */
    uint64_t offset = job->offset, increment = job->offset_increment;
    if (job->offset_percent)
        offset = capacity / 100 * job->offset_percent;
    /* offset_increment: clone k starts k increments further on (fio's get_start_offset). */
    if (job->offset_increment_percent)
        increment = capacity / 100 * job->offset_increment_percent;
    if (increment != 0 && job->clone > (capacity - 1) / increment)
        offset = capacity; /* past the end, for the message below */
    else
        offset += (uint64_t)job->clone * increment;
    if (job->offset_percent || job->offset_increment_percent)
        offset = (offset + job->bs - 1) / job->bs * job->bs;
    if (offset % l->block_size != 0 || offset >= capacity) {
        char whose[64] = "";
        if (job->clone != 0)
            snprintf(whose, sizeof whose, " (clone %u, with offset_increment)", job->clone);
        snprintf(why, why_len, "offset=%" PRIu64 "%s is past its end (%" PRIu64 " bytes) or not a multiple of its block "
                 "size", offset, whose, capacity);
        return -1;
    }
    uint64_t region = job->size_percent ? capacity / 100 * job->size_percent : job->size;
    if (job->fill_device || region == 0 || region > capacity - offset)
        region = capacity - offset;
    if (region < job->bs) {
        snprintf(why, why_len, "it has %" PRIu64 " bytes from offset %" PRIu64 ", less than one bs=%" PRIu32, region,
                 offset, job->bs);
        return -1;
    }
    if (t != NULL) {
        memset(t, 0, sizeof *t);
        t->info = l;
        t->inv_index = k;
        t->hba = env->hbas[l->hba];
        t->first_lba = offset / l->block_size;
        t->units = region / job->bs;
        t->blocks_per_unit = job->bs / l->block_size;
        t->bytes_left = t->units * job->bs * job->loops;
        t->max_in_flight = 1;
    }
    return 0;
}

/* The inventory indexes of the LUNs of HBA h that job selects and that still lack flag known (disks
 * only, with disks_only) into picked[]; how many. */
static size_t pick_unknown(const struct job_spec *job, const struct bench_env *env, unsigned h, uint32_t known,
                           bool disks_only, size_t *picked)
{
    size_t n = 0;
    unsigned index = 0;
    for (size_t k = 0; k < env->inv->count; k++) {
        const struct lun_info *l = &env->inv->luns[k];
        if (l->hba >= env->hba_count || !env->hba_ok[l->hba] || !targets_selected(job, l, index++))
            continue;
        if (l->hba == h && !(l->flags & known) && (!disks_only || l->device_type == SCSI_TYPE_DISK))
            picked[n++] = k;
    }
    return n;
}

/* What a job must read before it runs and discovery left unread: for each HBA, the LUNs the job
 * selects that lack flag known (disks only, with disks_only), read at once by read() and then
 * told by told() (NULL: nothing to say). A failed read is said in one line, naming what. */
struct late_read {
    uint32_t known;
    bool disks_only;
    const char *what; /* "the write-protect bits" */
    int (*read)(struct hba *h, struct inventory *inv, const size_t *picked, size_t n, struct discovery_stats *st,
                uint64_t timeout_cycles);
    void (*told)(const struct job_spec *job, const struct bench_env *env, unsigned h, const size_t *picked, size_t n,
                 const struct discovery_stats *st);
};

static void read_late(const struct job_spec *job, const struct bench_env *env, const struct late_read *lr)
{
    if (env->inv->count == 0)
        return;
    size_t *picked = malloc(env->inv->count * sizeof *picked);
    if (picked == NULL)
        return; /* each LUN is then left out with its reason */
    for (unsigned h = 0; h < env->hba_count; h++) {
        size_t n = pick_unknown(job, env, h, lr->known, lr->disks_only, picked);
        if (n == 0)
            continue;
        struct discovery_stats st;
        memset(&st, 0, sizeof st);
        if (lr->read(env->hbas[h], env->inv, picked, n, &st, env->cmd_timeout_cycles) != 0)
            printf("lunbench: HBA %u (%s): reading %s: %s\n", h, env->hbas[h]->name, lr->what, env->hbas[h]->error);
        else
            lr->told(job, env, h, picked, n, &st);
    }
    free(picked);
}

static void told_write_protect(const struct job_spec *job, const struct bench_env *env, unsigned h,
                               const size_t *picked, size_t n, const struct discovery_stats *st)
{
    (void)env, (void)picked, (void)n;
    if (st->write_protect_reads > 0)
        printf("lunbench: job '%s': read the write-protect bit of %" PRIu64 " LUN%s on HBA %u (MODE SENSE)\n",
               job->name, st->write_protect_reads, st->write_protect_reads == 1 ? "" : "s", h);
}

/* What the provisioning pages offer, HBA by HBA. */
static void told_provisioning(const struct job_spec *job, const struct bench_env *env, unsigned h,
                              const size_t *picked, size_t n, const struct discovery_stats *st)
{
    unsigned offer = 0;
    uint32_t blocks_lo = UINT32_MAX, desc_lo = UINT32_MAX;
    for (size_t i = 0; i < n; i++) {
        const struct lun_info *l = &env->inv->luns[picked[i]];
        if (!(l->flags & LUN_UNMAP))
            continue;
        offer++;
        blocks_lo = l->unmap_max_blocks < blocks_lo ? l->unmap_max_blocks : blocks_lo;
        desc_lo = l->unmap_max_descriptors < desc_lo ? l->unmap_max_descriptors : desc_lo;
    }
    char blocks[24] = "none stated", descs[24] = "none stated";
    if (offer > 0 && blocks_lo != 0)
        snprintf(blocks, sizeof blocks, "%" PRIu32, blocks_lo);
    if (offer > 0 && desc_lo != 0)
        snprintf(descs, sizeof descs, "%" PRIu32, desc_lo);
    if (offer == 0)
        printf("lunbench: job '%s': HBA %u: none of %zu LUN%s offers UNMAP (page B2; %" PRIu64 " INQUIRY commands)\n",
               job->name, h, n, n == 1 ? "" : "s", st->provisioning_reads);
    else
        printf("lunbench: job '%s': HBA %u: %u of %zu LUN%s offer%s UNMAP (page B2: LBPU); page B0's limits a "
               "command: blocks %s, descriptors %s (the least of them); %" PRIu64 " INQUIRY commands\n", job->name, h,
               offer, n, n == 1 ? "" : "s", offer == 1 ? "s" : "", blocks, descs, st->provisioning_reads);
}

/* A write job must know which of its disks are write-protected, and discovery leaves that bit
 * unread (a command a LUN fewer): read it now, once, for the LUNs this job selects, each HBA's
 * LUNs at once. */
static void learn_write_protect(const struct job_spec *job, const struct bench_env *env)
{
    static const struct late_read wp = { LUN_WP_KNOWN, false, "the write-protect bits",
                                         discovery_read_write_protect, told_write_protect };
    if (job_changes_data(job))
        read_late(job, env, &wp);
}

/* A job that trims must know which of its disks take UNMAP, and within which limits; discovery
 * leaves pages B2 and B0 unread: read them now, once, for the LUNs it selects, each HBA's at once,
 * and say what they offer. */
static void learn_provisioning(const struct job_spec *job, const struct bench_env *env)
{
    static const struct late_read lbp = { LUN_LBP_KNOWN, true, "the provisioning pages",
                                          discovery_read_provisioning, told_provisioning };
    if (job_does_dir(job, JOB_DDIR_TRIM))
        read_late(job, env, &lbp);
}

/* Walk the inventory: count (out NULL) or set up the targets of the job. */
static int resolve(const struct job_spec *job, const struct bench_env *env, struct target *out, unsigned *count,
                   bool quiet, char *err, size_t err_len)
{
    const struct lun_selection *s = &job->luns;
    if (s->kind == LUNSEL_HBA && (s->hba >= env->hba_count || !env->hba_ok[s->hba])) {
        snprintf(err, err_len, "job '%s': luns=hba:%u, but there %s %u usable HBA%s", job->name, s->hba,
                 env->hba_count == 1 ? "is" : "are", env->hba_count, env->hba_count == 1 ? "" : "s");
        return -1;
    }
    /* An explicit list must name LUNs that were discovered. */
    for (size_t i = 0; s->kind == LUNSEL_LIST && i < s->list_count; i++) {
        const struct lun_addr *a = &s->list[i];
        bool found = false;
        for (size_t k = 0; k < env->inv->count && !found; k++) {
            const struct lun_info *l = &env->inv->luns[k];
            found = l->hba == a->hba && l->target == a->target && l->lun == a->lun;
        }
        if (!found) {
            snprintf(err, err_len, "job '%s': luns=...%u:%u:%u...: no such LUN was discovered", job->name, a->hba,
                     a->target, a->lun);
            return -1;
        }
    }
    /* Selected LUNs that cannot run this job are left out and named (unless quiet: the check
     * before any job ran named them already); the job fails only when none is left. */
    unsigned n = 0, index = 0, skipped = 0;
    const char *last_reason = NULL;
    const struct lun_info *last_skipped = NULL;
    char fit[200]; /* init_target's reason, last_reason's text when the last left out failed there */
    for (size_t k = 0; k < env->inv->count; k++) {
        struct lun_info *l = &env->inv->luns[k];
        if (l->hba >= env->hba_count || !env->hba_ok[l->hba] || !targets_selected(job, l, index++))
            continue;
        /* A LUN too small for the job, or with blocks that do not divide its bs, is left out
         * like one it cannot use at all. */
        const char *why = unusable_reason(job, l);
        if (why == NULL && init_target(job, env, k, out != NULL ? &out[n] : NULL, fit, sizeof fit) != 0)
            why = fit;
        if (why != NULL) {
            if (!quiet && skipped < MAX_NAMED_LEFT_OUT)
                printf("lunbench: job '%s': leaving out LUN %u:%u:%u: %s\n", job->name, l->hba, l->target, l->lun, why);
            skipped++;
            last_reason = why;
            last_skipped = l;
            continue;
        }
        n++;
    }
    if (!quiet && skipped > MAX_NAMED_LEFT_OUT)
        printf("lunbench: job '%s': left out %u LUNs in all\n", job->name, skipped);
    if (n == 0) {
        if (last_skipped != NULL)
            snprintf(err, err_len, "job '%s': no LUN it selects can run it (%u left out; LUN %u:%u:%u: %s)", job->name,
                     skipped, last_skipped->hba, last_skipped->target, last_skipped->lun, last_reason);
        else
            snprintf(err, err_len, "job '%s': no LUN matches its luns= selection (%zu LUNs discovered)", job->name,
                     env->inv->count);
        return -1;
    }
    *count = n;
    return 0;
}

int targets_check(const struct job_spec *job, const struct bench_env *env, char *err, size_t err_len)
{
    learn_write_protect(job, env);
    learn_provisioning(job, env);
    unsigned n;
    if (resolve(job, env, NULL, &n, false, err, err_len) != 0)
        return -1;
    if (job->numjobs <= 1 || (job->offset_increment == 0 && job->offset_increment_percent == 0))
        return 0;
    /* offset_increment: the last clone's region lies furthest on. */
    struct job_spec *last = malloc(sizeof *last);
    if (last == NULL) {
        snprintf(err, err_len, "job '%s': out of memory", job->name);
        return -1;
    }
    *last = *job;
    last->clone = job->numjobs - 1;
    int rc = resolve(last, env, NULL, &n, false, err, err_len);
    free(last);
    return rc;
}

int targets_build(struct target_set *set, const struct job_spec *job, const struct bench_env *env, char *err,
                  size_t err_len)
{
    memset(set, 0, sizeof *set);
    set->job = job;
    set->env = env;
    learn_write_protect(job, env);
    learn_provisioning(job, env);
    unsigned n;
    if (resolve(job, env, NULL, &n, true, err, err_len) != 0)
        return -1;
    set->t = calloc(n, sizeof *set->t);
    if (set->t == NULL) {
        snprintf(err, err_len, "job '%s': out of memory for %u LUNs", job->name, n);
        return -1;
    }
    if (resolve(job, env, set->t, &set->n, true, err, err_len) != 0)
        return -1;
    targets_share_iodepth(set);
    return 0;
}

void targets_free(struct target_set *set)
{
    for (unsigned i = 0; set->t && i < set->n; i++)
        free(set->t[i].written);
    free(set->t);
    set->t = NULL;
    set->n = 0;
}

void targets_repoint(struct target_set *set)
{
    for (unsigned i = 0; i < set->n; i++)
        set->t[i].info = &set->env->inv->luns[set->t[i].inv_index];
}

bool targets_selects(const struct target_set *set, const struct lun_info *l)
{
    /* first:N counts LUNs in discovery order; one that arrives later is not among the first. */
    return set->job->luns.kind != LUNSEL_FIRST && targets_selected(set->job, l, 0);
}

int targets_add(struct target_set *set, size_t inv_index)
{
    /* What the job must know of a disk before it may use it, read now for the newcomer (the probe
     * read the write-protect bit; a trim job needs the provisioning pages too). */
    learn_write_protect(set->job, set->env);
    learn_provisioning(set->job, set->env);
    const struct lun_info *l = &set->env->inv->luns[inv_index];
    char err[200];
    const char *why = unusable_reason(set->job, l);
    struct target t;
    if (why == NULL && init_target(set->job, set->env, inv_index, &t, err, sizeof err) != 0)
        why = err;
    if (why != NULL) {
        printf("lunbench: job '%s': LUN %u:%u:%u is not added to the running job: %s\n", set->job->name, l->hba,
               l->target, l->lun, why);
        return -1;
    }
    struct target *grown = realloc(set->t, (set->n + 1) * sizeof *grown);
    if (grown == NULL) {
        printf("lunbench: job '%s': out of memory for one more LUN; LUN %u:%u:%u not added\n", set->job->name,
               t.info->hba, t.info->target, t.info->lun);
        return -1;
    }
    set->t = grown;
    set->t[set->n++] = t;
    targets_repoint(set);
    targets_share_iodepth(set);
    return 0;
}

int targets_renew(struct target_set *set, struct target *t)
{
    const struct lun_info *l = t->info;
    const char *why = unusable_reason(set->job, l);
    char err[200];
    struct target fresh;
    if (why == NULL && init_target(set->job, set->env, t->inv_index, &fresh, err, sizeof err) != 0)
        why = err;
    else if (why == NULL && t->written != NULL &&
             (fresh.first_lba != t->first_lba || fresh.units != t->units || fresh.blocks_per_unit != t->blocks_per_unit))
        why = "it came back with another size, and what this verify job wrote cannot be checked there";
    if (why != NULL) {
        printf("lunbench: job '%s': LUN %u:%u:%u is back, but stays out of the running job: %s\n", set->job->name,
               l->hba, l->target, l->lun, why);
        return -1;
    }
    t->hba = fresh.hba;
    t->first_lba = fresh.first_lba;
    t->units = fresh.units;
    t->blocks_per_unit = fresh.blocks_per_unit;
    t->removed = false;
    targets_share_iodepth(set);
    return 0;
}

struct target *targets_find(const struct target_set *set, const struct lun_info *l)
{
    for (unsigned i = 0; i < set->n; i++)
        if (set->t[i].info == l)
            return &set->t[i];
    return NULL;
}

void targets_share_iodepth(struct target_set *set)
{
    unsigned live = 0;
    for (unsigned i = 0; i < set->n; i++)
        live += !set->t[i].removed && !set->t[i].retired;
    set->live = live;
    unsigned share = live == 0 ? 1 : (set->job->iodepth + live - 1) / live;
    for (unsigned i = 0; i < set->n; i++) {
        struct target *t = &set->t[i];
        uint32_t limit = t->hba->cmd_per_lun == 0 ? 1 : t->hba->cmd_per_lun; /* virtio 1.2 5.6.6.1 */
        t->max_in_flight = share < limit ? share : limit;
        if (t->max_in_flight == 0)
            t->max_in_flight = 1;
    }
}
