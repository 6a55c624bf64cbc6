/* Prints the host's TSC frequency in Hz, measured against CLOCK_MONOTONIC over 200 ms. Under
 * TCG, QEMU's guest TSC is the host TSC, so this is the truth the guest's calibration must hit. */
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <x86intrin.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(void)
{
    double t0 = now();
    uint64_t c0 = __rdtsc();
    while (now() - t0 < 0.2)
        ;
    uint64_t c1 = __rdtsc();
    double t1 = now();
    printf("%.0f\n", (double)(c1 - c0) / (t1 - t0));
    return 0;
}
