/*
 * Module archives (fs/archive.h). cpio newc is what Linux's initramfs uses (the kernel's
 * Documentation/driver-api/early-userspace/buffer-format.rst): a 110-byte ASCII header, the
 * name, data, each padded to 4 bytes, ending in "TRAILER!!!". ustar is POSIX.1-1988 tar
 * (pax's "ustar Interchange Format"): 512-byte header blocks with octal fields, data in
 * 512-byte blocks, a zero block at the end. Nothing a module says is trusted: every size and
 * offset is checked against the module's length before it is used.
 */
#include "fs/archive.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define CPIO_HEADER_LEN 110
#define CPIO_FIELD_LEN 8
#define CPIO_TRAILER "TRAILER!!!"
#define MODE_TYPE_MASK 0170000u
#define MODE_REGULAR 0100000u

#define TAR_BLOCK 512u
#define TAR_NAME 0u
#define TAR_NAME_LEN 100u
#define TAR_SIZE 124u
#define TAR_SIZE_LEN 12u
#define TAR_CHKSUM 148u
#define TAR_CHKSUM_LEN 8u
#define TAR_TYPEFLAG 156u
#define TAR_MAGIC 257u
#define TAR_PREFIX 345u
#define TAR_PREFIX_LEN 155u

/* The thirteen hex fields after the magic, in header order. */
enum cpio_field {
    CPIO_INO, CPIO_MODE, CPIO_UID, CPIO_GID, CPIO_NLINK, CPIO_MTIME, CPIO_FILESIZE, CPIO_DEVMAJOR,
    CPIO_DEVMINOR, CPIO_RDEVMAJOR, CPIO_RDEVMINOR, CPIO_NAMESIZE, CPIO_CHECK, CPIO_FIELDS
};
static const char *const cpio_field_names[CPIO_FIELDS] = {
    "ino", "mode", "uid", "gid", "nlink", "mtime", "filesize", "devmajor", "devminor", "rdevmajor", "rdevminor",
    "namesize", "check",
};

enum fs_format fs_archive_format(const uint8_t *data, size_t len)
{
    if (len >= 6 && (memcmp(data, "070701", 6) == 0 || memcmp(data, "070702", 6) == 0))
        return FS_CPIO_NEWC;
    /* "ustar\0" (POSIX) or "ustar  \0" (GNU tar's own format, the same layout for short names). */
    if (len >= TAR_BLOCK && memcmp(data + TAR_MAGIC, "ustar", 5) == 0)
        return FS_USTAR;
    return FS_PLAIN;
}

const char *fs_format_name(enum fs_format format)
{
    switch (format) {
    case FS_PLAIN: return "plain file";
    case FS_CPIO_NEWC: return "cpio newc";
    case FS_USTAR: return "ustar";
    }
    return "?";
}

struct fs_list {
    struct fs_file *files;
    size_t max, count;
    char *err;
    size_t err_len;
};

/* Add a regular file; a later entry of the same name replaces an earlier one, as when the
 * archive is unpacked. */
static int fs_list_add(struct fs_list *l, const char *name, size_t name_len, const uint8_t *data, size_t size,
                       size_t header_off)
{
    while (name_len >= 2 && name[0] == '.' && name[1] == '/') {
        name += 2;
        name_len -= 2;
    }
    if (name_len == 0 || name_len >= FS_NAME_MAX) {
        snprintf(l->err, l->err_len, "entry at 0x%zx: name of %zu characters (1 to %d without './')", header_off,
                 name_len, FS_NAME_MAX - 1);
        return -1;
    }
    struct fs_file *f = NULL;
    for (size_t i = 0; i < l->count && f == NULL; i++)
        if (strlen(l->files[i].name) == name_len && memcmp(l->files[i].name, name, name_len) == 0)
            f = &l->files[i];
    if (f == NULL) {
        if (l->count == l->max) {
            snprintf(l->err, l->err_len, "entry '%.*s' at 0x%zx: more than %zu files in the archive",
                     (int)(name_len < 60 ? name_len : 60), name, header_off, l->max);
            return -1;
        }
        f = &l->files[l->count++];
    }
    memcpy(f->name, name, name_len);
    f->name[name_len] = '\0';
    f->data = data;
    f->size = size;
    return 0;
}

/* ---- cpio newc ---- */

static int hex_field(const uint8_t *p, uint32_t *out)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < CPIO_FIELD_LEN; i++) {
        uint8_t c = p[i];
        unsigned d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10u;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10u;
        else
            return -1;
        v = v << 4 | d;
    }
    *out = v;
    return 0;
}

static size_t align4(size_t n) { return (n + 3) & ~(size_t)3; }

