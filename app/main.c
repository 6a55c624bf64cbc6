/* The flow of one boot: boot info, console, configuration, machine report, discovery, the mode. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/build_flavor.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/guard_pages.h"
#include "arch/x86_64/machine_exit.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/serial.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/ring0.h"
#include "bench/job.h"
#include "arch/x86_64/console.h"
#include "lib/dev_buf.h"
#include "lib/exit_status.h"
#include "rt/heap.h"
#include "machine.h"

#ifndef LUNBENCH_VERSION
#define LUNBENCH_VERSION "unknown"
#endif

#define FOUR_GIB 0x100000000ull

extern char _load_start[], _kernel_end[], boot_stack_guard[], boot_stack_bottom[], boot_stack_top[];

static struct machine machine;
static struct scan_result scan;

/* Called from boot/entry.S in long mode. */
void kmain(uint32_t boot_kind, uint32_t magic, uint32_t info_addr);

static _Noreturn void finish(int status)
{
    /* The heap's high-water mark: what a topology needs of the guest's RAM (the launcher's default
     * --memory grows with the LUN count from such figures). */
    printf("memory: %.1f MiB of the %.1f MiB heap used\n", (double)heap_used() / (1 << 20), (double)heap_size() / (1 << 20));
    if (dev_buf_side() != DEV_BUF_GUARD_NONE) {
        struct guard_pages_stats g = guard_pages_stats();
        printf("guard pages: %llu device buffers placed against them (%llu reused), %llu data pages, %llu guard "
               "pages unmapped\n", (unsigned long long)g.buffers, (unsigned long long)g.reused,
               (unsigned long long)g.data_pages, (unsigned long long)g.guard_pages);
    }
    printf("lunbench: exit status %d (%s)\n", status, exit_status_name(status));
    exit(status);
}

/* Everything before the heap exists runs without stdio: report and leave. */
static _Noreturn void early_fail(const char *what)
{
    console_puts("lunbench: cannot start: ");
    console_puts(what);
    console_puts("\nlunbench: exit status 2 (bad usage or input)\n");
    machine_exit(LUNBENCH_EXIT_USAGE);
}

static void setup_heap(struct machine *m)
{
    struct boot_info *b = &m->boot;
    b->memmap_count = b->memmap_raw_count;
    int n = memmap_normalise(b->memmap, b->memmap_raw_count, BOOT_MEMMAP_MAX);
    if (n < 0)
        early_fail("the memory map from the loader does not fit in BOOT_MEMMAP_MAX entries");
    b->memmap_count = (size_t)n;

    /* Keep out of the heap: everything below the kernel's end (BIOS data, the image itself) and
     * the loader's modules (job files, read later). */
    struct memmap_range excluded[BOOT_MODULES_MAX + 1];
    size_t n_excluded = 0;
    excluded[n_excluded++] = (struct memmap_range){ 0, (uint64_t)(uintptr_t)_kernel_end };
    for (size_t i = 0; i < b->module_count; i++)
        excluded[n_excluded++] = (struct memmap_range){ b->modules[i].start & ~0xfffull, (b->modules[i].end + 0xfff) & ~0xfffull };
    if (!memmap_largest_free(b->memmap, b->memmap_count, excluded, n_excluded, 0x100000, FOUR_GIB, &m->heap))
        early_fail("no free RAM above the kernel for the heap");
    m->heap.base = (m->heap.base + 0xfff) & ~0xfffull;
    heap_init(m->heap.base, m->heap.end);
}

/* boot/entry.S maps the low 4 GiB; RAM above that is mapped here so DMA buffers may live there. */
static void map_high_ram(const struct boot_info *b)
{
    for (size_t i = 0; i < b->memmap_count; i++) {
        const struct memmap_entry *e = &b->memmap[i];
        if (e->type == MEMMAP_RAM && e->base + e->length > FOUR_GIB) {
            uint64_t base = e->base < FOUR_GIB ? FOUR_GIB : e->base;
            if (paging_map_identity(base, e->base + e->length - base, 0) != 0)
                early_fail("cannot map the RAM above 4 GiB: page-table pool exhausted");
        }
    }
}

