/* The pure parts of tools/vscsi-target: the block stores, the LUN table, the SCSI emulation and
 * the fault rules. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "drivers/scsi/scsi.h"
#include "drivers/virtio/virtio_scsi_wire.h"
#include "test_support.h"
#include "tools/vscsi-target/block_store.h"
#include "tools/vscsi-target/fault_rules.h"
#include "tools/vscsi-target/guard_buf.h"
#include "tools/vscsi-target/lun_table.h"
#include "tools/vscsi-target/scsi_emul.h"

/* ---- block stores ---- */

static void test_sparse_store_round_trip(void **state)
{
    (void)state;
    struct block_store s;
    block_store_init(&s, BLOCK_STORE_SPARSE, 1 << 20);
    uint8_t buf[10000], back[10000];
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)(i * 7 + 1);
    assert_int_equal(block_store_write(&s, 1000, buf, sizeof(buf)), 0); /* pages 0..2 */
    assert_int_equal(block_store_pages(&s), 3);
    assert_int_equal(block_store_read(&s, 1000, back, sizeof(back)), 0);
    assert_memory_equal(back, buf, sizeof(buf));
    /* around the written range: zeroes */
    memset(back, 0xaa, 1000);
    assert_int_equal(block_store_read(&s, 0, back, 1000), 0);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(back[i], 0);
    /* the last byte is inside, one more is not, and nothing wraps */
    assert_int_equal(block_store_write(&s, (1 << 20) - 1, buf, 1), 0);
    assert_int_equal(block_store_write(&s, (1 << 20) - 1, buf, 2), -1);
    assert_int_equal(block_store_read(&s, UINT64_MAX, back, 2), -1);
    block_store_free(&s);
}

/* The byte after a guard buffer, and the byte before its first page, are a SIGSEGV. */
static int child_touches(uint8_t *p)
{
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGSEGV, SIG_DFL);
        *(volatile uint8_t *)p = 1;
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

static void test_guard_buf_ends_at_a_guard_page(void **state)
{
    (void)state;
    struct guard_buf g = {0};
    for (size_t need = 0; need < 3 * 4096 + 2; need += 4097) {
        uint8_t *p = guard_buf_get(&g, need);
        assert_non_null(p);
        if (need)
            memset(p, 0xab, need); /* all of it is there */
        assert_int_equal(child_touches(p + need), SIGSEGV);
    }
    uint8_t *p = guard_buf_get(&g, 10);
    assert_int_equal(child_touches(g.base - 1), SIGSEGV);
    assert_int_equal(child_touches(p), 0);
    guard_buf_free(&g);
    assert_null(g.base);
}

/* A file store: two LUNs side by side in one file, each kept to its own range. */
static void test_file_store_round_trip(void **state)
{
    (void)state;
    char path[] = "/tmp/vscsi-file-store-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unlink(path);
    struct block_store a, b;
    block_store_init(&a, BLOCK_STORE_FILE, 8192);
    block_store_init(&b, BLOCK_STORE_FILE, 8192);
    uint8_t buf[4096], back[4096];
    memset(buf, 0x5a, sizeof(buf));
    assert_int_equal(block_store_write(&a, 0, buf, 512), -1); /* not attached yet */
    block_store_attach_file(&a, fd, 0);
    block_store_attach_file(&b, fd, 8192);
    assert_int_equal(block_store_write(&a, 4096, buf, 4096), 0);
    memset(back, 0xff, sizeof(back));
    assert_int_equal(block_store_read(&b, 0, back, 4096), 0); /* past the file's end: zeroes */
    for (size_t i = 0; i < sizeof(back); i++)
        assert_int_equal(back[i], 0);
    assert_int_equal(block_store_read(&a, 4096, back, 4096), 0);
    assert_memory_equal(back, buf, sizeof(buf));
    assert_int_equal(block_store_write(&b, 4096, buf, 4097), -1); /* past b's own end */
    assert_int_equal(block_store_discard(&a, 4096, 4096), 0);
    assert_int_equal(block_store_read(&a, 4096, back, 4096), 0);
    for (size_t i = 0; i < sizeof(back); i++)
        assert_int_equal(back[i], 0);
    block_store_free(&a);
    block_store_free(&b);
    close(fd);
}

static void test_sparse_store_discard_keeps_other_pages(void **state)
{
    (void)state;
    struct block_store s;
    block_store_init(&s, BLOCK_STORE_SPARSE, 4096ull * 2000);
    uint8_t page[4096];
    for (uint64_t p = 0; p < 2000; p++) { /* enough pages for the table to grow several times */
        memset(page, (int)(p % 251 + 1), sizeof(page));
        assert_int_equal(block_store_write(&s, p * 4096, page, sizeof(page)), 0);
    }
    assert_int_equal(block_store_pages(&s), 2000);
    for (uint64_t p = 1; p < 2000; p += 2)
        assert_int_equal(block_store_discard(&s, p * 4096, 4096), 0);
    assert_int_equal(block_store_pages(&s), 1000);
    for (uint64_t p = 0; p < 2000; p++) {
        assert_int_equal(block_store_read(&s, p * 4096, page, sizeof(page)), 0);
        uint8_t want = p % 2 ? 0 : (uint8_t)(p % 251 + 1);
        assert_int_equal(page[0], want);
        assert_int_equal(page[4095], want);
    }
    /* a partial discard zeroes the part and keeps the page */
    assert_int_equal(block_store_discard(&s, 100, 50), 0);
    assert_int_equal(block_store_read(&s, 0, page, sizeof(page)), 0);
    assert_int_equal(page[99], 1);
    assert_int_equal(page[100], 0);
    assert_int_equal(page[149], 0);
    assert_int_equal(page[150], 1);
    assert_int_equal(block_store_pages(&s), 1000);
    block_store_free(&s);
}

static void test_null_store_reads_zeroes(void **state)
{
    (void)state;
    struct block_store s;
    block_store_init(&s, BLOCK_STORE_NULL, 8192);
    uint8_t buf[512];
    memset(buf, 0x55, sizeof(buf));
    assert_int_equal(block_store_write(&s, 0, buf, sizeof(buf)), 0);
    assert_int_equal(block_store_read(&s, 0, buf, sizeof(buf)), 0);
    for (size_t i = 0; i < sizeof(buf); i++)
        assert_int_equal(buf[i], 0);
    assert_int_equal(block_store_pages(&s), 0);
    assert_int_equal(block_store_read(&s, 8000, buf, 512), -1);
}

