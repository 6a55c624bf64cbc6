/*
 * Host unit tests for the pure PCI code: BAR decoding, the range allocator, capability lists,
 * class names, and pci_enumerate run against a simulated bus (config space per function, BARs
 * with size masks, bridges that route configuration cycles by their bus-number registers).
 */
#include "tests/unit/test_support.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/pci/pci.h"

#define MIB 0x100000ull
#define GIB 0x40000000ull

/* ------------------------------------------------------------------------------------------ */
/* pci_bar_decode                                                                             */
/* ------------------------------------------------------------------------------------------ */

static void test_bar_decode_io(void **state)
{
    (void)state;
    struct pci_bar bar;
    assert_int_equal(pci_bar_decode(0xc001, 0, 0xffffffc1, 0, &bar), PCI_BAR_IO);
    assert_int_equal(bar.kind, PCI_BAR_IO);
    assert_int_equal(bar.size, 0x40);
    assert_int_equal(bar.addr, 0xc000);
    assert_true(bar.assigned);
    assert_false(bar.assigned_by_us);
    assert_false(bar.prefetchable);
}

/* Devices that decode only 16 bits of I/O address read the upper half of the BAR back as 0. */
static void test_bar_decode_io_16bit(void **state)
{
    (void)state;
    struct pci_bar bar;
    assert_int_equal(pci_bar_decode(0xc041, 0, 0x0000ffc1, 0, &bar), PCI_BAR_IO);
    assert_int_equal(bar.size, 0x40);
    assert_int_equal(bar.addr, 0xc040);
    assert_true(bar.assigned);
}

static void test_bar_decode_mem32(void **state)
{
    (void)state;
    struct pci_bar bar;
    assert_int_equal(pci_bar_decode(0xfebd1000, 0, 0xfffff000, 0, &bar), PCI_BAR_MEM32);
    assert_int_equal(bar.size, 0x1000);
    assert_int_equal(bar.addr, 0xfebd1000);
    assert_true(bar.assigned);
    assert_false(bar.prefetchable);
}

static void test_bar_decode_mem64_prefetchable(void **state)
{
    (void)state;
    struct pci_bar bar;
    assert_int_equal(pci_bar_decode(0xfe00000c, 0, 0xffffc00c, 0xffffffff, &bar), PCI_BAR_MEM64);
    assert_int_equal(bar.kind, PCI_BAR_MEM64);
    assert_int_equal(bar.size, 0x4000);
    assert_int_equal(bar.addr, 0xfe000000);
    assert_true(bar.prefetchable);
    assert_true(bar.assigned);
}

/* 8 GiB: the low dword has no writable address bits at all, only the type bits. The address
 * is above 4 GiB with a zero low dword, which still counts as assigned. */
static void test_bar_decode_mem64_huge(void **state)
{
    (void)state;
    struct pci_bar bar;
    assert_int_equal(pci_bar_decode(0x0000000c, 0x4, 0x0000000c, 0xfffffffe, &bar), PCI_BAR_MEM64);
    assert_int_equal(bar.size, 8 * GIB);
    assert_int_equal(bar.addr, 0x400000000ull);
    assert_true(bar.assigned);
    assert_true(bar.prefetchable);
}

static void test_bar_decode_unimplemented(void **state)
{
    (void)state;
    struct pci_bar bar;
    assert_int_equal(pci_bar_decode(0, 0, 0, 0, &bar), PCI_BAR_NONE);
    assert_int_equal(bar.kind, PCI_BAR_NONE);
    /* Only the read-only type bits come back: no address bits are writable. */
    assert_int_equal(pci_bar_decode(0x8, 0, 0x8, 0, &bar), PCI_BAR_NONE);
    assert_int_equal(pci_bar_decode(0xc, 0, 0xc, 0, &bar), PCI_BAR_NONE);
    /* All ones: the function is gone (master abort). */
    assert_int_equal(pci_bar_decode(0xffffffff, 0, 0xffffffff, 0, &bar), PCI_BAR_NONE);
}

static void test_bar_decode_garbage(void **state)
{
    (void)state;
    struct pci_bar bar;
    /* 0xfff0f000 -> size 0xf1000: not a power of two. */
    assert_int_equal(pci_bar_decode(0xfebd1000, 0, 0xfff0f000, 0, &bar), PCI_BAR_NONE);
    assert_int_equal(bar.kind, PCI_BAR_NONE);
    assert_false(bar.assigned);
    /* I/O: 0xffffff41 -> size 0xc0. */
    assert_int_equal(pci_bar_decode(0xc001, 0, 0xffffff41, 0, &bar), PCI_BAR_NONE);
    /* 64-bit with a hole in the upper mask. */
    assert_int_equal(pci_bar_decode(0xc, 0, 0xfffff00c, 0xfffeffff, &bar), PCI_BAR_NONE);
}

static void test_bar_decode_unassigned(void **state)
{
    (void)state;
    struct pci_bar bar;
    assert_int_equal(pci_bar_decode(0x0, 0, 0xfffff000, 0, &bar), PCI_BAR_MEM32);
    assert_int_equal(bar.size, 0x1000);
    assert_int_equal(bar.addr, 0);
    assert_false(bar.assigned);
    assert_int_equal(pci_bar_decode(0x1, 0, 0xffffffc1, 0, &bar), PCI_BAR_IO);
    assert_false(bar.assigned);
    assert_int_equal(pci_bar_decode(0xc, 0, 0xffffc00c, 0xffffffff, &bar), PCI_BAR_MEM64);
    assert_int_equal(bar.size, 0x4000);
    assert_false(bar.assigned);
}

/* ------------------------------------------------------------------------------------------ */
/* pci_range_alloc                                                                            */
/* ------------------------------------------------------------------------------------------ */

static void test_range_alloc_aligns(void **state)
{
    (void)state;
    uint64_t next = 0x1001, addr = 0;
    assert_true(pci_range_alloc(&next, 0x10000, 0x100, 0x1000, NULL, 0, &addr));
    assert_int_equal(addr, 0x2000);
    assert_int_equal(next, 0x2100);
    /* *next advanced: the following allocation comes after the first. */
    assert_true(pci_range_alloc(&next, 0x10000, 0x40, 0x40, NULL, 0, &addr));
    assert_int_equal(addr, 0x2100);
    assert_int_equal(next, 0x2140);
    assert_true(pci_range_alloc(&next, 0x10000, 0x1000, 0x1000, NULL, 0, &addr));
    assert_int_equal(addr, 0x3000);
    assert_int_equal(next, 0x4000);
}

static void test_range_alloc_skips_used(void **state)
{
    (void)state;
    uint64_t addr = 0;
    /* The candidate itself is used. */
    static const uint64_t used1[][2] = { { 0x2000, 0x3000 } };
    uint64_t next = 0x2000;
    assert_true(pci_range_alloc(&next, 0x10000, 0x1000, 0x1000, used1, 1, &addr));
    assert_int_equal(addr, 0x3000);
    assert_int_equal(next, 0x4000);

    /* A used range straddles the aligned candidate [0x1000, 0x2000) without covering its
     * start; the next candidate must be aligned again (0x3000, not 0x2800). */
    static const uint64_t used2[][2] = { { 0x1800, 0x2800 } };
    next = 0x1000;
    assert_true(pci_range_alloc(&next, 0x10000, 0x1000, 0x1000, used2, 1, &addr));
    assert_int_equal(addr, 0x3000);

    /* Several used ranges in a row, listed in reverse order: every one must be passed. */
    static const uint64_t used3[][2] = { { 0x3000, 0x3800 }, { 0x2000, 0x3000 }, { 0x1000, 0x2000 } };
    next = 0x1000;
    assert_true(pci_range_alloc(&next, 0x10000, 0x1000, 0x1000, used3, 3, &addr));
    assert_int_equal(addr, 0x4000);
    assert_int_equal(next, 0x5000);

    /* A used range entirely below or above the candidate does not move it. */
    static const uint64_t used4[][2] = { { 0x0, 0x1000 }, { 0x2000, 0x3000 } };
    next = 0x1000;
    assert_true(pci_range_alloc(&next, 0x10000, 0x1000, 0x1000, used4, 2, &addr));
    assert_int_equal(addr, 0x1000);
}

static void test_range_alloc_no_room(void **state)
{
    (void)state;
    uint64_t next = 0x1000, addr = 0xdead;
    /* Exactly fits at the end. */
    assert_true(pci_range_alloc(&next, 0x2000, 0x1000, 0x1000, NULL, 0, &addr));
    assert_int_equal(addr, 0x1000);
    assert_int_equal(next, 0x2000);
    /* Now full. */
    addr = 0xdead;
    assert_false(pci_range_alloc(&next, 0x2000, 0x1000, 0x1000, NULL, 0, &addr));
    assert_int_equal(next, 0x2000);
    assert_int_equal(addr, 0xdead);
    /* Room only if the alignment is ignored: [0x1800, 0x2800) would fit, [0x2000, 0x3000) not. */
    next = 0x1800;
    assert_false(pci_range_alloc(&next, 0x2c00, 0x1000, 0x1000, NULL, 0, &addr));
    /* Pushed past the end by a used range. */
    static const uint64_t used[][2] = { { 0x1000, 0x2800 } };
    next = 0x1000;
    assert_false(pci_range_alloc(&next, 0x3000, 0x1000, 0x1000, used, 1, &addr));
    assert_int_equal(next, 0x1000);
    /* *next already beyond the end. */
    next = 0x5000;
    assert_false(pci_range_alloc(&next, 0x3000, 0x10, 0x10, NULL, 0, &addr));
}

static void test_range_alloc_overflow(void **state)
{
    (void)state;
    uint64_t addr = 0xdead, next;
    /* Aligning up wraps around to 0. */
    next = UINT64_MAX - 0xfff;
    assert_false(pci_range_alloc(&next, UINT64_MAX, 0x1000, 0x2000, NULL, 0, &addr));
    assert_int_equal(addr, 0xdead);
    /* Aligned, but the end of the range would be 2^64. */
    next = UINT64_MAX - 0xfff;
    assert_false(pci_range_alloc(&next, UINT64_MAX, 0x1000, 0x1000, NULL, 0, &addr));
    /* A used range up to the top pushes the candidate past 2^64: no wrap to address 0. */
    static const uint64_t used[][2] = { { 0xffffffffffffe000ull, UINT64_MAX } };
    next = 0xffffffffffffe000ull;
    assert_false(pci_range_alloc(&next, UINT64_MAX, 0x1000, 0x1000, used, 1, &addr));
    assert_int_equal(addr, 0xdead);
    /* A size near 2^64. */
    next = 0x1000;
    assert_false(pci_range_alloc(&next, UINT64_MAX, UINT64_MAX - 0x800, 0x1000, NULL, 0, &addr));
    /* The highest possible allocation still works. */
    next = UINT64_MAX - 0x1fff;
    assert_true(pci_range_alloc(&next, UINT64_MAX, 0x1000, 0x1000, NULL, 0, &addr));
    assert_int_equal(addr, 0xffffffffffffe000ull);
}

