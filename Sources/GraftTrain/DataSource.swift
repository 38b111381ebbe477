import Foundation
import GraftData

/// What a data path holds: a CSV file of `path,label` rows, a directory of the four
/// MNIST-family IDX files, or an ImageFolder root (`train/` + `val/` layout, or one folder per
/// class).
enum DataSource {
    case csv(CSVDataset)
    case idx(IDXDataset)
    case folders(DatasetLayout)

    init(_ path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DataError.unreadable(file: path, reason: "no such file or directory")
        }
        if !isDirectory.boolValue {
            self = .csv(try CSVDataset(file: path))
        } else if IDXDataset.isIDXDirectory(path) {
            self = .idx(try IDXDataset(directory: path))
        } else {
            self = .folders(try DatasetLayout(root: path))
        }
    }
}

/// The training images a data path names: the CSV rows, the IDX train-* files, or an
/// ImageFolder root's `train/` folder (its class folders when it has none).
public func openTrainingImages(_ path: String) throws -> any Dataset {
    switch try DataSource(path) {
    case .csv(let csv): return csv
    case .idx(let idx): return idx.trainDataset
    case .folders(let layout): return layout.train
    }
}

/// The labelled images an evaluation's data path names: an ImageFolder root's `test/` folder,
/// else its `val/` folder, else the root's class folders; a CSV file; an IDX directory's t10k files.
public func evaluationImages(_ path: String) throws -> any Dataset {
    switch try DataSource(path) {
    case .csv(let csv): return csv
    case .idx(let idx): return idx.testDataset
    case .folders(let layout): return layout.test ?? layout.validation ?? layout.train
    }
}