static struct lun_table table;

/* ---- the volatile write cache ---- */

static uint64_t alternate(void *state)
{
    return (*(uint64_t *)state)++; /* 0, 1, 2, ...: every other block reaches the medium */
}

static void test_write_cache_flush_forget_and_power_cut(void **state)
{
    (void)state;
    struct block_store medium;
    struct write_cache c;
    block_store_init(&medium, BLOCK_STORE_SPARSE, 512 * 4096);
    write_cache_init(&c, 512);
    uint8_t blocks[512 * 600], out[512 * 600];
    for (size_t i = 0; i < sizeof(blocks); i++)
        blocks[i] = (uint8_t)(i / 512 + 1);
    assert_int_equal(write_cache_put(&c, 100, blocks, 600), 0); /* grows the table on the way */
    assert_int_equal(write_cache_blocks(&c), 600);
    /* the medium has nothing yet; a read overlays the cache */
    assert_int_equal(block_store_read(&medium, 100 * 512, out, sizeof(out)), 0);
    assert_int_equal(out[0], 0);
    write_cache_overlay(&c, 100, out, 600);
    assert_memory_equal(out, blocks, sizeof(blocks));
    /* a write-through of blocks 110..119 forgets their cached copies; a long range walks the cache */
    write_cache_forget(&c, 110, 10);
    assert_int_equal(write_cache_blocks(&c), 590);
    write_cache_forget(&c, 650, 1000000);
    assert_int_equal(write_cache_blocks(&c), 540);
    memset(out, 0, sizeof(out));
    write_cache_overlay(&c, 100, out, 600);
    assert_int_equal(out[9 * 512], 10);
    assert_int_equal(out[10 * 512], 0);
    assert_int_equal(out[549 * 512], (uint8_t)550);
    assert_int_equal(out[550 * 512], 0);
    /* SYNCHRONIZE CACHE: all of it on the medium */
    assert_int_equal(write_cache_flush(&c, &medium), 540);
    assert_int_equal(write_cache_blocks(&c), 0);
    assert_int_equal(block_store_read(&medium, 100 * 512, out, 512), 0);
    assert_int_equal(out[0], 1);
    /* a power cut: every other unflushed block reaches the medium, the rest are lost */
    memset(blocks, 0xaa, 512 * 10);
    assert_int_equal(write_cache_put(&c, 0, blocks, 10), 0);
    uint64_t rng = 0, kept = 0, lost = 0;
    write_cache_power_cut(&c, &medium, alternate, &rng, &kept, &lost);
    assert_int_equal(kept, 5);
    assert_int_equal(lost, 5);
    assert_int_equal(write_cache_blocks(&c), 0);
    unsigned on_medium = 0;
    for (uint64_t lba = 0; lba < 10; lba++) {
        assert_int_equal(block_store_read(&medium, lba * 512, out, 512), 0);
        on_medium += out[0] == 0xaa;
    }
    assert_int_equal(on_medium, 5);
    write_cache_free(&c);
    block_store_free(&medium);
}

static void test_write_cache_behind_scsi_commands(void **state)
{
    (void)state;
    const uint16_t targets[] = {0}, luns[] = {0};
    const char *why;
    assert_int_equal(lun_table_init(&table, targets, 1, luns, 1, 2048, 512, BLOCK_STORE_SPARSE, true, &why), 0);
    struct lun *l = lun_table_find(&table, 0, 0);
    l->ua_pending = false;
    struct scsi_emul_result r;
    uint8_t cdb[VSCSI_CDB_SIZE] = {SCSI_OP_MODE_SENSE6, 0x08, 0x08, 0, 255}, buf[1024], in[1024];
    scsi_emul_execute(&table.targets[0], l, cdb, sizeof(cdb), NULL, 0, in, sizeof(in), &r);
    assert_int_equal(in[4 + 2] & 0x04, 0x04); /* WCE in the caching page (DBD: no block descriptor) */
    memset(buf, 0x5c, sizeof(buf));
    uint8_t w10[VSCSI_CDB_SIZE] = {SCSI_OP_WRITE10, 0, 0, 0, 0, 4, 0, 0, 2};
    scsi_emul_execute(&table.targets[0], l, w10, sizeof(w10), buf, sizeof(buf), in, 0, &r);
    assert_int_equal(r.status, SCSI_STATUS_GOOD);
    assert_int_equal(write_cache_blocks(&l->cache), 2);
    assert_int_equal(block_store_pages(&l->store), 0); /* acknowledged, not on the medium */
    uint8_t r10[VSCSI_CDB_SIZE] = {SCSI_OP_READ10, 0, 0, 0, 0, 4, 0, 0, 2};
    scsi_emul_execute(&table.targets[0], l, r10, sizeof(r10), NULL, 0, in, sizeof(in), &r);
    assert_memory_equal(in, buf, sizeof(buf));
    uint8_t sync[VSCSI_CDB_SIZE] = {SCSI_OP_SYNCHRONIZE_CACHE10};
    scsi_emul_execute(&table.targets[0], l, sync, sizeof(sync), NULL, 0, in, 0, &r);
    assert_int_equal(r.status, SCSI_STATUS_GOOD);
    assert_int_equal(write_cache_blocks(&l->cache), 0);
    assert_int_equal(block_store_pages(&l->store), 1);
    /* FUA: straight to the medium */
    w10[1] = 0x08;
    w10[5] = 8;
    scsi_emul_execute(&table.targets[0], l, w10, sizeof(w10), buf, sizeof(buf), in, 0, &r);
    assert_int_equal(write_cache_blocks(&l->cache), 0);
    assert_int_equal(block_store_pages(&l->store), 2); /* LBAs 4..11: bytes 2048..6143, two pages */
    lun_table_free(&table);
}

/* ---- the LUN table ---- */

static void make_table(const uint16_t *targets, size_t nt, const uint16_t *luns, size_t nl, enum block_store_kind k)
{
    const char *why = NULL;
    assert_int_equal(lun_table_init(&table, targets, nt, luns, nl, 2048, 512, k, false, &why), 0);
}

