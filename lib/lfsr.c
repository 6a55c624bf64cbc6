#include "lfsr.h"

/* XAPP052's taps for each width: the exponents of x^w + x^a + ... + 1, largest first. */
static const uint8_t taps[LFSR_MAX_WIDTH + 1][6] = {
    [3] = { 3, 2 },           [4] = { 4, 3 },           [5] = { 5, 3 },           [6] = { 6, 5 },
    [7] = { 7, 6 },           [8] = { 8, 6, 5, 4 },     [9] = { 9, 5 },           [10] = { 10, 7 },
    [11] = { 11, 9 },         [12] = { 12, 6, 4, 1 },   [13] = { 13, 4, 3, 1 },   [14] = { 14, 5, 3, 1 },
    [15] = { 15, 14 },        [16] = { 16, 15, 13, 4 }, [17] = { 17, 14 },        [18] = { 18, 11 },
    [19] = { 19, 6, 2, 1 },   [20] = { 20, 17 },        [21] = { 21, 19 },        [22] = { 22, 21 },
    [23] = { 23, 18 },        [24] = { 24, 23, 22, 17 }, [25] = { 25, 22 },       [26] = { 26, 6, 2, 1 },
    [27] = { 27, 5, 2, 1 },   [28] = { 28, 25 },        [29] = { 29, 27 },        [30] = { 30, 6, 4, 1 },
    [31] = { 31, 28 },        [32] = { 32, 22, 2, 1 },  [33] = { 33, 20 },        [34] = { 34, 27, 2, 1 },
    [35] = { 35, 33 },        [36] = { 36, 25 },        [37] = { 37, 5, 4, 3, 2, 1 }, [38] = { 38, 6, 5, 1 },
    [39] = { 39, 35 },        [40] = { 40, 38, 21, 19 }, [41] = { 41, 38 },       [42] = { 42, 41, 20, 19 },
    [43] = { 43, 42, 38, 37 }, [44] = { 44, 43, 18, 17 }, [45] = { 45, 44, 42, 41 }, [46] = { 46, 45, 26, 25 },
    [47] = { 47, 42 },        [48] = { 48, 47, 21, 20 }, [49] = { 49, 40 },       [50] = { 50, 49, 24, 23 },
    [51] = { 51, 50, 36, 35 }, [52] = { 52, 49 },       [53] = { 53, 52, 38, 37 }, [54] = { 54, 53, 18, 17 },
    [55] = { 55, 31 },        [56] = { 56, 55, 35, 34 }, [57] = { 57, 50 },       [58] = { 58, 39 },
    [59] = { 59, 58, 38, 37 }, [60] = { 60, 59 },       [61] = { 61, 60, 46, 45 }, [62] = { 62, 61, 6, 5 },
    [63] = { 63, 62 },        [64] = { 64, 63, 61, 60 },
};

uint64_t lfsr_taps(unsigned width)
{
    if (width < LFSR_MIN_WIDTH || width > LFSR_MAX_WIDTH)
        return 0;
    uint64_t mask = 0;
    for (int i = 0; i < 6 && taps[width][i] != 0; i++)
        mask |= 1ull << (taps[width][i] - 1);
    return mask;
}

/* A Galois step: shift right, and feed the bit shifted out back through the taps. */
static uint64_t step(const struct lfsr *l, uint64_t s)
{
    uint64_t out = s & 1;
    s >>= 1;
    return out ? s ^ l->mask : s;
}

void lfsr_init(struct lfsr *l, uint64_t n, uint64_t seed)
{
    unsigned w = LFSR_MIN_WIDTH;
    /* States 1 .. 2^w - 1 stand for the values 0 .. 2^w - 2. */
    while (w < LFSR_MAX_WIDTH && ((1ull << w) - 1) < n)
        w++;
    l->width = w;
    l->mask = lfsr_taps(w);
    l->n = n ? n : 1;
    uint64_t states = w == 64 ? ~0ull : (1ull << w) - 1;
    l->state = seed % states + 1;
}

uint64_t lfsr_next(struct lfsr *l)
{
    /* A value past n is stepped over: at most 2^w - 1 - n of them in a row, fewer than n + 1
     * since the register is the narrowest that covers n. */
    do
        l->state = step(l, l->state);
    while (l->state - 1 >= l->n);
    return l->state - 1;
}
