/*
 * Read-only FAT12/16/32 with VFAT long names (fs/fat.h). The rules are Microsoft's "FAT: General
 * Overview of On-Disk Format" / "Microsoft Extensible Firmware Initiative FAT32 File System
 * Specification" 1.03 (cited as "FAT spec" with its section names); partition tables are the
 * MBR's four primary entries and UEFI 2.10 section 5.3 (GPT).
 *
 * Nothing on disk is trusted. The boot sector's geometry is checked once, at mount, against the
 * spec and against the source's size; every later read is checked against the volume's size,
 * and every cluster number read from the FAT or a directory entry against the cluster count
 * before it is used. Cluster chains are walked with Brent's cycle detection (a loop is found
 * within a few times its length), and no chain is walked further than the cluster count (a
 * longer one must loop) nor, for a directory, past the spec's 65,536 entries.
 */
#include "fs/fat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/crc32.h"

#define DIRENT_SIZE 32u
/* FAT spec, "FAT Directories": a directory may not hold more than 65,536 32-byte entries. */
#define DIR_MAX_ENTRIES 65536u
#define LFN_MAX_ENTRIES 20u /* 13 characters each: 260 >= 255 */
#define LFN_CHARS 13u
#define READ_MAX_BLOCKS 128u
#define CLUSTER_MAX_BYTES 65536u
#define WHY_LEN 320

/* DIR_Attr (FAT spec, "FAT 32 Byte Directory Entry Structure"). */
#define ATTR_VOLUME_ID 0x08u
#define ATTR_DIRECTORY 0x10u
#define ATTR_LONG_NAME 0x0fu      /* READ_ONLY | HIDDEN | SYSTEM | VOLUME_ID */
#define ATTR_LONG_NAME_MASK 0x3fu /* with DIRECTORY and ARCHIVE */
/* DIR_NTRes: Windows NT keeps the case of an all-lower-case base or extension here. */
#define NTRES_LOWER_BASE 0x08u
#define NTRES_LOWER_EXT 0x10u
#define LFN_LAST 0x40u /* LDIR_Ord: the last (first on disk) long-name entry of a set */

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const uint8_t *p) { return (uint32_t)le16(p) | (uint32_t)le16(p + 2) << 16; }
static uint64_t le64(const uint8_t *p) { return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32; }
static bool pow2(uint32_t x) { return x != 0 && (x & (x - 1)) == 0; }

const char *fat_type_name(enum fat_type type)
{
    switch (type) {
    case FAT_TYPE_12: return "FAT12";
    case FAT_TYPE_16: return "FAT16";
    case FAT_TYPE_32: return "FAT32";
    }
    return "FAT?";
}

/* One operation on a volume: the reason for a failure goes to why, and the public entry point
 * puts "FAT: <path>: " before it. */
struct op {
    struct fat_volume *v;
    char why[WHY_LEN];
};

static void why_prefix(struct op *o, const char *prefix, const char *name, size_t name_len)
{
    char tmp[WHY_LEN];
    memcpy(tmp, o->why, sizeof tmp);
    int n = snprintf(o->why, sizeof o->why, "%s %.*s: ", prefix, (int)name_len, name);
    if (n > 0 && (size_t)n < sizeof o->why) {
        size_t room = sizeof o->why - (size_t)n - 1, len = strlen(tmp) < room ? strlen(tmp) : room;
        memcpy(o->why + n, tmp, len);
        o->why[(size_t)n + len] = '\0';
    }
}

/* ---- the block source ---- */

static int source_check(const struct fat_source *src, char *err, size_t err_len)
{
    if (src == NULL || src->read == NULL) {
        snprintf(err, err_len, "FAT: no block source");
        return -1;
    }
    if (src->block_size < 512 || src->block_size > FAT_BLOCK_MAX || !pow2(src->block_size)) {
        snprintf(err, err_len, "FAT: block size %u (512 to %u, a power of two)", src->block_size, FAT_BLOCK_MAX);
        return -1;
    }
    if (src->block_count == 0 || src->block_count > UINT64_MAX / src->block_size) {
        snprintf(err, err_len, "FAT: disk of %llu blocks", (unsigned long long)src->block_count);
        return -1;
    }
    return 0;
}

/* Every read from the source goes through here: never past its end, never over READ_MAX_BLOCKS. */
static int source_read(const struct fat_source *src, uint64_t lba, uint32_t count, void *buf, char *why,
                       size_t why_len)
{
    if (count == 0 || count > READ_MAX_BLOCKS || lba >= src->block_count || count > src->block_count - lba) {
        snprintf(why, why_len, "read of %u blocks at LBA %llu is outside the disk (%llu blocks)", count,
                 (unsigned long long)lba, (unsigned long long)src->block_count);
        return -1;
    }
    int rc = src->read(src->ctx, lba, count, buf);
    if (rc != 0) {
        snprintf(why, why_len, "read of %u blocks at LBA %llu failed (%d)", count, (unsigned long long)lba, rc);
        return -1;
    }
    return 0;
}

/* The two caches: the FAT's, and the one for everything else, so that walking a directory does
 * not read its cluster's block again after each FAT entry. */
enum { CACHE_FAT, CACHE_DATA };

static int cache_load(struct op *o, unsigned which, uint64_t lba)
{
    struct fat_volume *v = o->v;
    if (v->cache[which].valid && v->cache[which].lba == lba)
        return 0;
    v->cache[which].valid = false;
    if (source_read(&v->src, lba, 1, v->cache[which].data, o->why, sizeof o->why) != 0)
        return -1;
    v->cache[which].lba = lba;
    v->cache[which].valid = true;
    return 0;
}

/* Read len bytes at byte off of the volume: whole blocks straight into buf, parts of blocks
 * through a cache. */
