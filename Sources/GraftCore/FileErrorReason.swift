import Foundation

/// Why a file operation failed, in the words of `strerror` ("Not a directory", "No space left
/// on device"), for messages that name the file themselves. Foundation's file errors carry the
/// system error underneath a code that it would print as `NSCocoaErrorDomain error 512`.
public func fileErrorReason(_ error: Error) -> String {
    let ns = error as NSError
    if ns.domain == NSPOSIXErrorDomain { return errnoText(Int32(ns.code)) }
    if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? Error, (underlying as NSError).domain == NSPOSIXErrorDomain {
        return errnoText(Int32((underlying as NSError).code))
    }
    if ns.domain == NSCocoaErrorDomain { return "file error \(ns.code)" }
    return "\(error)"
}

/// The file a Foundation file error names, if any.
public func fileErrorPath(_ error: Error) -> String? {
    (error as NSError).userInfo[NSFilePathErrorKey] as? String
}

/// The text of the system error `code` (the current `errno` by default), as `strerror` gives it.
public func errnoText(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }
