import CDNNL
import XCTest
@testable import GraftCore

/// `t` reordered into a blocked layout (`nChw16c` by default): see `inLayout`.
func blocked(_ t: Tensor, _ tag: dnnl_format_tag_t = dnnl_nChw16c) -> Tensor { inLayout(t, tag) }

/// The output of a 3×3 convolution (padding 1) with `channels` output channels, computed
/// without gradients, with its row-major values by the naive reference: oneDNN stores it in
/// a blocked layout when it prefers one.
func convOutput(_ shape: [Int], channels: Int, seed: UInt64) throws -> (tensor: Tensor, values: [Double]) {
    let x = randomTensor(shape, seed: seed)
    let w = randomTensor([channels, shape[1], 3, 3], seed: seed + 1)
    let config = Conv2dConfig(padding: .symmetric(1))
    let y = try GradMode.withoutGradients { try conv2d(x, weight: w, config) }
    return (y, referenceConv2d(x.toArray(), x.shape, w.toArray(), w.shape, nil, config).0)
}
