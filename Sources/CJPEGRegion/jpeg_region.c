#include "jpeg_region.h"
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <jpeglib.h>

typedef struct {
    struct jpeg_error_mgr base;
    jmp_buf jump;
} region_error;

static void region_error_exit(j_common_ptr cinfo) {
    longjmp(((region_error *)cinfo->err)->jump, 1);
}

/* Warnings are counted (base.num_warnings) but not printed. */
static void region_emit_message(j_common_ptr cinfo, int level) {
    if (level < 0) cinfo->err->num_warnings++;
}

int graft_jpeg_decode_rows(const unsigned char *data, unsigned long size, int channels,
                           int top, int left, int height, int width,
                           unsigned char *out, int *out_left, int *out_width,
                           char *message, int message_size) {
    struct jpeg_decompress_struct cinfo;
    region_error err;
    memset(&cinfo, 0, sizeof cinfo);
    cinfo.err = jpeg_std_error(&err.base);
    err.base.error_exit = region_error_exit;
    err.base.emit_message = region_emit_message;
    if (setjmp(err.jump)) {
        if (message && message_size >= JMSG_LENGTH_MAX) (*cinfo.err->format_message)((j_common_ptr)&cinfo, message);
        jpeg_destroy_decompress(&cinfo);
        return GRAFT_JPEG_REGION_ERROR;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, size);
    jpeg_read_header(&cinfo, TRUE);
    cinfo.out_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_EXT_RGB;
    jpeg_start_decompress(&cinfo);
    int image_width = (int)cinfo.output_width, image_height = (int)cinfo.output_height;
    if ((int)cinfo.output_components != channels || top < 0 || left < 0 || height <= 0 || width <= 0
        || top + height > image_height || left + width > image_width) {
        jpeg_destroy_decompress(&cinfo);
        return GRAFT_JPEG_REGION_UNSUITABLE;
    }
    int imcu_width = cinfo.max_h_samp_factor * DCTSIZE, imcu_height = cinfo.max_v_samp_factor * DCTSIZE;
    int x0 = left - imcu_width, x1 = left + width + imcu_width;
    if (x0 < 0) x0 = 0;
    if (x1 > image_width) x1 = image_width;
    JDIMENSION xoffset = (JDIMENSION)x0, cropped = (JDIMENSION)(x1 - x0);
    jpeg_crop_scanline(&cinfo, &xoffset, &cropped);  /* aligns xoffset down to an iMCU column */
    int skip = top - top % imcu_height;
    if (skip > 0) jpeg_skip_scanlines(&cinfo, (JDIMENSION)skip);
    /* Rows before `top` (after the skip) go to a scratch row, the others straight into `out`. */
    JSAMPARRAY scratch = (*cinfo.mem->alloc_sarray)((j_common_ptr)&cinfo, JPOOL_IMAGE, cropped * (JDIMENSION)channels, 1);
    while ((int)cinfo.output_scanline < top + height) {
        int y = (int)cinfo.output_scanline, count = 0;
        JSAMPROW rows[16];
        for (; count < 16 && y + count < top + height; count++)
            rows[count] = y + count < top ? scratch[0] : out + (size_t)(y + count - top) * cropped * (size_t)channels;
        jpeg_read_scanlines(&cinfo, rows, (JDIMENSION)count);
    }
    *out_left = (int)xoffset;
    *out_width = (int)cropped;
    int warned = err.base.num_warnings > 0;
    jpeg_abort_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    return warned ? GRAFT_JPEG_REGION_WARNED : GRAFT_JPEG_REGION_OK;
}
