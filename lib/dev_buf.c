/* Device-written buffers (lib/dev_buf.h): the heap's, or the guard build's. */
#include "lib/dev_buf.h"

#include <malloc.h>
#include <string.h>

static void *heap_alloc(size_t len, size_t align)
{
    void *p = memalign(align < 16 ? 16 : align, len ? len : 1);
    if (p != NULL)
        memset(p, 0, len);
    return p;
}

static void heap_free(void *p, size_t len)
{
    (void)len;
    free(p);
}

static const struct dev_buf_allocator heap = { heap_alloc, heap_free, DEV_BUF_GUARD_NONE };
static const struct dev_buf_allocator *current = &heap;

void dev_buf_use(const struct dev_buf_allocator *a) { current = a ? a : &heap; }
enum dev_buf_side dev_buf_side(void) { return current->side; }
void *dev_buf_alloc(size_t len, size_t align) { return current->alloc(len, align); }

void dev_buf_free(void *p, size_t len)
{
    if (p != NULL)
        current->free(p, len);
}
