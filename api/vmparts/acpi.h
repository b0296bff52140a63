/* ACPI firmware tables and the AML encoder they are written with.
 *
 * The AML encoder writes ACPI Machine Language (ACPI 6.4 section 20) into a
 * caller-given byte buffer. Every call is bounds-checked; the first error
 * (-ENOSPC when the buffer is full, -EINVAL for a bad name or argument,
 * -E2BIG for a package too long to encode) sticks in the encoder and turns
 * every later call into a no-op, so a sequence of calls needs one check at
 * the end: vmp_aml_error(). Nothing is ever written past buf + cap. */
#ifndef VMPARTS_ACPI_H
#define VMPARTS_ACPI_H

#include <vmparts/bios.h>
#include <vmparts/common.h>
#include <vmparts/mem.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------
 * AML encoder
 * ------------------------------------------------------------------- */

/* Nesting depth of open packages (Scope, Device, Method, If, ...). */
#define VMP_AML_MAX_DEPTH 16

struct vmp_aml {
    uint8_t *buf;
    size_t cap, len;
    int err; /* first error, sticky; 0 while all is well */
    unsigned depth;
    size_t open[VMP_AML_MAX_DEPTH]; /* offset of each open PkgLength */
};

void vmp_aml_init(struct vmp_aml *a, void *buf, size_t cap);
/* 0, or the first error any call met. */
static inline int vmp_aml_error(const struct vmp_aml *a) { return a->err; }

/* Raw bytes and little-endian words. */
void vmp_aml_byte(struct vmp_aml *a, uint8_t b);
void vmp_aml_bytes(struct vmp_aml *a, const void *p, size_t n);
void vmp_aml_u16(struct vmp_aml *a, uint16_t v);
void vmp_aml_u32(struct vmp_aml *a, uint32_t v);
void vmp_aml_u64(struct vmp_aml *a, uint64_t v);

/* PkgLength (section 20.2.4) for a package whose contents after the
 * PkgLength are body bytes long: writes the shortest encoding (1-4 bytes),
 * whose value counts its own bytes too. -E2BIG above 2^28 - 5. */
void vmp_aml_pkglength(struct vmp_aml *a, size_t body);

/* NameString (section 20.2.2) from ASL text: an optional '\' or any number
 * of '^', then NameSegs separated by '.', each 1-4 characters of [A-Z0-9_]
 * (not starting with a digit), padded with '_'. One segment is a NameSeg,
 * two a DualNamePath, three or more a MultiNamePath; "" or "\" alone give a
 * NullName after the prefix. */
void vmp_aml_name(struct vmp_aml *a, const char *name);

/* Integers (section 20.2.3): Zero, One, then the shortest of BytePrefix,
 * WordPrefix, DWordPrefix and QWordPrefix. Ones is the all-ones constant. */
void vmp_aml_int(struct vmp_aml *a, uint64_t v);
void vmp_aml_ones(struct vmp_aml *a);
/* String constant: StringPrefix, the ASCII bytes (1-0x7F), NUL. */
void vmp_aml_string(struct vmp_aml *a, const char *s);
/* A compressed EISA ID such as "PNP0A03" as a DWordConst (ASL EISAID()). */
void vmp_aml_eisaid(struct vmp_aml *a, const char *id);

/* Named objects and statements (section 20.2.5). The *_begin calls open a
 * package that vmp_aml_end() closes, filling in its PkgLength. */
void vmp_aml_name_decl(struct vmp_aml *a, const char *name); /* NameOp NameString; a data object follows */
void vmp_aml_scope_begin(struct vmp_aml *a, const char *name);
void vmp_aml_device_begin(struct vmp_aml *a, const char *name);
/* flags: argument count in bits 2:0, bit 3 serialized, sync level 7:4. */
void vmp_aml_method_begin(struct vmp_aml *a, const char *name, uint8_t flags);
/* Package with count elements; the caller writes them. */
void vmp_aml_package_begin(struct vmp_aml *a, uint8_t count);
/* Buffer whose size is the number of bytes written before its end. */
void vmp_aml_buffer_begin(struct vmp_aml *a);
void vmp_aml_if_begin(struct vmp_aml *a); /* predicate and terms follow */
void vmp_aml_else_begin(struct vmp_aml *a);
void vmp_aml_end(struct vmp_aml *a);
void vmp_aml_return(struct vmp_aml *a); /* ReturnOp; the object follows */
/* Arg0..Arg6, Local0..Local7 (section 20.2.6.1-2). */
void vmp_aml_arg(struct vmp_aml *a, unsigned n);
void vmp_aml_local(struct vmp_aml *a, unsigned n);
/* LEqual(x, y): LEqualOp; the two operands follow. */
void vmp_aml_lequal(struct vmp_aml *a);
/* Store(src, dst): StoreOp; both operands follow. */
void vmp_aml_store(struct vmp_aml *a);