static void test_lun_table_lookup(void **state)
{
    (void)state;
    const uint16_t targets[] = {0, 3, 255}, luns[] = {0, 5, 256, 16383};
    make_table(targets, 3, luns, 4, BLOCK_STORE_NULL);
    assert_int_equal(table.lun_count, 12);
    assert_true(lun_table_has_target(&table, 255));
    assert_false(lun_table_has_target(&table, 1));
    assert_false(lun_table_has_target(&table, 256));
    struct lun *l = lun_table_find(&table, 3, 16383);
    assert_non_null(l);
    assert_int_equal(l->target, 3);
    assert_int_equal(l->lun, 16383);
    assert_int_equal(l->blocks, 2048);
    assert_true(l->ua_pending);
    assert_null(lun_table_find(&table, 3, 4));
    assert_null(lun_table_find(&table, 3, 16384));
    assert_null(lun_table_find(&table, 2, 0));
    lun_table_free(&table);
}

static void test_lun_table_refuses_bad_lists(void **state)
{
    (void)state;
    const char *why = NULL;
    const uint16_t unsorted[] = {3, 1}, ok[] = {0}, too_big[] = {16384};
    assert_int_equal(lun_table_init(&table, unsorted, 2, ok, 1, 1, 512, BLOCK_STORE_NULL, false, &why), -1);
    assert_non_null(why);
    assert_int_equal(lun_table_init(&table, ok, 1, too_big, 1, 1, 512, BLOCK_STORE_NULL, false, &why), -1);
    assert_int_equal(lun_table_init(&table, ok, 1, ok, 1, 0, 512, BLOCK_STORE_NULL, false, &why), -1);
}

/* ---- SCSI emulation ---- */

static uint8_t data_in[1 << 16];

/* Run cdb against target t, LUN n of the current table. */
static struct scsi_emul_result run(unsigned t, unsigned n, const uint8_t *cdb, size_t cdb_len, const uint8_t *out,
                                   size_t out_len, size_t cap)
{
    struct scsi_emul_result r;
    uint8_t full[VSCSI_CDB_SIZE] = {0};
    memcpy(full, cdb, cdb_len);
    memset(data_in, 0xee, sizeof(data_in));
    scsi_emul_execute(&table.targets[t], lun_table_find(&table, t, n), full, sizeof(full), out, out_len, data_in,
                      cap, &r);
    return r;
}

static void assert_sense(const struct scsi_emul_result *r, uint8_t key, uint8_t asc, uint8_t ascq)
{
    assert_int_equal(r->status, SCSI_STATUS_CHECK_CONDITION);
    assert_int_equal(r->sense_len, 18);
    assert_int_equal(r->sense[0], 0x70);
    assert_int_equal(r->sense[2], key);
    assert_int_equal(r->sense[12], asc);
    assert_int_equal(r->sense[13], ascq);
}

static int setup_table(void **state)
{
    (void)state;
    const uint16_t targets[] = {0, 7}, luns[] = {0, 1, 300};
    make_table(targets, 2, luns, 3, BLOCK_STORE_SPARSE);
    return 0;
}

static int teardown_table(void **state)
{
    (void)state;
    lun_table_free(&table);
    return 0;
}

static void clear_unit_attention(unsigned t, unsigned n)
{
    uint8_t tur[6] = {SCSI_OP_TEST_UNIT_READY};
    struct scsi_emul_result r = run(t, n, tur, 6, NULL, 0, 0);
    assert_sense(&r, SCSI_SENSE_UNIT_ATTENTION, 0x29, 0x00);
}

static void test_unit_attention_once_and_inquiry_passes_it(void **state)
{
    (void)state;
    uint8_t inq[6] = {SCSI_OP_INQUIRY, 0, 0, 0, 96, 0};
    struct scsi_emul_result r = run(0, 1, inq, 6, NULL, 0, 4096);
    assert_int_equal(r.status, SCSI_STATUS_GOOD); /* SPC-5 5.14: INQUIRY is not stopped by a UA */
    assert_int_equal(r.data_len, 36);
    assert_int_equal(data_in[0], 0x00);
    assert_int_equal(data_in[4], 31);
    assert_memory_equal(data_in + 8, "LUNBENCH", 8);
    assert_memory_equal(data_in + 16, "VSCSI TARGET    ", 16);
    clear_unit_attention(0, 1);
    uint8_t tur[6] = {SCSI_OP_TEST_UNIT_READY};
    r = run(0, 1, tur, 6, NULL, 0, 0);
    assert_int_equal(r.status, SCSI_STATUS_GOOD);
    assert_int_equal(r.sense_len, 0);
}

static void test_request_sense_reports_and_clears_the_unit_attention(void **state)
{
    (void)state;
    uint8_t rs[6] = {SCSI_OP_REQUEST_SENSE, 0, 0, 0, 252, 0};
    struct scsi_emul_result r = run(0, 0, rs, 6, NULL, 0, 4096);
    assert_int_equal(r.status, SCSI_STATUS_GOOD);
    assert_int_equal(r.data_len, 18);
    assert_int_equal(data_in[2], SCSI_SENSE_UNIT_ATTENTION);
    assert_int_equal(data_in[12], 0x29);
    r = run(0, 0, rs, 6, NULL, 0, 4096);
    assert_int_equal(data_in[2], SCSI_SENSE_NO_SENSE);
    assert_int_equal(data_in[12], 0);
    rs[1] = 0x01; /* DESC: descriptor-format sense */
    r = run(0, 0, rs, 6, NULL, 0, 4096);
    assert_int_equal(r.status, SCSI_STATUS_GOOD);
    assert_int_equal(r.data_len, 8);
    assert_int_equal(data_in[0], 0x72);
    assert_int_equal(data_in[1], SCSI_SENSE_NO_SENSE);
    /* NACA in the CONTROL byte is refused (SAM-5 5.3.3) */
    uint8_t naca[6] = {SCSI_OP_TEST_UNIT_READY, 0, 0, 0, 0, 0x04};
    r = run(0, 0, naca, 6, NULL, 0, 0);
    assert_sense(&r, SCSI_SENSE_ILLEGAL_REQUEST, 0x24, 0);
}

