/* The streaming JSON writer (lib/json.c), checked against exact strings and against a strict
 * RFC 8259 parser written here, so that "valid JSON" means more than "looks right". */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json.h"
#include "test_support.h"

/* ---- a memory sink ---- */

struct sink {
    char buf[16384];
    size_t len;
};

static void sink_write(void *ctx, const char *data, size_t len)
{
    struct sink *s = ctx;
    assert_true(s->len + len < sizeof s->buf);
    memcpy(s->buf + s->len, data, len);
    s->len += len;
    s->buf[s->len] = '\0';
}

static void start(struct json_writer *w, struct sink *s, unsigned pretty_depth)
{
    s->len = 0;
    s->buf[0] = '\0';
    json_init(w, sink_write, s, pretty_depth);
}

/* ---- a strict recursive-descent parser into a tree ---- */

enum jtype { J_NULL, J_FALSE, J_TRUE, J_NUMBER, J_STRING, J_ARRAY, J_OBJECT };

struct jval {
    enum jtype type;
    char *text;   /* J_NUMBER: the literal as written; J_STRING: the decoded bytes */
    size_t len;   /* J_STRING: decoded length (may hold NUL bytes in principle) */
    double num;   /* J_NUMBER: strtod of text */
    size_t n;     /* J_ARRAY / J_OBJECT: members */
    char **keys;  /* J_OBJECT: decoded keys */
    struct jval *items;
};

struct parser {
    const char *p, *end;
    unsigned depth;
};

static void skip_ws(struct parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
        ps->p++;
}

