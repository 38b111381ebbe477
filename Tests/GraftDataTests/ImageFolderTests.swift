import Foundation
import XCTest
@testable import GraftData

final class ImageFolderTests: XCTestCase {
    /// Class names and nested folders whose code-point order differs from a tree walk's and
    /// from Swift's `<` (which puts è before a decomposed é), upper-case extensions, non-image
    /// files, a stray file in the root and a symbolic link to a folder outside the root that
    /// holds what `b/` holds.
    static let tree = [
        "README.txt",
        "b/img10.png", "b/img9.png", "b/IMG.JPG", "b/x.Png", "b/notes.txt",
        "B/one.jpeg", "B/data.csv",
        "a/a/x.png", "a/a b/y.png", "a/a-b/z.png", "a/a0/w.png", "a/Z/v.png", "a/top.png", "a/a/deeper/u.png",
        "_under/p.png", "10/q.png", "9/r.png", "Z z/s.png",
        "\u{E9}/nfc.png", "e\u{301}/nfd.png", "\u{E8}/grave.png", "\u{1F600}/emoji.png",
        "a/e\u{301}/f.png", "a/\u{E8}/g.png", "b/e\u{301}.png", "b/\u{E8}.png",
    ]

    func makeTree() throws -> String {
        let root = try DatasetTrees.make(Self.tree)
        let outside = try DatasetTrees.make(Self.tree.filter { $0.hasPrefix("b/") })
        try FileManager.default.createSymbolicLink(atPath: root + "/a/link", withDestinationPath: outside + "/b")
        return root
    }

    func testMatchesTorchvisionClassAndSampleOrder() throws {
        let root = try makeTree()
        let folder = try ImageFolder(root: root)
        let torch = try DatasetTrees.torchvision(root)
        XCTAssertEqual(folder.classNames, torch.classes)
        XCTAssertEqual(folder.paths, torch.paths)
        XCTAssertEqual(folder.labels, torch.labels)
        XCTAssertEqual(folder.count, torch.samples.count)
        XCTAssertEqual(folder.classNames.first, "10")
        XCTAssertTrue(folder.paths.contains(root + "/a/link/x.Png"), "the symbolic link is followed")
    }

    func testTrailingSlashJoinsAsPython() throws {
        let root = try makeTree()
        let folder = try ImageFolder(root: root + "/")
        XCTAssertEqual(folder.paths, try DatasetTrees.torchvision(root + "/").paths)
        XCTAssertTrue(folder.paths.allSatisfy { !$0.contains("//") })
    }

    func testNonImageFilesAreSkippedAndListed() throws {
        let folder = try ImageFolder(root: try makeTree())
        XCTAssertEqual(folder.skippedFiles, ["B/data.csv", "README.txt", "a/link/notes.txt", "b/notes.txt"])
        XCTAssertEqual(DatasetSummary(folder).skippedFiles.count, 4)
    }

    func testHiddenEntriesAreSkippedAndListed() throws {
        let root = try makeTree()
        let before = try ImageFolder(root: root)
        try DatasetTrees.write([".DS_Store", ".cache/c.png", "b/.hidden.png", "a/.thumbs/t.png", "a/a/.x/y.png"], under: root)
        let after = try ImageFolder(root: root)
        XCTAssertEqual(after.classNames, before.classNames)
        XCTAssertEqual(after.paths, before.paths)
        XCTAssertEqual(after.labels, before.labels)
        XCTAssertEqual(after.skippedFiles, before.skippedFiles)
        XCTAssertEqual(after.hiddenEntries, [".DS_Store", ".cache/", "a/.thumbs/", "a/a/.x/", "b/.hidden.png"])
        XCTAssertTrue(before.hiddenEntries.isEmpty)
    }

    /// A link back to the root (`up -> ..`), to another class's folder or to a class folder's
    /// own subfolder would count images twice or loop: each is an error naming the link.
    func testLinksThatReachAFolderAgainAreRefused() throws {
        let cases: [(link: String, target: String, mentions: String)] = [
            ("a/up", "..", "the root folder is reached again as a/up"),
            ("a/other", "../b", "the folder b is reached again as a/other"),
            ("a/sub/again", "..", "the folder a is reached again as a/sub/again"),
            ("c", ".", "the root folder is reached again as c"),
        ]
        for (link, target, mentions) in cases {
            let root = try DatasetTrees.make(["a/x.png", "a/sub/y.png", "b/z.png"])
            try FileManager.default.createSymbolicLink(atPath: root + "/" + link, withDestinationPath: target)
            XCTAssertThrowsError(try ImageFolder(root: root), link) { error in
                XCTAssertEqual(error as? DatasetError, .layout(directory: root, reason: mentions + " through a symbolic link; "
                                                                   + "a folder may belong to one class only, once"))
            }
        }
    }

    func testDecodesSamplesAndNamesTheFileOfACorruptOne() throws {
        let root = try DatasetTrees.make(["cat/a.png", "cat/b.jpg", "dog/c.png"])
        let folder = try ImageFolder(root: root)
        XCTAssertEqual(try folder.image(at: 0, minimumShorterSide: nil), try Image(contentsOf: root + "/cat/a.png"))
        XCTAssertEqual(try folder.image(at: 1, minimumShorterSide: nil).channels, 3)
        XCTAssertEqual(folder.label(at: 2), 1)
        try Data("garbage".utf8).write(to: URL(fileURLWithPath: root + "/dog/c.png"))
        XCTAssertThrowsError(try folder.image(at: 2, minimumShorterSide: nil)) { error in
            XCTAssertTrue("\(error)".hasPrefix(root + "/dog/c.png: "), "\(error)")
        }
    }

    func testEmptyClassFoldersAreAnErrorNamingThem() throws {
        let root = try DatasetTrees.make(["cat/a.png", "dog/readme.txt", "emu/.hidden.png"])
        try FileManager.default.createDirectory(atPath: root + "/ant/nested", withIntermediateDirectories: true)
        assertDatasetError(.emptyClasses(directory: root, classes: ["ant", "dog", "emu"])) { try ImageFolder(root: root) }
        let message = DatasetError.emptyClasses(directory: root, classes: ["ant", "dog"]).description
        XCTAssertTrue(message.contains("ant, dog") && message.contains(".jpeg"), message)
    }

    func testNoClassFoldersIsAnErrorNamingTheDirectory() throws {
        let root = try DatasetTrees.make(["a.png", "b.png"])
        assertDatasetError(.noClassFolders(directory: root)) { try ImageFolder(root: root) }
        let missing = root + "/nowhere"
        XCTAssertThrowsError(try ImageFolder(root: missing)) { error in
            XCTAssertEqual(error as? DataError, .unreadable(file: missing, reason: "No such file or directory"))
        }
    }

    func testImageExtensionsIgnoreCase() {
        for name in ["a.jpg", "b.JPEG", "c.Png", "d.ppm", "e.bmp", "f.pgm", "g.TIF", "h.tiff", "i.webp"] {
            XCTAssertTrue(ImageFolder.hasImageExtension(name), name)
        }
        for name in ["a.gif", "b.txt", "png", "c.png.txt", "d.jpgx"] {
            XCTAssertFalse(ImageFolder.hasImageExtension(name), name)
        }
    }
}
