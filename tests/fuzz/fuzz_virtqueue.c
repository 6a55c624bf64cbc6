/*
 * The used ring as a hostile device writes it (drivers/virtio/virtqueue.h). The input picks a
 * queue size, then runs a script of operations: the driver adds chains; the "device" writes used
 * entries (ids and lengths of its choice), the used index, used flags and avail_event; the driver
 * reaps and decides whether to kick. A model of the chains in flight checks what virtq_reap hands
 * back: only chains in flight, each once, lengths within their writable bytes, and the free count
 * adds up. The ring memory is an exact-size allocation, so a reap that strays outside the ring or
 * the driver's bookkeeping arrays is an ASan report.
 *
 * Input: u8 size selector, u8 flags (bit 0 EVENT_IDX), then operations of one opcode byte each.
 */
#include "drivers/virtio/virtqueue.h"
#include "fuzz_input.h"

#define FUZZ_VQ_MAX_OPS 2048
#define FUZZ_VQ_MAX_TOKENS 4096 /* chains added over one input */
#define FUZZ_VQ_MAX_BUFS 8
#define FUZZ_VQ_MAX_REAP 40

struct fuzz_chain {
    bool in_flight;
    uint16_t head, descs;
    uint32_t writable;
};

struct fuzz_vq {
    struct virtq vq;
    struct fuzz_chain chains[FUZZ_VQ_MAX_TOKENS];
    size_t tokens;
    bool broken; /* virtq_reap said the device broke the protocol: no more model checks */
};

/* The model's idea of the free descriptors: the queue size less every chain in flight. */
static void fuzz_vq_check_free(const struct fuzz_vq *f)
{
    unsigned in_flight = 0;
    for (size_t i = 0; i < f->tokens; i++)
        if (f->chains[i].in_flight)
            in_flight += f->chains[i].descs;
    FUZZ_CHECK(virtq_in_flight_descs(&f->vq) == in_flight);
}

static void fuzz_vq_add(struct fuzz_vq *f, struct fuzz_input *in)
{
    struct virtq_buf bufs[FUZZ_VQ_MAX_BUFS];
    unsigned n = fuzz_u8(in) % (FUZZ_VQ_MAX_BUFS + 1); /* 0 is a malformed chain */
    uint32_t writable = 0;
    for (unsigned i = 0; i < n; i++) {
        uint8_t shape = fuzz_u8(in);
        bufs[i].addr = 0x100000u * (i + 1); /* never dereferenced by the ring code */
        /* Mostly small lengths; sometimes huge ones, to reach the saturating sum. */
        bufs[i].len = shape & 0x80 ? fuzz_u32(in) : fuzz_u8(in);
        bufs[i].device_writable = (shape & 1) != 0;
        if (bufs[i].device_writable)
            writable = bufs[i].len > UINT32_MAX - writable ? UINT32_MAX : writable + bufs[i].len;
    }
    if (f->tokens == FUZZ_VQ_MAX_TOKENS)
        return;
    uint16_t head = f->vq.free_head, free_before = f->vq.num_free;
    void *cookie = (void *)(uintptr_t)(f->tokens + 1);
    int rc = virtq_add(&f->vq, bufs, n, cookie);
    FUZZ_CHECK(rc == 0 || rc == -1 || rc == -2);
    if (rc == -1)
        FUZZ_CHECK(n > free_before);
    if (rc != 0)
        return;
    f->chains[f->tokens++] = (struct fuzz_chain){ .in_flight = true, .head = head, .descs = (uint16_t)n,
                                                  .writable = writable };
}

/* The device writes one used entry. The id is mostly a real chain head (in flight or already
 * reaped, the interesting lies), sometimes any 32-bit value. */
static void fuzz_vq_write_used(struct fuzz_vq *f, struct fuzz_input *in)
{
    uint16_t slot = fuzz_u16(in);
    uint8_t how = fuzz_u8(in);
    uint32_t id, len;
    if ((how & 1) && f->tokens > 0) {
        const struct fuzz_chain *c = &f->chains[fuzz_u16(in) % f->tokens];
        id = c->head;
        len = how & 2 ? c->writable + (uint32_t)(int8_t)fuzz_u8(in) : fuzz_u32(in);
    } else {
        id = fuzz_u32(in);
        len = fuzz_u32(in);
    }
    f->vq.used_ring[slot & (f->vq.size - 1)] = (struct vring_used_elem){ .id = id, .len = len };
}

