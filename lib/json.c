#include "json.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

void json_init(struct json_writer *w, void (*sink)(void *, const char *, size_t), void *ctx, unsigned pretty_depth)
{
    memset(w, 0, sizeof *w);
    w->sink = sink;
    w->ctx = ctx;
    w->pretty_depth = pretty_depth;
}

static void put(struct json_writer *w, const char *s, size_t len) { w->sink(w->ctx, s, len); }
static void puts_(struct json_writer *w, const char *s) { put(w, s, strlen(s)); }

static void put_escaped(struct json_writer *w, const char *s)
{
    put(w, "\"", 1);
    size_t start = 0, i = 0;
    for (; s[i] != '\0'; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        put(w, s + start, i - start);
        char esc[8];
        switch (c) {
        case '"': puts_(w, "\\\""); break;
        case '\\': puts_(w, "\\\\"); break;
        case '\n': puts_(w, "\\n"); break;
        case '\r': puts_(w, "\\r"); break;
        case '\t': puts_(w, "\\t"); break;
        default: snprintf(esc, sizeof esc, "\\u%04x", c); puts_(w, esc); break;
        }
        start = i + 1;
    }
    put(w, s + start, i - start);
    put(w, "\"", 1);
}

/* Comma, newline and indent before a member, then its key. */
static void member(struct json_writer *w, const char *key)
{
    if (w->depth > 0) {
        if (w->need_comma[w->depth - 1])
            put(w, ",", 1);
        w->need_comma[w->depth - 1] = true;
        if (w->depth < w->pretty_depth + 1) {
            put(w, "\n", 1);
            for (unsigned i = 0; i < w->depth; i++)
                put(w, "  ", 2);
        }
    }
    if (key != NULL) {
        put_escaped(w, key);
        puts_(w, w->depth < w->pretty_depth + 1 ? ": " : ":");
    }
}

static void open_(struct json_writer *w, const char *key, const char *bracket)
{
    member(w, key);
    puts_(w, bracket);
    if (w->depth == JSON_MAX_DEPTH) {
        w->error = true;
        return;
    }
    w->need_comma[w->depth++] = false;
}

static void close_(struct json_writer *w, const char *bracket)
{
    if (w->depth == 0) {
        w->error = true;
        return;
    }
    bool had_members = w->need_comma[--w->depth];
    if (w->depth + 1 < w->pretty_depth + 1 && had_members) {
        put(w, "\n", 1);
        for (unsigned i = 0; i < w->depth; i++)
            put(w, "  ", 2);
    }
    puts_(w, bracket);
    if (w->depth == 0 && w->pretty_depth > 0)
        put(w, "\n", 1);
}

void json_object_begin(struct json_writer *w, const char *key) { open_(w, key, "{"); }
void json_object_end(struct json_writer *w) { close_(w, "}"); }
void json_array_begin(struct json_writer *w, const char *key) { open_(w, key, "["); }
void json_array_end(struct json_writer *w) { close_(w, "]"); }

void json_string(struct json_writer *w, const char *key, const char *value)
{
    member(w, key);
    put_escaped(w, value);
}

void json_uint(struct json_writer *w, const char *key, uint64_t value)
{
    char buf[24];
    member(w, key);
    snprintf(buf, sizeof buf, "%" PRIu64, value);
    puts_(w, buf);
}

void json_int(struct json_writer *w, const char *key, int64_t value)
{
    char buf[24];
    member(w, key);
    snprintf(buf, sizeof buf, "%" PRId64, value);
    puts_(w, buf);
}

void json_double(struct json_writer *w, const char *key, double value)
{
    char buf[40];
    member(w, key);
    if (!isfinite(value)) {
        puts_(w, "null");
        return;
    }
    /* %.17g round-trips a double; integral values keep a ".0"-free integer form. */
    snprintf(buf, sizeof buf, "%.17g", value);
    puts_(w, buf);
}

void json_bool(struct json_writer *w, const char *key, bool value)
{
    member(w, key);
    puts_(w, value ? "true" : "false");
}

void json_null(struct json_writer *w, const char *key)
{
    member(w, key);
    puts_(w, "null");
}
