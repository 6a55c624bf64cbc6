/*
 * A map from 64-bit keys to fixed-size buffers (an open-addressing hash table with linear
 * probing and backward-shift deletion): the pages of a sparse block store and the blocks of a
 * write cache. Pure.
 */
#ifndef TOOLS_VSCSI_TARGET_BLOCK_MAP_H
#define TOOLS_VSCSI_TARGET_BLOCK_MAP_H

#include <stddef.h>
#include <stdint.h>

struct block_map {
    size_t value_size;
    uint64_t *keys;   /* key + 1 (0: an empty slot) */
    uint8_t **values; /* value_size bytes each */
    size_t slots, used; /* slots: a power of two, or 0 before the first insertion */
};

void block_map_init(struct block_map *m, size_t value_size);
void block_map_free(struct block_map *m); /* empty again, same value size */
/* The buffer of key, or NULL. */
uint8_t *block_map_get(const struct block_map *m, uint64_t key);
/* The buffer of key, made (zeroed) when it is not there; NULL when memory runs out. Keys up to
 * UINT64_MAX - 1. */
uint8_t *block_map_put(struct block_map *m, uint64_t key);
void block_map_remove(struct block_map *m, uint64_t key);
/* Walking: slot i holds a key when m->keys[i] != 0 (the key is m->keys[i] - 1). Removing slot i
 * may move a later entry into it: look at slot i again afterwards. */
void block_map_remove_slot(struct block_map *m, size_t i);

#endif
