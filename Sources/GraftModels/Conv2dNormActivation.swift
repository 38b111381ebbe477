import GraftNN

/// torchvision's `Conv2dNormActivation` (`torchvision.ops.misc`): a convolution without bias
/// and with padding (k − 1) / 2 ("0"), BatchNorm ("1", torch's defaults unless `norm` makes
/// another) and, when given, the activation ("2").
func conv2dNormActivation(_ inChannels: Int, _ outChannels: Int, kernelSize: Int = 3, stride: Int = 1,
                          groups: Int = 1, norm: (Int) -> BatchNorm2d = { BatchNorm2d($0) },
                          activation: Module?) throws -> Sequential {
    let conv = try Conv2d(inChannels: inChannels, outChannels: outChannels, kernelSize: kernelSize, stride: stride,
                          padding: (kernelSize - 1) / 2, groups: groups, bias: false)
    return Sequential([conv, norm(outChannels)] + (activation.map { [$0] } ?? []))
}
