/*
 * The vscsi-target's fault-rule files (fault_rules_parse, tools/vscsi-target/fault_rules.h): the
 * text as a file would hold it, made NUL-terminated. A parse either fails with a message naming
 * a line, or gives rules whose values the device can carry out (the limits check_rule sets);
 * every parsed rule is then matched against a few commands and its patch applied to a buffer of
 * exactly the answer's size.
 */
#include "tools/vscsi-target/fault_rules.h"
#include "fuzz_input.h"

static struct fault_rules rules;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_strndup(data, size);
    char err[256];
    err[0] = '\0';
    if (fault_rules_parse(text, &rules, err, sizeof err) < 0) {
        FUZZ_CHECK(strncmp(err, "line ", 5) == 0 && fuzz_is_c_string(err, sizeof err));
        free(text);
        return 0;
    }
    FUZZ_CHECK(rules.count <= FAULT_RULES_MAX);
    for (size_t i = 0; i < rules.count; i++) {
        const struct fault_rule *r = &rules.rules[i];
        FUZZ_CHECK(r->action < FAULT_ACTIONS && r->target_lo <= r->target_hi && r->target_hi <= 255);
        FUZZ_CHECK(r->lun_lo <= r->lun_hi && r->lun_hi <= 16383 && r->prob >= 0.0 && r->prob <= 1.0);
        if (r->action == FAULT_EVENT)
            FUZZ_CHECK(r->events >= 1 && r->events <= FAULT_EVENTS_MAX);
        if (r->action == FAULT_LATENCY)
            FUZZ_CHECK(r->us_lo <= r->us_hi && r->us_hi <= 60000000);
        if (r->action == FAULT_UNIT_ATTENTION)
            FUZZ_CHECK(r->ua == FAULT_UA_INVENTORY || r->ua == FAULT_UA_CAPACITY);
    }
    static const uint8_t cdbs[][16] = {
        {0x28, 0, 0, 0, 0, 8, 0, 0, 8, 0}, {0x2a}, {0x12, 1, 0x83, 0, 0xff}, {0x12}, {0xa0, 0, 0, 0, 0, 0, 0, 0, 1},
        {0x9e, 0x10}, {0x25}, {0x35},
    };
    static const size_t answer[] = {4096, 0, 60, 36, 16, 32, 8, 0};
    for (size_t c = 0; c < sizeof cdbs / sizeof cdbs[0]; c++) {
        struct fault_rule *fired[8];
        size_t n = fault_rules_match(&rules, c % 4, (unsigned)c * 1000, cdbs[c], sizeof cdbs[c], fired, 8);
        FUZZ_CHECK(n <= 8);
        for (size_t k = 0; k < n; k++) {
            uint8_t *buf = malloc(answer[c] ? answer[c] : 1);
            FUZZ_CHECK(buf != NULL);
            memset(buf, 0, answer[c] ? answer[c] : 1);
            fault_rule_patch(fired[k], cdbs[c], buf, answer[c], 512);
            if (fired[k]->action == FAULT_LATENCY)
                FUZZ_CHECK(fault_rules_delay_us(&rules, fired[k]) <= fired[k]->us_hi);
            free(buf);
        }
    }
    fault_rules_match_tmf(&rules, 0, 1, 0);
    free(text);
    return 0;
}
