import XCTest
import GraftCore
@testable import GraftData

final class DistortionTransformTests: XCTestCase {
    func testElasticDeformationMovesPixelsAtMostAlpha() throws {
        let flat = try Image(width: 24, height: 20, channels: 3, pixels: [UInt8](repeating: 200, count: 24 * 20 * 3))
        let elastic = try ElasticDeformation(alpha: 3, sigma: 2)
        var g = RandomGenerator(seed: 4)
        let out = try elastic.apply(flat, using: &g)
        // Displacements are at most alpha pixels: only pixels near the border may read the fill.
        for y in 4..<16 { for x in 4..<20 { XCTAssertEqual(out[x: x, y: y, c: 0], 200) } }
        let image = patternImage(width: 24, height: 20)
        var a = RandomGenerator(seed: 9), b = a
        let deformed = try elastic.apply(image, using: &a)
        XCTAssertEqual(deformed, try elastic.apply(image, using: &b))
        XCTAssertNotEqual(deformed, image)
        XCTAssertEqual(try ElasticDeformation(alpha: 0, sigma: 2).apply(image, using: &a), image)
        XCTAssertThrowsError(try ElasticDeformation(alpha: 1, sigma: 0))
    }

    func testElasticSmoothingKeepsAConstantField() throws {
        let elastic = try ElasticDeformation(alpha: 1, sigma: 1.5)
        let smoothed = elastic.smoothed([Float](repeating: 0.25, count: 7 * 5), width: 7, height: 5)
        for v in smoothed { XCTAssertEqual(v, 0.25, accuracy: 1e-6) }
        // A single spike spreads into a symmetric bump.
        var spike = [Float](repeating: 0, count: 81)
        spike[40] = 1
        let bump = elastic.smoothed(spike, width: 9, height: 9)
        XCTAssertEqual(bump[39], bump[41], accuracy: 1e-7)
        XCTAssertEqual(bump[31], bump[49], accuracy: 1e-7)
        XCTAssert(bump[40] > bump[41] && bump[41] > bump[42])
    }

    func testGridDistortionIsMonotoneAndKeepsTheEdges() throws {
        // A horizontal ramp stays non-decreasing along every row.
        var pixels: [UInt8] = []
        for _ in 0..<10 { for x in 0..<30 { pixels.append(UInt8(x * 8)) } }
        let ramp = try Image(width: 30, height: 10, channels: 1, pixels: pixels)
        let grid = try GridDistortion(steps: 4, limit: 0.5)
        var g = RandomGenerator(seed: 1)
        var changed = false
        for _ in 0..<50 {
            let out = try grid.apply(ramp, using: &g)
            for y in 0..<10 { for x in 1..<30 { XCTAssertLessThanOrEqual(out[x: x - 1, y: y, c: 0], out[x: x, y: y, c: 0]) } }
            changed = changed || out != ramp
            let map = grid.axisMap(side: 30, using: &g)
            XCTAssertEqual(map.first!, 0.5 * map[1] / 1.5, accuracy: 1e-9, "the first cell is linear from 0")
            XCTAssert(map.allSatisfy { $0 > 0 && $0 < 30 })
        }
        XCTAssert(changed)
        XCTAssertEqual(try GridDistortion(steps: 3, limit: 0).apply(ramp, using: &g), ramp)
    }

    func testRandomErasingBoxesAndFill() throws {
        let erasing = try RandomErasing(p: 1, value: .constant([-1, 0, 1]))
        var g = RandomGenerator(seed: 3)
        for _ in 0..<2000 {
            if let b = erasing.box(height: 12, width: 9, using: &g) {
                XCTAssert(b.top >= 0 && b.left >= 0 && b.top + b.height <= 12 && b.left + b.width <= 9 && b.height < 12 && b.width < 9)
            }
        }
        var sample = Sample(channels: 3, height: 12, width: 9, values: [Float](repeating: 5, count: 3 * 12 * 9))
        var a = RandomGenerator(seed: 7), b = a
        try erasing.apply(&sample, using: &a)
        _ = b.nextFloat()
        let box = erasing.box(height: 12, width: 9, using: &b)!
        for c in 0..<3 {
            for y in 0..<12 {
                for x in 0..<9 {
                    let inside = (box.top..<(box.top + box.height)).contains(y) && (box.left..<(box.left + box.width)).contains(x)
                    XCTAssertEqual(sample.values[c * 108 + y * 9 + x], inside ? Float(c - 1) : 5)
                }
            }
        }
        var untouched = sample
        try RandomErasing(p: 0).apply(&untouched, using: &a)
        XCTAssertEqual(untouched, sample)
        var grey = Sample(channels: 1, height: 4, width: 4, values: [Float](repeating: 0, count: 16))
        XCTAssertThrowsError(try erasing.apply(&grey, using: &a))
        XCTAssertThrowsError(try RandomErasing(scale: 0.5...2))
    }
}
