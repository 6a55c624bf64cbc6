/* Helpers shared by the host unit tests (cmocka). */
#ifndef TESTS_UNIT_TEST_SUPPORT_H
#define TESTS_UNIT_TEST_SUPPORT_H

#include <setjmp.h> /* cmocka.h needs these first */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/* Read a whole file (relative to the repository root, where make runs the tests) into a
 * malloc'd buffer; fails the test if it cannot. */
uint8_t *test_read_file(const char *path, size_t *len);

/* Text a writer appends to (a json_writer's sink: test_text_sink with the struct as its context),
 * kept NUL-terminated; the test fails when it would not fit in cap bytes. */
struct test_text {
    char *buf;
    size_t cap, len;
};
void test_text_sink(void *ctx, const char *data, size_t len);

#endif
