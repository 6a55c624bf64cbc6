/*
 * The UEFI entry (gnu-efi, PE32+ application): gathers what the Multiboot and PVH loaders would
 * have handed over, from boot services, and starts the same kernel as the other images.
 *
 * The kernel is position-dependent (linked and identity-mapped at 1 MiB, the small code model
 * newlib is built for), so this stub carries it as an ELF blob (build/lunbench-uefi.elf, the very
 * objects of the -kernel images with entry uefi_entry) and places its segments at their physical
 * addresses in pages it allocates there. Then: the firmware's name and revision, the ACPI RSDP
 * from the configuration table (ACPI 2.0 GUID first), the command line from the image's load
 * options (UCS-2) or, without them, from lunbench.cfg beside the image, a job file named by
 * jobfile=esp:/PATH read from the same volume, the memory map, ExitBootServices with the map-key
 * retry (UEFI 2.10 7.4.6: a stale key means GetMemoryMap again, then ExitBootServices again),
 * and the jump to uefi_entry with the handoff (boot/boot_info.h).
 *
 * What it does not do: SetVirtualAddressMap (runtime services are not used), Secure Boot,
 * loading anything but from its own volume.
 */
#include <efi.h>
#include <efilib.h>

#include "boot/boot_info.h"
#include "lib/uefi_boot.h"

extern const UINT8 lunbench_kernel_start[], lunbench_kernel_end[];

#define EXIT_ATTEMPTS 4
#define JOBFILE_MAX (4u << 20)

