import GraftCore
import GraftNN

/// The classification head that transfer learning puts on a zoo model: `classes` outputs,
/// optionally preceded by dense layers (`Linear` → `ReLU` → `Dropout(dropout)` per entry of
/// `hidden`). Saved in checkpoints, so that a model can be rebuilt with the same head.
public struct HeadConfig: Codable, Sendable, Equatable {
    /// Number of output classes.
    public var classes: Int
    /// Widths of the extra dense layers before the final one, nearest the trunk first.
    public var hidden: [Int]
    /// Dropout probability after each extra dense layer.
    public var dropout: Float

    public init(classes: Int, hidden: [Int] = [], dropout: Float = 0) {
        self.classes = classes; self.hidden = hidden; self.dropout = dropout
    }

    /// `hidden` and `dropout` may be absent (then `[]` and 0).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        classes = try c.decode(Int.self, forKey: .classes)
        hidden = try c.decodeIfPresent([Int].self, forKey: .hidden) ?? []
        dropout = try c.decodeIfPresent(Float.self, forKey: .dropout) ?? 0
    }

    /// The most classes a head may have (ImageNet-21k has 21,841): 2048 features × 100,000
    /// classes is 800 MB of weights.
    public static let maximumClasses = 100_000
    /// The widest hidden layer: 25,088 VGG features × 16,384 units is 1.6 GB of weights.
    public static let maximumHiddenWidth = 16_384
    /// The most hidden layers.
    public static let maximumHiddenLayers = 16

    /// The first field out of its range, as its key (`classes`, `hidden[1]`, `dropout`) and
    /// what is wrong with it ("is 0, not in 1...100000"); nil when every field is in range.
    public var invalidField: (key: String, problem: String)? {
        if !(1...HeadConfig.maximumClasses).contains(classes) {
            return ("classes", "is \(classes), not in 1...\(HeadConfig.maximumClasses)")
        }
        if hidden.count > HeadConfig.maximumHiddenLayers {
            return ("hidden", "has \(hidden.count) layers, at most \(HeadConfig.maximumHiddenLayers)")
        }
        if let i = hidden.firstIndex(where: { !(1...HeadConfig.maximumHiddenWidth).contains($0) }) {
            return ("hidden[\(i)]", "is \(hidden[i]), not in 1...\(HeadConfig.maximumHiddenWidth)")
        }
        if !(dropout >= 0 && dropout < 1) { return ("dropout", "is \(dropout), not in [0, 1)") }
        return nil
    }

    /// Throws `GraftError.invalidArgument` naming the first field out of its range (`invalidField`).
    public func validate() throws {
        if let (key, problem) = invalidField { throw GraftError.invalidArgument(op: "head", detail: "\(key) \(problem)") }
    }
}

extension ModelSpec {
    /// A model with a fresh head: `make(numClasses: head.classes)`, then `replaceHead`.
    public func make(head: HeadConfig) throws -> any TransferModel {
        try head.validate()
        let model = try make(numClasses: head.classes)
        try model.replaceHead(with: head)
        return model
    }

    /// `make(head:)` with the parameters allocated but not drawn, leaving
    /// `GlobalRandom.generator` as it was (dropout layers seed themselves from it): a model to
    /// read facts from or to load weights into, whose building changes no later draw.
    public func makeUndrawn(head: HeadConfig) throws -> any TransferModel {
        let generator = GlobalRandom.generator
        defer { GlobalRandom.generator = generator }
        return try Init.withoutInitialisation { try make(head: head) }
    }
}

extension TransferModel {
    /// Replaces the head with a fresh one built from `config`, and the final layer of each
    /// auxiliary head with a fresh one for `config.classes` outputs.
    ///
    /// The input width is read from the old layer's weight (`[out, in]` or `[out, in, 1, 1]`).
    /// A convolutional head (SqueezeNet's 1×1 `classifier.1`) stays convolutional: its dense
    /// layers are 1×1 convolutions. Without `hidden` layers the new head is a single layer with
    /// the old one's state-dict keys (`fc.weight`, `fc.bias`); with them it is a `Sequential`
    /// (`fc.0.weight`, … , `fc.<3·hidden.count>.weight`). Fresh layers get torch's default
    /// initialisation (drawn from `GlobalRandom.generator`); nothing else in the model changes.
    public func replaceHead(with config: HeadConfig) throws {
        try config.validate()
        let op = "replaceHead(\(type(of: self)))"
        let headPath = headPath
        guard let (kind, inWidth) = HeadLayerKind.of(firstOf: head) else {
            throw GraftError.invalidArgument(op: op, detail: "'\(headPath)' holds no Linear or Conv2d layer")
        }
        var auxiliaryReplacements: [(aux: Module, path: String, layer: Module)] = []
        for (aux, auxPath) in zip(auxiliaryHeads, auxiliaryHeadPaths) {
            guard let (path, last) = aux.namedModules().last(where: { HeadLayerKind.of($0.1) != nil }),
                  let (auxKind, auxWidth) = HeadLayerKind.of(last), !path.isEmpty else {
                throw GraftError.invalidArgument(op: op, detail: "auxiliary head '\(auxPath)' holds no final Linear or Conv2d layer")
            }
            auxiliaryReplacements.append((aux, path, try auxKind.layer(auxWidth, config.classes)))
        }
        // Build everything first, so that a failure leaves the model as it was.
        var layers: [Module] = []
        var width = inWidth
        for h in config.hidden {
            layers += [try kind.layer(width, h), ReLU(), Dropout(p: config.dropout)]
            width = h
        }
        layers.append(try kind.layer(width, config.classes))
        let newHead = layers.count == 1 ? layers[0] : Sequential(layers)
        try replaceModule(at: headPath, with: newHead)
        for r in auxiliaryReplacements { try r.aux.replaceModule(at: r.path, with: r.layer) }
        for fresh in [newHead] + auxiliaryReplacements.map(\.layer) { fresh.train(training) }
    }
}

/// Whether a head is made of dense layers or of 1×1 convolutions.
private enum HeadLayerKind {
    case linear, conv

    /// The kind and input width of `m`, if it is a `Linear` or a `Conv2d`.
    static func of(_ m: Module) -> (HeadLayerKind, Int)? {
        if let l = m as? Linear { return (.linear, l.inFeatures) }
        if let c = m as? Conv2d { return (.conv, c.inChannels) }
        return nil
    }

    /// The kind and input width of the first `Linear` or `Conv2d` in `m` (itself included).
    static func of(firstOf m: Module) -> (HeadLayerKind, Int)? {
        m.namedModules().lazy.compactMap { of($0.1) }.first
    }

    /// A fresh layer from `inWidth` to `outWidth` features, with torch's default initialisation.
    func layer(_ inWidth: Int, _ outWidth: Int) throws -> Module {
        switch self {
        case .linear: return try Linear(inFeatures: inWidth, outFeatures: outWidth)
        case .conv: return try Conv2d(inChannels: inWidth, outChannels: outWidth, kernelSize: 1)
        }
    }
}