/* Resource template (section 6.4): vmp_aml_rt_begin() opens a Buffer;
 * descriptors follow; vmp_aml_rt_end() writes the End Tag with a checksum
 * that makes the template's bytes sum to zero, and closes the Buffer. */
void vmp_aml_rt_begin(struct vmp_aml *a);
void vmp_aml_rt_end(struct vmp_aml *a);
/* I/O Port Descriptor (6.4.2.5), 16-bit decode. */
void vmp_aml_rt_io(struct vmp_aml *a, uint16_t min, uint16_t max, uint8_t align,
                   uint8_t len);
/* IRQ Descriptor (6.4.2.1): IRQNoFlags (2-byte form, edge, active-high) for
 * flags < 0, else the 3-byte form with the given information byte
 * (VMP_AML_IRQ_* below). mask: bit n = IRQ n. */
void vmp_aml_rt_irq(struct vmp_aml *a, uint16_t mask, int flags);
#define VMP_AML_IRQ_EDGE 0x01u      /* _HE: edge (else level) */
#define VMP_AML_IRQ_LOW 0x08u       /* _LL: active-low (else high) */
#define VMP_AML_IRQ_SHARED 0x10u    /* _SHR */
/* 32-bit Fixed Memory Range Descriptor (6.4.3.4). */
void vmp_aml_rt_mem32_fixed(struct vmp_aml *a, bool writable, uint32_t base,
                            uint32_t len);
/* Address space descriptors (6.4.3.5): Word/DWord/QWord forms. General
 * flags: producer, MinFixed, MaxFixed, PosDecode (a bridge window) unless
 * consumer is set. Type-specific flags for memory: read/write, cacheable
 * as VMP_AML_MEM_*; for I/O: entire range. */
#define VMP_AML_MEM_NONCACHEABLE 0u
#define VMP_AML_MEM_CACHEABLE 1u
#define VMP_AML_MEM_WC 2u
#define VMP_AML_MEM_PREFETCHABLE 3u
void vmp_aml_rt_word_bus(struct vmp_aml *a, uint16_t min, uint16_t max);
void vmp_aml_rt_word_io(struct vmp_aml *a, uint16_t min, uint16_t max);
void vmp_aml_rt_dword_mem(struct vmp_aml *a, bool consumer, unsigned cache,
                          uint32_t min, uint32_t max);
void vmp_aml_rt_qword_mem(struct vmp_aml *a, bool consumer, unsigned cache,
                          uint64_t min, uint64_t max);
/* Extended Interrupt Descriptor (6.4.3.6), consumer, one interrupt. */
void vmp_aml_rt_interrupt(struct vmp_aml *a, bool edge, bool active_low,
                          bool shared, uint32_t gsi);

/* ---------------------------------------------------------------------
 * ACPI tables for a PC board (ACPI 6.4 section 5.2)
 *
 * vmp_acpi_build() lays out, for the machine a vmp_acpi_config describes:
 * FACS, RSDP (revision 2), DSDT, FADT (revision 6), MADT, HPET (IA-PC HPET
 * 1.0a), MCFG (PCI Firmware 3.0 section 4.1.2), XSDT and RSDT, with their
 * pointers and checksums, into a host image of a guest-physical range.
 * vmp_acpi_install() copies it into guest memory; vmp_acpi_dump() writes
 * each table to DIR/<signature>.dat for `iasl -d`. The DSDT holds \_S5,
 * \_SB.PCI0 (PNP0A08/PNP0A03 with _CRS windows and a _PRT entry for every
 * slot and pin), a processor device (ACPI0007) per vCPU, a motherboard
 * resource device for ECAM and the PM ports, and the ISA devices present.
 * See docs/acpi.md.
 * ------------------------------------------------------------------- */

