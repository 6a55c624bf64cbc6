/*
 * Standard INQUIRY data and the VPD pages lunbench reads (drivers/scsi/scsi.h): every decoder
 * runs on the same bytes (each checks its own page code). Input: u8 max (supported-pages room),
 * u8 serial_len (the serial buffer's size, 0 included), then the data-in. Every buffer is an
 * exact-size allocation; every string handed back must be NUL-terminated and printable.
 */
#include "drivers/scsi/scsi.h"
#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = { data, size };
    size_t max = fuzz_u8(&in);
    size_t serial_len = fuzz_u8(&in);
    size_t len = in.left, got;
    uint8_t *buf = fuzz_copy(fuzz_bytes(&in, len, &got), len);

    struct scsi_inquiry inq;
    if (scsi_inquiry_decode(buf, len, &inq) == 0) {
        FUZZ_CHECK(len >= SCSI_INQUIRY_MIN_LEN);
        FUZZ_CHECK(inq.length == 5 + (size_t)buf[4]);
        FUZZ_CHECK(inq.qualifier <= 7 && inq.device_type <= 0x1f);
        FUZZ_CHECK(fuzz_is_c_string(inq.vendor, sizeof inq.vendor) && fuzz_is_printable(inq.vendor));
        FUZZ_CHECK(fuzz_is_c_string(inq.product, sizeof inq.product) && fuzz_is_printable(inq.product));
        FUZZ_CHECK(fuzz_is_c_string(inq.revision, sizeof inq.revision) && fuzz_is_printable(inq.revision));
        FUZZ_CHECK(scsi_device_type_name(inq.device_type) != NULL);
    } else {
        FUZZ_CHECK(len < SCSI_INQUIRY_MIN_LEN);
    }

    size_t page_len;
    uint8_t page = len >= 2 ? buf[1] : 0;
    if (scsi_vpd_header(buf, len, page, &page_len) == 0)
        FUZZ_CHECK(len >= 4 && page_len == scsi_get_be16(buf + 2));
    FUZZ_CHECK(scsi_vpd_header(buf, len, (uint8_t)(page + 1), &page_len) == -1);

    uint8_t *pages = malloc(max);
    size_t count;
    if (scsi_vpd_supported_pages(buf, len, pages, max, &count) == 0)
        FUZZ_CHECK(count <= max && count <= scsi_get_be16(buf + 2));
    else
        FUZZ_CHECK(count == 0);
    free(pages);

    char *serial = malloc(serial_len);
    if (scsi_vpd_serial(buf, len, serial, serial_len) == 0)
        FUZZ_CHECK(fuzz_is_c_string(serial, serial_len) && fuzz_is_printable(serial));
    else
        FUZZ_CHECK(serial_len == 0 || serial[0] == '\0');
    free(serial);

    struct scsi_vpd_devid id;
    if (scsi_vpd_device_id(buf, len, &id) == 0) {
        FUZZ_CHECK(!id.have_naa || id.naa_len == 8 || id.naa_len == 16);
        FUZZ_CHECK(id.have_naa || id.naa_len == 0);
        FUZZ_CHECK(fuzz_is_c_string(id.t10, sizeof id.t10) && fuzz_is_printable(id.t10));
    } else {
        FUZZ_CHECK(id.designators == 0 && !id.have_naa);
    }

    struct scsi_vpd_block_limits bl;
    (void)scsi_vpd_block_limits(buf, len, &bl);
    struct scsi_vpd_characteristics ch;
    if (scsi_vpd_characteristics(buf, len, &ch) == 0)
        FUZZ_CHECK(ch.form_factor <= 0xf);
    struct scsi_vpd_provisioning prov;
    if (scsi_vpd_provisioning(buf, len, &prov) == 0)
        FUZZ_CHECK(prov.provisioning_type <= 7);

    free(buf);
    return 0;
}
