# vmp decompresses xz bzImage payloads itself (vmm/vmlinux.c).
$(BUILD)/vmp: VMM_LIBS += -llzma
