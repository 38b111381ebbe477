/// Integer class labels as data sets store them (IDX files, CSV listings): they number the
/// classes 0…N−1.
enum IntegerLabels {
    /// The first label that lies above a class no label names, with its position and that
    /// class: the labels would make a class without any image, so that label is out of range
    /// (Fashion-MNIST's labels 0…9 and one 200). Nil when the labels cover 0…max.
    static func outOfRange(_ labels: [Int]) -> (position: Int, label: Int, missing: Int)? {
        guard let largest = labels.max() else { return nil }
        // A gap lies at or below labels.count, so a huge label allocates nothing.
        var present = [Bool](repeating: false, count: min(largest, labels.count) + 1)
        for label in labels where label >= 0 && label < present.count { present[label] = true }
        guard let missing = present.firstIndex(of: false),
              let position = labels.firstIndex(where: { $0 > missing }) else { return nil }
        return (position, labels[position], missing)
    }
}
