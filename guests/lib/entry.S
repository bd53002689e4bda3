/* The guest's first instruction (abi.h "Entry state"): RDI = boot info, RSP = the top
 * of the stack (16-byte aligned, so the call below leaves the ABI's alignment). */
    .section .text.entry, "ax"
    .global _start
_start:
    xor %ebp, %ebp          /* the end of every frame-pointer chain */
    call guest_start        /* does not return */
    ud2
