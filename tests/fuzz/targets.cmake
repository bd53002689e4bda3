# The libFuzzer targets, one per parser of untrusted bytes: tests/fuzz/PATH_fuzz.cpp
# builds the executable NAME_fuzz (NAME = the file name). Read by tests/fuzz/CMakeLists.txt
# (to build them) and cmake/GodwitChecks.cmake (one CTest test per target, label `fuzz`).
set(GODWIT_FUZZ_TARGETS
  migration/stream_decoder
  migration/migration_receiver
  migration/migration_sender
  migration/recovery
  kernel/vm/hypercall_decode
  kernel/vm/elf_image
  kernel/boot/multiboot2
  kernel/boot/command_line
  kernel/shell/shell
  lib/parse
  drivers/virtio/split_virtqueue
  drivers/e1000/descriptor_rings
  net/icmp_echo)
