import GraftCore
import GraftNN

/// torchvision's `BasicConv2d` of GoogLeNet and Inception-v3: a bias-free convolution
/// (`conv`), batch normalisation with eps 0.001 (`bn`), then ReLU.
public final class BasicConv2d: Module {
    public let conv: Conv2d
    public let bn: BatchNorm2d

    /// Rectangular kernel, stride and `(h, w)` padding, as torch's `kernel_size=(kh, kw)`, `padding=(ph, pw)`.
    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: (Int, Int), stride: Int = 1,
                padding: (Int, Int) = (0, 0)) throws {
        conv = try Conv2d(inChannels: inChannels, outChannels: outChannels, kernelSize: kernelSize,
                          stride: (stride, stride), padding: padding, bias: false)
        bn = BatchNorm2d(outChannels, eps: 0.001)
        super.init()
    }

    /// Square kernel with the same padding on every side.
    public convenience init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0) throws {
        try self.init(inChannels, outChannels, kernelSize: (kernelSize, kernelSize), stride: stride,
                      padding: (padding, padding))
    }

    public override func forward(_ x: Tensor) throws -> Tensor {
        try relu(bn(conv(x)))
    }
}