static int vol_read(struct op *o, unsigned which, uint64_t off, void *buf, size_t len)
{
    struct fat_volume *v = o->v;
    uint64_t size = (uint64_t)v->total_sectors * v->bytes_per_sector;
    if (off > size || len > size - off) {
        snprintf(o->why, sizeof o->why, "read of %zu bytes at byte %llu is outside the volume (%llu bytes)", len,
                 (unsigned long long)off, (unsigned long long)size);
        return -1;
    }
    uint32_t bs = v->src.block_size;
    uint64_t at = v->first_lba * bs + off; /* fits: checked against the disk's size at mount */
    uint8_t *out = buf;
    while (len > 0) {
        uint64_t lba = at / bs;
        uint32_t in = (uint32_t)(at % bs);
        size_t n;
        if (in == 0 && len >= bs) {
            uint64_t blocks = len / bs < READ_MAX_BLOCKS ? len / bs : READ_MAX_BLOCKS;
            if (source_read(&v->src, lba, (uint32_t)blocks, out, o->why, sizeof o->why) != 0)
                return -1;
            n = (size_t)blocks * bs;
        } else {
            if (cache_load(o, which, lba) != 0)
                return -1;
            n = bs - in < len ? bs - in : len;
            memcpy(out, v->cache[which].data + in, n);
        }
        out += n;
        at += n;
        len -= n;
    }
    return 0;
}

/* ---- the FAT and cluster chains ---- */

static uint32_t max_cluster(const struct fat_volume *v) { return v->cluster_count + 1; }
static bool cluster_ok(const struct fat_volume *v, uint32_t c) { return c >= 2 && c <= max_cluster(v); }

/* FAT spec, "FAT Data Structure": the entry of cluster n. Every n passed is 2..max_cluster, and
 * mount checked that the FAT has room for all of their entries. */
static int fat_entry(struct op *o, uint32_t n, uint32_t *val)
{
    struct fat_volume *v = o->v;
    uint8_t b[4];
    switch (v->type) {
    case FAT_TYPE_12:
        /* 12 bits at n * 1.5 bytes: the low 12 bits of the 16 there for an even n, the high 12 for odd. */
        if (vol_read(o, CACHE_FAT, v->fat_offset + n + n / 2, b, 2) != 0)
            return -1;
        *val = (n & 1) ? (uint32_t)le16(b) >> 4 : le16(b) & 0xfffu;
        return 0;
    case FAT_TYPE_16:
        if (vol_read(o, CACHE_FAT, v->fat_offset + (uint64_t)n * 2, b, 2) != 0)
            return -1;
        *val = le16(b);
        return 0;
    case FAT_TYPE_32:
        /* The high 4 bits of a FAT32 entry are reserved: ignored when read. */
        if (vol_read(o, CACHE_FAT, v->fat_offset + (uint64_t)n * 4, b, 4) != 0)
            return -1;
        *val = le32(b) & 0x0fffffffu;
        return 0;
    }
    return -1;
}

/* End-of-chain is >= 0xFF8 / 0xFFF8 / 0x0FFFFFF8; the bad-cluster mark is the value below it. */
static uint32_t fat_eoc_min(const struct fat_volume *v)
{
    return v->type == FAT_TYPE_12 ? 0xff8u : v->type == FAT_TYPE_16 ? 0xfff8u : 0x0ffffff8u;
}

/* A walk along a chain, with Brent's cycle detection: tortoise is a cluster seen earlier; it
 * moves to the current cluster whenever lam reaches power, which doubles. */
struct chain {
    uint32_t cluster, tortoise, power, lam, steps;
};

static void chain_start(struct chain *c, uint32_t first)
{
    c->cluster = c->tortoise = first;
    c->power = 1;
    c->lam = 0;
    c->steps = 0;
}

/* 1 with c->cluster the next cluster, 0 at the end of the chain, -1 with why set. */
static int chain_next(struct op *o, struct chain *c)
{
    struct fat_volume *v = o->v;
    uint32_t next;
    if (fat_entry(o, c->cluster, &next) != 0)
        return -1;
    uint32_t eoc = fat_eoc_min(v);
    if (next >= eoc)
        return 0;
    if (next == eoc - 1) {
        snprintf(o->why, sizeof o->why, "cluster chain reaches a cluster marked bad after cluster %u", c->cluster);
        return -1;
    }
    if (next == 0) {
        snprintf(o->why, sizeof o->why, "cluster chain reaches a free cluster after cluster %u", c->cluster);
        return -1;
    }
    if (!cluster_ok(v, next)) {
        snprintf(o->why, sizeof o->why, "cluster chain leaves the volume at cluster %u (next %u; clusters are 2 to %u)",
                 c->cluster, next, max_cluster(v));
        return -1;
    }
    /* A chain of more clusters than the volume has must visit one twice. */
    if (next == c->tortoise || ++c->steps >= v->cluster_count) {
        snprintf(o->why, sizeof o->why, "cluster chain loops at cluster %u", next);
        return -1;
    }
    if (++c->lam == c->power) {
        c->tortoise = next;
        c->power *= 2;
        c->lam = 0;
    }
    c->cluster = next;
    return 1;
}

static uint64_t cluster_offset(const struct fat_volume *v, uint32_t c)
{
    return v->data_offset + (uint64_t)(c - 2) * v->cluster_bytes;
}

/* ---- directory entries ---- */

/* FAT spec, "Long File Name Implementation": the checksum of the 8.3 name kept in every
 * long-name entry of its set. */
static uint8_t lfn_checksum(const uint8_t *short_name)
{
    uint8_t sum = 0;
    for (unsigned i = 0; i < 11; i++)
        sum = (uint8_t)(((sum & 1) ? 0x80 : 0) + (sum >> 1) + short_name[i]);
    return sum;
}

/* The long-name entries gathered before a short entry. expect is the LDIR_Ord the next one must
 * have (0: no set under way). */
struct lfn {
    unsigned expect, count;
    uint8_t sum;
    bool bad; /* a set was broken since the last short entry */
    uint16_t chars[LFN_MAX_ENTRIES * LFN_CHARS];
};

static void lfn_reset(struct lfn *l)
{
    l->expect = 0;
    l->bad = false;
}