static void test_range_alloc_bad_arguments(void **state)
{
    (void)state;
    uint64_t next = 0x1000, addr = 0xdead;
    assert_false(pci_range_alloc(&next, 0x10000, 0, 0x1000, NULL, 0, &addr));
    assert_false(pci_range_alloc(&next, 0x10000, 0x1000, 0, NULL, 0, &addr));
    assert_false(pci_range_alloc(&next, 0x10000, 0x1000, 0x3000, NULL, 0, &addr));
    assert_false(pci_range_alloc(&next, 0x10000, 0x1000, 0x1001, NULL, 0, &addr));
    assert_int_equal(next, 0x1000);
    assert_int_equal(addr, 0xdead);
}

/* ------------------------------------------------------------------------------------------ */
/* The simulated bus                                                                          */
/* ------------------------------------------------------------------------------------------ */

/*
 * Each function has 4 KiB of config space and, as in QEMU, a mask of the bits software may
 * write; everything else is read-only. That one mask gives BARs their sizing behaviour (the
 * address bits below the size and the type bits are read-only, so writing all ones reads back
 * ~(size - 1) | type) and bridges their writable bus-number and window registers.
 *
 * Where a function is: behind which bridge (or on the root bus) and at which dev.fn. Its bus
 * number is not stored: it is whatever its bridge's secondary bus register says, and a config
 * cycle reaches it only through bridges whose bus-number registers forward it (see sim_route).
 */
#define SIM_MAX_FNS 48

enum { BAR_MEM32 = 0x0, BAR_IO = 0x1, BAR_MEM64 = 0x4, BAR_PREF = 0x8 };

struct sim_fn {
    int parent; /* index of the bridge this function sits behind, -1 on the root bus */
    uint8_t dev, fn;
    uint8_t cfg[4096];
    uint8_t wmask[4096];
};

struct sim {
    struct sim_fn fns[SIM_MAX_FNS];
    int count;
    /* Contract violations; every enumeration test expects both to stay 0. */
    unsigned bad_accesses;   /* width not 1/2/4, misaligned, or past 4096 */
    unsigned sized_decoding; /* all ones written to a BAR while I/O or memory decoding was on */
};

static uint32_t cfg_get(const struct sim_fn *f, unsigned off, unsigned width)
{
    uint32_t v = 0;
    for (unsigned b = 0; b < width; b++)
        v |= (uint32_t)f->cfg[off + b] << (8 * b);
    return v;
}

/* What the device itself holds (reset values, read-only fields): ignores the write mask. */
static void cfg_put(struct sim_fn *f, unsigned off, unsigned width, uint32_t v)
{
    for (unsigned b = 0; b < width; b++)
        f->cfg[off + b] = (uint8_t)(v >> (8 * b));
}

/* A software write (ours or the firmware's): only the writable bits change. */
static void cfg_store(struct sim_fn *f, unsigned off, unsigned width, uint32_t v)
{
    for (unsigned b = 0; b < width; b++) {
        uint8_t m = f->wmask[off + b];
        f->cfg[off + b] = (uint8_t)((f->cfg[off + b] & ~m) | ((v >> (8 * b)) & m));
    }
}

static void wmask_put(struct sim_fn *f, unsigned off, unsigned width, uint32_t m)
{
    for (unsigned b = 0; b < width; b++)
        f->wmask[off + b] = (uint8_t)(m >> (8 * b));
}

static bool sim_is_bridge(const struct sim_fn *f) { return (f->cfg[PCI_HEADER_TYPE] & 0x7f) == 1; }

static int sim_add(struct sim *s, int parent, unsigned dev, unsigned fn, uint16_t vendor, uint16_t device,
                   uint8_t class_code, uint8_t subclass, uint8_t header_type)
{
    assert_true(s->count < SIM_MAX_FNS);
    struct sim_fn *f = &s->fns[s->count];
    memset(f, 0, sizeof *f);
    f->parent = parent;
    f->dev = (uint8_t)dev;
    f->fn = (uint8_t)fn;
    cfg_put(f, PCI_VENDOR_ID, 2, vendor);
    cfg_put(f, PCI_DEVICE_ID, 2, device);
    cfg_put(f, PCI_REVISION, 1, 1);
    cfg_put(f, PCI_SUBCLASS, 1, subclass);
    cfg_put(f, PCI_CLASS, 1, class_code);
    cfg_put(f, PCI_HEADER_TYPE, 1, header_type);
    wmask_put(f, PCI_COMMAND, 2, PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_BUS_MASTER);
    if ((header_type & 0x7f) == 1) {
        /* Bus numbers all writable; at reset 0, so the bridge forwards nothing. */
        wmask_put(f, PCI_BRIDGE_PRIMARY_BUS, 1, 0xff);
        wmask_put(f, PCI_BRIDGE_SECONDARY_BUS, 1, 0xff);
        wmask_put(f, PCI_BRIDGE_SUBORDINATE_BUS, 1, 0xff);
        /* As QEMU's bridges: 16-bit I/O window (type nibble 0), 32-bit memory window, 64-bit
         * prefetchable window (type nibble 1). The low nibbles are read-only. */
        wmask_put(f, PCI_BRIDGE_IO_BASE, 1, 0xf0);
        wmask_put(f, PCI_BRIDGE_IO_LIMIT, 1, 0xf0);
        wmask_put(f, PCI_BRIDGE_MEM_BASE, 2, 0xfff0);
        wmask_put(f, PCI_BRIDGE_MEM_LIMIT, 2, 0xfff0);
        cfg_put(f, PCI_BRIDGE_PREF_BASE, 2, 0x1);
        cfg_put(f, PCI_BRIDGE_PREF_LIMIT, 2, 0x1);
        wmask_put(f, PCI_BRIDGE_PREF_BASE, 2, 0xfff0);
        wmask_put(f, PCI_BRIDGE_PREF_LIMIT, 2, 0xfff0);
        wmask_put(f, PCI_BRIDGE_PREF_BASE_UPPER, 4, 0xffffffff);
        wmask_put(f, PCI_BRIDGE_PREF_LIMIT_UPPER, 4, 0xffffffff);
    }
    return s->count++;
}

/* Turn a bridge's I/O window into a 32-bit one (type nibble 1, writable upper halves). */
static void sim_io32(struct sim *s, int fi)
{
    struct sim_fn *f = &s->fns[fi];
    cfg_put(f, PCI_BRIDGE_IO_BASE, 1, 0x1);
    cfg_put(f, PCI_BRIDGE_IO_LIMIT, 1, 0x1);
    wmask_put(f, PCI_BRIDGE_IO_BASE_UPPER, 2, 0xffff);
    wmask_put(f, PCI_BRIDGE_IO_LIMIT_UPPER, 2, 0xffff);
}

/* An implemented BAR: type bits read-only, address bits below the size read-only (as 0). A
 * 64-bit BAR takes this register and the next. */
static void sim_bar(struct sim *s, int fi, unsigned bar, uint32_t type, uint64_t size)
{
    struct sim_fn *f = &s->fns[fi];
    unsigned off = PCI_BAR0 + 4 * bar;
    uint64_t mask = ~(size - 1);
    cfg_put(f, off, 4, type);
    wmask_put(f, off, 4, (uint32_t)mask & ((type & BAR_IO) ? ~0x3u : ~0xfu));
    if (!(type & BAR_IO) && (type & 0x6) == BAR_MEM64)
        wmask_put(f, off + 4, 4, (uint32_t)(mask >> 32));
}

static uint64_t sim_bar_addr(const struct sim_fn *f, unsigned bar)
{
    unsigned off = PCI_BAR0 + 4 * bar;
    uint32_t lo = cfg_get(f, off, 4);
    if (lo & 1)
        return lo & ~0x3u;
    uint64_t addr = lo & ~0xfu;
    if (((lo >> 1) & 3) == 2)
        addr |= (uint64_t)cfg_get(f, off + 4, 4) << 32;
    return addr;
}

/* Firmware assigning a BAR: a plain config write of the address (and its upper half). */
static void sim_set_bar(struct sim *s, int fi, unsigned bar, uint64_t addr)
{
    struct sim_fn *f = &s->fns[fi];
    unsigned off = PCI_BAR0 + 4 * bar;
    cfg_store(f, off, 4, (uint32_t)addr);
    if ((cfg_get(f, off, 4) & 0x7) == BAR_MEM64)
        cfg_store(f, off + 4, 4, (uint32_t)(addr >> 32));
}

/* A capability list in the order given: {offset, id} pairs, each pointing at the next. */
static void sim_caps(struct sim *s, int fi, const uint8_t (*caps)[2], size_t n)
{
    struct sim_fn *f = &s->fns[fi];
    cfg_put(f, PCI_STATUS, 2, cfg_get(f, PCI_STATUS, 2) | PCI_STATUS_CAP_LIST);
    cfg_put(f, PCI_CAP_PTR, 1, n ? caps[0][0] : 0);
    for (size_t i = 0; i < n; i++) {
        cfg_put(f, caps[i][0], 1, caps[i][1]);
        cfg_put(f, caps[i][0] + 1u, 1, i + 1 < n ? caps[i + 1][0] : 0);
    }
}

/*
 * Which function answers a config cycle for bus:dev.fn, or -1 (master abort). 'behind' is the
 * bridge whose secondary side we are on (-1: the root complex) and 'here' that bus's number.
 * The root complex answers its own bus directly; any other bus number only reaches a function
 * through bridges whose secondary..subordinate range holds it: a bridge passes such a cycle on
 * and turns it into a type 0 cycle when the number is its secondary bus (PCI-to-PCI Bridge 1.2,
 * 3.1.2.1). So a bridge whose registers are still 0 hides everything behind it, and one whose
 * secondary bus is the root bus's number hides it too. Two bridges claiming the same bus would
 * both respond on real hardware; here the first that finds the function wins.
 */
