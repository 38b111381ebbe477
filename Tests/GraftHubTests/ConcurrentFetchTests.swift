import Foundation
import XCTest
@testable import GraftHub
import GraftTestSupport

/// Two processes pulling the same file at once: one downloads, the other waits on the file's
/// lock and then finds the finished file; the server is asked once.
final class ConcurrentFetchTests: XCTestCase {
    /// `graft-hub-probe`, built beside the test bundle.
    private var probe: String {
        let beside = Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("graft-hub-probe").path
        if FileManager.default.fileExists(atPath: beside) { return beside }
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("graft-hub-probe").path
    }

    private func start(_ arguments: [String]) throws -> (Process, Pipe) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: probe)
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        return (process, out)
    }

    private func finish(_ running: (Process, Pipe)) -> String {
        let output = running.1.fileHandleForReading.readDataToEndOfFile()
        running.0.waitUntilExit()
        return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func testTwoProcessesPullTheSameFile() throws {
        let scene = try HubScene("hub-concurrent")
        defer { scene.tearDown() }
        let data = weightBytes(3_000_000)
        // About 1.4 s of transfer: the second process starts while the first downloads.
        let url = scene.serve(data, at: "/w/toy-a.pth", .init(piece: 65536, pause: 0.03))
        let arguments = [scene.cache, url, sha256(data), "\(data.count)"]
        let first = try start(arguments)
        let deadline = Date(timeIntervalSinceNow: 20)
        while scene.server.bytesServed == 0 && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        let second = try start(arguments)
        let (a, b) = (finish(first), finish(second))
        let path = scene.cache + "/toy-a.pth"
        XCTAssertEqual(a, "download \(sha256(data)) \(path)")
        XCTAssertEqual(b, "cache \(sha256(data)) \(path) waited")
        XCTAssertEqual(scene.server.requests.count, 1)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), data)
        XCTAssertEqual(listing(scene.cache), ["toy-a.pth", "toy-a.pth.sha256"])
    }

    /// flock belongs to an open file description: two stores in one process exclude each other as well.
    func testTwoThreadsPullTheSameFile() throws {
        let scene = try HubScene("hub-concurrent")
        defer { scene.tearDown() }
        let data = weightBytes(1_000_000)
        let url = scene.serve(data, at: "/w/toy-b.pth", .init(piece: 65536, pause: 0.02))
        let set = weightSet(data, urls: [url])
        let origins = Origins()
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            origins.add(Result { try scene.store().fetch(set).origin })
        }
        let results = try origins.all.map { try $0.get() }
        XCTAssertEqual(Set(results.map { "\($0)" }), ["download(\"\(url)\")", "cache"])
        XCTAssertEqual(scene.server.requests.count, 1)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: scene.cache + "/toy-b.pth")), data)
    }
}

private final class Origins: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [Result<WeightFile.Origin, Error>] = []
    func add(_ result: Result<WeightFile.Origin, Error>) { lock.lock(); list.append(result); lock.unlock() }
    var all: [Result<WeightFile.Origin, Error>] { lock.lock(); defer { lock.unlock() }; return list }
}
