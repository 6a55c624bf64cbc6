/*
 * A disk's volatile write cache (SBC-4 4.16: the Caching mode page's WCE set): acknowledged
 * writes wait here, one entry per logical block, until SYNCHRONIZE CACHE (or a write with FUA)
 * puts them on the medium, the block store. A power cut loses what is still here, except for a
 * random part of it that had already reached the medium (the order a disk destages in is its
 * own, so a multi-block write can be torn). Pure: unit-tested on the host.
 */
#ifndef TOOLS_VSCSI_TARGET_WRITE_CACHE_H
#define TOOLS_VSCSI_TARGET_WRITE_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "tools/vscsi-target/block_map.h"
#include "tools/vscsi-target/block_store.h"

struct write_cache {
    uint32_t block_size;
    struct block_map blocks; /* LBA -> block_size bytes */
};

void write_cache_init(struct write_cache *c, uint32_t block_size);
void write_cache_free(struct write_cache *c);
/* Keep blocks [lba, lba + count) of data (count * block_size bytes). 0, or -1 out of memory. */
int write_cache_put(struct write_cache *c, uint64_t lba, const uint8_t *data, uint64_t count);
/* Lay the cached blocks of [lba, lba + count) over buf, which holds those blocks as the medium has
 * them: what a read returns. */
void write_cache_overlay(const struct write_cache *c, uint64_t lba, uint8_t *buf, uint64_t count);
/* Drop the cached copies of [lba, lba + count) (a write-through or an UNMAP replaced them). */
void write_cache_forget(struct write_cache *c, uint64_t lba, uint64_t count);
/* Write every cached block to the medium and empty the cache. Returns the blocks written, or -1
 * when the store refuses one (the rest stay cached). */
int64_t write_cache_flush(struct write_cache *c, struct block_store *medium);
/* A power cut: each cached block reaches the medium when random() is odd (the caller's seeded
 * generator), the others are lost; the cache is empty afterwards. Counts in *kept and *lost. */
void write_cache_power_cut(struct write_cache *c, struct block_store *medium, uint64_t (*random)(void *), void *rng,
                           uint64_t *kept, uint64_t *lost);
size_t write_cache_blocks(const struct write_cache *c);

#endif
