import Foundation
import GraftCore
import GraftData

/// The outputs of a frozen prefix for each image and view of a data set (`PrefixCache`), held
/// in memory or read from the cache file per batch.
public final class PrefixRows {
    public let views: Int
    public let labels: [Int]
    /// The prefix's output for one image.
    public let rowShape: [Int]
    public let precision: CachePrecision
    /// The values in the file's layout (`[views, images, row…]`), when held in memory.
    private let memory: [UInt8]?
    /// The open cache file and the offset of its values, when read from it.
    private let file: (path: String, descriptor: Int32, offset: Int)?
    private let rowBytes: Int

    public var count: Int { labels.count }
    /// Whether the values are in memory (else read from the file).
    public var inMemory: Bool { memory != nil }

    init(memory: [UInt8], labels: [Int], job: PrefixCache.Job) {
        views = job.views; self.labels = labels; rowShape = job.rowShape; precision = job.precision
        rowBytes = job.rowBytes; self.memory = memory; file = nil
    }

    /// The rows in the file at `path` when it is `job`'s cache (its header is `header` and it
    /// holds the labels `labels`); throws otherwise.
    init(reading path: String, header: [UInt8], labels: [Int], job: PrefixCache.Job, inMemory: Bool) throws {
        views = job.views; self.labels = labels; rowShape = job.rowShape; precision = job.precision; rowBytes = job.rowBytes
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw DataError.unreadable(file: path, reason: errnoText()) }
        var keep = false
        defer { if !keep { close(descriptor) } }
        let offset = 8 + header.count, labelBytes = 4 * labels.count
        func read(_ count: Int, at position: Int) throws -> [UInt8] {
            var bytes = [UInt8](repeating: 0, count: count)
            let n = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, count, off_t(position)) }
            guard n == count else { throw DataError.unreadable(file: path, reason: "short read of the prefix cache") }
            return bytes
        }
        var info = stat()
        guard fstat(descriptor, &info) == 0, Int(info.st_size) == offset + job.bytes + labelBytes,
              try read(8 + header.count, at: 0) == withUnsafeBytes(of: UInt64(header.count).littleEndian, { Array($0) }) + header,
              try read(labelBytes, at: offset + job.bytes) == labels.map({ Int32($0) }).withUnsafeBytes({ Array($0) }) else {
            throw DataError.unreadable(file: path, reason: "not the prefix cache this run expects")
        }
        if inMemory {
            memory = try read(job.bytes, at: offset)
            file = nil
        } else {
            memory = nil
            file = (path, descriptor, offset)
            keep = true
        }
    }

    deinit { if let file { close(file.descriptor) } }

    /// Rows `indices` of view `view mod views` as `[B] + rowShape`, with their labels.
    public func batch(_ indices: [Int], view: Int) throws -> (rows: Tensor, labels: Tensor) {
        let base = (view % views) * count * rowBytes, rowValues = rowBytes / precision.bytesPerValue
        let out = Tensor(uninitialized: [indices.count] + rowShape)
        var row = [UInt8](repeating: 0, count: rowBytes)
        try out.withUnsafeMutableFloats { floats in
            func decode(_ bytes: UnsafeRawBufferPointer, into r: Int) {
                for k in 0..<rowValues {
                    floats[r * rowValues + k] = precision == .float32
                        ? Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * k, as: UInt32.self)))
                        : float(bfloat16: UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * k, as: UInt16.self)))
                }
            }
            for (r, i) in indices.enumerated() {
                let position = base + i * rowBytes
                if let memory {
                    memory.withUnsafeBytes { decode(UnsafeRawBufferPointer(rebasing: $0[position..<(position + rowBytes)]), into: r) }
                } else if let file {
                    let n = row.withUnsafeMutableBytes { pread(file.descriptor, $0.baseAddress, rowBytes, off_t(file.offset + position)) }
                    guard n == rowBytes else { throw DataError.unreadable(file: file.path, reason: "short read of the prefix cache: \(errnoText())") }
                    row.withUnsafeBytes { decode($0, into: r) }
                }
            }
        }
        return (out, Tensor(labels: indices.map { labels[$0] }))
    }
}