static int sim_route(const struct sim *s, int behind, unsigned here, unsigned bus, unsigned dev, unsigned fn)
{
    for (int i = 0; i < s->count; i++) {
        const struct sim_fn *f = &s->fns[i];
        if (f->parent != behind)
            continue;
        if (bus == here) {
            if (f->dev == dev && f->fn == fn)
                return i;
            continue;
        }
        unsigned sec = f->cfg[PCI_BRIDGE_SECONDARY_BUS], sub = f->cfg[PCI_BRIDGE_SUBORDINATE_BUS];
        if (sim_is_bridge(f) && sec <= bus && bus <= sub) {
            int r = sim_route(s, i, sec, bus, dev, fn);
            if (r >= 0)
                return r;
        }
    }
    return -1;
}

static bool sim_access_ok(struct sim *s, uint16_t off, unsigned width)
{
    if ((width == 1 || width == 2 || width == 4) && off % width == 0 && off + width <= 4096)
        return true;
    s->bad_accesses++;
    return false;
}

static uint32_t sim_read(void *ctx, uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off, unsigned width)
{
    struct sim *s = ctx;
    uint32_t ones = width >= 4 ? 0xffffffffu : (1u << (8 * width)) - 1;
    if (!sim_access_ok(s, off, width))
        return ones;
    int i = sim_route(s, -1, 0, bus, dev, fn);
    return i < 0 ? ones : cfg_get(&s->fns[i], off, width);
}

static void sim_write(void *ctx, uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off, unsigned width, uint32_t v)
{
    struct sim *s = ctx;
    if (!sim_access_ok(s, off, width))
        return;
    int i = sim_route(s, -1, 0, bus, dev, fn);
    if (i < 0)
        return; /* nobody there: the write goes nowhere */
    struct sim_fn *f = &s->fns[i];
    unsigned bar_end = PCI_BAR0 + 4u * (sim_is_bridge(f) ? 2 : 6);
    if (off >= PCI_BAR0 && off < bar_end && v == 0xffffffffu &&
        (cfg_get(f, PCI_COMMAND, 2) & (PCI_COMMAND_IO | PCI_COMMAND_MEMORY)))
        s->sized_decoding++;
    cfg_store(f, off, width, v);
}

/* Bridge windows as the hardware decodes them from the registers; [base, limit], empty when
 * base > limit. */
struct range {
    uint64_t base, limit;
};

static bool range_empty(struct range r) { return r.base > r.limit; }

static struct range sim_mem_window(const struct sim_fn *f)
{
    return (struct range){ (uint64_t)(cfg_get(f, PCI_BRIDGE_MEM_BASE, 2) & 0xfff0u) << 16,
                           ((uint64_t)(cfg_get(f, PCI_BRIDGE_MEM_LIMIT, 2) & 0xfff0u) << 16) | 0xfffff };
}

static struct range sim_pref_window(const struct sim_fn *f)
{
    return (struct range){
        ((uint64_t)(cfg_get(f, PCI_BRIDGE_PREF_BASE, 2) & 0xfff0u) << 16) |
            (uint64_t)cfg_get(f, PCI_BRIDGE_PREF_BASE_UPPER, 4) << 32,
        ((uint64_t)(cfg_get(f, PCI_BRIDGE_PREF_LIMIT, 2) & 0xfff0u) << 16) | 0xfffff |
            (uint64_t)cfg_get(f, PCI_BRIDGE_PREF_LIMIT_UPPER, 4) << 32,
    };
}

static struct range sim_io_window(const struct sim_fn *f)
{
    struct range r = { (uint64_t)(cfg_get(f, PCI_BRIDGE_IO_BASE, 1) & 0xf0u) << 8,
                       ((uint64_t)(cfg_get(f, PCI_BRIDGE_IO_LIMIT, 1) & 0xf0u) << 8) | 0xfff };
    if ((cfg_get(f, PCI_BRIDGE_IO_BASE, 1) & 0xf) == 1) {
        r.base |= (uint64_t)cfg_get(f, PCI_BRIDGE_IO_BASE_UPPER, 2) << 16;
        r.limit |= (uint64_t)cfg_get(f, PCI_BRIDGE_IO_LIMIT_UPPER, 2) << 16;
    }
    return r;
}

static bool overlaps(uint64_t a, uint64_t a_size, uint64_t b, uint64_t b_size)
{
    return a < b + b_size && b < a + a_size;
}

static bool inside(uint64_t a, uint64_t size, struct range r)
{
    return !range_empty(r) && a >= r.base && a + size - 1 <= r.limit;
}

static bool sim_behind(const struct sim *s, int fi, int bridge)
{
    for (int p = s->fns[fi].parent; p >= 0; p = s->fns[p].parent)
        if (p == bridge)
            return true;
    return false;
}

/* ------------------------------------------------------------------------------------------ */
/* Enumeration fixtures and checks                                                            */
/* ------------------------------------------------------------------------------------------ */

struct fixture {
    struct sim *sim;
    struct pci_topology *topo;
    struct pci_config_access cfg;
};

static int fixture_setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    if (fx == NULL)
        return -1;
    fx->sim = calloc(1, sizeof *fx->sim);
    fx->topo = calloc(1, sizeof *fx->topo);
    fx->cfg = (struct pci_config_access){
        .name = "sim", .read = sim_read, .write = sim_write, .ctx = fx->sim,
        .max_offset = 4096, .bus_start = 0, .bus_end = 255,
    };
    *state = fx;
    return fx->sim != NULL && fx->topo != NULL ? 0 : -1;
}

static int fixture_teardown(void **state)
{
    struct fixture *fx = *state;
    if (fx != NULL) {
        free(fx->sim);
        free(fx->topo);
        free(fx);
    }
    return 0;
}

static bool enable_virtio_scsi(uint16_t vendor, uint16_t device)
{
    return vendor == 0x1af4 && (device == 0x1004 || device == 0x1048);
}

static void enumerate(struct fixture *fx, const struct pci_resource_window *w)
{
    char err[160] = "";
    if (pci_enumerate(&fx->cfg, w, enable_virtio_scsi, fx->topo, err, sizeof err) != 0)
        fail_msg("pci_enumerate failed: %s", err);
    assert_int_equal(fx->sim->bad_accesses, 0);
    assert_int_equal(fx->sim->sized_decoding, 0);
    assert_int_equal(fx->topo->dropped, 0);
}

static int find(const struct pci_topology *t, unsigned bus, unsigned dev, unsigned fn)
{
    int found = -1;
    for (size_t i = 0; i < t->count; i++) {
        const struct pci_device *d = &t->devices[i];
        if (d->bus == bus && d->dev == dev && d->fn == fn) {
            if (found >= 0)
                fail_msg("%02x:%02x.%x listed twice", bus, dev, fn);
            found = (int)i;
        }
    }
    return found;
}

static const struct pci_device *dev_at(const struct pci_topology *t, unsigned bus, unsigned dev, unsigned fn)
{
    int i = find(t, bus, dev, fn);
    if (i < 0)
        fail_msg("%02x:%02x.%x not found", bus, dev, fn);
    return &t->devices[i];
}

/* The simulated function that a listed device is, found through the bridges as now programmed. */
static int sim_index(const struct fixture *fx, const struct pci_device *d)
{
    int i = sim_route(fx->sim, -1, 0, d->bus, d->dev, d->fn);
    if (i < 0)
        fail_msg("%02x:%02x.%x does not answer on the simulated bus", d->bus, d->dev, d->fn);
    return i;
}

static uint16_t command_of(const struct sim *s, int fi) { return (uint16_t)cfg_get(&s->fns[fi], PCI_COMMAND, 2); }

/*
 * What must hold after any enumeration, checked on the simulated registers:
 *  - every assigned BAR is size-aligned, the device holds exactly the address the topology
 *    reports, and one we placed lies inside the root window and outside the reserved ranges;
 *  - no two assigned BARs of the same space overlap;
 *  - routing is right: a BAR of a device behind a bridge lies inside that bridge's window for
 *    its space (the prefetchable one counts for memory), and a BAR of any other device lies
 *    outside all of that bridge's windows (or the bridge would take its cycles).
 */
static void check_layout(const struct fixture *fx, const struct pci_resource_window *w)
{
    const struct pci_topology *t = fx->topo;
    const struct sim *s = fx->sim;
    for (size_t i = 0; i < t->count; i++) {
        const struct pci_device *d = &t->devices[i];
        int si = sim_index(fx, d);
        for (unsigned b = 0; b < d->bar_count; b++) {
            const struct pci_bar *bar = &d->bars[b];
            if (bar->kind == PCI_BAR_NONE || !bar->assigned)
                continue;
            bool io = bar->kind == PCI_BAR_IO;
            if (bar->addr % bar->size != 0)
                fail_msg("%02x:%02x.%x BAR%u at %#llx not aligned to %#llx", d->bus, d->dev, d->fn, b,
                         (unsigned long long)bar->addr, (unsigned long long)bar->size);
            assert_int_equal(sim_bar_addr(&s->fns[si], b), bar->addr);
            if (bar->assigned_by_us) {
                if (io)
                    assert_true(bar->addr >= w->io_base && bar->addr + bar->size <= w->io_end);
                else
                    assert_true(bar->addr >= w->mem_base && bar->addr + bar->size <= w->mem_end);
                for (size_t r = 0; !io && r < w->reserved_count; r++)
                    assert_false(overlaps(bar->addr, bar->size, w->reserved[r][0],
                                          w->reserved[r][1] - w->reserved[r][0]));
            }
            for (size_t j = i; j < t->count; j++) {
                const struct pci_device *e = &t->devices[j];
                for (unsigned c = (j == i ? b + 1 : 0); c < e->bar_count; c++) {
                    const struct pci_bar *other = &e->bars[c];
                    if (other->kind == PCI_BAR_NONE || !other->assigned || (other->kind == PCI_BAR_IO) != io)
                        continue;
                    if (overlaps(bar->addr, bar->size, other->addr, other->size))
                        fail_msg("%02x:%02x.%x BAR%u overlaps %02x:%02x.%x BAR%u", d->bus, d->dev, d->fn, b, e->bus,
                                 e->dev, e->fn, c);
                }
            }
            for (int f = 0; f < s->count; f++) {
                if (!sim_is_bridge(&s->fns[f]))
                    continue;
                struct range w1 = io ? sim_io_window(&s->fns[f]) : sim_mem_window(&s->fns[f]);
                struct range w2 = io ? (struct range){ 1, 0 } : sim_pref_window(&s->fns[f]);
                if (sim_behind(s, si, f)) {
                    if (!inside(bar->addr, bar->size, w1) && !inside(bar->addr, bar->size, w2))
                        fail_msg("%02x:%02x.%x BAR%u at %#llx outside the windows of the bridge above it", d->bus,
                                 d->dev, d->fn, b, (unsigned long long)bar->addr);
                } else {
                    bool hit = (!range_empty(w1) && overlaps(bar->addr, bar->size, w1.base, w1.limit - w1.base + 1)) ||
                               (!range_empty(w2) && overlaps(bar->addr, bar->size, w2.base, w2.limit - w2.base + 1));
                    if (hit)
                        fail_msg("%02x:%02x.%x BAR%u at %#llx inside the window of a bridge it is not behind",
                                 d->bus, d->dev, d->fn, b, (unsigned long long)bar->addr);
                }
            }
        }
    }
}

