import ArgumentParser
import Foundation
import GraftData
import GraftTrain

struct AugmentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "augment",
        abstract: "Draw a PNG grid of what an augmentation pipeline does to your images.",
        discussion: """
        One row per sample: the original, then --augmentations draws of the pipeline.

        \(Pipeline.specHelp)

        Example: graft augment --data photos/ --transforms "random-resized-crop(224), hflip, \
        color-jitter(0.4, 0.4, 0.4), pca-lighting(0.1)" --out grid.png
        """)

    @Option(help: "Images: an ImageFolder root (train/ + val/, or one folder per class), a CSV file, or an IDX directory.")
    var data: String

    @Option(help: "The pipeline, in the SPEC syntax below.")
    var transforms: String

    @Option(help: "Where to write the PNG grid.")
    var out: String

    @Option(help: "Rows: how many images.")
    var samples: Int = 4

    @Option(help: "Columns after the original: how many draws per image.")
    var augmentations: Int = 6

    @Option(help: "Random seed (which images, which draws).")
    var seed: UInt64 = 0

    @Flag(help: "Print one JSON object: {\"out\": …, \"samples\": …, \"augmentations\": …, \"width\": …, \"height\": …}.")
    var json = false

    func validate() throws {
        guard samples > 0, samples <= 64 else { throw ValidationError("--samples must be in 1…64, not \(samples)") }
        guard augmentations > 0, augmentations <= 32 else {
            throw ValidationError("--augmentations must be in 1…32, not \(augmentations)")
        }
        do {
            _ = try Pipeline(spec: transforms, mean: [0], std: [1])
        } catch {
            throw ValidationError("--transforms: \(error)")
        }
    }

    func run() throws {
        try reportingFailure("augment") {
            let dataset = try openTrainingImages(data)
            let pipeline = try Pipeline(spec: transforms, mean: [0], std: [1])
            let grid = try augmentationGrid(dataset: dataset, pipeline: pipeline, samples: min(samples, dataset.count),
                                            augmentations: augmentations, seed: seed)
            try grid.writePNG(to: out)
            let rows = min(samples, dataset.count)
            struct Written: Encodable { let out: String; let samples, augmentations, width, height: Int }
            print(json ? jsonObjectLine(Written(out: out, samples: rows, augmentations: augmentations,
                                                width: grid.width, height: grid.height))
                       : "wrote \(out): \(rows) images × \(augmentations) augmentations (\(grid.width)×\(grid.height))")
        }
    }
}
