import Foundation
import GraftData

/// The image files that command-line arguments name: a file stands for itself; a folder for
/// the image files under it (by extension, `ImageFolder.imageExtensions`), walked recursively,
/// hidden files and folders skipped, sorted by code point. Throws `TrainOptionsError` naming
/// an argument that does not exist or a folder without images.
public func imagePaths(_ arguments: [String]) throws -> [String] {
    var paths: [String] = []
    for argument in arguments {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) else {
            throw TrainOptionsError(description: "'\(argument)' does not exist")
        }
        guard isDirectory.boolValue else {
            paths.append(argument)
            continue
        }
        var found: [String] = []
        var visited = Set<String>()
        func walk(_ directory: String) throws {
            guard visited.insert(URL(fileURLWithPath: directory).resolvingSymlinksInPath().path).inserted else { return }
            for name in try FileManager.default.contentsOfDirectory(atPath: directory) where !name.hasPrefix(".") {
                let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
                var isFolder: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { continue }   // a broken link
                if isFolder.boolValue {
                    try walk(path)
                } else if ImageFolder.hasImageExtension(name) {
                    found.append(path)
                }
            }
        }
        try walk(argument)
        guard !found.isEmpty else {
            throw TrainOptionsError(description: "'\(argument)' holds no image files (\(ImageFolder.imageExtensions.joined(separator: " ")))")
        }
        paths += found.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) { $0.value < $1.value } }
    }
    return paths
}
