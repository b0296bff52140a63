/* Scancodes: Linux input keycodes to PS/2 scancode set 2, and the 8042's
 * set-2 to set-1 translation.
 *
 * Set 2 is the keyboard's native set (IBM PC/AT Technical Reference,
 * keyboard "Scan Code Set 2"; Microsoft "Keyboard Scan Code
 * Specification" rev. 1.3a for the Windows, ACPI and media keys): a make
 * code, and for a break the prefix F0 before it; extended keys carry E0
 * before both. Set 1 is what the controller's translation produces from
 * set 2 (and what a keyboard in set 1 sends), so it is derived here with
 * the same table rather than written twice. */
#include <linux/input-event-codes.h>

#include "ps2.h"

#define E0 0x100 /* the key's codes carry the E0 prefix */

/* Indexed by Linux keycode; 0 = no scancode. PrintScreen and Pause are
 * special cases in ps2_set2_sequence. */
static const uint16_t set2_of[KEY_MEDIA + 1] = {
    [KEY_ESC] = 0x76, [KEY_1] = 0x16, [KEY_2] = 0x1E, [KEY_3] = 0x26,
    [KEY_4] = 0x25, [KEY_5] = 0x2E, [KEY_6] = 0x36, [KEY_7] = 0x3D,
    [KEY_8] = 0x3E, [KEY_9] = 0x46, [KEY_0] = 0x45, [KEY_MINUS] = 0x4E,
    [KEY_EQUAL] = 0x55, [KEY_BACKSPACE] = 0x66, [KEY_TAB] = 0x0D,
    [KEY_Q] = 0x15, [KEY_W] = 0x1D, [KEY_E] = 0x24, [KEY_R] = 0x2D,
    [KEY_T] = 0x2C, [KEY_Y] = 0x35, [KEY_U] = 0x3C, [KEY_I] = 0x43,
    [KEY_O] = 0x44, [KEY_P] = 0x4D, [KEY_LEFTBRACE] = 0x54,
    [KEY_RIGHTBRACE] = 0x5B, [KEY_ENTER] = 0x5A, [KEY_LEFTCTRL] = 0x14,
    [KEY_A] = 0x1C, [KEY_S] = 0x1B, [KEY_D] = 0x23, [KEY_F] = 0x2B,
    [KEY_G] = 0x34, [KEY_H] = 0x33, [KEY_J] = 0x3B, [KEY_K] = 0x42,
    [KEY_L] = 0x4B, [KEY_SEMICOLON] = 0x4C, [KEY_APOSTROPHE] = 0x52,
    [KEY_GRAVE] = 0x0E, [KEY_LEFTSHIFT] = 0x12, [KEY_BACKSLASH] = 0x5D,
    [KEY_Z] = 0x1A, [KEY_X] = 0x22, [KEY_C] = 0x21, [KEY_V] = 0x2A,
    [KEY_B] = 0x32, [KEY_N] = 0x31, [KEY_M] = 0x3A, [KEY_COMMA] = 0x41,
    [KEY_DOT] = 0x49, [KEY_SLASH] = 0x4A, [KEY_RIGHTSHIFT] = 0x59,
    [KEY_KPASTERISK] = 0x7C, [KEY_LEFTALT] = 0x11, [KEY_SPACE] = 0x29,
    [KEY_CAPSLOCK] = 0x58, [KEY_F1] = 0x05, [KEY_F2] = 0x06, [KEY_F3] = 0x04,
    [KEY_F4] = 0x0C, [KEY_F5] = 0x03, [KEY_F6] = 0x0B, [KEY_F7] = 0x83,
    [KEY_F8] = 0x0A, [KEY_F9] = 0x01, [KEY_F10] = 0x09, [KEY_NUMLOCK] = 0x77,
    [KEY_SCROLLLOCK] = 0x7E, [KEY_KP7] = 0x6C, [KEY_KP8] = 0x75,
    [KEY_KP9] = 0x7D, [KEY_KPMINUS] = 0x7B, [KEY_KP4] = 0x6B, [KEY_KP5] = 0x73,
    [KEY_KP6] = 0x74, [KEY_KPPLUS] = 0x79, [KEY_KP1] = 0x69, [KEY_KP2] = 0x72,
    [KEY_KP3] = 0x7A, [KEY_KP0] = 0x70, [KEY_KPDOT] = 0x71,
    [KEY_102ND] = 0x61, [KEY_F11] = 0x78, [KEY_F12] = 0x07,
    /* Japanese and Brazilian keys */
    [KEY_RO] = 0x51, [KEY_KATAKANAHIRAGANA] = 0x13, [KEY_HENKAN] = 0x64,
    [KEY_MUHENKAN] = 0x67, [KEY_YEN] = 0x6A, [KEY_KPCOMMA] = 0x6D,
    [KEY_KPEQUAL] = 0x0F,
    [KEY_F13] = 0x08, [KEY_F14] = 0x10, [KEY_F15] = 0x18, [KEY_F16] = 0x20,
    [KEY_F17] = 0x28, [KEY_F18] = 0x30, [KEY_F19] = 0x38, [KEY_F20] = 0x40,
    [KEY_F21] = 0x48, [KEY_F22] = 0x50, [KEY_F23] = 0x57, [KEY_F24] = 0x5F,
    /* E0 keys */
    [KEY_KPENTER] = E0 | 0x5A, [KEY_RIGHTCTRL] = E0 | 0x14,
    [KEY_KPSLASH] = E0 | 0x4A, [KEY_RIGHTALT] = E0 | 0x11,
    [KEY_HOME] = E0 | 0x6C, [KEY_UP] = E0 | 0x75, [KEY_PAGEUP] = E0 | 0x7D,
    [KEY_LEFT] = E0 | 0x6B, [KEY_RIGHT] = E0 | 0x74, [KEY_END] = E0 | 0x69,
    [KEY_DOWN] = E0 | 0x72, [KEY_PAGEDOWN] = E0 | 0x7A,
    [KEY_INSERT] = E0 | 0x70, [KEY_DELETE] = E0 | 0x71,
    [KEY_LEFTMETA] = E0 | 0x1F, [KEY_RIGHTMETA] = E0 | 0x27,
    [KEY_COMPOSE] = E0 | 0x2F,
    /* ACPI keys */
    [KEY_POWER] = E0 | 0x37, [KEY_SLEEP] = E0 | 0x3F, [KEY_WAKEUP] = E0 | 0x5E,
    /* multimedia keys */
    [KEY_MUTE] = E0 | 0x23, [KEY_VOLUMEDOWN] = E0 | 0x21,
    [KEY_VOLUMEUP] = E0 | 0x32, [KEY_NEXTSONG] = E0 | 0x4D,
    [KEY_PREVIOUSSONG] = E0 | 0x15, [KEY_STOPCD] = E0 | 0x3B,
    [KEY_PLAYPAUSE] = E0 | 0x34, [KEY_MAIL] = E0 | 0x48,
    [KEY_CALC] = E0 | 0x2B, [KEY_COMPUTER] = E0 | 0x40,
    [KEY_HOMEPAGE] = E0 | 0x3A, [KEY_SEARCH] = E0 | 0x10,
    [KEY_BOOKMARKS] = E0 | 0x18, [KEY_REFRESH] = E0 | 0x20,
    [KEY_STOP] = E0 | 0x28, [KEY_FORWARD] = E0 | 0x30, [KEY_BACK] = E0 | 0x38,
    [KEY_MEDIA] = E0 | 0x50,
};

