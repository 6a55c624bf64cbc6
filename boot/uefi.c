/* The kernel's side of the UEFI entry: take over what the stub (boot/uefi/stub.c) handed over. */
#include <stdio.h>
#include <string.h>

#include "boot_info.h"

const char *boot_info_from_uefi(struct boot_info *info, uint32_t handoff_addr)
{
    static char loader[96];
    const struct boot_uefi_handoff *h = (const void *)(uintptr_t)handoff_addr;
    if (h == NULL || h->magic != BOOT_UEFI_MAGIC)
        return "the UEFI stub's handoff is missing or has a bad magic";
    *info = h->info;
    /* The stub's strings live in memory the heap takes over: keep a copy. */
    snprintf(loader, sizeof loader, "%.63s, revision 0x%08x, ExitBootServices in %u call%s", h->firmware,
             (unsigned)h->firmware_revision, (unsigned)h->exit_attempts, h->exit_attempts == 1 ? "" : "s");
    info->protocol = BOOT_UEFI;
    info->loader_name = loader;
    return NULL;
}
