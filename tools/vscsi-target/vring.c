/* Device-side split virtqueue processing (vring.h). */
#include "tools/vscsi-target/vring.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void vring_init(struct vring *v, unsigned index)
{
    memset(v, 0, sizeof(*v));
    v->index = index;
    v->kick_fd = v->call_fd = v->err_fd = -1;
}

int vring_map(struct vring *v, const struct guest_mem *m, const char **why)
{
    if (!v->addr_set || v->num == 0) {
        *why = "the ring's size or addresses were not set";
        return -1;
    }
    /* 2.7: sizes of the descriptor table, the available ring and the used ring */
    v->desc = guest_mem_uva(m, v->desc_uva, 16ull * v->num);
    v->avail = guest_mem_uva(m, v->avail_uva, 6 + 2ull * v->num);
    v->used = guest_mem_uva(m, v->used_uva, 6 + 8ull * v->num);
    if (!v->desc || !v->avail || !v->used) {
        *why = "a ring lies outside guest memory";
        v->desc = NULL;
        v->avail = v->used = NULL;
        return -1;
    }
    return 0;
}

void vring_chain_free(struct vring_chain *c)
{
    free(c->seg);
    c->seg = NULL;
    c->desc = NULL; /* in the same allocation */
}

void vring_chain_rewrite(struct vring *v, const struct vring_chain *c)
{
    for (unsigned i = 0; v->desc && i < c->ndesc; i++) {
        struct vring_desc *d = &v->desc[c->desc[i]];
        d->addr = ~d->addr;
        d->len = ~d->len;
        d->flags ^= VRING_DESC_F_NEXT | VRING_DESC_F_WRITE;
        d->next = (uint16_t)~d->next;
    }
}

int vring_pop(struct vring *v, const struct guest_mem *m, struct vring_chain *c, const char **why)
{
    memset(c, 0, sizeof(*c));
    if (!v->desc)
        return 0;
    uint16_t avail_idx = __atomic_load_n(&v->avail[1], __ATOMIC_ACQUIRE);
    if (avail_idx == v->last_avail)
        return 0;
    uint16_t head = v->avail[2 + v->last_avail % v->num];
    v->last_avail++;
    v->popped++;
    c->head = head;
    if (head >= v->num) {
        *why = "the available ring names a descriptor past the queue size";
        return -1;
    }
    /* one allocation: the segments, then the descriptor numbers */
    c->seg = calloc(v->num, sizeof(*c->seg) + sizeof(*c->desc));
    if (!c->seg) {
        *why = "out of memory";
        return -1;
    }
    c->desc = (uint16_t *)(c->seg + v->num);
    unsigned n = 0, links = 0;
    uint16_t i = head;
    for (;;) {
        if (links++ == v->num) { /* 2.7.5.2: a chain is at most the queue size long */
            *why = "a descriptor chain loops (longer than the queue)";
            return -1;
        }
        struct vring_desc d = v->desc[i];
        c->desc[c->ndesc++] = i;
        if (d.flags & 4) { /* VIRTQ_DESC_F_INDIRECT: not offered */
            *why = "an indirect descriptor (VIRTIO_F_INDIRECT_DESC was not offered)";
            return -1;
        }
        bool writable = d.flags & VRING_DESC_F_WRITE;
        if (!writable && c->writable) { /* 2.7.4.2 */
            *why = "a device-readable descriptor after a device-writable one";
            return -1;
        }
        if (d.len) {
            uint8_t *p = guest_mem_gpa(m, d.addr, d.len);
            if (!p) {
                *why = "a descriptor's buffer lies outside guest memory";
                return -1;
            }
            c->seg[n].p = p;
            c->seg[n].len = d.len;
            n++;
            if (writable) {
                c->writable++;
                c->writable_bytes += d.len;
            } else {
                c->readable++;
                c->readable_bytes += d.len;
            }
        }
        if (!(d.flags & VRING_DESC_F_NEXT))
            break;
        if (d.next >= v->num) {
            *why = "a descriptor's next link is past the queue size";
            return -1;
        }
        i = d.next;
    }
    return 1;
}

void vring_push(struct vring *v, uint32_t id, uint32_t len)
{
    struct vring_used_elem *ring = (struct vring_used_elem *)(v->used + 2);
    struct vring_used_elem *e = &ring[v->used_idx % v->num];
    e->id = id;
    e->len = len;
    v->used_idx++;
    __atomic_store_n(&v->used[1], v->used_idx, __ATOMIC_RELEASE);
    v->pushed++;
    v->need_call = true;
}

void vring_advance_used(struct vring *v, uint16_t n)
{
    v->used_idx = (uint16_t)(v->used_idx + n);
    __atomic_store_n(&v->used[1], v->used_idx, __ATOMIC_RELEASE);
}

void vring_notify(struct vring *v)
{
    if (!v->need_call || v->call_fd < 0)
        return;
    v->need_call = false;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (v->avail && (__atomic_load_n(&v->avail[0], __ATOMIC_RELAXED) & VRING_AVAIL_F_NO_INTERRUPT))
        return; /* 2.7.7: the driver polls */
    uint64_t one = 1;
    ssize_t rc = write(v->call_fd, &one, sizeof(one));
    (void)rc;
}

/* Copy between buf and segments [first, first + count) of a chain, from byte offset of theirs. */
static size_t chain_copy(const struct vring_chain *c, unsigned first, unsigned count, uint64_t offset, uint8_t *buf,
                         size_t len, bool to_guest)
{
    size_t done = 0;
    for (unsigned i = first; i < first + count && done < len; i++) {
        const struct vring_seg *s = &c->seg[i];
        if (offset >= s->len) {
            offset -= s->len;
            continue;
        }
        size_t n = s->len - offset;
        if (n > len - done)
            n = len - done;
        if (to_guest)
            memcpy(s->p + offset, buf + done, n);
        else
            memcpy(buf + done, s->p + offset, n);
        done += n;
        offset = 0;
    }
    return done;
}

size_t vring_chain_read(const struct vring_chain *c, uint64_t offset, void *dst, size_t len)
{
    return chain_copy(c, 0, c->readable, offset, dst, len, false);
}

size_t vring_chain_write(const struct vring_chain *c, uint64_t offset, const void *src, size_t len)
{
    return chain_copy(c, c->readable, c->writable, offset, (uint8_t *)src, len, true);
}

void vring_stop(struct vring *v)
{
    v->started = false;
    if (v->kick_fd >= 0)
        close(v->kick_fd);
    v->kick_fd = -1;
}

void vring_close_fds(struct vring *v)
{
    vring_stop(v);
    if (v->call_fd >= 0)
        close(v->call_fd);
    if (v->err_fd >= 0)
        close(v->err_fd);
    v->call_fd = v->err_fd = -1;
}
