/* Device-written buffers (lib/dev_buf.c): the heap's by default, another allocator's once one is
 * installed, and the window each command's data takes (against the guard page in the guard build). */
#include <stdint.h>
#include <string.h>

#include "lib/dev_buf.h"
#include "test_support.h"

static size_t freed_len;
static void *freed;
static uint8_t pool[2][4096] __attribute__((aligned(64)));
static unsigned next;

static void *fake_alloc(size_t len, size_t align)
{
    (void)align;
    assert_true(len <= sizeof pool[0] && next < 2);
    uint8_t *p = pool[next++];
    memset(p, 0, len);
    return p;
}

static void fake_free(void *p, size_t len)
{
    freed = p;
    freed_len = len;
}

static void test_heap_buffers_are_zeroed_and_aligned(void **state)
{
    (void)state;
    dev_buf_use(NULL);
    assert_int_equal(dev_buf_side(), DEV_BUF_GUARD_NONE);
    uint8_t *p = dev_buf_alloc(8192, 4096);
    assert_non_null(p);
    assert_int_equal((uintptr_t)p % 4096, 0);
    for (size_t i = 0; i < 8192; i++)
        assert_int_equal(p[i], 0);
    /* no guards: every command's data starts at the buffer */
    assert_ptr_equal(dev_buf_window(p, 256, 96), p);
    dev_buf_free(p, 8192);
    dev_buf_free(NULL, 1); /* nothing to give back */
}

static void test_window_against_the_guard(void **state)
{
    (void)state;
    static const struct dev_buf_allocator at_end = { fake_alloc, fake_free, DEV_BUF_GUARD_END };
    static const struct dev_buf_allocator at_start = { fake_alloc, fake_free, DEV_BUF_GUARD_START };
    next = 0;
    dev_buf_use(&at_end);
    assert_int_equal(dev_buf_side(), DEV_BUF_GUARD_END);
    uint8_t *b = dev_buf_alloc(256, 64);
    assert_ptr_equal(b, pool[0]);
    /* each answer ends where the buffer ends: the byte after it is the guard page's */
    assert_ptr_equal((uint8_t *)dev_buf_window(b, 256, 96) + 96, b + 256);
    assert_ptr_equal(dev_buf_window(b, 256, 256), b);
    assert_ptr_equal(dev_buf_window(b, 256, 0), b + 256);
    assert_ptr_equal(dev_buf_window(b, 256, 300), b); /* more than the buffer: never before its start */
    dev_buf_free(b, 256);
    assert_ptr_equal(freed, b);
    assert_int_equal(freed_len, 256);
    dev_buf_use(&at_start);
    uint8_t *s = dev_buf_alloc(256, 64);
    assert_ptr_equal(dev_buf_window(s, 256, 96), s);
    dev_buf_use(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_heap_buffers_are_zeroed_and_aligned),
        cmocka_unit_test(test_window_against_the_guard),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
