/* Guard-paged buffers (guard_buf.h). */
#include "tools/vscsi-target/guard_buf.h"

#include <sys/mman.h>
#include <unistd.h>

static size_t page_size(void)
{
    static size_t page;
    if (!page)
        page = (size_t)sysconf(_SC_PAGESIZE);
    return page;
}

void *guard_reserve(size_t len, size_t *total)
{
    size_t page = page_size();
    if (len > SIZE_MAX - 3 * page)
        return NULL;
    size_t middle = (len + page - 1) / page * page;
    *total = middle + 2 * page;
    uint8_t *p = mmap(NULL, *total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return p == MAP_FAILED ? NULL : p + page;
}

uint8_t *guard_buf_get(struct guard_buf *g, size_t need)
{
    if (!g->base || need > g->cap) {
        size_t want = need > g->cap * 2 ? need : g->cap * 2;
        size_t total;
        uint8_t *p = guard_reserve(want ? want : 1, &total);
        if (!p)
            return NULL;
        size_t cap = total - 2 * page_size();
        if (mprotect(p, cap, PROT_READ | PROT_WRITE) != 0) {
            munmap(p - page_size(), total);
            return NULL;
        }
        guard_buf_free(g);
        g->base = p;
        g->cap = cap;
    }
    return g->base + (g->cap - need);
}

void guard_buf_free(struct guard_buf *g)
{
    if (g->base)
        munmap(g->base - page_size(), g->cap + 2 * page_size());
    g->base = NULL;
    g->cap = 0;
}
