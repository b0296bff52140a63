/* State streams (state.h): nesting, versions, truncation, validation. */
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

START_TEST(roundtrip_nested)
{
    struct vmp_state_writer w;
    vmp_state_writer_init(&w);
    vmp_state_begin(&w, "board", 1);
    vmp_state_put_u32(&w, 0xDEADBEEF);
    vmp_state_begin(&w, "uart", 2);
    vmp_state_put_u8(&w, 0x42);
    vmp_state_put_u16(&w, 0x1234);
    vmp_state_put_u64(&w, 0x0102030405060708ull);
    vmp_state_put_bool(&w, true);
    vmp_state_put_bytes(&w, "abc", 3);
    vmp_state_end(&w);
    vmp_state_end(&w);
    ck_assert_int_eq(vmp_state_writer_status(&w), 0);

    struct vmp_state_reader r;
    uint32_t ver;
    char b[3];
    vmp_state_reader_init(&r, w.buf, w.len);
    ck_assert_int_eq(vmp_state_open(&r, "board", 1, &ver), 0);
    ck_assert_uint_eq(vmp_state_get_u32(&r), 0xDEADBEEF);
    ck_assert_int_eq(vmp_state_open(&r, "uart", 3, &ver), 0);
    ck_assert_uint_eq(ver, 2);
    ck_assert_uint_eq(vmp_state_get_u8(&r), 0x42);
    ck_assert_uint_eq(vmp_state_get_u16(&r), 0x1234);
    ck_assert_uint_eq(vmp_state_get_u64(&r), 0x0102030405060708ull);
    ck_assert(vmp_state_get_bool(&r));
    vmp_state_get_bytes(&r, b, 3);
    ck_assert(memcmp(b, "abc", 3) == 0);
    ck_assert_int_eq(vmp_state_close(&r), 0);
    ck_assert_int_eq(vmp_state_close(&r), 0);
    vmp_state_writer_free(&w);
}
END_TEST

static void one_section(struct vmp_state_writer *w, const char *tag, uint32_t ver)
{
    vmp_state_writer_init(w);
    vmp_state_begin(w, tag, ver);
    vmp_state_put_u32(w, 7);
    vmp_state_put_u8(w, 2);
    vmp_state_end(w);
}

START_TEST(rejects_bad_streams)
{
    struct vmp_state_writer w;
    struct vmp_state_reader r;
    one_section(&w, "pit", 3);
    /* Wrong tag, newer version. */
    vmp_state_reader_init(&r, w.buf, w.len);
    ck_assert_int_eq(vmp_state_open(&r, "rtc", 3, NULL), -EBADMSG);
    vmp_state_reader_init(&r, w.buf, w.len);
    ck_assert_int_eq(vmp_state_open(&r, "pit", 2, NULL), -EPROTONOSUPPORT);
    /* Unread bytes left in a section. */
    vmp_state_reader_init(&r, w.buf, w.len);
    ck_assert_int_eq(vmp_state_open(&r, "pit", 3, NULL), 0);
    vmp_state_get_u32(&r);
    ck_assert_int_eq(vmp_state_close(&r), -EBADMSG);
    /* Reading past a section's end, even with buffer bytes after it. */
    vmp_state_reader_init(&r, w.buf, w.len);
    ck_assert_int_eq(vmp_state_open(&r, "pit", 3, NULL), 0);
    ck_assert_uint_eq(vmp_state_get_u64(&r), 0);
    ck_assert_int_eq(vmp_state_close(&r), -EBADMSG);
    /* Validation helpers. */
    vmp_state_reader_init(&r, w.buf, w.len);
    ck_assert_int_eq(vmp_state_open(&r, "pit", 3, NULL), 0);
    ck_assert_uint_eq(vmp_state_get_u32_max(&r, 6), 0);
    vmp_state_get_u8(&r);
    ck_assert_int_eq(vmp_state_close(&r), -EINVAL);
    vmp_state_reader_init(&r, w.buf, w.len);
    ck_assert_int_eq(vmp_state_open(&r, "pit", 3, NULL), 0);
    vmp_state_get_u32(&r);
    vmp_state_get_bool(&r); /* the byte is 2: not a bool */
    ck_assert_int_eq(vmp_state_close(&r), -EINVAL);
    /* Every truncation fails. */
    for (size_t n = 0; n < w.len; n++) {
        vmp_state_reader_init(&r, w.buf, n);
        int err = vmp_state_open(&r, "pit", 3, NULL);
        vmp_state_get_u32(&r);
        vmp_state_get_u8(&r);
        if (!err)
            err = vmp_state_close(&r);
        ck_assert_int_ne(err, 0);
    }
    /* A length field claiming more than the buffer holds. */
    w.buf[1 + 3 + 4] = 0xFF;
    vmp_state_reader_init(&r, w.buf, w.len);
    ck_assert_int_eq(vmp_state_open(&r, "pit", 3, NULL), -EBADMSG);
    vmp_state_writer_free(&w);
}
END_TEST

