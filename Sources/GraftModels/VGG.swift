import GraftCore
import GraftNN

/// VGG as torchvision builds it (`torchvision.models.vgg11` … `vgg19_bn`), from Simonyan &
/// Zisserman, "Very Deep Convolutional Networks for Large-Scale Image Recognition" (2015).
///
/// `features` stacks 3×3 convolutions (padding 1, each followed by ReLU, or by BatchNorm and
/// ReLU in the `_bn` variants) and 2×2 max pools, by the paper's Table 1 columns:
///
/// | depth | column | convolutions (channels), M = max pool 2×2 stride 2 |
/// | --- | --- | --- |
/// | 11 | A | 64 M 128 M 256 256 M 512 512 M 512 512 M |
/// | 13 | B | 64 64 M 128 128 M 256 256 M 512 512 M 512 512 M |
/// | 16 | D | 64 64 M 128 128 M 256 256 256 M 512 512 512 M 512 512 512 M |
/// | 19 | E | 64 64 M 128 128 M 256 256 256 256 M 512 512 512 512 M 512 512 512 512 M |
///
/// then, for a 224×224 input (512×7×7 after the last pool):
///
/// | module | layer | output |
/// | --- | --- | --- |
/// | avgpool | adaptive average pool to 7×7 | 512×7×7 |
/// | classifier.0–.2 | fc 25088 → 4096, ReLU, dropout | 4096 |
/// | classifier.3–.5 | fc 4096 → 4096, ReLU, dropout | 4096 |
/// | classifier.6 | fc 4096 → classes (the head) | classes |
///
/// Initialised as torchvision: convolutions kaiming-normal (fan out, ReLU gain) with zero
/// biases, BatchNorm weight 1 and bias 0, fully connected weights N(0, 0.01²) with zero biases.
public final class VGG: Module, TransferModel {
    /// The paper's configurations by depth; `nil` is a max pool.
    static let configurations: [Int: [Int?]] = [
        11: [64, nil, 128, nil, 256, 256, nil, 512, 512, nil, 512, 512, nil],
        13: [64, 64, nil, 128, 128, nil, 256, 256, nil, 512, 512, nil, 512, 512, nil],
        16: [64, 64, nil, 128, 128, nil, 256, 256, 256, nil, 512, 512, 512, nil, 512, 512, 512, nil],
        19: [64, 64, nil, 128, 128, nil, 256, 256, 256, 256, nil, 512, 512, 512, 512, nil, 512, 512, 512, 512, nil],
    ]

    public let features: Sequential
    public let avgpool: AdaptiveAvgPool2d
    public let classifier: Sequential

    /// `depth` is 11, 13, 16 or 19 weight layers; `batchNorm` inserts BatchNorm after every
    /// convolution; `dropout` is the probability of both dropout layers.
    public init(depth: Int, batchNorm: Bool = false, numClasses: Int = 1000, dropout: Float = 0.5) throws {
        guard let configuration = VGG.configurations[depth] else {
            throw GraftError.invalidArgument(op: "VGG", detail: "depth must be 11, 13, 16 or 19, not \(depth)")
        }
        var layers: [Module] = []
        var channels = 3
        for entry in configuration {
            guard let width = entry else {
                layers.append(MaxPool2d(kernelSize: 2, stride: 2))
                continue
            }
            layers.append(try Conv2d(inChannels: channels, outChannels: width, kernelSize: 3, padding: 1))
            if batchNorm { layers.append(BatchNorm2d(width)) }
            layers.append(ReLU())
            channels = width
        }
        features = Sequential(layers)
        avgpool = AdaptiveAvgPool2d(7)
        classifier = Sequential([
            try Linear(inFeatures: 512 * 7 * 7, outFeatures: 4096), ReLU(), Dropout(p: dropout),
            try Linear(inFeatures: 4096, outFeatures: 4096), ReLU(), Dropout(p: dropout),
            try Linear(inFeatures: 4096, outFeatures: numClasses),
        ])
        super.init()
        try ClassicInit.kaimingNormalFanOutConvolutions(self)
        try ClassicInit.normalLinears(self, std: 0.01)
    }

    public override func forward(_ x: Tensor) throws -> Tensor {
        try head(forwardFeatures(x))
    }

    public func forwardFeatures(_ x: Tensor) throws -> Tensor {
        try classifier.forward(avgpool(features(x)).flattened(), throughFirst: classifier.count - 1)
    }

    public var head: Module { classifier[classifier.count - 1] }
    public var stages: [Module] { withParameters(features.layers + classifier.layers) }

    /// VGG-11, 13, 16 and 19, without and with BatchNorm, for torchvision's ImageNet preprocessing.
    static let zoo = [11, 13, 16, 19].flatMap { depth in
        [false, true].map { batchNorm in
            ModelSpec("vgg\(depth)\(batchNorm ? "_bn" : "")") { try VGG(depth: depth, batchNorm: batchNorm, numClasses: $0) }
        }
    }
}
