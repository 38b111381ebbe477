import Foundation

/// A directory holding the four IDX files of an MNIST-style data set
/// (`train-images-idx3-ubyte[.gz]`, `train-labels-idx1-ubyte[.gz]`, and the same with `t10k-`).
public struct IDXDataset: Sendable {
    public let train: ImageSet
    public let test: ImageSet

    /// The class names of Fashion-MNIST, used when a directory's name says it is Fashion-MNIST.
    public static let fashionMNISTClasses = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                             "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]

    /// Whether `directory` looks like an IDX data set (its training images file exists).
    public static func isIDXDirectory(_ directory: String) -> Bool {
        (try? locate(directory, "train-images-idx3-ubyte")) != nil
    }

    /// Loads both splits; a missing file raises an error listing every name looked for.
    public init(directory: String) throws {
        let stems = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]
        let missing = stems.filter { (try? IDXDataset.locate(directory, $0)) == nil }
        if !missing.isEmpty {
            throw DataError.missingFiles(directory: directory, lookedFor: stems.flatMap { [$0, $0 + ".gz"] })
        }
        let isFashion = directory.lowercased().contains("fashion")
        train = try IDXDataset.load(directory, "train", fashion: isFashion, classCount: nil)
        test = try IDXDataset.load(directory, "t10k", fashion: isFashion, classCount: train.classNames.count)
    }

    /// The path of file `stem` (e.g. `train-images-idx3-ubyte`) in `directory`, plain or gzipped.
    public static func locate(_ directory: String, _ stem: String) throws -> String {
        for name in [stem, stem + ".gz"] {
            let path = (directory as NSString).appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: path) { return path }
        }
        throw DataError.missingFiles(directory: directory, lookedFor: [stem, stem + ".gz"])
    }

    /// One split; its labels must lie in `0..<classCount` when given (the training split's
    /// classes), else they make the classes 0…max, each with an image.
    static func load(_ directory: String, _ split: String, fashion: Bool, classCount: Int?) throws -> ImageSet {
        let imagePath = try locate(directory, "\(split)-images-idx3-ubyte")
        let labelPath = try locate(directory, "\(split)-labels-idx1-ubyte")
        let (dims, pixels) = try IDX.readBytes(imagePath)
        guard dims.count == 3 else {
            throw DataError.corrupt(file: imagePath, reason: "expected 3 dimensions (count, rows, columns), found \(dims.count)")
        }
        guard dims[1] > 0, dims[2] > 0 else {
            throw DataError.corrupt(file: imagePath, reason: "images of \(dims[1])×\(dims[2]) pixels are empty")
        }
        let (labelDims, labelBytes) = try IDX.readBytes(labelPath)
        guard labelDims.count == 1, labelDims[0] == dims[0] else {
            throw DataError.corrupt(file: labelPath, reason: "\(labelDims.first ?? 0) labels for \(dims[0]) images in \(imagePath)")
        }
        let labels = labelBytes.map(Int.init)
        func outOfRange(_ index: Int, _ why: String) -> DataError {
            .corrupt(file: labelPath, reason: "label \(labels[index]) at index \(index) is out of range: \(why)")
        }
        if let classCount {
            if let index = labels.firstIndex(where: { $0 >= classCount }) {
                throw outOfRange(index, "the training labels make the classes 0…\(classCount - 1)")
            }
        } else if let bad = IntegerLabels.outOfRange(labels) {
            throw outOfRange(bad.position, "no image has label \(bad.missing), and labels number the classes 0…N−1")
        }
        let count = classCount ?? (labels.max() ?? 0) + 1
        let names = fashion && count <= 10 ? Array(fashionMNISTClasses.prefix(count)) : (0..<count).map(String.init)
        return ImageSet(pixels: pixels, labels: labels, channels: 1, height: dims[1], width: dims[2], classNames: names)
    }
}
