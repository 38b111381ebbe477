import CZlib
import Foundation

/// The IDX format of the MNIST family: a magic number giving the element type and rank,
/// big-endian dimensions, then the elements. Files may be gzip-compressed.
public enum IDX {
    /// Reads an IDX file of unsigned bytes (`.gz` or plain), returning its dimensions and data.
    public static func readBytes(_ path: String) throws -> (dims: [Int], data: [UInt8]) {
        let bytes = try readMaybeGzipped(path)
        guard bytes.count >= 4, bytes[0] == 0, bytes[1] == 0 else {
            throw DataError.corrupt(file: path, reason: "not an IDX file (bad magic number)")
        }
        guard bytes[2] == 0x08 else {
            throw DataError.corrupt(file: path, reason: "IDX element type 0x\(String(bytes[2], radix: 16)) is not unsigned byte")
        }
        let rank = Int(bytes[3])
        guard rank >= 1, bytes.count >= 4 + 4 * rank else {
            throw DataError.corrupt(file: path, reason: "truncated IDX header")
        }
        var dims: [Int] = []
        for i in 0..<rank {
            let o = 4 + 4 * i
            dims.append(Int(bytes[o]) << 24 | Int(bytes[o + 1]) << 16 | Int(bytes[o + 2]) << 8 | Int(bytes[o + 3]))
        }
        let start = 4 + 4 * rank
        let expected = dims.reduce(1, *)
        guard bytes.count - start == expected else {
            throw DataError.corrupt(file: path, reason: "IDX header promises \(expected) bytes of data, file holds \(bytes.count - start)")
        }
        return (dims, Array(bytes[start...]))
    }

    /// The whole file, gunzipped when it is gzip-compressed (zlib reads plain files as they are).
    static func readMaybeGzipped(_ path: String) throws -> [UInt8] {
        guard let file = gzopen(path, "rb") else {
            throw DataError.unreadable(file: path, reason: String(cString: strerror(errno)))
        }
        defer { gzclose(file) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = chunk.withUnsafeMutableBytes { gzread(file, $0.baseAddress, UInt32($0.count)) }
            if n < 0 { throw DataError.corrupt(file: path, reason: "gzip stream is damaged") }
            if n == 0 { break }
            out.append(contentsOf: chunk[..<Int(n)])
        }
        return out
    }
}