static int cpio_list(const uint8_t *data, size_t len, struct fs_list *l)
{
    size_t off = 0;
    for (;;) {
        if (len - off < CPIO_HEADER_LEN) {
            snprintf(l->err, l->err_len,
                     off == len ? "cpio archive ends at 0x%zx without its " CPIO_TRAILER " entry (truncated?)"
                                : "cpio header at 0x%zx: truncated (the archive ends inside it)",
                     off);
            return -1;
        }
        const uint8_t *h = data + off;
        bool with_check = memcmp(h, "070702", 6) == 0;
        if (!with_check && memcmp(h, "070701", 6) != 0) {
            snprintf(l->err, l->err_len, "cpio header at 0x%zx: bad magic (not 070701 or 070702)", off);
            return -1;
        }
        uint32_t f[CPIO_FIELDS];
        for (unsigned i = 0; i < CPIO_FIELDS; i++) {
            if (hex_field(h + 6 + i * CPIO_FIELD_LEN, &f[i]) != 0) {
                snprintf(l->err, l->err_len, "cpio header at 0x%zx: field '%s' is not 8 hex digits", off,
                         cpio_field_names[i]);
                return -1;
            }
        }
        /* namesize counts the name's NUL. */
        size_t name_off = off + CPIO_HEADER_LEN, name_size = f[CPIO_NAMESIZE];
        if (name_size == 0 || name_size > len - name_off) {
            snprintf(l->err, l->err_len, "cpio header at 0x%zx: namesize 0x%zx runs past the end of the archive", off,
                     name_size);
            return -1;
        }
        const char *name = (const char *)data + name_off;
        size_t name_len = name_size - 1;
        if (name[name_len] != '\0' || memchr(name, '\0', name_len) != NULL) {
            snprintf(l->err, l->err_len, "cpio header at 0x%zx: the name is not namesize-1 characters and a NUL",
                     off);
            return -1;
        }
        size_t data_off = align4(name_off + name_size), size = f[CPIO_FILESIZE];
        if (data_off > len || size > len - data_off) {
            snprintf(l->err, l->err_len, "cpio entry '%.*s' at 0x%zx: filesize 0x%zx runs past the end of the archive",
                     (int)(name_len < 60 ? name_len : 60), name, off, size);
            return -1;
        }
        size_t next = align4(data_off + size);
        if (name_len == sizeof CPIO_TRAILER - 1 && memcmp(name, CPIO_TRAILER, name_len) == 0) {
            /* Archives may be concatenated (Linux's initramfs allows it), with NUL padding between. */
            off = next < len ? next : len;
            while (off < len && data[off] == 0)
                off++;
            if (off == len)
                return 0;
            if (len - off >= 6 && memcmp(data + off, "07070", 5) == 0)
                continue;
            snprintf(l->err, l->err_len,
                     "cpio archive: bytes after " CPIO_TRAILER " at 0x%zx that are not another archive", off);
            return -1;
        }
        if ((f[CPIO_MODE] & MODE_TYPE_MASK) == MODE_REGULAR) {
            if (with_check) {
                /* 070702: check is the 32-bit sum of the data bytes. */
                uint32_t sum = 0;
                for (size_t i = 0; i < size; i++)
                    sum += data[data_off + i];
                if (sum != f[CPIO_CHECK]) {
                    snprintf(l->err, l->err_len, "cpio entry '%.*s' at 0x%zx: checksum 0x%08x, the data sums to 0x%08x",
                             (int)(name_len < 60 ? name_len : 60), name, off, f[CPIO_CHECK], sum);
                    return -1;
                }
            }
            if (fs_list_add(l, name, name_len, data + data_off, size, off) != 0)
                return -1;
        }
        off = next < len ? next : len;
    }
}

/* ---- ustar ---- */

/* An octal field: leading spaces, digits, then NUL or space or the field's end. */
static int octal_field(const uint8_t *p, size_t n, uint64_t *out)
{
    size_t i = 0;
    uint64_t v = 0;
    while (i < n && p[i] == ' ')
        i++;
    size_t first = i;
    for (; i < n && p[i] >= '0' && p[i] <= '7'; i++)
        v = v << 3 | (uint64_t)(p[i] - '0'); /* 12 digits at most: 36 bits */
    if (i == first || (i < n && p[i] != '\0' && p[i] != ' '))
        return -1;
    *out = v;
    return 0;
}

/* A name field holds up to n characters, NUL-terminated only when shorter. */
static size_t field_strlen(const uint8_t *p, size_t n)
{
    const uint8_t *nul = memchr(p, '\0', n);
    return nul != NULL ? (size_t)(nul - p) : n;
}

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0)
            return false;
    return true;
}

