#ifndef GRAFT_JPEG_REGION_H
#define GRAFT_JPEG_REGION_H

/// Results of graft_jpeg_decode_rows.
enum {
    GRAFT_JPEG_REGION_OK = 0,
    /// The decoder warned (corrupt or truncated data): decode the whole image instead.
    GRAFT_JPEG_REGION_WARNED = 1,
    /// A fatal decoder error; `message` says which.
    GRAFT_JPEG_REGION_ERROR = 2,
    /// The request does not fit the image (channels, bounds).
    GRAFT_JPEG_REGION_UNSUITABLE = 3,
};

/// Decodes rows [top, top + height) of the JPEG in `data` with libjpeg-turbo's accurate integer
/// DCT and fancy upsampling (TurboJPEG's defaults), as `channels` (1: grey, 3: RGB) bytes per
/// pixel, only the columns around [left, left + width): whole iMCU columns with one iMCU of
/// margin either side, clipped to the image, so that the upsampler's handling of the cut
/// edges falls outside [left, left + width) and those pixels equal a full decode's. Rows
/// above `top` are skipped (entropy-decoded only), rows below are not decoded. `out` receives
/// `height` rows of `*out_width` pixels whose first is column `*out_left`; it must hold
/// height × image width × channels bytes.
int graft_jpeg_decode_rows(const unsigned char *data, unsigned long size, int channels,
                           int top, int left, int height, int width,
                           unsigned char *out, int *out_left, int *out_width,
                           char *message, int message_size);

#endif
