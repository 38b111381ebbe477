/// The image folders of a data set root: either `train/` with `val/` (or `valid/`,
/// `validation/`) and an optional `test/`, each an `ImageFolder` with the same classes; or
/// the root itself as one `ImageFolder` (or `train/` alone, with `test/` or not), whose
/// validation part must be split off (`needsSplit`, `trainAndValidation`).
public struct DatasetLayout: Sendable {
    /// The names a validation folder may have.
    public static let validationNames = ["val", "valid", "validation"]

    public let root: String
    public let train: ImageFolder
    /// nil when the root has no validation folder.
    public let validation: ImageFolder?
    public let test: ImageFolder?

    /// Whether the validation part must be split off `train`.
    public var needsSplit: Bool { validation == nil }

    /// Reads the layout of `root`. Throws when a split's classes differ from `train/`'s
    /// (naming the split and the classes), when there is a validation or test folder but no
    /// `train/`, or two validation folders, and for anything `ImageFolder` rejects.
    public init(root: String) throws {
        self.root = root
        let base = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
        let folders = Set(try listDirectory(root).filter(\.isDirectory).map(\.name))
        let validationFolders = DatasetLayout.validationNames.filter(folders.contains)
        guard folders.contains("train") else {
            if let other = validationFolders.first ?? (folders.contains("test") ? "test" : nil) {
                throw DatasetError.layout(directory: root, reason: "has \(other)/ but no train/")
            }
            train = try ImageFolder(root: root)
            validation = nil
            test = nil
            return
        }
        guard validationFolders.count <= 1 else {
            throw DatasetError.layout(directory: root, reason: "has both \(validationFolders.map { $0 + "/" }.joined(separator: " and ")); keep one validation folder")
        }
        let train = try ImageFolder(root: base + "/train")
        self.train = train
        validation = try validationFolders.first.map { try DatasetLayout.split($0, base: base, matching: train) }
        test = folders.contains("test") ? try DatasetLayout.split("test", base: base, matching: train) : nil
    }

    /// The image folder `base/name`, checked to have `train`'s classes.
    private static func split(_ name: String, base: String, matching train: ImageFolder) throws -> ImageFolder {
        let folder = try ImageFolder(root: base + "/" + name)
        let trainClasses = Set(train.classNames.map { Array($0.unicodeScalars) })
        let classes = Set(folder.classNames.map { Array($0.unicodeScalars) })
        if trainClasses != classes {
            throw DatasetError.classMismatch(split: name, directory: folder.root,
                                             missing: train.classNames.filter { !classes.contains(Array($0.unicodeScalars)) },
                                             extra: folder.classNames.filter { !trainClasses.contains(Array($0.unicodeScalars)) })
        }
        return folder
    }

    /// The training and validation data sets: the folders as they are, or, when
    /// `needsSplit`, a `stratifiedSplit` of `train` by `validationFraction` and `seed`.
    public func trainAndValidation(validationFraction: Double, seed: UInt64) throws -> (train: any Dataset, validation: any Dataset) {
        if let validation { return (train, validation) }
        let parts = try stratifiedSplit(train, validationFraction: validationFraction, seed: seed)
        return (parts.train, parts.validation)
    }
}
