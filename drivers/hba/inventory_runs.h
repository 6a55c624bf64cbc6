/*
 * Runs in a LUN inventory, for the compact form of the JSON inventory (inventory=runs): LUNs
 * with consecutive numbers on one HBA and target that are alike in everything else (type,
 * vendor, product, revision, capacity, state, errors) make one row with a count. 256 targets of
 * 4096 identical LUNs are 256 rows instead of 1,048,576 (about 170 MB of JSON, 17 minutes of a
 * 16550 serial port). Pure.
 */
#ifndef DRIVERS_HBA_INVENTORY_RUNS_H
#define DRIVERS_HBA_INVENTORY_RUNS_H

#include <stddef.h>

#include "drivers/hba/discovery.h"

/* The length of the run that starts at inv->luns[i] (at least 1 while i < inv->count; 0 past it).
 * The inventory is sorted by HBA, target and LUN, as discovery leaves it. */
size_t inventory_run_length(const struct inventory *inv, size_t i);

#endif
