import CDNNL
import Foundation

/// The machine's float32 peak as oneDNN's sgemm reaches it, in GFLOP/s: the best of `repeats`
/// products of two `size` × `size` matrices (2·size³ operations each) on oneDNN's threads,
/// after one warm-up product. Model benchmarks quote their GFLOP/s against it.
public func sgemmPeakGFLOPs(size: Int = 2048, repeats: Int = 10) throws -> Double {
    guard size > 0, repeats > 0 else {
        throw GraftError.invalidArgument(op: "sgemm peak", detail: "size \(size) and repeats \(repeats) must be positive")
    }
    let n = size, count = size * size
    let a = (0..<count).map { Float($0 % 7) * 0.1 }, b = (0..<count).map { Float($0 % 5) * 0.1 }
    var c = [Float](repeating: 0, count: count)
    let no = CChar(UInt8(ascii: "N"))
    var best = Double.infinity
    for r in 0...repeats {
        let start = DispatchTime.now().uptimeNanoseconds
        let status = c.withUnsafeMutableBufferPointer { cp in
            dnnl_sgemm(no, no, Int64(n), Int64(n), Int64(n), 1, a, Int64(n), b, Int64(n), 0, cp.baseAddress, Int64(n))
        }
        try DNNL.check(status, "sgemm peak")
        if r > 0 { best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9) }
    }
    return 2 * Double(n) * Double(n) * Double(n) / best / 1e9
}
