import Foundation
import GraftCore

/// Makes the run folder `path` and its parents (nothing when it exists); the error names the `out` option.
func createRunFolder(_ path: String) throws {
    do {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    } catch {
        throw TrainingOptionError(.out, "'\(path)': cannot create the folder: \(fileErrorReason(error))")
    }
}

extension RunFiles {
    /// The run's files now in the folder.
    var existing: [String] {
        [last, pendingLast, state, best, log, report].filter { FileManager.default.fileExists(atPath: $0) }
    }

    /// Refuses to start a run over another one unless `overwrite`, to resume where there is no
    /// run, and contradictory flags. Throws `TrainingOptionError` naming the option at fault and the way out.
    func checkUse(resume: Bool, resumeWithChanges: Bool, overwrite: Bool) throws {
        if resume && overwrite { throw TrainingOptionError(.resume, "continues the run in `out` '\(folder)' and `overwrite` replaces it: give one of them") }
        if resumeWithChanges && !resume { throw TrainingOptionError(.resumeWithChanges, "goes with `resume`") }
        if resume {
            guard FileManager.default.fileExists(atPath: state) else {
                throw TrainingOptionError(.resume, "`out` '\(folder)' holds no run to continue (no \((state as NSString).lastPathComponent))")
            }
        } else if !overwrite, !existing.isEmpty {
            let names = existing.map { ($0 as NSString).lastPathComponent }.joined(separator: ", ")
            throw TrainingOptionError(.out, "'\(folder)' already holds a run (\(names)); add `overwrite` to replace it, `resume` to continue it, or choose another `out`")
        }
    }

    /// Removes the run's files, leaving anything else in the folder.
    func clear() throws {
        for file in existing { try FileManager.default.removeItem(atPath: file) }
    }
}
