/// torchvision's `ImageFolder`: `root/<class>/…/<image>`. Classes are the sub-folders of
/// `root` in Python's sorted order (code points), a class's label its position there; a
/// class's files are gathered as torchvision does (`sorted(os.walk(class_dir,
/// followlinks=True))`, each folder's files sorted), so labels and sample order match
/// torchvision's `samples`. Files count as images by their extension, case-insensitively
/// (`imageExtensions`); other files are skipped and listed in `skippedFiles`. Unlike
/// torchvision, hidden entries (leading '.') are skipped too, listed in `hiddenEntries`, and
/// a folder reached twice (a symbolic link to the root, to a folder above it or to another
/// class's folder, or two links to one folder) is an error rather than a loop or images
/// counted in two classes.
public struct ImageFolder: ImageFileList {
    /// torchvision's `IMG_EXTENSIONS`. Graft decodes JPEG and PNG; a file of another format
    /// fails when read, with an error naming it.
    public static let imageExtensions = [".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp"]

    /// The directory holding the class folders, as given.
    public let root: String
    public let classNames: [String]
    /// Path of each sample: `root/<class>/…/<file>` (as `os.path.join` writes it).
    public let paths: [String]
    /// Label of each sample.
    public let labels: [Int]
    /// Files passed over because their extension is not an image's, relative to `root`
    /// (files directly in `root` included).
    public let skippedFiles: [String]
    /// Hidden files and folders passed over (folders unvisited, with a trailing '/'),
    /// relative to `root`.
    public let hiddenEntries: [String]

    /// Reads the folder structure (no image is decoded). Throws when `root` cannot be read,
    /// has no class folders, a class folder holds no image file (naming every such class), or
    /// symbolic links reach a folder twice (naming both paths).
    public init(root: String) throws {
        self.root = root
        var skipped: [String] = [], hidden: [String] = []
        var classes: [String] = []
        for entry in try listDirectory(root) {
            if entry.name.hasPrefix(".") {
                hidden.append(entry.name + (entry.isDirectory ? "/" : ""))
            } else if entry.isDirectory {
                classes.append(entry.name)
            } else {
                skipped.append(entry.name)
            }
        }
        guard !classes.isEmpty else { throw DatasetError.noClassFolders(directory: root) }
        classes = classes.sortedByCodePoints()

        var paths: [String] = [], labels: [Int] = [], empty: [String] = []
        let base = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
        // Each folder's first path relative to the root, by device and inode.
        var reached: [String: String] = [:]
        try ImageFolder.reach(root, as: ".", root: root, reached: &reached)
        for name in classes { try ImageFolder.reach(base + "/" + name, as: name, root: root, reached: &reached) }
        for (label, name) in classes.enumerated() {
            var folders = try ImageFolder.walk(base + "/" + name, relative: name, root: root, reached: &reached, hidden: &hidden)
            folders.sort { $0.relative.precedesInCodePointOrder($1.relative) }
            let before = paths.count
            for folder in folders {
                for file in folder.files.sortedByCodePoints() {
                    if ImageFolder.hasImageExtension(file) {
                        paths.append(base + "/" + folder.relative + "/" + file)
                        labels.append(label)
                    } else {
                        skipped.append(folder.relative + "/" + file)
                    }
                }
            }
            if paths.count == before { empty.append(name) }
        }
        guard empty.isEmpty else { throw DatasetError.emptyClasses(directory: root, classes: empty) }
        classNames = classes
        self.paths = paths
        self.labels = labels
        skippedFiles = skipped.sortedByCodePoints()
        hiddenEntries = hidden.sortedByCodePoints()
    }

    /// Whether `name` ends in one of `imageExtensions`, ignoring case.
    public static func hasImageExtension(_ name: String) -> Bool {
        let lower = name.lowercased()
        return imageExtensions.contains { lower.hasSuffix($0) }
    }

    /// `directory` and every folder below it, each with its non-hidden files, as `os.walk`
    /// with `followlinks=True` lists them (unsorted), walked without recursion. Throws when a
    /// folder below `directory` was reached before (see `reach`).
    private static func walk(_ directory: String, relative: String, root: String, reached: inout [String: String],
                             hidden: inout [String]) throws -> [(relative: String, files: [String])] {
        var folders: [(relative: String, files: [String])] = []
        var pending = [(path: directory, relative: relative)]
        while let folder = pending.popLast() {
            var files: [String] = []
            for entry in try listDirectory(folder.path) {
                if entry.name.hasPrefix(".") {
                    hidden.append(folder.relative + "/" + entry.name + (entry.isDirectory ? "/" : ""))
                } else if entry.isDirectory {
                    let next = (path: folder.path + "/" + entry.name, relative: folder.relative + "/" + entry.name)
                    try reach(next.path, as: next.relative, root: root, reached: &reached)
                    pending.append(next)
                } else {
                    files.append(entry.name)
                }
            }
            folders.append((folder.relative, files))
        }
        return folders
    }

    /// Records that the folder at `path` is reached as `relative` (to the root) in `reached`
    /// (first relative paths by device and inode); throws when it was reached before, which
    /// only a symbolic link can do.
    private static func reach(_ path: String, as relative: String, root: String, reached: inout [String: String]) throws {
        guard let id = fileIdentity(path), let first = reached.updateValue(relative, forKey: id.key) else { return }
        throw DatasetError.layout(directory: root, reason: "\(first == "." ? "the root folder" : "the folder " + first) is reached again as "
                                  + "\(relative) through a symbolic link; a folder may belong to one class only, once")
    }
}