static int ustar_list(const uint8_t *data, size_t len, struct fs_list *l)
{
    size_t off = 0;
    for (;;) {
        if (len - off < TAR_BLOCK) {
            snprintf(l->err, l->err_len,
                     off == len ? "tar archive ends at 0x%zx without its zero end blocks (truncated?)"
                                : "tar header at 0x%zx: truncated (the archive ends inside it)",
                     off);
            return -1;
        }
        const uint8_t *h = data + off;
        if (all_zero(h, TAR_BLOCK))
            return 0; /* the end-of-archive blocks: what follows is padding */
        if (memcmp(h + TAR_MAGIC, "ustar", 5) != 0) {
            snprintf(l->err, l->err_len, "tar header at 0x%zx: bad magic (not ustar)", off);
            return -1;
        }
        /* The checksum is the sum of the header's bytes with its own field read as spaces;
         * historic tars summed signed chars, so either sum is accepted. */
        uint64_t want;
        if (octal_field(h + TAR_CHKSUM, TAR_CHKSUM_LEN, &want) != 0) {
            snprintf(l->err, l->err_len, "tar header at 0x%zx: bad checksum field", off);
            return -1;
        }
        uint64_t sum = 0;
        int64_t ssum = 0;
        for (unsigned i = 0; i < TAR_BLOCK; i++) {
            uint8_t c = (i >= TAR_CHKSUM && i < TAR_CHKSUM + TAR_CHKSUM_LEN) ? ' ' : h[i];
            sum += c;
            ssum += (int8_t)c;
        }
        if (want != sum && (int64_t)want != ssum) {
            snprintf(l->err, l->err_len, "tar header at 0x%zx: checksum %llo, the header sums to %llo", off,
                     (unsigned long long)want, (unsigned long long)sum);
            return -1;
        }
        char name[TAR_PREFIX_LEN + 1 + TAR_NAME_LEN + 1];
        size_t prefix_len = field_strlen(h + TAR_PREFIX, TAR_PREFIX_LEN);
        size_t base_len = field_strlen(h + TAR_NAME, TAR_NAME_LEN), name_len = 0;
        if (prefix_len > 0) {
            memcpy(name, h + TAR_PREFIX, prefix_len);
            name[prefix_len] = '/';
            name_len = prefix_len + 1;
        }
        memcpy(name + name_len, h + TAR_NAME, base_len);
        name_len += base_len;
        name[name_len] = '\0';
        int shown = (int)(name_len < 60 ? name_len : 60);
        uint64_t size;
        if (h[TAR_SIZE] & 0x80) {
            snprintf(l->err, l->err_len,
                     "tar entry '%.*s' at 0x%zx: base-256 size (a file over 8 GiB?) is not supported", shown, name,
                     off);
            return -1;
        }
        if (octal_field(h + TAR_SIZE, TAR_SIZE_LEN, &size) != 0) {
            snprintf(l->err, l->err_len, "tar entry '%.*s' at 0x%zx: bad size field", shown, name, off);
            return -1;
        }
        size_t data_off = off + TAR_BLOCK;
        if (size > len - data_off) {
            snprintf(l->err, l->err_len,
                     "tar entry '%.*s' at 0x%zx: size %llu runs past the end of the archive", shown, name, off,
                     (unsigned long long)size);
            return -1;
        }
        uint8_t type = h[TAR_TYPEFLAG];
        if (type == 'x' || type == 'g' || type == 'L' || type == 'K') {
            snprintf(l->err, l->err_len,
                     "tar entry '%.*s' at 0x%zx: type '%c' (pax or GNU extended header) is not supported; "
                     "make the archive with tar --format=ustar",
                     shown, name, off, type);
            return -1;
        }
        /* '0' and (pre-POSIX) NUL are regular files, '7' contiguous files read as regular. */
        if ((type == '0' || type == '\0' || type == '7') &&
            fs_list_add(l, name, name_len, data + data_off, (size_t)size, off) != 0)
            return -1;
        size_t blocks = ((size_t)size + TAR_BLOCK - 1) / TAR_BLOCK;
        off = data_off + blocks * TAR_BLOCK > len ? len : data_off + blocks * TAR_BLOCK;
    }
}

int fs_archive_list(const uint8_t *data, size_t len, const char *plain_name, struct fs_file *files, size_t max,
                    size_t *count, char *err, size_t err_len)
{
    struct fs_list l = { files, max, 0, err, err_len };
    int ret;
    *count = 0;
    switch (fs_archive_format(data, len)) {
    case FS_CPIO_NEWC:
        ret = cpio_list(data, len, &l);
        break;
    case FS_USTAR:
        ret = ustar_list(data, len, &l);
        break;
    default: {
        /* Formats that a plain job file cannot start with: say what to do instead. */
        static const struct {
            const char *magic;
            size_t len;
            const char *what;
        } refused[] = {
            { "070707", 6, "an old (odc) cpio archive: make it with cpio -H newc" },
            { "\x1f\x8b", 2, "gzip-compressed: lunbench reads uncompressed cpio newc, ustar or plain files" },
            { "\xfd" "7zXZ", 5, "xz-compressed: lunbench reads uncompressed cpio newc, ustar or plain files" },
            { "\x28\xb5\x2f\xfd", 4, "zstd-compressed: lunbench reads uncompressed cpio newc, ustar or plain files" },
        };
        for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
            if (len >= refused[i].len && memcmp(data, refused[i].magic, refused[i].len) == 0) {
                snprintf(err, err_len, "module '%s' is %s", plain_name, refused[i].what);
                return -1;
            }
        }
        ret = fs_list_add(&l, plain_name, strlen(plain_name), data, len, 0);
        break;
    }
    }
    if (ret != 0)
        return -1;
    *count = l.count;
    return 0;
}
