import GraftCore
import GraftData

/// A picture of what a pipeline does: one row per sample, the original first, then
/// `augmentations` draws of the pipeline, each tile `tile`×`tile` pixels.
public func augmentationGrid(dataset: any Dataset, pipeline: Pipeline, samples: Int, augmentations: Int,
                             seed: UInt64, tile: Int = 160) throws -> Image {
    guard dataset.count > 0 else { throw DataError.corrupt(file: "data set", reason: "holds no images") }
    var order = Array(0..<dataset.count)
    var g = RandomGenerator(seed: seed)
    order.shuffle(using: &g)
    let picked = Array(order.prefix(samples))
    let gap = 4
    let (width, height) = ((augmentations + 1) * (tile + gap) + gap, picked.count * (tile + gap) + gap)
    var canvas = [UInt8](repeating: 255, count: width * height * 3)
    func paste(_ image: Image, row: Int, column: Int) throws {
        let rgb = try image.converted(channels: 3).resize(width: tile, height: tile)
        let (x0, y0) = (gap + column * (tile + gap), gap + row * (tile + gap))
        for y in 0..<tile {
            let dst = ((y0 + y) * width + x0) * 3
            canvas.replaceSubrange(dst..<dst + tile * 3, with: rgb.pixels[(y * tile * 3)..<((y + 1) * tile * 3)])
        }
    }
    for (row, index) in picked.enumerated() {
        let original = try dataset.image(at: index, minimumShorterSide: nil)
        try paste(original, row: row, column: 0)
        for k in 0..<augmentations {
            var generator = sampleGenerator(seed: seed, epoch: k, index: index)
            try paste(pipeline.toSample.picture(of: pipeline(original, using: &generator)), row: row, column: k + 1)
        }
    }
    return try Image(width: width, height: height, channels: 3, pixels: canvas)
}
