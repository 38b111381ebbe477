import Foundation
import GraftCore
import GraftData

/// A run's `log.jsonl`: one JSON object per line, each line flushed to disk as it is added.
final class JSONLinesLog {
    private let handle: FileHandle
    let path: String

    /// Opens `path`, emptied unless `append`.
    init(_ path: String, append: Bool) throws {
        self.path = path
        if !append || !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw DataError.unwritable(file: path, reason: "cannot create the log")
            }
        }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw DataError.unwritable(file: path, reason: "cannot open the log")
        }
        handle.seekToEndOfFile()
        self.handle = handle
    }

    deinit { try? handle.close() }

    func append(_ line: String) throws {
        do {
            try handle.write(contentsOf: Data((line + "\n").utf8))
            try handle.synchronize()
        } catch {
            throw DataError.unwritable(file: path, reason: fileErrorReason(error))
        }
    }
}
