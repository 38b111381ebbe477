/// Errors raised by Graft's engine and layers. Every message names the operation and the
/// shapes or values at fault, so a user can find the line of their model that caused it.
public enum GraftError: Error, CustomStringConvertible, Equatable {
    /// Two shapes that an operation needs to agree do not.
    case shapeMismatch(op: String, detail: String, lhs: [Int], rhs: [Int])
    /// An argument is out of its domain (a negative stride, an empty kernel, …).
    case invalidArgument(op: String, detail: String)
    /// oneDNN refused a primitive or an execution; `status` is its status name.
    case engine(op: String, status: String)
    /// An operation needs data that is not there (backward without a graph, …).
    case invalidState(String)

    public var description: String {
        switch self {
        case let .shapeMismatch(op, detail, lhs, rhs):
            return "\(op): \(detail): \(shapeString(lhs)) vs \(shapeString(rhs))"
        case let .invalidArgument(op, detail):
            return "\(op): \(detail)"
        case let .engine(op, status):
            return "\(op): oneDNN failed with \(status)"
        case let .invalidState(detail):
            return detail
        }
    }
}

/// `[2, 3, 32, 32]` for a shape.
public func shapeString(_ shape: [Int]) -> String {
    "[" + shape.map(String.init).joined(separator: ", ") + "]"
}
