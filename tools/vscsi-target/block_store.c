/* The null and sparse block stores (block_store.h). */
#include "tools/vscsi-target/block_store.h"

#include <string.h>

void block_store_init(struct block_store *s, enum block_store_kind kind, uint64_t bytes)
{
    s->kind = kind;
    s->bytes = bytes;
    block_map_init(&s->pages, BLOCK_STORE_PAGE);
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