unsigned ps2_modifier_bit(unsigned keycode)
{
    switch (keycode) {
    case KEY_LEFTSHIFT: case KEY_RIGHTSHIFT: return PS2_MOD_SHIFT;
    case KEY_LEFTCTRL: case KEY_RIGHTCTRL: return PS2_MOD_CTRL;
    case KEY_LEFTALT: case KEY_RIGHTALT: return PS2_MOD_ALT;
    default: return 0;
    }
}

static int put(uint8_t *out, const uint8_t *b, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        out[i] = b[i];
    return (int)n;
}

int ps2_set2_sequence(unsigned keycode, bool pressed, unsigned mods,
                      uint8_t out[PS2_SEQ_MAX])
{
    if (keycode == KEY_SYSRQ || keycode == KEY_PRINT) {
        /* Print Screen (Microsoft scan code spec, "Print Screen"): with
         * Alt it is SysRq 84; with Shift or Ctrl the plain E0 7C; alone
         * it wraps E0 7C in a fake left shift. */
        static const uint8_t sysrq_mk[] = { 0x84 }, sysrq_br[] = { 0xF0, 0x84 };
        static const uint8_t prt_mk[] = { 0xE0, 0x7C }, prt_br[] = { 0xE0, 0xF0, 0x7C };
        static const uint8_t full_mk[] = { 0xE0, 0x12, 0xE0, 0x7C };
        static const uint8_t full_br[] = { 0xE0, 0xF0, 0x7C, 0xE0, 0xF0, 0x12 };
        if (mods & PS2_MOD_ALT)
            return pressed ? put(out, sysrq_mk, 1) : put(out, sysrq_br, 2);
        if (mods & (PS2_MOD_SHIFT | PS2_MOD_CTRL))
            return pressed ? put(out, prt_mk, 2) : put(out, prt_br, 3);
        return pressed ? put(out, full_mk, 4) : put(out, full_br, 6);
    }
    if (keycode == KEY_PAUSE) {
        /* Pause sends make and break together on the press and nothing on
         * the release; with Ctrl it is Break, E0 7E E0 F0 7E. */
        static const uint8_t pause[] = { 0xE1, 0x14, 0x77, 0xE1, 0xF0, 0x14, 0xF0, 0x77 };
        static const uint8_t brk[] = { 0xE0, 0x7E, 0xE0, 0xF0, 0x7E };
        if (!pressed)
            return 0;
        return (mods & PS2_MOD_CTRL) ? put(out, brk, 5) : put(out, pause, 8);
    }
    if (keycode >= sizeof set2_of / sizeof set2_of[0] || !set2_of[keycode])
        return -ENOENT;
    unsigned code = set2_of[keycode], n = 0;
    if (code & E0)
        out[n++] = 0xE0;
    if (!pressed)
        out[n++] = 0xF0;
    out[n++] = (uint8_t)code;
    return (int)n;
}

