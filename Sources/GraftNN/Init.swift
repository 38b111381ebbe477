import Foundation
import GraftCore

/// Weight initialisers, as `torch.nn.init`: each fills a float tensor in place, drawing
/// elements in row-major order from a `RandomGenerator` (the process-wide
/// `GlobalRandom.generator` when none is passed), so a seed reproduces the weights.
public enum Init {
    /// Which fan Kaiming initialisation preserves: the forward pass's (`fanIn`) or the backward's.
    public enum FanMode: Sendable {
        case fanIn, fanOut
    }

    /// The non-linearity that follows the layer, setting the recommended gain.
    public enum Nonlinearity: Sendable {
        case linear, sigmoid, tanh, relu
        /// Leaky ReLU with negative slope `a`.
        case leakyRelu(Double)

        /// torch's `calculate_gain`: 1 for linear and sigmoid, 5/3 for tanh, √2 for ReLU,
        /// √(2 / (1 + a²)) for leaky ReLU.
        public var gain: Double {
            switch self {
            case .linear, .sigmoid: return 1
            case .tanh: return 5.0 / 3
            case .relu: return 2.0.squareRoot()
            case let .leakyRelu(a): return (2 / (1 + a * a)).squareRoot()
            }
        }
    }

    /// torch's fan rule: for a weight `[out, in, k…]`, fan_in = in·∏k and fan_out = out·∏k.
    /// Needs at least two dimensions.
    public static func fans(_ shape: [Int]) throws -> (fanIn: Int, fanOut: Int) {
        guard shape.count >= 2 else {
            throw GraftError.invalidArgument(op: "init", detail: "fan in and fan out need at least 2 dimensions, not \(shapeString(shape))")
        }
        let receptive = shape.dropFirst(2).reduce(1, *)
        return (shape[1] * receptive, shape[0] * receptive)
    }

    // MARK: Distributions

    /// Every element set to `value`.
    public static func constant(_ tensor: Tensor, _ value: Float) throws {
        try fill(tensor, "constant") { $0.update(repeating: value) }
    }

    /// Every element set to 0.
    public static func zeros(_ tensor: Tensor) throws { try constant(tensor, 0) }

    /// Every element set to 1.
    public static func ones(_ tensor: Tensor) throws { try constant(tensor, 1) }

    /// Elements drawn from U(low, high).
    public static func uniform(_ tensor: Tensor, low: Float = 0, high: Float = 1,
                               using generator: inout RandomGenerator) throws {
        guard low <= high else {
            throw GraftError.invalidArgument(op: "uniform", detail: "low \(low) exceeds high \(high)")
        }
        try fill(tensor, "uniform") { p in
            for i in p.indices { p[i] = generator.uniform(low, high) }
        }
    }

    /// Elements drawn from N(mean, std²).
    public static func normal(_ tensor: Tensor, mean: Float = 0, std: Float = 1,
                              using generator: inout RandomGenerator) throws {
        guard std >= 0 else {
            throw GraftError.invalidArgument(op: "normal", detail: "standard deviation \(std) is negative")
        }
        try fill(tensor, "normal") { p in
            for i in p.indices { p[i] = mean + std * generator.nextNormal() }
        }
    }

    /// Elements drawn from N(mean, std²) restricted to [a, b] (absolute bounds, as torch's
    /// `trunc_normal_`), by rejection. The interval must hold at least 0.1 % of the mass.
    public static func truncatedNormal(_ tensor: Tensor, mean: Float = 0, std: Float = 1, a: Float = -2, b: Float = 2,
                                       using generator: inout RandomGenerator) throws {
        let op = "truncatedNormal"
        guard std > 0, a < b else {
            throw GraftError.invalidArgument(op: op, detail: "needs std > 0 and a < b, got std \(std), [\(a), \(b)]")
        }
        func cdf(_ x: Float) -> Double { 0.5 * (1 + erf(Double(x - mean) / Double(std) / 2.0.squareRoot())) }
        guard cdf(b) - cdf(a) >= 1e-3 else {
            throw GraftError.invalidArgument(op: op, detail: "[\(a), \(b)] holds almost none of N(\(mean), \(std)²)")
        }
        try fill(tensor, op) { p in
            for i in p.indices {
                var x: Float
                repeat { x = mean + std * generator.nextNormal() } while x < a || x > b
                p[i] = x
            }
        }
    }

    /// Xavier/Glorot uniform: U(−bound, bound) with bound = gain·√(6 / (fan_in + fan_out)).
    public static func xavierUniform(_ tensor: Tensor, gain: Double = 1, using generator: inout RandomGenerator) throws {
        let (fanIn, fanOut) = try fans(tensor.shape)
        let bound = Float(gain * (6 / Double(fanIn + fanOut)).squareRoot())
        try uniform(tensor, low: -bound, high: bound, using: &generator)
    }

    /// Xavier/Glorot normal: N(0, std²) with std = gain·√(2 / (fan_in + fan_out)).
    public static func xavierNormal(_ tensor: Tensor, gain: Double = 1, using generator: inout RandomGenerator) throws {
        let (fanIn, fanOut) = try fans(tensor.shape)
        try normal(tensor, std: Float(gain * (2 / Double(fanIn + fanOut)).squareRoot()), using: &generator)
    }

    /// The standard deviation Kaiming initialisation aims for: gain / √fan.
    private static func kaimingStd(_ tensor: Tensor, _ mode: FanMode, _ nonlinearity: Nonlinearity) throws -> Double {
        let (fanIn, fanOut) = try fans(tensor.shape)
        let fan = mode == .fanIn ? fanIn : fanOut
        return fan == 0 ? 0 : nonlinearity.gain / Double(fan).squareRoot()
    }

