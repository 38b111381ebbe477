import Foundation
import GraftTestSupport
import XCTest
@testable import GraftData

/// Small image-folder trees written at test time, and torchvision's view of them.
enum DatasetTrees {
    /// Creates the files at `paths` (relative to `root`, with their folders): names ending in
    /// .png get a 2×2 PNG whose pixels encode `seed`, .jpg/.jpeg a copy of a fixture JPEG,
    /// anything else a line of text.
    static func write(_ paths: [String], under root: String, seed: UInt8 = 0) throws {
        for (i, relative) in paths.enumerated() {
            let path = root + "/" + relative
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            let lower = relative.lowercased()
            if lower.hasSuffix(".png") {
                let v = seed &+ UInt8(truncatingIfNeeded: i)
                try Image(width: 2, height: 2, channels: 3, pixels: [UInt8](repeating: v, count: 12)).writePNG(to: path)
            } else if lower.hasSuffix(".jpg") || lower.hasSuffix(".jpeg") {
                try FileManager.default.copyItem(atPath: Fixtures.path("jpeg_rgb_444.jpg"), toPath: path)
            } else {
                try Data("not an image\n".utf8).write(to: URL(fileURLWithPath: path))
            }
        }
    }

    /// A fresh temporary directory holding `paths` (see `write`).
    static func make(_ paths: [String]) throws -> String {
        let root = try Fixtures.temporaryDirectory()
        try write(paths, under: root)
        return root
    }

    struct TorchFolder: Decodable {
        let classes: [String]
        let samples: [[Sample]]

        enum Sample: Decodable {
            case path(String), label(Int)
            init(from decoder: Decoder) throws {
                let c = try decoder.singleValueContainer()
                if let l = try? c.decode(Int.self) { self = .label(l) } else { self = .path(try c.decode(String.self)) }
            }
        }

        var paths: [String] { samples.map { if case .path(let p) = $0[0] { return p } else { return "" } } }
        var labels: [Int] { samples.map { if case .label(let l) = $0[1] { return l } else { return -1 } } }
    }

    /// torchvision 0.14's `ImageFolder(root)`: its classes and samples, from Debian's python3.
    static func torchvision(_ root: String) throws -> TorchFolder {
        let script = """
            import json, sys, torchvision
            d = torchvision.datasets.ImageFolder(sys.argv[1])
            print(json.dumps({"classes": d.classes, "samples": [[p, l] for p, l in d.samples]}))
            """
        let data = try runPython(["-c", script, root])
        return try JSONDecoder().decode(TorchFolder.self, from: data)
    }
}

/// Asserts that `body` throws a `DatasetError` equal to `expected`.
func assertDatasetError(_ expected: DatasetError, file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Any) {
    XCTAssertThrowsError(try body(), file: file, line: line) { error in
        XCTAssertEqual(error as? DatasetError, expected, "\(error)", file: file, line: line)
    }
}