static void lfn_add(struct lfn *l, const uint8_t *e)
{
    unsigned ord = e[0];
    /* LDIR_Type and LDIR_FstClusLO must be 0. */
    bool ok = e[12] == 0 && le16(e + 26) == 0;
    if (ok && (ord & LFN_LAST)) {
        unsigned n = ord & ~LFN_LAST;
        if (n >= 1 && n <= LFN_MAX_ENTRIES) {
            l->expect = l->count = n;
            l->sum = e[13];
            l->bad = false;
        } else {
            ok = false;
        }
    } else if (!ok || l->expect < 2 || ord != l->expect - 1 || e[13] != l->sum) {
        ok = false;
    } else {
        l->expect = ord;
    }
    if (!ok) {
        l->expect = 0;
        l->bad = true;
        return;
    }
    /* LDIR_Name1 (5 characters at 1), LDIR_Name2 (6 at 14), LDIR_Name3 (2 at 28). */
    static const uint8_t at[LFN_CHARS] = {1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30};
    uint16_t *dst = l->chars + (l->expect - 1) * LFN_CHARS;
    for (unsigned i = 0; i < LFN_CHARS; i++)
        dst[i] = le16(e + at[i]);
}

/* The UTF-8 of a complete set into out; false if the name is empty or over FAT_LFN_MAX. Control
 * characters, '/' and unpaired surrogates become '?'. */
static bool lfn_name(const struct lfn *l, char *out)
{
    unsigned n = 0, total = l->count * LFN_CHARS;
    while (n < total && l->chars[n] != 0)
        n++;
    if (n == 0 || n > FAT_LFN_MAX)
        return false;
    size_t k = 0;
    for (unsigned i = 0; i < n; i++) {
        uint32_t c = l->chars[i];
        if (c >= 0xd800 && c <= 0xdbff && i + 1 < n && l->chars[i + 1] >= 0xdc00 && l->chars[i + 1] <= 0xdfff) {
            c = 0x10000 + ((c - 0xd800) << 10) + (l->chars[++i] - 0xdc00u);
        } else if ((c >= 0xd800 && c <= 0xdfff) || c < 0x20 || c == 0x7f || c == '/') {
            c = '?';
        }
        if (c < 0x80) {
            out[k++] = (char)c;
        } else if (c < 0x800) {
            out[k++] = (char)(0xc0 | c >> 6);
            out[k++] = (char)(0x80 | (c & 0x3f));
        } else if (c < 0x10000) {
            out[k++] = (char)(0xe0 | c >> 12);
            out[k++] = (char)(0x80 | (c >> 6 & 0x3f));
            out[k++] = (char)(0x80 | (c & 0x3f));
        } else {
            out[k++] = (char)(0xf0 | c >> 18);
            out[k++] = (char)(0x80 | (c >> 12 & 0x3f));
            out[k++] = (char)(0x80 | (c >> 6 & 0x3f));
            out[k++] = (char)(0x80 | (c & 0x3f));
        }
    }
    out[k] = '\0';
    return true;
}

/* DIR_Name's 11 bytes as "NAME.EXT" (stored case) into short_name and, with DIR_NTRes's case bits,
 * into name. 0x05 first stands for 0xE5 (FAT spec, "DIR_Name[0]"); bytes outside printable ASCII
 * (OEM code page characters) become '?'. False for a blank base name (invalid). */
