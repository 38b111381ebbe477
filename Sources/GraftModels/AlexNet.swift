import GraftCore
import GraftNN

/// AlexNet as torchvision builds it (`torchvision.models.alexnet`): the single-tower variant of
/// Krizhevsky's "One weird trick for parallelizing convolutional neural networks" (2014), with
/// 64-192-384-256-256 channels and no local response normalisation.
///
/// | module | layer | output (224×224 input) |
/// | --- | --- | --- |
/// | features.0, .1 | conv 11×11 stride 4 pad 2, 64, ReLU | 64×55×55 |
/// | features.2 | max pool 3×3 stride 2 | 64×27×27 |
/// | features.3, .4 | conv 5×5 pad 2, 192, ReLU | 192×27×27 |
/// | features.5 | max pool 3×3 stride 2 | 192×13×13 |
/// | features.6, .7 | conv 3×3 pad 1, 384, ReLU | 384×13×13 |
/// | features.8, .9 | conv 3×3 pad 1, 256, ReLU | 256×13×13 |
/// | features.10, .11 | conv 3×3 pad 1, 256, ReLU | 256×13×13 |
/// | features.12 | max pool 3×3 stride 2 | 256×6×6 |
/// | avgpool | adaptive average pool to 6×6 | 256×6×6 |
/// | classifier.0–.2 | dropout, fc 9216 → 4096, ReLU | 4096 |
/// | classifier.3–.5 | dropout, fc 4096 → 4096, ReLU | 4096 |
/// | classifier.6 | fc 4096 → classes (the head) | classes |
///
/// Convolutions and fully connected layers keep torch's default initialisation, as torchvision's do.
public final class AlexNet: Module, TransferModel {
    public let features: Sequential
    public let avgpool: AdaptiveAvgPool2d
    public let classifier: Sequential

    /// `dropout` is the probability of both dropout layers.
    public init(numClasses: Int = 1000, dropout: Float = 0.5) throws {
        features = Sequential([
            try Conv2d(inChannels: 3, outChannels: 64, kernelSize: 11, stride: 4, padding: 2), ReLU(),
            MaxPool2d(kernelSize: 3, stride: 2),
            try Conv2d(inChannels: 64, outChannels: 192, kernelSize: 5, padding: 2), ReLU(),
            MaxPool2d(kernelSize: 3, stride: 2),
            try Conv2d(inChannels: 192, outChannels: 384, kernelSize: 3, padding: 1), ReLU(),
            try Conv2d(inChannels: 384, outChannels: 256, kernelSize: 3, padding: 1), ReLU(),
            try Conv2d(inChannels: 256, outChannels: 256, kernelSize: 3, padding: 1), ReLU(),
            MaxPool2d(kernelSize: 3, stride: 2),
        ])
        avgpool = AdaptiveAvgPool2d(6)
        classifier = Sequential([
            Dropout(p: dropout),
            try Linear(inFeatures: 256 * 6 * 6, outFeatures: 4096), ReLU(),
            Dropout(p: dropout),
            try Linear(inFeatures: 4096, outFeatures: 4096), ReLU(),
            try Linear(inFeatures: 4096, outFeatures: numClasses),
        ])
        super.init()
    }

    public override func forward(_ x: Tensor) throws -> Tensor {
        try head(forwardFeatures(x))
    }

    public func forwardFeatures(_ x: Tensor) throws -> Tensor {
        try classifier.forward(avgpool(features(x)).flattened(), throughFirst: classifier.count - 1)
    }

    public var head: Module { classifier[classifier.count - 1] }
    public var stages: [Module] { withParameters(features.layers + classifier.layers) }

    /// torchvision's AlexNet with torchvision 0.29's ImageNet-1K weights.
    static let zoo = [
        ModelSpec("alexnet", weights: [
            .torchvision("IMAGENET1K_V1", url: "https://download.pytorch.org/models/alexnet-owt-7be5be79.pth",
                         mebibytes: 233.087, top1: 56.522, top5: 79.066, crop: 224),
        ]) { try AlexNet(numClasses: $0) },
    ]
}
