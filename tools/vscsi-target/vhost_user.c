/* vhost-user messages (vhost_user.h). */
#include "tools/vscsi-target/vhost_user.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tools/vscsi-target/log.h"

enum {
    GET_FEATURES = 1, SET_FEATURES = 2, SET_OWNER = 3, RESET_OWNER = 4, SET_MEM_TABLE = 5, SET_LOG_BASE = 6,
    SET_LOG_FD = 7, SET_VRING_NUM = 8, SET_VRING_ADDR = 9, SET_VRING_BASE = 10, GET_VRING_BASE = 11,
    SET_VRING_KICK = 12, SET_VRING_CALL = 13, SET_VRING_ERR = 14, GET_PROTOCOL_FEATURES = 15,
    SET_PROTOCOL_FEATURES = 16, GET_QUEUE_NUM = 17, SET_VRING_ENABLE = 18,
};
#define FLAG_VERSION 0x1u
#define FLAG_REPLY 0x4u
#define FLAG_NEED_REPLY 0x8u
#define VRING_NOFD (1u << 8) /* SET_VRING_KICK/CALL/ERR: no fd, the ring is polled */

/* Features offered (virtio 1.2 6; vhost-user "Feature negotiation"). EVENT_IDX and INDIRECT_DESC
 * are not: QEMU then takes them out of what the guest sees. */
#define F_HOTPLUG (1ull << 1)       /* VIRTIO_SCSI_F_HOTPLUG */
#define F_PROTOCOL (1ull << 30)     /* VHOST_USER_F_PROTOCOL_FEATURES */
#define F_VERSION_1 (1ull << 32)
#define PF_MQ (1ull << 0)
#define PF_REPLY_ACK (1ull << 3)
#define OFFERED_FEATURES (F_HOTPLUG | F_PROTOCOL | F_VERSION_1)
#define OFFERED_PROTOCOL (PF_MQ | PF_REPLY_ACK)

struct msg_hdr {
    uint32_t request, flags, size;
};

struct vring_state {
    uint32_t index, num;
};

struct vring_addr {
    uint32_t index, flags;
    uint64_t desc, used, avail, log;
};

struct mem_region {
    uint64_t gpa, size, uva, mmap_offset;
};

struct mem_table {
    uint32_t nregions, padding;
    struct mem_region regions[GUEST_MEM_REGIONS];
};

union payload {
    uint64_t u64;
    struct vring_state state;
    struct vring_addr addr;
    struct mem_table mem;
    uint8_t bytes[512];
};

#define MAX_FDS 8

static const char *name(uint32_t r)
{
    static const char *const names[] = {
        "NONE", "GET_FEATURES", "SET_FEATURES", "SET_OWNER", "RESET_OWNER", "SET_MEM_TABLE", "SET_LOG_BASE",
        "SET_LOG_FD", "SET_VRING_NUM", "SET_VRING_ADDR", "SET_VRING_BASE", "GET_VRING_BASE", "SET_VRING_KICK",
        "SET_VRING_CALL", "SET_VRING_ERR", "GET_PROTOCOL_FEATURES", "SET_PROTOCOL_FEATURES", "GET_QUEUE_NUM",
        "SET_VRING_ENABLE"};
    return r < sizeof(names) / sizeof(names[0]) ? names[r] : "unknown";
}

/* One message: the header with any fds, then size payload bytes. Returns the fd count, or -1. */
static int receive(int fd, struct msg_hdr *h, union payload *p, int *fds)
{
    struct iovec iov = {h, sizeof(*h)};
    char control[CMSG_SPACE(MAX_FDS * sizeof(int))];
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof(control)};
    ssize_t n;
    do
        n = recvmsg(fd, &m, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    if (n == 0)
        return -1;
    if (n != (ssize_t)sizeof(*h)) {
        if (n > 0)
            vt_log("vhost-user: a message header of %zd bytes", n);
        return -1;
    }
    int nfds = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        int k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        for (int i = 0; i < k; i++) {
            int f;
            memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
            if (nfds < MAX_FDS)
                fds[nfds++] = f;
            else
                close(f);
        }
    }
    if (h->size > sizeof(*p)) {
        vt_log("vhost-user: %s with a %u-byte payload (at most %zu)", name(h->request), h->size, sizeof(*p));
        goto bad;
    }
    size_t got = 0;
    while (got < h->size) {
        n = read(fd, p->bytes + got, h->size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            goto bad;
        got += (size_t)n;
    }
    return nfds;
bad:
    for (int i = 0; i < nfds; i++)
        close(fds[i]);
    return -1;
}

static int send_reply(int fd, uint32_t request, const void *payload, uint32_t size)
{
    struct {
        struct msg_hdr h;
        uint8_t body[sizeof(struct vring_addr)];
    } out;
    out.h.request = request;
    out.h.flags = FLAG_VERSION | FLAG_REPLY;
    out.h.size = size;
    memcpy(out.body, payload, size);
    size_t len = sizeof(out.h) + size;
    return write(fd, &out, len) == (ssize_t)len ? 0 : -1;
}

