import GraftCore
import GraftNN

/// Inception-v3 (Szegedy et al., 2015, "Rethinking the Inception Architecture for Computer
/// Vision"), exactly as torchvision 0.14's `inception_v3`: same modules, state-dict keys and
/// order, and arithmetic. For a 3×299×299 input (every conv is a `BasicConv2d`: conv without
/// bias, BN eps 0.001, ReLU; "/2" is stride 2, convolutions without padding unless noted):
///
/// | layer | output |
/// | --- | --- |
/// | `Conv2d_1a_3x3` 3×3/2, 32 | 32×149×149 |
/// | `Conv2d_2a_3x3` 3×3, 32 | 32×147×147 |
/// | `Conv2d_2b_3x3` 3×3 padded, 64 | 64×147×147 |
/// | `maxpool1` 3×3/2 | 64×73×73 |
/// | `Conv2d_3b_1x1` 1×1, 80 | 80×73×73 |
/// | `Conv2d_4a_3x3` 3×3, 192 | 192×71×71 |
/// | `maxpool2` 3×3/2 | 192×35×35 |
/// | `Mixed_5b`, `Mixed_5c`, `Mixed_5d` (`InceptionA`, pool features 32, 64, 64) | 288×35×35 |
/// | `Mixed_6a` (`InceptionB`) | 768×17×17 |
/// | `Mixed_6b` … `Mixed_6e` (`InceptionC`, c7 = 128, 160, 160, 192) (→ `AuxLogits`) | 768×17×17 |
/// | `Mixed_7a` (`InceptionD`) | 1280×8×8 |
/// | `Mixed_7b`, `Mixed_7c` (`InceptionE`) | 2048×8×8 |
/// | `avgpool` global, `dropout` 0.5, flatten | 2048 |
/// | `fc` (the head) | classes |
///
/// The auxiliary classifier `AuxLogits` (`InceptionV3Auxiliary`) runs only in training mode,
/// through `forwardWithAuxiliary`; torchvision's reference training adds its loss with weight
/// 0.4. `forward` returns the main logits in every mode.
///
/// Weights are initialised as torchvision's `init_weights=True`: every conv and linear weight
/// from a normal truncated to [−2, 2] with std 0.1, except `AuxLogits.fc` with std 0.001;
/// BatchNorm weight 1 and bias 0. (torchvision also tags `AuxLogits.conv1` with std 0.01, but
/// on the `BasicConv2d` wrapper, which its initialisation loop skips: that conv gets 0.1 too.)
public final class InceptionV3: Module, TransferModel {
    /// Whether `forward` first applies torchvision's `transform_input` (see `init`).
    public let transformInput: Bool

    public let Conv2d_1a_3x3: BasicConv2d
    public let Conv2d_2a_3x3: BasicConv2d
    public let Conv2d_2b_3x3: BasicConv2d
    public let maxpool1: MaxPool2d
    public let Conv2d_3b_1x1: BasicConv2d
    public let Conv2d_4a_3x3: BasicConv2d
    public let maxpool2: MaxPool2d
    public let Mixed_5b: InceptionA, Mixed_5c: InceptionA, Mixed_5d: InceptionA
    public let Mixed_6a: InceptionB
    public let Mixed_6b: InceptionC, Mixed_6c: InceptionC, Mixed_6d: InceptionC, Mixed_6e: InceptionC
    /// The auxiliary classifier after `Mixed_6e`; nil without it.
    public let AuxLogits: InceptionV3Auxiliary?
    public let Mixed_7a: InceptionD
    public let Mixed_7b: InceptionE, Mixed_7c: InceptionE
    public let avgpool: AdaptiveAvgPool2d
    public let dropout: Dropout
    /// The classification head (a `Linear` as built; after head surgery, whatever replaced it).
    @ModuleInfo public var fc: Module

