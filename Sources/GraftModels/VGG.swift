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

    /// VGG-11, 13, 16 and 19, without and with BatchNorm, with torchvision 0.29's ImageNet-1K
    /// weights.
    static let zoo = [11, 13, 16, 19].flatMap { depth in
        [false, true].map { batchNorm in
            let name = "vgg\(depth)\(batchNorm ? "_bn" : "")"
            return ModelSpec(name, weights: weightSets[name] ?? []) { try VGG(depth: depth, batchNorm: batchNorm, numClasses: $0) }
        }
    }

    /// torchvision 0.29's ImageNet-1K weight sets by zoo name (VGG-16's `IMAGENET1K_FEATURES`,
    /// whose classifier holds no trained values, is left out).
    static let weightSets: [String: [WeightSet]] = [
        "vgg11": [
            .torchvision("IMAGENET1K_V1", url: "https://download.pytorch.org/models/vgg11-8a719046.pth",
                         mebibytes: 506.84, top1: 69.02, top5: 88.628, crop: 224),
        ],
        "vgg11_bn": [
            .torchvision("IMAGENET1K_V1", url: "https://download.pytorch.org/models/vgg11_bn-6002323d.pth",
                         mebibytes: 506.881, top1: 70.37, top5: 89.81, crop: 224),
        ],
        "vgg13": [
            .torchvision("IMAGENET1K_V1", url: "https://download.pytorch.org/models/vgg13-19584684.pth",
                         mebibytes: 507.545, top1: 69.928, top5: 89.246, crop: 224),
        ],
        "vgg13_bn": [
            .torchvision("IMAGENET1K_V1", url: "https://download.pytorch.org/models/vgg13_bn-abd245e5.pth",
                         mebibytes: 507.59, top1: 71.586, top5: 90.374, crop: 224),
        ],
        "vgg16": [
            .torchvision("IMAGENET1K_V1", url: "https://download.pytorch.org/models/vgg16-397923af.pth",
                         mebibytes: 527.796, top1: 71.592, top5: 90.382, crop: 224),
        ],
        "vgg16_bn": [
            .torchvision("IMAGENET1K_V1", url: "https://download.pytorch.org/models/vgg16_bn-6c64b313.pth",
                         mebibytes: 527.866, top1: 73.36, top5: 91.516, crop: 224),
        ],
        "vgg19": [
            .torchvision("IMAGENET1K_V1", url: "https://download.pytorch.org/models/vgg19-dcbb9e9d.pth",
                         mebibytes: 548.051, top1: 72.376, top5: 90.876, crop: 224),
        ],
        "vgg19_bn": [
            .torchvision("IMAGENET1K_V1", url: "https://download.pytorch.org/models/vgg19_bn-c79401a0.pth",
                         mebibytes: 548.143, top1: 74.218, top5: 91.842, crop: 224),
        ],
    ]
}
