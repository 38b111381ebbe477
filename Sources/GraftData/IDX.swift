import CZlib
import Foundation
import GraftCore

/// The IDX format of the MNIST family: a magic number giving the element type and rank,
/// big-endian dimensions, then the elements. Files may be gzip-compressed.
public enum IDX {
    /// The most data bytes an IDX file may declare: 1 GiB (EMNIST's largest file holds
    /// 547 MB). A gzip file is inflated only as far as its header says, so a crafted
    /// header or a compression bomb cannot make the reader allocate without bound.
    public static let maximumDataLength = 1 << 30

    /// Reads an IDX file of unsigned bytes (`.gz` or plain), returning its dimensions and data.
    /// Throws, naming the file, when the header is malformed, its dimensions' product exceeds
    /// `maximumDataLength`, or the data is shorter or longer than they say.
    public static func readBytes(_ path: String) throws -> (dims: [Int], data: [UInt8]) {
        // zlib reads plain files as they are.
        guard let file = gzopen(path, "rb") else {
            throw DataError.unreadable(file: path, reason: errnoText())
        }
        defer { gzclose(file) }
        func corrupt(_ reason: String) -> DataError { .corrupt(file: path, reason: reason) }
        let magic = try read(file, 4, path: path)
        guard magic.count == 4, magic[0] == 0, magic[1] == 0 else { throw corrupt("not an IDX file (bad magic number)") }
        guard magic[2] == 0x08 else { throw corrupt("IDX element type 0x\(String(magic[2], radix: 16)) is not unsigned byte") }
        let rank = Int(magic[3])
        let header = try read(file, 4 * rank, path: path)
        guard rank >= 1, header.count == 4 * rank else { throw corrupt("truncated IDX header") }
        let dims = (0..<rank).map { i in header[4 * i..<4 * i + 4].reduce(0) { $0 << 8 | Int($1) } }
        var expected = 1
        for d in dims {
            let (product, overflow) = expected.multipliedReportingOverflow(by: d)
            guard !overflow, product <= maximumDataLength else {
                throw corrupt("IDX dimensions \(dims.map(String.init).joined(separator: "×")) exceed the limit of \(maximumDataLength) bytes of data")
            }
            expected = product
        }
        let data = try read(file, expected, path: path)
        guard data.count == expected else {
            throw corrupt("IDX header promises \(expected) bytes of data, file holds \(data.count)")
        }
        guard try read(file, 1, path: path).isEmpty else {
            throw corrupt("the file holds more than the \(expected) bytes of data its IDX header promises")
        }
        return (dims, data)
    }

    /// The next `count` bytes of `file`, gunzipped; fewer at its end.
    private static func read(_ file: gzFile, _ count: Int, path: String) throws -> [UInt8] {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: min(count, 1 << 20))
        while out.count < count {
            let wanted = UInt32(min(chunk.count, count - out.count))
            let n = chunk.withUnsafeMutableBytes { gzread(file, $0.baseAddress, wanted) }
            if n < 0 { throw DataError.corrupt(file: path, reason: "gzip stream is damaged") }
            if n == 0 { break }
            out.append(contentsOf: chunk[..<Int(n)])
        }
        return out
    }
}
