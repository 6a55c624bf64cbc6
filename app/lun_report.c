/* The mode=list report: HBAs, a summary of the LUNs, a line per LUN, and the JSON inventory. */
#include <inttypes.h>
#include <stdio.h>

#include "drivers/hba/inventory_runs.h"
#include "rt/results.h"
#include "machine.h"

#ifndef LUNBENCH_VERSION
#define LUNBENCH_VERSION "unknown"
#endif

static double cycles_to_ms(const struct machine *m, uint64_t cycles)
{
    return m->tsc.hz ? (double)cycles * 1000.0 / (double)m->tsc.hz : 0.0;
}

static void report_vscsi(unsigned i, const struct vscsi_hba *h)
{
    const struct vscsi_config *c = &h->config;
    printf("HBA %u (%s): virtio-scsi %s, %u request queue%s of %u (num_queues %" PRIu32 "), max_target %u, "
           "max_lun %" PRIu32 ", seg_max %" PRIu32 ", max_sectors %" PRIu32 ", cmd_per_lun %" PRIu32 "%s\n",
           i, h->base.name, h->vdev.modern ? "modern" : "legacy", h->base.num_queues, h->base.num_queues == 1 ? "" : "s",
           h->queue_size, c->num_queues, c->max_target, c->max_lun, c->seg_max, c->max_sectors, c->cmd_per_lun,
           (h->vdev.features & VIRTIO_F_RING_EVENT_IDX) ? ", event index" : "");
}

static void report_vblk(unsigned i, const struct vblk_hba *h)
{
    const struct vblk_config *c = &h->config;
    char size_max[24] = "none";
    if (c->size_max)
        snprintf(size_max, sizeof size_max, "%" PRIu32, c->size_max);
    printf("HBA %u (%s): virtio-blk %s, %u request queue%s of %u (num_queues %u), %" PRIu64 " sectors, blk_size %" PRIu32
           ", seg_max %" PRIu32 ", size_max %s, %s%s%s%s%s%s\n",
           i, h->base.name, h->vdev.modern ? "modern" : "legacy", h->base.num_queues, h->base.num_queues == 1 ? "" : "s",
           h->queue_size, c->num_queues, c->capacity, c->blk_size, c->seg_max, size_max,
           c->read_only ? "read-only" : "read-write", c->flush ? ", flush" : "", c->writeback ? ", write-back cache" : "",
           c->discard ? ", discard" : "", c->write_zeroes ? ", write-zeroes" : "",
           (h->vdev.features & VIRTIO_F_RING_EVENT_IDX) ? ", event index" : "");
}

void report_hbas(const struct machine *m, const struct scan_result *r)
{
    (void)m;
    for (unsigned i = 0; i < r->hba_count; i++) {
        if (!r->hba_ok[i])
            printf("HBA %u (%s): unusable %s: %s\n", i, r->seams[i]->name, r->seams[i]->kind, r->seams[i]->error);
        else if (r->vblk[i] != NULL)
            report_vblk(i, r->vblk[i]);
        else
            report_vscsi(i, r->vscsi[i]);
    }
    if (r->hbas_skipped)
        printf("warning: %u HBAs beyond the first %d ignored\n", r->hbas_skipped, HBA_MAX);
}

