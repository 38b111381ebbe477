import XCTest
import GraftCore
@testable import GraftData

/// Labels without images, for splitting.
fileprivate struct LabelsOnly: Dataset {
    let labels: [Int]
    let classNames: [String]
    var count: Int { labels.count }
    func label(at index: Int) -> Int { labels[index] }
    func image(at index: Int, minimumShorterSide: Int?) throws -> Image {
        try Image(width: 1, height: 1, channels: 1, pixels: [UInt8(index % 256)])
    }
}

final class StratifiedSplitTests: XCTestCase {
    /// Classes of 100, 37, 10, 2 and 1 samples, interleaved.
    fileprivate let data: LabelsOnly = {
        var labels: [Int] = []
        for (label, n) in [100, 37, 10, 2, 1].enumerated() { labels += [Int](repeating: label, count: n) }
        var g = RandomGenerator(seed: 99)
        labels.shuffle(using: &g)
        return LabelsOnly(labels: labels, classNames: ["a", "b", "c", "d", "e"])
    }()

    func testEveryIndexExactlyOnceWithPerClassProportions() throws {
        let (train, validation) = try stratifiedSplit(data, validationFraction: 0.2, seed: 7)
        XCTAssertEqual((train.indices + validation.indices).sorted(), Array(0..<data.count))
        XCTAssertEqual(train.indices, train.indices.sorted())
        XCTAssertEqual(validation.indices, validation.indices.sorted())
        XCTAssertEqual(validation.classCounts, [20, 7, 2, 1, 0])
        XCTAssertEqual(train.classCounts, [80, 30, 8, 1, 1])
        for i in 0..<validation.count {
            XCTAssertEqual(validation.label(at: i), data.labels[validation.indices[i]])
        }
        XCTAssertEqual(try validation.image(at: 3, minimumShorterSide: nil).pixels, [UInt8(validation.indices[3])])
    }

    /// A split of a split names each sample by its index in the data set underneath: the
    /// sample's own pixel (index mod 256) and label agree.
    func testRootIndicesComposeThroughSplits() throws {
        let (train, _) = try stratifiedSplit(data, validationFraction: 0.2, seed: 7)
        let (inner, innerValidation) = try stratifiedSplit(train, validationFraction: 0.3, seed: 8)
        for part in [inner, innerValidation] {
            let roots = part.rootIndices
            XCTAssertEqual(roots.count, part.count)
            for (i, root) in roots.enumerated() {
                XCTAssertEqual(try part.image(at: i, minimumShorterSide: nil).pixels, [UInt8(root % 256)])
                XCTAssertEqual(part.label(at: i), data.label(at: root))
            }
        }
        XCTAssertNotEqual(inner.rootIndices, inner.indices, "the inner split's own indices differ from the roots")
        XCTAssertEqual(data.rootIndices, Array(0..<data.count))
    }

    func testEveryClassOfTwoOrMoreGetsAValidationSampleAndKeepsATrainingOne() throws {
        let (train, validation) = try stratifiedSplit(data, validationFraction: 0.01, seed: 7)
        XCTAssertEqual(validation.classCounts, [1, 1, 1, 1, 0])
        let (train2, validation2) = try stratifiedSplit(data, validationFraction: 0.99, seed: 7)
        XCTAssertEqual(train2.classCounts, [1, 1, 1, 1, 1])
        XCTAssertEqual(validation2.classCounts, [99, 36, 9, 1, 0])
        XCTAssertEqual(train.count + validation.count, data.count)
    }

    func testDeterministicPerSeedAndDifferentAcrossSeeds() throws {
        let a = try stratifiedSplit(data, validationFraction: 0.3, seed: 42)
        let b = try stratifiedSplit(data, validationFraction: 0.3, seed: 42)
        let c = try stratifiedSplit(data, validationFraction: 0.3, seed: 43)
        XCTAssertEqual(a.validation.indices, b.validation.indices)
        XCTAssertEqual(a.train.indices, b.train.indices)
        XCTAssertNotEqual(a.validation.indices, c.validation.indices)
        XCTAssertEqual(a.validation.classCounts, c.validation.classCounts)
    }

    func testFractionOutsideZeroOneAndBadSubsetIndicesThrow() {
        for fraction in [0, 1, -0.5, 1.5, .nan] {
            XCTAssertThrowsError(try stratifiedSplit(data, validationFraction: fraction, seed: 0), "\(fraction)")
        }
        XCTAssertThrowsError(try SubsetDataset(base: data, indices: [0, data.count]))
        XCTAssertThrowsError(try SubsetDataset(base: data, indices: [-1]))
    }
}
