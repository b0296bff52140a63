/* vmp's CPUID model: see cpuid.h and docs/vmp-wiring.md. */
#include "cpuid.h"

#include <string.h>

void vmp_cpuid_adjust(uint32_t leaf, uint32_t out[4], unsigned cpu, unsigned ncpus)
{
    switch (leaf) {
    case 1:
        /* APIC ID, logical processor count; APIC present; TSC deadline
         * and x2APIC are provided by the user-space LAPIC; hypervisor. */
        out[1] = (out[1] & 0x0000FFFFu) | ((uint32_t)cpu << 24) | ((ncpus & 0xFFu) << 16);
        out[3] |= 1u << 9;
        out[2] |= (1u << 24) | (1u << 21) | (1u << 31);
        out[2] &= ~(1u << 3); /* no MONITOR/MWAIT */
        if (ncpus > 1)
            out[3] |= 1u << 28; /* HTT: EBX[23:16] valid */
        break;
    case 6:
        out[0] |= 1u << 2; /* ARAT: the LAPIC timer runs in every C-state */
        break;
    case 0xB:
    case 0x1F:
        out[3] = cpu; /* x2APIC ID */
        break;
    case 0x40000001:
        /* No KVM paravirtual features: kvmclock, PV EOI and friends
         * assume KVM's own irqchip and clock. */
        out[0] = 0;
        out[3] = 0;
        break;
    default:
        break;
    }
}

/* n words of s into the registers named by order (0 = EAX .. 3 = EDX). */
static void put_str(uint32_t out[4], const char *s, const unsigned *order, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        memcpy(&out[order[i]], s + 4 * i, 4);
}

void vmp_cpuid_emu(uint32_t leaf, uint32_t subleaf, unsigned ncpus, uint32_t out[4])
{
    static const unsigned vendor_order[3] = {1, 3, 2}; /* EBX EDX ECX */
    static const unsigned brand_order[4] = {0, 1, 2, 3};
    static const char brand[48] = "vmparts x86 emulator";
    memset(out, 0, 4 * sizeof out[0]);
    switch (leaf) {
    case 0:
        put_str(out, "GenuineIntel", vendor_order, 3);
        out[0] = 0xB;
        break;
    case 1:
        out[0] = 0x000006A0; /* family 6 */
        out[1] = 8u << 8;     /* CLFLUSH line size: 8 * 8 = 64 bytes */
        out[2] = (1u << 13)   /* CMPXCHG16B */
                 | (1u << 22)  /* MOVBE */
                 | (1u << 23); /* POPCNT */
        out[3] = (1u << 0)     /* FPU: x87 */
                 | (1u << 2)   /* DE: CR4.DE */
                 | (1u << 3)   /* PSE */
                 | (1u << 4)   /* TSC */
                 | (1u << 5)   /* RDMSR/WRMSR */
                 | (1u << 6)   /* PAE */
                 | (1u << 8)   /* CMPXCHG8B */
                 | (1u << 11)  /* SYSENTER/SYSEXIT */
                 | (1u << 13)  /* PGE (accepted; every flush is full) */
                 | (1u << 15)  /* CMOV */
                 | (1u << 19)  /* CLFLUSH */
                 | (1u << 23)  /* MMX */
                 | (1u << 24)  /* FXSAVE/FXRSTOR, CR4.OSFXSR */
                 | (1u << 25)  /* SSE */
                 | (1u << 26); /* SSE2 */
        break;
    case 7:
        if (subleaf == 0)
            out[1] = (1u << 7) | (1u << 19) | (1u << 20); /* SMEP, ADX, SMAP (CLAC/STAC) */
        break;
    case 0xB: {
        /* One thread per core, ncpus cores in one package. */
        unsigned bits = 0;
        while ((1u << bits) < ncpus)
            bits++;
        if (subleaf == 0) {
            out[0] = 0;
            out[1] = 1;
            out[2] = (1u << 8) | subleaf; /* SMT level */
        } else if (subleaf == 1) {
            out[0] = bits;
            out[1] = ncpus;
            out[2] = (2u << 8) | subleaf; /* core level */
        } else {
            out[2] = subleaf;
        }
        break;
    }
    case 0x40000000:
        put_str(out, "VMPartsEmuVM", (const unsigned[3]){1, 2, 3}, 3);
        out[0] = 0x40000001;
        break;
    case 0x80000000:
        out[0] = 0x80000008;
        break;
    case 0x80000001:
        out[2] = (1u << 0)     /* LAHF/SAHF in 64-bit mode */
                 | (1u << 5);  /* LZCNT */
        out[3] = (1u << 11)    /* SYSCALL/SYSRET */
                 | (1u << 20)  /* NX */
                 | (1u << 27)  /* RDTSCP */
                 | (1u << 29); /* long mode */
        break;
    case 0x80000002:
    case 0x80000003:
    case 0x80000004:
        put_str(out, brand + 16 * (leaf - 0x80000002), brand_order, 4);
        break;
    case 0x80000008:
        out[0] = 48 | (48u << 8); /* physical and linear address bits */
        break;
    default:
        break;
    }
}

int vmp_cpuid_emu_msr(uint32_t msr, uint64_t *value, int write)
{
    switch (msr) {
    case 0x8B: /* IA32_BIOS_SIGN_ID (SDM Vol. 3 §10.11.7.1): write 0, CPUID,
                  read EDX = microcode revision; there is no microcode */
        if (!write)
            *value = 0;
        return 0;
    default:
        return -1;
    }
}