static int reply_u64(struct vhost_user *u, uint32_t request, uint64_t v)
{
    return send_reply(u->fd, request, &v, sizeof(v));
}

static void close_fds(int *fds, int n)
{
    for (int i = 0; i < n; i++)
        if (fds[i] >= 0)
            close(fds[i]);
}

/* The ring a message names, or NULL (logged) when it is past the device's rings. */
static struct vring *ring_of(struct vhost_user *u, uint32_t index, uint32_t request)
{
    if (index >= DEVICE_MAX_RINGS) {
        vt_log("vhost-user: %s for ring %u (at most %d rings)", name(request), index, DEVICE_MAX_RINGS);
        return NULL;
    }
    if (index >= u->dev->nrings)
        u->dev->nrings = index + 1;
    return &u->dev->rings[index];
}

/* A ring runs once it has its size, addresses and kick fd, until SET_VRING_ENABLE 0 or
 * GET_VRING_BASE. vhost-user.rst ("Ring states") has a ring negotiated with PROTOCOL_FEATURES
 * wait for SET_VRING_ENABLE 1 too; the target does not wait for it, so that a front-end that
 * never sends it still works. */
static void maybe_start(struct vhost_user *u, struct vring *v)
{
    const char *why;
    if (v->started || v->kick_fd < 0 || !v->addr_set || v->num == 0)
        return;
    if (vring_map(v, &u->dev->mem, &why) < 0) {
        vt_log("ring %u: %s", v->index, why);
        return;
    }
    v->used_idx = __atomic_load_n(&v->used[1], __ATOMIC_ACQUIRE);
    v->started = true;
    vt_log("ring %u started: %u entries, avail from %u, used from %u", v->index, v->num, v->last_avail,
           v->used_idx);
}

static int handle(struct vhost_user *u, const struct msg_hdr *h, union payload *p, int *fds, int nfds)
{
    struct device *d = u->dev;
    struct vring *v;
    const char *why;
    switch (h->request) {
    case GET_FEATURES:
        close_fds(fds, nfds);
        return reply_u64(u, h->request, OFFERED_FEATURES);
    case SET_FEATURES:
        close_fds(fds, nfds);
        u->features = p->u64;
        vt_log("features 0x%llx acked", (unsigned long long)u->features);
        return 0;
    case GET_PROTOCOL_FEATURES:
        close_fds(fds, nfds);
        return reply_u64(u, h->request, OFFERED_PROTOCOL);
    case SET_PROTOCOL_FEATURES:
        close_fds(fds, nfds);
        u->protocol_features = p->u64 & OFFERED_PROTOCOL;
        return 0;
    case GET_QUEUE_NUM:
        close_fds(fds, nfds);
        return reply_u64(u, h->request, DEVICE_MAX_RINGS);
    case SET_OWNER:
        close_fds(fds, nfds);
        return 0;
    case RESET_OWNER:
        close_fds(fds, nfds);
        vhost_user_disconnect(u); /* the connection stays */
        return 0;
    case SET_MEM_TABLE: {
        if (h->size < 8 || p->mem.nregions > GUEST_MEM_REGIONS || (int)p->mem.nregions != nfds ||
            h->size < 8 + p->mem.nregions * sizeof(struct mem_region)) {
            vt_log("vhost-user: SET_MEM_TABLE with %u regions, %d fds, %u bytes", p->mem.nregions, nfds, h->size);
            close_fds(fds, nfds);
            return -1;
        }
        struct guest_region_desc desc[GUEST_MEM_REGIONS];
        for (unsigned i = 0; i < p->mem.nregions; i++) {
            const struct mem_region *r = &p->mem.regions[i];
            desc[i] = (struct guest_region_desc){r->gpa, r->size, r->uva, r->mmap_offset};
        }
        device_drop_pending(d, -1); /* their buffers were in the old mappings */
        if (guest_mem_set(&d->mem, desc, fds, p->mem.nregions, &why) < 0) {
            vt_log("vhost-user: SET_MEM_TABLE: %s", why);
            return -1;
        }
        for (unsigned i = 0; i < p->mem.nregions; i++)
            vt_log("memory region %u: guest 0x%llx size 0x%llx", i, (unsigned long long)desc[i].gpa,
                   (unsigned long long)desc[i].size);
        for (unsigned i = 0; i < d->nrings; i++) /* rings already running move to the new mappings */
            if (d->rings[i].started && vring_map(&d->rings[i], &d->mem, &why) < 0) {
                vt_log("ring %u: %s after a new memory table", i, why);
                d->rings[i].started = false;
            }
        return 0;
    }
    case SET_VRING_NUM:
        close_fds(fds, nfds);
        if (!(v = ring_of(u, p->state.index, h->request)))
            return -1;
        if (p->state.num == 0 || p->state.num > VIRTQ_MAX_SIZE || (p->state.num & (p->state.num - 1))) {
            vt_log("ring %u: size %u is not a power of two up to 32768", v->index, p->state.num);
            return -1;
        }
        v->num = (uint16_t)(p->state.num == VIRTQ_MAX_SIZE ? 0 : p->state.num);
        if (p->state.num == VIRTQ_MAX_SIZE) {
            vt_log("ring %u: size 32768 is not supported", v->index);
            return -1;
        }
        return 0;
    case SET_VRING_ADDR:
        close_fds(fds, nfds);
        if (!(v = ring_of(u, p->addr.index, h->request)))
            return -1;
        v->desc_uva = p->addr.desc;
        v->avail_uva = p->addr.avail;
        v->used_uva = p->addr.used;
        v->addr_set = true;
        if (v->started && vring_map(v, &d->mem, &why) < 0) {
            vt_log("ring %u: %s", v->index, why);
            v->started = false;
        }
        return 0;
    case SET_VRING_BASE:
        close_fds(fds, nfds);
        if (!(v = ring_of(u, p->state.index, h->request)))
            return -1;
        v->last_avail = (uint16_t)p->state.num;
        return 0;
    case GET_VRING_BASE: {
        close_fds(fds, nfds);
        if (!(v = ring_of(u, p->state.index, h->request)))
            return -1;
        vring_stop(v);
        device_drop_pending(d, (int)v->index);
        struct vring_state s = {v->index, v->last_avail};
        vt_log("ring %u stopped at avail %u (%llu taken, %llu answered)", v->index, v->last_avail,
               (unsigned long long)v->popped, (unsigned long long)v->pushed);
        return send_reply(u->fd, h->request, &s, sizeof(s));
    }
    case SET_VRING_KICK:
    case SET_VRING_CALL:
    case SET_VRING_ERR: {
        if (h->size < 8 || !(v = ring_of(u, (uint32_t)(p->u64 & 0xff), h->request))) {
            close_fds(fds, nfds);
            return -1;
        }
        int fd = -1;
        if (!(p->u64 & VRING_NOFD)) {
            if (nfds != 1) {
                vt_log("vhost-user: %s for ring %u without its fd", name(h->request), v->index);
                close_fds(fds, nfds);
                return -1;
            }
            fd = fds[0];
        } else {
            close_fds(fds, nfds);
        }
        int *slot = h->request == SET_VRING_KICK ? &v->kick_fd : h->request == SET_VRING_CALL ? &v->call_fd
                                                                                               : &v->err_fd;
        if (*slot >= 0)
            close(*slot);
        *slot = fd;
        if (h->request == SET_VRING_KICK) {
            if (fd < 0)
                vt_log("ring %u: no kick fd (polling is not supported)", v->index);
            maybe_start(u, v);
        }
        return 0;
    }
    case SET_VRING_ENABLE:
        close_fds(fds, nfds);
        if (!(v = ring_of(u, p->state.index, h->request)))
            return -1;
        v->disabled = p->state.num == 0;
        maybe_start(u, v);
        return 0;
    default:
        close_fds(fds, nfds);
        vt_log("vhost-user: %s (%u) is not supported", name(h->request), h->request);
        return 1; /* refused: a REPLY_ACK says so */
    }
}

