/*
 * FAT (fs/fat.h): the input is a disk of 512-byte blocks (a trailing part block is dropped),
 * repeated to 64 MiB, so that a small input (libFuzzer's -max_len is 8 KiB) can also be a FAT16
 * or FAT32 volume (4085 and 65525 clusters and more) whose FATs and directories land on the
 * input's blocks. fat_locate, then fat_mount where it points (and at LBA 0 whatever fat_locate said),
 * list the root and each directory in it, stat and read every entry listed (at most 4096
 * bytes), and a few fixed paths. The block source checks that the reader never asks for a block
 * outside the disk nor too many at once, and that no operation reads without bound; every
 * result must keep its contract (a buffer within max_len, or NULL and a "FAT: " line).
 * Seeds: tests/data/fat/make-images.sh --fuzz-seeds tests/fuzz/corpus/fat.
 */
#include "fs/fat.h"
#include "fuzz_input.h"

#define BLOCK 512u
#define ERR_LEN 200
#define MAX_LEN 4096u
#define MAX_ENTRIES 16u
#define DISK_BLOCKS (64u << 11) /* 64 MiB */
/* A directory walk reads at most its 2 MiB (4096 blocks), twice for a name not found. */
#define MAX_READS_PER_OP 20000u

struct disk {
    const uint8_t *data;
    uint64_t data_blocks, blocks;
    unsigned reads;
};

static int disk_read(void *ctx, uint64_t lba, uint32_t count, void *buf)
{
    struct disk *d = ctx;
    FUZZ_CHECK(count >= 1 && count <= 128 && lba < d->blocks && count <= d->blocks - lba);
    FUZZ_CHECK(++d->reads <= MAX_READS_PER_OP);
    for (uint32_t i = 0; i < count; i++) {
        uint8_t *out = (uint8_t *)buf + (size_t)i * BLOCK;
        memcpy(out, d->data + (lba + i) % d->data_blocks * BLOCK, BLOCK);
    }
    return 0;
}

static void check_err(int rc, const char *err)
{
    FUZZ_CHECK(rc == 0 || rc == -1);
    if (rc != 0)
        FUZZ_CHECK(fuzz_is_c_string(err, ERR_LEN) && strncmp(err, "FAT: ", 5) == 0);
}

struct names {
    char name[MAX_ENTRIES][FAT_NAME_MAX];
    bool is_dir[MAX_ENTRIES];
    unsigned n;
};

static int collect(void *arg, const struct fat_dirent *e)
{
    struct names *l = arg;
    FUZZ_CHECK(fuzz_is_c_string(e->name, sizeof e->name) && e->name[0] != '\0');
    FUZZ_CHECK(fuzz_is_c_string(e->short_name, sizeof e->short_name) && e->short_name[0] != '\0');
    FUZZ_CHECK(strchr(e->name, '/') == NULL);
    memcpy(l->name[l->n], e->name, sizeof e->name);
    l->is_dir[l->n] = e->is_dir;
    return ++l->n == MAX_ENTRIES;
}

static void read_one(struct fat_volume *v, struct disk *d, const char *path, char *err)
{
    uint8_t *data = (uint8_t *)"x";
    size_t len = 99;
    d->reads = 0;
    int rc = fat_read_file(v, path, MAX_LEN, &data, &len, err, ERR_LEN);
    check_err(rc, err);
    if (rc == 0) {
        FUZZ_CHECK(data != NULL && len <= MAX_LEN);
        for (size_t i = 0; i < len; i++) /* every byte was written: ASan/MSan-free touch */
            (void)*(volatile uint8_t *)&data[i];
        free(data);
    } else {
        FUZZ_CHECK(data == NULL && len == 0);
    }
    struct fat_dirent e;
    d->reads = 0;
    check_err(fat_stat(v, path, &e, err, ERR_LEN), err);
}

static void list(struct fat_volume *v, struct disk *d, const char *dir, bool recurse, char *err)
{
    struct names *l = malloc(sizeof *l);
    size_t path_len = strlen(dir) + FAT_NAME_MAX + 2;
    char *path = malloc(path_len);
    FUZZ_CHECK(l != NULL && path != NULL);
    l->n = 0;
    d->reads = 0;
    int rc = fat_list_dir(v, dir, collect, l, err, ERR_LEN);
    check_err(rc, err);
    if (rc != 0)
        l->n = 0;
    for (unsigned i = 0; i < l->n; i++) {
        snprintf(path, path_len, "%s/%s", dir, l->name[i]);
        if (l->is_dir[i] && recurse)
            list(v, d, path, false, err);
        else
            read_one(v, d, path, err);
    }
    free(path);
    free(l);
}

static void fuzz_volume(struct disk *d, const struct fat_source *src, uint64_t lba, char *err)
{
    struct fat_volume *v = malloc(sizeof *v);
    FUZZ_CHECK(v != NULL);
    d->reads = 0;
    int rc = fat_mount(v, src, lba, err, ERR_LEN);
    check_err(rc, err);
    if (rc == 0) {
        FUZZ_CHECK(v->type == FAT_TYPE_12 || v->type == FAT_TYPE_16 || v->type == FAT_TYPE_32);
        FUZZ_CHECK(v->cluster_count >= 1 && fuzz_is_c_string(v->label, sizeof v->label));
        FUZZ_CHECK(fat_type_name(v->type)[0] == 'F');
        list(v, d, "", true, err);
        static const char *const fixed[] = {"/jobs/a.fio", "/A LONG NAME.FIO", "/d/e/f.txt", "/d/e/../e/./f.txt",
                                            "/EFI/BOOT/lunbench.cfg"};
        for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
            read_one(v, d, fixed[i], err);
    }
    free(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t blocks = size / BLOCK;
    uint8_t *copy = fuzz_copy(data, blocks * BLOCK);
    char *err = malloc(ERR_LEN);
    FUZZ_CHECK(err != NULL);
    struct disk d = {copy, blocks, blocks == 0 ? 0 : blocks > DISK_BLOCKS ? blocks : DISK_BLOCKS, 0};
    struct fat_source src = {disk_read, &d, BLOCK, d.blocks};
    uint64_t lba = UINT64_MAX;
    err[0] = '\0';
    int rc = fat_locate(&src, &lba, err, ERR_LEN);
    check_err(rc, err);
    if (rc == 0) {
        FUZZ_CHECK(lba < d.blocks);
        fuzz_volume(&d, &src, lba, err);
    }
    if (rc != 0 || lba != 0)
        fuzz_volume(&d, &src, 0, err);
    free(err);
    free(copy);
    return 0;
}
