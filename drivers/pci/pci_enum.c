/*
 * Bus enumeration and resource assignment.
 *
 * SeaBIOS numbers the buses and assigns every BAR; qboot and microvm leave all of it to us (BARs
 * read 0, bridges have secondary bus 0 and closed windows). We keep whatever the firmware set up
 * and fill in only what is missing:
 *   1. scan depth-first from the root bus, numbering unconfigured bridges as we go;
 *   2. size every BAR (decoding off while the all-ones pattern is in the register);
 *   3. bottom-up, work out how large a window each bridge with closed windows needs;
 *   4. top-down, place unassigned BARs and those windows, largest alignment first, avoiding
 *      every range already in use;
 *   5. enable decoding and bus mastering on the devices the caller drives and the bridges above.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pci.h"

#define MEM_WINDOW_GRANULE 0x100000u /* bridge memory windows: 1 MiB (PCI-PCI Bridge 1.2, 3.2.5.8) */
#define IO_WINDOW_GRANULE 0x1000u    /* bridge I/O windows: 4 KiB (3.2.5.6) */
#define MAX_BRIDGE_DEPTH 32

struct request {
    int device;   /* index into topo->devices */
    int bar;      /* BAR index, or -1 for a bridge window */
    uint64_t size, align;
};

struct bridge_need {
    uint64_t mem, io; /* window sizes this bridge needs; 0 when none or its window is firmware's */
    uint64_t mem_align, io_align; /* at least the granule; more when a BAR behind needs more */
};

struct enum_ctx {
    const struct pci_config_access *cfg;
    const struct pci_resource_window *window;
    struct pci_topology *topo;
    unsigned next_bus;
    bool number_buses; /* false in the first pass: only follow the firmware's bridges */
    uint8_t visited[32]; /* bitmap of scanned buses: a bogus bridge must not make us loop */
    uint64_t (*used_mem)[2];
    size_t used_mem_count, used_mem_cap;
    uint64_t (*used_io)[2];
    size_t used_io_count, used_io_cap;
    struct request *req;
    size_t req_cap;
    struct bridge_need *need;
    /* per device: where its bridge windows were placed by us, [base, end) */
    uint64_t (*placed_mem)[2];
    uint64_t (*placed_io)[2];
};

static uint32_t rd(const struct enum_ctx *c, const struct pci_device *d, uint16_t off, unsigned w)
{
    return c->cfg->read(c->cfg->ctx, d->bus, d->dev, d->fn, off, w);
}

static void wr(const struct enum_ctx *c, const struct pci_device *d, uint16_t off, unsigned w, uint32_t v)
{
    c->cfg->write(c->cfg->ctx, d->bus, d->dev, d->fn, off, w, v);
}

static bool is_bridge(const struct pci_device *d) { return d->header_type == 1; }

static void scan_bus(struct enum_ctx *c, unsigned bus, unsigned bus_limit, int parent, int depth);

static void read_bridge_windows(const struct enum_ctx *c, struct pci_device *d)
{
    uint32_t mem_base = rd(c, d, PCI_BRIDGE_MEM_BASE, 2), mem_limit = rd(c, d, PCI_BRIDGE_MEM_LIMIT, 2);
    d->mem_window_base = (uint64_t)(mem_base & 0xfff0u) << 16;
    d->mem_window_limit = ((uint64_t)(mem_limit & 0xfff0u) << 16) | 0xfffffu;
    uint32_t io_base = rd(c, d, PCI_BRIDGE_IO_BASE, 1), io_limit = rd(c, d, PCI_BRIDGE_IO_LIMIT, 1);
    d->io_window_base = (io_base & 0xf0u) << 8;
    d->io_window_limit = ((io_limit & 0xf0u) << 8) | 0xfffu;
    uint32_t pref_base = rd(c, d, PCI_BRIDGE_PREF_BASE, 2), pref_limit = rd(c, d, PCI_BRIDGE_PREF_LIMIT, 2);
    d->pref_window_base = (uint64_t)(pref_base & 0xfff0u) << 16;
    d->pref_window_limit = ((uint64_t)(pref_limit & 0xfff0u) << 16) | 0xfffffu;
    if ((pref_base & 0xfu) == 1) { /* 64-bit prefetchable addressing */
        d->pref_window_base |= (uint64_t)rd(c, d, PCI_BRIDGE_PREF_BASE_UPPER, 4) << 32;
        d->pref_window_limit |= (uint64_t)rd(c, d, PCI_BRIDGE_PREF_LIMIT_UPPER, 4) << 32;
    }
    if ((io_base & 0xfu) == 1) { /* 32-bit I/O addressing */
        d->io_window_base |= rd(c, d, PCI_BRIDGE_IO_BASE_UPPER, 2) << 16;
        d->io_window_limit |= rd(c, d, PCI_BRIDGE_IO_LIMIT_UPPER, 2) << 16;
    }
}

