import ArgumentParser
import Foundation
import GraftCore
import GraftTrain

/// The one error wrapper of the commands: runs `body`; an error is printed as
/// `graft COMMAND: message` (`userMessage`) and exits with status 1.
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
/// and code), a training option error as its flag and problem, anything else as its
/// description with option names spelled as flags; then, for each flag it names that came from
/// `--config`, the file and line that set it.
func userMessage(_ error: Error) -> String {
    let ns = error as NSError
    let text: String
    if let error = error as? TrainingOptionError {
        text = OptionSpelling.message(error)
    } else if ns.domain == NSCocoaErrorDomain || ns.domain == NSPOSIXErrorDomain {
        text = "\(fileErrorPath(error) ?? "a file"): \(fileErrorReason(error))"
    } else {
        text = OptionSpelling.spell("\(error)")
    }
    return text + ConfigFile.origins(of: text)
}
