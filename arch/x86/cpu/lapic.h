// The local APIC in xAPIC mode: the periodic tick that wakes the idle loop and, later,
// ends guest time slices (Intel SDM Vol. 3A 12.5.4 "APIC Timer").
#pragma once

#include <cstdint>

namespace godwit::x86::lapic {

// Enables the APIC (spurious vector register) at the base IA32_APIC_BASE names.
void init();
// Starts the timer in periodic mode at `hz`, calibrated against the TSC clock.
void start_periodic_timer(uint32_t hz);
// Tells the APIC the interrupt being handled is done, so it delivers the next one of the
// same or lower priority; does nothing before init().
void end_of_interrupt();

}  // namespace godwit::x86::lapic
