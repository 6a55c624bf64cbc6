#include "app/build_flavor.h"

#ifndef LUNBENCH_GUARD_BUILD
#define LUNBENCH_GUARD_BUILD 0
#endif

const bool lunbench_guard_build = LUNBENCH_GUARD_BUILD;
