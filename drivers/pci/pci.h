/*
 * PCI: configuration access, enumeration behind bridges, BAR sizing and assignment, capability
 * lists. Everything here reaches the hardware only through struct pci_config_access, so the same
 * code runs against a simulated bus in the host unit tests.
 */
#ifndef DRIVERS_PCI_PCI_H
#define DRIVERS_PCI_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Configuration space registers (PCI Local Bus 3.0, 6.1; PCI-to-PCI Bridge 1.2, 3.2). */
enum {
    PCI_VENDOR_ID = 0x00,
    PCI_DEVICE_ID = 0x02,
    PCI_COMMAND = 0x04,
    PCI_STATUS = 0x06,
    PCI_REVISION = 0x08,
    PCI_PROG_IF = 0x09,
    PCI_SUBCLASS = 0x0a,
    PCI_CLASS = 0x0b,
    PCI_HEADER_TYPE = 0x0e,
    PCI_BAR0 = 0x10,
    PCI_CAP_PTR = 0x34,
    PCI_BRIDGE_PRIMARY_BUS = 0x18,
    PCI_BRIDGE_SECONDARY_BUS = 0x19,
    PCI_BRIDGE_SUBORDINATE_BUS = 0x1a,
    PCI_BRIDGE_IO_BASE = 0x1c,
    PCI_BRIDGE_IO_LIMIT = 0x1d,
    PCI_BRIDGE_MEM_BASE = 0x20,
    PCI_BRIDGE_MEM_LIMIT = 0x22,
    PCI_BRIDGE_PREF_BASE = 0x24,
    PCI_BRIDGE_PREF_LIMIT = 0x26,
    PCI_BRIDGE_PREF_BASE_UPPER = 0x28,
    PCI_BRIDGE_PREF_LIMIT_UPPER = 0x2c,
    PCI_BRIDGE_IO_BASE_UPPER = 0x30,
    PCI_BRIDGE_IO_LIMIT_UPPER = 0x32,
};

enum {
    PCI_COMMAND_IO = 1u << 0,
    PCI_COMMAND_MEMORY = 1u << 1,
    PCI_COMMAND_BUS_MASTER = 1u << 2,
    PCI_STATUS_CAP_LIST = 1u << 4,
};

enum { PCI_CAP_ID_PM = 0x01, PCI_CAP_ID_MSI = 0x05, PCI_CAP_ID_VNDR = 0x09, PCI_CAP_ID_PCIE = 0x10, PCI_CAP_ID_MSIX = 0x11 };

struct pci_config_access {
    const char *name; /* "ECAM" or "legacy 0xCF8" */
    /* width is 1, 2 or 4; offset is aligned to it and below max_offset. */
    uint32_t (*read)(void *ctx, uint8_t bus, uint8_t dev, uint8_t fn, uint16_t offset, unsigned width);
    void (*write)(void *ctx, uint8_t bus, uint8_t dev, uint8_t fn, uint16_t offset, unsigned width, uint32_t v);
    void *ctx;
    uint16_t max_offset; /* 256 for legacy, 4096 for ECAM */
    uint8_t bus_start, bus_end;
};

enum pci_bar_kind { PCI_BAR_NONE, PCI_BAR_IO, PCI_BAR_MEM32, PCI_BAR_MEM64 };

struct pci_bar {
    enum pci_bar_kind kind;
    bool prefetchable;
    bool assigned;    /* has an address (from the firmware or from us) */
    bool assigned_by_us;
    uint64_t addr;
    uint64_t size;
};

#define PCI_MAX_BARS 6
#define PCI_MAX_CAPS 16

struct pci_device {
    uint8_t bus, dev, fn;
    uint16_t vendor, device;
    uint8_t class_code, subclass, prog_if, revision;
    uint8_t header_type; /* without the multi-function bit */
    uint16_t command;    /* as left after enumeration */
    uint16_t firmware_command; /* as the firmware left it, before lunbench changed anything */
    int parent;          /* index of the bridge this device sits behind, -1 on the root bus */
    struct pci_bar bars[PCI_MAX_BARS];
    unsigned bar_count; /* 6 for a type 0 header, 2 for a bridge */
    uint8_t cap_count;
    uint8_t cap_ids[PCI_MAX_CAPS];
    uint8_t cap_offsets[PCI_MAX_CAPS];
    /* Bridges only. */
    uint8_t secondary_bus, subordinate_bus;
    bool bus_numbers_by_us, windows_by_us;
    uint64_t mem_window_base, mem_window_limit; /* limit inclusive; base > limit when closed */
    uint64_t pref_window_base, pref_window_limit; /* the prefetchable window (we never open one) */
    uint32_t io_window_base, io_window_limit;
};

/* Free address space the enumerator may hand out to unassigned BARs on the root bus. */
struct pci_resource_window {
    uint64_t mem_base, mem_end; /* [mem_base, mem_end) below 4 GiB */
    uint32_t io_base, io_end;   /* [io_base, io_end); io_end == io_base when the platform has no I/O space */
    /* Ranges no BAR may take (ECAM, firmware-reserved memory); end exclusive. */
    const uint64_t (*reserved)[2];
    size_t reserved_count;
};

#define PCI_MAX_DEVICES 256

struct pci_topology {
    struct pci_device devices[PCI_MAX_DEVICES];
    size_t count;
    size_t dropped;          /* functions beyond PCI_MAX_DEVICES */
    unsigned buses_assigned; /* bridges whose bus numbers we set */
    unsigned buses_unassigned; /* bridges we could not number: no bus left that their parent routes */
    unsigned bars_assigned;  /* BARs we gave an address */
    unsigned bars_unassigned; /* BARs left without one (no room, or no I/O space) */
};

/*
 * Walk every bus reachable from bus_start, giving unconfigured bridges bus numbers; size every
 * BAR; assign addresses to unassigned BARs (and windows to the bridges above them) from
 * *window; and enable memory/I/O decoding and bus mastering on the devices for which
 * enable(vendor, device) is true (NULL: none) and on the bridges leading to them.
 * Returns 0, or -1 with a one-line reason in err.
 */
int pci_enumerate(const struct pci_config_access *cfg, const struct pci_resource_window *window,
                  bool (*enable)(uint16_t vendor, uint16_t device), struct pci_topology *topo, char *err,
                  size_t err_len);

/*
 * Decode a BAR from its original value and what it read back after writing all ones (for a
 * 64-bit BAR, the upper dword too). Returns the kind; PCI_BAR_NONE for an unimplemented BAR.
 * PCI Local Bus 3.0, 6.2.5.1.
 */
enum pci_bar_kind pci_bar_decode(uint32_t orig_lo, uint32_t orig_hi, uint32_t probe_lo, uint32_t probe_hi,
                                 struct pci_bar *bar);

/* Next free, size-aligned address at or above *next that avoids every range in used[] and
 * ends at or below end; *next moves past it. Returns false when there is no room. */
bool pci_range_alloc(uint64_t *next, uint64_t end, uint64_t size, uint64_t align, const uint64_t (*used)[2],
                     size_t used_count, uint64_t *addr);

/* Offset of the first capability with this id at or after the one at 'from' (0: the start of
 * the list), 0 if none. The walk is bounded: a looping or out-of-range list ends it. */
uint8_t pci_capability_find(const struct pci_config_access *cfg, uint8_t bus, uint8_t dev, uint8_t fn,
                            uint8_t cap_id, uint8_t from);

/* "SCSI storage controller", "PCI bridge", ...; NULL if not known. */
const char *pci_class_name(uint8_t class_code, uint8_t subclass);

#endif