START_TEST(writer_misuse)
{
    struct vmp_state_writer w;
    vmp_state_writer_init(&w);
    vmp_state_begin(&w, "x", 1);
    ck_assert_int_eq(vmp_state_writer_status(&w), -EINVAL); /* unbalanced */
    /* ...but no error yet: a part saved inside an open section returns 0 */
    ck_assert_int_eq(vmp_state_writer_error(&w), 0);
    vmp_state_end(&w);
    ck_assert_int_eq(vmp_state_writer_status(&w), 0);
    vmp_state_end(&w);
    ck_assert_int_eq(vmp_state_writer_status(&w), -EINVAL);
    vmp_state_writer_free(&w);
    vmp_state_writer_init(&w);
    vmp_state_begin(&w, "", 1);
    ck_assert_int_eq(vmp_state_writer_status(&w), -EINVAL);
    ck_assert_int_eq(vmp_state_writer_error(&w), -EINVAL); /* a bad tag sticks */
    vmp_state_writer_free(&w);
    vmp_state_writer_init(&w);
    vmp_state_begin(&w, "v0", 0);
    ck_assert_int_eq(vmp_state_writer_status(&w), -EINVAL);
    vmp_state_writer_free(&w);
}
END_TEST

START_TEST(timer_state)
{
    struct vmp_clock *clk = vmp_clock_create(NULL, NULL);
    struct vmp_timer *t = vmp_timer_create(clk, (vmp_timer_fn)abort, NULL);
    struct vmp_state_writer w;
    vmp_state_writer_init(&w);
    vmp_state_put_timer(&w, t);
    vmp_timer_arm(t, 12345);
    vmp_state_put_timer(&w, t);
    struct vmp_state_reader r;
    vmp_state_reader_init(&r, w.buf, w.len);
    ck_assert_uint_eq(vmp_state_get_timer(&r), VMP_TIME_NEVER);
    ck_assert_uint_eq(vmp_state_get_timer(&r), 12345);
    vmp_state_writer_free(&w);
    vmp_clock_destroy(clk);
}
END_TEST

START_TEST(strerror_names)
{
    ck_assert_str_eq(vmp_strerror(-EEXIST), "range overlaps an existing region");
    ck_assert_str_eq(vmp_strerror(-EFAULT), "guest address not backed by memory");
    ck_assert_ptr_nonnull(vmp_strerror(-9999));
    ck_assert_ptr_nonnull(vmp_strerror(5));
}
END_TEST

START_TEST(ratelimited_log)
{
    struct test_log tl;
    struct vmp_ratelimit rl = { 0 };
    test_log_init(&tl);
    for (int i = 0; i < 100; i++)
        vmp_logf_limited(&tl.log, &rl, VMP_LOG_WARN, "guest did %d", i);
    ck_assert_uint_eq(tl.count, VMP_RATELIMIT_BURST + 1);
    ck_assert_str_eq(tl.last, "(further messages of this kind suppressed)");
    vmp_logf(NULL, VMP_LOG_ERROR, "dropped");
    vmp_logf(&tl.log, VMP_LOG_ERROR, "x=%d", 3);
    ck_assert_str_eq(tl.last, "x=3");
}
END_TEST

Suite *state_suite(void)
{
    Suite *s = suite_create("state");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, roundtrip_nested);
    tcase_add_test(tc, rejects_bad_streams);
    tcase_add_test(tc, writer_misuse);
    tcase_add_test(tc, timer_state);
    tcase_add_test(tc, strerror_names);
    tcase_add_test(tc, ratelimited_log);
    suite_add_tcase(s, tc);
    return s;
}
