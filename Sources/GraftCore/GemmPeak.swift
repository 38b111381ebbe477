import CDNNL
import Foundation

/// The machine's float32 peak as oneDNN's sgemm reaches it, in GFLOP/s: the best of `repeats`
/// products of two `size` × `size` matrices (2·size³ operations each) on oneDNN's threads,
/// after one warm-up product. Model benchmarks quote their GFLOP/s against it.
public func sgemmPeakGFLOPs(size: Int = 2048, repeats: Int = 10) throws -> Double {
    try checkPeakArguments("sgemm peak", size: size, repeats: repeats)
    let n = size, count = size * size
    let a = (0..<count).map { Float($0 % 7) * 0.1 }, b = (0..<count).map { Float($0 % 5) * 0.1 }
    var c = [Float](repeating: 0, count: count)
    let no = CChar(UInt8(ascii: "N"))
    let seconds = try bestSeconds(repeats: repeats) {
        let status = c.withUnsafeMutableBufferPointer { cp in
            dnnl_sgemm(no, no, Int64(n), Int64(n), Int64(n), 1, a, Int64(n), b, Int64(n), 0, cp.baseAddress, Int64(n))
        }
        try DNNL.check(status, "sgemm peak")
    }
    return 2 * pow(Double(n), 3) / seconds / 1e9
}

/// The machine's bfloat16 peak as oneDNN's bf16 matmul reaches it, in GFLOP/s: bfloat16
/// operands in the layouts the primitive picks (converted once, outside the timing), float32
/// products, otherwise as `sgemmPeakGFLOPs`. Throws `GraftError.invalidArgument` on a CPU
/// without AVX512-BF16. bf16 model benchmarks quote their GFLOP/s against it.
public func bf16GemmPeakGFLOPs(size: Int = 2048, repeats: Int = 10) throws -> Double {
    try checkPeakArguments("bf16 gemm peak", size: size, repeats: repeats)
    guard Engine.shared.supportsBFloat16 else {
        throw GraftError.invalidArgument(op: "bf16 gemm peak", detail: "this CPU has no AVX512-BF16")
    }
    let count = size * size
    let gemm = try BFloat16Matmul(a: Tensor(shape: [size, size], data: (0..<count).map { Float($0 % 7) * 0.1 }),
                                  b: Tensor(shape: [size, size], data: (0..<count).map { Float($0 % 5) * 0.1 }))
    let seconds = try bestSeconds(repeats: repeats) {
        try gemm.run()
        Engine.shared.wait()
    }
    return 2 * pow(Double(size), 3) / seconds / 1e9
}

private func checkPeakArguments(_ op: String, size: Int, repeats: Int) throws {
    // 2048² elements are 16 MiB; 2^20 per side is far beyond any memory and keeps size² in range.
    guard size > 0, size <= 1 << 20, repeats > 0 else {
        throw GraftError.invalidArgument(op: op, detail: "size \(size) must be in 1…\(1 << 20) and repeats \(repeats) positive")
    }
}

/// The shortest wall time of `repeats` runs of `body`, in seconds, after one warm-up run.
private func bestSeconds(repeats: Int, _ body: () throws -> Void) throws -> Double {
    var best = Double.infinity
    for r in 0...repeats {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        if r > 0 { best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9) }
    }
    return best
}
