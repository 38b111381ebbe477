import GraftCore

/// Flattens every dimension from `startDim` on into one (`torch.nn.Flatten`):
/// `[N, C, H, W]` → `[N, C·H·W]` by default.
public final class Flatten: Module {
    /// The first dimension folded into the last.
    public let startDim: Int

    public init(startDim: Int = 1) {
        self.startDim = startDim
        super.init()
    }

    public override func forward(_ x: Tensor) throws -> Tensor { try x.flattened(startDim: startDim) }
}