static const char *size_text(uint64_t bytes, char buf[32])
{
    static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
    double v = (double)bytes;
    unsigned u = 0;
    while (v >= 1024 && u + 1 < sizeof units / sizeof units[0]) {
        v /= 1024;
        u++;
    }
    snprintf(buf, 32, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
    return buf;
}

void report_luns(const struct machine *m, const struct scan_result *r)
{
    const struct inventory *inv = &r->inv;
    unsigned by_type[32] = { 0 }, other = 0, targets = 0, failed = 0, no_medium = 0;
    uint64_t bytes = 0, commands = 0, lun_commands = 0, ua = 0;
    for (size_t i = 0; i < inv->count; i++) {
        const struct lun_info *l = &inv->luns[i];
        if (l->device_type < 32)
            by_type[l->device_type]++;
        else
            other++;
        bytes += l->blocks * l->block_size;
        failed += (l->flags & LUN_FAILED) != 0;
        no_medium += (l->flags & LUN_NO_MEDIUM) != 0;
    }
    for (unsigned i = 0; i < r->hba_count; i++) {
        targets += r->stats[i].targets;
        commands += r->stats[i].commands;
        lun_commands += r->stats[i].lun_commands;
        ua += r->stats[i].ua_retries;
    }
    char size[32];
    printf("discovery: %u HBA%s, %u target%s, %zu LUN%s", r->hba_count, r->hba_count == 1 ? "" : "s", targets,
           targets == 1 ? "" : "s", inv->count, inv->count == 1 ? "" : "s");
    const char *sep = " (";
    for (unsigned t = 0; t < 32; t++) {
        if (by_type[t]) {
            printf("%s%u %s", sep, by_type[t], scsi_device_type_name((uint8_t)t));
            sep = ", ";
        }
    }
    if (other)
        printf("%s%u of types above 31", sep, other);
    printf("%s, %s in all, %.1f ms\n", inv->count ? ")" : "", size_text(bytes, size), cycles_to_ms(m, r->discovery_cycles));
    /* Commands a LUN, REPORT LUNS aside (one a target, whatever its LUNs): what QEMU pays for at scale. */
    double per_lun = inv->count ? (double)lun_commands / (double)inv->count : 0.0;
    printf("discovery: %" PRIu64 " commands (%.2f a LUN besides REPORT LUNS), %" PRIu64 " UNIT ATTENTION retries, %u LUN%s "
           "without medium, %u failed\n", commands, per_lun, ua, no_medium, no_medium == 1 ? "" : "s", failed);
    /* What lunbench keeps of each LUN: its inventory row (the allocation grows by doubling). */
    char held[32];
    printf("discovery: the inventory takes %s for %zu LUN%s (%zu bytes a LUN)\n",
           size_text((uint64_t)inv->capacity * sizeof *inv->luns, held), inv->count, inv->count == 1 ? "" : "s",
           sizeof *inv->luns);
    if (m->options.list_luns != OPT_YES)
        return;
    printf("  H:T:L        type    vendor   product           rev   blocks x size\n");
    for (size_t i = 0; i < inv->count; i++) {
        const struct lun_info *l = &inv->luns[i];
        char where[16];
        snprintf(where, sizeof where, "%u:%u:%u", l->hba, l->target, l->lun);
        printf("  %-12s %-7s %-8s %-17s %-5s %" PRIu64 " x %" PRIu32 " (%s)%s%s%s%s\n", where,
               scsi_device_type_name(l->device_type), l->vendor, l->product, l->revision, l->blocks, l->block_size,
               size_text(l->blocks * l->block_size, size), (l->flags & LUN_NO_MEDIUM) ? " no medium" : "",
               (l->flags & LUN_NOT_READY) ? " not ready" : "", (l->flags & LUN_FAILED) ? " FAILED" : "",
               (l->flags & LUN_WRITE_PROTECTED) ? " write-protected" : "");
    }
}

static void vscsi_json(struct json_writer *w, const struct vscsi_hba *h)
{
    json_string(w, "interface", h->vdev.modern ? "modern" : "legacy");
    json_uint(w, "num_queues", h->config.num_queues);
    json_uint(w, "queues_used", h->base.num_queues);
    json_uint(w, "queue_size", h->queue_size);
    json_uint(w, "max_target", h->config.max_target);
    json_uint(w, "max_lun", h->config.max_lun);
    json_uint(w, "seg_max", h->config.seg_max);
    json_uint(w, "max_sectors", h->config.max_sectors);
    json_uint(w, "cmd_per_lun", h->config.cmd_per_lun);
}

/* virtio-blk's configuration as negotiated (virtio 1.2, 5.2.4): what its one LUN was built from. */
static void vblk_json(struct json_writer *w, const struct vblk_hba *h)
{
    const struct vblk_config *c = &h->config;
    json_string(w, "interface", h->vdev.modern ? "modern" : "legacy");
    json_uint(w, "num_queues", c->num_queues);
    json_uint(w, "queues_used", h->base.num_queues);
    json_uint(w, "queue_size", h->queue_size);
    json_uint(w, "capacity_sectors", c->capacity);
    json_uint(w, "blk_size", c->blk_size);
    json_uint(w, "seg_max", c->seg_max);
    json_uint(w, "size_max", c->size_max);
    json_uint(w, "max_transfer", h->disk.max_transfer);
    json_uint(w, "physical_block_exp", c->physical_block_exp);
    json_bool(w, "read_only", c->read_only);
    json_bool(w, "flush", c->flush);
    json_bool(w, "writeback", c->writeback);
    json_bool(w, "discard", c->discard);
    json_bool(w, "write_zeroes", c->write_zeroes);
    if (c->discard) {
        json_uint(w, "max_discard_sectors", c->max_discard_sectors);
        json_uint(w, "max_discard_seg", c->max_discard_seg);
    }
    if (c->write_zeroes) {
        json_uint(w, "max_write_zeroes_sectors", c->max_write_zeroes_sectors);
        json_uint(w, "max_write_zeroes_seg", c->max_write_zeroes_seg);
    }
}

void report_inventory_members(struct json_writer *w, const struct machine *m, const struct scan_result *r)
{
    json_string(w, "version", LUNBENCH_VERSION);
    json_array_begin(w, "hbas");
    for (unsigned i = 0; i < r->hba_count; i++) {
        const struct hba *h = r->seams[i];
        json_object_begin(w, NULL);
        json_string(w, "pci", h->name);
        json_string(w, "kind", h->kind);
        json_bool(w, "usable", r->hba_ok[i]);
        if (r->hba_ok[i]) {
            if (r->vblk[i] != NULL)
                vblk_json(w, r->vblk[i]);
            else
                vscsi_json(w, r->vscsi[i]);
            const struct discovery_stats *d = &r->stats[i];
            const struct hba_stats *st = &h->stats;
            struct hba_queue_stats queues;
            hba_queue_totals(h, &queues);
            json_uint(w, "targets", d->targets);
            json_uint(w, "commands", d->commands);
            json_uint(w, "lun_commands", d->lun_commands);
            /* What discovery met, and what the HBA did over the whole run. */
            json_uint(w, "luns_listed", d->luns_listed);
            json_uint(w, "luns_absent", d->luns_absent);
            json_uint(w, "luns_failed", d->luns_failed);
            json_uint(w, "ua_retries", d->ua_retries);
            json_uint(w, "other_retries", d->other_retries);
            json_uint(w, "report_luns_regrows", d->report_luns_regrows);
            json_uint(w, "max_in_flight", d->max_in_flight);
            json_uint(w, "submitted", queues.submitted);
            json_uint(w, "completed", queues.completed);
            json_uint(w, "notifies", queues.notifies);
            json_uint(w, "notifies_suppressed", queues.notifies_suppressed);
            json_uint(w, "events", st->events);
            json_uint(w, "aborts", st->aborts);
            json_uint(w, "lun_resets", st->lun_resets);
            json_uint(w, "device_resets", st->hba_resets);
            json_uint(w, "aborts_outlived", st->aborts_outlived);
            json_double(w, "recovery_ms", cycles_to_ms(m, st->recovery_cycles));
            json_double(w, "discovery_ms", cycles_to_ms(m, r->hba_discovery_cycles[i]));
        } else {
            json_string(w, "error", h->error);
        }
        json_object_end(w);
    }
    json_array_end(w);
    /* inventory=runs: a row per run of alike LUNs (drivers/hba/inventory_runs.h), with its count */
    bool runs = m->options.inventory == INVENTORY_RUNS;
    json_array_begin(w, runs ? "lun_runs" : "luns");
    for (size_t i = 0, n; i < r->inv.count; i += n) {
        n = runs ? inventory_run_length(&r->inv, i) : 1;
        const struct lun_info *l = &r->inv.luns[i];
        json_object_begin(w, NULL);
        json_uint(w, "hba", l->hba);
        if (l->hba < r->hba_count)
            json_string(w, "kind", r->seams[l->hba]->kind);
        json_uint(w, "target", l->target);
        json_uint(w, "lun", l->lun);
        if (runs)
            json_uint(w, "count", n);
        json_uint(w, "type", l->device_type);
        json_string(w, "vendor", l->vendor);
        json_string(w, "product", l->product);
        json_string(w, "revision", l->revision);
        json_uint(w, "blocks", l->blocks);
        json_uint(w, "block_size", l->block_size);
        if (l->flags & LUN_WRITE_PROTECTED)
            json_bool(w, "write_protected", true);
        if (l->flags & LUN_REMOVED)
            json_bool(w, "removed", true);
        if (l->errors)
            json_uint(w, "errors", l->errors);
        if (l->flags & (LUN_NO_MEDIUM | LUN_NOT_READY | LUN_FAILED))
            json_string(w, "state", (l->flags & LUN_FAILED) ? "failed" : (l->flags & LUN_NO_MEDIUM) ? "no medium" : "not ready");
        json_object_end(w);
    }
    json_array_end(w);
    json_double(w, "discovery_ms", cycles_to_ms(m, r->discovery_cycles));
}

void report_inventory_json(const struct machine *m, const struct scan_result *r)
{
    struct json_writer w;
    results_begin(&w);
    json_object_begin(&w, NULL);
    json_object_begin(&w, "lunbench");
    report_inventory_members(&w, m, r);
    json_object_end(&w);
    json_object_end(&w);
    results_end(&w);
}
