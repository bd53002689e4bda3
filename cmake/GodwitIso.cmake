# The default bootable ISO (build/godwit.iso): the hypervisor and every guest image as
# Multiboot2 modules. Made by the same code tools/godwit uses for per-run ISOs, so there
# is one way to lay out an ISO (tools/godwitlib/iso.py).
set(GODWIT_ISO ${CMAKE_BINARY_DIR}/godwit.iso)
add_custom_command(
  OUTPUT ${GODWIT_ISO}
  COMMAND ${CMAKE_SOURCE_DIR}/tools/godwit make-iso --kernel $<TARGET_FILE:godwit.elf>
          --guests-dir ${CMAKE_BINARY_DIR}/guests --out ${GODWIT_ISO}
  DEPENDS godwit.elf ${GODWIT_GUEST_TARGETS} ${CMAKE_SOURCE_DIR}/tools/godwitlib/iso.py
  COMMENT "Making the bootable ISO")
add_custom_target(iso ALL DEPENDS ${GODWIT_ISO})
