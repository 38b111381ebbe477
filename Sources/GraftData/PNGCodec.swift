import CImageCodecs
import Foundation
import GraftCore

extension Image {
    /// Decodes a PNG with libspng. Greyscale and grey+alpha PNGs give 1 channel; RGB, RGBA and
    /// palette PNGs give 3. Alpha (an alpha channel or a tRNS chunk) is dropped, not composited,
    /// as PIL's `convert("RGB")` drops it. Bit depths below 8 are scaled to 0…255; 16-bit
    /// samples keep their high byte, as PIL reads every 16-bit PNG except greyscale (which PIL
    /// reads as 32-bit integers and `convert` clamps at 255). No gamma correction, as PIL.
    /// Corrupt or truncated data throws `DataError.corrupt` naming `source`.
    public static func decodePNG(_ data: [UInt8], source: String = "PNG data") throws -> Image {
        guard let ctx = spng_ctx_new(0) else {
            throw DataError.corrupt(file: source, reason: "cannot start the PNG decoder")
        }
        defer { spng_ctx_free(ctx) }
        func check(_ status: Int32, _ what: String) throws {
            guard status != 0 else { return }
            let truncation = [SPNG_IO_EOF, SPNG_EOF, SPNG_EIDAT_TOO_SHORT].map { Int32($0.rawValue) }
            let reason = truncation.contains(status)
                ? "truncated PNG: the data ends before the image does (\(what))"
                : "corrupt PNG (\(what)): \(String(cString: spng_strerror(status)))"
            throw DataError.corrupt(file: source, reason: reason)
        }
        // Ancillary chunks (text, ICC profiles) may not inflate past these sizes.
        try check(spng_set_chunk_limits(ctx, 16 << 20, 64 << 20), "limits")
        return try data.withUnsafeBytes { buffer in
            try check(spng_set_png_buffer(ctx, buffer.baseAddress, buffer.count), "signature")
            var ihdr = spng_ihdr()
            try check(spng_get_ihdr(ctx, &ihdr), "header")
            let (w, h) = (Int(ihdr.width), Int(ihdr.height))
            guard w * h <= maximumPixelCount else {
                throw DataError.corrupt(file: source, reason: "PNG of \(w)×\(h) pixels exceeds the limit of \(maximumPixelCount)")
            }
            // The libspng format to decode to, its bytes per pixel, and where the kept
            // sample sits in a pixel (grey outputs; nil: RGB8, kept whole).
            let format: spng_format, stride: Int, grey: Int?
            switch (Int(ihdr.color_type), ihdr.bit_depth) {
            case (Int(SPNG_COLOR_TYPE_GRAYSCALE.rawValue), 16):
                (format, stride, grey) = (SPNG_FMT_GA16, 4, highByteOffset)
            case (Int(SPNG_COLOR_TYPE_GRAYSCALE.rawValue), _):
                (format, stride, grey) = (SPNG_FMT_G8, 1, 0)
            case (Int(SPNG_COLOR_TYPE_GRAYSCALE_ALPHA.rawValue), 16):
                (format, stride, grey) = (SPNG_FMT_PNG, 4, highByteOffset)
            case (Int(SPNG_COLOR_TYPE_GRAYSCALE_ALPHA.rawValue), _):
                (format, stride, grey) = (SPNG_FMT_PNG, 2, 0)
            default:
                (format, stride, grey) = (SPNG_FMT_RGB8, 3, nil)
            }
            let fmt = Int32(format.rawValue)
            var size = 0
            try check(spng_decoded_image_size(ctx, fmt, &size), "size")
            guard size == w * h * stride else {
                throw DataError.corrupt(file: source, reason: "unexpected PNG layout (\(size) bytes for \(w)×\(h))")
            }
            guard let offset = grey else {
                var status: Int32 = 0
                let image = Image(width: w, height: h, channels: 3) { out in
                    status = spng_decode_image(ctx, out.baseAddress, size, fmt, 0)
                }
                try check(status, "image data")
                return image
            }
            var decoded = [UInt8](repeating: 0, count: size)
            try check(spng_decode_image(ctx, &decoded, size, fmt, 0), "image data")
            return Image(width: w, height: h, channels: 1) { out in
                for i in 0..<(w * h) { out[i] = decoded[i * stride + offset] }
            }
        }
    }

    /// Where the high byte of a host-endian 16-bit sample lies.
    private static let highByteOffset = UInt16(1).littleEndian == 1 ? 1 : 0

    /// The image as a PNG file's bytes (8-bit grey, RGB or RGBA, by its channel count).
    public func encodePNG() throws -> [UInt8] {
        func failure(_ status: Int32) -> GraftError {
            GraftError.invalidArgument(op: "Image.encodePNG", detail: String(cString: spng_strerror(status)))
        }
        guard let ctx = spng_ctx_new(Int32(SPNG_CTX_ENCODER.rawValue)) else { throw failure(Int32(SPNG_EMEM.rawValue)) }
        defer { spng_ctx_free(ctx) }
        let colorType = channels == 1 ? SPNG_COLOR_TYPE_GRAYSCALE : channels == 3 ? SPNG_COLOR_TYPE_TRUECOLOR : SPNG_COLOR_TYPE_TRUECOLOR_ALPHA
        var ihdr = spng_ihdr(width: UInt32(width), height: UInt32(height), bit_depth: 8, color_type: UInt8(colorType.rawValue),
                             compression_method: 0, filter_method: 0, interlace_method: 0)
        for status in [spng_set_option(ctx, SPNG_ENCODE_TO_BUFFER, 1), spng_set_ihdr(ctx, &ihdr)] where status != 0 {
            throw failure(status)
        }
        let status = pixels.withUnsafeBytes {
            spng_encode_image(ctx, $0.baseAddress, $0.count, Int32(SPNG_FMT_PNG.rawValue), Int32(SPNG_ENCODE_FINALIZE.rawValue))
        }
        guard status == 0 else { throw failure(status) }
        var length = 0, error: Int32 = 0
        guard let buffer = spng_get_png_buffer(ctx, &length, &error), error == 0 else {
            throw failure(error == 0 ? Int32(SPNG_EINTERNAL.rawValue) : error)
        }
        defer { free(buffer) }
        return Array(UnsafeRawBufferPointer(start: buffer, count: length))
    }

    /// Writes the image as a PNG file at `path`; errors name the file.
    public func writePNG(to path: String) throws {
        let bytes = try encodePNG()
        guard let file = fopen(path, "wb") else {
            throw DataError.unwritable(file: path, reason: errnoText())
        }
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        let closed = fclose(file)
        guard written == bytes.count, closed == 0 else {
            throw DataError.unwritable(file: path, reason: errnoText())
        }
    }
}
