/* Split virtqueues (drivers/virtio/virtqueue.c) driven against a simulated device. */
#include <stdlib.h>
#include <string.h>

#include "drivers/virtio/virtqueue.h"
#include "test_support.h"

/*
 * ---- The simulated device ----
 * Written from the virtio 1.2 split-ring layout (2.7, legacy layout with the used ring aligned
 * to 4096), not from the driver: it finds the rings by its own offsets and reads and writes them
 * as little-endian bytes, keeps its own last_avail and used indexes, and checks what a device
 * would trip over (a descriptor handed out twice, readable after writable, a loop). Descriptor
 * addresses are host pointers: the tests pass phys == (uintptr_t)mem and real buffers.
 */
enum { SIM_F_NEXT = 1, SIM_F_WRITE = 2, SIM_MAX_CHAIN = 40 };

struct sim_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags, next;
};
_Static_assert(sizeof(struct sim_desc) == 16, "2.7.5: a descriptor is 16 bytes");

struct sim_chain { /* a chain the device has taken from the avail ring and not completed yet */
    uint16_t head, n;
    uint16_t idx[SIM_MAX_CHAIN]; /* descriptor numbers, in chain order */
    struct sim_desc d[SIM_MAX_CHAIN];
    uint64_t writable; /* 64-bit: the device must not wrap a huge chain's total */
};

struct sim {
    uint8_t *mem;
    uint16_t size;
    bool event_idx;
    size_t avail_off, used_off;
    uint16_t last_avail;         /* next avail ring entry the device reads */
    uint16_t used, used_pub;     /* used idx written so far / last published */
    bool asleep;                 /* consumed all it saw and waits for a notification */
    struct sim_chain *chains;    /* taken, not completed, in avail order */
    unsigned n_chains;
    bool *owned;                 /* descriptors the device holds now */
    unsigned kicks_needed, kicks_got, kicks_spurious, irqs;
    unsigned kicks_suppressed; /* decisions on new chains that sent no notification */
};

static uint16_t rd16(const struct sim *s, size_t off) { uint16_t v; memcpy(&v, s->mem + off, 2); return v; }
static void wr16(struct sim *s, size_t off, uint16_t v) { memcpy(s->mem + off, &v, 2); }
static void wr32(struct sim *s, size_t off, uint32_t v) { memcpy(s->mem + off, &v, 4); }

/* Offsets inside the ring memory (2.7.2): avail = flags, idx, ring[size], used_event; used =
 * flags, idx, ring[size] of {id, len}, avail_event. */
static size_t sim_avail_idx_off(const struct sim *s) { return s->avail_off + 2; }
static size_t sim_used_event_off(const struct sim *s) { return s->avail_off + 4 + 2 * (size_t)s->size; }
static size_t sim_avail_event_off(const struct sim *s) { return s->used_off + 4 + 8 * (size_t)s->size; }
static uint16_t sim_avail_idx(const struct sim *s) { return rd16(s, sim_avail_idx_off(s)); }
static uint16_t sim_used_event(const struct sim *s) { return rd16(s, sim_used_event_off(s)); }
static uint16_t sim_avail_event(const struct sim *s) { return rd16(s, sim_avail_event_off(s)); }

static void sim_init(struct sim *s, void *mem, uint16_t size, bool event_idx)
{
    memset(s, 0, sizeof *s);
    s->mem = mem;
    s->size = size;
    s->event_idx = event_idx;
    s->avail_off = 16 * (size_t)size;
    s->used_off = (16 * (size_t)size + 6 + 2 * (size_t)size + 4095) & ~(size_t)4095;
    s->asleep = true; /* a fresh device waits for the first notification */
    s->chains = calloc(size, sizeof *s->chains);
    s->owned = calloc(size, sizeof *s->owned);
    assert_non_null(s->chains);
    assert_non_null(s->owned);
}

static void sim_free(struct sim *s)
{
    free(s->chains);
    free(s->owned);
}

/* Without EVENT_IDX the device says whether it wants notifications through the used flags. */
static void sim_set_busy_flag(struct sim *s, bool busy) { wr16(s, s->used_off, busy ? 1 : 0); }

/* Take up to max chains from the avail ring. A device that empties the ring goes to sleep; one
 * stopped by max stays busy and will look again without being told. */
static unsigned sim_consume(struct sim *s, unsigned max)
{
    uint16_t avail = sim_avail_idx(s);
    __atomic_thread_fence(__ATOMIC_ACQUIRE); /* the idx before the entries it covers */
    /* The driver can never have more than size chains outstanding. */
    assert_true((uint16_t)(avail - s->last_avail) <= s->size);
    unsigned got = 0;
    while (got < max && s->last_avail != avail) {
        assert_true(s->n_chains < s->size);
        struct sim_chain *c = &s->chains[s->n_chains];
        memset(c, 0, sizeof *c);
        c->head = rd16(s, s->avail_off + 4 + 2 * (size_t)(s->last_avail & (s->size - 1)));
        uint16_t d = c->head;
        bool seen_write = false;
        for (;;) {
            assert_true(d < s->size);
            assert_false(s->owned[d]); /* handed out twice, or a loop in the chain */
            assert_true(c->n < SIM_MAX_CHAIN);
            struct sim_desc x;
            memcpy(&x, s->mem + 16 * (size_t)d, sizeof x);
            s->owned[d] = true;
            c->idx[c->n] = d;
            c->d[c->n++] = x;
            if (x.flags & SIM_F_WRITE) {
                seen_write = true;
                c->writable += x.len;
            } else {
                assert_false(seen_write); /* 2.7.4.2: readable buffers come first */
            }
            if (!(x.flags & SIM_F_NEXT))
                break;
            d = x.next;
        }
        s->n_chains++;
        s->last_avail++;
        got++;
        /* What QEMU does on each pop: ask to be notified once the entry after those seen is added. */
        if (s->event_idx)
            wr16(s, sim_avail_event_off(s), s->last_avail);
    }
    s->asleep = s->last_avail == avail;
    if (!s->event_idx)
        sim_set_busy_flag(s, !s->asleep);
    return got;
}

/* Write len bytes of a pattern (seed + i) across the chain's device-writable buffers. */
static void sim_write(const struct sim_chain *c, uint32_t len, uint8_t seed)
{
    assert_true(len <= c->writable);
    uint32_t done = 0;
    for (unsigned i = 0; i < c->n && done < len; i++) {
        if (!(c->d[i].flags & SIM_F_WRITE))
            continue;
        uint8_t *p = (uint8_t *)(uintptr_t)c->d[i].addr;
        for (uint32_t j = 0; j < c->d[i].len && done < len; j++, done++)
            p[j] = (uint8_t)(seed + done);
    }
}

