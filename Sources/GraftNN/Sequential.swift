import GraftCore

/// Layers applied one after another, as `torch.nn.Sequential`: the children are named
/// "0", "1", …, so their parameters are "0.weight", "1.bias", ….
public final class Sequential: Module {
    /// The given layers, in order.
    public init(_ layers: [Module] = []) {
        super.init()
        for layer in layers { append(layer) }
    }

    /// The given layers, in order.
    public convenience init(_ first: Module, _ rest: Module...) {
        self.init([first] + rest)
    }

    /// The given layers under the given names, in order, as `nn.Sequential(OrderedDict(…))`
    /// (RegNet's `block1`, `block1-0`).
    public init(named layers: [(String, Module)]) {
        super.init()
        for (name, layer) in layers { register(name, layer) }
    }

    /// Adds a layer at the end, named after its index.
    public func append(_ layer: Module) {
        register(String(registeredChildren.count), layer)
    }

    /// Number of layers.
    public var count: Int { registeredChildren.count }

    /// The layers, in order.
    public var layers: [Module] { registeredChildren.map(\.1) }

    /// The layer at `index`; setting it replaces the layer in place.
    public subscript(index: Int) -> Module {
        get { registeredChildren[index].1 }
        set { register(registeredChildren[index].0, newValue) }
    }

    /// Applies the layers in order. When nothing records a gradient, a `Conv2d` followed by
    /// a `BatchNorm2d` using its running statistics (and a `ReLU` or `ReLU6`) runs as one
    /// folded convolution, and a `Conv2d` followed by a `ReLU` as one convolution with the
    /// ReLU as its post-op (MobileNet's, VGG's and AlexNet's layers in inference or frozen);
    /// while a `ModuleTrace` records, every layer runs.
    public override func forward(_ x: Tensor) throws -> Tensor {
        try forward(x, throughFirst: registeredChildren.count)
    }

    /// Applies the first `count` layers, as `forward` applies them all (a transfer model's
    /// features stop before the head that ends its classifier).
    public func forward(_ x: Tensor, throughFirst count: Int) throws -> Tensor {
        var y = x, i = 0
        let layers = registeredChildren.prefix(max(0, count))
        func layer(_ k: Int) -> Module? { k < layers.count ? layers[k].1 : nil }
        func activation(_ k: Int) -> FusedActivation? { layer(k) is ReLU ? .relu : layer(k) is ReLU6 ? .relu6 : nil }
        while i < layers.count {
            if ModuleTrace.active == nil, let conv = layer(i) as? Conv2d {
                if let bn = layer(i + 1) as? BatchNorm2d, foldsIntoConvolution(conv, bn, y) {
                    let act = activation(i + 2)
                    y = try convBatchNorm(conv, bn, activation: act, y)
                    i += act == nil ? 2 : 3
                    continue
                }
                if activation(i + 1) == .relu, !conv.recordsGradient(from: y) {
                    y = try conv2dReLU(y, weight: conv.weight, bias: conv.bias, conv.config)
                    i += 2
                    continue
                }
            }
            y = try layers[i].1(y)
            i += 1
        }
        return y
    }
}
