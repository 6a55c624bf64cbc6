/*
 * The virtio vendor capabilities of a PCI function (virtio_pci_parse_caps, drivers/virtio/
 * virtio_pci.h) and the capability-list walk under it (pci_capability_find, drivers/pci/pci.h),
 * against a configuration space the input supplies: a device, or firmware that set it up, could
 * put anything there.
 *
 * Input: u8 flags (bit 0: ECAM, 4096 bytes of configuration space; else legacy, 256), six BARs of
 * u8 kind and u32 size each, u8 cap_id for a direct pci_capability_find walk, u8 reserved, then the
 * configuration space from offset 0 (zeros past the input's end). The read callback enforces
 * struct pci_config_access's contract: width 1, 2 or 4, the offset aligned to it, and the read
 * inside max_offset; a read outside it aborts (on real hardware it would alias another register).
 */
#include "drivers/pci/pci.h"
#include "drivers/virtio/virtio_pci_caps.h"
#include "fuzz_input.h"

#define FUZZ_ERR_LEN 200

struct fuzz_config {
    uint8_t *space; /* max_offset bytes */
    uint16_t max_offset;
    unsigned reads; /* a bound on the walk's work: a looping list must not loop forever */
};

static uint32_t fuzz_config_read(void *ctx, uint8_t bus, uint8_t dev, uint8_t fn, uint16_t offset, unsigned width)
{
    struct fuzz_config *c = ctx;
    FUZZ_CHECK(bus == 0 && dev == 3 && fn == 0);
    FUZZ_CHECK(width == 1 || width == 2 || width == 4);
    FUZZ_CHECK(offset % width == 0);
    FUZZ_CHECK((uint32_t)offset + width <= c->max_offset);
    /* 48 capabilities fit above the header; a few reads each, plus slack. A parser that keeps
     * reading past this is looping on a list the device made circular. */
    FUZZ_CHECK(++c->reads <= 4096);
    uint32_t v = 0;
    for (unsigned i = 0; i < width; i++)
        v |= (uint32_t)c->space[offset + i] << (8 * i);
    return v;
}

static void fuzz_config_write(void *ctx, uint8_t bus, uint8_t dev, uint8_t fn, uint16_t offset, unsigned width,
                              uint32_t v)
{
    (void)ctx, (void)bus, (void)dev, (void)fn, (void)offset, (void)width, (void)v;
    FUZZ_CHECK(!"parsing the capabilities must not write configuration space");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = { data, size };
    uint8_t flags = fuzz_u8(&in);
    struct pci_device dev;
    memset(&dev, 0, sizeof dev);
    dev.bus = 0;
    dev.dev = 3;
    dev.fn = 0;
    dev.bar_count = PCI_MAX_BARS;
    for (unsigned i = 0; i < PCI_MAX_BARS; i++) {
        dev.bars[i].kind = (enum pci_bar_kind)(fuzz_u8(&in) % 4);
        dev.bars[i].size = fuzz_u32(&in);
        dev.bars[i].addr = 0xfe000000ull + ((uint64_t)i << 20);
        dev.bars[i].assigned = true;
    }
    uint8_t cap_id = fuzz_u8(&in);
    (void)fuzz_u8(&in); /* reserved: keeps the seeds' layout */

    struct fuzz_config c = { .max_offset = flags & 1 ? 4096 : 256 };
    c.space = calloc(1, c.max_offset);
    FUZZ_CHECK(c.space != NULL);
    size_t got;
    const uint8_t *p = fuzz_bytes(&in, c.max_offset, &got);
    memcpy(c.space, p, got);
    const struct pci_config_access cfg = {
        .name = "fuzz", .read = fuzz_config_read, .write = fuzz_config_write, .ctx = &c,
        .max_offset = c.max_offset, .bus_start = 0, .bus_end = 0,
    };

    /* Walk the list for cap_id as a caller does: 'from' is always an offset the walk returned
     * (so at most 0xfc), and the caller bounds the walk, since a list may loop back onto a
     * capability with this id (pci_enum.c stops at PCI_MAX_CAPS). */
    uint8_t off = 0;
    for (unsigned i = 0; i < 64; i++) {
        off = pci_capability_find(&cfg, 0, 3, 0, cap_id, off);
        FUZZ_CHECK(off == 0 || (off >= 0x40 && off % 4 == 0));
        if (off == 0)
            break;
        if (cap_id != 0)
            FUZZ_CHECK(c.space[off] == cap_id);
    }

    c.reads = 0;
    struct virtio_pci_caps caps;
    char *err = malloc(FUZZ_ERR_LEN);
    FUZZ_CHECK(err != NULL);
    err[0] = '\0';
    int rc = virtio_pci_parse_caps(&cfg, &dev, &caps, err, FUZZ_ERR_LEN);
    if (rc == 0) {
        const struct virtio_pci_region *regions[] = { &caps.common, &caps.notify, &caps.isr, &caps.device };
        for (size_t i = 0; i < sizeof regions / sizeof regions[0]; i++) {
            const struct virtio_pci_region *r = regions[i];
            if (!r->present)
                continue;
            /* A region the transport will map: inside a memory BAR, never empty. */
            FUZZ_CHECK(r->bar < PCI_MAX_BARS);
            const struct pci_bar *b = &dev.bars[r->bar];
            FUZZ_CHECK(b->kind == PCI_BAR_MEM32 || b->kind == PCI_BAR_MEM64);
            FUZZ_CHECK(r->length > 0 && (uint64_t)r->offset + r->length <= b->size);
            FUZZ_CHECK(r->addr == b->addr + r->offset);
        }
    } else {
        FUZZ_CHECK(rc == -1 && err[0] != '\0' && fuzz_is_c_string(err, FUZZ_ERR_LEN));
    }
    free(err);
    free(c.space);
    return 0;
}