static void raise_fault(void *arg) { trap_trigger(*(const int *)arg); }

/* fault= on an application processor: its report must name it. */
static void fault_on_cpu(const struct machine *m)
{
    unsigned cpu = (unsigned)m->options.fault_cpu;
    if (cpu >= smp_cpu_count()) {
        printf("lunbench: fault_cpu=%u: only %u CPU%s running\n", cpu, smp_cpu_count(), smp_cpu_count() == 1 ? "" : "s");
        finish(LUNBENCH_EXIT_USAGE);
    }
    printf("lunbench: fault=%s: raising it on CPU %u now\n", options_value_name("fault", m->options.fault), cpu);
    fflush(stdout);
    smp_run(cpu, raise_fault, (void *)&m->options.fault);
    uint64_t start = rdtsc();
    while (!smp_done(cpu) && rdtsc() - start < m->tsc.hz * 5)
        cpu_pause();
    printf("lunbench: fault=%s did not fault on CPU %u\n", options_value_name("fault", m->options.fault), cpu);
    finish(LUNBENCH_EXIT_ERRORS);
}

/* Bring up one HBA of either kind at PCI function d as HBA h. 0, or -1 (the reason in its error). */
static int hba_bring_up(struct machine *m, struct scan_result *r, unsigned h, const struct pci_device *d)
{
    const struct options *o = &m->options;
    if (vblk_pci_match(d->vendor, d->device)) {
        struct vblk_options bopts = { .prefer_legacy = o->virtio == VIRTIO_LEGACY,
                                      .max_queue_size = (uint16_t)o->queue_size, .max_queues = (unsigned)o->queues,
                                      .tsc_hz = m->tsc.hz };
        r->vblk[h] = calloc(1, sizeof *r->vblk[h]);
        if (r->vblk[h] == NULL)
            return -1;
        r->seams[h] = &r->vblk[h]->base;
        return vblk_hba_init(r->vblk[h], h, &m->pci_access, d, &bopts);
    }
    struct vscsi_options sopts = { .prefer_legacy = o->virtio == VIRTIO_LEGACY,
                                   .max_queue_size = (uint16_t)o->queue_size, .max_queues = (unsigned)o->queues,
                                   .event_buffers = (unsigned)o->event_buffers, .tsc_hz = m->tsc.hz,
                                   .test_short_header = h == 0 ? o->test_short_header : 0,
                                   .test_guard_overread = h == 0 && o->test_guard_overread == OPT_YES };
    r->vscsi[h] = calloc(1, sizeof *r->vscsi[h]);
    if (r->vscsi[h] == NULL)
        return -1;
    r->seams[h] = &r->vscsi[h]->base;
    return vscsi_hba_init(r->vscsi[h], h, &m->pci_access, d, &sopts);
}

/* Bring up every virtio-scsi HBA and virtio-blk disk and discover their LUNs; the summary goes to
 * the console. Returns the status so far: 0, 1 (an HBA or a LUN failed), 3 (nothing to run on). */
