import Foundation

/// Makes the run folder `path` and its parents (nothing when it exists); the error names `--out`.
func createRunFolder(_ path: String) throws {
    do {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    } catch {
        throw TrainOptionsError(description: "--out '\(path)': cannot create the folder (\(error.localizedDescription))")
    }
}
