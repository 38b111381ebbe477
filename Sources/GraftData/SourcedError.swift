/// An error met while reading or transforming the image from `source` (a file), described so
/// that the file is named once: an error that names it already (a decoder's) reads as it is.
public struct SourcedError: Error, CustomStringConvertible {
    public let source: String
    public let underlying: Error

    public init(source: String, underlying: Error) {
        self.source = source
        self.underlying = underlying
    }

    public var description: String {
        let what = "\(underlying)"
        return what.contains(source) ? what : "\(source): \(what)"
    }
}
