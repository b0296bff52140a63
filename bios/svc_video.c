/* INT 10h: 80x25 colour text (mode 3) on the VGA text buffer at 0xB8000,
 * teletype output mirrored to the console.
 *
 * Sources: IBM PC/AT Technical Reference, BIOS listing "VIDEO_IO" (mode
 * set, cursor, scroll, read/write, teletype); IBM VGA Technical Reference
 * for AH=12h BL=10h and AH=1Ah; RBIL INT 10h for the return values
 * Linux's boot setup (arch/x86/boot/video*.c) relies on. BDA fields per
 * RBIL "Format of BIOS Data Segment". Only text mode 3 (and 2, its
 * monochrome-signal twin) is supported; graphics modes answer CF=1 AH=86h. */
#include "svc_priv.h"

#define VRAM 0xB8000u
#define PAGE_SIZE 0x1000u
#define PAGES 8u

/* The text buffer may be RAM or the VGA model's MMIO. Nothing outside
 * the 32 KiB colour text window is touched, whatever the (guest-writable)
 * BDA says about columns, rows and pages. */
#define VRAM_END (VRAM + PAGES * PAGE_SIZE)
static void vram_wr16(struct vmp_bios *b, uint64_t a, uint16_t v)
{
    if (a < VRAM || a + 2 > VRAM_END)
        return;
    if (bios_wr16(b, a, v) < 0 && b->cfg.mmio)
        vmp_space_write(b->cfg.mmio, a, v, 2);
}
static uint16_t vram_rd16(struct vmp_bios *b, uint64_t a)
{
    uint16_t v;
    if (a < VRAM || a + 2 > VRAM_END)
        return 0x0720;
    if (bios_rd16(b, a, &v) < 0)
        v = b->cfg.mmio ? (uint16_t)vmp_space_read(b->cfg.mmio, a, 2) : 0;
    return v;
}

static unsigned cols(struct vmp_bios *b)
{
    unsigned c = bda_rd16(b, BDA_VID_COLS);
    return c == 0 || c > 132 ? 80 : c;
}
static unsigned rows(struct vmp_bios *b)
{
    unsigned r = bda_rd8(b, BDA_VID_ROWS) + 1u;
    return r < 2 || r > 60 ? 25 : r;
}
static uint64_t cell(struct vmp_bios *b, unsigned page, unsigned row, unsigned col)
{
    return VRAM + (page & 7) * PAGE_SIZE + ((uint64_t)row * cols(b) + col) * 2;
}

/* CRTC registers through the port space (VGA model), when there is one. */
static void crtc(struct vmp_bios *b, uint8_t idx, uint8_t v)
{
    if (!b->cfg.pio)
        return;
    vmp_space_write(b->cfg.pio, 0x3D4, idx, 1);
    vmp_space_write(b->cfg.pio, 0x3D5, v, 1);
}

static void get_cursor(struct vmp_bios *b, unsigned page, unsigned *row, unsigned *col)
{
    uint16_t p = bda_rd16(b, BDA_CURSOR_POS + 2 * (page & 7));
    *col = p & 0xFF;
    *row = p >> 8;
}

static void set_cursor(struct vmp_bios *b, unsigned page, unsigned row, unsigned col)
{
    page &= 7;
    bda_wr16(b, BDA_CURSOR_POS + 2 * page, (uint16_t)((row & 0xFF) << 8 | (col & 0xFF)));
    if (page == bda_rd8(b, BDA_VID_PAGE)) {
        unsigned pos = page * PAGE_SIZE / 2 + row * cols(b) + col;
        crtc(b, 0x0E, (uint8_t)(pos >> 8));
        crtc(b, 0x0F, (uint8_t)pos);
    }
}

/* Runs of cells (one guest-memory access per row where the buffer is
 * RAM, word by word through MMIO otherwise). len <= 2 * 132. */
