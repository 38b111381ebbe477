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

    /// Adds a layer at the end, named after its index.
    public func append(_ layer: Module) {
        register(String(children.count), layer)
    }

    /// Number of layers.
    public var count: Int { children.count }

    /// The layer at `index`; setting it replaces the layer in place.
    public subscript(index: Int) -> Module {
        get { children[index].1 }
        set { register(children[index].0, newValue) }
    }

    /// Applies the layers in order. A `Conv2d` followed by a `ReLU` runs as one convolution
    /// with the ReLU as its post-op when nothing records a gradient (VGG's and AlexNet's
    /// features in inference or frozen); while a `ModuleTrace` records, every layer runs.
    public override func forward(_ x: Tensor) throws -> Tensor {
        var y = x, i = 0
        while i < children.count {
            if let conv = children[i].1 as? Conv2d, i + 1 < children.count, children[i + 1].1 is ReLU,
               ModuleTrace.active == nil, !conv.recordsGradient(from: y) {
                y = try conv2dReLU(y, weight: conv.weight, bias: conv.bias, conv.config)
                i += 2
            } else {
                y = try children[i].1(y)
                i += 1
            }
        }
        return y
    }
}
