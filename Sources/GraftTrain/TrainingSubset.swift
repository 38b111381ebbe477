import Foundation
import GraftData
import GraftIO

/// The images a run trains, validates and tests on, as indices into the files they come from.
/// A run writes it into its folder (`subset.json`) so that another tool — `bench/lab.py`, the
/// same recipe in PyTorch — can train on exactly the same images.
public struct TrainingSubset: Codable, Equatable, Sendable {
    /// The samples of one part of the run, in the order the run holds them.
    public struct Part: Codable, Equatable, Sendable {
        /// The file the indices point into: the IDX images file (its labels file is its
        /// `-labels-idx1-ubyte` sibling) or the CSV file; nil for an ImageFolder (see `files`).
        public var source: String?
        /// Each sample's index in `source` (for an ImageFolder, in its folder's listing).
        public var indices: [Int]
        public var labels: [Int]
        /// Each sample's image file, where samples are files of their own (CSV, ImageFolder).
        public var files: [String]?
    }

    /// The data path as the run was given it.
    public var data: String
    public var classNames: [String]
    public var train: Part
    public var validation: Part
    /// The images the best checkpoint is tested on; nil when the data has no test set.
    public var test: Part?

    /// The parts of `data`, opened from `dataPath`; `test`: the test images the run scores
    /// (those that decode), by default `data.test`.
    public init(_ data: TrainingData, dataPath: String, test: (any Dataset)? = nil) throws {
        let isIDX = IDXDataset.isIDXDirectory(dataPath)
        var isDirectory: ObjCBool = false
        let isFile = FileManager.default.fileExists(atPath: dataPath, isDirectory: &isDirectory) && !isDirectory.boolValue
        func source(_ split: String) throws -> String? {
            isIDX ? try IDXDataset.locate(dataPath, "\(split)-images-idx3-ubyte") : isFile ? dataPath : nil
        }
        func part(_ d: any Dataset, _ split: String) throws -> Part {
            let files = (0..<d.count).compactMap { d.source(at: $0) }
            return Part(source: try source(split), indices: d.rootIndices, labels: (0..<d.count).map { d.label(at: $0) },
                        files: files.count == d.count && !files.isEmpty ? files : nil)
        }
        self.data = dataPath
        classNames = data.classNames
        train = try part(data.train, "train")
        validation = try part(data.validation, "train")
        self.test = try (test ?? data.test).map { try part($0, "t10k") }
    }

    /// Writes the subset as JSON to `path`, atomically.
    public func write(to path: String) throws {
        try AtomicFileWriter.write(Array(try MetadataJSON.encode(self).utf8), to: path)
    }
}
