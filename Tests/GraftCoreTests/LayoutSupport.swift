import CDNNL
import XCTest
@testable import GraftCore

/// The non-plain 4-D layouts oneDNN primitives pick for images.
let imageLayouts: [(name: String, tag: dnnl_format_tag_t)] = [("nChw16c", dnnl_nChw16c), ("nChw8c", dnnl_nChw8c), ("nhwc", dnnl_nhwc)]

/// `t` (`[N, C, H, W]`) reordered into layout `tag`, recorded for autodiff, so that an op
/// sees the blocked input a convolution might hand it and gets its gradient back.
func inLayout(_ t: Tensor, _ tag: dnnl_format_tag_t, file: StaticString = #filePath, line: UInt = #line) -> Tensor {
    var md = dnnl_memory_desc_t()
    XCTAssertEqual(dnnl_memory_desc_init_by_tag(&md, Int32(t.shape.count), DNNL.dims(t.shape), dnnl_f32, tag), dnnl_success,
                   file: file, line: line)
    let out = t.reordered(to: md)
    XCTAssertFalse(out.isRowMajor, "layout \(tag) of \(shapeString(t.shape)) is row-major", file: file, line: line)
    return out
}
