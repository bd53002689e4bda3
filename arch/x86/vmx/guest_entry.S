/* Guest entry and exit (Intel SDM Vol. 3C 28.5 "Loading Host State", 32.3 "VMLAUNCH/
 * VMRESUME"). VM exits land at vmx_exit_point with the host RSP this stub wrote into
 * the VMCS just before entering, so the host's callee-saved registers and the
 * GuestRegisters pointer are found on the stack. RSP, RIP and RFLAGS of the guest live
 * in the VMCS (the caller syncs them); the other 15 GPRs are switched here.
 *
 *   int vmx_enter(GuestRegisters* regs, uint64_t launched);
 *     0: the guest ran and exited; 1: VMfailInvalid (CF); 2: VMfailValid (ZF, reason in
 *     the VM-instruction error field). */

#define HOST_RSP 0x6C14

#define G_RAX 0
#define G_RCX 8
#define G_RDX 16
#define G_RBX 24
#define G_RBP 40
#define G_RSI 48
#define G_RDI 56
#define G_R8 64
#define G_R9 72
#define G_R10 80
#define G_R11 88
#define G_R12 96
#define G_R13 104
#define G_R14 112
#define G_R15 120

.section .text
.global vmx_enter
vmx_enter:
  pushq %rbp
  pushq %rbx
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  pushq %rdi                 /* the GuestRegisters pointer, at 0(%rsp) on exit */
  movq $HOST_RSP, %rax
  vmwrite %rsp, %rax
  jbe .Lfailed               /* CF or ZF: the VMCS is not usable */
  testq %rsi, %rsi           /* MOVs below keep these flags for the jump */
  movq G_RAX(%rdi), %rax
  movq G_RCX(%rdi), %rcx
  movq G_RDX(%rdi), %rdx
  movq G_RBX(%rdi), %rbx
  movq G_RBP(%rdi), %rbp
  movq G_RSI(%rdi), %rsi
  movq G_R8(%rdi), %r8
  movq G_R9(%rdi), %r9
  movq G_R10(%rdi), %r10
  movq G_R11(%rdi), %r11
  movq G_R12(%rdi), %r12
  movq G_R13(%rdi), %r13
  movq G_R14(%rdi), %r14
  movq G_R15(%rdi), %r15
  movq G_RDI(%rdi), %rdi
  jnz .Lresume
  vmlaunch
  jmp .Lfailed
.Lresume:
  vmresume
.Lfailed:
  /* Only reached on VMfail: RSP is unchanged, the GPRs may hold guest values. */
  movl $1, %eax              /* MOV keeps CF/ZF */
  jc .Lreturn
  movl $2, %eax
  jmp .Lreturn

.global vmx_exit_point
vmx_exit_point:
  pushq %rdi
  movq 8(%rsp), %rdi
  movq %rax, G_RAX(%rdi)
  movq %rcx, G_RCX(%rdi)
  movq %rdx, G_RDX(%rdi)
  movq %rbx, G_RBX(%rdi)
  movq %rbp, G_RBP(%rdi)
  movq %rsi, G_RSI(%rdi)
  movq %r8, G_R8(%rdi)
  movq %r9, G_R9(%rdi)
  movq %r10, G_R10(%rdi)
  movq %r11, G_R11(%rdi)
  movq %r12, G_R12(%rdi)
  movq %r13, G_R13(%rdi)
  movq %r14, G_R14(%rdi)
  movq %r15, G_R15(%rdi)
  popq %rax
  movq %rax, G_RDI(%rdi)
  xorl %eax, %eax
.Lreturn:
  addq $8, %rsp
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %rbx
  popq %rbp
  ret

.section .note.GNU-stack, "", @progbits