#define VMP_ACPI_MAX_CPUS 255
/* ISA devices in the DSDT (vmp_acpi_config.devices). */
#define VMP_ACPI_DEV_COM1 (1u << 0)   /* 0x3F8, IRQ 4 */
#define VMP_ACPI_DEV_COM2 (1u << 1)   /* 0x2F8, IRQ 3 */
#define VMP_ACPI_DEV_RTC (1u << 2)    /* 0x70, IRQ 8 */
#define VMP_ACPI_DEV_I8042 (1u << 3)  /* 0x60/0x64, IRQ 1 and 12 */
#define VMP_ACPI_DEV_PIT (1u << 4)    /* 0x40, IRQ 0 */
#define VMP_ACPI_DEV_PIC (1u << 5)    /* 0x20, 0xA0, ELCR 0x4D0 */
#define VMP_ACPI_DEV_HPET (1u << 6)   /* HPET table and device */
#define VMP_ACPI_DEV_VGA (1u << 7)    /* 0xA0000-0xBFFFF in PCI0's _CRS */
#define VMP_ACPI_DEV_ALL 0xFFu

struct vmp_acpi_config {
    unsigned cpu_count;              /* 1..VMP_ACPI_MAX_CPUS */
    const uint8_t *apic_ids;         /* cpu_count xAPIC IDs (0-254, distinct); NULL: 0..n-1 */
    uint32_t lapic_addr;             /* 0xFEE00000 */
    uint8_t ioapic_id;               /* 0-15 (a 4-bit register); default cpu_count & 15 */
    uint32_t ioapic_addr;            /* 0xFEC00000 */
    uint32_t ioapic_gsi_base;        /* 0 */
    unsigned ioapic_pins;            /* 24 */
    uint32_t hpet_addr;              /* 0xFED00000 */
    uint32_t hpet_block_id;          /* the HPET's capabilities register, low 32 bits */
    uint16_t hpet_min_tick;          /* minimum periodic tick in counter ticks */
    /* PM blocks (FADT, ACPI 6.4 section 4.8): I/O ports and lengths. */
    uint16_t pm1a_evt, pm1a_cnt, pm_tmr, gpe0;
    uint8_t pm1_evt_len, pm1_cnt_len, gpe0_len;
    bool pm_tmr_32bit;               /* FADT TMR_VAL_EXT (default true) */
    uint8_t s5_slp_typ;              /* SLP_TYP for \_S5 */
    uint8_t sci_irq;                 /* ISA IRQ, 9 */
    uint16_t isa_level_irqs;         /* ISA IRQs given a level/active-high MADT override (SCI's is always) */
    uint16_t reset_port;             /* 0xCF9; 0 = no reset register */
    uint8_t reset_value;             /* 0x06 */
    uint8_t century;                 /* RTC CMOS index of the century, 0x32; 0 = none */
    /* PCI: ECAM (MCFG), windows for PCI0's _CRS, INTx routing. */
    uint64_t ecam_base;              /* 0xB0000000, 1 MiB aligned; 0 = no MCFG */
    uint8_t ecam_bus_start, ecam_bus_end; /* 0, 255 */
    uint32_t pci_mem32_base, pci_mem32_limit; /* inclusive: 0xC0000000-0xFEBFFFFF */
    uint64_t pci_mem64_base, pci_mem64_size;  /* 64-bit window; size 0 = none */
    uint16_t pci_io_base, pci_io_limit;       /* inclusive: 0x1000-0xFFFF; base >= 0xD00 */
    unsigned pci_slots;              /* _PRT covers slots 0..pci_slots-1 (<= 32) */
    uint32_t pci_gsi_base;           /* slot s pin p -> GSI base + ((s + p) % count) */
    unsigned pci_gsi_count;          /* 16 and 8 */
    uint32_t devices;                /* VMP_ACPI_DEV_* */
    /* Where the RSDP goes (16-byte aligned, e.g. in 0xE0000-0xFFFFF); 0
     * puts it in the table area right after the FACS. */
    uint64_t rsdp_addr;
};

