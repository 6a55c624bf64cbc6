/*
 * fio's random_generator=lfsr: a maximal-length linear feedback shift register over the numbers
 * 0 .. n-1 that yields each of them exactly once before any repeats (HOWTO: "guarantees that we
 * never generate the same offset twice"). The register is the narrowest whose period 2^w - 1
 * covers n; states past n are stepped over. The taps are those of a primitive polynomial of each
 * width (Xilinx XAPP052's table, the one fio uses), in Galois form. Pure code.
 */
#ifndef LIB_LFSR_H
#define LIB_LFSR_H

#include <stdint.h>

#define LFSR_MIN_WIDTH 3
#define LFSR_MAX_WIDTH 64

struct lfsr {
    uint64_t state; /* 1 .. 2^width - 1 */
    uint64_t mask;  /* the Galois feedback taps */
    uint64_t n;     /* values 0 .. n-1 */
    unsigned width;
};

/* Over 0 .. n-1 (n >= 1), starting from where seed puts it. */
void lfsr_init(struct lfsr *l, uint64_t n, uint64_t seed);
/* The next value; after n calls every value came once, and the order repeats. */
uint64_t lfsr_next(struct lfsr *l);
/* The taps of a width (LFSR_MIN_WIDTH..LFSR_MAX_WIDTH), as a Galois mask; 0 for another width. */
uint64_t lfsr_taps(unsigned width);

#endif