/* A window at address 0 counts as closed: it is what a bridge reads after reset (base = limit =
 * 0 decodes the first MiB or 4 KiB), and no firmware places a real window there. */
static bool mem_window_open(const struct pci_device *d)
{
    return d->mem_window_base != 0 && d->mem_window_base <= d->mem_window_limit;
}
static bool pref_window_open(const struct pci_device *d)
{
    return d->pref_window_base != 0 && d->pref_window_base <= d->pref_window_limit;
}
static bool io_window_open(const struct pci_device *d)
{
    return d->io_window_base != 0 && d->io_window_base <= d->io_window_limit;
}

/* Shut every window of a bridge we configure; program_window opens the ones that are needed.
 * We never use the prefetchable window: a prefetchable BAR may sit in the non-prefetchable
 * one (PCI-to-PCI Bridge 1.2, 4.3). */
static void close_windows(const struct enum_ctx *c, struct pci_device *d)
{
    wr(c, d, PCI_BRIDGE_IO_BASE, 1, 0xf0u);
    wr(c, d, PCI_BRIDGE_IO_LIMIT, 1, 0);
    wr(c, d, PCI_BRIDGE_IO_BASE_UPPER, 2, 0);
    wr(c, d, PCI_BRIDGE_IO_LIMIT_UPPER, 2, 0);
    wr(c, d, PCI_BRIDGE_MEM_BASE, 2, 0xfff0u);
    wr(c, d, PCI_BRIDGE_MEM_LIMIT, 2, 0);
    wr(c, d, PCI_BRIDGE_PREF_BASE, 2, 0xfff0u);
    wr(c, d, PCI_BRIDGE_PREF_LIMIT, 2, 0);
    wr(c, d, PCI_BRIDGE_PREF_BASE_UPPER, 4, 0);
    wr(c, d, PCI_BRIDGE_PREF_LIMIT_UPPER, 4, 0);
    d->mem_window_base = 1;
    d->mem_window_limit = 0;
    d->pref_window_base = 1;
    d->pref_window_limit = 0;
    d->io_window_base = 1;
    d->io_window_limit = 0;
}

static void walk_capabilities(const struct enum_ctx *c, struct pci_device *d)
{
    uint8_t off = 0;
    d->cap_count = 0;
    while (d->cap_count < PCI_MAX_CAPS) {
        off = pci_capability_find(c->cfg, d->bus, d->dev, d->fn, 0, off);
        if (off == 0)
            break;
        d->cap_offsets[d->cap_count] = off;
        d->cap_ids[d->cap_count] = (uint8_t)rd(c, d, off, 1);
        d->cap_count++;
    }
}

/* bus_limit: the highest bus number the bridge above routes (a firmware-numbered bridge routes
 * only up to its subordinate bus); a bus we number must stay within it to be reachable. */
