/*
 * -initrd modules (fs_archive_list, fs/archive.h): cpio newc (070701/070702), ustar, or a plain
 * file. Input: the module's bytes, exact-size. Listed with room for 64 files, then with a tiny
 * room (0 and 1 files), as a module with more files than the caller expects would be. Every
 * file handed back must lie inside the module and have a clean name.
 */
#include "fs/archive.h"
#include "fuzz_input.h"

#define FUZZ_ERR_LEN 200

static void fuzz_list(const uint8_t *module, size_t len, size_t max)
{
    struct fs_file *files = malloc(max * sizeof *files);
    char *err = malloc(FUZZ_ERR_LEN);
    FUZZ_CHECK((files != NULL || max == 0) && err != NULL);
    size_t count = 99;
    err[0] = '\0';
    int rc = fs_archive_list(module, len, "job.fio", files, max, &count, err, FUZZ_ERR_LEN);
    if (rc == 0) {
        FUZZ_CHECK(count <= max);
        for (size_t i = 0; i < count; i++) {
            const struct fs_file *f = &files[i];
            FUZZ_CHECK(f->name[0] != '\0' && fuzz_is_c_string(f->name, sizeof f->name));
            FUZZ_CHECK(strncmp(f->name, "./", 2) != 0);
            FUZZ_CHECK(f->data >= module && f->size <= len && (size_t)(f->data - module) <= len - f->size);
            for (size_t j = 0; j < i; j++)
                FUZZ_CHECK(strcmp(files[j].name, f->name) != 0); /* a later entry replaces */
        }
    } else {
        FUZZ_CHECK(rc == -1 && count == 0);
        FUZZ_CHECK(err[0] != '\0' && fuzz_is_c_string(err, FUZZ_ERR_LEN));
    }
    free(err);
    free(files);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *module = fuzz_copy(data, size);
    (void)fs_format_name(fs_archive_format(module, size));
    fuzz_list(module, size, 64);
    fuzz_list(module, size, 1);
    fuzz_list(module, size, 0);
    free(module);
    return 0;
}
