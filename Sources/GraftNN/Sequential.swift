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

    /// Applies the layers in order.
    public override func forward(_ x: Tensor) throws -> Tensor {
        var y = x
        for (_, layer) in children { y = try layer(y) }
        return y
    }
}
