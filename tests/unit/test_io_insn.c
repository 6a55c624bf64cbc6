/* Decoding the in/out instructions ring 0 performs for ring 3 under kvm-pvm (lib/io_insn.c). */
#include "lib/io_insn.h"
#include "test_support.h"

static struct io_insn decode_ok(const uint8_t *code, size_t n)
{
    struct io_insn insn;
    assert_true(io_insn_decode(code, n, &insn));
    return insn;
}

static void test_port_in_dx(void **state)
{
    (void)state;
    const uint8_t inb[] = { 0xec }, inw[] = { 0x66, 0xed }, inl[] = { 0xed };
    const uint8_t outb[] = { 0xee }, outw[] = { 0x66, 0xef }, outl[] = { 0xef };
    struct io_insn i = decode_ok(inb, 1);
    assert_false(i.out);
    assert_true(i.port_in_dx);
    assert_int_equal(i.width, 1);
    assert_int_equal(i.length, 1);
    i = decode_ok(inw, 2);
    assert_int_equal(i.width, 2);
    assert_int_equal(i.length, 2);
    assert_int_equal(decode_ok(inl, 1).width, 4);
    i = decode_ok(outb, 1);
    assert_true(i.out);
    assert_int_equal(i.width, 1);
    i = decode_ok(outw, 2);
    assert_true(i.out);
    assert_int_equal(i.width, 2);
    assert_int_equal(decode_ok(outl, 1).width, 4);
}

static void test_immediate_port(void **state)
{
    (void)state;
    const uint8_t out_f4[] = { 0xe7, 0xf4 }, in_71[] = { 0xe4, 0x71 }, outw_80[] = { 0x66, 0xe7, 0x80 };
    struct io_insn i = decode_ok(out_f4, 2);
    assert_true(i.out);
    assert_false(i.port_in_dx);
    assert_int_equal(i.port_imm, 0xf4);
    assert_int_equal(i.width, 4);
    assert_int_equal(i.length, 2);
    i = decode_ok(in_71, 2);
    assert_false(i.out);
    assert_int_equal(i.port_imm, 0x71);
    assert_int_equal(i.width, 1);
    i = decode_ok(outw_80, 3);
    assert_int_equal(i.width, 2);
    assert_int_equal(i.length, 3);
    assert_int_equal(i.port_imm, 0x80);
}

static void test_refused(void **state)
{
    (void)state;
    struct io_insn i;
    const uint8_t cli[] = { 0xfa }, outsb[] = { 0x6e }, rep_insb[] = { 0xf3, 0x6c }, wrmsr[] = { 0x0f, 0x30 };
    const uint8_t prefix_only[] = { 0x66 }, truncated_imm[] = { 0xe6 }, byte_with_66[] = { 0x66, 0xe6, 0x80 };
    assert_false(io_insn_decode(cli, 1, &i));
    assert_false(io_insn_decode(outsb, 1, &i));
    assert_false(io_insn_decode(rep_insb, 2, &i));
    assert_false(io_insn_decode(wrmsr, 2, &i));
    assert_false(io_insn_decode(prefix_only, 1, &i));
    assert_false(io_insn_decode(truncated_imm, 1, &i));
    assert_false(io_insn_decode(byte_with_66, 3, &i));
    assert_false(io_insn_decode(cli, 0, &i));
}

static void test_merge_in(void **state)
{
    (void)state;
    assert_int_equal(io_insn_merge_in(0x1122334455667788ull, 1, 0xab), 0x11223344556677abull);
    assert_int_equal(io_insn_merge_in(0x1122334455667788ull, 2, 0xabcd), 0x112233445566abcdull);
    assert_int_equal(io_insn_merge_in(0x1122334455667788ull, 4, 0xdeadbeef), 0xdeadbeefull);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_port_in_dx),
        cmocka_unit_test(test_immediate_port),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_merge_in),
    };
    return cmocka_run_group_tests_name("io_insn", tests, NULL, NULL);
}
