import GraftCore

/// Returns its input unchanged (`torch.nn.Identity`): a placeholder for a removed layer,
/// such as a classifier head replaced to extract features.
public final class Identity: Module {
    public override func forward(_ x: Tensor) throws -> Tensor { x }
}
