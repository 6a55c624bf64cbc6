#include "lib/vmx_guest_state.h"

#include <stdio.h>

enum {
    TYPE_ACCESSED = 1, TYPE_READABLE = 2 /* code */, TYPE_CONFORMING = 4 /* code */, TYPE_CODE = 8,
    TYPE_TSS64_BUSY = 11, TYPE_LDT = 2,
};

static const char *const names[VMX_SEGMENTS] = { "CS", "SS", "DS", "ES", "FS", "GS", "TR", "LDTR" };

const char *vmx_segment_name(unsigned which) { return which < VMX_SEGMENTS ? names[which] : "?"; }

struct vmx_segment vmx_segment_from_gdt(const uint64_t *gdt, uint16_t gdt_limit, uint16_t selector)
{
    struct vmx_segment s = { .selector = selector };
    if ((selector & ~3u) == 0) {
        s.unusable = true;
        return s;
    }
    unsigned index = selector >> 3;
    if ((selector & 4) != 0 || (uint32_t)index * 8 + 7 > gdt_limit) {
        s.outside_gdt = true;
        return s;
    }
    uint64_t d = gdt[index];
    s.limit = (uint32_t)(d & 0xffff) | (uint32_t)((d >> 48) & 0xf) << 16;
    s.type = (uint8_t)((d >> 40) & 0xf);
    s.s = (d >> 44) & 1;
    s.dpl = (uint8_t)((d >> 45) & 3);
    s.p = (d >> 47) & 1;
    s.l = (d >> 53) & 1;
    s.db = (d >> 54) & 1;
    s.g = (d >> 55) & 1;
    return s;
}

struct checker {
    void (*report)(void *ctx, const char *line);
    void *ctx;
    unsigned violations;
};

#define RULE(cond, which, seg, rule, got, want)                                                          \
    do {                                                                                                   \
        if (!(cond))                                                                                       \
            fail_seg(c, which, seg, rule, (unsigned)(got), (unsigned)(want));                              \
    } while (0)

static void fail_seg(struct checker *c, unsigned which, const struct vmx_segment *s, const char *rule, unsigned got,
                     unsigned want)
{
    char line[160];
    snprintf(line, sizeof line, "%s (selector 0x%02x): %s (is %u, must be %u)", names[which], s->selector, rule, got,
             want);
    c->violations++;
    if (c->report != NULL)
        c->report(c->ctx, line);
}

/* 27.3.1.2: limit bits 11:0 not all ones need G=0; limit bits 31:20 not zero need G=1 (with the
 * 20-bit limit as written, G=1 scales it; the rule reads the scaled 32-bit limit). */
static void check_granularity(struct checker *c, unsigned which, const struct vmx_segment *s)
{
    uint32_t limit = s->g ? (s->limit << 12 | 0xfff) : s->limit;
    RULE((limit & 0xfff) == 0xfff || !s->g, which, s, "limit bits 11:0 not all set with G=1", s->g, 0);
    RULE((limit >> 20) == 0 || s->g, which, s, "limit above 1 MiB with G=0", s->g, 1);
}

static bool usable_in_gdt(struct checker *c, unsigned which, const struct vmx_segment *s)
{
    if (s->unusable)
        return false;
    RULE(!s->outside_gdt, which, s, "selector inside the GDT, TI=0", 0, 1);
    return !s->outside_gdt;
}

