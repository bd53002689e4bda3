// svm_enter_guest(GuestRegisters* regs, uint64_t vmcb_pa, uint64_t host_state_pa):
// one world switch into the guest and back (AMD APM Vol. 2 15.5 "VMRUN", 15.6 "#VMEXIT",
// 15.5.2 "VMSAVE and VMLOAD").
//
// VMRUN switches only part of the state; RAX, RSP and RIP come back from the host save
// area (VM_HSAVE_PA). FS, GS, TR, LDTR (with their hidden parts), KERNEL_GS_BASE, STAR,
// LSTAR, CSTAR, SFMASK and the SYSENTER MSRs are not switched at all: VMLOAD of the
// guest's VMCB puts the guest's in place and VMSAVE stores them back, while the host's
// go to and come back from a page of their own (host_state_pa). Without that the host
// would return with the guest's TR, whose TSS has none of the host's IST stacks.
//
// Interrupts: CLGI holds every interrupt and NMI, so nothing runs between the VMLOADs
// with half-switched state. STI before VMRUN leaves the host's RFLAGS.IF set during the
// guest (with V_INTR_MASKING that makes physical interrupts exit, APM 15.21.1). After
// the exit, CLI then STGI: the interrupt that ended the run stays pending and the host
// handler takes it when the caller executes STI. The caller's RFLAGS come back on
// return (callers run with IF=0; one that had IF=1 takes the interrupt at the POPF).
//
// GuestRegisters: gpr[16] in x86 order at 8*n, then rip, rflags. RAX and RSP are in
// the VMCB (the vCPU copies them), so slots 0 and 4 are not touched here.

  .text
  .globl svm_enter_guest
  .type svm_enter_guest, @function
svm_enter_guest:
  pushfq
  push %rbp
  push %rbx
  push %r12
  push %r13
  push %r14
  push %r15
  push %rdi                 // regs, at 16(%rsp)
  push %rsi                 // vmcb_pa, at 8(%rsp)
  push %rdx                 // host_state_pa, at 0(%rsp)

  clgi
  mov %rdx, %rax
  vmsave %rax               // host FS/GS/TR/LDTR/KERNEL_GS_BASE/STAR.../SYSENTER
  mov %rsi, %rax
  vmload %rax               // the guest's

  mov 8(%rdi), %rcx
  mov 16(%rdi), %rdx
  mov 24(%rdi), %rbx
  mov 40(%rdi), %rbp
  mov 48(%rdi), %rsi
  mov 64(%rdi), %r8
  mov 72(%rdi), %r9
  mov 80(%rdi), %r10
  mov 88(%rdi), %r11
  mov 96(%rdi), %r12
  mov 104(%rdi), %r13
  mov 112(%rdi), %r14
  mov 120(%rdi), %r15
  mov 56(%rdi), %rdi

  sti
  vmrun %rax                // RAX = vmcb_pa; back here at #VMEXIT with RAX, RSP restored
  vmsave %rax               // the guest's hidden state into its VMCB

  push %rdi                 // guest RDI; regs is now at 24(%rsp)
  mov 24(%rsp), %rdi
  mov %rcx, 8(%rdi)
  mov %rdx, 16(%rdi)
  mov %rbx, 24(%rdi)
  mov %rbp, 40(%rdi)
  mov %rsi, 48(%rdi)
  mov %r8, 64(%rdi)
  mov %r9, 72(%rdi)
  mov %r10, 80(%rdi)
  mov %r11, 88(%rdi)
  mov %r12, 96(%rdi)
  mov %r13, 104(%rdi)
  mov %r14, 112(%rdi)
  mov %r15, 120(%rdi)
  pop %rax
  mov %rax, 56(%rdi)

  mov (%rsp), %rax
  vmload %rax               // the host's hidden state back
  cli
  stgi

  add $24, %rsp
  pop %r15
  pop %r14
  pop %r13
  pop %r12
  pop %rbx
  pop %rbp
  popfq
  ret
  .size svm_enter_guest, . - svm_enter_guest

  .section .note.GNU-stack, "", @progbits
