/*
 * vscsi-target: a virtio-scsi device in a host process, for QEMU's vhost-user-scsi-pci. It serves
 * in-memory disks (zeroes, or a sparse store that keeps what is written) on a topology of up to
 * 256 targets x 16384 LUNs, and misbehaves as a fault-rule file says (docs/faults.md).
 *
 *   vscsi-target --socket PATH [--targets LIST] [--luns LIST] [--size BYTES] [--block-size 512|4096]
 *                [--store sparse|null|file:PATH] [--write-cache none|volatile] [--faults FILE] [--seed N]
 *                [--once]
 *
 * LIST: numbers and ranges, 0-3,7. --store file:PATH keeps the LUNs in one file (created, and
 * extended to hold them all when shorter): LUN k, counting in target then LUN order, at byte
 * k x size. QEMU side:
 *   -object memory-backend-memfd,id=mem,size=256M,share=on -numa node,memdev=mem
 *   -chardev socket,id=vt0,path=PATH -device vhost-user-scsi-pci,chardev=vt0
 * It runs until SIGTERM or SIGINT (with --once: until QEMU disconnects), then logs its totals.
 * --write-cache volatile puts a volatile write cache before each LUN's store (the Caching page's
 * WCE set): a power cut (QEMU disconnecting, or SIGUSR1) loses what SYNCHRONIZE CACHE or FUA
 * did not put on the store, but for a random part of it (the seed chooses), and the next QEMU
 * that connects sees the stable contents.
 * Exit status 0, or 1 for a bad command line, fault file or socket.
 */
#define _GNU_SOURCE /* accept4 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "tools/vscsi-target/device.h"
#include "tools/vscsi-target/fault_rules.h"
#include "tools/vscsi-target/log.h"
#include "tools/vscsi-target/lun_table.h"
#include "tools/vscsi-target/vhost_user.h"

static void usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "vscsi-target: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nusage: vscsi-target --socket PATH [--targets LIST] [--luns LIST] [--size BYTES] "
                    "[--block-size 512|4096] [--store sparse|null|file:PATH] [--write-cache none|volatile] "
                    "[--faults FILE] "
                    "[--seed N] [--once]\n");
    exit(1);
}

/* "0-3,7" into ascending unique numbers up to limit; count in *n. */
static uint16_t *parse_list(const char *text, unsigned limit, size_t *n, const char *what)
{
    unsigned char *seen = calloc(limit + 1, 1);
    uint16_t *out = calloc(limit + 1, sizeof(*out));
    if (!seen || !out)
        usage_error("out of memory for %s", what);
    const char *s = text;
    while (*s) {
        char *end;
        unsigned long lo = strtoul(s, &end, 10), hi = lo;
        if (end == s)
            usage_error("bad list %s (numbers and ranges: 0-3,7)", text);
        if (*end == '-') {
            s = end + 1;
            hi = strtoul(s, &end, 10);
            if (end == s)
                usage_error("bad list %s (numbers and ranges: 0-3,7)", text);
        }
        if (lo > hi || hi > limit)
            usage_error("list %s: out of order or past the limit", text);
        for (unsigned long v = lo; v <= hi; v++)
            seen[v] = 1;
        s = end;
        if (*s == ',')
            s++;
        else if (*s)
            usage_error("bad list %s (numbers and ranges: 0-3,7)", text);
    }
    *n = 0;
    for (unsigned v = 0; v <= limit; v++)
        if (seen[v])
            out[(*n)++] = (uint16_t)v;
    free(seen);
    return out;
}

static uint64_t parse_size(const char *s)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 0);
    unsigned shift = 0;
    if (*end == 'K' || *end == 'k')
        shift = 10;
    else if (*end == 'M' || *end == 'm')
        shift = 20;
    else if (*end == 'G' || *end == 'g')
        shift = 30;
    else if (*end == 'T' || *end == 't')
        shift = 40;
    else if (*end)
        usage_error("bad size %s (bytes, or with K, M, G, T)", s);
    if (end == s || (shift && end[1]) || v > (UINT64_MAX >> shift))
        usage_error("bad size %s (bytes, or with K, M, G, T)", s);
    return (uint64_t)v << shift;
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (len + 1 == cap) {
            char *bigger = realloc(buf, cap * 2);
            if (!bigger) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf)
        buf[len] = '\0';
    return buf;
}

