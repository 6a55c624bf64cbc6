/*
 * Read-only access to the files an -initrd module carries: a cpio archive (newc, "070701", and
 * "070702" with checksums), a ustar/POSIX tar archive, or else the module is one plain file.
 * Pure code: the module is a byte range in memory; every header field is bounds-checked.
 */
#ifndef FS_ARCHIVE_H
#define FS_ARCHIVE_H

#include <stddef.h>
#include <stdint.h>

#define FS_NAME_MAX 256

enum fs_format { FS_PLAIN, FS_CPIO_NEWC, FS_USTAR };

struct fs_file {
    char name[FS_NAME_MAX]; /* as in the archive, without a leading "./" */
    const uint8_t *data;
    size_t size;
};

/* The format of a module (by its magic). */
enum fs_format fs_archive_format(const uint8_t *data, size_t len);
const char *fs_format_name(enum fs_format format);

/*
 * List the regular files of a module into files[0..max) (*count of them; directories, links and
 * the cpio trailer are skipped). A plain module is one file named plain_name. Returns 0, or -1
 * with a one-line reason naming the offset ("cpio header at 0x200: bad magic", "tar entry
 * 'x': size runs past the end of the archive") in err.
 */
int fs_archive_list(const uint8_t *data, size_t len, const char *plain_name, struct fs_file *files, size_t max,
                    size_t *count, char *err, size_t err_len);

#endif
