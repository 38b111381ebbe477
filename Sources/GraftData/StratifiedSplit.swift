import GraftCore

/// Splits `dataset` into training and validation parts with each class in both at about
/// `validationFraction`: per class, its indices are shuffled by a generator seeded from
/// `seed` and the class's label, and the first `round(n × fraction)` go to validation,
/// at least one and at most `n − 1` for a class of `n ≥ 2` samples (a class of one sample
/// stays in training). Every index lands in exactly one part, each part in ascending index
/// order; the same seed gives the same split. Throws unless `0 < validationFraction < 1`.
public func stratifiedSplit(_ dataset: any Dataset, validationFraction: Double, seed: UInt64) throws
    -> (train: SubsetDataset, validation: SubsetDataset) {
    guard validationFraction > 0, validationFraction < 1 else {
        throw GraftError.invalidArgument(op: "stratifiedSplit", detail: "validation fraction \(validationFraction) is not between 0 and 1")
    }
    var byClass = [[Int]](repeating: [], count: dataset.classNames.count)
    for i in 0..<dataset.count {
        let label = dataset.label(at: i)
        guard byClass.indices.contains(label) else {
            throw GraftError.invalidArgument(op: "stratifiedSplit", detail: "sample \(i) has label \(label) but there are \(byClass.count) classes")
        }
        byClass[label].append(i)
    }
    var train: [Int] = [], validation: [Int] = []
    for (label, members) in byClass.enumerated() where !members.isEmpty {
        var shuffled = members
        var generator = RandomGenerator(seed: seed ^ (UInt64(label) &+ 1) &* 0x9E37_79B9_7F4A_7C15)
        for i in stride(from: shuffled.count - 1, to: 0, by: -1) {
            shuffled.swapAt(i, boundedRandom(i + 1, &generator))
        }
        let n = shuffled.count
        let take = n < 2 ? 0 : min(n - 1, max(1, Int((Double(n) * validationFraction).rounded())))
        validation += shuffled[..<take]
        train += shuffled[take...]
    }
    return (try SubsetDataset(base: dataset, indices: train.sorted()),
            try SubsetDataset(base: dataset, indices: validation.sorted()))
}

/// Uniform in `0..<bound` (rejection sampling, so the same on every platform).
private func boundedRandom(_ bound: Int, _ generator: inout RandomGenerator) -> Int {
    let b = UInt64(bound)
    let limit = UInt64.max - UInt64.max % b
    while true {
        let x = generator.next()
        if x < limit { return Int(x % b) }
    }
}
