/* Interrupt and exception entry stubs. Each pushes a zero error code where the CPU
 * pushes none (SDM Vol. 3A 7.13, "Error Code"), then its vector, saves the general
 * registers as a TrapFrame and calls trap_dispatch(TrapFrame*). */

.macro STUB vector, has_error
.global isr_stub_\vector
isr_stub_\vector:
  .if \has_error == 0
  pushq $0
  .endif
  pushq $\vector
  jmp isr_common
.endm

.section .text
isr_common:
  pushq %rax
  pushq %rbx
  pushq %rcx
  pushq %rdx
  pushq %rsi
  pushq %rdi
  pushq %rbp
  pushq %r8
  pushq %r9
  pushq %r10
  pushq %r11
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  mov %rsp, %rdi
  cld
  call trap_dispatch
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %r11
  popq %r10
  popq %r9
  popq %r8
  popq %rbp
  popq %rdi
  popq %rsi
  popq %rdx
  popq %rcx
  popq %rbx
  popq %rax
  add $16, %rsp
  iretq

/* Vectors 0-31: exceptions; those in the list push an error code. */
.irp v, 0,1,2,3,4,5,6,7,9,15,16,18,19,20,22,23,24,25,26,27,28,31
  STUB \v, 0
.endr
.irp v, 8,10,11,12,13,14,17,21,29,30
  STUB \v, 1
.endr
/* 32-63: device interrupts and the remapped legacy PIC; 255: APIC spurious. */
.irp v, 32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63,255
  STUB \v, 0
.endr

/* Table of stub addresses for vectors 0-63 and 255 (as entry 64). */
.section .rodata
.align 8
.global isr_stub_table
isr_stub_table:
.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
  .quad isr_stub_\v
.endr
.irp v, 32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63,255
  .quad isr_stub_\v
.endr

.section .note.GNU-stack, "", @progbits