static int discover(struct machine *m, struct scan_result *r)
{
    if (m->tsc.hz == 0) {
        printf("lunbench: no TSC frequency, so no command deadlines: %s\n", m->tsc_error);
        return LUNBENCH_EXIT_ERRORS;
    }
    uint64_t timeout = m->tsc.hz / 1000 * m->options.cmd_timeout_ms;
    bool errors = false;
    uint64_t start = rdtsc();
    for (size_t i = 0; m->have_pci && i < m->pci.count; i++) {
        const struct pci_device *d = &m->pci.devices[i];
        if (!platform_hba_match(d->vendor, d->device))
            continue;
        if (r->hba_count == HBA_MAX) {
            r->hbas_skipped++;
            continue;
        }
        unsigned h = r->hba_count++;
        uint64_t hba_start = rdtsc();
        if (hba_bring_up(m, r, h, d) != 0) {
            if (r->seams[h] == NULL) {
                printf("lunbench: HBA %u (%02x:%02x.%x): out of memory for its driver\n", h, d->bus, d->dev, d->fn);
                r->hba_count--;
                return LUNBENCH_EXIT_ERRORS;
            }
            printf("lunbench: HBA %u (%s): %s\n", h, r->seams[h]->name, r->seams[h]->error);
            errors = true;
            continue;
        }
        struct hba *hba = r->seams[h];
        r->hba_ok[h] = true;
        if (discovery_run(hba, &r->inv, &r->stats[h], timeout) != 0) {
            printf("lunbench: HBA %u (%s): %s\n", h, hba->name, hba->error);
            errors = true;
        }
        /* Events from before and during the scan (QEMU reports its own start-up hotplugs): the
         * scan has seen their effect; drop them. */
        struct hba_event events[16];
        while (hba_poll_events(hba, events, 16) > 0)
            ;
        if (r->stats[h].luns_failed)
            errors = true;
        r->hba_discovery_cycles[h] = rdtsc() - hba_start;
    }
    r->discovery_cycles = rdtsc() - start;
    report_hbas(m, r);
    report_luns(m, r);
    if (r->hba_count == 0) {
        printf("lunbench: no virtio-scsi HBA or virtio-blk disk found (PCI 1af4:1004, 1af4:1048, 1af4:1001 or 1af4:1042)\n");
        return LUNBENCH_EXIT_NO_DEVICE;
    }
    if (r->inv.count == 0) {
        printf("lunbench: no LUN found behind %u HBA%s\n", r->hba_count, r->hba_count == 1 ? "" : "s");
        return LUNBENCH_EXIT_NO_DEVICE;
    }
    return errors ? LUNBENCH_EXIT_ERRORS : LUNBENCH_EXIT_OK;
}