static void test_inquiry_absent_lun_and_bad_fields(void **state)
{
    (void)state;
    uint8_t inq[6] = {SCSI_OP_INQUIRY, 0, 0, 0, 36, 0};
    struct scsi_emul_result r = run(0, 2, inq, 6, NULL, 0, 4096);
    assert_int_equal(r.status, SCSI_STATUS_GOOD);
    assert_int_equal(data_in[0], 0x7f); /* peripheral qualifier 011b, type 1Fh */
    uint8_t page_without_evpd[6] = {SCSI_OP_INQUIRY, 0, 0x80, 0, 36, 0};
    r = run(0, 0, page_without_evpd, 6, NULL, 0, 4096);
    assert_sense(&r, SCSI_SENSE_ILLEGAL_REQUEST, 0x24, 0);
    uint8_t unknown_page[6] = {SCSI_OP_INQUIRY, 1, 0xc7, 0, 255, 0};
    r = run(0, 0, unknown_page, 6, NULL, 0, 4096);
    assert_sense(&r, SCSI_SENSE_ILLEGAL_REQUEST, 0x24, 0);
    /* the allocation length cuts the data */
    uint8_t short_alloc[6] = {SCSI_OP_INQUIRY, 0, 0, 0, 5, 0};
    r = run(0, 0, short_alloc, 6, NULL, 0, 4096);
    assert_int_equal(r.data_len, 5);
    assert_int_equal(data_in[5], 0xee);
}

static void test_vpd_pages(void **state)
{
    (void)state;
    uint8_t cdb[6] = {SCSI_OP_INQUIRY, 1, 0x00, 0, 255, 0};
    struct scsi_emul_result r = run(7, 300, cdb, 6, NULL, 0, 4096);
    assert_int_equal(r.status, SCSI_STATUS_GOOD);
    const uint8_t pages[] = {0x00, 0x80, 0x83, 0xb0, 0xb2};
    assert_int_equal(scsi_get_be16(data_in + 2), sizeof(pages));
    assert_memory_equal(data_in + 4, pages, sizeof(pages));
    cdb[2] = 0x80;
    r = run(7, 300, cdb, 6, NULL, 0, 4096);
    assert_int_equal(data_in[1], 0x80);
    assert_int_equal(scsi_get_be16(data_in + 2), 11);
    assert_memory_equal(data_in + 4, "VT007L00300", 11);
    cdb[2] = 0x83;
    r = run(7, 300, cdb, 6, NULL, 0, 4096);
    assert_int_equal(data_in[4], 0x02); /* ASCII T10 vendor ID first */
    assert_int_equal(data_in[5], 0x01);
    assert_memory_equal(data_in + 8, "LUNBENCHVT007L00300", 19);
    const uint8_t *naa = data_in + 4 + 4 + data_in[7];
    assert_int_equal(naa[1], 0x03);
    assert_int_equal(naa[3], 8);
    assert_int_equal(naa[4] >> 4, 5);
    assert_int_equal(scsi_get_be16(data_in + 2), (size_t)(naa + 12 - data_in - 4));
    cdb[2] = 0xb0;
    r = run(7, 300, cdb, 6, NULL, 0, 4096);
    assert_int_equal(scsi_get_be16(data_in + 2), 0x3c);
    assert_int_equal(scsi_get_be32(data_in + 8), 65535);
    assert_true(scsi_get_be32(data_in + 20) > 0); /* UNMAP is supported */
    cdb[2] = 0xb2;
    r = run(7, 300, cdb, 6, NULL, 0, 4096);
    assert_int_equal(data_in[5] & 0xe0, 0xe0); /* LBPU, LBPWS, LBPWS10 */
    assert_int_equal((data_in[5] >> 2) & 7, 1); /* LBPRZ */
}

static void test_report_luns(void **state)
{
    (void)state;
    uint8_t cdb[12] = {SCSI_OP_REPORT_LUNS, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0};
    struct scsi_emul_result r = run(7, 5, cdb, 12, NULL, 0, 4096); /* from a LUN that is not there */
    assert_int_equal(r.status, SCSI_STATUS_GOOD);
    assert_int_equal(r.data_len, 8 + 3 * 8);
    assert_int_equal(scsi_get_be32(data_in), 24);
    const uint8_t want[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x41, 0x2c, 0, 0, 0, 0, 0, 0};
    assert_memory_equal(data_in + 8, want, sizeof(want));
    /* an allocation length under 16 is refused (SPC-5 6.35.1) */
    cdb[8] = 0;
    cdb[9] = 15;
    r = run(7, 0, cdb, 12, NULL, 0, 4096);
    assert_sense(&r, SCSI_SENSE_ILLEGAL_REQUEST, 0x24, 0);
    /* cut to 16 bytes: the header still tells the whole length */
    cdb[8] = 0;
    cdb[9] = 16;
    r = run(7, 0, cdb, 12, NULL, 0, 4096);
    assert_int_equal(r.data_len, 16);
    assert_int_equal(scsi_get_be32(data_in), 24);
    cdb[9] = 64;
    cdb[2] = 1; /* well-known LUNs only: none */
    r = run(7, 0, cdb, 12, NULL, 0, 4096);
    assert_int_equal(r.data_len, 8);
    assert_int_equal(scsi_get_be32(data_in), 0);
    cdb[2] = 2;
    r = run(7, 0, cdb, 12, NULL, 0, 4096);
    assert_int_equal(scsi_get_be32(data_in), 24);
    cdb[2] = 3;
    r = run(7, 0, cdb, 12, NULL, 0, 4096);
    assert_sense(&r, SCSI_SENSE_ILLEGAL_REQUEST, 0x24, 0);
    /* a LUN that vanished is no longer listed */
    lun_table_find(&table, 7, 1)->gone = true;
    cdb[2] = 0;
    r = run(7, 0, cdb, 12, NULL, 0, 4096);
    assert_int_equal(scsi_get_be32(data_in), 16);
    assert_int_equal(data_in[8 + 1], 0);
    assert_int_equal(data_in[16], 0x41);
}

