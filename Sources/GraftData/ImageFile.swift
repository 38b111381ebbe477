import Foundation
import GraftCore

extension Image {
    /// Reads and decodes the JPEG or PNG file at `path`, choosing the codec by the file's
    /// first bytes, not its extension. `minimumShorterSide` lets the JPEG decoder scale down
    /// (see `decodeJPEG`); leave it nil for torchvision's pixels. Errors name the file.
    public init(contentsOf path: String, minimumShorterSide: Int? = nil) throws {
        self = try Image.decode(try readFile(path), minimumShorterSide: minimumShorterSide, source: path)
    }

    /// Decodes JPEG or PNG `data`, choosing the codec by its first bytes; `source` names the
    /// data in errors.
    public static func decode(_ data: [UInt8], minimumShorterSide: Int? = nil, source: String = "image data") throws -> Image {
        switch ImageFormat(sniffing: data) {
        case .jpeg: return try decodeJPEG(data, minimumShorterSide: minimumShorterSide, source: source)
        case .png: return try decodePNG(data, source: source)
        case .unsupported(let what):
            throw DataError.corrupt(file: source, reason: "unsupported image format: \(what); Graft reads JPEG and PNG")
        }
    }
}

/// What an image file's first bytes say it is.
enum ImageFormat: Equatable {
    case jpeg, png
    /// Not JPEG or PNG; says what it looks like.
    case unsupported(String)

    init(sniffing data: [UInt8]) {
        func starts(_ magic: [UInt8]) -> Bool { data.starts(with: magic) }
        let ascii = { (s: String) in Array(s.utf8) }
        if starts([0xFF, 0xD8, 0xFF]) { self = .jpeg; return }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { self = .png; return }
        if data.isEmpty { self = .unsupported("the file is empty"); return }
        if starts(ascii("GIF8")) { self = .unsupported("GIF"); return }
        if starts(ascii("BM")) { self = .unsupported("BMP"); return }
        if starts(ascii("II*\0")) || starts(ascii("MM\0*")) { self = .unsupported("TIFF"); return }
        if starts(ascii("RIFF")) && data.count >= 12 && Array(data[8..<12]) == ascii("WEBP") {
            self = .unsupported("WebP"); return
        }
        if data.count >= 12 && Array(data[4..<8]) == ascii("ftyp") { self = .unsupported("HEIF/AVIF"); return }
        self = .unsupported("neither JPEG nor PNG (\(describeContent(data)))")
    }
}

/// The bytes of the file at `path`; errors name the file and give the system's reason.
func readFile(_ path: String) throws -> [UInt8] {
    guard let file = fopen(path, "rb") else {
        throw DataError.unreadable(file: path, reason: errnoText())
    }
    defer { fclose(file) }
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
        if n > 0 { out.append(contentsOf: chunk[..<n]) }
        if n < chunk.count {
            if ferror(file) != 0 { throw DataError.unreadable(file: path, reason: errnoText()) }
            return out
        }
    }
}
