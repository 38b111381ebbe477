import CImageCodecs
import CJPEGRegion

/// An image file's bytes before decoding, for pipelines that need only part of the image (a
/// random crop): `decode(top:left:height:width:)` decodes just the rows and columns around
/// that box when the file allows it, with the same pixels as decoding it whole. That holds
/// for grey and YCbCr/RGB JPEGs (baseline or progressive) stored upright (EXIF orientation 1)
/// and ending with their end-of-image marker; anything else, or a file the partial decoder
/// warns about, is decoded whole, with `decode()`'s errors.
public struct EncodedImage: Sendable {
    public let data: [UInt8]
    /// Names the data in errors.
    public let source: String
    /// The decoded size and channel count, when a part can be decoded alone; nil otherwise.
    public let partialDecoding: (width: Int, height: Int, channels: Int)?

    /// Reads the header (a JPEG's) to see whether parts can be decoded alone.
    public init(data: [UInt8], source: String = "image data") {
        self.data = data; self.source = source
        partialDecoding = EncodedImage.partialDecoding(of: data)
    }

    /// The whole image, as `Image.decode`.
    public func decode() throws -> Image { try Image.decode(data, source: source) }

    /// An image covering rows `top ..< top + height` and columns `left ..< left + width` of
    /// `decode()` with the same pixels there, and where its top-left pixel lies in the whole
    /// image. Without partial decoding, the whole image at (0, 0).
    public func decode(top: Int, left: Int, height: Int, width: Int) throws -> (image: Image, top: Int, left: Int) {
        guard let whole = partialDecoding, top >= 0, left >= 0, height > 0, width > 0,
              top + height <= whole.height, left + width <= whole.width else { return (try decode(), 0, 0) }
        let c = whole.channels
        var status: Int32 = 0, outLeft: Int32 = 0, outWidth: Int32 = 0
        let pixels = [UInt8](unsafeUninitializedCapacity: height * whole.width * c) { buffer, initialized in
            status = graft_jpeg_decode_rows(data, UInt(data.count), Int32(c), Int32(top), Int32(left), Int32(height), Int32(width),
                                            buffer.baseAddress, &outLeft, &outWidth, nil, 0)
            initialized = status == Int32(GRAFT_JPEG_REGION_OK) ? height * Int(outWidth) * c : 0
        }
        guard status == Int32(GRAFT_JPEG_REGION_OK) else { return (try decode(), 0, 0) }
        return (Image(unchecked: Int(outWidth), height, c, pixels), top, Int(outLeft))
    }

    /// Size and channels of a JPEG that `graft_jpeg_decode_rows` can decode in part.
    static func partialDecoding(of data: [UInt8]) -> (width: Int, height: Int, channels: Int)? {
        guard ImageFormat(sniffing: data) == .jpeg, data.suffix(2).elementsEqual([0xFF, 0xD9]),
              EXIFOrientation.of(jpeg: data) == 1, let handle = tjInitDecompress() else { return nil }
        defer { tjDestroy(handle) }
        var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
        guard tjDecompressHeader3(handle, data, UInt(data.count), &width, &height, &subsampling, &colorspace) == 0,
              width > 0, height > 0, Int(width) * Int(height) <= Image.maximumPixelCount,
              Image.codes(width: width, height: height, in: data) else { return nil }
        switch colorspace {
        case Int32(TJCS_GRAY.rawValue): return (Int(width), Int(height), 1)
        case Int32(TJCS_CMYK.rawValue), Int32(TJCS_YCCK.rawValue): return nil
        default: return (Int(width), Int(height), 3)
        }
    }
}