static int listen_on(const char *path)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(a.sun_path))
        usage_error("socket path %s is too long for a UNIX socket", path);
    strcpy(a.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    unlink(path);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 1) < 0) {
        fprintf(stderr, "vscsi-target: cannot listen on %s: %s\n", path, strerror(errno));
        exit(1);
    }
    return fd;
}

int main(int argc, char **argv)
{
    const char *socket_path = NULL, *targets_arg = "0", *luns_arg = "0", *faults_path = NULL, *store_path = NULL;
    uint64_t size = 1ull << 30, seed = 0;
    bool seed_given = false, once = false, wce = false;
    uint32_t block_size = 512;
    enum block_store_kind kind = BLOCK_STORE_SPARSE;
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(opt, "--once")) {
            once = true;
            continue;
        }
        if (!val)
            usage_error("%s needs a value", opt);
        i++;
        if (!strcmp(opt, "--socket"))
            socket_path = val;
        else if (!strcmp(opt, "--targets"))
            targets_arg = val;
        else if (!strcmp(opt, "--luns"))
            luns_arg = val;
        else if (!strcmp(opt, "--size"))
            size = parse_size(val);
        else if (!strcmp(opt, "--block-size")) {
            if (strcmp(val, "512") && strcmp(val, "4096"))
                usage_error("--block-size %s: 512 or 4096", val);
            block_size = (uint32_t)atoi(val);
        } else if (!strcmp(opt, "--store")) {
            if (!strcmp(val, "sparse"))
                kind = BLOCK_STORE_SPARSE;
            else if (!strcmp(val, "null"))
                kind = BLOCK_STORE_NULL;
            else if (!strncmp(val, "file:", 5) && val[5]) {
                kind = BLOCK_STORE_FILE;
                store_path = val + 5;
            } else
                usage_error("--store %s: sparse, null or file:PATH", val);
        } else if (!strcmp(opt, "--write-cache")) {
            if (strcmp(val, "none") && strcmp(val, "volatile"))
                usage_error("--write-cache %s: none or volatile", val);
            wce = !strcmp(val, "volatile");
        } else if (!strcmp(opt, "--faults"))
            faults_path = val;
        else if (!strcmp(opt, "--seed")) {
            seed = parse_size(val);
            seed_given = true;
        } else
            usage_error("unknown option %s", opt);
    }
    if (!socket_path)
        usage_error("%s", "--socket PATH is required");
    if (size == 0 || size % block_size)
        usage_error("--size must be a non-zero multiple of the block size (%s)", block_size == 512 ? "512" : "4096");

    static struct fault_rules rules;
    struct fault_rules *faults = NULL;
    if (faults_path) {
        char *text = read_file(faults_path);
        char err[256];
        if (!text)
            usage_error("cannot read the fault file %s", faults_path);
        if (fault_rules_parse(text, &rules, err, sizeof(err)) < 0) {
            fprintf(stderr, "vscsi-target: %s: %s\n", faults_path, err);
            free(text);
            return 1;
        }
        free(text);
        if (seed_given)
            fault_rules_seed(&rules, seed);
        faults = &rules;
    }

    size_t ntargets, nluns;
    uint16_t *targets = parse_list(targets_arg, LUN_TABLE_TARGETS - 1, &ntargets, "targets");
    uint16_t *luns = parse_list(luns_arg, LUN_TABLE_LUNS - 1, &nluns, "LUNs");
    static struct lun_table table;
    const char *why;
    if (lun_table_init(&table, targets, ntargets, luns, nluns, size / block_size, block_size, kind, wce,
                       &why) < 0) {
        fprintf(stderr, "vscsi-target: %s\n", why);
        return 1;
    }
    free(targets);
    free(luns);
    int store_fd = -1;
    if (kind == BLOCK_STORE_FILE) {
        store_fd = open(store_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        struct stat st;
        if (store_fd < 0 || fstat(store_fd, &st) < 0) {
            fprintf(stderr, "vscsi-target: cannot open the store file %s: %s\n", store_path, strerror(errno));
            return 1;
        }
        if (table.lun_count > UINT64_MAX / size) {
            fprintf(stderr, "vscsi-target: %zu LUNs of %llu bytes do not fit one file\n", table.lun_count,
                    (unsigned long long)size);
            return 1;
        }
        uint64_t need = table.lun_count * size;
        if ((uint64_t)st.st_size < need && ftruncate(store_fd, (off_t)need) < 0) {
            fprintf(stderr, "vscsi-target: cannot extend %s to %llu bytes: %s\n", store_path,
                    (unsigned long long)need, strerror(errno));
            return 1;
        }
        uint64_t k = 0;
        for (unsigned t = 0; t < LUN_TABLE_TARGETS; t++)
            for (size_t j = 0; table.targets[t].luns && j < table.targets[t].count; j++)
                block_store_attach_file(&table.targets[t].luns[table.targets[t].present[j]]->store, store_fd,
                                        size * k++);
    }

    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGUSR1);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    int sfd = signalfd(-1, &mask, SFD_CLOEXEC);
    signal(SIGPIPE, SIG_IGN);
    int lfd = listen_on(socket_path);
    vt_log("listening on %s: %zu targets x %zu LUNs (%zu LUNs) of %llu x %u bytes, %s store%s, %zu fault rules",
           socket_path, ntargets, nluns, table.lun_count, (unsigned long long)(size / block_size), block_size,
           kind == BLOCK_STORE_SPARSE ? "sparse" : kind == BLOCK_STORE_NULL ? "null" : store_path, wce ? ", volatile write cache" : "",
           faults ? faults->count : 0);
    if (faults)
        vt_log("fault seed %llu", (unsigned long long)faults->seed);

    static struct device dev;
    device_init(&dev, &table, faults, seed_given ? seed : 1);
    struct vhost_user u = {.fd = -1, .dev = &dev};
    bool running = true;
    while (running) {
        struct pollfd pfd[2 + DEVICE_MAX_RINGS];
        unsigned ring_of[2 + DEVICE_MAX_RINGS];
        nfds_t n = 0;
        pfd[n++] = (struct pollfd){.fd = sfd, .events = POLLIN};
        pfd[n++] = (struct pollfd){.fd = u.fd >= 0 ? u.fd : lfd, .events = POLLIN};
        for (unsigned i = 0; i < dev.nrings; i++) {
            struct vring *v = &dev.rings[i];
            if (v->started && !v->disabled && v->kick_fd >= 0) {
                ring_of[n] = i;
                pfd[n++] = (struct pollfd){.fd = v->kick_fd, .events = POLLIN};
            }
        }
        uint64_t now = vt_now_ns();
        uint64_t next = device_run_timers(&dev, now);
        int timeout = -1;
        if (next != UINT64_MAX) {
            now = vt_now_ns();
            timeout = next <= now ? 0 : (int)((next - now + 999999) / 1000000);
        }
        if (poll(pfd, n, timeout) < 0 && errno != EINTR) {
            vt_log("poll: %s", strerror(errno));
            break;
        }
        if (pfd[0].revents) {
            struct signalfd_siginfo si;
            if (read(sfd, &si, sizeof(si)) > 0 && si.ssi_signo == SIGUSR1) {
                device_power_cut(&dev, "SIGUSR1");
                continue;
            }
            vt_log("signal %u: stopping", si.ssi_signo);
            break;
        }
        if (pfd[1].revents) {
            if (u.fd < 0) {
                u.fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
                if (u.fd >= 0)
                    vt_log("QEMU connected");
            } else if (vhost_user_handle(&u) < 0) {
                vt_log("QEMU disconnected");
                vhost_user_disconnect(&u);
                close(u.fd);
                u.fd = -1;
                if (once)
                    running = false;
                continue;
            }
        }
        now = vt_now_ns();
        for (nfds_t i = 2; i < n; i++) {
            if (!pfd[i].revents)
                continue;
            uint64_t count;
            if (read(pfd[i].fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
                vt_log("ring %u: kick read: %s", ring_of[i], strerror(errno));
        }
        /* every running ring, kicked or not: a ring that just started may hold requests already */
        for (unsigned i = 0; i < dev.nrings; i++)
            if (dev.rings[i].started && !dev.rings[i].disabled)
                device_process(&dev, i, now);
    }
    device_report(&dev);
    device_free(&dev);
    lun_table_free(&table);
    if (u.fd >= 0)
        close(u.fd);
    close(lfd);
    close(sfd);
    if (store_fd >= 0)
        close(store_fd);
    unlink(socket_path);
    return 0;
}
