/* The machine as lunbench found it at boot: everything the report prints and the drivers use. */
#ifndef APP_MACHINE_H
#define APP_MACHINE_H

#include "arch/x86_64/cpu_info.h"
#include "arch/x86_64/ring0.h"
#include "arch/x86_64/smp.h"
#include "arch/x86_64/tsc.h"
#include "boot/boot_info.h"
#include "drivers/acpi/acpi.h"
#include "drivers/pci/pci.h"
#include "drivers/hba/discovery.h"
#include "drivers/virtio_blk/virtio_blk.h"
#include "drivers/virtio_scsi/virtio_scsi.h"
#include "lib/json.h"
#include "lib/options.h"

struct machine {
    struct boot_info boot;
    struct memmap_range heap;
    struct options options;
    bool have_acpi;
    struct acpi_info acpi;
    char acpi_error[120];
    struct cpu_info cpu;
    struct tsc_clock tsc;
    char tsc_error[120];
    struct smp_report smp;
    char smp_error[160]; /* "" when every CPU asked for started */
    bool have_pci;
    struct pci_config_access pci_access;
    char pci_access_source[64]; /* "ACPI MCFG", "DSDT _CBA", "no ECAM" ... */
    char pci_error[160];
    struct pci_topology pci;
};

/* What mode=list found: every HBA and every LUN behind it. An HBA is a virtio-scsi HBA or a
 * virtio-blk disk (its own HBA with target 0, LUN 0), in PCI order. */
struct scan_result {
    struct vscsi_hba *vscsi[HBA_MAX]; /* the driver of HBA i: one of the two is set */
    struct vblk_hba *vblk[HBA_MAX];
    struct hba *seams[HBA_MAX]; /* its base: what discovery and the engine drive */
    bool hba_ok[HBA_MAX];
    struct discovery_stats stats[HBA_MAX];
    uint64_t hba_discovery_cycles[HBA_MAX]; /* each HBA's bring-up and scan, for comparing devices */
    unsigned hba_count;
    unsigned hbas_skipped; /* beyond HBA_MAX */
    struct inventory inv;
    uint64_t discovery_cycles;
};

/* app/platform.c */
/* Start the application processors the MADT lists (options.cpus of them); 0, or -1 with
 * m->smp_error set. The CPU report prints what started. */
int platform_start_cpus(struct machine *m);
/* The PCI functions lunbench drives: virtio-scsi HBAs and virtio-blk disks. */
bool platform_hba_match(uint16_t vendor, uint16_t device);
void platform_find_acpi(struct machine *m);
void platform_dump_acpi(const struct machine *m);
void platform_setup_pci(struct machine *m);

/* app/lun_report.c */
void report_hbas(const struct machine *m, const struct scan_result *r);
void report_luns(const struct machine *m, const struct scan_result *r);
void report_inventory_json(const struct machine *m, const struct scan_result *r);
/* The members of the "lunbench" object (version, hbas, luns, discovery_ms) into an open object. */
void report_inventory_members(struct json_writer *w, const struct machine *m, const struct scan_result *r);

/* app/lun_file.c: jobfile=H:T:L:/PATH, read from a FAT file system on that LUN into a malloc'd
 * buffer (at most JOBFILE_MAX_BYTES). 0, or -1 with the reason printed. */
#define JOBFILE_MAX_BYTES (4u << 20)
int lun_file_read(const struct scan_result *scan, const char *spec, uint64_t timeout_cycles, uint8_t **data,
                  size_t *len);

/* app/check_mode.c: mode=check, the conformance checks of every LUN (or check_list=yes). */
int check_mode_run(const struct machine *m, const struct scan_result *scan);

/* app/bench_mode.c: run the jobs (from the -initrd module, else the built-in default). */
int bench_mode_run(struct machine *m, struct scan_result *r);

/* app/report.c */
/* cpu_check=yes (app/cpu_check.c): judge and print a CPU's state in both rings; the number of
 * violations. */
unsigned cpu_check_report(unsigned cpu, const struct cpu_rings *s);

void report_boot(const struct machine *m);
void report_memory(const struct machine *m);
void report_cpu(const struct machine *m);
void report_cpus(const struct machine *m);
void report_pci(const struct machine *m);

#endif
