/* The null and sparse block stores (block_store.h). */
#include "tools/vscsi-target/block_store.h"

#include <stdlib.h>
#include <string.h>

void block_store_init(struct block_store *s, enum block_store_kind kind, uint64_t bytes)
{
    memset(s, 0, sizeof(*s));
    s->kind = kind;
    s->bytes = bytes;
}

void block_store_free(struct block_store *s)
{
    for (size_t i = 0; i < s->slots; i++)
        free(s->pages[i]);
    free(s->keys);
    free(s->pages);
    s->keys = NULL;
    s->pages = NULL;
    s->slots = s->used = 0;
}

static int in_range(const struct block_store *s, uint64_t offset, uint64_t len)
{
    return offset <= s->bytes && len <= s->bytes - offset;
}

static size_t slot_of(uint64_t key, size_t slots)
{
    return (size_t)((key * 0x9e3779b97f4a7c15ull) >> 17) & (slots - 1);
}

/* The slot holding page number page, or the empty slot where it would go. */
static size_t find_slot(const struct block_store *s, uint64_t page)
{
    size_t i = slot_of(page + 1, s->slots);
    while (s->keys[i] != 0 && s->keys[i] != page + 1)
        i = (i + 1) & (s->slots - 1);
    return i;
}

static const uint8_t *lookup(const struct block_store *s, uint64_t page)
{
    if (s->slots == 0)
        return NULL;
    size_t i = find_slot(s, page);
    return s->keys[i] ? s->pages[i] : NULL;
}

static int grow(struct block_store *s)
{
    size_t slots = s->slots ? s->slots * 2 : 64;
    uint64_t *keys = calloc(slots, sizeof(*keys));
    uint8_t **pages = calloc(slots, sizeof(*pages));
    if (!keys || !pages) {
        free(keys);
        free(pages);
        return -1;
    }
    struct block_store bigger = *s;
    bigger.keys = keys;
    bigger.pages = pages;
    bigger.slots = slots;
    for (size_t i = 0; i < s->slots; i++) {
        if (s->keys[i] == 0)
            continue;
        size_t j = find_slot(&bigger, s->keys[i] - 1);
        keys[j] = s->keys[i];
        pages[j] = s->pages[i];
    }
    free(s->keys);
    free(s->pages);
    *s = bigger;
    return 0;
}

/* The page, allocated (zeroed) when it is not there yet; NULL when memory runs out. */
static uint8_t *page_for_write(struct block_store *s, uint64_t page)
{
    if (s->slots == 0 || (s->used + 1) * 2 > s->slots) {
        if (grow(s) < 0)
            return NULL;
    }
    size_t i = find_slot(s, page);
    if (s->keys[i] == 0) {
        uint8_t *p = calloc(1, BLOCK_STORE_PAGE);
        if (!p)
            return NULL;
        s->keys[i] = page + 1;
        s->pages[i] = p;
        s->used++;
    }
    return s->pages[i];
}

int block_store_read(const struct block_store *s, uint64_t offset, uint8_t *buf, size_t len)
{
    if (!in_range(s, offset, len))
        return -1;
    while (len) {
        uint64_t page = offset / BLOCK_STORE_PAGE;
        size_t in = (size_t)(offset % BLOCK_STORE_PAGE), n = BLOCK_STORE_PAGE - in;
        if (n > len)
            n = len;
        const uint8_t *p = s->kind == BLOCK_STORE_SPARSE ? lookup(s, page) : NULL;
        if (p)
            memcpy(buf, p + in, n);
        else
            memset(buf, 0, n);
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
        uint64_t page = offset / BLOCK_STORE_PAGE;
        size_t in = (size_t)(offset % BLOCK_STORE_PAGE), n = BLOCK_STORE_PAGE - in;
        if (n > len)
            n = len;
        uint8_t *p = page_for_write(s, page);
        if (!p)
            return -1;
        memcpy(p + in, buf, n);
        buf += n;
        offset += n;
        len -= n;
    }
    return 0;
}

/* Remove one page from the table, keeping every other key reachable from its home slot
 * (backward-shift deletion for linear probing). */
static void remove_page(struct block_store *s, uint64_t page)
{
    size_t i = find_slot(s, page);
    if (s->keys[i] == 0)
        return;
    free(s->pages[i]);
    s->keys[i] = 0;
    s->pages[i] = NULL;
    s->used--;
    size_t j = i;
    for (;;) {
        j = (j + 1) & (s->slots - 1);
        if (s->keys[j] == 0)
            return;
        size_t home = slot_of(s->keys[j], s->slots);
        /* the entry at j may move to the hole at i when its home is not within (i, j] */
        int stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (stays)
            continue;
        s->keys[i] = s->keys[j];
        s->pages[i] = s->pages[j];
        s->keys[j] = 0;
        s->pages[j] = NULL;
        i = j;
    }
}

int block_store_discard(struct block_store *s, uint64_t offset, uint64_t len)
{
    if (!in_range(s, offset, len))
        return -1;
    if (s->kind == BLOCK_STORE_NULL || s->slots == 0)
        return 0;
    while (len) {
        uint64_t page = offset / BLOCK_STORE_PAGE;
        uint64_t in = offset % BLOCK_STORE_PAGE, n = BLOCK_STORE_PAGE - in;
        if (n > len)
            n = len;
        if (n == BLOCK_STORE_PAGE) {
            remove_page(s, page);
        } else {
            size_t i = find_slot(s, page);
            if (s->keys[i])
                memset(s->pages[i] + in, 0, (size_t)n);
        }
        offset += n;
        len -= n;
    }
    return 0;
}

size_t block_store_pages(const struct block_store *s)
{
    return s->used;
}