void kmain(uint32_t boot_kind, uint32_t magic, uint32_t info_addr)
{
    struct machine *m = &machine;
    serial_init();
    const char *boot_error = boot_kind == BOOT_PVH    ? boot_info_from_pvh(&m->boot, info_addr)
                             : boot_kind == BOOT_UEFI ? boot_info_from_uefi(&m->boot, info_addr)
                                                      : boot_info_from_multiboot1(&m->boot, magic, info_addr);
    if (boot_error != NULL)
        early_fail(boot_error);
    if (m->boot.uefi_reset_system != 0)
        machine_exit_set_uefi_reset(m->boot.uefi_reset_system);
    setup_heap(m);
    map_high_ram(&m->boot);
    if (paging_unmap_guard((uint64_t)(uintptr_t)boot_stack_guard) != 0)
        early_fail("cannot unmap the stack guard page");
    ring0_set_user_stack(0, (uint64_t)(uintptr_t)boot_stack_bottom, (uint64_t)(uintptr_t)boot_stack_top);

    printf("lunbench %s: polled virtio-scsi and virtio-blk benchmark, x86-64\n", LUNBENCH_VERSION);
    report_boot(m);

    options_defaults(&m->options);
    char err[200];
    static const struct options_extra job_options = { job_option_known, job_option_check };
    if (options_parse(m->boot.cmdline, &m->options, &job_options, err, sizeof err) != 0) {
        printf("lunbench: bad command line: %s\n", err);
        options_usage(stdout);
        finish(LUNBENCH_EXIT_USAGE);
    }
    if (m->boot.cmdline_truncated) {
        printf("lunbench: bad command line: longer than %d bytes\n", BOOT_CMDLINE_MAX - 1);
        finish(LUNBENCH_EXIT_USAGE);
    }
    if (lunbench_guard_build) {
        bool start = m->options.guard_pages == GUARD_START;
        dev_buf_use(guard_pages_allocator(start ? DEV_BUF_GUARD_START : DEV_BUF_GUARD_END));
        printf("lunbench: guard build: every buffer the device writes sits against an unmapped page at its %s\n",
               start ? "start" : "end");
    } else if (m->options.guard_pages != GUARD_DEFAULT) {
        printf("lunbench: bad command line: guard_pages=%s: this image has no guard pages (build/lunbench-guard.elf "
               "has)\n", options_value_name("guard_pages", m->options.guard_pages));
        finish(LUNBENCH_EXIT_USAGE);
    }
    if (m->options.fault != FAULT_NONE && m->options.fault_cpu == 0) {
        printf("lunbench: fault=%s: raising it now\n", options_value_name("fault", m->options.fault));
        fflush(stdout);
        trap_trigger(m->options.fault);
        printf("lunbench: fault=%s did not fault\n", options_value_name("fault", m->options.fault));
        finish(LUNBENCH_EXIT_ERRORS);
    }

    report_memory(m);
    platform_find_acpi(m);
    if (m->have_acpi) {
        struct acpi_poweroff off = {
            .valid = m->acpi.have_fadt && m->acpi.have_s5,
            .hw_reduced = m->acpi.hw_reduced,
            .pm1a_cnt = (uint16_t)m->acpi.pm1a_cnt,
            .pm1b_cnt = (uint16_t)m->acpi.pm1b_cnt,
            .slp_typ_a = m->acpi.s5_slp_typ_a,
            .slp_typ_b = m->acpi.s5_slp_typ_b,
            .sleep_control_space = m->acpi.sleep_control.space_id,
            .sleep_control_addr = m->acpi.sleep_control.address,
        };
        machine_exit_set_poweroff(&off);
    }
    if (m->options.dump == DUMP_ACPI)
        platform_dump_acpi(m);

    cpu_info_read(&m->cpu);
    if (tsc_calibrate(m->options.clock, m->have_acpi && m->acpi.have_hpet ? m->acpi.hpet_base : 0, &m->tsc,
                      m->tsc_error, sizeof m->tsc_error) != 0 && m->options.clock != CLOCK_AUTO) {
        report_cpu(m);
        printf("lunbench: clock=%s: %s\n", options_value_name("clock", m->options.clock), m->tsc_error);
        finish(LUNBENCH_EXIT_USAGE);
    }
    report_cpu(m);
    bool cpu_state_bad = false;
    if (m->tsc.hz != 0 && platform_start_cpus(m) != 0)
        cpu_state_bad = true; /* a CPU asked for did not start: said in the CPU report */
    report_cpus(m);
    if (m->options.fault != FAULT_NONE && m->options.fault_cpu != 0)
        fault_on_cpu(m);
    if (m->options.cpu_check) {
        struct cpu_rings self;
        ring0_read_rings(&self);
        unsigned violations = cpu_check_report(0, &self);
        for (unsigned c = 1; c < smp_cpu_count(); c++)
            violations += cpu_check_report(c, &smp_cpu(c)->state);
        if (violations != 0)
            cpu_state_bad = true;
    }

    platform_setup_pci(m);
    report_pci(m);
    if (m->options.mode == MODE_INFO)
        finish(m->have_pci && !cpu_state_bad ? LUNBENCH_EXIT_OK : LUNBENCH_EXIT_ERRORS);
    int status = discover(m, &scan);
    if (cpu_state_bad && status == LUNBENCH_EXIT_OK)
        status = LUNBENCH_EXIT_ERRORS;
    if (m->options.mode == MODE_LIST) {
        report_inventory_json(m, &scan);
        finish(status);
    }
    if (status == LUNBENCH_EXIT_NO_DEVICE)
        finish(status);
    if (m->options.mode == MODE_CHECK) {
        int check_status = check_mode_run(m, &scan);
        finish(check_status != LUNBENCH_EXIT_OK ? check_status : status);
    }
    int bench_status = bench_mode_run(m, &scan);
    finish(bench_status != LUNBENCH_EXIT_OK ? bench_status : status);
}
