/*
 * Read-only FAT12/FAT16/FAT32 with VFAT long file names, over any block source (a disk read
 * through an HBA, a RAM image). Pure code: every on-disk field is bounds-checked before it is
 * used; a corrupt volume gives one line of error (what and where: "FAT: /jobs/a.fio: cluster
 * chain loops at cluster 123"), never a hang, a read outside the source or an allocation larger
 * than the caller's limit. Errors are written to err[0..err_len) (always NUL-terminated when
 * err_len > 0; truncated to fit).
 *
 * Paths: '/' separators (a leading '/' is optional, repeated '/' are one), matched without
 * regard to ASCII case, as FAT does, against the long name and against the 8.3 name. "." and
 * ".." are the directory's own entries. At most FAT_LFN_MAX characters a component.
 */
#ifndef FS_FAT_H
#define FS_FAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FAT_LFN_MAX 255                    /* characters in a long name (FAT32 spec 1.03, 7) */
#define FAT_NAME_MAX (FAT_LFN_MAX * 3 + 1) /* the UTF-8 of a long name and its NUL */
#define FAT_BLOCK_MAX 4096                 /* the largest source block and FAT sector */

/*
 * Blocks of block_size bytes (512 to 4096, a power of two), block_count of them. read() reads
 * count blocks from lba into buf and returns 0, else nonzero. The reader never asks for a block
 * at or past block_count, nor more than 128 blocks at a time.
 */
struct fat_source {
    int (*read)(void *ctx, uint64_t lba, uint32_t count, void *buf);
    void *ctx;
    uint32_t block_size;
    uint64_t block_count;
};

enum fat_type { FAT_TYPE_12 = 12, FAT_TYPE_16 = 16, FAT_TYPE_32 = 32 };

/* A mounted volume: the geometry from its boot sector (filled by fat_mount, read-only to the
 * caller), and two one-block caches (the FAT's, and directories'). Byte offsets are from the volume's
 * first byte. */
struct fat_volume {
    struct fat_source src;
    uint64_t first_lba; /* of the boot sector, in source blocks */
    enum fat_type type;
    uint32_t bytes_per_sector, sectors_per_cluster, cluster_bytes;
    uint32_t total_sectors;
    uint32_t cluster_count; /* data clusters; they are numbered 2 .. cluster_count + 1 */
    uint32_t root_entries;  /* FAT12/16: the fixed root directory's entries (0 on FAT32) */
    uint32_t root_cluster;  /* FAT32: the root directory's first cluster (0 on FAT12/16) */
    uint64_t fat_offset;    /* the FAT in use */
    uint64_t root_offset;   /* FAT12/16: the fixed root directory */
    uint64_t data_offset;   /* cluster 2 */
    char label[12];         /* the boot sector's volume label, trailing blanks removed */
    /* private */
    struct {
        uint64_t lba;
        bool valid;
        uint8_t data[FAT_BLOCK_MAX];
    } cache[2];
};

/* An entry of a directory. */
struct fat_dirent {
    char name[FAT_NAME_MAX]; /* the long name (UTF-8), else the 8.3 name ("JOB.FIO", or "job.fio" by the
                                NT case bits) */
    char short_name[13];     /* the 8.3 name, "NAME.EXT" */
    bool is_dir;
    bool lfn_ignored; /* long-name entries came before it but failed their checks: name is the 8.3 name */
    uint8_t attr;     /* DIR_Attr: 0x01 read-only, 0x02 hidden, 0x04 system, 0x10 directory, 0x20 archive */
    uint32_t first_cluster;
    uint32_t size;
};

/*
 * Where a FAT file system starts on a disk: the whole disk (a FAT boot sector at LBA 0), else
 * the first GPT partition (UEFI 2.10 5.3) of type EFI System or Microsoft basic data when LBA
 * 0 is a protective MBR, else the first MBR partition of a FAT type (0x01, 0x04, 0x06, 0x0b,
 * 0x0c, 0x0e, 0xef). Only primary MBR partitions are looked at. Returns 0 with *first_lba,
 * or -1 with the reason.
 */
int fat_locate(const struct fat_source *src, uint64_t *first_lba, char *err, size_t err_len);

/* Check the boot sector at first_lba and fill *v. 0, or -1 with the reason (nothing of *v may
 * be used then). */
int fat_mount(struct fat_volume *v, const struct fat_source *src, uint64_t first_lba, char *err, size_t err_len);

/*
 * Read a whole file into a malloc'd buffer (*data, the caller frees it; at least one byte even
 * for an empty file) of *len bytes. A file over max_len bytes is an error, before anything is
 * allocated. 0, or -1 with the reason (*data is NULL then). A missing file's error names what
 * its directory holds ("FAT: /jobs/x.fio: not found (/jobs holds: a.fio, b.fio)").
 */
int fat_read_file(struct fat_volume *v, const char *path, size_t max_len, uint8_t **data, size_t *len, char *err,
                  size_t err_len);

/* The entry a path names ("/" is the root directory: is_dir, name "/"). 0, or -1. */
int fat_stat(struct fat_volume *v, const char *path, struct fat_dirent *out, char *err, size_t err_len);

/*
 * Call fn for each entry of the directory at path, in directory order, leaving out "." and
 * ".." and the volume label. fn returns 0 to go on, nonzero to stop the listing (then
 * fat_list_dir returns 0). 0, or -1 with the reason.
 */
int fat_list_dir(struct fat_volume *v, const char *path, int (*fn)(void *arg, const struct fat_dirent *e), void *arg,
                 char *err, size_t err_len);

/* "FAT12", "FAT16", "FAT32". */
const char *fat_type_name(enum fat_type type);

#endif