static bool literal(struct parser *ps, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
        return false;
    ps->p += n;
    return true;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static void put_utf8(char *out, size_t *o, unsigned cp)
{
    if (cp < 0x80) {
        out[(*o)++] = (char)cp;
    } else if (cp < 0x800) {
        out[(*o)++] = (char)(0xc0 | cp >> 6);
        out[(*o)++] = (char)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        out[(*o)++] = (char)(0xe0 | cp >> 12);
        out[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[(*o)++] = (char)(0x80 | (cp & 0x3f));
    } else {
        out[(*o)++] = (char)(0xf0 | cp >> 18);
        out[(*o)++] = (char)(0x80 | ((cp >> 12) & 0x3f));
        out[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[(*o)++] = (char)(0x80 | (cp & 0x3f));
    }
}

static bool hex4(struct parser *ps, unsigned *cp)
{
    if (ps->end - ps->p < 4)
        return false;
    *cp = 0;
    for (int i = 0; i < 4; i++) {
        int d = hex_digit(*ps->p++);
        if (d < 0)
            return false;
        *cp = *cp << 4 | (unsigned)d;
    }
    return true;
}

/* RFC 8259, 7: control characters must be escaped; only the listed escapes exist. */
static bool parse_string(struct parser *ps, char **out, size_t *out_len)
{
    if (ps->p >= ps->end || *ps->p != '"')
        return false;
    ps->p++;
    char *buf = malloc((size_t)(ps->end - ps->p) + 1); /* decoding never lengthens the text */
    assert_non_null(buf);
    size_t o = 0;
    while (ps->p < ps->end && *ps->p != '"') {
        unsigned char c = (unsigned char)*ps->p++;
        if (c < 0x20)
            goto bad;
        if (c != '\\') {
            buf[o++] = (char)c;
            continue;
        }
        if (ps->p >= ps->end)
            goto bad;
        char e = *ps->p++;
        unsigned cp;
        switch (e) {
        case '"': buf[o++] = '"'; break;
        case '\\': buf[o++] = '\\'; break;
        case '/': buf[o++] = '/'; break;
        case 'b': buf[o++] = '\b'; break;
        case 'f': buf[o++] = '\f'; break;
        case 'n': buf[o++] = '\n'; break;
        case 'r': buf[o++] = '\r'; break;
        case 't': buf[o++] = '\t'; break;
        case 'u':
            if (!hex4(ps, &cp))
                goto bad;
            if (cp >= 0xd800 && cp < 0xdc00) { /* a high surrogate needs its low half */
                unsigned lo;
                if (!literal(ps, "\\u") || !hex4(ps, &lo) || lo < 0xdc00 || lo >= 0xe000)
                    goto bad;
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            } else if (cp >= 0xdc00 && cp < 0xe000) {
                goto bad;
            }
            put_utf8(buf, &o, cp);
            break;
        default: goto bad;
        }
    }
    if (ps->p >= ps->end)
        goto bad;
    ps->p++;
    buf[o] = '\0';
    *out = buf;
    *out_len = o;
    return true;
bad:
    free(buf);
    return false;
}

static bool is_digit(const struct parser *ps) { return ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9'; }

/* RFC 8259, 6: -? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?; no NaN, no Infinity. */
static bool parse_number(struct parser *ps, struct jval *v)
{
    const char *start = ps->p;
    if (ps->p < ps->end && *ps->p == '-')
        ps->p++;
    if (!is_digit(ps))
        return false;
    if (*ps->p == '0') {
        ps->p++;
    } else {
        while (is_digit(ps))
            ps->p++;
    }
    if (ps->p < ps->end && *ps->p == '.') {
        ps->p++;
        if (!is_digit(ps))
            return false;
        while (is_digit(ps))
            ps->p++;
    }
    if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
        ps->p++;
        if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
            ps->p++;
        if (!is_digit(ps))
            return false;
        while (is_digit(ps))
            ps->p++;
    }
    size_t n = (size_t)(ps->p - start);
    v->type = J_NUMBER;
    v->text = malloc(n + 1);
    assert_non_null(v->text);
    memcpy(v->text, start, n);
    v->text[n] = '\0';
    v->num = strtod(v->text, NULL);
    return true;
}

static void jval_free(struct jval *v);

static bool parse_value(struct parser *ps, struct jval *v);

static bool parse_members(struct parser *ps, struct jval *v, bool object)
{
    char close = object ? '}' : ']';
    ps->p++;
    v->type = object ? J_OBJECT : J_ARRAY;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        return true;
    }
    for (;;) {
        v->items = realloc(v->items, (v->n + 1) * sizeof *v->items);
        assert_non_null(v->items);
        memset(&v->items[v->n], 0, sizeof v->items[v->n]);
        if (object) {
            v->keys = realloc(v->keys, (v->n + 1) * sizeof *v->keys);
            assert_non_null(v->keys);
            v->keys[v->n] = NULL;
            size_t klen;
            skip_ws(ps);
            if (!parse_string(ps, &v->keys[v->n], &klen)) {
                v->n++;
                return false;
            }
            skip_ws(ps);
            if (ps->p >= ps->end || *ps->p != ':') {
                v->n++;
                return false;
            }
            ps->p++;
        }
        bool ok = parse_value(ps, &v->items[v->n]);
        v->n++;
        if (!ok)
            return false;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == close) {
            ps->p++;
            return true;
        }
        return false;
    }
}

static bool parse_value(struct parser *ps, struct jval *v)
{
    memset(v, 0, sizeof *v);
    skip_ws(ps);
    if (ps->p >= ps->end)
        return false;
    switch (*ps->p) {
    case '{':
    case '[': {
        if (++ps->depth > 64)
            return false;
        bool ok = parse_members(ps, v, *ps->p == '{');
        ps->depth--;
        return ok;
    }
    case '"': v->type = J_STRING; return parse_string(ps, &v->text, &v->len);
    case 't': v->type = J_TRUE; return literal(ps, "true");
    case 'f': v->type = J_FALSE; return literal(ps, "false");
    case 'n': v->type = J_NULL; return literal(ps, "null");
    default: return parse_number(ps, v);
    }
}

/* The whole text must be exactly one value (with surrounding whitespace). */
static bool json_parse(const char *text, struct jval *v)
{
    struct parser ps = { text, text + strlen(text), 0 };
    bool ok = parse_value(&ps, v);
    skip_ws(&ps);
    if (ok && ps.p != ps.end)
        ok = false;
    if (!ok)
        jval_free(v);
    return ok;
}

static void jval_free(struct jval *v)
{
    free(v->text);
    for (size_t i = 0; i < v->n; i++) {
        if (v->keys != NULL)
            free(v->keys[i]);
        jval_free(&v->items[i]);
    }
    free(v->keys);
    free(v->items);
    memset(v, 0, sizeof *v);
}

static bool jval_equal(const struct jval *a, const struct jval *b)
{
    if (a->type != b->type)
        return false;
    switch (a->type) {
    case J_NUMBER: return strcmp(a->text, b->text) == 0;
    case J_STRING: return a->len == b->len && memcmp(a->text, b->text, a->len) == 0;
    case J_ARRAY:
    case J_OBJECT:
        if (a->n != b->n)
            return false;
        for (size_t i = 0; i < a->n; i++) {
            if (a->type == J_OBJECT && strcmp(a->keys[i], b->keys[i]) != 0)
                return false;
            if (!jval_equal(&a->items[i], &b->items[i]))
                return false;
        }
        return true;
    default: return true;
    }
}

static const struct jval *member_of(const struct jval *obj, const char *key)
{
    assert_int_equal(obj->type, J_OBJECT);
    for (size_t i = 0; i < obj->n; i++)
        if (strcmp(obj->keys[i], key) == 0)
            return &obj->items[i];
    fail_msg("no member \"%s\"", key);
    return NULL;
}

static const struct jval *item_of(const struct jval *arr, size_t i)
{
    assert_int_equal(arr->type, J_ARRAY);
    assert_true(i < arr->n);
    return &arr->items[i];
}

static void parse_ok(const char *text, struct jval *v)
{
    if (!json_parse(text, v))
        fail_msg("not valid JSON: %s", text);
}

/* ---- the parser itself refuses what the writer must never produce ---- */

static void test_parser_is_strict(void **state)
{
    (void)state;
    const char *bad[] = {
        "{\"a\":1,}", "[1 2]", "01", "-", "1.", ".5", "1e", "nan", "NaN", "inf", "-Infinity", "\"a\x01\"",
        "\"\\x\"", "\"\\ud800\"", "{\"a\" 1}", "{1:2}", "[", "]", "", "null null", "tru", "\"open",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct jval v;
        if (json_parse(bad[i], &v)) {
            jval_free(&v);
            fail_msg("accepted invalid JSON: %s", bad[i]);
        }
    }
    struct jval v;
    parse_ok(" {\"a\" : [1, -0, 2.5e-3, \"\\u00e9\\ud83d\\ude00\"] } ", &v);
    const struct jval *a = member_of(&v, "a");
    assert_int_equal(a->n, 4);
    assert_string_equal(item_of(a, 3)->text, "\xc3\xa9\xf0\x9f\x98\x80");
    jval_free(&v);
}

/* ---- strings ---- */

static void test_string_escaping(void **state)
{
    (void)state;
    struct sink s;
    struct json_writer w;
    const char *raw = "q\"b\\s/\x01\x1f\n\t\r\x7f \xc3\xa9";
    start(&w, &s, 0);
    json_string(&w, NULL, raw);
    /* Quote and backslash escaped, \n \t \r short forms, other controls as \u00XX, DEL and UTF-8
     * bytes as they are (RFC 8259 requires escapes only below 0x20). */
    assert_string_equal(s.buf, "\"q\\\"b\\\\s/\\u0001\\u001f\\n\\t\\r\x7f \xc3\xa9\"");
    assert_false(w.error);
    struct jval v;
    parse_ok(s.buf, &v);
    assert_int_equal(v.type, J_STRING);
    assert_int_equal(v.len, strlen(raw));
    assert_memory_equal(v.text, raw, strlen(raw));
    jval_free(&v);
}

static void test_every_control_character_round_trips(void **state)
{
    (void)state;
    char raw[32];
    for (int c = 1; c < 32; c++)
        raw[c - 1] = (char)c;
    raw[31] = '\0';
    struct sink s;
    struct json_writer w;
    start(&w, &s, 0);
    json_object_begin(&w, NULL);
    json_string(&w, raw, raw); /* keys are escaped the same way */
    json_object_end(&w);
    for (size_t i = 0; i < s.len; i++)
        assert_true((unsigned char)s.buf[i] >= 0x20);
    struct jval v;
    parse_ok(s.buf, &v);
    assert_int_equal(v.n, 1);
    assert_string_equal(v.keys[0], raw);
    assert_string_equal(v.items[0].text, raw);
    jval_free(&v);
}

static void test_empty_string_and_key(void **state)
{
    (void)state;
    struct sink s;
    struct json_writer w;
    start(&w, &s, 0);
    json_object_begin(&w, NULL);
    json_string(&w, "", "");
    json_object_end(&w);
    assert_string_equal(s.buf, "{\"\":\"\"}");
}

/* ---- containers ---- */

static void test_empty_containers(void **state)
{
    (void)state;
    struct sink s;
    struct json_writer w;
    start(&w, &s, 0);
    json_object_begin(&w, NULL);
    json_object_end(&w);
    assert_string_equal(s.buf, "{}");

    start(&w, &s, 0);
    json_array_begin(&w, NULL);
    json_array_end(&w);
    assert_string_equal(s.buf, "[]");

    /* Empty members stay "{}" and "[]" on their member's line when pretty. */
    start(&w, &s, 2);
    json_object_begin(&w, NULL);
    json_object_begin(&w, "a");
    json_object_end(&w);
    json_array_begin(&w, "b");
    json_array_end(&w);
    json_object_end(&w);
    assert_string_equal(s.buf, "{\n  \"a\": {},\n  \"b\": []\n}\n");
    assert_false(w.error);
    struct jval v;
    parse_ok(s.buf, &v);
    assert_int_equal(member_of(&v, "a")->type, J_OBJECT);
    assert_int_equal(member_of(&v, "a")->n, 0);
    assert_int_equal(member_of(&v, "b")->type, J_ARRAY);
    assert_int_equal(member_of(&v, "b")->n, 0);
    jval_free(&v);
}

static void test_nesting_depth_5(void **state)
{
    (void)state;
    struct sink s;
    struct json_writer w;
    start(&w, &s, 0);
    json_object_begin(&w, NULL);        /* 1 */
    json_array_begin(&w, "jobs");       /* 2 */
    json_object_begin(&w, NULL);        /* 3 */
    json_string(&w, "jobname", "j0");
    json_array_begin(&w, "list");       /* 4 */
    json_object_begin(&w, NULL);        /* 5 */
    json_uint(&w, "deep", 5);
    json_bool(&w, "t", true);
    json_object_end(&w);
    json_null(&w, NULL);
    json_array_end(&w);
    json_object_end(&w);
    json_object_begin(&w, NULL);
    json_object_end(&w);
    json_array_end(&w);
    json_bool(&w, "after", false);
    json_object_end(&w);
    assert_false(w.error);
    assert_string_equal(s.buf,
                        "{\"jobs\":[{\"jobname\":\"j0\",\"list\":[{\"deep\":5,\"t\":true},null]},{}],\"after\":false}");
    struct jval v;
    parse_ok(s.buf, &v);
    const struct jval *jobs = member_of(&v, "jobs");
    assert_int_equal(jobs->n, 2);
    const struct jval *list = member_of(item_of(jobs, 0), "list");
    assert_string_equal(member_of(item_of(jobs, 0), "jobname")->text, "j0");
    assert_int_equal(list->n, 2);
    assert_string_equal(member_of(item_of(list, 0), "deep")->text, "5");
    assert_int_equal(member_of(item_of(list, 0), "t")->type, J_TRUE);
    assert_int_equal(item_of(list, 1)->type, J_NULL);
    assert_int_equal(member_of(&v, "after")->type, J_FALSE);
    jval_free(&v);
}

/* ---- numbers ---- */

static void test_numbers(void **state)
{
    (void)state;
    struct sink s;
    struct json_writer w;
    start(&w, &s, 0);
    json_array_begin(&w, NULL);
    json_uint(&w, NULL, UINT64_MAX);
    json_int(&w, NULL, INT64_MIN);
    json_int(&w, NULL, INT64_MAX);
    json_uint(&w, NULL, 0);
    json_int(&w, NULL, -1);
    json_double(&w, NULL, 0.1);
    json_double(&w, NULL, 1e300);
    json_double(&w, NULL, -0.0);
    json_double(&w, NULL, 4.9406564584124654e-324); /* the smallest subnormal */
    json_double(&w, NULL, 5.0);
    json_double(&w, NULL, NAN);
    json_double(&w, NULL, INFINITY);
    json_double(&w, NULL, -INFINITY);
    json_array_end(&w);
    assert_false(w.error);
    /* %.17g: every double reads back as itself; non-finite values become null. */
    assert_string_equal(s.buf, "[18446744073709551615,-9223372036854775808,9223372036854775807,0,-1,"
                               "0.10000000000000001,1.0000000000000001e+300,-0,4.9406564584124654e-324,5,"
                               "null,null,null]");
    struct jval v;
    parse_ok(s.buf, &v);
    assert_int_equal(v.n, 13);
    assert_int_equal(strtoull(item_of(&v, 0)->text, NULL, 10), UINT64_MAX);
    assert_true(strtoll(item_of(&v, 1)->text, NULL, 10) == INT64_MIN);
    assert_true(item_of(&v, 5)->num == 0.1);
    assert_true(item_of(&v, 6)->num == 1e300);
    assert_true(item_of(&v, 7)->num == 0.0 && signbit(item_of(&v, 7)->num));
    assert_true(item_of(&v, 8)->num == 4.9406564584124654e-324);
    assert_true(item_of(&v, 9)->num == 5.0);
    for (size_t i = 10; i < 13; i++)
        assert_int_equal(item_of(&v, i)->type, J_NULL);
    jval_free(&v);
}

static void test_doubles_round_trip(void **state)
{
    (void)state;
    /* A spread of magnitudes, as means and stddevs take: each must parse back bit-exactly. */
    uint64_t x = 12345;
    for (int i = 0; i < 2000; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        double d = ldexp((double)(x >> 11) / 9007199254740992.0, (int)(x % 200) - 100);
        if (x & 1)
            d = -d;
        struct sink s;
        struct json_writer w;
        start(&w, &s, 0);
        json_double(&w, NULL, d);
        struct jval v;
        parse_ok(s.buf, &v);
        if (!(v.num == d))
            fail_msg("%.17g written as %s", d, s.buf);
        jval_free(&v);
    }
}

/* ---- pretty printing ---- */

/* A document shaped like fio's output: several levels, every kind of value. */
static void write_doc(struct json_writer *w)
{
    json_object_begin(w, NULL);
    json_string(w, "fio version", "lunbench");
    json_uint(w, "timestamp", 1700000000);
    json_array_begin(w, "jobs");
    for (int j = 0; j < 2; j++) {
        json_object_begin(w, NULL);
        json_string(w, "jobname", j ? "b\"2\"" : "a\tone");
        json_object_begin(w, "read");
        json_double(w, "iops", 1234.5 + j);
        json_object_begin(w, "clat_ns");
        json_uint(w, "min", 100);
        json_double(w, "mean", 150.25);
        json_object_begin(w, "percentile");
        json_uint(w, "50.000000", 149);
        json_uint(w, "99.000000", 199);
        json_object_end(w);
        json_object_begin(w, "bins");
        json_object_end(w);
        json_object_end(w);
        json_array_begin(w, "empty");
        json_array_end(w);
        json_object_end(w);
        json_object_end(w);
    }
    json_array_end(w);
    json_null(w, "disk_util");
    json_object_end(w);
}

static unsigned max_indent(const char *text)
{
    unsigned max = 0;
    for (const char *line = text; line != NULL && *line != '\0';) {
        unsigned n = 0;
        while (line[n] == ' ')
            n++;
        if (n > max)
            max = n;
        line = strchr(line, '\n');
        if (line != NULL)
            line++;
    }
    return max;
}

static void test_pretty_depth_changes_layout_not_value(void **state)
{
    (void)state;
    static struct sink s0, s;
    struct json_writer w;
    start(&w, &s0, 0);
    write_doc(&w);
    assert_false(w.error);
    assert_null(strchr(s0.buf, '\n')); /* one line, not even a final newline */
    assert_null(strstr(s0.buf, ": "));
    struct jval v0;
    parse_ok(s0.buf, &v0);

    const unsigned depths[] = { 1, 2, 3, 4, 10 };
    for (size_t i = 0; i < sizeof depths / sizeof depths[0]; i++) {
        start(&w, &s, depths[i]);
        write_doc(&w);
        assert_false(w.error);
        struct jval v;
        parse_ok(s.buf, &v);
        assert_true(jval_equal(&v, &v0));
        jval_free(&v);
        /* Members nested up to pretty_depth deep start lines indented two spaces a level;
         * nothing deeper does. The document's deepest members (under "percentile") are 6
         * levels down. */
        unsigned levels = depths[i] < 6 ? depths[i] : 6;
        assert_int_equal(max_indent(s.buf), 2 * levels);
        assert_int_equal(s.buf[s.len - 1], '\n');
    }

    /* pretty_depth 1: one line per top-level member, everything below compact. */
    start(&w, &s, 1);
    json_object_begin(&w, NULL);
    json_uint(&w, "a", 1);
    json_object_begin(&w, "b");
    json_array_begin(&w, "c");
    json_uint(&w, NULL, 1);
    json_uint(&w, NULL, 2);
    json_array_end(&w);
    json_object_end(&w);
    json_object_end(&w);
    assert_string_equal(s.buf, "{\n  \"a\": 1,\n  \"b\": {\"c\":[1,2]}\n}\n");
    jval_free(&v0);
}

/* ---- nesting mistakes ---- */

static void test_unbalanced_end_sets_error(void **state)
{
    (void)state;
    struct sink s;
    struct json_writer w;
    start(&w, &s, 0);
    json_object_end(&w);
    assert_true(w.error);

    start(&w, &s, 0);
    json_array_end(&w);
    assert_true(w.error);

    /* A balanced document leaves no error; one end too many sets it. */
    start(&w, &s, 0);
    json_array_begin(&w, NULL);
    json_uint(&w, NULL, 1);
    json_array_end(&w);
    assert_false(w.error);
    assert_int_equal(w.depth, 0);
    json_array_end(&w);
    assert_true(w.error);
    assert_string_equal(s.buf, "[1]"); /* the stray end wrote nothing */
}

static void test_depth_limit(void **state)
{
    (void)state;
    struct sink s;
    struct json_writer w;
    start(&w, &s, 0);
    for (int i = 0; i < JSON_MAX_DEPTH; i++)
        json_array_begin(&w, NULL);
    assert_false(w.error);
    for (int i = 0; i < JSON_MAX_DEPTH; i++)
        json_array_end(&w);
    assert_false(w.error);
    struct jval v;
    parse_ok(s.buf, &v);
    jval_free(&v);

    start(&w, &s, 0);
    for (int i = 0; i <= JSON_MAX_DEPTH; i++)
        json_array_begin(&w, NULL);
    assert_true(w.error);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parser_is_strict),
        cmocka_unit_test(test_string_escaping),
        cmocka_unit_test(test_every_control_character_round_trips),
        cmocka_unit_test(test_empty_string_and_key),
        cmocka_unit_test(test_empty_containers),
        cmocka_unit_test(test_nesting_depth_5),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_doubles_round_trip),
        cmocka_unit_test(test_pretty_depth_changes_layout_not_value),
        cmocka_unit_test(test_unbalanced_end_sets_error),
        cmocka_unit_test(test_depth_limit),
    };
    return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
