/// `axis` of a tensor of `shape` counted from the front (a negative axis counts from the end,
/// as in torch), or an error naming `op`, the axis and the shape.
func resolvedAxis(_ axis: Int, of shape: [Int], op: String) throws -> Int {
    let rank = shape.count
    guard axis >= -rank, axis < rank else {
        throw GraftError.invalidArgument(op: op, detail: "axis \(axis) is outside a rank-\(rank) tensor \(shapeString(shape))")
    }
    return axis < 0 ? axis + rank : axis
}