static void vram_read(struct vmp_bios *b, uint64_t a, uint8_t *buf, unsigned len)
{
    if (a >= VRAM && a + len <= VRAM_END && vmp_mem_read(b->env.mem, a, buf, len) == 0)
        return;
    for (unsigned i = 0; i + 1 < len; i += 2) {
        uint16_t v = vram_rd16(b, a + i);
        buf[i] = (uint8_t)v;
        buf[i + 1] = (uint8_t)(v >> 8);
    }
}
static void vram_write(struct vmp_bios *b, uint64_t a, const uint8_t *buf, unsigned len)
{
    if (a >= VRAM && a + len <= VRAM_END && vmp_mem_write(b->env.mem, a, buf, len) == 0)
        return;
    for (unsigned i = 0; i + 1 < len; i += 2)
        vram_wr16(b, a + i, (uint16_t)(buf[i] | buf[i + 1] << 8));
}

/* Scroll the window [r0..r1] x [c0..c1] up (or down) by n lines, filling
 * with blanks of attribute attr; n = 0 clears the window (IBM TR
 * "SCROLL_UP"/"SCROLL_DOWN"). */
static void scroll(struct vmp_bios *b, unsigned page, unsigned n, uint8_t attr,
                   unsigned r0, unsigned c0, unsigned r1, unsigned c1, bool up)
{
    unsigned nr = rows(b), nc = cols(b);
    if (r1 >= nr)
        r1 = nr - 1;
    if (c1 >= nc)
        c1 = nc - 1;
    if (r0 > r1 || c0 > c1)
        return;
    unsigned h = r1 - r0 + 1, len = (c1 - c0 + 1) * 2;
    if (n == 0 || n > h)
        n = h;
    uint8_t row[2 * 132], blank[2 * 132];
    for (unsigned i = 0; i < len; i += 2) {
        blank[i] = ' ';
        blank[i + 1] = attr;
    }
    for (unsigned i = 0; i < h; i++) {
        unsigned dst = up ? r0 + i : r1 - i;
        if (i + n >= h) {
            vram_write(b, cell(b, page, dst, c0), blank, len);
            continue;
        }
        unsigned src = up ? dst + n : dst - n;
        vram_read(b, cell(b, page, src, c0), row, len);
        vram_write(b, cell(b, page, dst, c0), row, len);
    }
}

void bios_video_set_mode3(struct vmp_bios *b, bool clear)
{
    bda_wr8(b, BDA_VID_MODE, 3);
    bda_wr16(b, BDA_VID_COLS, 80);
    bda_wr16(b, BDA_VID_PAGESIZE, PAGE_SIZE);
    bda_wr16(b, BDA_VID_PAGEOFF, 0);
    for (unsigned p = 0; p < PAGES; p++)
        bda_wr16(b, BDA_CURSOR_POS + 2 * p, 0);
    bda_wr16(b, BDA_CURSOR_SHAPE, 0x0607); /* start line 6, end line 7 */
    bda_wr8(b, BDA_VID_PAGE, 0);
    bda_wr16(b, BDA_CRTC_BASE, 0x3D4);
    bda_wr8(b, BDA_VID_MSR, 0x29); /* 80x25 text, video enabled, blink */
    bda_wr8(b, BDA_VID_PAL, 0x30);
    bda_wr8(b, BDA_VID_ROWS, 24);
    bda_wr16(b, BDA_VID_CHARH, 16);
    bda_wr8(b, BDA_VID_EGA_MISC, 0x60);
    bda_wr8(b, BDA_VID_SWITCHES, 0x09);
    bda_wr8(b, BDA_VID_FLAGS, 0x11); /* VGA active, 400 lines */
    crtc(b, 0x0A, 0x06);
    crtc(b, 0x0B, 0x07);
    crtc(b, 0x0C, 0);
    crtc(b, 0x0D, 0);
    set_cursor(b, 0, 0, 0);
    if (clear)
        for (unsigned p = 0; p < PAGES; p++)
            scroll(b, p, 0, 0x07, 0, 0, 24, 79, true);
}

