/* Multiboot2 entry: GRUB starts us in 32-bit protected mode with paging off
 * (Multiboot2 spec 3.3, "Machine state"). We identity-map the first 4 GiB with 2 MiB
 * pages, enter long mode (Intel SDM Vol. 3A 10.8.5, "Initializing IA-32e Mode") and
 * call kernel_entry(magic, info) in C++. */

#define MB2_MAGIC 0xE85250D6
#define MSR_EFER 0xC0000080
#define EFER_LME (1 << 8)
#define CR4_PAE (1 << 5)
#define CR0_PE_WP_PG 0x80010001
/* CD (bit 30) and NW (bit 29): set at reset, so caching stays off until cleared
 * (SDM Vol. 3A 12.2, "Memory Type Setting" / Table 12-5). */
#define CR0_CD_NW 0x60000000
#define PAGE_PRESENT_WRITE 0x3
#define PAGE_LARGE_PRESENT_WRITE 0x83

.section .multiboot2, "a"
.align 8
mb2_header:
  .long MB2_MAGIC
  .long 0                                   /* architecture: i386 protected mode */
  .long mb2_header_end - mb2_header
  .long -(MB2_MAGIC + (mb2_header_end - mb2_header))
  .align 8
  .word 6, 0                                /* module alignment: page-aligned modules */
  .long 8
  .align 8
  .word 0, 0                                /* end tag */
  .long 8
mb2_header_end:

.section .bss
.align 4096
boot_pml4: .skip 4096
boot_pdpt: .skip 4096
boot_pd:   .skip 4096 * 4
.align 16
.global boot_stack_top
boot_stack: .skip 65536
boot_stack_top:
boot_magic: .skip 4
boot_info: .skip 4

.section .rodata
.align 16
boot_gdt:
  .quad 0
  .quad 0x00AF9A000000FFFF                  /* 0x08: 64-bit code, L=1 D=0 */
  .quad 0x00CF92000000FFFF                  /* 0x10: data */
boot_gdt_end:
boot_gdt_pointer:
  .word boot_gdt_end - boot_gdt - 1
  .long boot_gdt
no_long_mode_text:
  .asciz "godwit: this CPU has no 64-bit long mode; cannot boot\r\n"

.section .text.boot, "ax"
.code32
.global _start
_start:
  cli
  mov $boot_stack_top, %esp
  mov %eax, boot_magic
  mov %ebx, boot_info

  /* Long mode present? CPUID 0x80000001 EDX bit 29. */
  mov $0x80000000, %eax
  cpuid
  cmp $0x80000001, %eax
  jb no_long_mode
  mov $0x80000001, %eax
  cpuid
  test $(1 << 29), %edx
  jz no_long_mode

  /* PML4[0] -> PDPT; PDPT[0..3] -> four page directories of 512 x 2 MiB each. */
  mov $boot_pdpt, %eax
  or $PAGE_PRESENT_WRITE, %eax
  mov %eax, boot_pml4
  xor %ecx, %ecx
1:
  mov %ecx, %eax
  shl $12, %eax
  add $boot_pd, %eax
  or $PAGE_PRESENT_WRITE, %eax
  mov %eax, boot_pdpt(, %ecx, 8)
  inc %ecx
  cmp $4, %ecx
  jne 1b
  xor %ecx, %ecx
2:
  mov %ecx, %eax
  shl $21, %eax
  or $PAGE_LARGE_PRESENT_WRITE, %eax
  mov %eax, boot_pd(, %ecx, 8)
  mov %ecx, %eax
  shr $11, %eax                             /* bits 32+ of the 2 MiB frame address */
  mov %eax, boot_pd + 4(, %ecx, 8)
  inc %ecx
  cmp $2048, %ecx
  jne 2b

  mov %cr4, %eax
  or $CR4_PAE, %eax
  mov %eax, %cr4
  mov $boot_pml4, %eax
  mov %eax, %cr3
  mov $MSR_EFER, %ecx
  rdmsr
  or $EFER_LME, %eax
  wrmsr
  mov %cr0, %eax
  or $CR0_PE_WP_PG, %eax
  and $~CR0_CD_NW, %eax
  mov %eax, %cr0
  lgdt boot_gdt_pointer
  ljmp $0x08, $long_mode

no_long_mode:
  mov $no_long_mode_text, %esi
3:
  lodsb
  test %al, %al
  jz 4f
  mov $0x3f8, %dx
  out %al, %dx
  jmp 3b
4:
  hlt
  jmp 4b

.code64
long_mode:
  mov $0x10, %ax
  mov %ax, %ds
  mov %ax, %es
  mov %ax, %ss
  xor %eax, %eax
  mov %ax, %fs
  mov %ax, %gs
  mov $boot_stack_top, %rsp
  xor %ebp, %ebp
  mov boot_magic(%rip), %edi
  mov boot_info(%rip), %esi
  call kernel_entry
5:
  cli
  hlt
  jmp 5b

.section .note.GNU-stack, "", @progbits
