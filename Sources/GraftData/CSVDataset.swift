import Foundation

/// Images listed in a CSV file of `path,label` rows (RFC 4180 quoting; a first row
/// `path,label` is a header). Paths are relative to the CSV file's folder unless absolute.
/// Labels are either all non-negative integers (classes `"0"…"max"`) or class names
/// (classes = the distinct names, by code points, in Python's sorted order).
public struct CSVDataset: ImageFileList {
    public let file: String
    public let classNames: [String]
    /// Path of each sample, resolved against the CSV file's folder.
    public let paths: [String]
    public let labels: [Int]

    /// Reads and checks the listing. Errors name the file and line: a row without exactly two
    /// fields, an empty path or label, a negative integer label or one above a class no row
    /// names (integer labels number the classes 0…N−1), a listed file that does not
    /// exist, bad quoting, or no rows at all.
    public init(file: String) throws {
        self.file = file
        var records = try parseCSV(try readFile(file), file: file)
        if let first = records.first,
           first.fields.map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) == ["path", "label"] {
            records.removeFirst()
        }
        guard !records.isEmpty else { throw DataError.corrupt(file: file, reason: "no path,label rows") }
        let directory = (file as NSString).deletingLastPathComponent
        var paths: [String] = [], names: [String] = []
        for record in records {
            guard record.fields.count == 2 else {
                throw DatasetError.csv(file: file, line: record.line,
                                       reason: "\(record.fields.count) field\(record.fields.count == 1 ? "" : "s"); a row is path,label")
            }
            let (path, label) = (record.fields[0], record.fields[1].trimmingCharacters(in: .whitespaces))
            guard !path.isEmpty else { throw DatasetError.csv(file: file, line: record.line, reason: "empty path") }
            guard !label.isEmpty else { throw DatasetError.csv(file: file, line: record.line, reason: "empty label") }
            let resolved = path.hasPrefix("/") || directory.isEmpty ? path : directory + "/" + path
            guard FileManager.default.fileExists(atPath: resolved) else {
                throw DatasetError.csv(file: file, line: record.line, reason: "\(resolved) does not exist")
            }
            paths.append(resolved)
            names.append(label)
        }
        let numbers = names.map { Int($0) }
        if numbers.allSatisfy({ $0 != nil }) {
            let values = numbers.map { $0! }
            if let negative = values.firstIndex(where: { $0 < 0 }) {
                throw DatasetError.csv(file: file, line: records[negative].line, reason: "label \(values[negative]) is negative")
            }
            if let bad = IntegerLabels.outOfRange(values) {
                throw DatasetError.csv(file: file, line: records[bad.position].line,
                                       reason: "label \(bad.label) is out of range: no row has label \(bad.missing), "
                                           + "and integer labels number the classes 0…N−1")
            }
            labels = values
            classNames = (0...(values.max() ?? 0)).map(String.init)
        } else {
            var seen = Set<[Unicode.Scalar]>()
            let classes = names.filter { seen.insert(Array($0.unicodeScalars)).inserted }.sortedByCodePoints()
            let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { (Array($1.unicodeScalars), $0) })
            labels = names.map { index[Array($0.unicodeScalars)]! }
            classNames = classes
        }
        self.paths = paths
    }
}
