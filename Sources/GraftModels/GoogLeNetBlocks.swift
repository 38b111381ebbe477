import GraftCore
import GraftNN

/// GoogLeNet's Inception module (torchvision's `Inception`): four parallel branches
/// concatenated along the channels, `ch1x1 + ch3x3 + ch5x5 + poolProj` in all:
///
/// | branch | layers |
/// | --- | --- |
/// | `branch1` | 1×1 conv, `ch1x1` |
/// | `branch2` | 1×1 conv `ch3x3red` (bottleneck), 3×3 conv `ch3x3` |
/// | `branch3` | 1×1 conv `ch5x5red` (bottleneck), 3×3 conv `ch5x5` |
/// | `branch4` | 3×3 max pool stride 1 (ceil mode), 1×1 conv `poolProj` |
///
/// Each conv is a `BasicConv2d`. The "5×5" branch uses a 3×3 kernel, as torchvision does (a
/// known deviation from the paper that its weights were trained with).
public final class GoogLeNetInception: Module {
    public let branch1: BasicConv2d
    public let branch2: Sequential
    public let branch3: Sequential
    public let branch4: Sequential

    public init(_ inChannels: Int, ch1x1: Int, ch3x3red: Int, ch3x3: Int, ch5x5red: Int, ch5x5: Int, poolProj: Int) throws {
        branch1 = try BasicConv2d(inChannels, ch1x1, kernelSize: 1)
        branch2 = Sequential(try BasicConv2d(inChannels, ch3x3red, kernelSize: 1),
                             try BasicConv2d(ch3x3red, ch3x3, kernelSize: 3, padding: 1))
        branch3 = Sequential(try BasicConv2d(inChannels, ch5x5red, kernelSize: 1),
                             try BasicConv2d(ch5x5red, ch5x5, kernelSize: 3, padding: 1))
        branch4 = Sequential(MaxPool2d(kernelSize: 3, stride: 1, padding: 1, ceilMode: true),
                             try BasicConv2d(inChannels, poolProj, kernelSize: 1))
        super.init()
    }

    public override func forward(_ x: Tensor) throws -> Tensor {
        try concat([branch1(x), branch2(x), branch3(x), branch4(x)], axis: 1)
    }
}

/// GoogLeNet's auxiliary classifier (torchvision's `InceptionAux`), read off an intermediate
/// `[N, C, 14, 14]` feature map: adaptive average pool to 4×4, 1×1 `BasicConv2d` to 128
/// channels (`conv`), flatten to 2048, `fc1` 2048 → 1024, ReLU, dropout, `fc2` 1024 → classes.
public final class GoogLeNetAuxiliary: Module {
    public let conv: BasicConv2d
    public let fc1: Linear
    /// The final layer (a `Linear` as built; after `ModelSpec.replaceHead`, whatever replaced it).
    @ModuleInfo public var fc2: Module
    public let dropout: Dropout

    public init(_ inChannels: Int, numClasses: Int, dropout p: Float = 0.7) throws {
        conv = try BasicConv2d(inChannels, 128, kernelSize: 1)
        fc1 = try Linear(inFeatures: 2048, outFeatures: 1024)
        fc2 = try Linear(inFeatures: 1024, outFeatures: numClasses)
        dropout = Dropout(p: p)
        super.init()
    }

    public override func forward(_ x: Tensor) throws -> Tensor {
        var h = try adaptiveAvgPool2d(x, outputSize: (4, 4))
        h = try conv(h).flattened()
        h = try relu(fc1(h))
        return try fc2(dropout(h))
    }
}