static void test_read_capacity(void **state)
{
    (void)state;
    clear_unit_attention(0, 0);
    uint8_t rc10[10] = {SCSI_OP_READ_CAPACITY10};
    struct scsi_emul_result r = run(0, 0, rc10, 10, NULL, 0, 4096);
    assert_int_equal(r.data_len, 8);
    assert_int_equal(scsi_get_be32(data_in), 2047);
    assert_int_equal(scsi_get_be32(data_in + 4), 512);
    uint8_t rc16[16] = {SCSI_OP_SERVICE_ACTION_IN16, SCSI_SAI_READ_CAPACITY16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32};
    r = run(0, 0, rc16, 16, NULL, 0, 4096);
    assert_int_equal(r.data_len, 32);
    assert_int_equal(scsi_get_be64(data_in), 2047);
    assert_int_equal(scsi_get_be32(data_in + 8), 512);
    assert_int_equal(data_in[14] & 0xc0, 0xc0); /* LBPME, LBPRZ: thin provisioned, reads zero */
    rc16[1] = 0x12; /* GET LBA STATUS: not supported */
    r = run(0, 0, rc16, 16, NULL, 0, 4096);
    assert_sense(&r, SCSI_SENSE_ILLEGAL_REQUEST, 0x24, 0);
}

static void test_read_write_round_trip_and_range(void **state)
{
    (void)state;
    clear_unit_attention(0, 1);
    uint8_t buf[1024];
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)(i ^ 0x5a);
    uint8_t w16[16] = {SCSI_OP_WRITE16};
    scsi_put_be64(w16 + 2, 2046);
    scsi_put_be32(w16 + 10, 2);
    struct scsi_emul_result r = run(0, 1, w16, 16, buf, sizeof(buf), 0);
    assert_int_equal(r.status, SCSI_STATUS_GOOD);
    uint8_t r10[10] = {SCSI_OP_READ10};
    scsi_put_be32(r10 + 2, 2046);
    scsi_put_be16(r10 + 7, 2);
    r = run(0, 1, r10, 10, NULL, 0, 4096);
    assert_int_equal(r.status, SCSI_STATUS_GOOD);
    assert_int_equal(r.data_len, 1024);
    assert_memory_equal(data_in, buf, sizeof(buf));
    /* one block past the end */
    scsi_put_be16(r10 + 7, 3);
    r = run(0, 1, r10, 10, NULL, 0, 4096);
    assert_sense(&r, SCSI_SENSE_ILLEGAL_REQUEST, 0x21, 0x00);
    /* an LBA whose end wraps 64 bits */
    uint8_t r16[16] = {SCSI_OP_READ16};
    scsi_put_be64(r16 + 2, UINT64_MAX);
    scsi_put_be32(r16 + 10, 2);
    r = run(0, 1, r16, 16, NULL, 0, 4096);
    assert_sense(&r, SCSI_SENSE_ILLEGAL_REQUEST, 0x21, 0x00);
    /* a buffer smaller than the blocks: OVERRUN, nothing written */
    scsi_put_be32(r10 + 2, 0);
    scsi_put_be16(r10 + 7, 2);
    r = run(0, 1, r10, 10, NULL, 0, 1000);
    assert_int_equal(r.response, VIRTIO_SCSI_S_OVERRUN);
    assert_int_equal(r.data_len, 0);
    /* a write whose data-out is short */
    r = run(0, 1, w16, 16, buf, 512, 0);
    assert_int_equal(r.response, VIRTIO_SCSI_S_OVERRUN);
}

static void test_absent_lun_and_invalid_opcode(void **state)
{
    (void)state;
    uint8_t tur[6] = {SCSI_OP_TEST_UNIT_READY};
    struct scsi_emul_result r = run(0, 2, tur, 6, NULL, 0, 0);
    assert_sense(&r, SCSI_SENSE_ILLEGAL_REQUEST, 0x25, 0x00);
    clear_unit_attention(7, 0);
    uint8_t bogus[10] = {0x5f}; /* PERSISTENT RESERVE OUT */
    r = run(7, 0, bogus, 10, NULL, 0, 4096);
    assert_sense(&r, SCSI_SENSE_ILLEGAL_REQUEST, 0x20, 0x00);
    uint8_t vendor[6] = {0xc0};
    r = run(7, 0, vendor, 6, NULL, 0, 4096);
    assert_sense(&r, SCSI_SENSE_ILLEGAL_REQUEST, 0x20, 0x00);
}

static void test_mode_sense(void **state)
{
    (void)state;
    clear_unit_attention(7, 1);
    uint8_t ms6[6] = {SCSI_OP_MODE_SENSE6, 0, 0x08, 0, 255, 0};
    struct scsi_emul_result r = run(7, 1, ms6, 6, NULL, 0, 4096);
    assert_int_equal(r.status, SCSI_STATUS_GOOD);
    assert_int_equal(r.data_len, 4 + 8 + 20);
    assert_int_equal(data_in[0], r.data_len - 1);
    assert_int_equal(data_in[2] & 0x80, 0); /* not write-protected */
    assert_int_equal(data_in[3], 8);
    assert_int_equal(scsi_get_be32(data_in + 4), 2048);
    assert_int_equal(data_in[12], 0x08);
    assert_int_equal(data_in[13], 0x12);
    uint8_t ms10[10] = {SCSI_OP_MODE_SENSE10, 0x08, 0x3f, 0, 0, 0, 0, 1, 0, 0};
    r = run(7, 1, ms10, 10, NULL, 0, 4096);
    assert_int_equal(r.data_len, 8 + 20 + 12);
    assert_int_equal(scsi_get_be16(data_in), r.data_len - 2);
    assert_int_equal(scsi_get_be16(data_in + 6), 0);
    ms6[2] = 0xc8; /* saved values */
    r = run(7, 1, ms6, 6, NULL, 0, 4096);
    assert_sense(&r, SCSI_SENSE_ILLEGAL_REQUEST, 0x39, 0x00);
    ms6[2] = 0x19;
    r = run(7, 1, ms6, 6, NULL, 0, 4096);
    assert_sense(&r, SCSI_SENSE_ILLEGAL_REQUEST, 0x24, 0x00);
}

