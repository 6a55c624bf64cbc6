/*
 * Helpers shared by the libFuzzer targets (tests/fuzz/fuzz_*.c): reading structured values off
 * the fuzz input, exact-size heap copies (so that AddressSanitizer flags a read one byte past
 * what a parser was given), and invariant checks that abort, which libFuzzer reports as a crash.
 */
#ifndef TESTS_FUZZ_FUZZ_INPUT_H
#define TESTS_FUZZ_FUZZ_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libFuzzer's entry point; declared here so that -Wmissing-prototypes stays on. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant of the parser's contract (not just memory safety): a failure aborts, and
 * libFuzzer saves the input that broke it. */
#define FUZZ_CHECK(cond)                                                                          \
    do {                                                                                          \
        if (!(cond)) {                                                                            \
            fprintf(stderr, "fuzz invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__);    \
            abort();                                                                              \
        }                                                                                         \
    } while (0)

/* The unread rest of the input. Reads past the end give zeros, so every input is a valid one. */
struct fuzz_input {
    const uint8_t *p;
    size_t left;
};

static inline uint8_t fuzz_u8(struct fuzz_input *in)
{
    if (in->left == 0)
        return 0;
    in->left--;
    return *in->p++;
}

/* Little-endian, so that hand-made seeds read naturally in a hex dump. */
static inline uint16_t fuzz_u16(struct fuzz_input *in)
{
    uint16_t lo = fuzz_u8(in);
    return (uint16_t)(lo | (uint16_t)fuzz_u8(in) << 8);
}

static inline uint32_t fuzz_u32(struct fuzz_input *in)
{
    uint32_t lo = fuzz_u16(in);
    return lo | (uint32_t)fuzz_u16(in) << 16;
}

/* Up to n bytes of the input (fewer at its end); *got says how many. */
static inline const uint8_t *fuzz_bytes(struct fuzz_input *in, size_t n, size_t *got)
{
    const uint8_t *p = in->p;
    *got = n < in->left ? n : in->left;
    in->p += *got;
    in->left -= *got;
    return p;
}

/* A heap copy of exactly n bytes: the parser under test gets no slack to read into. malloc(0)
 * still gives a unique pointer, which ASan treats as zero bytes long. */
static inline uint8_t *fuzz_copy(const uint8_t *p, size_t n)
{
    uint8_t *copy = malloc(n);
    FUZZ_CHECK(copy != NULL || n == 0);
    if (n > 0)
        memcpy(copy, p, n);
    return copy;
}

/* A NUL-terminated heap copy: what a parser of C strings (the command line) is given. */
static inline char *fuzz_strndup(const uint8_t *p, size_t n)
{
    char *s = malloc(n + 1);
    FUZZ_CHECK(s != NULL);
    memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

/* A parser's error message: NUL-terminated inside the err_len bytes it was given. */
static inline bool fuzz_is_c_string(const char *s, size_t size)
{
    return size > 0 && memchr(s, '\0', size) != NULL;
}

/* A string a device or a user handed us and the parser cleaned for the console: printable ASCII. */
static inline bool fuzz_is_printable(const char *s)
{
    for (; *s != '\0'; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            return false;
    return true;
}

#endif
