/// Errors arranging a data set (class folders, splits, CSV listings); each names the
/// directory, split or file and line at fault.
public enum DatasetError: Error, CustomStringConvertible, Equatable {
    /// An image-folder root holds no class sub-folders.
    case noClassFolders(directory: String)
    /// Class folders without a single image file (torchvision's "Found no valid file").
    case emptyClasses(directory: String, classes: [String])
    /// A split's class folders differ from the training split's: `missing` are in train only,
    /// `extra` in this split only.
    case classMismatch(split: String, directory: String, missing: [String], extra: [String])
    /// A data set root's folders do not make a layout (say, `val/` without `train/`).
    case layout(directory: String, reason: String)
    /// A CSV listing's line `line` (1-based, where the record starts) is wrong.
    case csv(file: String, line: Int, reason: String)

    public var description: String {
        switch self {
        case let .noClassFolders(directory):
            return "\(directory): no class folders; an image-folder data set has one sub-folder of images per class"
        case let .emptyClasses(directory, classes):
            return "\(directory): no image files in the class folder\(classes.count == 1 ? "" : "s") \(classes.joined(separator: ", ")); "
                + "image files end in \(ImageFolder.imageExtensions.joined(separator: " "))"
        case let .classMismatch(split, directory, missing, extra):
            var parts: [String] = []
            if !missing.isEmpty { parts.append("lacks \(missing.joined(separator: ", "))") }
            if !extra.isEmpty { parts.append("has \(extra.joined(separator: ", ")) that train/ lacks") }
            return "\(directory): the \(split) split's classes differ from train/'s: it \(parts.joined(separator: " and "))"
        case let .layout(directory, reason):
            return "\(directory): \(reason)"
        case let .csv(file, line, reason):
            return "\(file):\(line): \(reason)"
        }
    }
}
