/// Errors reading a data set; each names the file or directory at fault.
public enum DataError: Error, CustomStringConvertible, Equatable {
    /// A data set directory lacks files it needs; `lookedFor` lists the names tried.
    case missingFiles(directory: String, lookedFor: [String])
    /// A file exists but its contents are not what its format requires.
    case corrupt(file: String, reason: String)
    /// A file could not be opened or read.
    case unreadable(file: String, reason: String)
    /// A file could not be created or written.
    case unwritable(file: String, reason: String)

    public var description: String {
        switch self {
        case let .missingFiles(directory, lookedFor):
            return "\(directory): not an IDX data set; looked for \(lookedFor.joined(separator: ", "))"
        case let .corrupt(file, reason):
            return "\(file): \(reason)"
        case let .unreadable(file, reason):
            return "\(file): cannot read (\(reason))"
        case let .unwritable(file, reason):
            return "\(file): cannot write (\(reason))"
        }
    }
}
