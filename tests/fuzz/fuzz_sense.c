/*
 * Sense data as a device returns it (scsi_sense_decode, drivers/scsi/scsi.h), then the names a
 * report prints for it. Input: the sense bytes (an exact-size copy; the length is the input's).
 */
#include "drivers/scsi/scsi.h"
#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *buf = fuzz_copy(data, size);
    struct scsi_sense sense;
    int rc = scsi_sense_decode(buf, size, &sense);
    if (rc == 0) {
        FUZZ_CHECK(size >= 8);
        FUZZ_CHECK(sense.response_code >= SCSI_SENSE_FIXED_CURRENT && sense.response_code <= SCSI_SENSE_DESC_DEFERRED);
        FUZZ_CHECK(sense.descriptor == (sense.response_code >= SCSI_SENSE_DESC_CURRENT));
        FUZZ_CHECK(sense.key <= 0xf);
        FUZZ_CHECK(sense.information_valid || sense.information == 0);
        const char *key = scsi_sense_key_name(sense.key);
        FUZZ_CHECK(key != NULL && strcmp(key, "unknown") != 0);
        const char *asc = scsi_asc_name(sense.asc, sense.ascq);
        FUZZ_CHECK(asc == NULL || (asc[0] != '\0' && fuzz_is_printable(asc)));
    } else {
        FUZZ_CHECK(rc == -1 && sense.key == 0 && sense.asc == 0 && !sense.information_valid);
    }
    /* The name tables on raw device bytes: a key above 0xf, any status, any ASC/ASCQ. */
    if (size >= 3) {
        FUZZ_CHECK(scsi_sense_key_name(buf[0]) != NULL);
        FUZZ_CHECK(scsi_status_name(buf[1]) != NULL);
        (void)scsi_asc_name(buf[1], buf[2]);
    }
    free(buf);
    return 0;
}