/* Write one used entry (unpublished). Raw: the hostile-device tests use it to lie. */
static void sim_push_used(struct sim *s, uint32_t id, uint32_t len)
{
    size_t e = s->used_off + 4 + 8 * (size_t)(s->used & (s->size - 1));
    wr32(s, e, id);
    wr32(s, e + 4, len);
    s->used++;
}

/* Complete the k-th chain still held (in avail order) with len bytes written. */
static void sim_complete(struct sim *s, unsigned k, uint32_t len)
{
    assert_true(k < s->n_chains);
    struct sim_chain *c = &s->chains[k];
    sim_push_used(s, c->head, len);
    for (unsigned i = 0; i < c->n; i++)
        s->owned[c->idx[i]] = false;
    memmove(c, c + 1, (s->n_chains - k - 1) * sizeof *c);
    s->n_chains--;
}

/* Publish the used idx and count the interrupts the driver's suppression state would have asked
 * for (2.7.7.2: the vring_need_event test on used_event, or the NO_INTERRUPT flag). */
static void sim_publish(struct sim *s)
{
    __atomic_thread_fence(__ATOMIC_RELEASE); /* the entries before the idx */
    uint16_t old = s->used_pub;
    wr16(s, s->used_off + 2, s->used);
    s->used_pub = s->used;
    if (old == s->used)
        return;
    if (s->event_idx) {
        uint16_t ev = sim_used_event(s);
        if ((uint16_t)(s->used - ev - 1) < (uint16_t)(s->used - old))
            s->irqs++;
    } else if (!(rd16(s, s->avail_off) & VRING_AVAIL_F_NO_INTERRUPT)) {
        s->irqs++;
    }
}

/* The driver's kick decision, judged by the device: a sleeping device with new chains must be
 * notified (a lost wakeup hangs a real device); a notification to a busy device is waste. */
static bool kick(struct virtq *vq, struct sim *s)
{
    uint16_t decided = vq->kicked_avail;
    bool k = virtq_kick_prepare(vq);
    if (!k && vq->kicked_avail != decided)
        s->kicks_suppressed++;
    bool needed = s->asleep && sim_avail_idx(s) != s->last_avail;
    if (needed) {
        s->kicks_needed++;
        assert_true(k);
    }
    if (k) {
        s->kicks_got++;
        if (!needed)
            s->kicks_spurious++;
        s->asleep = false;
    }
    return k;
}

/* ---- Fixture: a queue over zeroed, aligned ring memory plus its device ---- */
struct fx {
    struct virtq vq;
    void *mem;
    struct sim s;
};

static void fx_init(struct fx *f, uint16_t size, bool event_idx)
{
    size_t bytes = virtq_ring_bytes(size);
    f->mem = aligned_alloc(4096, bytes);
    assert_non_null(f->mem);
    memset(f->mem, 0, bytes);
    assert_int_equal(virtq_init(&f->vq, 2, size, f->mem, (uintptr_t)f->mem, event_idx), 0);
    sim_init(&f->s, f->mem, size, event_idx);
}

static void fx_free(struct fx *f)
{
    virtq_destroy(&f->vq);
    sim_free(&f->s);
    free(f->mem);
}

static struct virtq_buf rbuf(const void *p, uint32_t len) { return (struct virtq_buf){ (uintptr_t)p, len, false }; }
static struct virtq_buf wbuf(void *p, uint32_t len) { return (struct virtq_buf){ (uintptr_t)p, len, true }; }

/* ---- 1. init and layout ---- */

static void test_init_layout(void **state)
{
    (void)state;
    /* 2.7.2 legacy sizes: align4096(16q + 6 + 2q) + align4096(6 + 8q). */
    assert_int_equal(virtq_ring_bytes(8), 4096 + 4096);
    assert_int_equal(virtq_ring_bytes(256), 8192 + 4096);
    assert_int_equal(virtq_ring_bytes(32768), 593920 + 266240);

    struct virtq vq;
    static uint8_t dummy[8192] __attribute__((aligned(4096)));
    const uint16_t bad[] = { 0, 3, 6, 100, 255, 257, 32769, 65535 };
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(virtq_init(&vq, 0, bad[i], dummy, 0x100000, true), -1);

    const uint16_t sizes[] = { 1, 8, 256, 32768 };
    for (unsigned i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        for (int ev = 0; ev < 2; ev++) {
            uint16_t q = sizes[i];
            size_t bytes = virtq_ring_bytes(q);
            uint8_t *mem = aligned_alloc(4096, bytes);
            assert_non_null(mem);
            memset(mem, 0, bytes);
            const uint64_t phys = 0x40000000; /* not the host address: phys arithmetic is separate */
            assert_int_equal(virtq_init(&vq, 3, q, mem, phys, ev), 0);
            size_t used = (16 * (size_t)q + 6 + 2 * (size_t)q + 4095) & ~(size_t)4095;
            assert_int_equal(vq.size, q);
            assert_int_equal(vq.index, 3);
            assert_int_equal(vq.num_free, q);
            assert_int_equal(virtq_in_flight_descs(&vq), 0);
            assert_int_equal(vq.desc_phys, phys);
            assert_int_equal(vq.avail_phys, phys + 16 * (uint64_t)q);
            assert_int_equal(vq.used_phys, phys + used);
            assert_int_equal(vq.used_phys % 4096, 0);
            assert_true(used + 6 + 8 * (size_t)q <= bytes);
            assert_ptr_equal(vq.desc, mem);
            assert_ptr_equal(vq.avail_flags, mem + 16 * q);
            assert_ptr_equal(vq.avail_idx, mem + 16 * q + 2);
            assert_ptr_equal(vq.avail_ring, mem + 16 * q + 4);
            assert_ptr_equal(vq.used_event, mem + 16 * q + 4 + 2 * q);
            assert_ptr_equal(vq.used_flags, mem + used);
            assert_ptr_equal(vq.used_idx, mem + used + 2);
            assert_ptr_equal(vq.used_ring, mem + used + 4);
            assert_ptr_equal(vq.avail_event, mem + used + 4 + 8 * (size_t)q);
            /* We poll: no used-buffer notifications. With EVENT_IDX the flags must be 0 (2.7.7.1)
             * and used_event sits behind the used idx, at 0xffff. */
            uint16_t flags, uev;
            memcpy(&flags, mem + 16 * q, 2);
            memcpy(&uev, mem + 16 * q + 4 + 2 * q, 2);
            assert_int_equal(flags, ev ? 0 : VRING_AVAIL_F_NO_INTERRUPT);
            if (ev)
                assert_int_equal(uev, 0xffff);
            virtq_destroy(&vq);
            free(mem);
        }
    }
}

/* The used ring apart from the rest (the guard build's, on the modern interface): the pointers and
 * the address the device is given move, and a completion written there is reaped. */
