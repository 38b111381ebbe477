import GraftCore
import GraftNN
import Synchronization

/// A zoo entry: a named architecture, how to build it and the input it expects. What the model
/// knows for transfer learning (head, stages) it tells itself, as a `TransferModel`.
public struct ModelSpec: Sendable {
    public let name: String
    /// The input the architecture expects: its default weight set's unless the entry says otherwise.
    public let preprocessing: Preprocessing
    /// Classes of the data set the architecture is usually trained on (1000 for ImageNet).
    public let defaultNumClasses: Int
    /// The published pretrained weight sets, the family's default (torchvision's `DEFAULT`) first.
    public let weights: [WeightSet]
    /// For an architecture defined by data rather than code (an imported ONNX graph): that
    /// definition as JSON, which a checkpoint stores beside the weights to be rebuilt from.
    public let definition: String?
    /// Where the weights that `make` builds the model with come from (an ONNX file), when it
    /// does not initialise them afresh.
    public let includedWeights: String?
    let build: @Sendable (_ numClasses: Int) throws -> any TransferModel

    /// An entry whose input is `preprocessing`: by default its default weight set's (what the
    /// published weights were trained and evaluated with), else torchvision's ImageNet transform.
    public init(_ name: String, preprocessing: Preprocessing? = nil, defaultNumClasses: Int = 1000,
                weights: [WeightSet] = [], definition: String? = nil, includedWeights: String? = nil,
                build: @escaping @Sendable (_ numClasses: Int) throws -> any TransferModel) {
        self.name = name; self.preprocessing = preprocessing ?? weights.first?.preprocessing ?? .imageNet()
        self.defaultNumClasses = defaultNumClasses; self.weights = weights; self.definition = definition
        self.includedWeights = includedWeights; self.build = build
    }

    /// The name that stands for the family's default set, whatever it is called.
    public static let defaultWeightsName = "imagenet"

    /// The family's default pretrained set (what `imagenet` names); nil when none is published.
    public var defaultWeights: WeightSet? { weights.first }

    /// The set called `name` (case-insensitively), or the default for `imagenet`; the error
    /// lists this model's sets.
    public func weightSet(named name: String) throws -> WeightSet {
        let found = name.lowercased() == Self.defaultWeightsName ? defaultWeights
            : weights.first { $0.name.lowercased() == name.lowercased() }
        guard let found else { throw UnknownWeightSetError(model: self.name, name: name, known: weights.map(\.name)) }
        return found
    }

    /// Input channels, height and width.
    public var inputShape: [Int] { [preprocessing.channels, preprocessing.inputSize, preprocessing.inputSize] }

    /// A fresh model with `numClasses` outputs, initialised as torchvision initialises it.
    public func make(numClasses: Int) throws -> any TransferModel { try build(numClasses) }
}

/// The architectures Graft can build, by name: each family's entries, declared in its own file,
/// then those a program registers.
public enum ModelZoo {
    /// The families Graft ships, in zoo order.
    public static let builtIn: [ModelSpec] = LeNet5.zoo + AlexNet.zoo + AlexNetLRN.zoo + VGG.zoo + ResNet.zoo
        + SqueezeNet.zoo + MobileNetV2.zoo + GoogLeNet.zoo + InceptionV3.zoo + EfficientNetLite0.zoo
        + MobileNetV3.zoo + ShuffleNetV2.zoo + ConvNeXt.zoo + EfficientNet.zoo + RegNet.zoo

    private static let registered = Mutex<[ModelSpec]>([])

    /// Every known architecture: the built-in ones, then the registered ones.
    public static var specs: [ModelSpec] { builtIn + registered.withLock { $0 } }

    /// Known model names, in zoo order.
    public static var names: [String] { specs.map(\.name) }

    /// The spec named `name`; the error lists the known names.
    public static func spec(_ name: String) throws -> ModelSpec {
        guard let s = specs.first(where: { $0.name == name }) else { throw UnknownModelError(name: name) }
        return s
    }

    /// Adds an architecture of the program's own (timm's `register_model`), so that training,
    /// checkpoints and evaluation find it by name. Throws when the name is empty, a built-in
    /// one, or registered already (unless `replacing`, which puts it in that one's place).
    public static func register(_ spec: ModelSpec, replacing: Bool = false) throws {
        try registered.withLock { list in
            let taken = list.firstIndex { $0.name == spec.name }
            guard !spec.name.isEmpty, !builtIn.contains(where: { $0.name == spec.name }), taken == nil || replacing else {
                throw GraftError.invalidArgument(op: "ModelZoo.register", detail: "the name '\(spec.name)' is empty or already taken")
            }
            if let taken { list[taken] = spec } else { list.append(spec) }
        }
    }
}

/// A weight set name that a model does not publish.
public struct UnknownWeightSetError: Error, CustomStringConvertible {
    public let model: String
    public let name: String
    public let known: [String]
    public var description: String {
        known.isEmpty ? "\(model) has no published pretrained weights ('\(name)' asked for); train it from scratch (--weights none) or give a weight file"
            : "\(model) has no weight set '\(name)'; its sets: \(ModelSpec.defaultWeightsName) (= \(known[0])), \(known.joined(separator: ", "))"
    }
}

/// A model name the zoo does not know.
public struct UnknownModelError: Error, CustomStringConvertible {
    public let name: String
    public var description: String { "unknown model '\(name)'; known models: \(ModelZoo.names.joined(separator: ", "))" }
}