static void scan_function(struct enum_ctx *c, unsigned bus, unsigned bus_limit, unsigned dev, unsigned fn, int parent,
                          int depth)
{
    struct pci_topology *t = c->topo;
    if (t->count == PCI_MAX_DEVICES) {
        t->dropped++;
        return;
    }
    int index = (int)t->count++;
    struct pci_device *d = &t->devices[index];
    memset(d, 0, sizeof *d);
    d->bus = (uint8_t)bus;
    d->dev = (uint8_t)dev;
    d->fn = (uint8_t)fn;
    d->parent = parent;
    d->vendor = (uint16_t)rd(c, d, PCI_VENDOR_ID, 2);
    d->device = (uint16_t)rd(c, d, PCI_DEVICE_ID, 2);
    d->revision = (uint8_t)rd(c, d, PCI_REVISION, 1);
    d->prog_if = (uint8_t)rd(c, d, PCI_PROG_IF, 1);
    d->subclass = (uint8_t)rd(c, d, PCI_SUBCLASS, 1);
    d->class_code = (uint8_t)rd(c, d, PCI_CLASS, 1);
    d->header_type = (uint8_t)(rd(c, d, PCI_HEADER_TYPE, 1) & 0x7fu);
    d->bar_count = d->header_type == 0 ? 6 : d->header_type == 1 ? 2 : 0;
    d->firmware_command = (uint16_t)rd(c, d, PCI_COMMAND, 2);
    walk_capabilities(c, d);
    if (!is_bridge(d))
        return;

    read_bridge_windows(c, d);
    unsigned secondary = rd(c, d, PCI_BRIDGE_SECONDARY_BUS, 1);
    unsigned subordinate = rd(c, d, PCI_BRIDGE_SUBORDINATE_BUS, 1);
    bool configured = secondary > bus && subordinate >= secondary && secondary <= c->cfg->bus_end &&
                      !(c->visited[secondary / 8] & (1u << (secondary % 8)));
    if (depth >= MAX_BRIDGE_DEPTH)
        return;
    if (configured) {
        d->secondary_bus = (uint8_t)secondary;
        d->subordinate_bus = (uint8_t)subordinate;
        if (c->next_bus <= subordinate)
            c->next_bus = subordinate + 1;
        scan_bus(c, secondary, subordinate, index, depth + 1);
        return;
    }
    if (!c->number_buses)
        return;
    if (c->next_bus > bus_limit) {
        /* No bus number left that the bridges above route here: the bridge is listed, with
         * nothing behind it. */
        t->buses_unassigned++;
        return;
    }
    secondary = c->next_bus++;
    close_windows(c, d);
    wr(c, d, PCI_BRIDGE_PRIMARY_BUS, 1, bus);
    wr(c, d, PCI_BRIDGE_SECONDARY_BUS, 1, secondary);
    wr(c, d, PCI_BRIDGE_SUBORDINATE_BUS, 1, bus_limit); /* pass every bus we may use while we look behind it */
    scan_bus(c, secondary, bus_limit, index, depth + 1);
    /* Re-fetch: scan_bus appended devices but never moves them. */
    d = &t->devices[index];
    d->secondary_bus = (uint8_t)secondary;
    d->subordinate_bus = (uint8_t)(c->next_bus - 1);
    d->bus_numbers_by_us = true;
    wr(c, d, PCI_BRIDGE_SUBORDINATE_BUS, 1, d->subordinate_bus);
    t->buses_assigned++;
}

static void scan_bus(struct enum_ctx *c, unsigned bus, unsigned bus_limit, int parent, int depth)
{
    if (bus > 255 || (c->visited[bus / 8] & (1u << (bus % 8))))
        return;
    c->visited[bus / 8] |= (uint8_t)(1u << (bus % 8));
    for (unsigned dev = 0; dev < 32; dev++) {
        struct pci_device probe = { .bus = (uint8_t)bus, .dev = (uint8_t)dev };
        uint32_t vendor = rd(c, &probe, PCI_VENDOR_ID, 2);
        if (vendor == 0xffffu || vendor == 0)
            continue;
        bool multi = (rd(c, &probe, PCI_HEADER_TYPE, 1) & 0x80u) != 0;
        for (unsigned fn = 0; fn < (multi ? 8u : 1u); fn++) {
            probe.fn = (uint8_t)fn;
            if (fn > 0) {
                vendor = rd(c, &probe, PCI_VENDOR_ID, 2);
                if (vendor == 0xffffu || vendor == 0)
                    continue;
            }
            scan_function(c, bus, bus_limit, dev, fn, parent, depth);
        }
    }
}