static void test_used_ring_placed_apart(void **state)
{
    (void)state;
    const uint16_t q = 8;
    size_t bytes = virtq_ring_bytes(q);
    uint8_t *mem = aligned_alloc(4096, bytes);
    assert_non_null(mem);
    memset(mem, 0, bytes);
    assert_int_equal(virtq_used_bytes(q), 6 + 8 * (size_t)q);
    uint8_t used[6 + 8 * 8 + 2] __attribute__((aligned(4)));
    memset(used, 0, sizeof used);
    struct virtq vq;
    assert_int_equal(virtq_init(&vq, 2, q, mem, 0x40000000, true), 0);
    virtq_place_used(&vq, used, 0x50000004);
    assert_int_equal(vq.used_phys, 0x50000004);
    assert_int_equal(vq.desc_phys, 0x40000000);
    assert_ptr_equal(vq.used_flags, used);
    assert_ptr_equal(vq.used_idx, used + 2);
    assert_ptr_equal(vq.used_ring, used + 4);
    assert_ptr_equal(vq.avail_event, used + 4 + 8 * (size_t)q);

    uint8_t resp[32];
    int cookie;
    struct virtq_buf b = { (uintptr_t)resp, sizeof resp, true };
    assert_int_equal(virtq_add(&vq, &b, 1, &cookie), 0);
    uint16_t head;
    memcpy(&head, mem + 16 * q + 4, 2); /* avail ring entry 0 */
    struct vring_used_elem e = { head, 20 };
    memcpy(used + 4, &e, sizeof e);
    uint16_t idx = 1;
    memcpy(used + 2, &idx, 2);
    struct virtq_completion c[2];
    char err[160];
    assert_int_equal(virtq_reap(&vq, c, 2, err, sizeof err), 1);
    assert_ptr_equal(c[0].cookie, &cookie);
    assert_int_equal(c[0].len, 20);
    assert_int_equal(virtq_in_flight_descs(&vq), 0);
    /* Nothing was written where the contiguous layout's used ring would be. */
    size_t off = (16 * (size_t)q + 6 + 2 * (size_t)q + 4095) & ~(size_t)4095;
    for (size_t i = off; i < bytes; i++)
        assert_int_equal(mem[i], 0);
    virtq_destroy(&vq);
    free(mem);
}

/* ---- 2. one request round trip ---- */

static void test_add_consume_reap(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, 8, true);
    uint8_t hdr[19], data[512], resp[96];
    memset(hdr, 0xa5, sizeof hdr);
    memset(resp, 0, sizeof resp);
    int cookie;
    const struct virtq_buf bufs[] = { rbuf(hdr, sizeof hdr), rbuf(data, sizeof data), wbuf(resp, sizeof resp) };
    assert_int_equal(virtq_add(&f.vq, bufs, 3, &cookie), 0);
    assert_int_equal(f.vq.num_free, 5);
    assert_int_equal(virtq_in_flight_descs(&f.vq), 3);
    assert_int_equal(sim_avail_idx(&f.s), 1);
    assert_true(kick(&f.vq, &f.s));
    assert_int_equal(f.s.kicks_got, 1);

    assert_int_equal(sim_consume(&f.s, 8), 1);
    const struct sim_chain *c = &f.s.chains[0];
    assert_int_equal(c->n, 3);
    assert_int_equal(c->d[0].addr, (uintptr_t)hdr);
    assert_int_equal(c->d[0].len, sizeof hdr);
    assert_int_equal(c->d[0].flags, SIM_F_NEXT);
    assert_int_equal(c->d[1].addr, (uintptr_t)data);
    assert_int_equal(c->d[1].len, sizeof data);
    assert_int_equal(c->d[1].flags, SIM_F_NEXT);
    assert_int_equal(c->d[2].addr, (uintptr_t)resp);
    assert_int_equal(c->d[2].len, sizeof resp);
    assert_int_equal(c->d[2].flags, SIM_F_WRITE);
    assert_int_equal(c->writable, sizeof resp);
    assert_true(c->idx[0] != c->idx[1] && c->idx[1] != c->idx[2] && c->idx[0] != c->idx[2]);

    /* Nothing is reaped before the device publishes. */
    struct virtq_completion out[4];
    char err[160] = "";
    assert_int_equal(virtq_reap(&f.vq, out, 4, err, sizeof err), 0);

    sim_write(c, 40, 0x30);
    sim_complete(&f.s, 0, 40);
    sim_publish(&f.s);
    assert_int_equal(virtq_reap(&f.vq, out, 4, err, sizeof err), 1);
    assert_ptr_equal(out[0].cookie, &cookie);
    assert_int_equal(out[0].len, 40);
    for (unsigned i = 0; i < sizeof resp; i++)
        assert_int_equal(resp[i], i < 40 ? (uint8_t)(0x30 + i) : 0);
    assert_int_equal(f.vq.num_free, 8);
    assert_int_equal(sim_avail_idx(&f.s), 1);
    assert_int_equal(f.vq.last_used, 1);
    assert_int_equal(virtq_reap(&f.vq, out, 4, err, sizeof err), 0);
    assert_int_equal(f.s.irqs, 0);

    /* The descriptors really are free again: a chain using all eight goes on. */
    struct virtq_buf all[8];
    for (unsigned i = 0; i < 8; i++)
        all[i] = i < 5 ? rbuf(data + 64 * i, 64) : wbuf(resp + 32 * (i - 5), 32);
    assert_int_equal(virtq_add(&f.vq, all, 8, &cookie), 0);
    assert_int_equal(f.vq.num_free, 0);
    assert_true(kick(&f.vq, &f.s));
    assert_int_equal(sim_consume(&f.s, 8), 1);
    assert_int_equal(f.s.chains[0].n, 8);
    assert_int_equal(f.s.chains[0].writable, 96);
    sim_complete(&f.s, 0, 96);
    sim_publish(&f.s);
    assert_int_equal(virtq_reap(&f.vq, out, 4, err, sizeof err), 1);
    assert_int_equal(out[0].len, 96);
    assert_int_equal(f.vq.num_free, 8);
    fx_free(&f);
}

/* A device that rewrites the descriptor table (addresses, lengths, flags and links inverted)
 * before completing each chain: the driver walks its own copy, so the free list stays whole and
 * every later chain goes out as posted (the sim's walk asserts no descriptor is handed out twice
 * and no chain loops). */