static void test_unmap_and_write_same(void **state)
{
    (void)state;
    clear_unit_attention(7, 300);
    uint8_t block[512];
    memset(block, 0x77, sizeof(block));
    uint8_t ws[10] = {SCSI_OP_WRITE_SAME10};
    scsi_put_be32(ws + 2, 8);
    scsi_put_be16(ws + 7, 16);
    struct scsi_emul_result r = run(7, 300, ws, 10, block, sizeof(block), 0);
    assert_int_equal(r.status, SCSI_STATUS_GOOD);
    uint8_t r10[10] = {SCSI_OP_READ10};
    scsi_put_be32(r10 + 2, 8);
    scsi_put_be16(r10 + 7, 16);
    r = run(7, 300, r10, 10, NULL, 0, 8192);
    assert_int_equal(data_in[0], 0x77);
    assert_int_equal(data_in[8191], 0x77);
    /* UNMAP blocks 8..15: they read zero, 16..23 keep their data */
    uint8_t param[24] = {0};
    scsi_put_be16(param, 22);
    scsi_put_be16(param + 2, 16);
    scsi_put_be64(param + 8, 8);
    scsi_put_be32(param + 16, 8);
    uint8_t un[10] = {SCSI_OP_UNMAP};
    scsi_put_be16(un + 7, sizeof(param));
    r = run(7, 300, un, 10, param, sizeof(param), 0);
    assert_int_equal(r.status, SCSI_STATUS_GOOD);
    r = run(7, 300, r10, 10, NULL, 0, 8192);
    assert_int_equal(data_in[0], 0);
    assert_int_equal(data_in[4095], 0);
    assert_int_equal(data_in[4096], 0x77);
    /* a descriptor past the end changes nothing */
    scsi_put_be64(param + 8, 2047);
    scsi_put_be32(param + 16, 2);
    r = run(7, 300, un, 10, param, sizeof(param), 0);
    assert_sense(&r, SCSI_SENSE_ILLEGAL_REQUEST, 0x21, 0x00);
    /* a block descriptor length that is not a multiple of 16 */
    scsi_put_be16(param + 2, 15);
    r = run(7, 300, un, 10, param, sizeof(param), 0);
    assert_sense(&r, SCSI_SENSE_ILLEGAL_REQUEST, 0x26, 0x00);
    /* WRITE SAME of 0 blocks is refused (WSNZ) */
    scsi_put_be16(ws + 7, 0);
    r = run(7, 300, ws, 10, block, sizeof(block), 0);
    assert_sense(&r, SCSI_SENSE_ILLEGAL_REQUEST, 0x24, 0x00);
    /* SYNCHRONIZE CACHE inside and past the medium */
    uint8_t sync[10] = {SCSI_OP_SYNCHRONIZE_CACHE10};
    r = run(7, 300, sync, 10, NULL, 0, 0);
    assert_int_equal(r.status, SCSI_STATUS_GOOD);
    scsi_put_be32(sync + 2, 2048);
    scsi_put_be16(sync + 7, 1);
    r = run(7, 300, sync, 10, NULL, 0, 0);
    assert_sense(&r, SCSI_SENSE_ILLEGAL_REQUEST, 0x21, 0x00);
}

/* ---- fault rules ---- */

static struct fault_rules rules;

static void parse_ok(const char *text)
{
    char err[256] = "";
    if (fault_rules_parse(text, &rules, err, sizeof(err)) != 0)
        fail_msg("parse failed: %s", err);
}

static void parse_fails(const char *text, const char *want)
{
    char err[256] = "";
    assert_int_equal(fault_rules_parse(text, &rules, err, sizeof(err)), -1);
    if (!strstr(err, want))
        fail_msg("error %s does not contain %s", err, want);
}

static void test_fault_rules_parse(void **state)
{
    (void)state;
    parse_ok("# a comment\n\nseed 42\nhang lun=1 cmd=read after=20 count=1\n"
             "latency target=0-3 lun=2-5 us=200-900 prob=0.5   # trailing comment\n"
             "capacity last_lba=0xffffffffffffffff\ninquiry-length length=255 page=0x83\n");
    assert_int_equal(rules.count, 4);
    assert_int_equal(rules.seed, 42);
    const struct fault_rule *h = &rules.rules[0];
    assert_int_equal(h->action, FAULT_HANG);
    assert_int_equal(h->line, 4);
    assert_int_equal(h->lun_lo, 1);
    assert_int_equal(h->lun_hi, 1);
    assert_int_equal(h->target_hi, 255);
    assert_int_equal(h->cmd, FAULT_CMD_READ);
    assert_int_equal(h->after, 20);
    assert_int_equal(h->count, 1);
    const struct fault_rule *l = &rules.rules[1];
    assert_int_equal(l->us_lo, 200);
    assert_int_equal(l->us_hi, 900);
    assert_true(l->prob == 0.5);
    assert_int_equal(l->cmd, FAULT_CMD_IO);
    assert_true(rules.rules[2].has_last_lba);
    assert_int_equal(rules.rules[2].last_lba, UINT64_MAX);
    assert_int_equal(rules.rules[2].cmd, FAULT_CMD_READ_CAPACITY);
    assert_int_equal(rules.rules[3].page, 0x83);
}

