import GraftCore

/// Grid distortion (as albumentations' `GridDistortion`): each axis is cut into `steps` equal
/// cells, each cell's width in the input is stretched by `1 + uniform(−limit, limit)` (the
/// widths rescaled to fill the side, so the image's edges stay in place), and each output
/// pixel reads the input through that piecewise-linear map, bilinear.
public struct GridDistortion: ImageTransform, Equatable {
    public let steps: Int
    public let limit: Float

    public init(steps: Int = 5, limit: Float = 0.3) throws {
        guard steps > 0, limit >= 0, limit < 1 else {
            throw GraftError.invalidArgument(op: "GridDistortion", detail: "steps \(steps) must be positive and limit \(limit) in [0, 1)")
        }
        self.steps = steps; self.limit = limit
    }

    public func apply(_ image: Image, using generator: inout RandomGenerator) throws -> Image {
        let xs = axisMap(side: image.width, using: &generator), ys = axisMap(side: image.height, using: &generator)
        if limit == 0 { return image }
        return image.warped { x, y in (xs[x], ys[y]) }
    }

    /// The input position each output pixel centre along a side of `side` pixels reads.
    func axisMap(side: Int, using generator: inout RandomGenerator) -> [Double] {
        let widths = (0..<steps).map { _ in Double(1 + generator.uniform(-limit, limit)) }
        let total = widths.reduce(0, +), cell = Double(side) / Double(steps)
        var starts = [0.0]
        for w in widths { starts.append(starts.last! + w / total * Double(side)) }
        return (0..<side).map { i in
            let position = Double(i) + 0.5
            let k = min(Int(position / cell), steps - 1)
            return starts[k] + (position - Double(k) * cell) / cell * (starts[k + 1] - starts[k])
        }
    }
}

extension GridDistortion: SpecTransform {
    public static let specEntry = TransformEntry.image("grid-distortion", "piecewise-linear grid warp", [
        SpecParameter("steps", .integer(1...Pipeline.maximumGridSteps), default: "5", help: "the cells per side"),
        SpecParameter("limit", .number(0...0.99), default: "0.3", help: "each cell is stretched by 1 ± limit"),
    ]) { a in try GridDistortion(steps: a.integer("steps"), limit: a.number("limit")) }

    public var specValues: [String]? { ["\(steps)", specNumber(limit)] }
}