/* IBM "WRITE_TTY": BEL, BS, CR, LF interpreted; wrap and scroll. */
static void teletype(struct vmp_bios *b, unsigned page, uint8_t ch)
{
    unsigned row, col, nr = rows(b), nc = cols(b);
    if (b->cfg.console_out)
        b->cfg.console_out(b->cfg.opaque, ch);
    get_cursor(b, page, &row, &col);
    switch (ch) {
    case 0x07:
        return;
    case 0x08:
        if (col > 0)
            col--;
        break;
    case 0x0D:
        col = 0;
        break;
    case 0x0A:
        row++;
        break;
    default: {
        uint64_t a = cell(b, page, row < nr ? row : nr - 1, col < nc ? col : nc - 1);
        vram_wr16(b, a, (uint16_t)((vram_rd16(b, a) & 0xFF00) | ch));
        if (++col >= nc) {
            col = 0;
            row++;
        }
    }
    }
    if (row >= nr) {
        /* New line takes the attribute under the cursor (IBM TR). */
        uint8_t attr = (uint8_t)(vram_rd16(b, cell(b, page, nr - 1, 0)) >> 8);
        scroll(b, page, 1, attr ? attr : 0x07, 0, 0, nr - 1, nc - 1, true);
        row = nr - 1;
    }
    set_cursor(b, page, row, col);
}

void bios_video_puts(struct vmp_bios *b, const char *s)
{
    while (*s) {
        if (*s == '\n')
            teletype(b, bda_rd8(b, BDA_VID_PAGE), '\r');
        teletype(b, bda_rd8(b, BDA_VID_PAGE), (uint8_t)*s++);
    }
}

/* AH=09h/0Ah: CX copies from the cursor on, without moving it. */
static void write_chars(struct vmp_bios *b, struct bios_call *c, bool attr)
{
    unsigned page = BH(c) & 7, row, col, nr = rows(b), nc = cols(b);
    get_cursor(b, page, &row, &col);
    if (row >= nr || col >= nc)
        return;
    uint32_t left = nr * nc - (row * nc + col);
    uint32_t n = R16(c, VMP_RCX) < left ? R16(c, VMP_RCX) : left;
    uint64_t a = cell(b, page, row, col);
    for (uint32_t i = 0; i < n; i++, a += 2) {
        uint16_t old = vram_rd16(b, a);
        vram_wr16(b, a, (uint16_t)((attr ? BL(c) << 8 : (old & 0xFF00)) | AL(c)));
    }
}

/* AH=13h: write string ES:BP, CX chars at DH,DL; AL bit 0 move cursor,
 * bit 1 string holds char/attribute pairs (RBIL INT 10/AH=13h). */
static void write_string(struct vmp_bios *b, struct bios_call *c)
{
    unsigned page = BH(c) & 7, orow, ocol;
    get_cursor(b, page, &orow, &ocol);
    set_cursor(b, page, DH(c), DL(c));
    bool pairs = AL(c) & 2;
    for (uint32_t i = 0; i < R16(c, VMP_RCX); i++) {
        uint8_t ch, at = BL(c);
        uint32_t off = R16(c, VMP_RBP) + (pairs ? 2 * i : i);
        if (bios_rd8(b, seg_addr(c, VMP_ES, off), &ch) < 0 ||
            (pairs && bios_rd8(b, seg_addr(c, VMP_ES, off + 1), &at) < 0))
            break;
        unsigned row, col;
        get_cursor(b, page, &row, &col);
        /* Printable characters take the string's attribute; teletype then
         * keeps it while it moves the cursor (and maybe scrolls). */
        if (ch != 7 && ch != 8 && ch != 10 && ch != 13 && row < rows(b) && col < cols(b))
            vram_wr16(b, cell(b, page, row, col), (uint16_t)(at << 8 | ch));
        teletype(b, page, ch);
    }
    if (!(AL(c) & 1))
        set_cursor(b, page, orow, ocol);
}