static void test_fault_rules_errors_name_the_line(void **state)
{
    (void)state;
    parse_fails("hang\nexplode lun=1\n", "line 2: unknown fault explode");
    parse_fails("hang lun=16384\n", "line 1: bad lun=16384");
    parse_fails("hang lun=5-2\n", "bad lun=5-2");
    parse_fails("hang cmd=frobnicate\n", "unknown cmd=frobnicate");
    parse_fails("latency\n", "latency needs us=");
    parse_fails("hang us=5\n", "hang takes no key us");
    parse_fails("hang prob=1.5\n", "bad prob=1.5");
    parse_fails("hang lun\n", "lun is not key=value");
    parse_fails("inquiry-length length=256\n", "does not fit the ADDITIONAL LENGTH");
    parse_fails("capacity\n", "capacity needs last_lba");
    parse_fails("report-luns-length length=0x100000000\n", "32-bit");
    parse_fails("seed\n", "seed takes one number");
    parse_fails("used-idx-jump extra=0\n", "1 to 65535 entries");
    parse_fails("residual extra=0x100000000\n", "32-bit residual");
    parse_fails("dead extra=1\n", "dead takes no key extra");
    parse_ok("used-idx-jump extra=7\nresidual\ndead lun=2 after=100\n");
    assert_int_equal(rules.rules[0].extra, 7);
    assert_true(rules.rules[0].has_extra);
    assert_int_equal(rules.rules[1].extra, 4096);
    assert_int_equal(rules.rules[1].cmd, FAULT_CMD_IO);
    assert_int_equal(rules.rules[2].cmd, FAULT_CMD_ANY);
    assert_int_equal(rules.rules[2].after, 100);
    parse_fails("shrink lun=1\n", "shrink needs blocks=N");
    parse_ok("vanish lun=3 after=5\nshrink blocks=16\n");
    assert_int_equal(rules.rules[0].action, FAULT_VANISH);
    assert_int_equal(rules.rules[1].blocks, 16);
    parse_ok("desc-rewrite\ndesc-rewrite when=before cmd=any\nevent lun=1 n=64\nevent type=missed\n"
             "power-cut after=1000\n");
    assert_int_equal(rules.rules[0].action, FAULT_DESC_REWRITE);
    assert_false(rules.rules[0].before);
    assert_int_equal(rules.rules[0].cmd, FAULT_CMD_IO);
    assert_true(rules.rules[1].before);
    assert_int_equal(rules.rules[2].events, 64);
    assert_int_equal(rules.rules[2].event_type, FAULT_EVENT_RESCAN);
    assert_int_equal(rules.rules[3].events, 1);
    assert_int_equal(rules.rules[3].event_type, FAULT_EVENT_MISSED);
    assert_int_equal(rules.rules[4].action, FAULT_POWER_CUT);
    assert_int_equal(rules.rules[4].cmd, FAULT_CMD_WRITE);
    assert_int_equal(rules.rules[4].after, 1000);
    parse_fails("desc-rewrite when=during\n", "bad when=during");
    parse_fails("event type=hotplug\n", "bad type=hotplug");
    parse_fails("event n=0\n", "1 to 1000000 events");
    parse_fails("event n=1000001\n", "1 to 1000000 events");
    parse_fails("power-cut n=3\n", "power-cut takes no key n");
    parse_ok("unit-attention lun=1 prob=0.05\nunit-attention change=capacity cmd=any\n");
    assert_int_equal(rules.rules[0].action, FAULT_UNIT_ATTENTION);
    assert_int_equal(rules.rules[0].cmd, FAULT_CMD_IO);
    assert_int_equal(rules.rules[0].ua, FAULT_UA_INVENTORY);
    assert_int_equal(rules.rules[1].ua, FAULT_UA_CAPACITY);
    assert_int_equal(rules.rules[1].cmd, FAULT_CMD_ANY);
    parse_fails("unit-attention change=power-on\n", "bad change=power-on (inventory or capacity)");
    parse_fails("unit-attention n=2\n", "unit-attention takes no key n");
}

static void test_fault_rules_match_after_and_count(void **state)
{
    (void)state;
    parse_ok("hang lun=1 cmd=read after=2 count=1\ncorrupt lun=0-1\n");
    uint8_t read10[10] = {SCSI_OP_READ10}, write10[10] = {SCSI_OP_WRITE10};
    struct fault_rule *fired[4];
    /* writes and other LUNs do not count */
    assert_int_equal(fault_rules_match(&rules, 0, 1, write10, 10, fired, 4), 0);
    assert_int_equal(fault_rules_match(&rules, 0, 2, read10, 10, fired, 4), 0);
    /* reads 1 and 2 pass the hang rule; the third hangs; then it is spent */
    assert_int_equal(fault_rules_match(&rules, 0, 1, read10, 10, fired, 4), 1);
    assert_int_equal(fired[0]->action, FAULT_CORRUPT);
    assert_int_equal(fault_rules_match(&rules, 0, 1, read10, 10, fired, 4), 1);
    assert_int_equal(fault_rules_match(&rules, 0, 1, read10, 10, fired, 4), 2);
    assert_int_equal(fired[0]->action, FAULT_HANG);
    assert_int_equal(fired[1]->action, FAULT_CORRUPT);
    assert_int_equal(fault_rules_match(&rules, 0, 1, read10, 10, fired, 4), 1);
    assert_int_equal(rules.rules[0].seen, 4);
    assert_int_equal(rules.rules[0].fired, 1);
}

static void test_fault_rules_hang_survives_and_tmf_holds(void **state)
{
    (void)state;
    parse_ok("hang lun=1 survives=lun-reset\nhang-tmf lun=1 tmf=abort count=1\nhang-tmf lun=2\n");
    assert_int_equal(rules.rules[0].survives, FAULT_SURVIVES_LUN_RESET);
    assert_int_equal(rules.rules[1].tmf, FAULT_TMF_ABORT);
    uint8_t read10[10] = {SCSI_OP_READ10};
    struct fault_rule *fired[4];
    /* a hang-tmf rule never fires for a command, nor a hang rule for a TMF */
    assert_int_equal(fault_rules_match(&rules, 0, 2, read10, 10, fired, 4), 0);
    assert_int_equal(fault_rules_match(&rules, 0, 1, read10, 10, fired, 4), 1);
    assert_int_equal(fired[0]->action, FAULT_HANG);
    assert_null(fault_rules_match_tmf(&rules, 0, 1, 5));            /* a LUN reset is not held for LUN 1 */
    assert_ptr_equal(fault_rules_match_tmf(&rules, 0, 1, 0), &rules.rules[1]);
    assert_null(fault_rules_match_tmf(&rules, 0, 1, 0));            /* count=1: spent */
    assert_ptr_equal(fault_rules_match_tmf(&rules, 0, 2, 5), &rules.rules[2]);
    assert_null(fault_rules_match_tmf(&rules, 0, 3, 0));
    parse_fails("hang survives=forever\n", "bad survives=forever");
    parse_fails("hang-tmf tmf=clear-aca\n", "bad tmf=clear-aca");
    parse_fails("latency us=5 survives=abort\n", "latency takes no key survives");
}