/* ---- the QEMU machines ---- */

/* q35: ECAM at 0xb0000000 (256 MiB), then a firmware-reserved page at the start of the window. */
static const uint64_t q35_reserved[][2] = { { 0xb0000000, 0xc0000000 }, { 0xc0000000, 0xc0002000 } };

static struct pci_resource_window q35_window(void)
{
    return (struct pci_resource_window){
        .mem_base = 0xc0000000, .mem_end = 0xfec00000, .io_base = 0xc000, .io_end = 0x10000,
        .reserved = q35_reserved, .reserved_count = 2,
    };
}

static int add_host_bridge(struct sim *s)
{
    int f = sim_add(s, -1, 0, 0, 0x8086, 0x29c0, 0x06, 0x00, 0x00);
    cfg_put(&s->fns[f], PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_BUS_MASTER);
    return f;
}

/* virtio-scsi, transitional (legacy I/O BAR0 + modern BAR4) and modern-only. */
static int add_virtio_scsi_transitional(struct sim *s, int parent, unsigned dev)
{
    int f = sim_add(s, parent, dev, 0, 0x1af4, 0x1004, 0x01, 0x00, 0x00);
    sim_bar(s, f, 0, BAR_IO, 0x40);
    sim_bar(s, f, 1, BAR_MEM32, 0x1000);
    sim_bar(s, f, 4, BAR_MEM64 | BAR_PREF, 0x4000);
    return f;
}

static const uint8_t virtio_modern_caps[][2] = {
    { 0x98, PCI_CAP_ID_MSIX }, { 0x84, PCI_CAP_ID_VNDR }, { 0x70, PCI_CAP_ID_VNDR },
    { 0x60, PCI_CAP_ID_VNDR }, { 0x50, PCI_CAP_ID_VNDR }, { 0x40, PCI_CAP_ID_VNDR },
};

static int add_virtio_scsi_modern(struct sim *s, int parent, unsigned dev)
{
    int f = sim_add(s, parent, dev, 0, 0x1af4, 0x1048, 0x01, 0x00, 0x00);
    sim_bar(s, f, 1, BAR_MEM32, 0x1000);
    sim_bar(s, f, 4, BAR_MEM64 | BAR_PREF, 0x4000);
    sim_caps(s, f, virtio_modern_caps, 6);
    return f;
}

static int add_root_port(struct sim *s, int parent, unsigned dev)
{
    return sim_add(s, parent, dev, 0, 0x1b36, 0x000c, 0x06, 0x04, 0x01);
}

static int add_pci_bridge(struct sim *s, int parent, unsigned dev)
{
    return sim_add(s, parent, dev, 0, 0x1b36, 0x0001, 0x06, 0x04, 0x01);
}

struct q35 {
    int host, hba, port, hba2;
};

/* 00:00.0 host bridge, 00:03.0 transitional virtio-scsi, 00:04.0 root port with a modern
 * virtio-scsi behind it: everything as QEMU resets it (qboot leaves it so). */
static struct q35 build_q35(struct sim *s)
{
    struct q35 m;
    m.host = add_host_bridge(s);
    m.hba = add_virtio_scsi_transitional(s, -1, 3);
    m.port = add_root_port(s, -1, 4);
    m.hba2 = add_virtio_scsi_modern(s, m.port, 0);
    return m;
}

static void check_is_virtio_hba(const struct pci_device *d, bool transitional)
{
    assert_int_equal(d->vendor, 0x1af4);
    assert_int_equal(d->device, transitional ? 0x1004 : 0x1048);
    assert_int_equal(d->class_code, 0x01);
    assert_int_equal(d->subclass, 0x00);
    assert_int_equal(d->header_type, 0);
    assert_int_equal(d->bar_count, 6);
    if (transitional) {
        assert_int_equal(d->bars[0].kind, PCI_BAR_IO);
        assert_int_equal(d->bars[0].size, 0x40);
    } else {
        assert_int_equal(d->bars[0].kind, PCI_BAR_NONE);
    }
    assert_int_equal(d->bars[1].kind, PCI_BAR_MEM32);
    assert_int_equal(d->bars[1].size, 0x1000);
    assert_false(d->bars[1].prefetchable);
    assert_int_equal(d->bars[2].kind, PCI_BAR_NONE);
    assert_int_equal(d->bars[3].kind, PCI_BAR_NONE);
    assert_int_equal(d->bars[4].kind, PCI_BAR_MEM64);
    assert_int_equal(d->bars[4].size, 0x4000);
    assert_true(d->bars[4].prefetchable);
    assert_int_equal(d->bars[5].kind, PCI_BAR_NONE); /* the upper half of BAR4 */
}

/* ------------------------------------------------------------------------------------------ */
/* pci_enumerate scenarios                                                                    */
/* ------------------------------------------------------------------------------------------ */

/* qboot: nothing configured. We number the bridge, place every BAR and the bridge window. */
static void test_enum_qboot_like(void **state)
{
    struct fixture *fx = *state;
    struct sim *s = fx->sim;
    struct q35 m = build_q35(s);
    const struct pci_resource_window w = q35_window();
    enumerate(fx, &w);

    const struct pci_topology *t = fx->topo;
    assert_int_equal(t->count, 4);
    const struct pci_device *host = dev_at(t, 0, 0, 0), *hba = dev_at(t, 0, 3, 0), *port = dev_at(t, 0, 4, 0),
                            *hba2 = dev_at(t, 1, 0, 0);
    int port_index = find(t, 0, 4, 0);

    assert_int_equal(host->vendor, 0x8086);
    assert_int_equal(host->class_code, 0x06);
    assert_int_equal(host->subclass, 0x00);
    for (unsigned b = 0; b < host->bar_count; b++)
        assert_int_equal(host->bars[b].kind, PCI_BAR_NONE);
    check_is_virtio_hba(hba, true);
    check_is_virtio_hba(hba2, false);
    assert_int_equal(port->vendor, 0x1b36);
    assert_int_equal(port->device, 0x000c);
    assert_int_equal(port->header_type, 1);
    assert_int_equal(port->bar_count, 2);

    /* Bus numbers, in the topology and in the bridge. */
    assert_int_equal(host->parent, -1);
    assert_int_equal(hba->parent, -1);
    assert_int_equal(port->parent, -1);
    assert_int_equal(hba2->parent, port_index);
    assert_int_equal(port->secondary_bus, 1);
    assert_int_equal(port->subordinate_bus, 1);
    assert_true(port->bus_numbers_by_us);
    const struct sim_fn *pf = &s->fns[m.port];
    assert_int_equal(pf->cfg[PCI_BRIDGE_PRIMARY_BUS], 0);
    assert_int_equal(pf->cfg[PCI_BRIDGE_SECONDARY_BUS], 1);
    assert_int_equal(pf->cfg[PCI_BRIDGE_SUBORDINATE_BUS], 1);

    /* Every BAR placed by us. */
    const struct pci_device *hbas[] = { hba, hba2 };
    for (int k = 0; k < 2; k++)
        for (unsigned b = 0; b < 6; b++)
            if (hbas[k]->bars[b].kind != PCI_BAR_NONE) {
                assert_true(hbas[k]->bars[b].assigned);
                assert_true(hbas[k]->bars[b].assigned_by_us);
            }
    assert_int_equal(hba->bars[4].addr >> 32, 0); /* the window is below 4 GiB */
    check_layout(fx, &w);

    /* The bridge's memory window: 1 MiB granular, inside the root window, and what the topology
     * says; its I/O and prefetchable windows stay shut (nothing behind needs them). */
    struct range mw = sim_mem_window(pf);
    assert_false(range_empty(mw));
    assert_int_equal(mw.base % MIB, 0);
    assert_int_equal((mw.limit + 1) % MIB, 0);
    assert_true(mw.base >= w.mem_base && mw.limit < w.mem_end);
    assert_true(inside(hba2->bars[1].addr, hba2->bars[1].size, mw));
    assert_true(inside(hba2->bars[4].addr, hba2->bars[4].size, mw));
    assert_int_equal(port->mem_window_base, mw.base);
    assert_int_equal(port->mem_window_limit, mw.limit);
    assert_true(port->windows_by_us);
    assert_true(range_empty(sim_io_window(pf)));
    assert_true(range_empty(sim_pref_window(pf)));
    for (size_t r = 0; r < w.reserved_count; r++)
        assert_false(overlaps(mw.base, mw.limit - mw.base + 1, w.reserved[r][0], w.reserved[r][1] - w.reserved[r][0]));

    /* Decoding and bus mastering: on both HBAs (I/O too for the one with an I/O BAR) and on the
     * bridge above the second one; the host bridge as it was. */
    assert_int_equal(command_of(s, m.hba), PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_BUS_MASTER);
    assert_int_equal(command_of(s, m.hba2), PCI_COMMAND_MEMORY | PCI_COMMAND_BUS_MASTER);
    assert_int_equal(command_of(s, m.port), PCI_COMMAND_MEMORY | PCI_COMMAND_BUS_MASTER);
    assert_int_equal(command_of(s, m.host), PCI_COMMAND_MEMORY | PCI_COMMAND_BUS_MASTER);
    assert_int_equal(hba->command, command_of(s, m.hba));
    assert_int_equal(hba2->command, command_of(s, m.hba2));
    assert_int_equal(port->command, command_of(s, m.port));

    /* The capability list of the modern HBA, in list order. */
    assert_int_equal(hba2->cap_count, 6);
    for (int c = 0; c < 6; c++) {
        assert_int_equal(hba2->cap_offsets[c], virtio_modern_caps[c][0]);
        assert_int_equal(hba2->cap_ids[c], virtio_modern_caps[c][1]);
    }
    assert_int_equal(hba->cap_count, 0);

    assert_int_equal(t->bars_assigned, 5);
    assert_int_equal(t->bars_unassigned, 0);
    assert_int_equal(t->buses_assigned, 1);
}

