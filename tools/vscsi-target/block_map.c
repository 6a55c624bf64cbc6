/* The key-to-buffer hash map (block_map.h). */
#include "tools/vscsi-target/block_map.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

void block_map_init(struct block_map *m, size_t value_size)
{
    memset(m, 0, sizeof(*m));
    m->value_size = value_size;
}

void block_map_free(struct block_map *m)
{
    for (size_t i = 0; i < m->slots; i++)
        free(m->values[i]);
    free(m->keys);
    free(m->values);
    block_map_init(m, m->value_size);
}

static size_t home(uint64_t stored_key, size_t slots)
{
    return (size_t)((stored_key * 0x9e3779b97f4a7c15ull) >> 17) & (slots - 1);
}

/* The slot of key, or the empty slot where it would go. */
static size_t find(const struct block_map *m, uint64_t key)
{
    size_t i = home(key + 1, m->slots);
    while (m->keys[i] != 0 && m->keys[i] != key + 1)
        i = (i + 1) & (m->slots - 1);
    return i;
}

uint8_t *block_map_get(const struct block_map *m, uint64_t key)
{
    if (m->used == 0)
        return NULL;
    size_t i = find(m, key);
    return m->keys[i] ? m->values[i] : NULL;
}

static int grow(struct block_map *m)
{
    struct block_map bigger = *m;
    bigger.slots = m->slots ? m->slots * 2 : 64;
    bigger.keys = calloc(bigger.slots, sizeof(*bigger.keys));
    bigger.values = calloc(bigger.slots, sizeof(*bigger.values));
    if (!bigger.keys || !bigger.values) {
        free(bigger.keys);
        free(bigger.values);
        return -1;
    }
    for (size_t i = 0; i < m->slots; i++) {
        if (m->keys[i] == 0)
            continue;
        size_t j = find(&bigger, m->keys[i] - 1);
        bigger.keys[j] = m->keys[i];
        bigger.values[j] = m->values[i];
    }
    free(m->keys);
    free(m->values);
    *m = bigger;
    return 0;
}

uint8_t *block_map_put(struct block_map *m, uint64_t key)
{
    if ((m->used + 1) * 2 > m->slots && grow(m) < 0) /* at most half full: short probe runs */
        return NULL;
    size_t i = find(m, key);
    if (m->keys[i] == 0) {
        uint8_t *v = calloc(1, m->value_size);
        if (!v)
            return NULL;
        m->keys[i] = key + 1;
        m->values[i] = v;
        m->used++;
    }
    return m->values[i];
}

void block_map_remove_slot(struct block_map *m, size_t i)
{
    free(m->values[i]);
    m->keys[i] = 0;
    m->values[i] = NULL;
    m->used--;
    /* backward shift: an entry later in the probe run moves into the hole unless its home slot
     * lies in (hole, entry], so every key stays reachable from its home */
    for (size_t j = (i + 1) & (m->slots - 1); m->keys[j] != 0; j = (j + 1) & (m->slots - 1)) {
        size_t h = home(m->keys[j], m->slots);
        bool stays = i <= j ? (h > i && h <= j) : (h > i || h <= j);
        if (stays)
            continue;
        m->keys[i] = m->keys[j];
        m->values[i] = m->values[j];
        m->keys[j] = 0;
        m->values[j] = NULL;
        i = j;
    }
}

void block_map_remove(struct block_map *m, uint64_t key)
{
    if (m->used == 0)
        return;
    size_t i = find(m, key);
    if (m->keys[i] != 0)
        block_map_remove_slot(m, i);
}
