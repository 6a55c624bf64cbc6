/*
 * The blocks behind one LUN: nothing (a null store: reads give zeroes, writes are dropped), a
 * sparse store in memory, 4 KiB pages allocated on first write in an open-addressing hash table,
 * so a 1 GiB LUN that a verify job touches in a few places costs only those pages, or a range of
 * a file (pread/pwrite at base + offset: the LUN outlives the target). Unit-tested on the host.
 */
#ifndef TOOLS_VSCSI_TARGET_BLOCK_STORE_H
#define TOOLS_VSCSI_TARGET_BLOCK_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "tools/vscsi-target/block_map.h"

enum block_store_kind { BLOCK_STORE_NULL, BLOCK_STORE_SPARSE, BLOCK_STORE_FILE };

#define BLOCK_STORE_PAGE 4096u

struct block_store {
    enum block_store_kind kind;
    uint64_t bytes;        /* the LUN's size: every access is checked against it */
    struct block_map pages; /* page number -> BLOCK_STORE_PAGE bytes */
    int fd;                 /* BLOCK_STORE_FILE: the file (not owned), -1 until attached */
    uint64_t base;          /* and where the LUN starts in it */
};

void block_store_init(struct block_store *s, enum block_store_kind kind, uint64_t bytes);
void block_store_free(struct block_store *s);
/* A BLOCK_STORE_FILE store's file: bytes [base, base + the store's size) of fd (which the caller
 * keeps open and closes). Until then every access fails. */
void block_store_attach_file(struct block_store *s, int fd, uint64_t base);
/* Each returns 0, or -1 when [offset, offset + len) is not inside the store (nothing done) or,
 * for a write, memory runs out (the part written so far stays). */
int block_store_read(const struct block_store *s, uint64_t offset, uint8_t *buf, size_t len);
int block_store_write(struct block_store *s, uint64_t offset, const uint8_t *buf, size_t len);
/* Give the range back: it reads as zeroes afterwards (UNMAP, WRITE SAME with UNMAP). */
int block_store_discard(struct block_store *s, uint64_t offset, uint64_t len);
/* Pages held, for the log. */
size_t block_store_pages(const struct block_store *s);

#endif