/* The reference board (DESIGN.md) with cpus vCPUs, APIC IDs 0..cpus-1. */
void vmp_acpi_config_default(struct vmp_acpi_config *cfg, unsigned cpus);

#define VMP_ACPI_MAX_BLOBS 10
/* Largest table area vmp_acpi_build() uses (255 vCPUs fit easily). */
#define VMP_ACPI_MAX_SIZE (128u * 1024u)

struct vmp_acpi_blob {
    char signature[5];      /* "DSDT", "FACP", "APIC", ..., "RSD " for the RSDP */
    uint64_t gpa;           /* where it lives in the guest */
    const uint8_t *data;    /* points into the vmp_acpi_tables */
    size_t size;
};

struct vmp_acpi_tables {
    uint64_t base;          /* guest-physical start of the table area */
    size_t size;            /* bytes used from base */
    uint8_t *image;         /* host copy of [base, base + size), owned */
    uint64_t facs_addr;     /* 64 bytes at base: belongs in ACPI NVS memory */
    uint64_t rsdp_addr;
    uint8_t rsdp[36];
    size_t count;
    struct vmp_acpi_blob blob[VMP_ACPI_MAX_BLOBS];
};

/* Build every table for cfg into a table area at guest address base (64-
 * byte aligned, below 4 GiB with the whole area) of at most max_size
 * bytes. -EINVAL for an inconsistent config, -ENOSPC if the tables do not
 * fit, -ENOMEM. On success *out owns memory: vmp_acpi_tables_free(). */
int vmp_acpi_build(const struct vmp_acpi_config *cfg, uint64_t base, uint64_t max_size,
                   struct vmp_acpi_tables *out);
void vmp_acpi_tables_free(struct vmp_acpi_tables *t);
/* Copy the table area and the RSDP into guest memory. The BIOS writes its
 * own ROM here: read-only regions are written through vmp_mem_ptr. */
int vmp_acpi_install(const struct vmp_acpi_tables *t, struct vmp_mem *mem);
/* Write each table to dir/<signature in lower case>.dat ("rsdp.dat" for the
 * RSDP), creating dir (not its parents) if needed; -errno on the first
 * file that fails. */
int vmp_acpi_dump(const struct vmp_acpi_tables *t, const char *dir);
/* The 8-bit sum of len bytes (ACPI tables sum to 0). */
uint8_t vmp_acpi_sum(const void *p, size_t len);

/* ---------------------------------------------------------------------
 * E820 map builder (ACPI 6.4 section 15)
 *
 * Ranges are added in any order and may overlap; where they do, the
 * stronger type wins, whatever the order: unusable(5) > reserved(2) >
 * ACPI NVS(4) > ACPI reclaim(3) > RAM(1). vmp_e820_finish() returns the
 * map sorted, with no overlaps, adjacent ranges of one type merged, and
 * holes left out.
 * ------------------------------------------------------------------- */
#define VMP_E820_UNUSABLE 5u
#define VMP_E820_BUILDER_MAX 64

struct vmp_e820_builder {
    size_t count;
    struct vmp_e820_entry in[VMP_E820_BUILDER_MAX];
};

void vmp_e820_init(struct vmp_e820_builder *b);
/* -EINVAL for size 0 or an unknown type, -ERANGE if the range runs past
 * 2^64, -ENOSPC when VMP_E820_BUILDER_MAX ranges were added. */
int vmp_e820_add(struct vmp_e820_builder *b, uint64_t addr, uint64_t size, uint32_t type);
/* RAM of ram_size bytes on the PC layout: [0, min(ram_size, below_4g_top))
 * and the rest from 4 GiB up. The caller reserves what lies below 1 MiB. */
int vmp_e820_add_ram(struct vmp_e820_builder *b, uint64_t ram_size, uint64_t below_4g_top);
/* The FACS as ACPI NVS and the rest of the table area as ACPI reclaim. */
int vmp_e820_add_acpi(struct vmp_e820_builder *b, const struct vmp_acpi_tables *t);
/* The finished map; returns the entry count or -ENOSPC if max is short. */
int vmp_e820_finish(const struct vmp_e820_builder *b, struct vmp_e820_entry *out, size_t max);

#ifdef __cplusplus
}
#endif
#endif
