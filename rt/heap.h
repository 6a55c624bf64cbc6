/* The heap behind malloc: one range of RAM chosen from the memory map at boot. */
#ifndef RT_HEAP_H
#define RT_HEAP_H

#include <stdint.h>

void heap_init(uint64_t base, uint64_t end);
uint64_t heap_size(void);
uint64_t heap_used(void);

#endif