/* The device moves the used index: by a few entries past what was reaped, or anywhere. */
static void fuzz_vq_write_used_idx(struct fuzz_vq *f, struct fuzz_input *in)
{
    uint8_t how = fuzz_u8(in);
    if (how & 1)
        *f->vq.used_idx = fuzz_u16(in);
    else
        *f->vq.used_idx = (uint16_t)(f->vq.last_used + fuzz_u8(in) % (f->vq.size + 2u));
}

static void fuzz_vq_reap(struct fuzz_vq *f, struct fuzz_input *in)
{
    unsigned max = fuzz_u8(in) % (FUZZ_VQ_MAX_REAP + 1);
    size_t err_len = 1 + fuzz_u8(in) % 160;
    /* Exact sizes: a completion written past max, or an error past err_len, is an ASan report. */
    struct virtq_completion *out = malloc(max * sizeof *out);
    char *err = malloc(err_len);
    FUZZ_CHECK(out != NULL && err != NULL);
    uint16_t used = *f->vq.used_idx, last = f->vq.last_used;
    int n = virtq_reap(&f->vq, out, max, err, err_len);
    FUZZ_CHECK(n >= -1 && n <= (int)max);
    if (n == -1) {
        FUZZ_CHECK(fuzz_is_c_string(err, err_len));
        f->broken = true;
    } else if (!f->broken) {
        FUZZ_CHECK(n <= (uint16_t)(used - last));
        FUZZ_CHECK(f->vq.last_used == (uint16_t)(last + n));
        for (int i = 0; i < n; i++) {
            uintptr_t token = (uintptr_t)out[i].cookie;
            FUZZ_CHECK(token >= 1 && token <= f->tokens);
            struct fuzz_chain *c = &f->chains[token - 1];
            FUZZ_CHECK(c->in_flight); /* never the same chain twice */
            FUZZ_CHECK(out[i].len <= c->writable);
            c->in_flight = false;
        }
        fuzz_vq_check_free(f);
    }
    free(out);
    free(err);
}

static void fuzz_vq_kick(struct fuzz_vq *f, struct fuzz_input *in)
{
    *f->vq.avail_event = fuzz_u16(in);
    uint16_t old = f->vq.kicked_avail, now = f->vq.avail_shadow;
    bool need = virtq_kick_prepare(&f->vq);
    if (old == now)
        FUZZ_CHECK(!need); /* nothing new: never a notification */
    else if (f->vq.event_idx)
        FUZZ_CHECK(need == virtq_need_event(*f->vq.avail_event, now, old));
    FUZZ_CHECK(f->vq.kicked_avail == now);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = { data, size };
    uint8_t size_sel = fuzz_u8(&in);
    uint8_t flags = fuzz_u8(&in);
    /* Mostly a valid power of two up to 32768; with bit 7, any 16-bit value (virtq_init must
     * refuse what is not a power of two). */
    uint16_t qsize = size_sel & 0x80 ? fuzz_u16(&in) : (uint16_t)(1u << (size_sel % 16));
    size_t ring_bytes = virtq_ring_bytes(qsize);
    void *mem = aligned_alloc(VIRTQ_LEGACY_ALIGN, ring_bytes);
    FUZZ_CHECK(mem != NULL);
    memset(mem, 0, ring_bytes);

    struct fuzz_vq *f = calloc(1, sizeof *f);
    FUZZ_CHECK(f != NULL);
    bool valid = qsize != 0 && (qsize & (qsize - 1)) == 0;
    int rc = virtq_init(&f->vq, 2, qsize, mem, 0x40000000u, (flags & 1) != 0);
    FUZZ_CHECK(rc == (valid ? 0 : -1));
    if (rc != 0) {
        free(f);
        free(mem);
        return 0;
    }
    for (unsigned op = 0; op < FUZZ_VQ_MAX_OPS && in.left > 0; op++) {
        switch (fuzz_u8(&in) % 6) {
        case 0: fuzz_vq_add(f, &in); break;
        case 1: fuzz_vq_write_used(f, &in); break;
        case 2: fuzz_vq_write_used_idx(f, &in); break;
        case 3: fuzz_vq_reap(f, &in); break;
        case 4: fuzz_vq_kick(f, &in); break;
        case 5: *f->vq.used_flags = fuzz_u16(&in); break;
        }
    }
    if (!f->broken)
        fuzz_vq_check_free(f);
    virtq_destroy(&f->vq);
    free(f);
    free(mem);
    return 0;
}
