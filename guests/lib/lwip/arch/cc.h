/* The guest's lwIP port header: the hypervisor's (types, byte order, packing, and the
 * three platform functions), which guests/lib/lwip_port.cpp implements for a guest. */
#include "net/lwip/arch/cc.h"
