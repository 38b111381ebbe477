import Foundation
import GraftCore
@testable import GraftData

/// Images generated from their index (sizes vary), labels `index % 3`; the indices in
/// `failing` throw a corrupt-file error naming "synthetic/<index>.png".
struct SyntheticImages: Dataset {
    let count: Int
    var failing: Set<Int> = []

    var classNames: [String] { ["a", "b", "c"] }
    func label(at index: Int) -> Int { index % 3 }

    func image(at index: Int, minimumShorterSide: Int?) throws -> Image {
        if failing.contains(index) { throw DataError.corrupt(file: "synthetic/\(index).png", reason: "broken on purpose") }
        let (w, h) = (12 + index % 5, 10 + index % 4)
        var pixels = [UInt8](repeating: 0, count: w * h * 3)
        for y in 0..<h { for x in 0..<w { for c in 0..<3 {
            pixels[(y * w + x) * 3 + c] = UInt8(truncatingIfNeeded: index &* 37 &+ x &* 7 &+ y &* 13 &+ c &* 61)
        } } }
        return try Image(width: w, height: h, channels: 3, pixels: pixels)
    }
}

/// The JPEG or PNG files at `paths`, labelled by position modulo 2.
struct ImageFiles: Dataset {
    let paths: [String]
    var count: Int { paths.count }
    var classNames: [String] { ["even", "odd"] }
    func label(at index: Int) -> Int { index % 2 }
    func image(at index: Int, minimumShorterSide: Int?) throws -> Image {
        try Image(contentsOf: paths[index], minimumShorterSide: minimumShorterSide)
    }
}

/// A random 8×8 crop, flipped horizontally half the time, scaled to [0, 1]: every random
/// choice comes from the generator, so batches show whether each sample got its own.
let randomCropSample: SampleMaker = { image, generator in
    let side = 8
    let top = Int(generator.next() % UInt64(image.height - side + 1))
    let left = Int(generator.next() % UInt64(image.width - side + 1))
    let flip = generator.nextFloat() < 0.5
    var values = [Float](repeating: 0, count: image.channels * side * side)
    for c in 0..<image.channels { for y in 0..<side { for x in 0..<side {
        let sx = left + (flip ? side - 1 - x : x)
        values[(c * side + y) * side + x] = Float(image[x: sx, y: top + y, c: c]) / 255 + generator.nextFloat() * 1e-3
    } } }
    return Sample(channels: image.channels, height: side, width: side, values: values)
}

/// A folder of `count` small PNG files `image<k>.png` and, when `broken` is given, a file of
/// that name holding bytes that are no image; returns the paths in order.
func makePNGFolder(count: Int, broken: (name: String, position: Int)? = nil) throws -> [String] {
    let directory = try Fixtures.temporaryDirectory()
    var paths: [String] = []
    for k in 0..<count {
        let pixels = (0..<(10 * 9 * 3)).map { UInt8(truncatingIfNeeded: $0 &* (k + 3)) }
        let path = directory + "/image\(k).png"
        try Fixtures.write(try Image(width: 10, height: 9, channels: 3, pixels: pixels).encodePNG(), to: path)
        paths.append(path)
    }
    if let broken {
        let path = directory + "/" + broken.name
        try Fixtures.write(Array("this is not a PNG at all".utf8), to: path)
        paths.insert(path, at: broken.position)
    }
    return paths
}