/* The 8042 translation table (IBM PC/AT Technical Reference, keyboard
 * controller; the set-1 code of each set-2 key). Bytes from 0x85 up,
 * which are prefixes and answers (E0, E1, FA, AA, EE...), pass unchanged. */
static const uint8_t xlate[0x85] = {
    0xFF, 0x43, 0x41, 0x3F, 0x3D, 0x3B, 0x3C, 0x58, 0x64, 0x44, 0x42, 0x40, 0x3E, 0x0F, 0x29, 0x59,
    0x65, 0x38, 0x2A, 0x70, 0x1D, 0x10, 0x02, 0x5A, 0x66, 0x71, 0x2C, 0x1F, 0x1E, 0x11, 0x03, 0x5B,
    0x67, 0x2E, 0x2D, 0x20, 0x12, 0x05, 0x04, 0x5C, 0x68, 0x39, 0x2F, 0x21, 0x14, 0x13, 0x06, 0x5D,
    0x69, 0x31, 0x30, 0x23, 0x22, 0x15, 0x07, 0x5E, 0x6A, 0x72, 0x32, 0x24, 0x16, 0x08, 0x09, 0x5F,
    0x6B, 0x33, 0x25, 0x17, 0x18, 0x0B, 0x0A, 0x60, 0x6C, 0x34, 0x35, 0x26, 0x27, 0x19, 0x0C, 0x61,
    0x6D, 0x73, 0x28, 0x74, 0x1A, 0x0D, 0x62, 0x6E, 0x3A, 0x36, 0x1C, 0x1B, 0x75, 0x2B, 0x63, 0x76,
    0x55, 0x56, 0x77, 0x78, 0x79, 0x7A, 0x0E, 0x7B, 0x7C, 0x4F, 0x7D, 0x4B, 0x47, 0x7E, 0x7F, 0x6F,
    0x52, 0x53, 0x50, 0x4C, 0x4D, 0x48, 0x01, 0x45, 0x57, 0x4E, 0x51, 0x4A, 0x37, 0x49, 0x46, 0x54,
    0x80, 0x81, 0x82, 0x41, 0x54,
};

uint8_t ps2_translate(uint8_t set2)
{
    return set2 < sizeof xlate ? xlate[set2] : set2;
}
