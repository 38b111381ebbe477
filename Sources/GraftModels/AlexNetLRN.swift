import GraftCore
import GraftNN

/// AlexNet as the 2012 paper describes it (Krizhevsky, Sutskever & Hinton, "ImageNet
/// Classification with Deep Convolutional Neural Networks"), with local response
/// normalisation and the paper's 96-256-384-384-256 channels. torchvision has no counterpart:
/// its `alexnet` is the later single-tower variant (see `AlexNet`).
///
/// | module | layer | output (224×224 input) |
/// | --- | --- | --- |
/// | features.0, .1 | conv 11×11 stride 4 pad 2, 96, ReLU | 96×55×55 |
/// | features.2 | local response norm (n 5, α 10⁻⁴, β 0.75, k 2) | 96×55×55 |
/// | features.3 | max pool 3×3 stride 2 | 96×27×27 |
/// | features.4, .5 | conv 5×5 pad 2, 256 in 2 groups, ReLU | 256×27×27 |
/// | features.6 | local response norm | 256×27×27 |
/// | features.7 | max pool 3×3 stride 2 | 256×13×13 |
/// | features.8, .9 | conv 3×3 pad 1, 384, ReLU | 384×13×13 |
/// | features.10, .11 | conv 3×3 pad 1, 384 in 2 groups, ReLU | 384×13×13 |
/// | features.12, .13 | conv 3×3 pad 1, 256 in 2 groups, ReLU | 256×13×13 |
/// | features.14 | max pool 3×3 stride 2 | 256×6×6 |
/// | avgpool | adaptive average pool to 6×6 (the identity at 224×224) | 256×6×6 |
/// | classifier.0–.2 | fc 9216 → 4096, ReLU, dropout | 4096 |
/// | classifier.3–.5 | fc 4096 → 4096, ReLU, dropout | 4096 |
/// | classifier.6 | fc 4096 → classes (the head) | classes |
///
/// As in the paper: the second, fourth and fifth convolutions only see the feature maps of
/// their own half (the paper's two GPUs), here convolutions with 2 groups; dropout acts on the
/// outputs of the first two fully connected layers; weights start from N(0, 0.01²), and the
/// biases of the second, fourth and fifth convolutions and of the hidden fully connected
/// layers at 1, the others at 0. The paper's normalisation divides by
/// (k + α Σ a²)^β with α = 10⁻⁴ over the plain sum of n = 5 squares; `LocalResponseNorm`
/// follows torch, which divides α by n, so the layers get α = 5·10⁻⁴.
/// The adaptive pool lets other input sizes through, as torchvision's `alexnet` does.
public final class AlexNetLRN: Module, TransferModel {
    public let features: Sequential
    public let avgpool: AdaptiveAvgPool2d
    public let classifier: Sequential

    /// `dropout` is the probability of both dropout layers.
    public init(numClasses: Int = 1000, dropout: Float = 0.5) throws {
        // The paper's n = 5, α = 1e-4, β = 0.75, k = 2, in torch's convention (α / n).
        func lrn() -> LocalResponseNorm { LocalResponseNorm(size: 5, alpha: 5e-4, beta: 0.75, k: 2) }
        let conv1 = try Conv2d(inChannels: 3, outChannels: 96, kernelSize: 11, stride: 4, padding: 2)
        let conv2 = try Conv2d(inChannels: 96, outChannels: 256, kernelSize: 5, padding: 2, groups: 2)
        let conv3 = try Conv2d(inChannels: 256, outChannels: 384, kernelSize: 3, padding: 1)
        let conv4 = try Conv2d(inChannels: 384, outChannels: 384, kernelSize: 3, padding: 1, groups: 2)
        let conv5 = try Conv2d(inChannels: 384, outChannels: 256, kernelSize: 3, padding: 1, groups: 2)
        let fc6 = try Linear(inFeatures: 256 * 6 * 6, outFeatures: 4096)
        let fc7 = try Linear(inFeatures: 4096, outFeatures: 4096)
        let fc8 = try Linear(inFeatures: 4096, outFeatures: numClasses)
        features = Sequential([
            conv1, ReLU(), lrn(), MaxPool2d(kernelSize: 3, stride: 2),
            conv2, ReLU(), lrn(), MaxPool2d(kernelSize: 3, stride: 2),
            conv3, ReLU(),
            conv4, ReLU(),
            conv5, ReLU(), MaxPool2d(kernelSize: 3, stride: 2),
        ])
        avgpool = AdaptiveAvgPool2d(6)
        classifier = Sequential([
            fc6, ReLU(), Dropout(p: dropout),
            fc7, ReLU(), Dropout(p: dropout),
            fc8,
        ])
        super.init()
        let layers: [(weight: Tensor, bias: Tensor?, biasValue: Float)] = [
            (conv1.weight, conv1.bias, 0), (conv2.weight, conv2.bias, 1), (conv3.weight, conv3.bias, 0),
            (conv4.weight, conv4.bias, 1), (conv5.weight, conv5.bias, 1),
            (fc6.weight, fc6.bias, 1), (fc7.weight, fc7.bias, 1), (fc8.weight, fc8.bias, 0),
        ]
        for layer in layers {
            try Init.normal(layer.weight, std: 0.01)
            if let b = layer.bias { try Init.constant(b, layer.biasValue) }
        }
    }

    public override func forward(_ x: Tensor) throws -> Tensor {
        try head(forwardFeatures(x))
    }

    public func forwardFeatures(_ x: Tensor) throws -> Tensor {
        try classifier.forward(avgpool(features(x)).flattened(), throughFirst: classifier.count - 1)
    }

    public var head: Module { classifier[classifier.count - 1] }
    public var stages: [Module] { withParameters(features.layers + classifier.layers) }

    /// The 2012 paper's AlexNet, for torchvision's ImageNet preprocessing.
    static let zoo = [ModelSpec("alexnet_lrn") { try AlexNetLRN(numClasses: $0) }]
}
