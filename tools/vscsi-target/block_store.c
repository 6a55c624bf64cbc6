/* The null, sparse and file block stores (block_store.h). */
#define _GNU_SOURCE /* fallocate */
#include "tools/vscsi-target/block_store.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

void block_store_init(struct block_store *s, enum block_store_kind kind, uint64_t bytes)
{
    s->kind = kind;
    s->bytes = bytes;
    s->fd = -1;
    s->base = 0;
    block_map_init(&s->pages, BLOCK_STORE_PAGE);
}

void block_store_attach_file(struct block_store *s, int fd, uint64_t base)
{
    s->fd = fd;
    s->base = base;
}

/* All of [offset, offset + len) of the file, or -1; bytes past its end read as zeroes. */
static int file_io(const struct block_store *s, uint64_t offset, uint8_t *buf, size_t len, bool write)
{
    if (s->fd < 0)
        return -1;
    while (len) {
        ssize_t n = write ? pwrite(s->fd, buf, len, (off_t)(s->base + offset))
                          : pread(s->fd, buf, len, (off_t)(s->base + offset));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0) {
            if (write)
                return -1;
            memset(buf, 0, len); /* a file shorter than the LUN: the rest was never written */
            return 0;
        }
        buf += n;
        offset += (uint64_t)n;
        len -= (size_t)n;
    }
    return 0;
}

void block_store_free(struct block_store *s)
{
    block_map_free(&s->pages);
}

static int in_range(const struct block_store *s, uint64_t offset, uint64_t len)
{
    return offset <= s->bytes && len <= s->bytes - offset;
}

int block_store_read(const struct block_store *s, uint64_t offset, uint8_t *buf, size_t len)
{
    if (!in_range(s, offset, len))
        return -1;
    if (s->kind == BLOCK_STORE_FILE)
        return file_io(s, offset, buf, len, false);
    while (len) {
        size_t in = (size_t)(offset % BLOCK_STORE_PAGE), n = BLOCK_STORE_PAGE - in;
        if (n > len)
            n = len;
        const uint8_t *p = block_map_get(&s->pages, offset / BLOCK_STORE_PAGE);
        if (p)
            memcpy(buf, p + in, n);
        else
            memset(buf, 0, n); /* never written, or given back: zeroes (LBPRZ) */
        buf += n;
        offset += n;
        len -= n;
    }
    return 0;
}

int block_store_write(struct block_store *s, uint64_t offset, const uint8_t *buf, size_t len)
{
    if (!in_range(s, offset, len))
        return -1;
    if (s->kind == BLOCK_STORE_NULL)
        return 0;
    if (s->kind == BLOCK_STORE_FILE)
        return file_io(s, offset, (uint8_t *)buf, len, true);
    while (len) {
        size_t in = (size_t)(offset % BLOCK_STORE_PAGE), n = BLOCK_STORE_PAGE - in;
        if (n > len)
            n = len;
        uint8_t *p = block_map_put(&s->pages, offset / BLOCK_STORE_PAGE);
        if (!p)
            return -1;
        memcpy(p + in, buf, n);
        buf += n;
        offset += n;
        len -= n;
    }
    return 0;
}

int block_store_discard(struct block_store *s, uint64_t offset, uint64_t len)
{
    if (!in_range(s, offset, len))
        return -1;
    if (s->kind == BLOCK_STORE_FILE) {
        if (s->fd >= 0 && len &&
            fallocate(s->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)(s->base + offset), (off_t)len) == 0)
            return 0;
        static const uint8_t zeroes[BLOCK_STORE_PAGE];
        for (uint64_t done = 0; done < len;) { /* no hole punching here: write the zeroes */
            size_t n = len - done < sizeof(zeroes) ? (size_t)(len - done) : sizeof(zeroes);
            if (file_io(s, offset + done, (uint8_t *)zeroes, n, true) < 0)
                return -1;
            done += n;
        }
        return 0;
    }
    while (len) {
        uint64_t page = offset / BLOCK_STORE_PAGE;
        uint64_t in = offset % BLOCK_STORE_PAGE, n = BLOCK_STORE_PAGE - in;
        if (n > len)
            n = len;
        if (n == BLOCK_STORE_PAGE) {
            block_map_remove(&s->pages, page);
        } else {
            uint8_t *p = block_map_get(&s->pages, page);
            if (p)
                memset(p + in, 0, (size_t)n);
        }
        offset += n;
        len -= n;
    }
    return 0;
}

size_t block_store_pages(const struct block_store *s)
{
    return s->pages.used;
}