unsigned vmx_check_guest_state(const struct vmx_segment seg[VMX_SEGMENTS],
                               void (*report)(void *ctx, const char *line), void *ctx)
{
    struct checker checker = { report, ctx, 0 }, *c = &checker;
    const struct vmx_segment *cs = &seg[VMX_CS];
    unsigned cs_rpl = cs->selector & 3u;

    /* CS: never unusable; accessed code, S=1, P=1; DPL = RPL unless conforming; 64-bit: D=0. */
    RULE(!cs->unusable, VMX_CS, cs, "usable", 0, 1);
    if (usable_in_gdt(c, VMX_CS, cs)) {
        RULE((cs->type & (TYPE_CODE | TYPE_ACCESSED)) == (TYPE_CODE | TYPE_ACCESSED), VMX_CS, cs,
             "type: accessed code (9, 11, 13 or 15)", cs->type, 11);
        RULE(cs->s, VMX_CS, cs, "S (code or data)", cs->s, 1);
        RULE(cs->p, VMX_CS, cs, "present", cs->p, 1);
        if (cs->type & TYPE_CONFORMING)
            RULE(cs->dpl <= cs_rpl, VMX_CS, cs, "conforming: DPL at most RPL", cs->dpl, cs_rpl);
        else
            RULE(cs->dpl == cs_rpl, VMX_CS, cs, "non-conforming: DPL equal to RPL", cs->dpl, cs_rpl);
        RULE(cs->l, VMX_CS, cs, "L (64-bit code in IA-32e mode)", cs->l, 1);
        RULE(!(cs->l && cs->db), VMX_CS, cs, "D with L=1", cs->db, 0);
        check_granularity(c, VMX_CS, cs);
    }

    /* SS: may be unusable (null in 64-bit mode); else RPL = CS.RPL, type 3 or 7, S, P, DPL = RPL. */
    const struct vmx_segment *ss = &seg[VMX_SS];
    if (usable_in_gdt(c, VMX_SS, ss)) {
        unsigned rpl = ss->selector & 3u;
        RULE(rpl == cs_rpl, VMX_SS, ss, "RPL equal to CS.RPL", rpl, cs_rpl);
        RULE(ss->type == 3 || ss->type == 7, VMX_SS, ss, "type: accessed read/write data (3 or 7)", ss->type, 3);
        RULE(ss->s, VMX_SS, ss, "S (code or data)", ss->s, 1);
        RULE(ss->p, VMX_SS, ss, "present", ss->p, 1);
        RULE(ss->dpl == rpl, VMX_SS, ss, "DPL equal to RPL", ss->dpl, rpl);
        check_granularity(c, VMX_SS, ss);
    }

    /* DS, ES, FS, GS: when usable: accessed, S, P; code must be readable; DPL >= RPL unless
     * conforming code. */
    for (unsigned w = VMX_DS; w <= VMX_GS; w++) {
        const struct vmx_segment *d = &seg[w];
        if (!usable_in_gdt(c, w, d))
            continue;
        unsigned rpl = d->selector & 3u;
        RULE(d->type & TYPE_ACCESSED, w, d, "accessed", d->type & TYPE_ACCESSED, 1);
        RULE(!(d->type & TYPE_CODE) || (d->type & TYPE_READABLE), w, d, "code segments readable", 0, 1);
        RULE(d->s, w, d, "S (code or data)", d->s, 1);
        RULE(d->p, w, d, "present", d->p, 1);
        if (!((d->type & TYPE_CODE) && (d->type & TYPE_CONFORMING)))
            RULE(d->dpl >= rpl, w, d, "DPL at least RPL", d->dpl, rpl);
        check_granularity(c, w, d);
    }

    /* TR: usable, TI=0, a busy 64-bit TSS (type 11), S=0, P. */
    const struct vmx_segment *tr = &seg[VMX_TR];
    RULE(!tr->unusable, VMX_TR, tr, "usable (ltr done)", 0, 1);
    if (usable_in_gdt(c, VMX_TR, tr)) {
        RULE(tr->type == TYPE_TSS64_BUSY, VMX_TR, tr, "type: busy 64-bit TSS", tr->type, TYPE_TSS64_BUSY);
        RULE(!tr->s, VMX_TR, tr, "S clear (system descriptor)", tr->s, 0);
        RULE(tr->p, VMX_TR, tr, "present", tr->p, 1);
        check_granularity(c, VMX_TR, tr);
    }

    /* LDTR: unusable, or TI=0, type 2, S=0, P. */
    const struct vmx_segment *ldtr = &seg[VMX_LDTR];
    if (usable_in_gdt(c, VMX_LDTR, ldtr)) {
        RULE(ldtr->type == TYPE_LDT, VMX_LDTR, ldtr, "type: LDT", ldtr->type, TYPE_LDT);
        RULE(!ldtr->s, VMX_LDTR, ldtr, "S clear (system descriptor)", ldtr->s, 0);
        RULE(ldtr->p, VMX_LDTR, ldtr, "present", ldtr->p, 1);
    }
    return c->violations;
}
