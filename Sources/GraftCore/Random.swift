/// A small, fast, seedable generator (xoshiro256**, seeded through SplitMix64). Every random
/// choice in Graft (initialisation, dropout, shuffling, augmentation) draws from one of these,
/// so a seed reproduces a run.
public struct RandomGenerator: RandomNumberGenerator, Sendable, Codable, Equatable {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    public mutating func next() -> UInt64 {
        let result = rotl(s.1 &* 5, 7) &* 9
        let t = s.1 << 17
        s.2 ^= s.0; s.3 ^= s.1; s.1 ^= s.2; s.0 ^= s.3
        s.2 ^= t
        s.3 = rotl(s.3, 45)
        return result
    }

    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// Uniform in [0, 1).
    public mutating func nextFloat() -> Float { Float(next() >> 40) * (1.0 / 16_777_216.0) }

    /// Uniform in [low, high).
    public mutating func uniform(_ low: Float, _ high: Float) -> Float { low + (high - low) * nextFloat() }

    /// Standard normal (Box–Muller).
    public mutating func nextNormal() -> Float {
        let u1 = max(Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0), 1e-300)
        let u2 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        return Float((-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2))
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.s.0 == b.s.0 && a.s.1 == b.s.1 && a.s.2 == b.s.2 && a.s.3 == b.s.3
    }

    enum CodingKeys: CodingKey { case state }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let v = try c.decode([UInt64].self, forKey: .state)
        guard v.count == 4 else {
            throw DecodingError.dataCorruptedError(forKey: .state, in: c, debugDescription: "need 4 words")
        }
        s = (v[0], v[1], v[2], v[3])
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode([s.0, s.1, s.2, s.3], forKey: .state)
    }
}

/// The process-wide generator used when a caller passes none (like `torch.manual_seed`).
public enum GlobalRandom {
    public static var generator = RandomGenerator(seed: 0)

    /// Reseeds the process-wide generator.
    public static func seed(_ seed: UInt64) { generator = RandomGenerator(seed: seed) }
}
