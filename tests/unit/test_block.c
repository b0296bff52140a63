/* Block back ends: bounds checks, read-only, raw files (storage.h;
 * models/storage/block.c and block_file.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <vmparts/storage.h>
#include "helpers.h"

START_TEST(mem_bounds)
{
    uint8_t disk[4 * 512 + 100], buf[3 * 512];
    for (size_t i = 0; i < sizeof(disk); i++)
        disk[i] = (uint8_t)i;
    struct vmp_block *b = vmp_block_open_mem(disk, sizeof(disk), false);
    ck_assert_ptr_nonnull(b);
    ck_assert_uint_eq(vmp_block_sectors(b), 4); /* the partial sector is not a sector */
    ck_assert_int_eq(vmp_block_read(b, 1, buf, 3), 0);
    ck_assert_int_eq(memcmp(buf, disk + 512, sizeof(buf)), 0);
    ck_assert_int_eq(vmp_block_read(b, 2, buf, 3), -ERANGE);
    ck_assert_int_eq(vmp_block_read(b, 4, buf, 1), -ERANGE);
    ck_assert_int_eq(vmp_block_read(b, 4, buf, 0), 0);
    ck_assert_int_eq(vmp_block_read(b, 5, buf, 0), -ERANGE);
    ck_assert_int_eq(vmp_block_read(b, UINT64_MAX, buf, 2), -ERANGE);
    memset(buf, 0x77, 512);
    ck_assert_int_eq(vmp_block_write(b, 3, buf, 1), 0);
    ck_assert_uint_eq(disk[3 * 512 + 9], 0x77);
    ck_assert_uint_eq(disk[4 * 512], (uint8_t)(4 * 512)); /* tail untouched */
    ck_assert_int_eq(vmp_block_write(b, 3, buf, 2), -ERANGE);
    ck_assert_int_eq(vmp_block_flush(b), 0);
    vmp_block_close(b);
    ck_assert_ptr_null(vmp_block_open_mem(disk, 511, false));
}
END_TEST

START_TEST(mem_readonly)
{
    uint8_t disk[1024] = {0}, buf[512] = {1};
    struct vmp_block *b = vmp_block_open_mem(disk, sizeof(disk), true);
    ck_assert(vmp_block_readonly(b));
    ck_assert_int_eq(vmp_block_write(b, 0, buf, 1), -EROFS);
    ck_assert_uint_eq(disk[0], 0);
    vmp_block_close(b);
}
END_TEST

START_TEST(file_rw)
{
    char path[] = "/tmp/vmp_block_XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    uint8_t data[8 * 512];
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)(i * 3);
    ck_assert_int_eq(write(fd, data, sizeof(data)), (int)sizeof(data));
    close(fd);

    int err = 0;
    struct vmp_block *b = vmp_block_open_file(path, false, &err);
    ck_assert_ptr_nonnull(b);
    ck_assert_uint_eq(vmp_block_sectors(b), 8);
    uint8_t buf[1024];
    ck_assert_int_eq(vmp_block_read(b, 6, buf, 2), 0);
    ck_assert_int_eq(memcmp(buf, data + 6 * 512, 1024), 0);
    ck_assert_int_eq(vmp_block_read(b, 7, buf, 2), -ERANGE);
    memset(buf, 0xA5, 512);
    ck_assert_int_eq(vmp_block_write(b, 2, buf, 1), 0);
    ck_assert_int_eq(vmp_block_flush(b), 0);
    vmp_block_close(b);

    b = vmp_block_open_file(path, true, &err);
    ck_assert_ptr_nonnull(b);
    ck_assert_int_eq(vmp_block_read(b, 2, buf, 1), 0);
    ck_assert_uint_eq(buf[0], 0xA5);
    ck_assert_uint_eq(buf[511], 0xA5);
    ck_assert_int_eq(vmp_block_write(b, 2, buf, 1), -EROFS);
    vmp_block_close(b);

    /* Less than a sector: refused. */
    ck_assert_int_eq(truncate(path, 100), 0);
    ck_assert_ptr_null(vmp_block_open_file(path, true, &err));
    ck_assert_int_eq(err, -EINVAL);
    unlink(path);
    ck_assert_ptr_null(vmp_block_open_file(path, true, &err));
    ck_assert_int_eq(err, -ENOENT);
}
END_TEST

Suite *block_suite(void)
{
    Suite *s = suite_create("block");
    TCase *tc = tcase_create("block");
    tcase_add_test(tc, mem_bounds);
    tcase_add_test(tc, mem_readonly);
    tcase_add_test(tc, file_rw);
    suite_add_tcase(s, tc);
    return s;
}
