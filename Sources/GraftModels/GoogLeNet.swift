import GraftCore
import GraftNN

/// GoogLeNet, Inception v1 (Szegedy et al., 2014, "Going Deeper with Convolutions"), exactly
/// as torchvision 0.14's `googlenet`: same modules, state-dict keys and order, and arithmetic.
/// For a 3×224×224 input (every conv is a `BasicConv2d`: conv without bias, BN eps 0.001, ReLU;
/// the Inception columns are #1×1, #3×3 reduce, #3×3, #5×5 reduce, #5×5, pool proj):
///
/// | layer | output |
/// | --- | --- |
/// | `conv1` 7×7/2, 64 | 64×112×112 |
/// | `maxpool1` 3×3/2 | 64×56×56 |
/// | `conv2` 1×1, 64; `conv3` 3×3, 192 | 192×56×56 |
/// | `maxpool2` 3×3/2 | 192×28×28 |
/// | `inception3a` 64, 96, 128, 16, 32, 32 | 256×28×28 |
/// | `inception3b` 128, 128, 192, 32, 96, 64 | 480×28×28 |
/// | `maxpool3` 3×3/2 | 480×14×14 |
/// | `inception4a` 192, 96, 208, 16, 48, 64 (→ `aux1`) | 512×14×14 |
/// | `inception4b` 160, 112, 224, 24, 64, 64 | 512×14×14 |
/// | `inception4c` 128, 128, 256, 24, 64, 64 | 512×14×14 |
/// | `inception4d` 112, 144, 288, 32, 64, 64 (→ `aux2`) | 528×14×14 |
/// | `inception4e` 256, 160, 320, 32, 128, 128 | 832×14×14 |
/// | `maxpool4` 2×2/2 | 832×7×7 |
/// | `inception5a` 256, 160, 320, 32, 128, 128 | 832×7×7 |
/// | `inception5b` 384, 192, 384, 48, 128, 128 | 1024×7×7 |
/// | `avgpool` global, flatten, `dropout` 0.2 | 1024 |
/// | `fc` (the head) | classes |
///
/// Max pools use ceil mode. The auxiliary classifiers `aux1` and `aux2` (`GoogLeNetAuxiliary`)
/// run only in training mode, through `forwardWithAuxiliary`; their losses are added with weight
/// 0.3 each. `forward` returns the main logits in every mode.
///
/// Weights are initialised as torchvision's `init_weights=True`: conv and linear weights from a
/// normal with std 0.01 truncated to [−2, 2], BatchNorm weight 1 and bias 0 (linear biases keep
/// torch's default initialisation).
public final class GoogLeNet: Module, TransferModel {
    /// Whether `forward` first applies torchvision's `transform_input` (see `init`).
    public let transformInput: Bool

    public let conv1: BasicConv2d
    public let maxpool1: MaxPool2d
    public let conv2: BasicConv2d
    public let conv3: BasicConv2d
    public let maxpool2: MaxPool2d
    public let inception3a: GoogLeNetInception
    public let inception3b: GoogLeNetInception
    public let maxpool3: MaxPool2d
    public let inception4a: GoogLeNetInception
    public let inception4b: GoogLeNetInception
    public let inception4c: GoogLeNetInception
    public let inception4d: GoogLeNetInception
    public let inception4e: GoogLeNetInception
    public let maxpool4: MaxPool2d
    public let inception5a: GoogLeNetInception
    public let inception5b: GoogLeNetInception
    /// The auxiliary classifiers after `inception4a` and `inception4d`; nil without them.
    public let aux1: GoogLeNetAuxiliary?
    public let aux2: GoogLeNetAuxiliary?
    public let avgpool: AdaptiveAvgPool2d
    public let dropout: Dropout
    /// The classification head (a `Linear` as built; after head surgery, whatever replaced it).
    @ModuleInfo public var fc: Module