/* SeaBIOS: everything configured already. Nothing may move. */
static void test_enum_seabios_like(void **state)
{
    struct fixture *fx = *state;
    struct sim *s = fx->sim;
    struct q35 m = build_q35(s);
    sim_set_bar(s, m.hba, 0, 0xc000);
    sim_set_bar(s, m.hba, 1, 0xfebd1000);
    sim_set_bar(s, m.hba, 4, 0xfe000000);
    struct sim_fn *pf = &s->fns[m.port];
    cfg_store(pf, PCI_BRIDGE_PRIMARY_BUS, 1, 0);
    cfg_store(pf, PCI_BRIDGE_SECONDARY_BUS, 1, 1);
    cfg_store(pf, PCI_BRIDGE_SUBORDINATE_BUS, 1, 1);
    cfg_store(pf, PCI_BRIDGE_MEM_BASE, 2, 0xfe80); /* [0xfe800000, 0xfe9fffff] */
    cfg_store(pf, PCI_BRIDGE_MEM_LIMIT, 2, 0xfe90);
    cfg_store(pf, PCI_BRIDGE_IO_BASE, 1, 0xf0); /* I/O and prefetchable windows shut */
    cfg_store(pf, PCI_BRIDGE_IO_LIMIT, 1, 0x00);
    cfg_store(pf, PCI_BRIDGE_PREF_BASE, 2, 0xfff0);
    cfg_store(pf, PCI_BRIDGE_PREF_LIMIT, 2, 0x0000);
    sim_set_bar(s, m.hba2, 1, 0xfe800000);
    sim_set_bar(s, m.hba2, 4, 0xfe900000);
    cfg_store(&s->fns[m.hba], PCI_COMMAND, 2, PCI_COMMAND_IO | PCI_COMMAND_MEMORY);
    cfg_store(&s->fns[m.hba2], PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
    cfg_store(pf, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);

    /* Everything but the command registers must come out as it went in. */
    static uint8_t before[4][0x40];
    for (int f = 0; f < 4; f++)
        memcpy(before[f], s->fns[f].cfg, 0x40);

    const struct pci_resource_window w = q35_window();
    enumerate(fx, &w);
    const struct pci_topology *t = fx->topo;
    assert_int_equal(t->count, 4);
    for (int f = 0; f < 4; f++) {
        assert_memory_equal(before[f], s->fns[f].cfg, PCI_COMMAND);
        assert_memory_equal(before[f] + PCI_STATUS, s->fns[f].cfg + PCI_STATUS, 0x40 - PCI_STATUS);
    }

    const struct pci_device *hba = dev_at(t, 0, 3, 0), *port = dev_at(t, 0, 4, 0), *hba2 = dev_at(t, 1, 0, 0);
    assert_int_equal(hba2->parent, find(t, 0, 4, 0));
    check_is_virtio_hba(hba, true);
    check_is_virtio_hba(hba2, false);
    assert_int_equal(hba->bars[0].addr, 0xc000);
    assert_int_equal(hba->bars[1].addr, 0xfebd1000);
    assert_int_equal(hba->bars[4].addr, 0xfe000000);
    assert_int_equal(hba2->bars[1].addr, 0xfe800000);
    assert_int_equal(hba2->bars[4].addr, 0xfe900000);
    for (size_t i = 0; i < t->count; i++)
        for (unsigned b = 0; b < t->devices[i].bar_count; b++) {
            const struct pci_bar *bar = &t->devices[i].bars[b];
            assert_false(bar->assigned_by_us);
            if (bar->kind != PCI_BAR_NONE)
                assert_true(bar->assigned);
        }
    assert_int_equal(port->secondary_bus, 1);
    assert_int_equal(port->subordinate_bus, 1);
    assert_false(port->bus_numbers_by_us);
    assert_false(port->windows_by_us);
    assert_int_equal(port->mem_window_base, 0xfe800000);
    assert_int_equal(port->mem_window_limit, 0xfe9fffff);
    check_layout(fx, &w);

    /* Bus mastering added; the decoding the firmware enabled kept. */
    assert_int_equal(command_of(s, m.hba), PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_BUS_MASTER);
    assert_int_equal(command_of(s, m.hba2), PCI_COMMAND_MEMORY | PCI_COMMAND_BUS_MASTER);
    assert_int_equal(command_of(s, m.port), PCI_COMMAND_MEMORY | PCI_COMMAND_BUS_MASTER);
    assert_int_equal(command_of(s, m.host), PCI_COMMAND_MEMORY | PCI_COMMAND_BUS_MASTER);

    assert_int_equal(t->bars_assigned, 0);
    assert_int_equal(t->bars_unassigned, 0);
    assert_int_equal(t->buses_assigned, 0);
}

/* No I/O space (microvm): the I/O BAR stays unassigned and counted; memory still placed. */
static void test_enum_no_io_space(void **state)
{
    struct fixture *fx = *state;
    struct sim *s = fx->sim;
    struct q35 m = build_q35(s);
    struct pci_resource_window w = q35_window();
    w.io_base = w.io_end = 0;
    enumerate(fx, &w);

    const struct pci_topology *t = fx->topo;
    const struct pci_device *hba = dev_at(t, 0, 3, 0), *hba2 = dev_at(t, 1, 0, 0);
    assert_int_equal(hba->bars[0].kind, PCI_BAR_IO);
    assert_false(hba->bars[0].assigned);
    assert_int_equal(cfg_get(&s->fns[m.hba], PCI_BAR0, 4), BAR_IO); /* no address written */
    assert_true(hba->bars[1].assigned_by_us);
    assert_true(hba->bars[4].assigned_by_us);
    assert_true(hba2->bars[1].assigned_by_us);
    assert_true(hba2->bars[4].assigned_by_us);
    check_layout(fx, &w);
    assert_int_equal(command_of(s, m.hba), PCI_COMMAND_MEMORY | PCI_COMMAND_BUS_MASTER);
    assert_int_equal(command_of(s, m.hba2), PCI_COMMAND_MEMORY | PCI_COMMAND_BUS_MASTER);
    assert_true(range_empty(sim_io_window(&s->fns[m.port])));
    assert_int_equal(t->bars_assigned, 4);
    assert_int_equal(t->bars_unassigned, 1);
}

/* Functions 1..7 are probed only when function 0 says the device is multi-function. */
static void test_enum_multifunction(void **state)
{
    struct fixture *fx = *state;
    struct sim *s = fx->sim;
    add_host_bridge(s);
    /* ICH9-like: LPC at .0 (multi-function bit set), SATA at .2; fn 1 absent; fn 7 present so
     * the scan must reach the last function. */
    sim_add(s, -1, 0x1f, 0, 0x8086, 0x2918, 0x06, 0x01, 0x80);
    sim_add(s, -1, 0x1f, 2, 0x8086, 0x2922, 0x01, 0x06, 0x00);
    sim_add(s, -1, 0x1f, 7, 0x8086, 0x2930, 0x0c, 0x05, 0x00);
    /* A single-function device that ignores the function number: fn 1 and 7 answer too. */
    sim_add(s, -1, 5, 0, 0x1af4, 0x1001, 0x01, 0x00, 0x00);
    sim_add(s, -1, 5, 1, 0x1af4, 0x1001, 0x01, 0x00, 0x00);
    sim_add(s, -1, 5, 7, 0x1af4, 0x1001, 0x01, 0x00, 0x00);
    const struct pci_resource_window w = q35_window();
    enumerate(fx, &w);

    const struct pci_topology *t = fx->topo;
    assert_int_equal(t->count, 5);
    const struct pci_device *lpc = dev_at(t, 0, 0x1f, 0);
    assert_int_equal(lpc->header_type, 0); /* without the multi-function bit */
    assert_int_equal(lpc->device, 0x2918);
    assert_int_equal(dev_at(t, 0, 0x1f, 2)->device, 0x2922);
    assert_int_equal(dev_at(t, 0, 0x1f, 7)->device, 0x2930);
    assert_int_equal(find(t, 0, 0x1f, 1), -1);
    assert_int_equal(dev_at(t, 0, 5, 0)->device, 0x1001);
    assert_int_equal(find(t, 0, 5, 1), -1);
    assert_int_equal(find(t, 0, 5, 7), -1);
    assert_int_equal(t->buses_assigned, 0);
}

/* Bogus firmware: the root port's secondary bus is the root bus (0, subordinate 0xff), and the
 * bridge behind it points at its own bus. Both must be renumbered, nothing scanned twice. */
static void test_enum_bridge_pointing_back(void **state)
{
    struct fixture *fx = *state;
    struct sim *s = fx->sim;
    add_host_bridge(s);
    int outer = add_root_port(s, -1, 4);
    int inner = add_pci_bridge(s, outer, 0);
    int hba = add_virtio_scsi_modern(s, inner, 1);
    cfg_store(&s->fns[outer], PCI_BRIDGE_SECONDARY_BUS, 1, 0);
    cfg_store(&s->fns[outer], PCI_BRIDGE_SUBORDINATE_BUS, 1, 0xff);
    cfg_store(&s->fns[inner], PCI_BRIDGE_PRIMARY_BUS, 1, 1);
    cfg_store(&s->fns[inner], PCI_BRIDGE_SECONDARY_BUS, 1, 1);
    cfg_store(&s->fns[inner], PCI_BRIDGE_SUBORDINATE_BUS, 1, 1);
    const struct pci_resource_window w = q35_window();
    enumerate(fx, &w);

    const struct pci_topology *t = fx->topo;
    assert_int_equal(t->count, 4); /* find() fails on any function listed twice */
    dev_at(t, 0, 0, 0);
    const struct pci_device *o = dev_at(t, 0, 4, 0), *i = dev_at(t, 1, 0, 0), *d = dev_at(t, 2, 1, 0);
    assert_int_equal(o->secondary_bus, 1);
    assert_int_equal(o->subordinate_bus, 2);
    assert_int_equal(i->secondary_bus, 2);
    assert_int_equal(i->subordinate_bus, 2);
    assert_int_equal(s->fns[outer].cfg[PCI_BRIDGE_SUBORDINATE_BUS], 2);
    assert_int_equal(s->fns[inner].cfg[PCI_BRIDGE_PRIMARY_BUS], 1);
    assert_int_equal(s->fns[inner].cfg[PCI_BRIDGE_SECONDARY_BUS], 2);
    assert_int_equal(d->parent, find(t, 1, 0, 0));
    assert_int_equal(sim_index(fx, d), hba);
    assert_true(d->bars[1].assigned && d->bars[4].assigned);
    check_layout(fx, &w);
    assert_int_equal(t->buses_assigned, 2);
}

/* Two bridges that the firmware both gave bus 1: the second one gets a bus of its own. */
static void test_enum_duplicate_secondary_bus(void **state)
{
    struct fixture *fx = *state;
    struct sim *s = fx->sim;
    add_host_bridge(s);
    int p1 = add_root_port(s, -1, 4), p2 = add_root_port(s, -1, 5);
    int h1 = add_virtio_scsi_modern(s, p1, 0), h2 = add_virtio_scsi_transitional(s, p2, 0);
    for (int k = 0; k < 2; k++) {
        struct sim_fn *p = &s->fns[k == 0 ? p1 : p2];
        cfg_store(p, PCI_BRIDGE_SECONDARY_BUS, 1, 1);
        cfg_store(p, PCI_BRIDGE_SUBORDINATE_BUS, 1, 1);
    }
    const struct pci_resource_window w = q35_window();
    enumerate(fx, &w);

    const struct pci_topology *t = fx->topo;
    assert_int_equal(t->count, 5);
    const struct pci_device *b1 = dev_at(t, 0, 4, 0), *b2 = dev_at(t, 0, 5, 0);
    assert_int_equal(b1->secondary_bus, 1);
    assert_false(b1->bus_numbers_by_us);
    assert_int_equal(b2->secondary_bus, 2);
    assert_int_equal(b2->subordinate_bus, 2);
    assert_true(b2->bus_numbers_by_us);
    const struct pci_device *d1 = dev_at(t, 1, 0, 0), *d2 = dev_at(t, 2, 0, 0);
    assert_int_equal(sim_index(fx, d1), h1);
    assert_int_equal(sim_index(fx, d2), h2);
    assert_int_equal(d1->parent, find(t, 0, 4, 0));
    assert_int_equal(d2->parent, find(t, 0, 5, 0));
    check_layout(fx, &w);
    /* The second HBA's I/O BAR needs an I/O window on its bridge. */
    assert_true(d2->bars[0].assigned);
    assert_false(range_empty(sim_io_window(&s->fns[p2])));
    assert_int_equal(command_of(s, p2), PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_BUS_MASTER);
    assert_int_equal(t->buses_assigned, 1);
    assert_int_equal(t->bars_unassigned, 0);
}

/* A window too small: what does not fit stays unassigned and counted, never overlapping. */
static void test_enum_window_too_small(void **state)
{
    struct fixture *fx = *state;
    struct sim *s = fx->sim;
    int hba = add_virtio_scsi_transitional(s, -1, 3);
    int port = add_root_port(s, -1, 4);
    int hba2 = add_virtio_scsi_modern(s, port, 0);
    /* 8 KiB of memory (room for the 4 KiB BAR, not the 16 KiB one nor a 1 MiB bridge window),
     * 32 bytes of I/O (too little for the 64-byte I/O BAR). */
    const struct pci_resource_window w = {
        .mem_base = 0xc0000000, .mem_end = 0xc0002000, .io_base = 0xc000, .io_end = 0xc020,
    };
    enumerate(fx, &w);

    const struct pci_topology *t = fx->topo;
    const struct pci_device *d = dev_at(t, 0, 3, 0), *d2 = dev_at(t, 1, 0, 0), *p = dev_at(t, 0, 4, 0);
    assert_false(d->bars[0].assigned);
    assert_true(d->bars[1].assigned);
    assert_int_equal(d->bars[1].addr, 0xc0000000);
    assert_false(d->bars[4].assigned);
    assert_int_equal(sim_bar_addr(&s->fns[hba], 0), 0);
    assert_int_equal(sim_bar_addr(&s->fns[hba], 4), 0);
    assert_false(d2->bars[1].assigned);
    assert_false(d2->bars[4].assigned);
    assert_int_equal(sim_bar_addr(&s->fns[hba2], 1), 0);
    assert_int_equal(sim_bar_addr(&s->fns[hba2], 4), 0);
    /* The bridge: numbered, but its windows stay shut. */
    assert_int_equal(p->secondary_bus, 1);
    assert_true(range_empty(sim_mem_window(&s->fns[port])));
    assert_true(range_empty(sim_io_window(&s->fns[port])));
    assert_true(range_empty(sim_pref_window(&s->fns[port])));
    check_layout(fx, &w);
    /* Nothing decodes what has no address. */
    assert_int_equal(command_of(s, hba) & (PCI_COMMAND_IO | PCI_COMMAND_MEMORY), PCI_COMMAND_MEMORY);
    assert_int_equal(command_of(s, hba2) & (PCI_COMMAND_IO | PCI_COMMAND_MEMORY), 0);
    assert_int_equal(command_of(s, port) & (PCI_COMMAND_IO | PCI_COMMAND_MEMORY), 0);
    assert_int_equal(t->bars_assigned, 1);
    assert_int_equal(t->bars_unassigned, 4);
}

/* Root port -> PCI bridge -> HBA, then a sibling root port with an HBA that needs I/O. */
static void test_enum_nested_bridges(void **state)
{
    struct fixture *fx = *state;
    struct sim *s = fx->sim;
    add_host_bridge(s);
    int outer = add_root_port(s, -1, 4);
    int inner = add_pci_bridge(s, outer, 0);
    int hba = add_virtio_scsi_modern(s, inner, 1);
    int sibling = add_root_port(s, -1, 5);
    sim_io32(s, sibling);
    int hba2 = add_virtio_scsi_transitional(s, sibling, 0);
    const struct pci_resource_window w = q35_window();
    enumerate(fx, &w);

    const struct pci_topology *t = fx->topo;
    assert_int_equal(t->count, 6);
    const struct pci_device *o = dev_at(t, 0, 4, 0), *i = dev_at(t, 1, 0, 0), *d = dev_at(t, 2, 1, 0),
                            *sb = dev_at(t, 0, 5, 0), *d2 = dev_at(t, 3, 0, 0);
    assert_int_equal(o->secondary_bus, 1);
    assert_int_equal(o->subordinate_bus, 2);
    assert_int_equal(i->secondary_bus, 2);
    assert_int_equal(i->subordinate_bus, 2);
    assert_int_equal(sb->secondary_bus, 3);
    assert_int_equal(sb->subordinate_bus, 3);
    assert_int_equal(s->fns[outer].cfg[PCI_BRIDGE_SUBORDINATE_BUS], 2);
    assert_int_equal(s->fns[inner].cfg[PCI_BRIDGE_PRIMARY_BUS], 1);
    assert_int_equal(s->fns[inner].cfg[PCI_BRIDGE_SECONDARY_BUS], 2);
    assert_int_equal(s->fns[inner].cfg[PCI_BRIDGE_SUBORDINATE_BUS], 2);
    assert_int_equal(s->fns[sibling].cfg[PCI_BRIDGE_SECONDARY_BUS], 3);
    assert_int_equal(i->parent, find(t, 0, 4, 0));
    assert_int_equal(d->parent, find(t, 1, 0, 0));
    assert_int_equal(d2->parent, find(t, 0, 5, 0));
    assert_int_equal(sim_index(fx, d), hba);
    assert_int_equal(sim_index(fx, d2), hba2);

    /* Windows nest: the HBA inside the inner window, the inner inside the outer; the sibling's
     * windows apart from both. check_layout verifies the routing of every BAR. */
    struct range ow = sim_mem_window(&s->fns[outer]), iw = sim_mem_window(&s->fns[inner]),
                 sw = sim_mem_window(&s->fns[sibling]);
    assert_true(inside(iw.base, iw.limit - iw.base + 1, ow));
    assert_int_equal(iw.base % MIB, 0);
    assert_int_equal(ow.base % MIB, 0);
    assert_false(overlaps(ow.base, ow.limit - ow.base + 1, sw.base, sw.limit - sw.base + 1));
    struct range io = sim_io_window(&s->fns[sibling]);
    assert_false(range_empty(io));
    assert_int_equal(io.base % 0x1000, 0);
    assert_true(inside(d2->bars[0].addr, 0x40, io));
    assert_true(range_empty(sim_io_window(&s->fns[outer])));
    for (unsigned b = 0; b < 6; b++) {
        if (d->bars[b].kind != PCI_BAR_NONE)
            assert_true(d->bars[b].assigned_by_us);
        if (d2->bars[b].kind != PCI_BAR_NONE)
            assert_true(d2->bars[b].assigned_by_us);
    }
    check_layout(fx, &w);

    assert_int_equal(command_of(s, outer), PCI_COMMAND_MEMORY | PCI_COMMAND_BUS_MASTER);
    assert_int_equal(command_of(s, inner), PCI_COMMAND_MEMORY | PCI_COMMAND_BUS_MASTER);
    assert_int_equal(command_of(s, sibling), PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_BUS_MASTER);
    assert_int_equal(command_of(s, hba2), PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_BUS_MASTER);
    assert_int_equal(t->buses_assigned, 3);
    assert_int_equal(t->bars_assigned, 5);
    assert_int_equal(t->bars_unassigned, 0);
}

/* A BAR larger than the 1 MiB window granule behind a bridge, with a root-bus BAR that makes
 * the bridge window start on an odd MiB: the window must be aligned for what it holds. */
static void test_enum_large_bar_behind_bridge(void **state)
{
    struct fixture *fx = *state;
    struct sim *s = fx->sim;
    int vga = sim_add(s, -1, 2, 0, 0x1234, 0x1111, 0x03, 0x00, 0x00);
    sim_bar(s, vga, 0, BAR_MEM32 | BAR_PREF, 2 * MIB);
    int port = add_root_port(s, -1, 4);
    int big = sim_add(s, port, 0, 0, 0x1af4, 0x1048, 0x01, 0x00, 0x00);
    sim_bar(s, big, 1, BAR_MEM32, 0x1000);
    sim_bar(s, big, 4, BAR_MEM64 | BAR_PREF, 4 * MIB);
    const struct pci_resource_window w = { .mem_base = 0xc0000000, .mem_end = 0xfec00000 };
    enumerate(fx, &w);

    const struct pci_topology *t = fx->topo;
    const struct pci_device *d = dev_at(t, 1, 0, 0);
    assert_int_equal(d->bars[4].size, 4 * MIB);
    assert_true(d->bars[4].assigned);
    assert_true(d->bars[1].assigned);
    assert_true(dev_at(t, 0, 2, 0)->bars[0].assigned);
    check_layout(fx, &w);
    assert_int_equal(t->bars_unassigned, 0);
    assert_int_equal(command_of(s, port), PCI_COMMAND_MEMORY | PCI_COMMAND_BUS_MASTER);
}

/* Largest alignment first: 16 KiB + 4 KiB fit in 20 KiB only in that order. */
static void test_enum_tight_window(void **state)
{
    struct fixture *fx = *state;
    int f = add_virtio_scsi_modern(fx->sim, -1, 3);
    const struct pci_resource_window w = { .mem_base = 0xc0000000, .mem_end = 0xc0005000 };
    enumerate(fx, &w);

    const struct pci_device *d = dev_at(fx->topo, 0, 3, 0);
    assert_int_equal(d->bars[4].addr, 0xc0000000);
    assert_int_equal(d->bars[1].addr, 0xc0004000);
    assert_int_equal(sim_bar_addr(&fx->sim->fns[f], 4), 0xc0000000);
    assert_int_equal(sim_bar_addr(&fx->sim->fns[f], 1), 0xc0004000);
    check_layout(fx, &w);
    assert_int_equal(fx->topo->bars_assigned, 2);
    assert_int_equal(fx->topo->bars_unassigned, 0);
}

/* A 64-bit BAR of 8 GiB cannot go into the 32-bit window: it stays unassigned, and its upper
 * half (whose low bit reads back 0 after all ones) is not taken for a BAR of its own. */
static void test_enum_huge_bar(void **state)
{
    struct fixture *fx = *state;
    struct sim *s = fx->sim;
    int f = sim_add(s, -1, 3, 0, 0x1af4, 0x1110, 0x05, 0x00, 0x00); /* ivshmem-like */
    sim_bar(s, f, 0, BAR_MEM32, 0x100);
    sim_bar(s, f, 2, BAR_MEM64 | BAR_PREF, 8 * GIB);
    const struct pci_resource_window w = q35_window();
    enumerate(fx, &w);

    const struct pci_device *d = dev_at(fx->topo, 0, 3, 0);
    assert_int_equal(d->bars[0].kind, PCI_BAR_MEM32);
    assert_true(d->bars[0].assigned);
    assert_int_equal(d->bars[2].kind, PCI_BAR_MEM64);
    assert_int_equal(d->bars[2].size, 8 * GIB);
    assert_false(d->bars[2].assigned);
    assert_int_equal(d->bars[3].kind, PCI_BAR_NONE);
    assert_int_equal(cfg_get(&s->fns[f], PCI_BAR0 + 8, 4), BAR_MEM64 | BAR_PREF);
    assert_int_equal(cfg_get(&s->fns[f], PCI_BAR0 + 12, 4), 0);
    check_layout(fx, &w);
    assert_int_equal(fx->topo->bars_assigned, 1);
    assert_int_equal(fx->topo->bars_unassigned, 1);
}

/* The firmware placed one HBA at the bottom of the window and left a second one alone (as after
 * a hotplug): the second one goes around the first, which does not move. */
static void test_enum_partly_assigned(void **state)
{
    struct fixture *fx = *state;
    struct sim *s = fx->sim;
    int a = add_virtio_scsi_transitional(s, -1, 3);
    int b = add_virtio_scsi_transitional(s, -1, 5);
    sim_set_bar(s, a, 0, 0xc000);
    sim_set_bar(s, a, 1, 0xc0004000);
    sim_set_bar(s, a, 4, 0xc0000000);
    const struct pci_resource_window w = { .mem_base = 0xc0000000, .mem_end = 0xfec00000, .io_base = 0xc000,
                                           .io_end = 0x10000 };
    enumerate(fx, &w);

    const struct pci_device *da = dev_at(fx->topo, 0, 3, 0), *db = dev_at(fx->topo, 0, 5, 0);
    assert_int_equal(sim_bar_addr(&s->fns[a], 0), 0xc000);
    assert_int_equal(sim_bar_addr(&s->fns[a], 1), 0xc0004000);
    assert_int_equal(sim_bar_addr(&s->fns[a], 4), 0xc0000000);
    for (unsigned k = 0; k < 6; k++) {
        assert_false(da->bars[k].assigned_by_us);
        if (db->bars[k].kind != PCI_BAR_NONE)
            assert_true(db->bars[k].assigned_by_us);
    }
    assert_int_not_equal(sim_bar_addr(&s->fns[b], 0), 0);
    check_layout(fx, &w);
    assert_int_equal(fx->topo->bars_assigned, 3);
    assert_int_equal(fx->topo->bars_unassigned, 0);
}

/* The firmware opened a root port's window low in the PCI hole and placed one BAR behind it;
 * the other BAR behind it and a device on the root bus are unassigned. The root-bus device must
 * not land in the bridge's window (it would be unreachable), and the child's BAR must land in it. */
static void test_enum_firmware_window_in_use(void **state)
{
    struct fixture *fx = *state;
    struct sim *s = fx->sim;
    struct q35 m = build_q35(s);
    struct sim_fn *pf = &s->fns[m.port];
    cfg_store(pf, PCI_BRIDGE_PRIMARY_BUS, 1, 0);
    cfg_store(pf, PCI_BRIDGE_SECONDARY_BUS, 1, 1);
    cfg_store(pf, PCI_BRIDGE_SUBORDINATE_BUS, 1, 1);
    cfg_store(pf, PCI_BRIDGE_MEM_BASE, 2, 0xc000); /* [0xc0000000, 0xc01fffff] */
    cfg_store(pf, PCI_BRIDGE_MEM_LIMIT, 2, 0xc010);
    cfg_store(pf, PCI_BRIDGE_IO_BASE, 1, 0xf0);
    cfg_store(pf, PCI_BRIDGE_IO_LIMIT, 1, 0x00);
    cfg_store(pf, PCI_BRIDGE_PREF_BASE, 2, 0xfff0);
    cfg_store(pf, PCI_BRIDGE_PREF_LIMIT, 2, 0x0000);
    sim_set_bar(s, m.hba2, 4, 0xc0000000); /* BAR1 of the child is left for us */
    const struct pci_resource_window w = { .mem_base = 0xc0000000, .mem_end = 0xfec00000, .io_base = 0xc000,
                                           .io_end = 0x10000 };
    enumerate(fx, &w);

    const struct range window = { 0xc0000000, 0xc01fffff };
    for (unsigned b = 0; b < 6; b++) {
        uint64_t size = dev_at(fx->topo, 0, 3, 0)->bars[b].size;
        if (dev_at(fx->topo, 0, 3, 0)->bars[b].kind == PCI_BAR_MEM32 || dev_at(fx->topo, 0, 3, 0)->bars[b].kind == PCI_BAR_MEM64)
            assert_false(overlaps(sim_bar_addr(&s->fns[m.hba], b), size, window.base, window.limit - window.base + 1));
    }
    uint64_t child_bar1 = sim_bar_addr(&s->fns[m.hba2], 1);
    assert_true(inside(child_bar1, 0x1000, window));
    assert_false(overlaps(child_bar1, 0x1000, 0xc0000000, 0x4000)); /* clear of the firmware's BAR4 */
    check_layout(fx, &w);
    assert_int_equal(fx->topo->bars_unassigned, 0);
}

/* Firmware numbered a root port 1..1; behind it sits a bridge it left alone. No bus number that
 * the root port routes is free, so that bridge stays unnumbered (counted), rather than being given
 * bus 2, which nothing would route to it. */
static void test_enum_no_bus_left_behind_firmware_bridge(void **state)
{
    struct fixture *fx = *state;
    struct sim *s = fx->sim;
    add_host_bridge(s);
    int port = add_root_port(s, -1, 4);
    int inner = add_pci_bridge(s, port, 0);
    add_virtio_scsi_modern(s, inner, 0);
    cfg_store(&s->fns[port], PCI_BRIDGE_PRIMARY_BUS, 1, 0);
    cfg_store(&s->fns[port], PCI_BRIDGE_SECONDARY_BUS, 1, 1);
    cfg_store(&s->fns[port], PCI_BRIDGE_SUBORDINATE_BUS, 1, 1);
    const struct pci_resource_window w = q35_window();
    enumerate(fx, &w);
    const struct pci_topology *t = fx->topo;
    assert_int_equal(t->count, 3); /* host bridge, root port, inner bridge; nothing behind it */
    assert_int_equal(t->buses_unassigned, 1);
    assert_int_equal(t->buses_assigned, 0);
    assert_int_equal(s->fns[inner].cfg[PCI_BRIDGE_SECONDARY_BUS], 0);
    assert_int_equal(s->fns[port].cfg[PCI_BRIDGE_SUBORDINATE_BUS], 1);
}

/* A bridge the firmware left alone comes first in the scan (dev 2); a root port the firmware
 * numbered 1..1 comes later (dev 4). Ours must get bus 2, not take the firmware's bus 1. */
static void test_enum_numbering_skips_firmware_buses(void **state)
{
    struct fixture *fx = *state;
    struct sim *s = fx->sim;
    add_host_bridge(s);
    int ours = add_pci_bridge(s, -1, 2);
    int fw = add_root_port(s, -1, 4);
    add_virtio_scsi_modern(s, ours, 0);
    add_virtio_scsi_modern(s, fw, 0);
    cfg_store(&s->fns[fw], PCI_BRIDGE_PRIMARY_BUS, 1, 0);
    cfg_store(&s->fns[fw], PCI_BRIDGE_SECONDARY_BUS, 1, 1);
    cfg_store(&s->fns[fw], PCI_BRIDGE_SUBORDINATE_BUS, 1, 1);
    const struct pci_resource_window w = q35_window();
    enumerate(fx, &w);
    const struct pci_topology *t = fx->topo;
    assert_int_equal(t->count, 5);
    assert_int_equal(s->fns[ours].cfg[PCI_BRIDGE_SECONDARY_BUS], 2);
    assert_int_equal(s->fns[ours].cfg[PCI_BRIDGE_SUBORDINATE_BUS], 2);
    assert_non_null(dev_at(t, 2, 0, 0));
    assert_non_null(dev_at(t, 1, 0, 0));
    check_layout(fx, &w);
}

/* A chain of 40 bridges: numbering stops at the depth limit (32) instead of recursing on. */
static void test_enum_deep_bridge_chain(void **state)
{
    struct fixture *fx = *state;
    struct sim *s = fx->sim;
    int parent = -1;
    for (int k = 0; k < 40; k++)
        parent = add_pci_bridge(s, parent, k == 0 ? 4 : 0);
    const struct pci_resource_window w = q35_window();
    enumerate(fx, &w);

    const struct pci_topology *t = fx->topo;
    assert_int_equal(t->count, 33); /* bridges on buses 0..32 */
    assert_int_equal(t->buses_assigned, 32);
    assert_int_equal(dev_at(t, 0, 4, 0)->subordinate_bus, 32);
    assert_int_equal(dev_at(t, 31, 0, 0)->secondary_bus, 32);
    const struct pci_device *last = dev_at(t, 32, 0, 0);
    assert_int_equal(last->secondary_bus, 0);
    assert_false(last->bus_numbers_by_us);
    for (int k = 0; k < 32; k++) {
        assert_int_equal(s->fns[k].cfg[PCI_BRIDGE_SECONDARY_BUS], k + 1);
        assert_int_equal(s->fns[k].cfg[PCI_BRIDGE_SUBORDINATE_BUS], 32);
    }
    assert_int_equal(s->fns[32].cfg[PCI_BRIDGE_SECONDARY_BUS], 0);
}

/* Only buses 0..1 exist: the second bridge is listed but left alone. */
static void test_enum_bus_numbers_run_out(void **state)
{
    struct fixture *fx = *state;
    struct sim *s = fx->sim;
    fx->cfg.bus_end = 1;
    add_host_bridge(s);
    int p1 = add_root_port(s, -1, 4), p2 = add_root_port(s, -1, 5);
    add_virtio_scsi_modern(s, p1, 0);
    add_virtio_scsi_modern(s, p2, 0);
    const struct pci_resource_window w = q35_window();
    enumerate(fx, &w);

    const struct pci_topology *t = fx->topo;
    assert_int_equal(t->count, 4);
    assert_int_equal(dev_at(t, 0, 4, 0)->secondary_bus, 1);
    const struct pci_device *b2 = dev_at(t, 0, 5, 0);
    assert_int_equal(b2->secondary_bus, 0);
    assert_false(b2->bus_numbers_by_us);
    assert_int_equal(s->fns[p2].cfg[PCI_BRIDGE_SECONDARY_BUS], 0);
    assert_int_equal(s->fns[p2].cfg[PCI_BRIDGE_SUBORDINATE_BUS], 0);
    assert_int_equal(command_of(s, p2), 0);
    dev_at(t, 1, 0, 0);
    check_layout(fx, &w);
    assert_int_equal(t->buses_assigned, 1);
}

/* ------------------------------------------------------------------------------------------ */
/* pci_capability_find, pci_class_name                                                        */
/* ------------------------------------------------------------------------------------------ */

static const uint8_t three_caps[][2] = {
    { 0x40, PCI_CAP_ID_VNDR }, { 0x50, PCI_CAP_ID_MSIX }, { 0x60, PCI_CAP_ID_VNDR },
};

static void test_capability_find(void **state)
{
    struct fixture *fx = *state;
    int f = add_virtio_scsi_modern(fx->sim, -1, 3);
    sim_caps(fx->sim, f, three_caps, 3);
    const struct pci_config_access *c = &fx->cfg;
    assert_int_equal(pci_capability_find(c, 0, 3, 0, PCI_CAP_ID_VNDR, 0), 0x40);
    assert_int_equal(pci_capability_find(c, 0, 3, 0, PCI_CAP_ID_VNDR, 0x40), 0x60);
    assert_int_equal(pci_capability_find(c, 0, 3, 0, PCI_CAP_ID_VNDR, 0x60), 0);
    assert_int_equal(pci_capability_find(c, 0, 3, 0, PCI_CAP_ID_MSIX, 0), 0x50);
    assert_int_equal(pci_capability_find(c, 0, 3, 0, PCI_CAP_ID_MSIX, 0x50), 0);
    assert_int_equal(pci_capability_find(c, 0, 3, 0, PCI_CAP_ID_PCIE, 0), 0);
    /* id 0: any capability, i.e. walk the list. */
    assert_int_equal(pci_capability_find(c, 0, 3, 0, 0, 0), 0x40);
    assert_int_equal(pci_capability_find(c, 0, 3, 0, 0, 0x40), 0x50);
    assert_int_equal(pci_capability_find(c, 0, 3, 0, 0, 0x50), 0x60);
    assert_int_equal(pci_capability_find(c, 0, 3, 0, 0, 0x60), 0);
    /* The reserved low two bits of a pointer are ignored. */
    cfg_put(&fx->sim->fns[f], PCI_CAP_PTR, 1, 0x43);
    assert_int_equal(pci_capability_find(c, 0, 3, 0, PCI_CAP_ID_MSIX, 0), 0x50);
    /* An absent function has no capabilities. */
    assert_int_equal(pci_capability_find(c, 0, 9, 0, PCI_CAP_ID_MSIX, 0), 0);
    assert_int_equal(fx->sim->bad_accesses, 0);
}

static void test_capability_list_bit_clear(void **state)
{
    struct fixture *fx = *state;
    int f = add_virtio_scsi_modern(fx->sim, -1, 3);
    sim_caps(fx->sim, f, three_caps, 3);
    cfg_put(&fx->sim->fns[f], PCI_STATUS, 2, 0); /* the pointer is there, the status bit is not */
    assert_int_equal(pci_capability_find(&fx->cfg, 0, 3, 0, PCI_CAP_ID_VNDR, 0), 0);
    assert_int_equal(pci_capability_find(&fx->cfg, 0, 3, 0, 0, 0), 0);
}

static void test_capability_list_loops(void **state)
{
    struct fixture *fx = *state;
    int f = add_virtio_scsi_modern(fx->sim, -1, 3);
    struct sim_fn *sf = &fx->sim->fns[f];
    sim_caps(fx->sim, f, three_caps, 1);
    cfg_put(sf, 0x41, 1, 0x40); /* points at itself */
    assert_int_equal(pci_capability_find(&fx->cfg, 0, 3, 0, PCI_CAP_ID_MSIX, 0), 0);
    assert_int_equal(pci_capability_find(&fx->cfg, 0, 3, 0, PCI_CAP_ID_VNDR, 0), 0x40);
    sim_caps(fx->sim, f, three_caps, 2);
    cfg_put(sf, 0x51, 1, 0x40); /* 0x40 -> 0x50 -> 0x40 ... */
    assert_int_equal(pci_capability_find(&fx->cfg, 0, 3, 0, PCI_CAP_ID_PM, 0), 0);
    assert_int_equal(pci_capability_find(&fx->cfg, 0, 3, 0, PCI_CAP_ID_MSIX, 0x50), 0x50);
    /* Enumeration over a looping list stays bounded too. */
    const struct pci_resource_window w = q35_window();
    enumerate(fx, &w);
    const struct pci_device *d = dev_at(fx->topo, 0, 3, 0);
    assert_true(d->cap_count >= 2 && d->cap_count <= PCI_MAX_CAPS);
    assert_int_equal(d->cap_offsets[0], 0x40);
    assert_int_equal(d->cap_offsets[1], 0x50);
}

static void test_capability_pointer_into_header(void **state)
{
    struct fixture *fx = *state;
    int f = add_virtio_scsi_modern(fx->sim, -1, 3);
    struct sim_fn *sf = &fx->sim->fns[f];
    sim_caps(fx->sim, f, three_caps, 1);
    /* 0x40 -> 0x10 (the BARs): the walk ends, even though byte 0x10 would read as a match. */
    cfg_put(sf, 0x41, 1, 0x10);
    cfg_put(sf, 0x10, 1, PCI_CAP_ID_MSIX);
    assert_int_equal(pci_capability_find(&fx->cfg, 0, 3, 0, PCI_CAP_ID_MSIX, 0), 0);
    assert_int_equal(pci_capability_find(&fx->cfg, 0, 3, 0, 0, 0x40), 0);
    /* A first pointer into the header: no capabilities at all. */
    cfg_put(sf, PCI_CAP_PTR, 1, 0x3c);
    assert_int_equal(pci_capability_find(&fx->cfg, 0, 3, 0, 0, 0), 0);
    cfg_put(sf, PCI_CAP_PTR, 1, 0x00);
    assert_int_equal(pci_capability_find(&fx->cfg, 0, 3, 0, 0, 0), 0);
}

static void test_class_name(void **state)
{
    (void)state;
    assert_string_equal(pci_class_name(0x01, 0x00), "SCSI storage controller");
    assert_string_equal(pci_class_name(0x06, 0x04), "PCI bridge");
    assert_string_equal(pci_class_name(0x06, 0x00), "host bridge");
    assert_null(pci_class_name(0x01, 0x05));
    assert_null(pci_class_name(0xff, 0x00));
}

#define ENUM_TEST(t) cmocka_unit_test_setup_teardown(t, fixture_setup, fixture_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bar_decode_io),
        cmocka_unit_test(test_bar_decode_io_16bit),
        cmocka_unit_test(test_bar_decode_mem32),
        cmocka_unit_test(test_bar_decode_mem64_prefetchable),
        cmocka_unit_test(test_bar_decode_mem64_huge),
        cmocka_unit_test(test_bar_decode_unimplemented),
        cmocka_unit_test(test_bar_decode_garbage),
        cmocka_unit_test(test_bar_decode_unassigned),
        cmocka_unit_test(test_range_alloc_aligns),
        cmocka_unit_test(test_range_alloc_skips_used),
        cmocka_unit_test(test_range_alloc_no_room),
        cmocka_unit_test(test_range_alloc_overflow),
        cmocka_unit_test(test_range_alloc_bad_arguments),
        ENUM_TEST(test_enum_qboot_like),
        ENUM_TEST(test_enum_seabios_like),
        ENUM_TEST(test_enum_no_io_space),
        ENUM_TEST(test_enum_multifunction),
        ENUM_TEST(test_enum_bridge_pointing_back),
        ENUM_TEST(test_enum_duplicate_secondary_bus),
        ENUM_TEST(test_enum_window_too_small),
        ENUM_TEST(test_enum_nested_bridges),
        ENUM_TEST(test_enum_large_bar_behind_bridge),
        ENUM_TEST(test_enum_tight_window),
        ENUM_TEST(test_enum_huge_bar),
        ENUM_TEST(test_enum_partly_assigned),
        ENUM_TEST(test_enum_firmware_window_in_use),
        ENUM_TEST(test_enum_no_bus_left_behind_firmware_bridge),
        ENUM_TEST(test_enum_numbering_skips_firmware_buses),
        ENUM_TEST(test_enum_deep_bridge_chain),
        ENUM_TEST(test_enum_bus_numbers_run_out),
        ENUM_TEST(test_capability_find),
        ENUM_TEST(test_capability_list_bit_clear),
        ENUM_TEST(test_capability_list_loops),
        ENUM_TEST(test_capability_pointer_into_header),
        cmocka_unit_test(test_class_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
