/// The calibrated range of each activation an int8 plan quantises, by a stable name
/// (`assignInt8`): `<weight>.output` for what the convolution of parameter `<weight>` writes,
/// `<weight>.input` for a float value that convolution reads quantised. A range with
/// `min ≥ 0` is stored unsigned (u8, step `max / 255`), any other signed (s8, step
/// `max(|min|, |max|) / 127`).
public struct ActivationRanges: Equatable, Sendable {
    public struct Range: Equatable, Sendable {
        public var min: Float
        public var max: Float

        public init(min: Float, max: Float) { self.min = min; self.max = max }

        /// Whether the activation is stored unsigned.
        public var isUnsigned: Bool { min >= 0 }

        /// The real value of one quantisation step (never 0, so that an activation that was
        /// always 0 still quantises).
        public var step: Float {
            let bound = isUnsigned ? max : Swift.max(-min, max)
            return Swift.max(bound, Float.leastNormalMagnitude * 255) / (isUnsigned ? 255 : 127)
        }
    }

    public var ranges: [String: Range]

    public init(_ ranges: [String: Range] = [:]) { self.ranges = ranges }

    /// Widens each range to cover `other`'s of the same name, and adds the others.
    public mutating func merge(_ other: ActivationRanges) {
        ranges.merge(other.ranges) { Range(min: Swift.min($0.min, $1.min), max: Swift.max($0.max, $1.max)) }
    }

    /// The range named `name`, or `GraftError.invalidArgument` naming it.
    public func range(_ name: String) throws -> Range {
        guard let r = ranges[name] else {
            throw GraftError.invalidArgument(op: "int8", detail: "no calibrated range for activation '\(name)' (calibrate again)")
        }
        return r
    }
}