    /// Kaiming/He uniform: U(−bound, bound) with bound = gain·√(3 / fan). torch's default
    /// (`a=0`, `leaky_relu`) is `.leakyRelu(0)`, the same gain as `.relu`.
    public static func kaimingUniform(_ tensor: Tensor, mode: FanMode = .fanIn, nonlinearity: Nonlinearity = .leakyRelu(0),
                                      using generator: inout RandomGenerator) throws {
        let bound = Float(3.0.squareRoot() * (try kaimingStd(tensor, mode, nonlinearity)))
        try uniform(tensor, low: -bound, high: bound, using: &generator)
    }

    /// Kaiming/He normal: N(0, std²) with std = gain / √fan.
    public static func kaimingNormal(_ tensor: Tensor, mode: FanMode = .fanIn, nonlinearity: Nonlinearity = .leakyRelu(0),
                                     using generator: inout RandomGenerator) throws {
        try normal(tensor, std: Float(try kaimingStd(tensor, mode, nonlinearity)), using: &generator)
    }

    /// PyTorch's default for `Conv2d` and `Linear`: the weight from kaiming_uniform with
    /// a = √5, i.e. U(−1/√fan_in, 1/√fan_in), and the bias from the same interval.
    public static func layerDefault(weight: Tensor, bias: Tensor?, using generator: inout RandomGenerator) throws {
        try kaimingUniform(weight, nonlinearity: .leakyRelu(5.0.squareRoot()), using: &generator)
        guard let bias else { return }
        let fanIn = try fans(weight.shape).fanIn
        guard fanIn > 0 else { return }
        let bound = Float(1 / Double(fanIn).squareRoot())
        try uniform(bias, low: -bound, high: bound, using: &generator)
    }

    // MARK: Drawing from the process-wide generator

    /// `uniform` drawing from `GlobalRandom.generator`.
    public static func uniform(_ tensor: Tensor, low: Float = 0, high: Float = 1) throws {
        try uniform(tensor, low: low, high: high, using: &GlobalRandom.generator)
    }

    /// `normal` drawing from `GlobalRandom.generator`.
    public static func normal(_ tensor: Tensor, mean: Float = 0, std: Float = 1) throws {
        try normal(tensor, mean: mean, std: std, using: &GlobalRandom.generator)
    }

    /// `truncatedNormal` drawing from `GlobalRandom.generator`.
    public static func truncatedNormal(_ tensor: Tensor, mean: Float = 0, std: Float = 1, a: Float = -2, b: Float = 2) throws {
        try truncatedNormal(tensor, mean: mean, std: std, a: a, b: b, using: &GlobalRandom.generator)
    }

    /// `xavierUniform` drawing from `GlobalRandom.generator`.
    public static func xavierUniform(_ tensor: Tensor, gain: Double = 1) throws {
        try xavierUniform(tensor, gain: gain, using: &GlobalRandom.generator)
    }

    /// `xavierNormal` drawing from `GlobalRandom.generator`.
    public static func xavierNormal(_ tensor: Tensor, gain: Double = 1) throws {
        try xavierNormal(tensor, gain: gain, using: &GlobalRandom.generator)
    }

    /// `kaimingUniform` drawing from `GlobalRandom.generator`.
    public static func kaimingUniform(_ tensor: Tensor, mode: FanMode = .fanIn, nonlinearity: Nonlinearity = .leakyRelu(0)) throws {
        try kaimingUniform(tensor, mode: mode, nonlinearity: nonlinearity, using: &GlobalRandom.generator)
    }

    /// `kaimingNormal` drawing from `GlobalRandom.generator`.
    public static func kaimingNormal(_ tensor: Tensor, mode: FanMode = .fanIn, nonlinearity: Nonlinearity = .leakyRelu(0)) throws {
        try kaimingNormal(tensor, mode: mode, nonlinearity: nonlinearity, using: &GlobalRandom.generator)
    }

    /// `layerDefault` drawing from `GlobalRandom.generator`.
    public static func layerDefault(weight: Tensor, bias: Tensor?) throws {
        try layerDefault(weight: weight, bias: bias, using: &GlobalRandom.generator)
    }

    // MARK: Filling

    /// Whether initialisers skip their work (see `withoutInitialisation`).
    public private(set) static var isSkipping = false

    /// Builds modules inside `body` with their parameters allocated but not filled, like
    /// torch's `skip_init`: for reading a model's names and shapes, or before loading weights.
    /// The random generators are not advanced.
    public static func withoutInitialisation<R>(_ body: () throws -> R) rethrows -> R {
        let was = isSkipping
        isSkipping = true
        defer { isSkipping = was }
        return try body()
    }

    /// Runs `body` on the tensor's elements in row-major order, in place; a tensor held in a
    /// blocked layout is filled through a row-major copy.
    private static func fill(_ tensor: Tensor, _ op: String, _ body: (UnsafeMutableBufferPointer<Float>) -> Void) throws {
        guard tensor.dtype == .float32 else {
            throw GraftError.invalidArgument(op: op, detail: "needs a float tensor")
        }
        if isSkipping { return }
        if tensor.isRowMajor {
            tensor.withUnsafeMutableFloats(body)
        } else {
            let plain = Tensor(uninitialized: tensor.shape)
            plain.withUnsafeMutableFloats(body)
            tensor.assign(plain)
        }
    }
}
