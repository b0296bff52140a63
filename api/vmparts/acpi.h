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

#include <vmparts/common.h>

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

#ifdef __cplusplus
}
#endif
#endif