static bool short_name(const uint8_t *e, char *short_out, char *name_out)
{
    size_t k = 0, m = 0;
    int base_len = 8, ext_len = 3;
    while (base_len > 0 && e[base_len - 1] == ' ')
        base_len--;
    while (ext_len > 0 && e[8 + ext_len - 1] == ' ')
        ext_len--;
    if (base_len == 0 || e[0] == ' ')
        return false;
    for (int i = 0; i < base_len + ext_len; i++) {
        uint8_t c = e[i < base_len ? i : 8 + (i - base_len)];
        if (i == 0 && c == 0x05)
            c = 0xe5;
        if (c < 0x20 || c > 0x7e || c == '/')
            c = '?';
        if (i == base_len) {
            short_out[k++] = '.';
            name_out[m++] = '.';
        }
        short_out[k++] = (char)c;
        bool lower = (e[12] & (i < base_len ? NTRES_LOWER_BASE : NTRES_LOWER_EXT)) != 0;
        name_out[m++] = (char)(lower && c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    }
    short_out[k] = '\0';
    name_out[m] = '\0';
    return true;
}

/* Called for each entry of a directory; dot is true for "." and "..". Nonzero stops the walk. */
typedef int (*visit_fn)(void *arg, const struct fat_dirent *e, bool dot);

/* Walk the directory whose first cluster is dir (0: the root directory). 0 at its end, 1 when
 * visit stopped it, -1 with why set. */
static int dir_walk(struct op *o, uint32_t dir, visit_fn visit, void *arg)
{
    struct fat_volume *v = o->v;
    bool fixed_root = dir == 0 && v->type != FAT_TYPE_32;
    if (dir == 0)
        dir = v->root_cluster;
    if (!fixed_root && !cluster_ok(v, dir)) {
        snprintf(o->why, sizeof o->why, "first cluster %u is outside the volume (2 to %u)", dir, max_cluster(v));
        return -1;
    }
    struct lfn *l = malloc(sizeof *l);
    struct fat_dirent *d = malloc(sizeof *d);
    int ret = -1;
    if (l == NULL || d == NULL) {
        snprintf(o->why, sizeof o->why, "out of memory");
        goto out;
    }
    lfn_reset(l);
    struct chain c;
    chain_start(&c, dir);
    uint32_t per_cluster = v->cluster_bytes / DIRENT_SIZE;
    for (uint32_t i = 0;; i++) {
        uint64_t off;
        if (fixed_root) {
            /* FAT12/16: the root directory is BPB_RootEntCnt entries after the FATs. */
            if (i == v->root_entries) {
                ret = 0;
                goto out;
            }
            off = v->root_offset + (uint64_t)i * DIRENT_SIZE;
        } else {
            if (i == DIR_MAX_ENTRIES) {
                snprintf(o->why, sizeof o->why, "no end of directory within %u entries (the most a directory holds)",
                         DIR_MAX_ENTRIES);
                goto out;
            }
            if (i > 0 && i % per_cluster == 0) {
                int r = chain_next(o, &c);
                if (r <= 0) {
                    ret = r; /* the chain's end is the directory's end */
                    goto out;
                }
            }
            off = cluster_offset(v, c.cluster) + (uint64_t)(i % per_cluster) * DIRENT_SIZE;
        }
        uint8_t e[DIRENT_SIZE];
        if (vol_read(o, CACHE_DATA, off, e, sizeof e) != 0)
            goto out;
        /* FAT spec, "DIR_Name[0]": 0x00 is free with no allocated entry after it; 0xE5 is free. */
        if (e[0] == 0x00) {
            ret = 0;
            goto out;
        }
        if (e[0] == 0xe5) {
            lfn_reset(l);
            continue;
        }
        uint8_t attr = e[11];
        if ((attr & ATTR_LONG_NAME_MASK) == ATTR_LONG_NAME) {
            lfn_add(l, e);
            continue;
        }
        /* A short entry ends the set before it: the set names it if it is complete (LDIR_Ord 1 came
         * last) and every LDIR_Chksum matches this 8.3 name; else the 8.3 name stands. */
        bool had_lfn = l->expect != 0 || l->bad;
        bool lfn_done = l->expect == 1 && lfn_checksum(e) == l->sum;
        bool label = (attr & (ATTR_VOLUME_ID | ATTR_DIRECTORY)) == ATTR_VOLUME_ID;
        memset(d, 0, sizeof *d);
        bool named = !label && short_name(e, d->short_name, d->name);
        if (named)
            d->lfn_ignored = had_lfn && !(lfn_done && lfn_name(l, d->name));
        lfn_reset(l);
        if (!named)
            continue; /* the volume label, or an entry with a blank 8.3 name (invalid) */
        d->attr = attr;
        d->is_dir = (attr & ATTR_DIRECTORY) != 0;
        /* DIR_FstClusHI is 0 on FAT12/16 (and used for other things by some systems): read on FAT32 only. */
        d->first_cluster = le16(e + 26) | (v->type == FAT_TYPE_32 ? (uint32_t)le16(e + 20) << 16 : 0);
        d->size = le32(e + 28);
        bool dot = strcmp(d->short_name, ".") == 0 || strcmp(d->short_name, "..") == 0;
        if (visit(arg, d, dot) != 0) {
            ret = 1;
            goto out;
        }
    }
out:
    free(d);
    free(l);
    return ret;
}

/* ---- paths ---- */

static char fold(char c) { return c >= 'a' && c <= 'z' ? (char)(c - ('a' - 'A')) : c; }

static bool name_eq(const char *a, size_t a_len, const char *b)
{
    size_t i = 0;
    for (; i < a_len; i++)
        if (b[i] == '\0' || fold(a[i]) != fold(b[i]))
            return false;
    return b[i] == '\0';
}

struct match {
    const char *name;
    size_t len;
    struct fat_dirent *found;
    bool dot;
};

static int match_visit(void *arg, const struct fat_dirent *e, bool dot)
{
    struct match *m = arg;
    if (!name_eq(m->name, m->len, e->name) && !name_eq(m->name, m->len, e->short_name))
        return 0;
    *m->found = *e;
    m->dot = dot;
    return 1;
}

/* What a directory holds, for a not-found message: "a.fio, b.fio, ..." within len bytes. */
struct holds {
    char *buf;
    size_t len, used;
    unsigned count;
};

static int holds_visit(void *arg, const struct fat_dirent *e, bool dot)
{
    struct holds *h = arg;
    if (dot)
        return 0;
    size_t n = strlen(e->name), sep = h->count > 0 ? 2 : 0;
    /* Leave room for ", ..." and the NUL. */
    if (h->used + sep + n + 6 > h->len) {
        if (h->used + 6 <= h->len)
            h->used += (size_t)snprintf(h->buf + h->used, h->len - h->used, "%s...", h->count > 0 ? ", " : "");
        return 1;
    }
    h->used += (size_t)snprintf(h->buf + h->used, h->len - h->used, "%s%s", sep ? ", " : "", e->name);
    h->count++;
    return 0;
}

/* The directory a resolved entry names: its first cluster, 0 for the root (a ".." entry of a
 * directory in the root holds 0, FAT spec "FAT Directories"). */
static int dir_cluster(struct op *o, const struct fat_dirent *e, bool dot, uint32_t *out)
{
    if (e->first_cluster == 0 && !dot && strcmp(e->name, "/") != 0) {
        snprintf(o->why, sizeof o->why, "directory '%.64s' has no first cluster", e->name);
        return -1;
    }
    *out = e->first_cluster == o->v->root_cluster ? 0 : e->first_cluster;
    return 0;
}

static void root_entry(const struct fat_volume *v, struct fat_dirent *e)
{
    memset(e, 0, sizeof *e);
    strcpy(e->name, "/");
    strcpy(e->short_name, "/");
    e->is_dir = true;
    e->attr = ATTR_DIRECTORY;
    e->first_cluster = v->root_cluster;
}

/* Resolve path to its entry (*out). -1 with why set. */
static int resolve(struct op *o, const char *path, struct fat_dirent *out)
{
    root_entry(o->v, out);
    bool dot = false;
    const char *p = path;
    size_t dir_len = 0; /* path[0..dir_len) names the directory out is */
    for (;;) {
        while (*p == '/')
            p++;
        if (*p == '\0')
            return 0;
        const char *name = p;
        while (*p != '\0' && *p != '/')
            p++;
        size_t len = (size_t)(p - name);
        if (len > FAT_LFN_MAX) {
            snprintf(o->why, sizeof o->why, "name '%.32s...' of %zu characters (at most %d)", name, len, FAT_LFN_MAX);
            return -1;
        }
        if (len == 1 && name[0] == '.')
            continue;
        const char *dir_name = dir_len > 0 ? path : "/";
        int dir_name_len = dir_len > 0 ? (int)dir_len : 1;
        if (!out->is_dir) {
            snprintf(o->why, sizeof o->why, "%.*s is not a directory", dir_name_len, dir_name);
            return -1;
        }
        uint32_t dir;
        if (dir_cluster(o, out, dot, &dir) != 0)
            return -1;
        struct match m = {name, len, out, false};
        int r = dir_walk(o, dir, match_visit, &m);
        if (r < 0) {
            why_prefix(o, "directory", dir_name, (size_t)dir_name_len);
            return -1;
        }
        if (r == 0) {
            char list[160];
            struct holds h = {list, sizeof list, 0, 0};
            list[0] = '\0';
            struct op o2 = {o->v, ""};
            (void)dir_walk(&o2, dir, holds_visit, &h);
            if (h.used == 0)
                snprintf(o->why, sizeof o->why, "not found (%.*s is empty)", dir_name_len, dir_name);
            else
                snprintf(o->why, sizeof o->why, "not found (%.*s holds: %s)", dir_name_len, dir_name, list);
            return -1;
        }
        dot = m.dot;
        dir_len = (size_t)(p - path);
    }
}

static int op_fail(struct op *o, const char *path, char *err, size_t err_len)
{
    snprintf(err, err_len, "FAT: %s: %s", path[0] != '\0' ? path : "/", o->why);
    return -1;
}

int fat_stat(struct fat_volume *v, const char *path, struct fat_dirent *out, char *err, size_t err_len)
{
    struct op o = {v, ""};
    if (resolve(&o, path, out) != 0)
        return op_fail(&o, path, err, err_len);
    return 0;
}

struct list_arg {
    int (*fn)(void *arg, const struct fat_dirent *e);
    void *arg;
};

static int list_visit(void *arg, const struct fat_dirent *e, bool dot)
{
    struct list_arg *a = arg;
    return dot ? 0 : a->fn(a->arg, e);
}

int fat_list_dir(struct fat_volume *v, const char *path, int (*fn)(void *arg, const struct fat_dirent *e), void *arg,
                 char *err, size_t err_len)
{
    struct op o = {v, ""};
    struct fat_dirent *e = malloc(sizeof *e);
    if (e == NULL) {
        snprintf(err, err_len, "FAT: %s: out of memory", path);
        return -1;
    }
    int ret = -1;
    uint32_t dir;
    /* resolve() leaves out the root or the entry; a ".." has short name "..". */
    if (resolve(&o, path, e) == 0) {
        bool dot = strcmp(e->short_name, "..") == 0 || strcmp(e->short_name, ".") == 0;
        if (!e->is_dir) {
            snprintf(o.why, sizeof o.why, "not a directory");
        } else if (dir_cluster(&o, e, dot, &dir) == 0) {
            struct list_arg a = {fn, arg};
            if (dir_walk(&o, dir, list_visit, &a) >= 0)
                ret = 0;
        }
    }
    free(e);
    return ret == 0 ? 0 : op_fail(&o, path, err, err_len);
}

/*
 * Walk the chain of the file at e over the clusters its size needs: with buf NULL, to check it
 * before anything is allocated (a chain shorter than the size is an error), walking on far
 * enough that a loop among those clusters shows (Brent's method finds a cycle of mu + lambda
 * clusters within 3 (mu + lambda) + 1 steps; a chain longer than the size needs is otherwise
 * let be); else to read the file into buf.
 */
static int walk_file(struct op *o, const struct fat_dirent *e, uint8_t *buf)
{
    struct fat_volume *v = o->v;
    uint32_t size = e->size, cb = v->cluster_bytes;
    if (size == 0)
        return 0;
    if (!cluster_ok(v, e->first_cluster)) {
        snprintf(o->why, sizeof o->why, "first cluster %u is outside the volume (2 to %u)", e->first_cluster,
                 max_cluster(v));
        return -1;
    }
    uint32_t needed = (uint32_t)(((uint64_t)size + cb - 1) / cb);
    struct chain c;
    chain_start(&c, e->first_cluster);
    for (uint32_t i = 0; i < needed; i++) {
        uint32_t n = size - i * cb < cb ? size - i * cb : cb;
        if (buf != NULL && vol_read(o, CACHE_DATA, cluster_offset(v, c.cluster), buf + (size_t)i * cb, n) != 0)
            return -1;
        if (i + 1 == needed)
            break;
        int r = chain_next(o, &c);
        if (r < 0)
            return -1;
        if (r == 0) {
            snprintf(o->why, sizeof o->why,
                     "file size %u bytes is larger than its cluster chain (%u clusters of %u bytes, ending at "
                     "cluster %u)",
                     size, i + 1, cb, c.cluster);
            return -1;
        }
    }
    if (buf != NULL)
        return 0;
    uint64_t extra = 3 * (uint64_t)needed + 4;
    for (uint64_t k = 0; k < extra; k++) {
        int r = chain_next(o, &c);
        if (r <= 0)
            return r;
    }
    return 0;
}

int fat_read_file(struct fat_volume *v, const char *path, size_t max_len, uint8_t **data, size_t *len, char *err,
                  size_t err_len)
{
    *data = NULL;
    *len = 0;
    struct op o = {v, ""};
    struct fat_dirent *e = malloc(sizeof *e);
    if (e == NULL) {
        snprintf(err, err_len, "FAT: %s: out of memory", path);
        return -1;
    }
    uint8_t *buf = NULL;
    int ret = -1;
    if (resolve(&o, path, e) != 0)
        goto out;
    if (e->is_dir) {
        snprintf(o.why, sizeof o.why, "is a directory");
        goto out;
    }
    if (e->size > max_len) {
        snprintf(o.why, sizeof o.why, "file of %u bytes is over the limit of %zu bytes", e->size, max_len);
        goto out;
    }
    /* The chain is checked first: a size the chain does not back allocates nothing. */
    if (walk_file(&o, e, NULL) != 0)
        goto out;
    buf = malloc(e->size > 0 ? e->size : 1);
    if (buf == NULL) {
        snprintf(o.why, sizeof o.why, "out of memory for %u bytes", e->size);
        goto out;
    }
    if (walk_file(&o, e, buf) != 0)
        goto out;
    *data = buf;
    *len = e->size;
    buf = NULL;
    ret = 0;
out:
    free(buf);
    free(e);
    return ret == 0 ? 0 : op_fail(&o, path, err, err_len);
}

/* ---- the boot sector ---- */

/* BPB and boot sector offsets (FAT spec, "Boot Sector and BPB"). */
enum {
    BS_JMPBOOT = 0, BPB_BYTSPERSEC = 11, BPB_SECPERCLUS = 13, BPB_RSVDSECCNT = 14, BPB_NUMFATS = 16,
    BPB_ROOTENTCNT = 17, BPB_TOTSEC16 = 19, BPB_MEDIA = 21, BPB_FATSZ16 = 22, BPB_TOTSEC32 = 32,
    BS_BOOTSIG = 38, BS_VOLLAB = 43, BPB_FATSZ32 = 36, BPB_EXTFLAGS = 40, BPB_FSVER = 42, BPB_ROOTCLUS = 44,
    BS32_BOOTSIG = 66, BS32_VOLLAB = 71, BS_SIGNATURE = 510,
};

/* BS_jmpBoot: EB ?? 90 or E9 ?? ??. */
static bool has_jump(const uint8_t *b) { return (b[0] == 0xeb && b[2] == 0x90) || b[0] == 0xe9; }
/* BPB_Media: 0xF0, or 0xF8 to 0xFF. */
static bool media_ok(uint8_t m) { return m == 0xf0 || m >= 0xf8; }
static bool bps_ok(uint32_t bps) { return bps >= 512 && bps <= FAT_BLOCK_MAX && pow2(bps); }

static int bpb_check(struct fat_volume *v, const uint8_t *b, char *why, size_t why_len)
{
    if (le16(b + BS_SIGNATURE) != 0xaa55) {
        snprintf(why, why_len, "no signature 0x55 0xAA at byte 510 (not a FAT volume)");
        return -1;
    }
    if (!has_jump(b)) {
        snprintf(why, why_len, "no jump instruction at byte 0 (0x%02x 0x%02x 0x%02x; not a FAT volume)", b[0], b[1],
                 b[2]);
        return -1;
    }
    uint32_t bps = le16(b + BPB_BYTSPERSEC), spc = b[BPB_SECPERCLUS], rsvd = le16(b + BPB_RSVDSECCNT);
    uint32_t nfats = b[BPB_NUMFATS], root_ent = le16(b + BPB_ROOTENTCNT), fatsz16 = le16(b + BPB_FATSZ16);
    uint32_t fatsz = fatsz16 != 0 ? fatsz16 : le32(b + BPB_FATSZ32);
    uint32_t tot = le16(b + BPB_TOTSEC16) != 0 ? le16(b + BPB_TOTSEC16) : le32(b + BPB_TOTSEC32);
    if (!bps_ok(bps)) {
        snprintf(why, why_len, "bytes per sector %u (512 to 4096, a power of two)", bps);
        return -1;
    }
    if (!pow2(spc)) {
        snprintf(why, why_len, "sectors per cluster %u (a power of two, 1 to 128)", spc);
        return -1;
    }
    if (bps * spc > CLUSTER_MAX_BYTES) {
        snprintf(why, why_len, "clusters of %u bytes (at most %u)", bps * spc, CLUSTER_MAX_BYTES);
        return -1;
    }
    if (rsvd == 0) {
        snprintf(why, why_len, "reserved sectors 0 (at least 1, the boot sector)");
        return -1;
    }
    if (nfats == 0) {
        snprintf(why, why_len, "number of FATs 0 (at least 1)");
        return -1;
    }
    if (!media_ok(b[BPB_MEDIA])) {
        snprintf(why, why_len, "media descriptor 0x%02x (0xf0 or 0xf8 to 0xff)", b[BPB_MEDIA]);
        return -1;
    }
    if (fatsz == 0) {
        snprintf(why, why_len, "sectors per FAT 0");
        return -1;
    }
    /* FAT spec, "FAT Type Determination": RootDirSectors, DataSec and CountofClusters. */
    uint32_t root_sectors = (root_ent * DIRENT_SIZE + bps - 1) / bps;
    uint64_t meta = rsvd + (uint64_t)nfats * fatsz + root_sectors;
    if (tot < meta) {
        snprintf(why, why_len,
                 "total sectors %u is smaller than the metadata (%llu sectors: %u reserved, %u FATs of %u, %u of root "
                 "directory)",
                 tot, (unsigned long long)meta, rsvd, nfats, fatsz, root_sectors);
        return -1;
    }
    uint32_t count = (uint32_t)((tot - meta) / spc);
    if (count == 0) {
        snprintf(why, why_len, "no data clusters (%u total sectors, %llu of metadata)", tot, (unsigned long long)meta);
        return -1;
    }
    /* Fewer than 4085 clusters is FAT12, fewer than 65525 FAT16, else FAT32: by the count alone. */
    enum fat_type type = count < 4085 ? FAT_TYPE_12 : count < 65525 ? FAT_TYPE_16 : FAT_TYPE_32;
    if (type == FAT_TYPE_32 && (fatsz16 != 0 || root_ent != 0)) {
        snprintf(why, why_len,
                 "%u clusters make it FAT32, but the BPB is a FAT12/16 one (16-bit sectors per FAT %u, root entries %u)",
                 count, fatsz16, root_ent);
        return -1;
    }
    if (type != FAT_TYPE_32 && (fatsz16 == 0 || root_ent == 0)) {
        snprintf(why, why_len,
                 "%u clusters make it %s, but the BPB is a FAT32 one (16-bit sectors per FAT %u, root entries %u)",
                 count, fat_type_name(type), fatsz16, root_ent);
        return -1;
    }
    /* Cluster numbers 2..count+1 must stay below the reserved and bad values (0x0FFFFFF7 on FAT32). */
    if (type == FAT_TYPE_32 && count > 0x0ffffff5u) {
        snprintf(why, why_len, "%u clusters (FAT32 holds at most %u)", count, 0x0ffffff5u);
        return -1;
    }
    uint64_t entries = (uint64_t)count + 2;
    uint64_t need = type == FAT_TYPE_12 ? (entries * 3 + 1) / 2 : entries * (type == FAT_TYPE_16 ? 2 : 4);
    if ((uint64_t)fatsz * bps < need) {
        snprintf(why, why_len, "a FAT of %u sectors is too small for %u clusters (%llu bytes needed)", fatsz, count,
                 (unsigned long long)need);
        return -1;
    }
    uint32_t active = 0, root_cluster = 0;
    if (type == FAT_TYPE_32) {
        uint16_t ver = le16(b + BPB_FSVER), flags = le16(b + BPB_EXTFLAGS);
        if (ver != 0) {
            snprintf(why, why_len, "FAT32 version %u.%u (0.0 only)", ver >> 8, ver & 0xffu);
            return -1;
        }
        /* BPB_ExtFlags bit 7: mirroring off, and bits 0-3 name the one FAT in use. */
        if (flags & 0x80) {
            active = flags & 0xfu;
            if (active >= nfats) {
                snprintf(why, why_len, "active FAT %u of %u", active, nfats);
                return -1;
            }
        }
        root_cluster = le32(b + BPB_ROOTCLUS);
        if (root_cluster < 2 || root_cluster > count + 1) {
            snprintf(why, why_len, "root cluster %u is outside the volume (2 to %u)", root_cluster, count + 1);
            return -1;
        }
    }
    uint64_t disk = v->src.block_count * v->src.block_size, start = v->first_lba * v->src.block_size;
    uint64_t bytes = (uint64_t)tot * bps;
    if (bytes > disk - start) {
        snprintf(why, why_len, "a volume of %u sectors (%llu bytes) runs past the end of the disk (%llu bytes from here)",
                 tot, (unsigned long long)bytes, (unsigned long long)(disk - start));
        return -1;
    }
    v->type = type;
    v->bytes_per_sector = bps;
    v->sectors_per_cluster = spc;
    v->cluster_bytes = bps * spc;
    v->total_sectors = tot;
    v->cluster_count = count;
    v->root_entries = type == FAT_TYPE_32 ? 0 : root_ent;
    v->root_cluster = root_cluster;
    v->fat_offset = (rsvd + (uint64_t)active * fatsz) * bps;
    v->root_offset = (rsvd + (uint64_t)nfats * fatsz) * bps;
    v->data_offset = meta * bps;
    /* BS_VolLab, when BS_BootSig says the extended fields are there. */
    unsigned sig = type == FAT_TYPE_32 ? BS32_BOOTSIG : BS_BOOTSIG, lab = type == FAT_TYPE_32 ? BS32_VOLLAB : BS_VOLLAB;
    if (b[sig] == 0x29) {
        int n = 11;
        while (n > 0 && b[lab + n - 1] == ' ')
            n--;
        for (int i = 0; i < n; i++)
            v->label[i] = b[lab + i] >= 0x20 && b[lab + i] <= 0x7e ? (char)b[lab + i] : '?';
        v->label[n] = '\0';
    }
    return 0;
}

int fat_mount(struct fat_volume *v, const struct fat_source *src, uint64_t first_lba, char *err, size_t err_len)
{
    if (source_check(src, err, err_len) != 0)
        return -1;
    memset(v, 0, sizeof *v);
    v->src = *src;
    v->first_lba = first_lba;
    struct op o = {v, ""};
    if (first_lba >= src->block_count) {
        snprintf(err, err_len, "FAT: boot sector at LBA %llu: past the end of the disk (%llu blocks)",
                 (unsigned long long)first_lba, (unsigned long long)src->block_count);
        return -1;
    }
    if (cache_load(&o, CACHE_DATA, first_lba) != 0 || bpb_check(v, v->cache[CACHE_DATA].data, o.why, sizeof o.why) != 0) {
        snprintf(err, err_len, "FAT: boot sector at LBA %llu: %s", (unsigned long long)first_lba, o.why);
        memset(v, 0, sizeof *v);
        return -1;
    }
    return 0;
}

/* ---- partition tables ---- */

/* EFI System (C12A7328-F81F-11D2-BA4B-00A0C93EC93B) and Microsoft basic data
 * (EBD0A0A2-B9E5-4433-87C0-68B6B72699C7), as stored: the first three fields little-endian. */
static const uint8_t GUID_ESP[16] = {0x28, 0x73, 0x2a, 0xc1, 0x1f, 0xf8, 0xd2, 0x11,
                                     0xba, 0x4b, 0x00, 0xa0, 0xc9, 0x3e, 0xc9, 0x3b};
static const uint8_t GUID_BASIC_DATA[16] = {0xa2, 0xa0, 0xd0, 0xeb, 0xe5, 0xb9, 0x33, 0x44,
                                            0x87, 0xc0, 0x68, 0xb6, 0xb7, 0x26, 0x99, 0xc7};
#define GPT_MAX_ENTRIES 16384u

/* UEFI 2.10 5.3.2: the GPT header at LBA 1 and its partition entry array. */
static int gpt_locate(const struct fat_source *src, uint8_t *blk, uint64_t *first_lba, char *err, size_t err_len)
{
    char why[WHY_LEN];
    uint32_t bs = src->block_size;
    if (source_read(src, 1, 1, blk, why, sizeof why) != 0) {
        snprintf(err, err_len, "FAT: GPT header at LBA 1: %s", why);
        return -1;
    }
    if (memcmp(blk, "EFI PART", 8) != 0) {
        snprintf(err, err_len, "FAT: GPT header at LBA 1: no \"EFI PART\" signature (protective MBR without a GPT)");
        return -1;
    }
    uint32_t hsize = le32(blk + 12), hcrc = le32(blk + 16);
    if (hsize < 92 || hsize > bs) {
        snprintf(err, err_len, "FAT: GPT header at LBA 1: HeaderSize %u (92 to %u)", hsize, bs);
        return -1;
    }
    memset(blk + 16, 0, 4);
    uint32_t crc = crc32_ieee(blk, hsize);
    if (crc != hcrc) {
        snprintf(err, err_len, "FAT: GPT header at LBA 1: HeaderCRC32 0x%08x, but the header's CRC is 0x%08x", hcrc,
                 crc);
        return -1;
    }
    uint64_t first_usable = le64(blk + 40), last_usable = le64(blk + 48), entry_lba = le64(blk + 72);
    uint32_t n = le32(blk + 80), esize = le32(blk + 84);
    /* SizeOfPartitionEntry: 128 times a power of two. */
    if (esize < 128 || esize > FAT_BLOCK_MAX || esize % 128 != 0 || !pow2(esize / 128)) {
        snprintf(err, err_len, "FAT: GPT header: SizeOfPartitionEntry %u (128 times a power of two, at most %u)", esize,
                 FAT_BLOCK_MAX);
        return -1;
    }
    if (n > GPT_MAX_ENTRIES) {
        snprintf(err, err_len, "FAT: GPT header: NumberOfPartitionEntries %u (at most %u read)", n, GPT_MAX_ENTRIES);
        return -1;
    }
    uint64_t array_blocks = ((uint64_t)n * esize + bs - 1) / bs;
    if (entry_lba < 2 || entry_lba >= src->block_count || array_blocks > src->block_count - entry_lba) {
        snprintf(err, err_len, "FAT: GPT header: partition entries at LBA %llu (%llu blocks) are outside the disk",
                 (unsigned long long)entry_lba, (unsigned long long)array_blocks);
        return -1;
    }
    uint64_t cached = UINT64_MAX;
    for (uint32_t i = 0; i < n; i++) {
        /* esize and bs are multiples of 128: an entry's first 128 bytes lie in one block. */
        uint64_t at = (uint64_t)i * esize, lba = entry_lba + at / bs;
        if (lba != cached) {
            if (source_read(src, lba, 1, blk, why, sizeof why) != 0) {
                snprintf(err, err_len, "FAT: GPT partition entry %u: %s", i + 1, why);
                return -1;
            }
            cached = lba;
        }
        const uint8_t *pe = blk + at % bs;
        if (memcmp(pe, GUID_ESP, 16) != 0 && memcmp(pe, GUID_BASIC_DATA, 16) != 0)
            continue;
        uint64_t start = le64(pe + 32), end = le64(pe + 40);
        if (start > end || start < first_usable || end > last_usable || end >= src->block_count) {
            snprintf(err, err_len,
                     "FAT: GPT partition %u: LBA %llu to %llu is outside the usable LBAs %llu to %llu of a disk of %llu "
                     "blocks",
                     i + 1, (unsigned long long)start, (unsigned long long)end, (unsigned long long)first_usable,
                     (unsigned long long)last_usable, (unsigned long long)src->block_count);
            return -1;
        }
        *first_lba = start;
        return 0;
    }
    snprintf(err, err_len, "FAT: GPT: no EFI System or basic data partition among %u entries", n);
    return -1;
}

static bool mbr_fat_type(uint8_t t)
{
    return t == 0x01 || t == 0x04 || t == 0x06 || t == 0x0b || t == 0x0c || t == 0x0e || t == 0xef;
}

/* A FAT boot sector by its jump, signature and the BPB fields that must hold on any FAT. */
static bool looks_like_fat(const uint8_t *b)
{
    return le16(b + BS_SIGNATURE) == 0xaa55 && has_jump(b) && bps_ok(le16(b + BPB_BYTSPERSEC)) &&
           pow2(b[BPB_SECPERCLUS]) && le16(b + BPB_RSVDSECCNT) != 0 && b[BPB_NUMFATS] != 0 && media_ok(b[BPB_MEDIA]);
}

int fat_locate(const struct fat_source *src, uint64_t *first_lba, char *err, size_t err_len)
{
    if (source_check(src, err, err_len) != 0)
        return -1;
    uint8_t *blk = malloc(src->block_size);
    if (blk == NULL) {
        snprintf(err, err_len, "FAT: out of memory");
        return -1;
    }
    int ret = -1;
    char why[WHY_LEN];
    if (source_read(src, 0, 1, blk, why, sizeof why) != 0) {
        snprintf(err, err_len, "FAT: LBA 0: %s", why);
        goto out;
    }
    if (looks_like_fat(blk)) {
        *first_lba = 0;
        ret = 0;
        goto out;
    }
    if (le16(blk + BS_SIGNATURE) != 0xaa55) {
        snprintf(err, err_len, "FAT: LBA 0: neither a FAT boot sector nor an MBR (no signature 0x55 0xAA at byte 510)");
        goto out;
    }
    /* The MBR's four partition entries at 446: type at +4, first LBA at +8, sectors at +12. */
    const uint8_t *pt = blk + 446;
    for (int i = 0; i < 4; i++) {
        if (pt[i * 16 + 4] == 0xee) { /* a protective MBR: the disk is GPT */
            ret = gpt_locate(src, blk, first_lba, err, err_len);
            goto out;
        }
    }
    for (int i = 0; i < 4; i++) {
        const uint8_t *pe = pt + i * 16;
        uint32_t start = le32(pe + 8), size = le32(pe + 12);
        if (!mbr_fat_type(pe[4]) || size == 0)
            continue;
        if (start == 0 || start >= src->block_count || size > src->block_count - start) {
            snprintf(err, err_len,
                     "FAT: MBR partition %d (type 0x%02x): LBA %u and %u sectors is outside the disk (%llu blocks)",
                     i + 1, pe[4], start, size, (unsigned long long)src->block_count);
            goto out;
        }
        *first_lba = start;
        ret = 0;
        goto out;
    }
    snprintf(err, err_len, "FAT: MBR: no FAT partition (types 0x%02x 0x%02x 0x%02x 0x%02x)", pt[4], pt[20], pt[36],
             pt[52]);
out:
    free(blk);
    return ret;
}
