/*
 * READ CAPACITY (10) and (16) data-in (drivers/scsi/scsi.h). Input: the data (an exact-size
 * copy), given to both decoders.
 */
#include "drivers/scsi/scsi.h"
#include "fuzz_input.h"

static void fuzz_check_capacity(const struct scsi_capacity *cap)
{
    FUZZ_CHECK(cap->blocks >= 1);
    FUZZ_CHECK(cap->block_size >= 512 && cap->block_size <= 65536);
    FUZZ_CHECK((cap->block_size & (cap->block_size - 1)) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *buf = fuzz_copy(data, size);
    struct scsi_capacity cap;
    bool needs_16;
    if (scsi_read_capacity10_decode(buf, size, &cap, &needs_16) == 0) {
        FUZZ_CHECK(size >= SCSI_READ_CAPACITY10_LEN);
        fuzz_check_capacity(&cap);
        FUZZ_CHECK(cap.blocks <= (1ull << 32));
        FUZZ_CHECK(needs_16 == (cap.blocks == (1ull << 32)));
    } else {
        FUZZ_CHECK(cap.blocks == 0 && !needs_16);
    }
    if (scsi_read_capacity16_decode(buf, size, &cap) == 0) {
        FUZZ_CHECK(size >= SCSI_READ_CAPACITY16_LEN);
        fuzz_check_capacity(&cap);
        FUZZ_CHECK(cap.p_type <= 7 && cap.lbppbe <= 15);
    } else {
        FUZZ_CHECK(cap.blocks == 0 && cap.block_size == 0);
    }
    free(buf);
    return 0;
}