/* The ELF64 headers the blob is read with (System V ABI, gABI 4.1). */
struct elf64_ehdr {
    UINT8 ident[16];
    UINT16 type, machine;
    UINT32 version;
    UINT64 entry, phoff, shoff;
    UINT32 flags;
    UINT16 ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
struct elf64_phdr {
    UINT32 type, flags;
    UINT64 offset, vaddr, paddr, filesz, memsz, align;
};
#define PT_LOAD 1

static void fail(const char *why)
{
    Print(L"lunbench: cannot start under UEFI: %a\n", why);
}

static void ascii_from_ucs2(char *dst, UINTN max, const CHAR16 *src, UINTN chars)
{
    UINTN n = 0;
    for (UINTN i = 0; i < chars && src[i] != 0 && n + 1 < max; i++)
        dst[n++] = src[i] < 0x80 ? (char)src[i] : '?';
    dst[n] = '\0';
}

static void *find_config_table(EFI_SYSTEM_TABLE *st, EFI_GUID *guid)
{
    for (UINTN i = 0; i < st->NumberOfTableEntries; i++)
        if (CompareGuid(&st->ConfigurationTable[i].VendorGuid, guid) == 0)
            return st->ConfigurationTable[i].VendorTable;
    return NULL;
}

/* Read a whole file of the image's volume into pages below 4 GiB (EfiLoaderData: the kernel keeps
 * module ranges out of its heap). 0, or -1 with *why. */
static int read_file(EFI_FILE_HANDLE root, const char *path, UINT64 max, EFI_PHYSICAL_ADDRESS *addr, UINT64 *len,
                     const char **why)
{
    CHAR16 wide[256];
    UINTN n = 0;
    for (; path[n] != '\0' && n + 1 < sizeof wide / sizeof wide[0]; n++)
        wide[n] = path[n] == '/' ? L'\\' : (CHAR16)(UINT8)path[n];
    wide[n] = 0;
    EFI_FILE_HANDLE f;
    if (root->Open(root, &f, wide, EFI_FILE_MODE_READ, 0) != EFI_SUCCESS) {
        *why = "no such file";
        return -1;
    }
    EFI_FILE_INFO *info = LibFileInfo(f);
    if (info == NULL || info->FileSize > max) {
        *why = info == NULL ? "cannot read its size" : "larger than the limit";
        f->Close(f);
        return -1;
    }
    UINT64 size = info->FileSize;
    FreePool(info);
    *addr = 0xffffffff;
    if (uefi_call_wrapper(BS->AllocatePages, 4, AllocateMaxAddress, EfiLoaderData, EFI_SIZE_TO_PAGES(size + 1), addr) !=
        EFI_SUCCESS) {
        *why = "out of memory below 4 GiB";
        f->Close(f);
        return -1;
    }
    UINTN got = (UINTN)size;
    EFI_STATUS s = f->Read(f, &got, (void *)(UINTN)*addr);
    f->Close(f);
    if (s != EFI_SUCCESS || got != size) {
        *why = "read failed";
        return -1;
    }
    ((char *)(UINTN)*addr)[size] = '\0';
    *len = size;
    return 0;
}

/* The command line: the load options, else lunbench.cfg (one line) beside the image, else at the
 * volume's root. */
static void command_line(EFI_LOADED_IMAGE *li, EFI_FILE_HANDLE root, struct boot_info *info)
{
    if (li->LoadOptionsSize >= sizeof(CHAR16) && li->LoadOptions != NULL) {
        ascii_from_ucs2(info->cmdline, sizeof info->cmdline, li->LoadOptions, li->LoadOptionsSize / sizeof(CHAR16));
        info->cmdline_truncated = li->LoadOptionsSize / sizeof(CHAR16) >= sizeof info->cmdline;
        /* The UEFI Shell passes the program's path first ("fs0:\lunbench.efi mode=list"), as
         * Multiboot does the kernel's name; a boot option's data has none. */
        UINTN end = 0;
        while (info->cmdline[end] != '\0' && info->cmdline[end] != ' ')
            end++;
        if (end >= 4 && (CompareMem(info->cmdline + end - 4, ".efi", 4) == 0 ||
                         CompareMem(info->cmdline + end - 4, ".EFI", 4) == 0))
            boot_cmdline_skip_first_word(info->cmdline);
        return;
    }
    char cfg[300] = "/lunbench.cfg";
    CHAR16 *image_path = li->FilePath ? DevicePathToStr(li->FilePath) : NULL;
    if (image_path != NULL) {
        char dir[256];
        ascii_from_ucs2(dir, sizeof dir, image_path, 255);
        char *slash = NULL;
        for (char *p = dir; *p; p++)
            if (*p == '\\' || *p == '/')
                slash = p;
        if (slash != NULL) {
            slash[1] = '\0';
            UINTN n = 0;
            for (char *p = dir; *p && n + 13 < sizeof cfg; p++)
                cfg[n++] = *p;
            const char *name = "lunbench.cfg";
            for (UINTN i = 0; name[i]; i++)
                cfg[n++] = name[i];
            cfg[n] = '\0';
        }
        FreePool(image_path);
    }
    EFI_PHYSICAL_ADDRESS addr;
    UINT64 len;
    const char *why;
    if (root == NULL || (read_file(root, cfg, sizeof info->cmdline - 1, &addr, &len, &why) != 0 &&
                         read_file(root, "/lunbench.cfg", sizeof info->cmdline - 1, &addr, &len, &why) != 0))
        return; /* no command line: lunbench's defaults */
    const char *text = (const char *)(UINTN)addr;
    UINTN n = 0;
    for (; n < len && text[n] != '\n' && text[n] != '\r' && n + 1 < sizeof info->cmdline; n++)
        info->cmdline[n] = text[n];
    info->cmdline[n] = '\0';
}

/* jobfile=esp:/PATH on the command line: read it as the first module. */
static void job_file(EFI_FILE_HANDLE root, struct boot_info *info)
{
    const char *key = "jobfile=esp:";
    for (const char *p = info->cmdline; *p; p++) {
        if ((p != info->cmdline && p[-1] != ' ') || CompareMem(p, key, 12) != 0)
            continue;
        char path[BOOT_MODULE_NAME_MAX];
        UINTN n = 0;
        for (const char *q = p + 12; *q && *q != ' ' && n + 1 < sizeof path; q++)
            path[n++] = *q;
        path[n] = '\0';
        EFI_PHYSICAL_ADDRESS addr;
        UINT64 len;
        const char *why = "no file system on the image's volume";
        struct boot_module *m = &info->modules[0];
        /* A job file that cannot be read leaves the module out; the kernel names the problem. */
        if (root == NULL || read_file(root, path, JOBFILE_MAX, &addr, &len, &why) != 0) {
            Print(L"lunbench: jobfile=esp:%a: %a\n", path, why);
            return;
        }
        m->start = addr;
        m->end = addr + len;
        for (UINTN i = 0; i <= n && i < sizeof m->name; i++)
            m->name[i] = path[i];
        info->module_count = 1;
        return;
    }
}

/* Place the kernel's PT_LOAD segments at their physical addresses, in pages allocated there. */
static int load_kernel(UINT64 *entry)
{
    const UINT8 *blob = lunbench_kernel_start;
    UINTN blob_len = (UINTN)(lunbench_kernel_end - lunbench_kernel_start);
    struct elf64_ehdr eh;
    if (blob_len < sizeof eh) {
        fail("the embedded kernel is truncated");
        return -1;
    }
    CopyMem(&eh, blob, sizeof eh);
    if (CompareMem(eh.ident, "\177ELF", 4) != 0 || eh.ident[4] != 2 || eh.phentsize != sizeof(struct elf64_phdr) ||
        eh.phoff > blob_len || (UINT64)eh.phnum * sizeof(struct elf64_phdr) > blob_len - eh.phoff) {
        fail("the embedded kernel is not a 64-bit ELF");
        return -1;
    }
    UINT64 lo = ~0ull, hi = 0;
    for (UINT16 i = 0; i < eh.phnum; i++) {
        struct elf64_phdr ph;
        CopyMem(&ph, blob + eh.phoff + i * sizeof ph, sizeof ph);
        if (ph.type != PT_LOAD || ph.memsz == 0)
            continue;
        if (ph.offset > blob_len || ph.filesz > blob_len - ph.offset || ph.filesz > ph.memsz) {
            fail("a kernel segment lies outside the embedded image");
            return -1;
        }
        lo = ph.paddr < lo ? ph.paddr : lo;
        hi = ph.paddr + ph.memsz > hi ? ph.paddr + ph.memsz : hi;
    }
    lo &= ~(UINT64)EFI_PAGE_MASK;
    EFI_PHYSICAL_ADDRESS at = lo;
    if (hi <= lo ||
        uefi_call_wrapper(BS->AllocatePages, 4, AllocateAddress, EfiLoaderCode, EFI_SIZE_TO_PAGES(hi - lo), &at) !=
            EFI_SUCCESS) {
        Print(L"lunbench: cannot start under UEFI: the kernel's range 0x%lx-0x%lx is not free\n", lo, hi);
        return -1;
    }
    for (UINT16 i = 0; i < eh.phnum; i++) {
        struct elf64_phdr ph;
        CopyMem(&ph, blob + eh.phoff + i * sizeof ph, sizeof ph);
        if (ph.type != PT_LOAD || ph.memsz == 0)
            continue;
        CopyMem((void *)(UINTN)ph.paddr, blob + ph.offset, ph.filesz);
        SetMem((UINT8 *)(UINTN)ph.paddr + ph.filesz, ph.memsz - ph.filesz, 0);
    }
    *entry = eh.entry;
    return 0;
}

/* The firmware's side of lib/uefi_boot.h's exit with retry. */
struct exit_ctx {
    EFI_HANDLE image;
    struct boot_info *info;
};

static int get_map(void *ctx, void *buf, size_t capacity, size_t *size, uint64_t *key, size_t *desc_size)
{
    (void)ctx;
    UINTN map_size = capacity, map_key = 0, dsize = 0;
    UINT32 version;
    if (uefi_call_wrapper(BS->GetMemoryMap, 5, &map_size, (EFI_MEMORY_DESCRIPTOR *)buf, &map_key, &dsize, &version) !=
        EFI_SUCCESS)
        return -1;
    *size = map_size;
    *key = map_key;
    *desc_size = dsize;
    return 0;
}

static void took_map(void *ctx, const void *buf, size_t size, size_t desc_size)
{
    struct boot_info *info = ((struct exit_ctx *)ctx)->info;
    size_t dropped;
    int n = uefi_memmap_convert(buf, size, desc_size, info->memmap, BOOT_MEMMAP_INPUT_MAX, &dropped);
    info->memmap_raw_count = n > 0 ? (size_t)n : 0;
}

static int exit_services(void *ctx, uint64_t key)
{
    EFI_STATUS s = uefi_call_wrapper(BS->ExitBootServices, 2, ((struct exit_ctx *)ctx)->image, (UINTN)key);
    return s == EFI_SUCCESS ? 0 : s == EFI_INVALID_PARAMETER ? 1 : -1;
}

/* Called by gnu-efi's crt0 (_start, _relocate) with the System V ABI. */
EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st);
EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st)
{
    InitializeLib(image, st);
    EFI_PHYSICAL_ADDRESS handoff_addr = 0xffffffff;
    if (uefi_call_wrapper(BS->AllocatePages, 4, AllocateMaxAddress, EfiLoaderData,
                          EFI_SIZE_TO_PAGES(sizeof(struct boot_uefi_handoff)), &handoff_addr) != EFI_SUCCESS) {
        fail("out of memory for the handoff");
        return EFI_OUT_OF_RESOURCES;
    }
    struct boot_uefi_handoff *h = (struct boot_uefi_handoff *)(UINTN)handoff_addr;
    SetMem(h, sizeof *h, 0);
    h->magic = BOOT_UEFI_MAGIC;
    ascii_from_ucs2(h->firmware, sizeof h->firmware, st->FirmwareVendor, sizeof h->firmware);
    h->firmware_revision = st->FirmwareRevision;
    EFI_GUID acpi20 = ACPI_20_TABLE_GUID, acpi10 = ACPI_TABLE_GUID;
    void *rsdp = find_config_table(st, &acpi20);
    h->info.rsdp = (UINT64)(UINTN)(rsdp != NULL ? rsdp : find_config_table(st, &acpi10));
    /* Runtime services stay callable in physical mode (no SetVirtualAddressMap): the kernel's way
     * out where QEMU has no isa-debug-exit. */
    h->info.uefi_reset_system = (UINT64)(UINTN)st->RuntimeServices->ResetSystem;

    EFI_LOADED_IMAGE *li = NULL;
    if (uefi_call_wrapper(BS->HandleProtocol, 3, image, &LoadedImageProtocol, (void **)&li) != EFI_SUCCESS) {
        fail("no loaded-image protocol");
        return EFI_LOAD_ERROR;
    }
    EFI_FILE_HANDLE root = LibOpenRoot(li->DeviceHandle);
    command_line(li, root, &h->info);
    job_file(root, &h->info);

    UINT64 entry;
    if (load_kernel(&entry) != 0)
        return EFI_LOAD_ERROR;

    /* The map buffer is allocated once, with room to spare: between a failed ExitBootServices and
     * the next one only GetMemoryMap may be called (UEFI 2.10 7.4.6). */
    UINTN map_size = 0, key, desc_size;
    UINT32 desc_version;
    uefi_call_wrapper(BS->GetMemoryMap, 5, &map_size, NULL, &key, &desc_size, &desc_version);
    UINTN capacity = map_size + 16 * (desc_size ? desc_size : sizeof(EFI_MEMORY_DESCRIPTOR));
    UINT8 *map = AllocatePool(capacity);
    if (map == NULL) {
        fail("out of memory for the memory map");
        return EFI_OUT_OF_RESOURCES;
    }
    static const struct uefi_exit_ops ops = { get_map, took_map, exit_services };
    struct exit_ctx ctx = { image, &h->info };
    const char *why = NULL;
    int attempts = uefi_exit_boot_services(&ops, &ctx, map, capacity, EXIT_ATTEMPTS, &why);
    if (attempts < 0) {
        fail(why);
        return EFI_LOAD_ERROR;
    }
    h->exit_attempts = (UINT32)attempts;
    /* Boot services are gone: nothing of the firmware is called from here on. */
    ((void (*)(UINT64))(UINTN)entry)((UINT64)(UINTN)h);
    for (;;)
        __asm__ volatile("cli; hlt");
}
