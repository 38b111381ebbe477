/// Samples per class of a data set, for the CLI to show before training.
public struct DatasetSummary: Sendable, Equatable, CustomStringConvertible {
    public let classNames: [String]
    /// Samples per class, index = label.
    public let classCounts: [Int]
    /// Files passed over while reading the data set (see `ImageFolder.skippedFiles`).
    public let skippedFiles: [String]

    /// Counts the labels of `dataset` (no image is decoded).
    public init(_ dataset: any Dataset, skippedFiles: [String] = []) {
        classNames = dataset.classNames
        classCounts = dataset.classCounts
        self.skippedFiles = skippedFiles
    }

    /// An image folder's summary, with its skipped files.
    public init(_ folder: ImageFolder) {
        self.init(folder as any Dataset, skippedFiles: folder.skippedFiles)
    }

    public var total: Int { classCounts.reduce(0, +) }

    /// The first class with the fewest samples, and its count.
    public var smallest: (name: String, count: Int)? {
        guard let i = classCounts.indices.min(by: { classCounts[$0] < classCounts[$1] }) else { return nil }
        return (classNames[i], classCounts[i])
    }

    /// The first class with the most samples, and its count.
    public var largest: (name: String, count: Int)? {
        guard let i = classCounts.indices.max(by: { classCounts[$0] < classCounts[$1] }) else { return nil }
        return (classNames[i], classCounts[i])
    }

    /// Largest class count over smallest; infinite when a class is empty, 1 when balanced.
    public var imbalanceRatio: Double {
        guard let small = smallest, let large = largest else { return 1 }
        return small.count == 0 ? .infinity : Double(large.count) / Double(small.count)
    }

    /// For instance "12 classes, 3,120 images; smallest 'x' 80, largest 'y' 410 (imbalance
    /// 5.1×); skipped 3 non-image files: a.txt, b.csv, notes.md".
    public var description: String {
        var text = "\(classNames.count) class\(classNames.count == 1 ? "" : "es"), \(grouped(total)) image\(total == 1 ? "" : "s")"
        if let small = smallest, let large = largest, classNames.count > 1 {
            if small.count == large.count {
                text += "; \(grouped(small.count)) per class"
            } else {
                text += "; smallest '\(small.name)' \(grouped(small.count)), largest '\(large.name)' \(grouped(large.count))"
                if small.count > 0 {
                    let ratio = (imbalanceRatio * 10).rounded() / 10
                    text += " (imbalance \(ratio)×)"
                }
                let empty = classCounts.filter { $0 == 0 }.count
                if empty > 0 { text += "; \(empty) class\(empty == 1 ? " has" : "es have") no images" }
            }
        }
        if !skippedFiles.isEmpty {
            let shown = skippedFiles.prefix(3).joined(separator: ", ")
            text += "; skipped \(grouped(skippedFiles.count)) non-image file\(skippedFiles.count == 1 ? "" : "s"): \(shown)"
            if skippedFiles.count > 3 { text += ", …" }
        }
        return text
    }
}

/// `n` with commas between groups of three digits: 3120 → "3,120".
private func grouped(_ n: Int) -> String {
    let digits = String(n.magnitude)
    var out = ""
    for (i, d) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(d)
    }
    return (n < 0 ? "-" : "") + out
}