static void test_rewritten_descriptors_are_not_trusted(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, 8, false);
    uint8_t hdr[19], data[256], resp[96];
    struct virtq_completion out[8];
    char err[160] = "";
    int cookies[3];
    for (unsigned round = 0; round < 100; round++) {
        unsigned n = 1 + round % 3; /* chains of 3, 2 and 1 descriptors, so links cross */
        for (unsigned k = 0; k < 2; k++) {
            struct virtq_buf bufs[3] = { rbuf(hdr, sizeof hdr), rbuf(data, sizeof data), wbuf(resp, sizeof resp) };
            assert_int_equal(virtq_add(&f.vq, bufs + 3 - n, n, &cookies[k]), 0);
        }
        kick(&f.vq, &f.s);
        assert_int_equal(sim_consume(&f.s, 8), 2);
        for (unsigned k = 0; k < 2; k++) {
            const struct sim_chain *c = &f.s.chains[k];
            assert_int_equal(c->n, n);
            assert_int_equal(c->d[n - 1].addr, (uintptr_t)resp); /* as posted, whatever was there */
            assert_int_equal(c->d[n - 1].len, sizeof resp);
            for (unsigned i = 0; i < c->n; i++) {
                struct sim_desc *d = (struct sim_desc *)(void *)(f.s.mem + 16 * (size_t)c->idx[i]);
                d->addr = ~d->addr;
                d->len = ~d->len;
                d->flags ^= SIM_F_NEXT | SIM_F_WRITE;
                d->next = (uint16_t)~d->next;
            }
        }
        sim_complete(&f.s, 0, 8);
        sim_complete(&f.s, 0, 8);
        sim_publish(&f.s);
        assert_int_equal(virtq_reap(&f.vq, out, 8, err, sizeof err), 2);
        assert_ptr_equal(out[0].cookie, &cookies[0]);
        assert_ptr_equal(out[1].cookie, &cookies[1]);
        assert_int_equal(f.vq.num_free, 8);
    }
    fx_free(&f);
}

/* ---- 3. filling the queue, malformed chains ---- */

static void test_fill_and_malformed(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, 16, true);
    static uint8_t buf[16][64];
    struct virtq_buf b[17];
    for (unsigned i = 0; i < 17; i++)
        b[i] = i == 0 ? rbuf(buf[0], 16) : wbuf(buf[i & 15], 64);
    int cookies[16];

    /* Chains of 3, 1, 2, 4, 3, 2 take 15 descriptors; a 3 then no longer fits, a 1 does. */
    const unsigned lens[] = { 3, 1, 2, 4, 3, 2 };
    unsigned used = 0;
    for (unsigned i = 0; i < 6; i++) {
        assert_int_equal(virtq_add(&f.vq, b, lens[i], &cookies[i]), 0);
        used += lens[i];
        assert_int_equal(f.vq.num_free, 16 - used);
    }
    uint16_t avail = sim_avail_idx(&f.s);
    assert_int_equal(avail, 6);
    assert_int_equal(virtq_add(&f.vq, b, 3, &cookies[6]), -1);
    assert_int_equal(virtq_add(&f.vq, b, 2, &cookies[6]), -1);
    assert_int_equal(f.vq.num_free, 1);
    assert_int_equal(sim_avail_idx(&f.s), 6); /* a refused chain publishes nothing */
    assert_int_equal(virtq_add(&f.vq, b, 1, &cookies[6]), 0);
    assert_int_equal(f.vq.num_free, 0);
    assert_int_equal(virtq_add(&f.vq, b, 1, &cookies[7]), -1);
    assert_int_equal(sim_avail_idx(&f.s), 7);

    /* Malformed chains are -2 even on a full queue, and change nothing. */
    assert_int_equal(virtq_add(&f.vq, b, 0, &cookies[7]), -2);
    struct virtq_buf zero[2] = { rbuf(buf[0], 16), wbuf(buf[1], 0) };
    assert_int_equal(virtq_add(&f.vq, zero, 2, &cookies[7]), -2);

    /* The device gets seven chains over sixteen distinct descriptors (sim_consume checks). */
    assert_true(kick(&f.vq, &f.s));
    assert_int_equal(sim_consume(&f.s, 100), 7);
    unsigned total = 0;
    for (unsigned i = 0; i < 7; i++) {
        total += f.s.chains[i].n;
        assert_int_equal(f.s.chains[i].n, i < 6 ? lens[i] : 1);
        assert_int_equal(f.s.chains[i].writable, 64 * (f.s.chains[i].n - 1));
    }
    assert_int_equal(total, 16);
    /* All complete at once: the used idx is exactly as many ahead as there are chains. */
    for (unsigned i = 0; i < 7; i++)
        sim_complete(&f.s, 0, (uint32_t)f.s.chains[0].writable);
    sim_publish(&f.s);
    struct virtq_completion out[16];
    char err[160] = "";
    assert_int_equal(virtq_reap(&f.vq, out, 16, err, sizeof err), 7);
    for (unsigned i = 0; i < 7; i++) {
        assert_ptr_equal(out[i].cookie, &cookies[i]);
        assert_int_equal(out[i].len, 64 * ((i < 6 ? lens[i] : 1) - 1));
    }
    assert_int_equal(f.vq.num_free, 16);

    /* One chain can take the whole queue; one more descriptor than the queue has is malformed. */
    assert_int_equal(virtq_add(&f.vq, b, 17, &cookies[0]), -2);
    assert_int_equal(virtq_add(&f.vq, b, 16, &cookies[0]), 0);
    assert_int_equal(f.vq.num_free, 0);
    assert_true(kick(&f.vq, &f.s));
    assert_int_equal(sim_consume(&f.s, 100), 1);
    assert_int_equal(f.s.chains[0].n, 16);
    sim_complete(&f.s, 0, 15 * 64);
    sim_publish(&f.s);
    assert_int_equal(virtq_reap(&f.vq, out, 16, err, sizeof err), 1);
    assert_int_equal(out[0].len, 15 * 64);

    /* Malformed on an empty queue: zero length anywhere, readable after writable, n > size. */
    uint16_t before_avail = sim_avail_idx(&f.s);
    struct virtq_buf z0[3] = { rbuf(buf[0], 0), rbuf(buf[1], 8), wbuf(buf[2], 8) };
    struct virtq_buf z1[3] = { rbuf(buf[0], 8), rbuf(buf[1], 0), wbuf(buf[2], 8) };
    struct virtq_buf rw[3] = { rbuf(buf[0], 8), wbuf(buf[1], 8), rbuf(buf[2], 8) };
    struct virtq_buf wr_only[2] = { wbuf(buf[1], 8), wbuf(buf[2], 8) };
    assert_int_equal(virtq_add(&f.vq, z0, 3, NULL), -2);
    assert_int_equal(virtq_add(&f.vq, z1, 3, NULL), -2);
    assert_int_equal(virtq_add(&f.vq, rw, 3, NULL), -2);
    assert_int_equal(virtq_add(&f.vq, rw, 0, NULL), -2);
    assert_int_equal(f.vq.num_free, 16);
    assert_int_equal(sim_avail_idx(&f.s), before_avail);
    /* Writable-only and readable-only chains are fine. */
    assert_int_equal(virtq_add(&f.vq, wr_only, 2, &cookies[1]), 0);
    assert_int_equal(virtq_add(&f.vq, rw, 2, &cookies[2]), 0);
    assert_int_equal(virtq_add(&f.vq, rw, 1, &cookies[3]), 0);
    assert_int_equal(f.vq.num_free, 11);
    fx_free(&f);
}

