/* vmp's CPUID model (docs/vmp-wiring.md "CPUID model"), shared by the
 * backends: the per-vCPU changes both apply, and the base table of the
 * emulator backend (KVM starts from KVM_GET_SUPPORTED_CPUID instead). */
#ifndef VMP_VMM_CPUID_H
#define VMP_VMM_CPUID_H

#include <stdint.h>

/* Apply the documented per-vCPU changes to one leaf's EAX..EDX: APIC ID
 * and logical count, the features the user-space LAPIC provides, ARAT,
 * the x2APIC ID in the topology leaves, no KVM paravirtual features. */
void vmp_cpuid_adjust(uint32_t leaf, uint32_t out[4], unsigned cpu, unsigned ncpus);

/* What the x86 emulator implements (docs/emulator.md), before
 * vmp_cpuid_adjust: integer ISA, x87, MMX, SSE, SSE2, FXSAVE, CLFLUSH,
 * PAE/NX/long mode, SYSCALL/SYSENTER, CMPXCHG8B/16B, POPCNT, LZCNT,
 * SMEP/SMAP; no SSE3 and later, XSAVE, MTRR or PAT. */
void vmp_cpuid_emu(uint32_t leaf, uint32_t subleaf, unsigned ncpus, uint32_t out[4]);

/* The model-specific MSRs of that CPU model which no device owns: returns
 * 0 when msr is one of them (IA32_BIOS_SIGN_ID: microcode revision 0,
 * writes ignored), -1 otherwise (#GP). */
int vmp_cpuid_emu_msr(uint32_t msr, uint64_t *value, int write);

#endif
