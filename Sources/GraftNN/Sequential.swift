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

    /// Applies the layers in order.
    public override func forward(_ x: Tensor) throws -> Tensor {
        try forward(x, throughFirst: registeredChildren.count)
    }

    /// Applies the first `count` layers, as `forward` applies them all (a transfer model's
    /// features stop before the head that ends its classifier).
    public func forward(_ x: Tensor, throughFirst count: Int) throws -> Tensor {
        try registeredChildren.prefix(max(0, count)).reduce(x) { y, layer in try layer.1(y) }
    }
}