int vhost_user_handle(struct vhost_user *u)
{
    struct msg_hdr h;
    union payload p;
    int fds[MAX_FDS];
    memset(&p, 0, sizeof(p));
    int nfds = receive(u->fd, &h, &p, fds);
    if (nfds < 0)
        return -1;
    if ((h.flags & 0x3) != FLAG_VERSION) {
        vt_log("vhost-user: message version %u (only 1 is known)", h.flags & 0x3);
        close_fds(fds, nfds);
        return -1;
    }
    /* every message of the set-up is logged (a few dozen a connection), so that a front-end that
     * stops half-way can be told from one that never began; the rings' traffic is not messages */
    if (u->messages++ < 200)
        vt_log("vhost-user: %s (%u bytes, %d fds%s)", name(h.request), h.size, nfds,
               h.flags & FLAG_NEED_REPLY ? ", reply wanted" : "");
    int rc = handle(u, &h, &p, fds, nfds);
    if (rc < 0)
        vt_log("vhost-user: %s failed", name(h.request));
    /* vhost-user.rst, REPLY_ACK: a message that has no reply of its own answers 0 or failure */
    bool has_reply = h.request == GET_FEATURES || h.request == GET_PROTOCOL_FEATURES ||
                     h.request == GET_VRING_BASE || h.request == GET_QUEUE_NUM;
    if ((h.flags & FLAG_NEED_REPLY) && (u->protocol_features & PF_REPLY_ACK) && !has_reply)
        if (reply_u64(u, h.request, rc == 0 ? 0 : 1) < 0)
            return -1;
    return rc < 0 ? -1 : 0;
}

void vhost_user_disconnect(struct vhost_user *u)
{
    struct device *d = u->dev;
    device_drop_pending(d, -1);
    device_power_cut(d, "QEMU disconnected"); /* the guest's machine is gone: so is its disks' power */
    device_power_on(d);
    for (unsigned i = 0; i < DEVICE_MAX_RINGS; i++) {
        vring_close_fds(&d->rings[i]);
        vring_init(&d->rings[i], i);
    }
    d->nrings = 0;
    guest_mem_clear(&d->mem);
    u->features = u->protocol_features = 0;
    u->messages = 0;
}