static void size_bars(const struct enum_ctx *c, struct pci_device *d)
{
    uint32_t command = rd(c, d, PCI_COMMAND, 2);
    wr(c, d, PCI_COMMAND, 2, command & ~(uint32_t)(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
    for (unsigned i = 0; i < d->bar_count; i++) {
        uint16_t off = (uint16_t)(PCI_BAR0 + 4 * i);
        uint32_t lo = rd(c, d, off, 4);
        wr(c, d, off, 4, 0xffffffffu);
        uint32_t probe_lo = rd(c, d, off, 4);
        wr(c, d, off, 4, lo);
        uint32_t hi = 0, probe_hi = 0;
        bool is64 = (lo & 1u) == 0 && ((lo >> 1) & 3u) == 2;
        if (is64 && i + 1 < d->bar_count) {
            hi = rd(c, d, off + 4, 4);
            wr(c, d, off + 4, 4, 0xffffffffu);
            probe_hi = rd(c, d, off + 4, 4);
            wr(c, d, off + 4, 4, hi);
        }
        pci_bar_decode(lo, hi, probe_lo, probe_hi, &d->bars[i]);
        if (is64)
            i++; /* the upper half is not a BAR of its own */
    }
    wr(c, d, PCI_COMMAND, 2, command);
}

static bool add_range(uint64_t (**list)[2], size_t *count, size_t *cap, uint64_t base, uint64_t end)
{
    if (*count == *cap) {
        size_t new_cap = *cap ? *cap * 2 : 64;
        uint64_t (*grown)[2] = realloc(*list, new_cap * sizeof **list);
        if (grown == NULL)
            return false;
        *list = grown;
        *cap = new_cap;
    }
    (*list)[*count][0] = base;
    (*list)[*count][1] = end;
    (*count)++;
    return true;
}

static bool collect_used(struct enum_ctx *c)
{
    const struct pci_resource_window *w = c->window;
    for (size_t i = 0; i < w->reserved_count; i++)
        if (!add_range(&c->used_mem, &c->used_mem_count, &c->used_mem_cap, w->reserved[i][0], w->reserved[i][1]))
            return false;
    for (size_t i = 0; i < c->topo->count; i++) {
        const struct pci_device *d = &c->topo->devices[i];
        for (unsigned b = 0; b < d->bar_count; b++) {
            const struct pci_bar *bar = &d->bars[b];
            if (bar->kind == PCI_BAR_NONE || !bar->assigned)
                continue;
            bool ok = bar->kind == PCI_BAR_IO
                          ? add_range(&c->used_io, &c->used_io_count, &c->used_io_cap, bar->addr, bar->addr + bar->size)
                          : add_range(&c->used_mem, &c->used_mem_count, &c->used_mem_cap, bar->addr,
                                      bar->addr + bar->size);
            if (!ok)
                return false;
        }
    }
    return true;
}

static void sort_requests(struct request *r, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        struct request x = r[i];
        size_t j = i;
        while (j > 0 && r[j - 1].align < x.align) {
            r[j] = r[j - 1];
            j--;
        }
        r[j] = x;
    }
}

/* The requests for one address space (io or memory) on one bus: unassigned BARs of the devices
 * there, and windows for bridges there whose own window is closed and needed. */
static size_t bus_requests(const struct enum_ctx *c, unsigned bus, bool io)
{
    size_t n = 0;
    for (size_t i = 0; i < c->topo->count; i++) {
        const struct pci_device *d = &c->topo->devices[i];
        if (d->bus != bus)
            continue;
        for (unsigned b = 0; b < d->bar_count; b++) {
            const struct pci_bar *bar = &d->bars[b];
            if (bar->kind == PCI_BAR_NONE || bar->assigned || (bar->kind == PCI_BAR_IO) != io)
                continue;
            c->req[n++] = (struct request){ .device = (int)i, .bar = (int)b, .size = bar->size, .align = bar->size };
        }
        uint64_t need = io ? c->need[i].io : c->need[i].mem;
        if (is_bridge(d) && need > 0)
            c->req[n++] = (struct request){
                .device = (int)i, .bar = -1, .size = need, .align = io ? c->need[i].io_align : c->need[i].mem_align
            };
    }
    sort_requests(c->req, n);
    return n;
}

static uint64_t round_up(uint64_t v, uint64_t granule) { return (v + granule - 1) / granule * granule; }

/* Step 3: window sizes, children before parents (a child bridge always follows its parent). */
static void compute_needs(struct enum_ctx *c)
{
    for (size_t k = c->topo->count; k-- > 0;) {
        struct pci_device *d = &c->topo->devices[k];
        c->need[k] = (struct bridge_need){ 0, 0 };
        if (!is_bridge(d) || d->secondary_bus == 0)
            continue;
        for (int io = 0; io <= 1; io++) {
            if (io ? io_window_open(d) : mem_window_open(d))
                continue; /* the firmware's window: children are placed inside it */
            size_t n = bus_requests(c, d->secondary_bus, io);
            uint64_t next = 0, addr;
            for (size_t r = 0; r < n; r++)
                pci_range_alloc(&next, UINT64_MAX, c->req[r].size, c->req[r].align, NULL, 0, &addr);
            uint64_t granule = io ? IO_WINDOW_GRANULE : MEM_WINDOW_GRANULE;
            uint64_t need = n == 0 ? 0 : round_up(next, granule);
            /* The packing above starts at 0; it holds in the window only if the window is aligned
             * for the most aligned request (sorted first), which may exceed the granule. */
            uint64_t align = n > 0 && c->req[0].align > granule ? c->req[0].align : granule;
            if (io) {
                c->need[k].io = need;
                c->need[k].io_align = align;
            } else {
                c->need[k].mem = need;
                c->need[k].mem_align = align;
            }
        }
    }
}

static void program_bar(const struct enum_ctx *c, struct pci_device *d, unsigned b, uint64_t addr)
{
    uint16_t off = (uint16_t)(PCI_BAR0 + 4 * b);
    struct pci_bar *bar = &d->bars[b];
    wr(c, d, off, 4, (uint32_t)addr);
    if (bar->kind == PCI_BAR_MEM64)
        wr(c, d, off + 4, 4, (uint32_t)(addr >> 32));
    bar->addr = addr;
    bar->assigned = true;
    bar->assigned_by_us = true;
}

static void program_window(const struct enum_ctx *c, struct pci_device *d, bool io, uint64_t base, uint64_t size)
{
    uint64_t limit = base + size - 1;
    if (io) {
        wr(c, d, PCI_BRIDGE_IO_BASE_UPPER, 2, (uint32_t)(base >> 16));
        wr(c, d, PCI_BRIDGE_IO_LIMIT_UPPER, 2, (uint32_t)(limit >> 16));
        wr(c, d, PCI_BRIDGE_IO_BASE, 1, (uint32_t)(base >> 8) & 0xf0u);
        wr(c, d, PCI_BRIDGE_IO_LIMIT, 1, (uint32_t)(limit >> 8) & 0xf0u);
        d->io_window_base = (uint32_t)base;
        d->io_window_limit = (uint32_t)limit;
    } else {
        wr(c, d, PCI_BRIDGE_MEM_BASE, 2, (uint32_t)(base >> 16) & 0xfff0u);
        wr(c, d, PCI_BRIDGE_MEM_LIMIT, 2, (uint32_t)(limit >> 16) & 0xfff0u);
        d->mem_window_base = base;
        d->mem_window_limit = limit;
    }
    d->windows_by_us = true;
}

/* Step 4 for one bus and one address space, within [*next, end). */
/* Whether bridge b leads to bus (it or one of its ancestors has bus as its secondary). */
static bool leads_to(const struct enum_ctx *c, int b, unsigned bus)
{
    for (size_t i = 0; i < c->topo->count; i++) {
        const struct pci_device *d = &c->topo->devices[i];
        if (!is_bridge(d) || d->secondary_bus != bus || d->secondary_bus == 0)
            continue;
        for (int p = (int)i; p >= 0; p = c->topo->devices[p].parent)
            if (p == b)
                return true;
    }
    return false;
}

/* Step 4 for one bus and one address space, within [*next, end). Besides the BARs in use, the
 * open windows the firmware gave bridges are in use, except those of the bridges leading to
 * this bus (its addresses lie inside them by design). */
static void assign_bus(struct enum_ctx *c, unsigned bus, bool io, uint64_t next, uint64_t end)
{
    size_t n = bus_requests(c, bus, io);
    if (n == 0)
        return;
    uint64_t (*used)[2] = NULL;
    size_t used_count = 0, used_cap = 0;
    const uint64_t (*global)[2] = (const uint64_t(*)[2])(io ? c->used_io : c->used_mem);
    size_t global_count = io ? c->used_io_count : c->used_mem_count;
    for (size_t i = 0; i < global_count; i++)
        add_range(&used, &used_count, &used_cap, global[i][0], global[i][1]);
    for (size_t i = 0; i < c->topo->count; i++) {
        const struct pci_device *d = &c->topo->devices[i];
        if (!is_bridge(d) || d->windows_by_us || leads_to(c, (int)i, bus))
            continue;
        if (io && io_window_open(d))
            add_range(&used, &used_count, &used_cap, d->io_window_base, (uint64_t)d->io_window_limit + 1);
        if (!io && mem_window_open(d))
            add_range(&used, &used_count, &used_cap, d->mem_window_base, d->mem_window_limit + 1);
        if (!io && pref_window_open(d))
            add_range(&used, &used_count, &used_cap, d->pref_window_base, d->pref_window_limit + 1);
    }
    for (size_t r = 0; r < n; r++) {
        struct request *q = &c->req[r];
        struct pci_device *d = &c->topo->devices[q->device];
        uint64_t addr;
        bool ok = pci_range_alloc(&next, end, q->size, q->align, (const uint64_t(*)[2])used, used_count, &addr);
        if (q->bar < 0) {
            uint64_t (*placed)[2] = io ? c->placed_io : c->placed_mem;
            placed[q->device][0] = ok ? addr : 0;
            placed[q->device][1] = ok ? addr + q->size : 0;
            if (ok)
                program_window(c, d, io, addr, q->size);
            continue;
        }
        if (ok)
            program_bar(c, d, (unsigned)q->bar, addr);
    }
    free(used);
}

static void assign_all(struct enum_ctx *c, bool io)
{
    const struct pci_resource_window *w = c->window;
    uint64_t base = io ? w->io_base : w->mem_base, end = io ? w->io_end : w->mem_end;
    if (end > base)
        assign_bus(c, c->cfg->bus_start, io, base, end);
    for (size_t i = 0; i < c->topo->count; i++) {
        struct pci_device *d = &c->topo->devices[i];
        if (!is_bridge(d) || d->secondary_bus == 0)
            continue;
        uint64_t (*placed)[2] = io ? c->placed_io : c->placed_mem;
        if (placed[i][1] > placed[i][0])
            assign_bus(c, d->secondary_bus, io, placed[i][0], placed[i][1]);
        else if (io ? io_window_open(d) : mem_window_open(d))
            assign_bus(c, d->secondary_bus, io, io ? d->io_window_base : d->mem_window_base,
                       (io ? d->io_window_limit : d->mem_window_limit) + 1);
        /* else: closed and nothing to place behind it */
    }
}

static void set_command(const struct enum_ctx *c, struct pci_device *d, uint32_t bits)
{
    uint32_t command = rd(c, d, PCI_COMMAND, 2);
    if ((command & bits) != bits)
        wr(c, d, PCI_COMMAND, 2, command | bits);
}

static void enable_devices(struct enum_ctx *c, bool (*enable)(uint16_t, uint16_t))
{
    struct pci_topology *t = c->topo;
    for (size_t i = 0; i < t->count; i++) {
        struct pci_device *d = &t->devices[i];
        if (enable == NULL || is_bridge(d) || !enable(d->vendor, d->device))
            continue;
        uint32_t bits = PCI_COMMAND_BUS_MASTER;
        for (unsigned b = 0; b < d->bar_count; b++) {
            if (d->bars[b].kind == PCI_BAR_NONE || !d->bars[b].assigned)
                continue;
            bits |= d->bars[b].kind == PCI_BAR_IO ? PCI_COMMAND_IO : PCI_COMMAND_MEMORY;
        }
        set_command(c, d, bits);
        for (int p = d->parent; p >= 0; p = t->devices[p].parent) {
            struct pci_device *bridge = &t->devices[p];
            uint32_t bridge_bits = PCI_COMMAND_BUS_MASTER;
            if (mem_window_open(bridge))
                bridge_bits |= PCI_COMMAND_MEMORY;
            if (io_window_open(bridge))
                bridge_bits |= PCI_COMMAND_IO;
            set_command(c, bridge, bridge_bits);
        }
    }
    for (size_t i = 0; i < t->count; i++) {
        struct pci_device *d = &t->devices[i];
        d->command = (uint16_t)rd(c, d, PCI_COMMAND, 2);
        for (unsigned b = 0; b < d->bar_count; b++)
            if (d->bars[b].kind != PCI_BAR_NONE && !d->bars[b].assigned)
                t->bars_unassigned++;
            else if (d->bars[b].assigned_by_us)
                t->bars_assigned++;
    }
}

int pci_enumerate(const struct pci_config_access *cfg, const struct pci_resource_window *window,
                  bool (*enable)(uint16_t vendor, uint16_t device), struct pci_topology *topo, char *err,
                  size_t err_len)
{
    struct enum_ctx c = { .cfg = cfg, .window = window, .topo = topo };
    memset(topo, 0, sizeof *topo);
    /* First pass: follow only the bridges the firmware numbered, so that next_bus starts past
     * every bus they use, wherever in the scan order they come; the second pass numbers the
     * rest. */
    c.next_bus = cfg->bus_start + 1u;
    scan_bus(&c, cfg->bus_start, cfg->bus_end, -1, 0);
    unsigned first_free = c.next_bus;
    memset(topo, 0, sizeof *topo);
    memset(c.visited, 0, sizeof c.visited);
    c.next_bus = first_free;
    c.number_buses = true;
    scan_bus(&c, cfg->bus_start, cfg->bus_end, -1, 0);
    for (size_t i = 0; i < topo->count; i++)
        size_bars(&c, &topo->devices[i]);

    int rc = -1;
    c.req_cap = topo->count * (PCI_MAX_BARS + 1) + 1;
    c.req = calloc(c.req_cap, sizeof *c.req);
    c.need = calloc(topo->count + 1, sizeof *c.need);
    c.placed_mem = calloc(topo->count + 1, sizeof *c.placed_mem);
    c.placed_io = calloc(topo->count + 1, sizeof *c.placed_io);
    if (c.req == NULL || c.need == NULL || c.placed_mem == NULL || c.placed_io == NULL || !collect_used(&c)) {
        snprintf(err, err_len, "out of memory while assigning PCI resources for %zu functions", topo->count);
        goto out;
    }
    compute_needs(&c);
    assign_all(&c, false);
    assign_all(&c, true);
    enable_devices(&c, enable);
    rc = 0;
out:
    free(c.req);
    free(c.need);
    free(c.placed_mem);
    free(c.placed_io);
    free(c.used_mem);
    free(c.used_io);
    return rc;
}

uint8_t pci_capability_find(const struct pci_config_access *cfg, uint8_t bus, uint8_t dev, uint8_t fn,
                            uint8_t cap_id, uint8_t from)
{
    uint8_t off;
    if (from == 0) {
        uint32_t status = cfg->read(cfg->ctx, bus, dev, fn, PCI_STATUS, 2);
        if (status == 0xffffu || !(status & PCI_STATUS_CAP_LIST))
            return 0; /* all ones: no function there */
        off = (uint8_t)cfg->read(cfg->ctx, bus, dev, fn, PCI_CAP_PTR, 1);
    } else {
        off = (uint8_t)cfg->read(cfg->ctx, bus, dev, fn, (uint16_t)(from + 1), 1);
    }
    /* At most 48 capabilities fit in the 192 bytes above the header; more means a loop. */
    for (int hops = 0; hops < 48; hops++) {
        off &= 0xfcu; /* the bottom two bits are reserved (PCI 3.0, 6.7) */
        if (off < 0x40)
            return 0;
        uint8_t id = (uint8_t)cfg->read(cfg->ctx, bus, dev, fn, off, 1);
        if (cap_id == 0 || id == cap_id)
            return off;
        off = (uint8_t)cfg->read(cfg->ctx, bus, dev, fn, (uint16_t)(off + 1), 1);
    }
    return 0;
}

const char *pci_class_name(uint8_t class_code, uint8_t subclass)
{
    static const struct {
        uint8_t class_code, subclass;
        const char *name;
    } names[] = {
        { 0x01, 0x00, "SCSI storage controller" }, { 0x01, 0x01, "IDE controller" },
        { 0x01, 0x06, "SATA controller" },         { 0x01, 0x08, "NVMe controller" },
        { 0x01, 0x80, "storage controller" },      { 0x02, 0x00, "Ethernet controller" },
        { 0x03, 0x00, "VGA controller" },          { 0x03, 0x80, "display controller" },
        { 0x06, 0x00, "host bridge" },             { 0x06, 0x01, "ISA bridge" },
        { 0x06, 0x04, "PCI bridge" },              { 0x06, 0x80, "bridge" },
        { 0x07, 0x00, "serial controller" },       { 0x0c, 0x03, "USB controller" },
        { 0x0c, 0x05, "SMBus controller" },        { 0x00, 0xff, "unclassified device" },
        { 0x08, 0x80, "system peripheral" },       { 0x04, 0x01, "audio device" },
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].class_code == class_code && names[i].subclass == subclass)
            return names[i].name;
    return NULL;
}