void bios_int10(struct vmp_bios *b, struct bios_call *c)
{
    unsigned page = BH(c) & 7;
    switch (AH(c)) {
    case 0x00: /* set mode */
        if ((AL(c) & 0x7F) != 3 && (AL(c) & 0x7F) != 2) {
            bios_unsupported(b, c, TRAP_INT10);
            return;
        }
        bios_video_set_mode3(b, !(AL(c) & 0x80));
        set8l(c, VMP_RAX, 0x30); /* Phoenix/AMI: text mode flag */
        return;
    case 0x01: /* cursor shape CH start, CL end */
        bda_wr16(b, BDA_CURSOR_SHAPE, R16(c, VMP_RCX));
        crtc(b, 0x0A, CH(c));
        crtc(b, 0x0B, CL(c));
        return;
    case 0x02:
        set_cursor(b, page, DH(c), DL(c));
        return;
    case 0x03: {
        unsigned row, col;
        get_cursor(b, page, &row, &col);
        set16(c, VMP_RAX, 0);
        set16(c, VMP_RCX, bda_rd16(b, BDA_CURSOR_SHAPE));
        set16(c, VMP_RDX, (uint16_t)(row << 8 | col));
        return;
    }
    case 0x05: { /* active page */
        unsigned p = AL(c) & 7, row, col;
        bda_wr8(b, BDA_VID_PAGE, (uint8_t)p);
        bda_wr16(b, BDA_VID_PAGEOFF, (uint16_t)(p * PAGE_SIZE));
        crtc(b, 0x0C, (uint8_t)((p * PAGE_SIZE / 2) >> 8));
        crtc(b, 0x0D, 0);
        get_cursor(b, p, &row, &col);
        set_cursor(b, p, row, col);
        return;
    }
    case 0x06:
    case 0x07:
        scroll(b, bda_rd8(b, BDA_VID_PAGE), AL(c), BH(c), CH(c), CL(c), DH(c), DL(c),
               AH(c) == 0x06);
        return;
    case 0x08: { /* read char and attribute at the cursor */
        unsigned row, col;
        get_cursor(b, page, &row, &col);
        if (row >= rows(b) || col >= cols(b))
            row = col = 0;
        set16(c, VMP_RAX, vram_rd16(b, cell(b, page, row, col)));
        return;
    }
    case 0x09:
        write_chars(b, c, true);
        return;
    case 0x0A:
        write_chars(b, c, false);
        return;
    case 0x0E:
        teletype(b, bda_rd8(b, BDA_VID_PAGE), AL(c));
        return;
    case 0x0F:
        set8l(c, VMP_RAX, bda_rd8(b, BDA_VID_MODE));
        set8h(c, VMP_RAX, (uint8_t)cols(b));
        set8h(c, VMP_RBX, bda_rd8(b, BDA_VID_PAGE));
        return;
    case 0x12:
        if (BL(c) == 0x10) { /* EGA/VGA information: colour, 256 KiB */
            set16(c, VMP_RBX, 0x0003);
            set16(c, VMP_RCX, bda_rd8(b, BDA_VID_SWITCHES) & 0x0F);
            return;
        }
        bios_unsupported(b, c, TRAP_INT10);
        return;
    case 0x13:
        write_string(b, c);
        return;
    case 0x1A:
        if (AL(c) == 0x00) { /* display combination: VGA with colour display */
            set8l(c, VMP_RAX, 0x1A);
            set16(c, VMP_RBX, 0x0008);
            return;
        }
        bios_unsupported(b, c, TRAP_INT10);
        return;
    default:
        bios_unsupported(b, c, TRAP_INT10);
        return;
    }
}
