/*
 * A streaming JSON writer: values go straight to a sink function as they are written, so a
 * 16384-LUN inventory needs no buffer. Commas and nesting are tracked; strings are escaped
 * (RFC 8259, 7); non-finite numbers are written as null.
 */
#ifndef LIB_JSON_H
#define LIB_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_DEPTH 32

struct json_writer {
    void (*sink)(void *ctx, const char *buf, size_t len);
    void *ctx;
    unsigned depth;
    bool need_comma[JSON_MAX_DEPTH];
    unsigned pretty_depth; /* newlines and indents only for members at depths below this */
    bool error; /* nesting mistake (depth overflow or an unbalanced end) */
};

/* pretty_depth 0 writes everything on one line; N breaks lines for members nested less than N
 * deep, so that, say, each element of a long array stands on a line of its own but compact. */
void json_init(struct json_writer *w, void (*sink)(void *, const char *, size_t), void *ctx, unsigned pretty_depth);

/* key is NULL inside arrays and at the top level. */
void json_object_begin(struct json_writer *w, const char *key);
void json_object_end(struct json_writer *w);
void json_array_begin(struct json_writer *w, const char *key);
void json_array_end(struct json_writer *w);
void json_string(struct json_writer *w, const char *key, const char *value);
void json_uint(struct json_writer *w, const char *key, uint64_t value);
void json_int(struct json_writer *w, const char *key, int64_t value);
void json_double(struct json_writer *w, const char *key, double value);
void json_bool(struct json_writer *w, const char *key, bool value);
void json_null(struct json_writer *w, const char *key);

#endif
