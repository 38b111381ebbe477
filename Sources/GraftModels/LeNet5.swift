import GraftCore
import GraftNN

/// LeNet-5 (LeCun et al., 1998) for 1×32×32 images:
///
/// | layer | output |
/// | --- | --- |
/// | conv1 5×5, 6 filters, ReLU | 6×28×28 |
/// | max pool 2×2 | 6×14×14 |
/// | conv2 5×5, 16 filters, ReLU | 16×10×10 |
/// | max pool 2×2 | 16×5×5 |
/// | fc1 400 → 120, ReLU | 120 |
/// | fc2 120 → 84, ReLU | 84 |
/// | fc3 84 → classes (the head) | classes |
///
/// The paper's squashing functions and trainable subsampling are replaced by ReLU and max
/// pooling, as in modern re-implementations; the layer sizes are the paper's.
public final class LeNet5: Module, TransferModel {
    public let conv1: Conv2d
    public let conv2: Conv2d
    public let fc1: Linear
    public let fc2: Linear
    /// The classification head (a `Linear` as built; after `ModelSpec.replaceHead`, whatever replaced it).
    @ModuleInfo public var fc3: Module

    public init(numClasses: Int = 10) throws {
        conv1 = try Conv2d(inChannels: 1, outChannels: 6, kernelSize: 5)
        conv2 = try Conv2d(inChannels: 6, outChannels: 16, kernelSize: 5)
        fc1 = try Linear(inFeatures: 16 * 5 * 5, outFeatures: 120)
        fc2 = try Linear(inFeatures: 120, outFeatures: 84)
        fc3 = try Linear(inFeatures: 84, outFeatures: numClasses)
        super.init()
    }

    public override func forward(_ x: Tensor) throws -> Tensor {
        try fc3(forwardFeatures(x))
    }

    public func forwardFeatures(_ x: Tensor) throws -> Tensor {
        let pool = Pool2dConfig(kernel: (2, 2))
        var h = try maxPool2d(relu(conv1(x)), pool)
        h = try maxPool2d(relu(conv2(h)), pool)
        h = try h.flattened()
        h = try relu(fc1(h))
        return try relu(fc2(h))
    }

    public var head: Module { fc3 }
    public var stages: [Module] { [conv1, conv2, fc1, fc2, fc3] }

    /// LeNet-5 for 32×32 grey images, normalised with Fashion-MNIST's mean and deviation.
    static let zoo = [
        ModelSpec("lenet5", preprocessing: Preprocessing(channels: 1, inputSize: 32, resizeShorter: 32, mean: [0.2860], std: [0.3530]),
                  defaultNumClasses: 10) { try LeNet5(numClasses: $0) },
    ]
}
