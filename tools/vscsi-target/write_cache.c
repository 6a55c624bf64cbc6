/* The volatile write cache (write_cache.h). */
#include "tools/vscsi-target/write_cache.h"

#include <string.h>

void write_cache_init(struct write_cache *c, uint32_t block_size)
{
    c->block_size = block_size;
    block_map_init(&c->blocks, block_size);
}

void write_cache_free(struct write_cache *c)
{
    block_map_free(&c->blocks);
}

int write_cache_put(struct write_cache *c, uint64_t lba, const uint8_t *data, uint64_t count)
{
    for (uint64_t b = 0; b < count; b++) {
        uint8_t *p = block_map_put(&c->blocks, lba + b);
        if (!p)
            return -1;
        memcpy(p, data + b * c->block_size, c->block_size);
    }
    return 0;
}

void write_cache_overlay(const struct write_cache *c, uint64_t lba, uint8_t *buf, uint64_t count)
{
    for (uint64_t b = 0; c->blocks.used && b < count; b++) {
        const uint8_t *p = block_map_get(&c->blocks, lba + b);
        if (p)
            memcpy(buf + b * c->block_size, p, c->block_size);
    }
}

void write_cache_forget(struct write_cache *c, uint64_t lba, uint64_t count)
{
    struct block_map *m = &c->blocks;
    if (count <= m->used * 4) {
        for (uint64_t b = 0; m->used && b < count; b++)
            block_map_remove(m, lba + b);
        return;
    }
    for (size_t i = 0; i < m->slots;) { /* a long range over a small cache: walk the cache */
        if (m->keys[i] && m->keys[i] - 1 >= lba && m->keys[i] - 1 - lba < count)
            block_map_remove_slot(m, i); /* slot i may hold a moved entry now: look again */
        else
            i++;
    }
}

int64_t write_cache_flush(struct write_cache *c, struct block_store *medium)
{
    const struct block_map *m = &c->blocks;
    int64_t n = 0;
    for (size_t i = 0; i < m->slots; i++) {
        if (!m->keys[i])
            continue;
        if (block_store_write(medium, (m->keys[i] - 1) * c->block_size, m->values[i], c->block_size) < 0)
            return -1;
        n++;
    }
    write_cache_free(c);
    return n;
}

void write_cache_power_cut(struct write_cache *c, struct block_store *medium, uint64_t (*random)(void *), void *rng,
                           uint64_t *kept, uint64_t *lost)
{
    const struct block_map *m = &c->blocks;
    for (size_t i = 0; i < m->slots; i++) {
        if (!m->keys[i])
            continue;
        if (random(rng) & 1) {
            block_store_write(medium, (m->keys[i] - 1) * c->block_size, m->values[i], c->block_size);
            ++*kept;
        } else {
            ++*lost;
        }
    }
    write_cache_free(c);
}

size_t write_cache_blocks(const struct write_cache *c)
{
    return c->blocks.used;
}
