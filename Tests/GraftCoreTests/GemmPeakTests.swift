import XCTest
@testable import GraftCore

/// The bf16 gemm that `bf16GemmPeakGFLOPs` times computes the right product, and both peaks
/// are measured as positive, finite figures.
final class GemmPeakTests: XCTestCase {
    /// `a` `[m, k]` · `b` `[k, n]`, row-major, summed in Double.
    private func naiveProduct(_ a: [Float], _ b: [Float], m: Int, k: Int, n: Int) -> [Double] {
        (0..<m * n).map { ij in (0..<k).reduce(0.0) { $0 + Double(a[ij / n * k + $1]) * Double(b[$1 * n + ij % n]) } }
    }

    func testBFloat16MatmulIsTheProductOfRoundedOperands() throws {
        try XCTSkipUnless(Engine.shared.supportsBFloat16, "this CPU has no AVX512-BF16")
        let (m, k, n) = (5, 37, 11)
        let a = randomValues(m * k, seed: 1), b = randomValues(k * n, seed: 2)
        let gemm = try BFloat16Matmul(a: Tensor(shape: [m, k], data: a), b: Tensor(shape: [k, n], data: b))
        try gemm.run()
        let product = gemm.product.toArray()
        XCTAssertEqual(gemm.product.shape, [m, n])
        assertClose(product, naiveProduct(a.map(roundedToBFloat16), b.map(roundedToBFloat16), m: m, k: k, n: n),
                    rtol: 1e-4, atol: 1e-4)
        // Not vacuous: the product of the unrounded operands differs by far more.
        let plain = naiveProduct(a, b, m: m, k: k, n: n)
        XCTAssertGreaterThan(zip(product, plain).map { abs(Double($0) - $1) }.max() ?? 0, 1e-3)
    }

    func testBFloat16MatmulRefusesMismatchedShapes() {
        XCTAssertThrowsError(try BFloat16Matmul(a: Tensor.zeros([2, 3]), b: Tensor.zeros([4, 2])))
    }

    func testPeaksArePositiveAndFinite() throws {
        let sgemm = try sgemmPeakGFLOPs(size: 64, repeats: 2)
        XCTAssertTrue(sgemm.isFinite && sgemm > 0, "sgemm peak \(sgemm)")
        try XCTSkipUnless(Engine.shared.supportsBFloat16, "this CPU has no AVX512-BF16")
        let bf16 = try bf16GemmPeakGFLOPs(size: 64, repeats: 2)
        XCTAssertTrue(bf16.isFinite && bf16 > 0, "bf16 gemm peak \(bf16)")
    }

    func testPeaksRefuseEmptyMeasurements() {
        XCTAssertThrowsError(try sgemmPeakGFLOPs(size: 0))
        XCTAssertThrowsError(try bf16GemmPeakGFLOPs(size: 64, repeats: 0))
    }
}
