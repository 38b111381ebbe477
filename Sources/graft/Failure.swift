import ArgumentParser
import Foundation
import GraftCore

/// Runs `body`; an error is printed as `graft COMMAND: message` (`userMessage`) and exits with
/// status 1.
func reportingFailure(_ command: String, _ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ExitCode {
        throw error
    } catch {
        FileHandle.standardError.write(Data("graft \(command): \(userMessage(error))\n".utf8))
        throw ExitCode.failure
    }
}

/// An error as the user reads it: a Foundation file error as `FILE: reason` (never its domain
/// and code), anything else as its description; then, for each flag it names that came from
/// `--config`, the file and line that set it.
func userMessage(_ error: Error) -> String {
    let ns = error as NSError
    let text = ns.domain == NSCocoaErrorDomain || ns.domain == NSPOSIXErrorDomain
        ? "\(fileErrorPath(error) ?? "a file"): \(fileErrorReason(error))" : "\(error)"
    return text + ConfigFile.origins(of: text)
}