/* ---- 4. many cycles: the 16-bit indexes wrap several times ---- */

struct req {
    uint32_t serial;
    bool in_flight;
    unsigned ndesc;
    uint32_t writable;
    uint8_t hdr[16];
    uint8_t data[48];
    uint8_t resp[48]; /* two device-writable buffers of 24, back to back */
};

static uint32_t rng_state = 12345;
static uint32_t rnd(uint32_t n) /* xorshift32, 0..n-1 */
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state % n;
}

/* What the device writes for a chain: derived from the serial in its header. */
static uint32_t dev_len(uint32_t serial, uint64_t writable) { return writable ? (uint32_t)(serial % writable) + 1 : 0; }

static void run_wrap(bool event_idx)
{
    enum { Q = 8, CHAINS = 3 * 65536 + 7000 };
    struct fx f;
    fx_init(&f, Q, event_idx);
    static struct req reqs[Q];
    memset(reqs, 0, sizeof reqs);
    uint32_t serial = 0, reaped = 0;
    unsigned descs_out = 0;
    char err[160] = "";
    struct virtq_completion out[Q];

    while (reaped < CHAINS) {
        /* Driver: add a batch of 0..4 chains of 1..4 descriptors, then decide the kick. */
        unsigned batch = rnd(5);
        for (unsigned k = 0; k < batch && serial < CHAINS; k++) {
            struct req *r = NULL;
            for (unsigned i = 0; i < Q && r == NULL; i++)
                if (!reqs[i].in_flight)
                    r = &reqs[i];
            if (r == NULL)
                break;
            unsigned nr = 1 + rnd(2), nw = rnd(3);
            struct virtq_buf b[4];
            unsigned n = 0;
            b[n++] = rbuf(r->hdr, sizeof r->hdr);
            if (nr == 2)
                b[n++] = rbuf(r->data, sizeof r->data);
            for (unsigned w = 0; w < nw; w++)
                b[n++] = wbuf(r->resp + 24 * w, 24);
            int rc = virtq_add(&f.vq, b, n, r);
            if (n > Q - descs_out) {
                assert_int_equal(rc, -1);
                break;
            }
            assert_int_equal(rc, 0);
            r->serial = serial++;
            memcpy(r->hdr, &r->serial, 4);
            r->in_flight = true;
            r->ndesc = n;
            r->writable = nw * 24;
            memset(r->resp, 0, sizeof r->resp);
            descs_out += n;
            assert_int_equal(f.vq.num_free, Q - descs_out);
        }
        kick(&f.vq, &f.s);

        /* Device: take some or all, complete some in random order, maybe publish. */
        sim_consume(&f.s, rnd(3) == 0 ? 1 + rnd(Q) : Q);
        unsigned ncomp = f.s.n_chains ? rnd(f.s.n_chains + 1) : 0;
        for (unsigned k = 0; k < ncomp; k++) {
            unsigned pick = rnd(f.s.n_chains);
            const struct sim_chain *c = &f.s.chains[pick];
            uint32_t ser;
            memcpy(&ser, (const void *)(uintptr_t)c->d[0].addr, 4);
            uint32_t len = dev_len(ser, c->writable);
            sim_write(c, len, (uint8_t)ser);
            sim_complete(&f.s, pick, len);
        }
        if (rnd(4) != 0)
            sim_publish(&f.s);

        /* Driver: reap up to a random max; every cookie is a chain in flight with its length. */
        int got = virtq_reap(&f.vq, out, 1 + rnd(Q), err, sizeof err);
        assert_true(got >= 0);
        for (int i = 0; i < got; i++) {
            struct req *r = out[i].cookie;
            assert_true(r >= reqs && r < reqs + Q);
            assert_true(r->in_flight);
            assert_int_equal(out[i].len, dev_len(r->serial, r->writable));
            for (uint32_t j = 0; j < out[i].len; j++)
                assert_int_equal(r->resp[j], (uint8_t)(r->serial + j));
            r->in_flight = false;
            descs_out -= r->ndesc;
            reaped++;
        }
        assert_int_equal(f.vq.num_free, Q - descs_out);
        if (event_idx) /* used_event stays one behind what we reaped */
            assert_int_equal(sim_used_event(&f.s), (uint16_t)(f.vq.last_used - 1));
    }
    assert_int_equal(serial, CHAINS);
    assert_int_equal(f.vq.last_used, (uint16_t)CHAINS);
    assert_int_equal(sim_avail_idx(&f.s), (uint16_t)CHAINS);
    assert_int_equal(f.s.used, (uint16_t)CHAINS);
    assert_int_equal(f.s.last_avail, (uint16_t)CHAINS);
    assert_int_equal(f.vq.num_free, Q);
    /* Every notification was needed and none was missed (kick() asserts the latter). */
    assert_int_equal(f.s.kicks_spurious, 0);
    assert_int_equal(f.s.kicks_got, f.s.kicks_needed);
    assert_true(f.s.kicks_suppressed > 0);
    assert_int_equal(f.s.irqs, 0); /* the device never had to interrupt us */
    fx_free(&f);
}

static void test_wrap_event_idx(void **state) { (void)state; run_wrap(true); }
static void test_wrap_no_event_idx(void **state) { (void)state; run_wrap(false); }

/* ---- 5. batched, out-of-order completion ---- */

static void test_out_of_order_batches(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, 16, true);
    static uint8_t hdr[8][16], resp[8][32];
    int tag[12];
    for (unsigned i = 0; i < 8; i++) {
        struct virtq_buf b[2] = { rbuf(hdr[i], 16), wbuf(resp[i], 32) };
        assert_int_equal(virtq_add(&f.vq, b, 2, &tag[i]), 0);
    }
    assert_int_equal(f.vq.num_free, 0);
    assert_true(kick(&f.vq, &f.s));
    assert_int_equal(sim_consume(&f.s, 16), 8);
    for (unsigned i = 0; i < 8; i++)
        assert_int_equal(f.s.chains[i].d[0].addr, (uintptr_t)hdr[i]);

    /* First batch: chains 5, 2, 7 (held positions shift as chains leave: 5, then 2, then 5). */
    sim_complete(&f.s, 5, 5);
    sim_complete(&f.s, 2, 2);
    sim_complete(&f.s, 5, 7);
    sim_publish(&f.s);
    struct virtq_completion out[8];
    char err[160] = "";
    assert_int_equal(virtq_reap(&f.vq, out, 2, err, sizeof err), 2);
    assert_ptr_equal(out[0].cookie, &tag[5]);
    assert_int_equal(out[0].len, 5);
    assert_ptr_equal(out[1].cookie, &tag[2]);
    assert_int_equal(out[1].len, 2);
    assert_int_equal(f.vq.num_free, 4);
    assert_int_equal(sim_used_event(&f.s), 1); /* last_used - 1 */

    /* Reuse the freed descriptors while others are in flight (sim_consume checks no overlap). */
    for (unsigned i = 8; i < 10; i++) {
        struct virtq_buf b[2] = { rbuf(hdr[i - 8], 16), wbuf(resp[i - 8], 32) };
        assert_int_equal(virtq_add(&f.vq, b, 2, &tag[i]), 0);
    }
    assert_int_equal(f.vq.num_free, 0);
    assert_true(kick(&f.vq, &f.s));
    assert_int_equal(sim_consume(&f.s, 16), 2);

    assert_int_equal(virtq_reap(&f.vq, out, 8, err, sizeof err), 1);
    assert_ptr_equal(out[0].cookie, &tag[7]);
    assert_int_equal(out[0].len, 7);
    assert_int_equal(f.vq.num_free, 2);
    assert_int_equal(virtq_reap(&f.vq, out, 8, err, sizeof err), 0);

    /* Second batch, in reverse order of the held chains: 9, 8, 6, 4, 3, 1, 0. */
    assert_int_equal(f.s.n_chains, 7);
    for (unsigned k = 7; k-- > 0;) {
        const struct sim_chain *c = &f.s.chains[k];
        unsigned t = 0;
        while (t < 8 && c->d[0].addr != (uintptr_t)hdr[t])
            t++;
        sim_complete(&f.s, k, k >= 5 ? 20 + k : t); /* 8 and 9 reuse headers 0 and 1 */
    }
    sim_publish(&f.s);
    assert_int_equal(virtq_reap(&f.vq, out, 3, err, sizeof err), 3);
    assert_ptr_equal(out[0].cookie, &tag[9]);
    assert_int_equal(out[0].len, 26);
    assert_ptr_equal(out[1].cookie, &tag[8]);
    assert_int_equal(out[1].len, 25);
    assert_ptr_equal(out[2].cookie, &tag[6]);
    assert_int_equal(out[2].len, 6);
    assert_int_equal(f.vq.num_free, 8);
    assert_int_equal(virtq_reap(&f.vq, out, 3, err, sizeof err), 3);
    assert_ptr_equal(out[0].cookie, &tag[4]);
    assert_ptr_equal(out[1].cookie, &tag[3]);
    assert_ptr_equal(out[2].cookie, &tag[1]);
    assert_int_equal(virtq_reap(&f.vq, out, 3, err, sizeof err), 1);
    assert_ptr_equal(out[0].cookie, &tag[0]);
    assert_int_equal(out[0].len, 0);
    assert_int_equal(virtq_reap(&f.vq, out, 3, err, sizeof err), 0);
    assert_int_equal(f.vq.num_free, 16);
    assert_int_equal(f.vq.last_used, 10);
    assert_int_equal(sim_used_event(&f.s), 9);
    assert_int_equal(f.s.irqs, 0);
    fx_free(&f);
}

/* ---- 6. event index arithmetic and notification suppression ---- */

static void test_need_event_table(void **state)
{
    (void)state;
    /* True exactly when event lies in [old, new): the entry at index event was just published. */
    assert_true(virtq_need_event(0, 1, 0));
    assert_false(virtq_need_event(1, 1, 0));
    assert_false(virtq_need_event(5, 5, 5));
    assert_true(virtq_need_event(0x1230, 0x1240, 0x1230));
    assert_true(virtq_need_event(0x123f, 0x1240, 0x1230));
    assert_false(virtq_need_event(0x1240, 0x1240, 0x1230));
    assert_false(virtq_need_event(0x122f, 0x1240, 0x1230));
    /* Across the wrap. */
    assert_true(virtq_need_event(0xffff, 0x0001, 0xfffe));
    assert_true(virtq_need_event(0xfffe, 0x0001, 0xfffe));
    assert_true(virtq_need_event(0x0000, 0x0001, 0xfffe));
    assert_false(virtq_need_event(0x0001, 0x0001, 0xfffe));
    assert_false(virtq_need_event(0xfffd, 0x0001, 0xfffe));
    assert_true(virtq_need_event(0xffff, 0x0000, 0xffff));
    assert_false(virtq_need_event(0x0000, 0x0000, 0xffff));
    assert_false(virtq_need_event(0x8000, 0x0001, 0xfffe));
}

static void add_n(struct fx *f, unsigned n, uint8_t (*bufs)[16])
{
    for (unsigned i = 0; i < n; i++) {
        struct virtq_buf b = rbuf(bufs[i], 16);
        assert_int_equal(virtq_add(&f->vq, &b, 1, bufs[i]), 0);
    }
}

static unsigned complete_all(struct fx *f)
{
    unsigned n = f->s.n_chains;
    while (f->s.n_chains)
        sim_complete(&f->s, 0, 0);
    sim_publish(&f->s);
    struct virtq_completion out[16];
    char err[160] = "";
    int got = virtq_reap(&f->vq, out, 16, err, sizeof err);
    assert_int_equal(got, (int)n);
    return n;
}

static void test_kick_suppression_event_idx(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, 16, true);
    static uint8_t b[16][16];
    /* Nothing added: nothing to say. */
    assert_false(kick(&f.vq, &f.s));
    assert_int_equal(f.s.kicks_got + f.s.kicks_suppressed, 0);

    /* The fresh device waits at avail_event 0: a batch of four gets one notification. */
    add_n(&f, 4, b);
    assert_true(kick(&f.vq, &f.s));
    assert_int_equal(f.s.kicks_got, 1);
    assert_false(kick(&f.vq, &f.s)); /* nothing new since */
    assert_int_equal(f.s.kicks_got, 1);
    assert_int_equal(f.s.kicks_suppressed, 0);

    /* The device has seen two of four: it is still working, so three more need no notification. */
    assert_int_equal(sim_consume(&f.s, 2), 2);
    assert_int_equal(sim_avail_event(&f.s), 2);
    add_n(&f, 3, b + 4);
    assert_false(kick(&f.vq, &f.s));
    assert_int_equal(f.s.kicks_got, 1);
    assert_int_equal(f.s.kicks_suppressed, 1);

    /* It catches up (avail_event 7 = avail idx) and sleeps: the next batch of three gets one. */
    assert_int_equal(sim_consume(&f.s, 16), 5);
    assert_int_equal(sim_avail_event(&f.s), 7);
    assert_true(f.s.asleep);
    complete_all(&f);
    add_n(&f, 3, b);
    assert_true(kick(&f.vq, &f.s));
    assert_int_equal(f.s.kicks_got, 2);

    /* Adding in two steps before a single kick_prepare still gives one notification. */
    assert_int_equal(sim_consume(&f.s, 16), 3);
    complete_all(&f);
    add_n(&f, 2, b);
    add_n(&f, 2, b + 2);
    assert_true(kick(&f.vq, &f.s));
    assert_int_equal(f.s.kicks_got, 3);
    assert_int_equal(f.s.kicks_suppressed, 1);
    assert_int_equal(f.s.kicks_spurious, 0);

    /* used_event is last_used - 1 after every reap, so the device never interrupts. */
    assert_int_equal(sim_consume(&f.s, 16), 4);
    complete_all(&f);
    assert_int_equal(f.vq.last_used, 14);
    assert_int_equal(sim_used_event(&f.s), 13);
    assert_int_equal(f.s.irqs, 0);
    fx_free(&f);
}