static unsigned count_fired(uint64_t seed, uint8_t *pattern, unsigned n)
{
    parse_ok("latency us=10-20 prob=0.25\n");
    fault_rules_seed(&rules, seed);
    uint8_t read10[10] = {SCSI_OP_READ10};
    struct fault_rule *fired[1];
    unsigned total = 0;
    for (unsigned i = 0; i < n; i++) {
        pattern[i] = (uint8_t)fault_rules_match(&rules, 0, 0, read10, 10, fired, 1);
        if (pattern[i]) {
            uint64_t us = fault_rules_delay_us(&rules, fired[0]);
            assert_true(us >= 10 && us <= 20);
        }
        total += pattern[i];
    }
    return total;
}

static void test_fault_rules_probability_is_seeded(void **state)
{
    (void)state;
    uint8_t a[4000], b[4000], c[4000];
    unsigned na = count_fired(7, a, 4000), nb = count_fired(7, b, 4000), nc = count_fired(8, c, 4000);
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, sizeof(a)); /* the same seed, the same firings */
    assert_true(memcmp(a, c, sizeof(a)) != 0);
    assert_true(na > 850 && na < 1150); /* about a quarter */
    assert_true(nc > 850 && nc < 1150);
}

static void test_fault_rule_patches_stay_inside_the_data(void **state)
{
    (void)state;
    parse_ok("capacity last_lba=0xfffffffffffffffe block_size=0\nreport-luns-length length=13\n"
             "inquiry-length length=200\ninquiry-length page=0x83 length=0xffff\ncorrupt\n");
    uint8_t rc16[16] = {SCSI_OP_SERVICE_ACTION_IN16, 0x10}, rc10[10] = {SCSI_OP_READ_CAPACITY10};
    uint8_t data[64];
    memset(data, 0, sizeof(data));
    fault_rule_patch(&rules.rules[0], rc16, data, 32, 512);
    assert_int_equal(scsi_get_be64(data), UINT64_MAX - 1);
    assert_int_equal(scsi_get_be32(data + 8), 0);
    memset(data, 0, sizeof(data));
    fault_rule_patch(&rules.rules[0], rc10, data, 8, 512);
    assert_int_equal(scsi_get_be32(data), 0xffffffffu); /* capped: READ CAPACITY (16) tells the rest */
    /* data shorter than the field: untouched */
    memset(data, 0x11, sizeof(data));
    fault_rule_patch(&rules.rules[0], rc16, data, 11, 512);
    assert_int_equal(data[0], 0x11);
    uint8_t rl[12] = {SCSI_OP_REPORT_LUNS};
    fault_rule_patch(&rules.rules[1], rl, data, 16, 512);
    assert_int_equal(scsi_get_be32(data), 13);
    uint8_t inq[6] = {SCSI_OP_INQUIRY}, vpd83[6] = {SCSI_OP_INQUIRY, 1, 0x83}, vpd80[6] = {SCSI_OP_INQUIRY, 1, 0x80};
    memset(data, 0, sizeof(data));
    fault_rule_patch(&rules.rules[2], inq, data, 36, 512);
    assert_int_equal(data[4], 200);
    fault_rule_patch(&rules.rules[2], vpd83, data, 36, 512); /* a standard-data rule leaves VPD alone */
    assert_int_equal(scsi_get_be16(data + 2), 0);
    fault_rule_patch(&rules.rules[3], vpd80, data, 36, 512);
    assert_int_equal(scsi_get_be16(data + 2), 0);
    fault_rule_patch(&rules.rules[3], vpd83, data, 36, 512);
    assert_int_equal(scsi_get_be16(data + 2), 0xffff);
    uint8_t read10[10] = {SCSI_OP_READ10}, blocks[1024] = {0};
    fault_rule_patch(&rules.rules[4], read10, blocks, sizeof(blocks), 512);
    unsigned changed = 0;
    for (size_t i = 0; i < sizeof(blocks); i++)
        changed += blocks[i] != 0;
    assert_int_equal(changed, 2); /* one byte in each block */
    assert_int_equal(blocks[256], 0xff);
    assert_int_equal(blocks[768], 0xff);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sparse_store_round_trip),
        cmocka_unit_test(test_sparse_store_discard_keeps_other_pages),
        cmocka_unit_test(test_null_store_reads_zeroes),
        cmocka_unit_test(test_write_cache_flush_forget_and_power_cut),
        cmocka_unit_test(test_write_cache_behind_scsi_commands),
        cmocka_unit_test(test_lun_table_lookup),
        cmocka_unit_test(test_lun_table_refuses_bad_lists),
        cmocka_unit_test_setup_teardown(test_unit_attention_once_and_inquiry_passes_it, setup_table, teardown_table),
        cmocka_unit_test_setup_teardown(test_request_sense_reports_and_clears_the_unit_attention, setup_table,
                                        teardown_table),
        cmocka_unit_test_setup_teardown(test_inquiry_absent_lun_and_bad_fields, setup_table, teardown_table),
        cmocka_unit_test_setup_teardown(test_vpd_pages, setup_table, teardown_table),
        cmocka_unit_test_setup_teardown(test_report_luns, setup_table, teardown_table),
        cmocka_unit_test_setup_teardown(test_read_capacity, setup_table, teardown_table),
        cmocka_unit_test_setup_teardown(test_read_write_round_trip_and_range, setup_table, teardown_table),
        cmocka_unit_test_setup_teardown(test_absent_lun_and_invalid_opcode, setup_table, teardown_table),
        cmocka_unit_test_setup_teardown(test_mode_sense, setup_table, teardown_table),
        cmocka_unit_test_setup_teardown(test_unmap_and_write_same, setup_table, teardown_table),
        cmocka_unit_test(test_fault_rules_parse),
        cmocka_unit_test(test_file_store_round_trip),
        cmocka_unit_test(test_guard_buf_ends_at_a_guard_page),
        cmocka_unit_test(test_fault_rules_errors_name_the_line),
        cmocka_unit_test(test_fault_rules_match_after_and_count),
        cmocka_unit_test(test_fault_rules_hang_survives_and_tmf_holds),
        cmocka_unit_test(test_fault_rules_probability_is_seeded),
        cmocka_unit_test(test_fault_rule_patches_stay_inside_the_data),
    };
    return cmocka_run_group_tests_name("vscsi_target", tests, NULL, NULL);
}
