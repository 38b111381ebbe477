import Foundation
import GraftData

/// The training images a `--data` argument names: a directory of the four MNIST-family IDX
/// files, a CSV file of `path,label` rows, or an ImageFolder root (`train/` + `val/` layout,
/// or one folder per class).
public func openTrainingImages(_ path: String) throws -> any Dataset {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
        throw DataError.unreadable(file: path, reason: "no such file or directory")
    }
    if !isDirectory.boolValue { return try CSVDataset(file: path) }
    if IDXDataset.isIDXDirectory(path) { return try IDXDataset(directory: path).trainDataset }
    return try DatasetLayout(root: path).train
}

/// The labelled images `graft evaluate --data` names: an ImageFolder root's `test/` folder,
/// else its `val/` folder, else the root's class folders; a CSV file; an IDX directory's t10k files.
public func evaluationImages(_ path: String) throws -> any Dataset {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
        throw DataError.unreadable(file: path, reason: "no such file or directory")
    }
    if !isDirectory.boolValue { return try CSVDataset(file: path) }
    if IDXDataset.isIDXDirectory(path) { return try IDXDataset(directory: path).testDataset }
    let layout = try DatasetLayout(root: path)
    return layout.test ?? layout.validation ?? layout.train
}
