/* The two ways to reach PCI configuration space on x86. */
#ifndef APP_PCI_CONFIG_H
#define APP_PCI_CONFIG_H

#include "drivers/pci/pci.h"

/* Ports 0xCF8/0xCFC (PCI Local Bus 3.0, 3.2.2.3.2): 256 bytes per function. */
void pci_access_legacy(struct pci_config_access *cfg);

/* Memory-mapped ECAM at base for buses bus_start..bus_end (PCI Express Base 4.0, 7.2.2). */
void pci_access_ecam(struct pci_config_access *cfg, uint64_t base, uint8_t bus_start, uint8_t bus_end);

/* Whether the legacy mechanism answers at all: reads 0xffffffff everywhere on microvm. */
bool pci_legacy_present(void);

#endif
