import GraftNN

/// What the zoo knows about an architecture: how to build it, its head and stages, and the
/// input it expects.
public struct ModelSpec: Sendable {
    public let name: String
    /// Dotted name of the classification head (`fc`, `classifier.6`, `_fc`).
    public let head: String
    /// Dotted names of auxiliary classifier heads (GoogLeNet's `aux1`, `aux2`; Inception-v3's `AuxLogits`).
    public let auxiliaryHeads: [String]
    /// Weight of each auxiliary head's loss while training (0.3 for GoogLeNet, 0.4 for Inception-v3).
    public let auxiliaryLossWeight: Float
    /// Top-level module names from input to head, in order: the units of freezing by depth.
    public let stages: [String]
    public let preprocessing: Preprocessing
    /// Classes of the data set the architecture is usually trained on (1000 for ImageNet).
    public let defaultNumClasses: Int
    let build: @Sendable (_ numClasses: Int) throws -> Module

    public init(name: String, head: String, auxiliaryHeads: [String] = [], auxiliaryLossWeight: Float = 0,
                stages: [String], preprocessing: Preprocessing, defaultNumClasses: Int = 1000, build: @escaping @Sendable (_ numClasses: Int) throws -> Module) {
        self.name = name; self.head = head; self.auxiliaryHeads = auxiliaryHeads
        self.auxiliaryLossWeight = auxiliaryLossWeight; self.stages = stages
        self.preprocessing = preprocessing; self.defaultNumClasses = defaultNumClasses; self.build = build
    }

    /// Input channels, height and width.
    public var inputShape: [Int] { [preprocessing.channels, preprocessing.inputSize, preprocessing.inputSize] }

    /// A fresh model with `numClasses` outputs, initialised as torchvision initialises it.
    public func make(numClasses: Int) throws -> Module { try build(numClasses) }
}

/// The architectures Graft can build, by name.
public enum ModelZoo {
    public static let specs: [ModelSpec] = [
        ModelSpec(name: "lenet5", head: "fc3", stages: ["conv1", "conv2", "fc1", "fc2", "fc3"],
                  preprocessing: Preprocessing(channels: 1, inputSize: 32, resizeShorter: 32, mean: [0.2860], std: [0.3530]),
                  defaultNumClasses: 10, build: { try LeNet5(numClasses: $0) }),
    ] + classicSpecs + inceptionSpecs

    /// Known model names, in zoo order.
    public static var names: [String] { specs.map(\.name) }

    /// The spec named `name`; the error lists the known names.
    public static func spec(_ name: String) throws -> ModelSpec {
        guard let s = specs.first(where: { $0.name == name }) else { throw UnknownModelError(name: name) }
        return s
    }
}

/// A model name the zoo does not know.
public struct UnknownModelError: Error, CustomStringConvertible {
    public let name: String
    public var description: String { "unknown model '\(name)'; known models: \(ModelZoo.names.joined(separator: ", "))" }
}
