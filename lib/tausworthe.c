#include "tausworthe.h"

/* A component's seed must exceed its minimum (taus88: 1, 7, 15; lfsr258: 1, 7, 15, 33, 49), or
 * its bits never all come into play; fio adds the minimum to a seed below it. */
static uint64_t above(uint64_t x, uint64_t min) { return x < min ? x + min : x; }

/* One Tausworthe step of a component: shift the masked state left by k, xor in the feedback of
 * (s << q) ^ s shifted right by r. */
static uint32_t step32(uint32_t s, unsigned q, unsigned r, uint32_t mask, unsigned k)
{
    return ((s & mask) << k) ^ (((s << q) ^ s) >> r);
}

static uint64_t step64(uint64_t s, unsigned q, unsigned r, uint64_t mask, unsigned k)
{
    return ((s & mask) << k) ^ (((s << q) ^ s) >> r);
}

uint32_t taus88_next(struct taus88 *t)
{
    t->s1 = step32(t->s1, 13, 19, 0xfffffffeu, 12);
    t->s2 = step32(t->s2, 2, 25, 0xfffffff8u, 4);
    t->s3 = step32(t->s3, 3, 11, 0xfffffff0u, 17);
    return t->s1 ^ t->s2 ^ t->s3;
}

uint64_t taus258_next(struct taus258 *t)
{
    t->s1 = step64(t->s1, 1, 53, 0xfffffffffffffffeull, 10);
    t->s2 = step64(t->s2, 24, 50, 0xfffffffffffffe00ull, 5);
    t->s3 = step64(t->s3, 3, 23, 0xfffffffffffff000ull, 29);
    t->s4 = step64(t->s4, 5, 24, 0xfffffffffffe0000ull, 23);
    t->s5 = step64(t->s5, 3, 33, 0xffffffffff800000ull, 8);
    return t->s1 ^ t->s2 ^ t->s3 ^ t->s4 ^ t->s5;
}

/* fio's first value is written (2^31) + (2^17) + (2^7) in C, where ^ is xor: 29 + 19 + 5 = 53. */
#define FIO_SEED_START 53u

void taus88_seed(struct taus88 *t, uint32_t seed)
{
    t->s1 = (uint32_t)above((uint32_t)(FIO_SEED_START * 69069u ^ seed), 1);
    t->s2 = (uint32_t)above((uint32_t)(t->s1 * 69069u ^ seed), 7);
    t->s3 = (uint32_t)above((uint32_t)(t->s2 * 69069u ^ seed), 15);
    for (int i = 0; i < 6; i++)
        taus88_next(t);
}

void taus258_seed(struct taus258 *t, uint64_t seed)
{
    const uint64_t m = 6906969069ull;
    t->s1 = above(FIO_SEED_START * m ^ seed, 1);
    t->s2 = above(t->s1 * m ^ seed, 7);
    t->s3 = above(t->s2 * m ^ seed, 15);
    t->s4 = above(t->s3 * m ^ seed, 33);
    t->s5 = above(t->s4 * m ^ seed, 49);
    for (int i = 0; i < 6; i++)
        taus258_next(t);
}