static void test_kick_suppression_flags(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, 16, false);
    static uint8_t b[16][16];
    assert_false(kick(&f.vq, &f.s));
    add_n(&f, 3, b);
    assert_true(kick(&f.vq, &f.s)); /* used flags 0: the device wants to hear */
    assert_int_equal(f.s.kicks_got, 1);

    /* A busy device sets VRING_USED_F_NO_NOTIFY: no notification, however many are added. */
    assert_int_equal(sim_consume(&f.s, 1), 1);
    assert_int_equal(rd16(&f.s, f.s.used_off), VRING_USED_F_NO_NOTIFY);
    add_n(&f, 2, b + 3);
    assert_false(kick(&f.vq, &f.s));
    add_n(&f, 1, b + 5);
    assert_false(kick(&f.vq, &f.s));
    assert_int_equal(f.s.kicks_got, 1);
    assert_int_equal(f.s.kicks_suppressed, 2);

    /* It empties the ring and clears the flag: the next batch is notified once. */
    assert_int_equal(sim_consume(&f.s, 16), 5);
    assert_int_equal(rd16(&f.s, f.s.used_off), 0);
    complete_all(&f);
    add_n(&f, 4, b);
    assert_true(kick(&f.vq, &f.s));
    assert_false(kick(&f.vq, &f.s));
    assert_int_equal(f.s.kicks_got, 2);
    assert_int_equal(f.s.kicks_suppressed, 2);
    assert_int_equal(f.s.kicks_spurious, 0);
    /* Without EVENT_IDX the NO_INTERRUPT flag keeps the device quiet. */
    assert_int_equal(sim_consume(&f.s, 16), 4);
    complete_all(&f);
    assert_int_equal(f.s.irqs, 0);
    fx_free(&f);
}

/* ---- 7 and 8. a hostile device; after the error nothing may crash ---- */

/* After a protocol error the queue is dead, but adding, kicking, reaping and destroying must
 * stay memory-safe (ASan watches). */
static void poke_after_error(struct fx *f)
{
    static uint8_t b[4][16];
    for (unsigned i = 0; i < 20; i++) {
        struct virtq_buf v[2] = { rbuf(b[i & 3], 16), wbuf(b[(i + 1) & 3], 16) };
        int rc = virtq_add(&f->vq, v, 2, NULL);
        assert_true(rc == 0 || rc == -1);
    }
    virtq_kick_prepare(&f->vq);
    /* Reaping again may fail again or (once a duplicate's descriptor is reused) not; either
     * way it must stay in bounds, and the reason fits even a tiny buffer. */
    struct virtq_completion out[8];
    char tiny[4] = "xxx";
    int rc = virtq_reap(&f->vq, out, 8, tiny, sizeof tiny);
    assert_true(rc >= -1 && rc <= 8);
    if (rc == -1)
        assert_int_equal(tiny[3], '\0');
    assert_true(f->vq.num_free <= f->vq.size);
    fx_free(f);
}

/* A queue of 8 with one chain (16 readable, 64 writable) taken by the device. */
static void hostile_setup(struct fx *f, uint8_t *hdr, uint8_t *resp, int *cookie)
{
    fx_init(f, 8, true);
    struct virtq_buf b[3] = { rbuf(hdr, 16), rbuf(hdr + 16, 16), wbuf(resp, 64) };
    assert_int_equal(virtq_add(&f->vq, b, 3, cookie), 0);
    assert_true(kick(&f->vq, &f->s));
    assert_int_equal(sim_consume(&f->s, 8), 1);
}

