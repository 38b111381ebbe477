import GraftCore

/// torchvision's `transform_input` of GoogLeNet and Inception-v3: re-normalises a batch that
/// was normalised with ImageNet's mean and std into the (x − 0.5) / 0.5 range that Google's
/// original weights expect. Per channel c: `x · (std[c] / 0.5) + (mean[c] − 0.5) / 0.5`, with
/// the coefficients computed in double precision and applied in float, as torch does.
func torchvisionTransformInput(_ x: Tensor) throws -> Tensor {
    guard x.shape.count == 4, x.shape[1] == 3 else {
        throw GraftError.shapeMismatch(op: "transform_input", detail: "input must be [N, 3, H, W]; input vs expected channels",
                                       lhs: x.shape, rhs: [3])
    }
    let mean: [Double] = [0.485, 0.456, 0.406], std: [Double] = [0.229, 0.224, 0.225]
    let scale = Tensor(shape: [1, 3, 1, 1], data: std.map { Float($0 / 0.5) })
    let shift = Tensor(shape: [1, 3, 1, 1], data: mean.map { Float(($0 - 0.5) / 0.5) })
    return try add(mul(x, scale), shift)
}
