/// torchvision's `ImageFolder`: `root/<class>/…/<image>`. Classes are the sub-folders of
/// `root` in Python's sorted order (code points), a class's label its position there; a
/// class's files are gathered as torchvision does (`sorted(os.walk(class_dir,
/// followlinks=True))`, each folder's files sorted), so labels and sample order match
/// torchvision's `samples`. Files count as images by their extension, case-insensitively
/// (`imageExtensions`); other files are skipped and listed in `skippedFiles`. Unlike
/// torchvision, hidden entries (leading '.') are skipped too, listed in `hiddenEntries`, and
/// a folder reached twice through symbolic links is walked once.
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
    /// has no class folders, or a class folder holds no image file (naming every such class).
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
        for (label, name) in classes.enumerated() {
            var visited = Set<String>()
            var folders: [(relative: String, files: [String])] = []
            try ImageFolder.walk(base + "/" + name, relative: name, into: &folders, hidden: &hidden, visited: &visited)
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

    /// Appends `directory` and every folder below it, each with its non-hidden files, as
    /// `os.walk` with `followlinks=True` lists them (unsorted).
    private static func walk(_ directory: String, relative: String, into folders: inout [(relative: String, files: [String])],
                             hidden: inout [String], visited: inout Set<String>) throws {
        if let id = fileIdentity(directory) {
            guard visited.insert("\(id.device):\(id.inode)").inserted else { return }
        }
        var files: [String] = [], subfolders: [String] = []
        for entry in try listDirectory(directory) {
            if entry.name.hasPrefix(".") {
                hidden.append(relative + "/" + entry.name + (entry.isDirectory ? "/" : ""))
            } else if entry.isDirectory {
                subfolders.append(entry.name)
            } else {
                files.append(entry.name)
            }
        }
        folders.append((relative, files))
        for name in subfolders {
            try walk(directory + "/" + name, relative: relative + "/" + name, into: &folders, hidden: &hidden, visited: &visited)
        }
    }
}
