/*
 * fio's random number generators for offsets (HOWTO random_generator): tausworthe, L'Ecuyer's
 * three-component taus88 (32 bits; "Maximally equidistributed combined Tausworthe generators",
 * Math. Comp. 65, 1996), and tausworthe64, his five-component lfsr258 (64 bits; "Tables of
 * maximally equidistributed combined LFSR generators", Math. Comp. 68, 1999), seeded as fio's
 * lib/rand.c seeds them: a linear congruential step from the seed for each component, raised
 * above the component's minimum, then six draws thrown away. Pure code.
 */
#ifndef LIB_TAUSWORTHE_H
#define LIB_TAUSWORTHE_H

#include <stdint.h>

struct taus88 {
    uint32_t s1, s2, s3;
};

struct taus258 {
    uint64_t s1, s2, s3, s4, s5;
};

void taus88_seed(struct taus88 *t, uint32_t seed);
uint32_t taus88_next(struct taus88 *t);
void taus258_seed(struct taus258 *t, uint64_t seed);
uint64_t taus258_next(struct taus258 *t);

#endif
