import Foundation
import XCTest
@testable import GraftHub
import GraftModels
import GraftTestSupport

/// Lock files: written in sha256sum's format, merged, enforced, and malformed ones named.
final class LockFileTests: XCTestCase {
    private var scene: HubScene!
    override func setUpWithError() throws { scene = try HubScene("hub-lock") }
    override func tearDown() { scene.tearDown() }

    func testWriteLockPinsFilesAndSha256sumChecksThem() throws {
        let a = weightBytes(10_000, seed: 1), b = weightBytes(20_000, seed: 2)
        let lock = scene.folder + "/graft.lock"
        try "# kept pins\n\(String(repeating: "ab", count: 32))  other.pth\n".write(toFile: lock, atomically: true, encoding: .utf8)
        let store = scene.store()
        try store.writeLock([weightSet(b, urls: [scene.serve(b, at: "/w/toy-b.pth")]),
                             weightSet(a, urls: [scene.serve(a, at: "/w/toy-a.pth")])], to: lock)
        let pins = try LockFile.read(lock).pins
        XCTAssertEqual(pins, ["toy-a.pth": sha256(a), "toy-b.pth": sha256(b), "other.pth": String(repeating: "ab", count: 32)])
        let text = try String(contentsOfFile: lock, encoding: .utf8)
        XCTAssertTrue(text.contains("\(sha256(a))  toy-a.pth\n\(sha256(b))  toy-b.pth\n"), text)
        // sha256sum checks the cache folder against the pins of its files.
        try "\(sha256(a))  toy-a.pth\n\(sha256(b))  toy-b.pth\n".write(toFile: scene.folder + "/ours.lock", atomically: true, encoding: .utf8)
        let checked = try runCommand("/bin/sh", ["-c", "cd \"$0\" && sha256sum -c \"$1\"", scene.cache, scene.folder + "/ours.lock"])
        XCTAssertEqual(String(decoding: checked, as: UTF8.self), "toy-a.pth: OK\ntoy-b.pth: OK\n")
    }

    /// With a lock file in effect, a download that is not the pinned file is not kept, and a
    /// cached one that is not is refused; both errors name the lock file and both hashes.
    func testPinMismatchIsRefused() throws {
        let data = weightBytes(10_000)
        let set = weightSet(data, urls: [scene.serve(data, at: "/w/toy-c.pth")])
        let pinned = String(repeating: "cd", count: 32)
        let lock = scene.folder + "/graft.lock"
        try "\(pinned)  toy-c.pth\n".write(toFile: lock, atomically: true, encoding: .utf8)
        let locked = scene.store { $0.lockFile = lock }
        var text = errorText { try locked.fetch(set) }
        XCTAssertTrue(text.contains(lock) && text.contains(pinned) && text.contains(sha256(data)), text)
        XCTAssertEqual(listing(scene.cache), [])

        _ = try scene.store().fetch(set)
        text = errorText { try locked.fetch(set) }
        XCTAssertTrue(text.contains(lock) && text.contains(pinned) && text.contains(sha256(data)), text)
        XCTAssertEqual(try locked.verify(set), .corrupt(expected: pinned, actual: sha256(data)))
        // The right pin lets it through.
        try "\(sha256(data))  toy-c.pth\n".write(toFile: lock, atomically: true, encoding: .utf8)
        XCTAssertEqual(try locked.fetch(set).origin, .cache)
        XCTAssertEqual(try locked.verify(set), .intact(sha256: sha256(data)))
    }

    func testMalformedLockFileNamesTheLine() throws {
        let lock = scene.folder + "/graft.lock"
        let good = String(repeating: "0", count: 64)
        for (text, line) in [("# c\n\n\(good)  a.pth\nnot a pin\n", 4), ("\(good)  a.pth\n\(String(repeating: "1", count: 64))  a.pth\n", 2),
                             ("\(String(repeating: "g", count: 64))  a.pth\n", 1), ("\(good)  dir/a.pth\n", 1), ("\(good)\n", 1)] {
            try text.write(toFile: lock, atomically: true, encoding: .utf8)
            let message = errorText { try LockFile.read(lock) }
            XCTAssertTrue(message.hasPrefix("\(lock):\(line): "), message)
        }
        // sha256sum's binary-mode marker and CRLF line ends are read.
        try "\(good) *a.pth\r\n".write(toFile: lock, atomically: true, encoding: .utf8)
        XCTAssertEqual(try LockFile.read(lock).pins, ["a.pth": good])
    }

    /// `verify` re-hashes: a cached file changed on disk after it was trusted is found out.
    func testVerifyFindsACorruptedCacheFile() throws {
        let data = weightBytes(10_000)
        let set = weightSet(data, urls: [scene.serve(data, at: "/w/toy-d.pth")])
        let store = scene.store()
        XCTAssertEqual(try store.verify(set), .notCached)
        let file = try store.fetch(set)
        var changed = data
        changed[5000] ^= 1
        try changed.write(to: URL(fileURLWithPath: file.path))
        XCTAssertEqual(try store.verify(set), .corrupt(expected: sha256(data), actual: sha256(changed)))
    }
}
