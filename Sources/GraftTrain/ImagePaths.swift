import Foundation
import GraftCore
import GraftData

/// The extensions of the image files Graft decodes (JPEG and PNG), ignoring case.
public let decodableImageExtensions = [".jpg", ".jpeg", ".png"]

/// The image files that command-line arguments name: a file stands for itself; a folder for
/// the JPEG and PNG files under it (by extension, `decodableImageExtensions`), walked
/// recursively, hidden files and folders skipped, sorted by code point. Files under a folder
/// with another image extension (`.webp`, `.tif`, …) are left out and passed to
/// `unsupported`. Throws `ImagePathError` naming an argument that does not exist or a folder
/// without images.
public func imagePaths(_ arguments: [String], unsupported: (String) -> Void = { _ in }) throws -> [String] {
    var paths: [String] = []
    for argument in arguments {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) else {
            throw ImagePathError(description: "'\(argument)' does not exist")
        }
        guard isDirectory.boolValue else {
            paths.append(argument)
            continue
        }
        var found: [String] = [], skipped = 0
        var visited = Set<String>()
        func walk(_ directory: String) throws {
            guard visited.insert(URL(fileURLWithPath: directory).resolvingSymlinksInPath().path).inserted else { return }
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: directory)
            } catch {
                throw DataError.unreadable(file: directory, reason: fileErrorReason(error))
            }
            for name in names where !name.hasPrefix(".") {
                let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
                var isFolder: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { continue }   // a broken link
                let lower = name.lowercased()
                if isFolder.boolValue {
                    try walk(path)
                } else if decodableImageExtensions.contains(where: { lower.hasSuffix($0) }) {
                    found.append(path)
                } else if ImageFolder.hasImageExtension(name) {
                    skipped += 1
                    unsupported(path)
                }
            }
        }
        try walk(argument)
        guard !found.isEmpty else {
            let also = skipped > 0 ? "; \(skipped) files of other image formats were left out" : ""
            throw ImagePathError(description: "'\(argument)' holds no image files Graft decodes "
                                    + "(\(decodableImageExtensions.joined(separator: " ")))\(also)")
        }
        paths += found.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) { $0.value < $1.value } }
    }
    return paths
}

/// An image argument that names no file or a folder without images Graft decodes.
public struct ImagePathError: Error, CustomStringConvertible {
    public let description: String
}
