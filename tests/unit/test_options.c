/* The kernel command-line parser (lib/options.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot/boot_info.h"
#include "lib/options.h"
#include "test_support.h"

static int parse(const char *cmdline, struct options *o, char *err, size_t len)
{
    options_defaults(o);
    err[0] = '\0';
    return options_parse(cmdline, o, NULL, err, len);
}

static void test_empty_gives_defaults(void **state)
{
    (void)state;
    struct options o;
    char err[200];
    assert_int_equal(parse("", &o, err, sizeof err), 0);
    assert_int_equal(o.mode, MODE_BENCH);
    assert_int_equal(o.pci, PCI_ACCESS_AUTO);
    assert_int_equal(o.clock, CLOCK_AUTO);
    assert_int_equal(o.fault, FAULT_NONE);
    assert_int_equal(o.max_lines, 0);
    assert_int_equal(parse("   \t  ", &o, err, sizeof err), 0);
}

static void test_values_are_stored(void **state)
{
    (void)state;
    struct options o;
    char err[200];
    assert_int_equal(parse("  pci=legacy clock=hpet   max_lines=0x10 fault=pf dump=acpi ", &o, err, sizeof err), 0);
    assert_int_equal(o.pci, PCI_ACCESS_LEGACY);
    assert_int_equal(o.clock, CLOCK_HPET);
    assert_int_equal(o.max_lines, 16);
    assert_int_equal(o.fault, FAULT_PF);
    assert_int_equal(o.dump, DUMP_ACPI);
    assert_string_equal(options_value_name("clock", o.clock), "hpet");
    assert_string_equal(options_value_name("nosuch", 0), "?");
    assert_int_equal(o.status_interval, 0);
    assert_int_equal(parse("status_interval=5", &o, err, sizeof err), 0);
    assert_int_equal(o.status_interval, 5);
    /* output-format: fio's comma list, bit i for word i; normal by default. */
    assert_int_equal(parse("", &o, err, sizeof err), 0);
    assert_int_equal(o.output_format, OUTPUT_NORMAL);
    assert_int_equal(parse("output-format=terse", &o, err, sizeof err), 0);
    assert_int_equal(o.output_format, OUTPUT_TERSE);
    assert_int_equal(parse("output-format=json+,normal", &o, err, sizeof err), 0);
    assert_int_equal(o.output_format, OUTPUT_JSON_PLUS | OUTPUT_NORMAL | OUTPUT_JSON); /* json+ is json, with bins */
    assert_int_equal(parse("output-format=minimal", &o, err, sizeof err), 0);
    assert_int_equal(o.output_format, OUTPUT_TERSE);
    assert_int_equal(parse("output-format=csv,json", &o, err, sizeof err), 0);
    assert_int_equal(o.output_format, OUTPUT_TERSE | OUTPUT_JSON);
    assert_int_equal(parse("output-format=json,json", &o, err, sizeof err), 0);
    assert_int_equal(o.output_format, OUTPUT_JSON);
}

static void test_errors_name_the_word(void **state)
{
    (void)state;
    static const struct {
        const char *cmdline, *message;
    } cases[] = {
        { "foo=1", "unknown option 'foo' (in 'foo=1')" },
        { "pci=auto bar", "'bar' is not of the form key=value" },
        { "pci=pcie", "bad value 'pcie' for option 'pci' (choose one of: auto, ecam, legacy)" },
        { "max_lines=-1", "bad value '-1' for option 'max_lines' (a whole number from 0 to 1000000)" },
        { "max_lines=12x", "bad value '12x' for option 'max_lines' (a whole number from 0 to 1000000)" },
        { "max_lines=1000001", "bad value '1000001' for option 'max_lines' (a whole number from 0 to 1000000)" },
        { "status_interval=1d", "bad value '1d' for option 'status_interval' (a whole number from 0 to 86400)" },
        { "max_lines=99999999999999999999999", "bad value '99999999999999999999999' for option 'max_lines' (a whole number from 0 to 1000000)" },
        { "output-format=xml", "bad value 'xml' for option 'output-format': 'xml' is not one of: normal, json, terse, "
                               "json+, minimal, csv (comma-separated)" },
        { "output-format=json,,terse", "bad value 'json,,terse' for option 'output-format': '' is not one of: "
                                       "normal, json, terse, json+, minimal, csv (comma-separated)" },
        { "output-format=json,", "bad value 'json,' for option 'output-format': '' is not one of: normal, json, "
                                 "terse, json+, minimal, csv (comma-separated)" },
        { "output-format=JSON", "bad value 'JSON' for option 'output-format': 'JSON' is not one of: normal, json, "
                                "terse, json+, minimal, csv (comma-separated)" },
        { "output-format=json output-format=terse", "option 'output-format' is given more than once" },
        { "output_format=json", "unknown option 'output_format' (in 'output_format=json')" },
        { "clock=pit clock=hpet", "option 'clock' is given more than once" },
        { "clock=", "option 'clock' has an empty value" },
        { "=5", "unknown option '' (in '=5')" },
        { "PCI=auto", "unknown option 'PCI' (in 'PCI=auto')" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct options o;
        char err[200];
        assert_int_equal(parse(cases[i].cmdline, &o, err, sizeof err), -1);
        assert_string_equal(err, cases[i].message);
    }
}

static void test_overlong_word(void **state)
{
    (void)state;
    char line[600];
    memset(line, 'a', sizeof line - 1);
    line[sizeof line - 1] = '\0';
    struct options o;
    char err[200];
    assert_int_equal(parse(line, &o, err, sizeof err), -1);
    assert_non_null(strstr(err, "is longer than 255 characters"));
}

static void test_usage_lists_every_option(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    options_usage(f);
    fclose(f);
    const char *expected[] = { "mode=WORD", "pci=WORD", "clock=WORD", "dump=WORD", "fault=WORD", "max_lines=N",
                               "default auto", "[none, ud, pf, gp, de, stack; default none]" };
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++)
        assert_non_null(strstr(text, expected[i]));
    free(text);
}

static void test_multiboot_cmdline_drops_kernel_name(void **state)
{
    (void)state;
    char line[64] = "build/lunbench.elf pci=legacy  clock=pit";
    boot_cmdline_skip_first_word(line);
    assert_string_equal(line, "pci=legacy  clock=pit");
    char only[32] = "build/lunbench.elf";
    boot_cmdline_skip_first_word(only);
    assert_string_equal(only, "");
    char empty[4] = "";
    boot_cmdline_skip_first_word(empty);
    assert_string_equal(empty, "");
}

static void test_copy_string_truncates(void **state)
{
    (void)state;
    char buf[6];
    assert_false(boot_copy_string(buf, sizeof buf, "hello"));
    assert_string_equal(buf, "hello");
    assert_true(boot_copy_string(buf, sizeof buf, "hello!"));
    assert_string_equal(buf, "hello");
    assert_true(boot_copy_string(buf, 0, "x"));
    assert_false(boot_copy_string(buf, 0, ""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_gives_defaults),
        cmocka_unit_test(test_values_are_stored),
        cmocka_unit_test(test_errors_name_the_word),
        cmocka_unit_test(test_overlong_word),
        cmocka_unit_test(test_usage_lists_every_option),
        cmocka_unit_test(test_multiboot_cmdline_drops_kernel_name),
        cmocka_unit_test(test_copy_string_truncates),
    };
    return cmocka_run_group_tests_name("options", tests, NULL, NULL);
}
