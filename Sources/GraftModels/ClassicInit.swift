import GraftCore
import GraftNN

/// The initialisation loops of torchvision's classic models (`for m in self.modules(): …`),
/// applied after construction. BatchNorm layers need nothing: they start at weight 1, bias 0.
enum ClassicInit {
    /// Every convolution of `model`, in module order.
    static func convolutions(_ model: Module) -> [Conv2d] {
        model.namedModules().compactMap { $0.1 as? Conv2d }
    }

    /// Every fully connected layer of `model`, in module order.
    static func linears(_ model: Module) -> [Linear] {
        model.namedModules().compactMap { $0.1 as? Linear }
    }

    /// `kaiming_normal_(w, mode="fan_out", nonlinearity="relu")` on every convolution weight
    /// (std √(2 / fan_out)) and zero biases: VGG, ResNet and MobileNetV2.
    static func kaimingNormalFanOutConvolutions(_ model: Module) throws {
        for conv in convolutions(model) {
            try Init.kaimingNormal(conv.weight, mode: .fanOut, nonlinearity: .relu)
            if let b = conv.bias { try Init.zeros(b) }
        }
    }

    /// `normal_(w, 0, std)` on every fully connected weight and zero biases: VGG and MobileNetV2.
    static func normalLinears(_ model: Module, std: Float) throws {
        for fc in linears(model) {
            try Init.normal(fc.weight, std: std)
            if let b = fc.bias { try Init.zeros(b) }
        }
    }

    /// EfficientNet's head: weight U(−1/√out, 1/√out) and a zero bias.
    static func uniformByOutputs(_ fc: Linear) throws {
        let range = 1 / Float(fc.outFeatures).squareRoot()
        try Init.uniform(fc.weight, low: -range, high: range)
        if let b = fc.bias { try Init.zeros(b) }
    }
}
