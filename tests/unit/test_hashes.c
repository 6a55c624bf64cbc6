/* MD5 (RFC 1321 A.5), SHA-1 and SHA-256 (FIPS 180-4, NIST's example messages), XXH32 (xxHash's
 * sanity values), each against the published digests and at the lengths around a block's end
 * where the padding takes a second block (55, 56, 63, 64, 119, 120 bytes: digests from Python's
 * hashlib), as verify=md5, sha1, sha256 and xxhash use them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/md5.h"
#include "lib/sha1.h"
#include "lib/sha256.h"
#include "lib/xxhash32.h"
#include "tests/unit/test_support.h"

static void hex(const uint8_t *d, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", d[i]);
}

struct vector {
    const char *msg;
    const char *md5, *sha1, *sha256;
};

static void check_all(const void *msg, size_t len, const char *want_md5, const char *want_sha1, const char *want_sha256)
{
    uint8_t d[32];
    char got[65];
    md5(msg, len, d);
    hex(d, MD5_DIGEST_LEN, got);
    assert_string_equal(got, want_md5);
    sha1(msg, len, d);
    hex(d, SHA1_DIGEST_LEN, got);
    assert_string_equal(got, want_sha1);
    sha256(msg, len, d);
    hex(d, SHA256_DIGEST_LEN, got);
    assert_string_equal(got, want_sha256);
}

static void test_published_vectors(void **state)
{
    (void)state;
    static const struct vector v[] = {
        { "", "d41d8cd98f00b204e9800998ecf8427e", "da39a3ee5e6b4b0d3255bfef95601890afd80709",
          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
        { "abc", "900150983cd24fb0d6963f7d28e17f72", "a9993e364706816aba3e25717850c26c9cd0d89d",
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
        { "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "8215ef0796a20bcaaae116d3876c664a",
          "84983e441c3bd26ebaae4aa1f95129e5e54670f1", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        check_all(v[i].msg, strlen(v[i].msg), v[i].md5, v[i].sha1, v[i].sha256);
    uint8_t d[16];
    char got[33];
    md5("message digest", 14, d); /* RFC 1321 A.5 */
    hex(d, 16, got);
    assert_string_equal(got, "f96b697d7cb7938d525a2f31aaf161d0");
    /* A million 'a's (FIPS 180's long example): 15625 blocks, then a padding block. */
    char *a = malloc(1000000);
    assert_non_null(a);
    memset(a, 'a', 1000000);
    check_all(a, 1000000, "7707d6ae4e027c70eea2a935c2296f21", "34aa973cd4c4daa4f61eeb2bdbad27316534016f",
              "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(a);
}

static void test_padding_boundaries(void **state)
{
    (void)state;
    static const struct {
        size_t len;
        const char *md5, *sha1, *sha256;
    } v[] = {
        { 55, "52c0e574e1198de5fe3f8f11440dcb1b", "ddf57317ef34bfee3b6df83d359098930eb278bc",
          "e7313d333c272e639f790978283f9eb392e843d0f29b7016828bb1daa4aac70b" },
        { 56, "46c9907fc908ee68b1e7b8e71286a518", "a0d492bb0fc889d0eca3bc137066ab6f4f74f369",
          "4324d65f3c103567f5589c710bc08f8523f929a9272e3af36fc968e52abc6c27" },
        { 63, "a62f6d59e837867693f042f5b8f5a236", "c55856749bef509bdfe6bfebfc7bf4e793e82132",
          "81c80242132f230c3bd41b3e63bbcff16107339549214a99614ff26664625055" },
        { 64, "7160b8fb5e9e4023d549c3971fbaeead", "bede92be29c3874e1b54ddc77988d606fc857a8e",
          "39e3d7b6b5d075d37d053ad89b24b41bef4f3c29760c84447cab3f3be1882241" },
        { 119, "e84905d4214f4d1ca56c2cdcc152b143", "504e27376a6e0f0dba8295b85cb25dc4dfa17d23",
          "9ce7368e4daf32341631b492e80359dc9f594b48453cd0dd5bf0b19279cc177e" },
        { 120, "e3eb5a6c8669ea01a8c185b8abc8a5dc", "82134b02fb3f702491be9bed581eeab59334acb2",
          "7836b787757e95e58b3ca5aec90b1b004e8deba1e50e9675af9cabf1a13a04b5" },
    };
    uint8_t msg[120];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)(i * 7 + 3);
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        check_all(msg, v[i].len, v[i].md5, v[i].sha1, v[i].sha256);
}

/* xxHash's values (its own library, libxxhash 0.8.1, gives the same): the short path (< 16
 * bytes), the four-lane path, and seed 1 as fio's verify=xxhash uses it. */
static void test_xxh32(void **state)
{
    (void)state;
    assert_int_equal(xxh32("", 0, 0), 0x02cc5d05u);
    assert_int_equal(xxh32("a", 1, 0), 0x550d7456u);
    assert_int_equal(xxh32("abc", 3, 0), 0x32d153ffu);
    assert_int_equal(xxh32("Nobody inspects the spammish repetition", 39, 0), 0xe2293b2fu);
    assert_int_equal(xxh32("", 0, 1), 0x0b2cb792u);
    assert_int_equal(xxh32("abc", 3, 1), 0xaa3da8ffu);
    uint8_t buf[512];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)i;
    assert_int_equal(xxh32(buf, sizeof buf, 1), 0xae4aaaddu);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_published_vectors),
        cmocka_unit_test(test_padding_boundaries),
        cmocka_unit_test(test_xxh32),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
