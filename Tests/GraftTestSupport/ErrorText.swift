/// The description of the error `body` throws, or "(no error thrown)", which no check of an
/// error's text accepts.
public func errorText<T>(_ body: () throws -> T) -> String {
    do {
        _ = try body()
        return "(no error thrown)"
    } catch {
        return "\(error)"
    }
}