static void test_hostile_device(void **state)
{
    (void)state;
    static uint8_t hdr[32], resp[64];
    int cookie;
    struct fx f;
    struct virtq_completion out[8];
    char err[160];

    /* The used idx runs 9 ahead of a queue of 8. */
    hostile_setup(&f, hdr, resp, &cookie);
    wr16(&f.s, f.s.used_off + 2, 9);
    err[0] = '\0';
    assert_int_equal(virtq_reap(&f.vq, out, 8, err, sizeof err), -1);
    assert_non_null(strstr(err, "queue size 8"));
    assert_non_null(strstr(err, "virtqueue 2"));
    poke_after_error(&f);

    /* ... or backwards (0xffff is 65535 ahead of 0). */
    hostile_setup(&f, hdr, resp, &cookie);
    wr16(&f.s, f.s.used_off + 2, 0xffff);
    assert_int_equal(virtq_reap(&f.vq, out, 8, err, sizeof err), -1);
    assert_non_null(strstr(err, "65535 ahead of 0, more than the 1 request in flight (queue size 8)"));
    poke_after_error(&f);

    /* A used id beyond the queue. */
    const uint32_t bad_ids[] = { 8, 0x10000, 0xffffffff };
    for (unsigned i = 0; i < 3; i++) {
        hostile_setup(&f, hdr, resp, &cookie);
        sim_push_used(&f.s, bad_ids[i], 0);
        sim_publish(&f.s);
        err[0] = '\0';
        assert_int_equal(virtq_reap(&f.vq, out, 8, err, sizeof err), -1);
        assert_non_null(strstr(err, "beyond the queue"));
        poke_after_error(&f);
    }

    /* The same chain completed twice in one batch: two used entries for the one chain in flight. */
    hostile_setup(&f, hdr, resp, &cookie);
    uint16_t head = f.s.chains[0].head;
    sim_complete(&f.s, 0, 8);
    sim_push_used(&f.s, head, 8);
    sim_publish(&f.s);
    err[0] = '\0';
    assert_int_equal(virtq_reap(&f.vq, out, 8, err, sizeof err), -1);
    assert_non_null(strstr(err, "2 ahead of 0, more than the 1 request in flight (queue size 8)"));
    poke_after_error(&f);

    /* ... or in a later batch, after the first was reaped. */
    hostile_setup(&f, hdr, resp, &cookie);
    head = f.s.chains[0].head;
    sim_complete(&f.s, 0, 8);
    sim_publish(&f.s);
    assert_int_equal(virtq_reap(&f.vq, out, 8, err, sizeof err), 1);
    assert_ptr_equal(out[0].cookie, &cookie);
    sim_push_used(&f.s, head, 8);
    sim_publish(&f.s);
    err[0] = '\0';
    assert_int_equal(virtq_reap(&f.vq, out, 8, err, sizeof err), -1);
    assert_non_null(strstr(err, "1 ahead of 1, more than the 0 requests in flight"));
    poke_after_error(&f);

    /* A descriptor in flight, but in the middle of a chain, is not a chain. */
    hostile_setup(&f, hdr, resp, &cookie);
    sim_push_used(&f.s, f.s.chains[0].idx[1], 0);
    sim_publish(&f.s);
    assert_int_equal(virtq_reap(&f.vq, out, 8, err, sizeof err), -1);
    assert_non_null(strstr(err, "not in flight"));
    poke_after_error(&f);

    /* A descriptor never handed out. */
    hostile_setup(&f, hdr, resp, &cookie);
    uint16_t unused = 0;
    while (f.s.owned[unused])
        unused++;
    sim_push_used(&f.s, unused, 0);
    sim_publish(&f.s);
    assert_int_equal(virtq_reap(&f.vq, out, 8, err, sizeof err), -1);
    assert_non_null(strstr(err, "not in flight"));
    poke_after_error(&f);

    /* One byte more than the chain's 64 writable bytes is clipped to 64 and counted (QEMU's
     * virtio-scsi reports data-out bytes too); exactly 64 is fine and not counted. */
    hostile_setup(&f, hdr, resp, &cookie);
    sim_complete(&f.s, 0, 65);
    sim_publish(&f.s);
    assert_int_equal(virtq_reap(&f.vq, out, 8, err, sizeof err), 1);
    assert_int_equal(out[0].len, 64);
    assert_int_equal(f.vq.len_clamped, 1);
    fx_free(&f);

    hostile_setup(&f, hdr, resp, &cookie);
    sim_complete(&f.s, 0, 64);
    sim_publish(&f.s);
    assert_int_equal(virtq_reap(&f.vq, out, 8, err, sizeof err), 1);
    assert_int_equal(out[0].len, 64);
    assert_int_equal(f.vq.num_free, 8);
    assert_int_equal(f.vq.len_clamped, 0);
    fx_free(&f);

    /* A chain with nothing device-writable: any length is clipped to 0. */
    for (uint32_t len = 0; len < 2; len++) {
        fx_init(&f, 8, false);
        struct virtq_buf b = rbuf(hdr, 16);
        assert_int_equal(virtq_add(&f.vq, &b, 1, &cookie), 0);
        assert_true(kick(&f.vq, &f.s));
        assert_int_equal(sim_consume(&f.s, 8), 1);
        assert_int_equal(f.s.chains[0].writable, 0);
        sim_complete(&f.s, 0, len);
        sim_publish(&f.s);
        assert_int_equal(virtq_reap(&f.vq, out, 8, err, sizeof err), 1);
        assert_int_equal(out[0].len, 0);
        assert_int_equal(f.vq.len_clamped, len);
        fx_free(&f);
    }
}

/* Writable buffers of 4 GiB and more in total: the device may report any u32 length. The
 * buffers are never touched, so their addresses need not be real. */
static void test_huge_writable_total(void **state)
{
    (void)state;
    static uint8_t hdr[16];
    int cookie;
    struct fx f;
    fx_init(&f, 8, true);
    struct virtq_buf b[3] = { rbuf(hdr, 16), { 0x100000000ull, 0x80000000u, true }, { 0x180000000ull, 0x80000000u, true } };
    assert_int_equal(virtq_add(&f.vq, b, 3, &cookie), 0);
    assert_true(kick(&f.vq, &f.s));
    assert_int_equal(sim_consume(&f.s, 8), 1);
    assert_int_equal(f.s.chains[0].writable, 0x100000000ull);
    sim_complete(&f.s, 0, 0x1000);
    sim_publish(&f.s);
    struct virtq_completion out[2];
    char err[160] = "";
    int got = virtq_reap(&f.vq, out, 2, err, sizeof err);
    if (got != 1)
        print_error("reap: %s\n", err);
    assert_int_equal(got, 1);
    assert_int_equal(out[0].len, 0x1000);

    /* 3 x 1.5 GiB: a wrapped total would be 0.5 GiB, less than the 0.75 GiB written. */
    struct virtq_buf c[3] = { { 0x100000000ull, 0x60000000u, true }, { 0x160000000ull, 0x60000000u, true },
                              { 0x1c0000000ull, 0x60000000u, true } };
    assert_int_equal(virtq_add(&f.vq, c, 3, &cookie), 0);
    assert_true(kick(&f.vq, &f.s));
    assert_int_equal(sim_consume(&f.s, 8), 1);
    sim_complete(&f.s, 0, 0x30000000u);
    sim_publish(&f.s);
    assert_int_equal(virtq_reap(&f.vq, out, 2, err, sizeof err), 1);
    assert_int_equal(out[0].len, 0x30000000u);
    /* The largest length a device can report fits too. */
    assert_int_equal(virtq_add(&f.vq, c, 3, &cookie), 0);
    assert_true(kick(&f.vq, &f.s));
    assert_int_equal(sim_consume(&f.s, 8), 1);
    sim_complete(&f.s, 0, UINT32_MAX);
    sim_publish(&f.s);
    assert_int_equal(virtq_reap(&f.vq, out, 2, err, sizeof err), 1);
    assert_int_equal(out[0].len, UINT32_MAX);
    fx_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_layout),
        cmocka_unit_test(test_used_ring_placed_apart),
        cmocka_unit_test(test_add_consume_reap),
        cmocka_unit_test(test_rewritten_descriptors_are_not_trusted),
        cmocka_unit_test(test_fill_and_malformed),
        cmocka_unit_test(test_wrap_event_idx),
        cmocka_unit_test(test_wrap_no_event_idx),
        cmocka_unit_test(test_out_of_order_batches),
        cmocka_unit_test(test_need_event_table),
        cmocka_unit_test(test_kick_suppression_event_idx),
        cmocka_unit_test(test_kick_suppression_flags),
        cmocka_unit_test(test_hostile_device),
        cmocka_unit_test(test_huge_writable_total),
    };
    return cmocka_run_group_tests_name("virtqueue", tests, NULL, NULL);
}