    /// - Parameters:
    ///   - auxiliaryClassifiers: build `aux1` and `aux2` (torchvision's `aux_logits`).
    ///   - transformInput: torchvision's `transform_input`, off by default as in torchvision's
    ///     constructor. Turn it on to use torchvision's pretrained ImageNet weights (torchvision's
    ///     `googlenet(weights=…)` turns it on): they were ported from Google's original model,
    ///     which expects pixels scaled to [−1, 1], and the transform maps an ImageNet-normalised
    ///     batch to that range.
    ///   - dropout: dropout before `fc`; `auxiliaryDropout`: dropout in the auxiliary classifiers.
    public init(numClasses: Int = 1000, auxiliaryClassifiers: Bool = true, transformInput: Bool = false,
                dropout: Float = 0.2, auxiliaryDropout: Float = 0.7) throws {
        self.transformInput = transformInput
        conv1 = try BasicConv2d(3, 64, kernelSize: 7, stride: 2, padding: 3)
        maxpool1 = MaxPool2d(kernelSize: 3, stride: 2, ceilMode: true)
        conv2 = try BasicConv2d(64, 64, kernelSize: 1)
        conv3 = try BasicConv2d(64, 192, kernelSize: 3, padding: 1)
        maxpool2 = MaxPool2d(kernelSize: 3, stride: 2, ceilMode: true)
        inception3a = try GoogLeNetInception(192, ch1x1: 64, ch3x3red: 96, ch3x3: 128, ch5x5red: 16, ch5x5: 32, poolProj: 32)
        inception3b = try GoogLeNetInception(256, ch1x1: 128, ch3x3red: 128, ch3x3: 192, ch5x5red: 32, ch5x5: 96, poolProj: 64)
        maxpool3 = MaxPool2d(kernelSize: 3, stride: 2, ceilMode: true)
        inception4a = try GoogLeNetInception(480, ch1x1: 192, ch3x3red: 96, ch3x3: 208, ch5x5red: 16, ch5x5: 48, poolProj: 64)
        inception4b = try GoogLeNetInception(512, ch1x1: 160, ch3x3red: 112, ch3x3: 224, ch5x5red: 24, ch5x5: 64, poolProj: 64)
        inception4c = try GoogLeNetInception(512, ch1x1: 128, ch3x3red: 128, ch3x3: 256, ch5x5red: 24, ch5x5: 64, poolProj: 64)
        inception4d = try GoogLeNetInception(512, ch1x1: 112, ch3x3red: 144, ch3x3: 288, ch5x5red: 32, ch5x5: 64, poolProj: 64)
        inception4e = try GoogLeNetInception(528, ch1x1: 256, ch3x3red: 160, ch3x3: 320, ch5x5red: 32, ch5x5: 128, poolProj: 128)
        maxpool4 = MaxPool2d(kernelSize: 2, stride: 2, ceilMode: true)
        inception5a = try GoogLeNetInception(832, ch1x1: 256, ch3x3red: 160, ch3x3: 320, ch5x5red: 32, ch5x5: 128, poolProj: 128)
        inception5b = try GoogLeNetInception(832, ch1x1: 384, ch3x3red: 192, ch3x3: 384, ch5x5red: 48, ch5x5: 128, poolProj: 128)
        aux1 = auxiliaryClassifiers ? try GoogLeNetAuxiliary(512, numClasses: numClasses, dropout: auxiliaryDropout) : nil
        aux2 = auxiliaryClassifiers ? try GoogLeNetAuxiliary(528, numClasses: numClasses, dropout: auxiliaryDropout) : nil
        avgpool = AdaptiveAvgPool2d(1)
        self.dropout = Dropout(p: dropout)
        fc = try Linear(inFeatures: 1024, outFeatures: numClasses)
        super.init()
        for (_, m) in namedModules() {
            if let conv = m as? Conv2d {
                try Init.truncatedNormal(conv.weight, std: 0.01, a: -2, b: 2)
            } else if let linear = m as? Linear {
                try Init.truncatedNormal(linear.weight, std: 0.01, a: -2, b: 2)
            }
        }
    }

    /// The main logits, in training and evaluation mode alike (the auxiliary classifiers do not run).
    public override func forward(_ x: Tensor) throws -> Tensor {
        try run(x, auxiliary: false).output
    }

    /// In training mode with auxiliary classifiers: the main logits and `[aux1, aux2]`, in that
    /// order (`aux1` reads `inception4a`, `aux2` reads `inception4d`). Otherwise the main logits
    /// and no auxiliaries. torchvision returns `GoogLeNetOutputs(logits, aux_logits2,
    /// aux_logits1)` whose positions 1 and 2 hold aux1's and aux2's outputs, in that order,
    /// although the field names say the opposite; the loss `CE(main) + 0.3 · (CE(aux1) + CE(aux2))`
    /// is the same either way.
    public override func forwardWithAuxiliary(_ x: Tensor) throws -> (output: Tensor, auxiliary: [Tensor]) {
        try run(x, auxiliary: training && aux1 != nil)
    }

    public func forwardFeatures(_ x: Tensor) throws -> Tensor {
        try features(x, auxiliary: false).features
    }

    private func run(_ input: Tensor, auxiliary: Bool) throws -> (output: Tensor, auxiliary: [Tensor]) {
        let (x, aux) = try features(input, auxiliary: auxiliary)
        return (try fc(x), aux)
    }

    /// The input of `fc` (after the dropout), and the auxiliary logits when `auxiliary`.
    private func features(_ input: Tensor, auxiliary: Bool) throws -> (features: Tensor, auxiliary: [Tensor]) {
        var aux: [Tensor] = []
        var x = transformInput ? try torchvisionTransformInput(input) : input
        x = try maxpool1(conv1(x))
        x = try maxpool2(conv3(conv2(x)))
        x = try maxpool3(inception3b(inception3a(x)))
        x = try inception4a(x)
        if auxiliary, let aux1 { aux.append(try aux1(x)) }
        x = try inception4d(inception4c(inception4b(x)))
        if auxiliary, let aux2 { aux.append(try aux2(x)) }
        x = try maxpool4(inception4e(x))
        x = try inception5b(inception5a(x))
        x = try avgpool(x).flattened()
        return (try dropout(x), aux)
    }

    public var head: Module { fc }
    public var auxiliaryHeads: [Module] { [aux1, aux2].compactMap { $0 } }
    public var auxiliaryLossWeight: Float { 0.3 }
    public var stages: [Module] {
        [conv1, conv2, conv3, inception3a, inception3b, inception4a, inception4b, inception4c, inception4d,
         inception4e, inception5a, inception5b, fc]
    }

    /// torchvision's GoogLeNet with its auxiliary classifiers and torchvision 0.29's ImageNet-1K
    /// weights.
    static let zoo = [
        ModelSpec("googlenet", weights: [
            .torchvision("IMAGENET1K_V1", url: "https://download.pytorch.org/models/googlenet-1378be20.pth",
                         mebibytes: 49.731, top1: 69.778, top5: 89.53, crop: 224),
        ]) { try GoogLeNet(numClasses: $0) },
    ]
}
