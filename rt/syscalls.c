/*
 * The system-call layer newlib calls (built with MISSING_SYSCALL_NAMES, so without leading
 * underscores). Output goes to the console, memory comes from the heap range, _exit leaves QEMU;
 * there are no files, processes or input, and those calls fail with errno set.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/times.h>
#include <sys/types.h>
#include <unistd.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/time.h>
#include <sys/wait.h>

#include "arch/x86_64/machine_exit.h"
#include "arch/x86_64/console.h"

#undef errno
extern int errno;

int write(int fd, const void *buf, size_t len)
{
    if (fd != 1 && fd != 2) {
        errno = EBADF;
        return -1;
    }
    console_write(buf, len);
    return (int)len;
}

void _exit(int status) { machine_exit(status); }

int read(int fd, void *buf, size_t len)
{
    (void)fd, (void)buf, (void)len;
    errno = EBADF;
    return -1;
}

int close(int fd)
{
    (void)fd;
    errno = EBADF;
    return -1;
}

off_t lseek(int fd, off_t offset, int whence)
{
    (void)fd, (void)offset, (void)whence;
    errno = ESPIPE;
    return -1;
}

int fstat(int fd, struct stat *st)
{
    if (fd < 0 || fd > 2) {
        errno = EBADF;
        return -1;
    }
    st->st_mode = S_IFCHR;
    return 0;
}

int isatty(int fd) { return fd >= 0 && fd <= 2; }

int open(const char *path, int flags, ...)
{
    (void)path, (void)flags;
    errno = ENOENT;
    return -1;
}

int kill(int pid, int sig)
{
    (void)pid, (void)sig;
    errno = EINVAL;
    return -1;
}

int getpid(void) { return 1; }

int unlink(const char *path)
{
    (void)path;
    errno = ENOENT;
    return -1;
}

int link(const char *old, const char *new_path)
{
    (void)old, (void)new_path;
    errno = EMLINK;
    return -1;
}

int stat(const char *path, struct stat *st)
{
    (void)path, (void)st;
    errno = ENOENT;
    return -1;
}

clock_t times(struct tms *buf)
{
    (void)buf;
    errno = ENOSYS;
    return (clock_t)-1;
}

struct timeval;
int gettimeofday(struct timeval *tv, void *tz)
{
    (void)tv, (void)tz;
    errno = ENOSYS;
    return -1;
}

int fork(void)
{
    errno = EAGAIN;
    return -1;
}

int wait(int *status)
{
    (void)status;
    errno = ECHILD;
    return -1;
}

int execve(const char *name, char *const argv[], char *const env[])
{
    (void)name, (void)argv, (void)env;
    errno = ENOMEM;
    return -1;
}

int mkdir(const char *path, mode_t mode)
{
    (void)path, (void)mode;
    errno = EROFS;
    return -1;
}

int fcntl(int fd, int cmd, ...)
{
    (void)fd, (void)cmd;
    errno = ENOSYS;
    return -1;
}