    /// - Parameters:
    ///   - auxiliaryClassifier: build `AuxLogits` (torchvision's `aux_logits`).
    ///   - transformInput: torchvision's `transform_input`, off by default as in torchvision's
    ///     constructor; torchvision's pretrained weights (ported from Google's model, which
    ///     expects pixels in [−1, 1]) need it on.
    ///   - dropout: dropout before `fc`.
    public init(numClasses: Int = 1000, auxiliaryClassifier: Bool = true, transformInput: Bool = false,
                dropout: Float = 0.5) throws {
        self.transformInput = transformInput
        Conv2d_1a_3x3 = try BasicConv2d(3, 32, kernelSize: 3, stride: 2)
        Conv2d_2a_3x3 = try BasicConv2d(32, 32, kernelSize: 3)
        Conv2d_2b_3x3 = try BasicConv2d(32, 64, kernelSize: 3, padding: 1)
        maxpool1 = MaxPool2d(kernelSize: 3, stride: 2)
        Conv2d_3b_1x1 = try BasicConv2d(64, 80, kernelSize: 1)
        Conv2d_4a_3x3 = try BasicConv2d(80, 192, kernelSize: 3)
        maxpool2 = MaxPool2d(kernelSize: 3, stride: 2)
        Mixed_5b = try InceptionA(192, poolFeatures: 32)
        Mixed_5c = try InceptionA(256, poolFeatures: 64)
        Mixed_5d = try InceptionA(288, poolFeatures: 64)
        Mixed_6a = try InceptionB(288)
        Mixed_6b = try InceptionC(768, channels7x7: 128)
        Mixed_6c = try InceptionC(768, channels7x7: 160)
        Mixed_6d = try InceptionC(768, channels7x7: 160)
        Mixed_6e = try InceptionC(768, channels7x7: 192)
        AuxLogits = auxiliaryClassifier ? try InceptionV3Auxiliary(768, numClasses: numClasses) : nil
        Mixed_7a = try InceptionD(768)
        Mixed_7b = try InceptionE(1280)
        Mixed_7c = try InceptionE(2048)
        avgpool = AdaptiveAvgPool2d(1)
        self.dropout = Dropout(p: dropout)
        fc = try Linear(inFeatures: 2048, outFeatures: numClasses)
        super.init()
        for (_, m) in namedModules() {
            if let conv = m as? Conv2d {
                try Init.truncatedNormal(conv.weight, std: 0.1, a: -2, b: 2)
            } else if let linear = m as? Linear {
                let std: Float = linear === AuxLogits?.fc ? 0.001 : 0.1
                try Init.truncatedNormal(linear.weight, std: std, a: -2, b: 2)
            }
        }
    }

    /// The main logits, in training and evaluation mode alike (the auxiliary classifier does not run).
    public override func forward(_ x: Tensor) throws -> Tensor {
        try run(x, auxiliary: false).output
    }

    /// In training mode with the auxiliary classifier: the main logits and `[AuxLogits]`
    /// (torchvision's `InceptionOutputs(logits, aux_logits)`); otherwise the main logits and no
    /// auxiliaries.
    public override func forwardWithAuxiliary(_ x: Tensor) throws -> (output: Tensor, auxiliary: [Tensor]) {
        try run(x, auxiliary: training && AuxLogits != nil)
    }

    public func forwardFeatures(_ x: Tensor) throws -> Tensor {
        try features(x, auxiliary: false).features
    }

    private func run(_ input: Tensor, auxiliary: Bool) throws -> (output: Tensor, auxiliary: [Tensor]) {
        let (x, aux) = try features(input, auxiliary: auxiliary)
        return (try fc(x), aux)
    }

    /// The input of `fc` (pooled, after the dropout), and the auxiliary logits when `auxiliary`.
    private func features(_ input: Tensor, auxiliary: Bool) throws -> (features: Tensor, auxiliary: [Tensor]) {
        var aux: [Tensor] = []
        var x = transformInput ? try torchvisionTransformInput(input) : input
        x = try Conv2d_2b_3x3(Conv2d_2a_3x3(Conv2d_1a_3x3(x)))
        x = try maxpool1(x)
        x = try Conv2d_4a_3x3(Conv2d_3b_1x1(x))
        x = try maxpool2(x)
        x = try Mixed_5d(Mixed_5c(Mixed_5b(x)))
        x = try Mixed_6a(x)
        x = try Mixed_6e(Mixed_6d(Mixed_6c(Mixed_6b(x))))
        if auxiliary, let AuxLogits { aux.append(try AuxLogits(x)) }
        x = try Mixed_7c(Mixed_7b(Mixed_7a(x)))
        return (try dropout(avgpool(x)).flattened(), aux)
    }

    public var head: Module { fc }
    public var auxiliaryHeads: [Module] { [AuxLogits].compactMap { $0 } }
    public var auxiliaryLossWeight: Float { 0.4 }
    public var stages: [Module] {
        [Conv2d_1a_3x3, Conv2d_2a_3x3, Conv2d_2b_3x3, Conv2d_3b_1x1, Conv2d_4a_3x3, Mixed_5b, Mixed_5c, Mixed_5d,
         Mixed_6a, Mixed_6b, Mixed_6c, Mixed_6d, Mixed_6e, Mixed_7a, Mixed_7b, Mixed_7c, fc]
    }

    /// torchvision's Inception-v3 with its auxiliary classifier and torchvision 0.29's ImageNet-1K
    /// weights, at 299×299 (resize 342).
    static let zoo = [
        ModelSpec("inception_v3", weights: [
            .torchvision("IMAGENET1K_V1", url: "https://download.pytorch.org/models/inception_v3_google-0cc3c7bd.pth",
                         mebibytes: 103.903, top1: 77.294, top5: 93.45, crop: 299, resize: 342),
        ]) { try InceptionV3(numClasses: $0) },
    ]
}
