/// The calibrated range of each activation an int8 plan quantises, by a stable name
/// (`assignInt8`): `<weight>.output` for what the convolution of parameter `<weight>` writes,
/// `<weight>.input` for a float value that convolution reads quantised. A range with
/// `min ≥ 0` is stored unsigned (u8, step `max / 255`), any other signed (s8, step
/// `max(|min|, |max|) / 127`).
public struct ActivationRanges: Equatable, Sendable {
    public struct Range: Equatable, Sendable {
        public var min: Float
        public var max: Float
        /// The mean of the squared values calibration saw, over `samples` values; nil where it
        /// was not measured (ranges from a checkpoint that did not keep it).
        public var meanSquare: Float?
        public var samples: Int

        public init(min: Float, max: Float, meanSquare: Float? = nil, samples: Int = 0) {
            self.min = min; self.max = max; self.meanSquare = meanSquare; self.samples = samples
        }

        /// Whether the activation is stored unsigned.
        public var isUnsigned: Bool { min >= 0 }

        /// The real value of one quantisation step (never 0, so that an activation that was
        /// always 0 still quantises).
        public var step: Float {
            let bound = isUnsigned ? max : Swift.max(-min, max)
            return Swift.max(bound, Float.leastNormalMagnitude * 255) / (isUnsigned ? 255 : 127)
        }

        /// The range covering both, its mean square that of all their samples (nil unless both
        /// measured one).
        func merged(_ other: Range) -> Range {
            var r = Range(min: Swift.min(min, other.min), max: Swift.max(max, other.max))
            if let a = meanSquare, let b = other.meanSquare {
                let (n, m) = (Double(samples), Double(other.samples))
                r.meanSquare = n + m > 0 ? Float((Double(a) * n + Double(b) * m) / (n + m)) : Swift.max(a, b)
                let (total, overflow) = samples.addingReportingOverflow(other.samples)
                r.samples = overflow ? Int.max : total
            }
            return r
        }
    }

    public var ranges: [String: Range]

    public init(_ ranges: [String: Range] = [:]) { self.ranges = ranges }

    /// Widens each range to cover `other`'s of the same name (and pools their mean squares),
    /// and adds the others.
    public mutating func merge(_ other: ActivationRanges) {
        ranges.merge(other.ranges) { $0.merged($1) }
    }

    /// The range named `name`, or `GraftError.invalidArgument` naming it.
    public func range(_ name: String) throws -> Range {
        guard let r = ranges[name] else {
            throw GraftError.invalidArgument(op: "int8", detail: "no calibrated range for activation '\(name)' (calibrate again)")
        }
        return r
    }
}
