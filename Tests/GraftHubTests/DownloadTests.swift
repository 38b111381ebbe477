import Foundation
import XCTest
@testable import GraftHub
import GraftModels
import GraftTestSupport

/// Downloads from a loopback server: verified, resumed, redirected, refused, bounded.
final class DownloadTests: XCTestCase {
    private var scene: HubScene!
    override func setUpWithError() throws { scene = try HubScene("hub-download") }
    override func tearDown() { scene.tearDown() }

    func testDownloadIsVerifiedCachedAndThenTrusted() throws {
        let data = weightBytes(300_000)
        let url = scene.serve(data, at: "/w/toy-a.pth")
        let set = weightSet(data, urls: [url])
        let store = scene.store()
        let reports = Reports()
        XCTAssertFalse(store.isCached(set))
        let file = try store.fetch(set) { reports.add($0) }
        XCTAssertEqual(file, WeightFile(path: scene.cache + "/toy-a.pth", sha256: sha256(data), origin: .download(url)))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: file.path)), data)
        XCTAssertEqual(reports.last?.received, Int64(data.count))
        XCTAssertEqual(reports.last?.total, Int64(data.count))
        XCTAssertEqual(listing(scene.cache), ["toy-a.pth", "toy-a.pth.sha256"])
        XCTAssertTrue(store.isCached(set))
        // The next fetch takes the cache and asks nothing of the server.
        XCTAssertEqual(try store.fetch(set).origin, .cache)
        XCTAssertEqual(scene.server.requests.count, 1)
        XCTAssertEqual(try store.verify(set), .intact(sha256: sha256(data)))
    }

    /// The server cuts the first transfer at 90%: the retry asks for the rest only.
    func testCutConnectionIsResumedWithRange() throws {
        let data = weightBytes(1_000_000)
        let url = scene.serve(data, at: "/w/toy-b.pth", .init(cutAfter: 900_000))
        let file = try scene.store().fetch(weightSet(data, urls: [url]))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: file.path)), data)
        let requests = scene.server.requests
        XCTAssertEqual(requests.count, 2)
        XCTAssertNil(requests[0].headers["range"])
        XCTAssertEqual(requests[1].headers["range"], "bytes=900000-")
        XCTAssertEqual(scene.server.bytesServed, data.count, "a restart would have sent 1.9 MB")
    }

    /// A partial file left by an earlier, killed run is resumed, not fetched again.
    func testPartialFileOfAnEarlierRunIsResumed() throws {
        let data = weightBytes(500_000)
        let url = scene.serve(data, at: "/w/toy-c.pth")
        try FileManager.default.createDirectory(atPath: scene.cache, withIntermediateDirectories: true)
        try data.prefix(300_000).write(to: URL(fileURLWithPath: scene.cache + "/toy-c.pth.partial"))
        let file = try scene.store().fetch(weightSet(data, urls: [url]))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: file.path)), data)
        XCTAssertEqual(scene.server.requests.map { $0.headers["range"] }, ["bytes=300000-"])
        XCTAssertEqual(scene.server.bytesServed, 200_000)
        XCTAssertEqual(listing(scene.cache), ["toy-c.pth", "toy-c.pth.sha256"])
    }

    /// A server without range support sends the whole file again: the partial file starts over.
    func testServerIgnoringRangeStartsOver() throws {
        let data = weightBytes(200_000)
        let url = scene.serve(data, at: "/w/toy-d.pth", .init(ignoreRange: true))
        try FileManager.default.createDirectory(atPath: scene.cache, withIntermediateDirectories: true)
        try data.prefix(50_000).write(to: URL(fileURLWithPath: scene.cache + "/toy-d.pth.partial"))
        let file = try scene.store().fetch(weightSet(data, urls: [url]))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: file.path)), data)
        XCTAssertEqual(scene.server.requests.count, 1)
    }

    /// A partial file that is not the start of this file (another version's) fails the hash
    /// once resumed; the download then starts over and succeeds.
    func testStalePartialFileIsReplaced() throws {
        let data = weightBytes(200_000)
        let url = scene.serve(data, at: "/w/toy-e.pth")
        try FileManager.default.createDirectory(atPath: scene.cache, withIntermediateDirectories: true)
        try weightBytes(80_000, seed: 9).write(to: URL(fileURLWithPath: scene.cache + "/toy-e.pth.partial"))
        let file = try scene.store().fetch(weightSet(data, urls: [url]))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: file.path)), data)
        XCTAssertEqual(scene.server.requests.map { $0.headers["range"] }, ["bytes=80000-", nil])
    }

    /// A partial file holding the whole file (a run killed before the rename): the server
    /// answers 416 with the file's size, and the partial file is verified and kept.
    func testCompletePartialFileIsKept() throws {
        let data = weightBytes(100_000)
        let url = scene.serve(data, at: "/w/toy-f.pth")
        try FileManager.default.createDirectory(atPath: scene.cache, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: scene.cache + "/toy-f.pth.partial"))
        let file = try scene.store().fetch(weightSet(data, urls: [url]))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: file.path)), data)
        XCTAssertEqual(scene.server.requests.map { $0.headers["range"] }, ["bytes=100000-"])
        XCTAssertEqual(scene.server.bytesServed, 0)
    }

    func testRedirectIsFollowed() throws {
        let data = weightBytes(100_000)
        scene.server.route("/old/toy-g.pth", .redirect(scene.server.baseURL + "/new/toy-g.pth"))
        scene.server.route("/new/toy-g.pth", .file(data))
        let url = scene.server.baseURL + "/old/toy-g.pth"
        let file = try scene.store().fetch(weightSet(data, urls: [url]))
        XCTAssertEqual(file.origin, .download(url))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: file.path)), data)
        XCTAssertEqual(scene.server.requests.map(\.path), ["/old/toy-g.pth", "/new/toy-g.pth"])
    }

    func testRedirectLoopIsBounded() throws {
        scene.server.route("/loop/toy-h.pth", .redirect("/loop/toy-h.pth"))
        let url = scene.server.baseURL + "/loop/toy-h.pth"
        let text = errorText { try scene.store().fetch(weightSet(weightBytes(10), urls: [url])) }
        XCTAssertTrue(text.contains(url) && text.contains("redirects"), text)
        XCTAssertLessThanOrEqual(scene.server.requests.count, HTTPAttempt.redirectLimit + 1)
    }

    /// 404 and 500 name the URL and the status, are not retried, and leave nothing in the cache.
    func testHTTPErrorsNameTheURL() throws {
        for status in [404, 500] {
            scene.server.route("/e\(status)/toy-i.pth", .status(status))
            let url = scene.server.baseURL + "/e\(status)/toy-i.pth"
            let text = errorText { try scene.store().fetch(weightSet(weightBytes(1000), urls: [url])) }
            XCTAssertTrue(text.contains("\(url): HTTP \(status)"), text)
            XCTAssertEqual(scene.server.requests(for: "/e\(status)/toy-i.pth").count, 1)
            XCTAssertEqual(listing(scene.cache), [])
        }
    }

    /// A busy server (503) is retried; the second answer serves the file.
    func testBusyServerIsRetried() throws {
        let data = weightBytes(1000)
        scene.server.route("/busy/toy-j.pth", .status(503))
        let url = scene.server.baseURL + "/busy/toy-j.pth"
        let retried = expectation(description: "retried")
        DispatchQueue.global().async {
            while self.scene.server.requests.count < 1 { Thread.sleep(forTimeInterval: 0.005) }
            self.scene.server.route("/busy/toy-j.pth", .file(data))
            retried.fulfill()
        }
        let file = try scene.store().fetch(weightSet(data, urls: [url]))
        wait(for: [retried], timeout: 5)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: file.path)), data)
        XCTAssertGreaterThanOrEqual(scene.server.requests.count, 2)
    }

    func testRefusedConnectionNamesTheURL() throws {
        let url = "http://127.0.0.1:\(try LoopbackHTTPServer.unusedPort())/toy-k.pth"
        let text = errorText { try scene.store().fetch(weightSet(weightBytes(1000), urls: [url])) }
        XCTAssertTrue(text.contains(url) && text.contains("refused"), text)
        XCTAssertEqual(listing(scene.cache), [])
    }

    /// The next URL of a set is tried when the first fails.
    func testSecondURLIsTried() throws {
        let data = weightBytes(1000)
        let dead = "http://127.0.0.1:\(try LoopbackHTTPServer.unusedPort())/toy-l.pth"
        let url = scene.serve(data, at: "/w/toy-l.pth")
        XCTAssertEqual(try scene.store().fetch(weightSet(data, urls: [dead, url])).origin, .download(url))
    }

    /// A hash mismatch leaves nothing under the final name, no partial file, and names both hashes.
    func testHashMismatchDiscardsTheDownload() throws {
        let data = weightBytes(100_000)
        let url = scene.serve(data, at: "/w/toy-m.pth")
        let published = sha256(weightBytes(100_000, seed: 2))
        let text = errorText { try scene.store().fetch(weightSet(data, urls: [url], sha256: published)) }
        XCTAssertTrue(text.contains(published) && text.contains(sha256(data)) && text.contains(url), text)
        XCTAssertEqual(listing(scene.cache), [])
    }

    /// A publisher's hash prefix (torchvision's file names) is checked as torch.hub's `check_hash`.
    func testHashPrefixIsChecked() throws {
        let data = weightBytes(1000)
        let url = scene.serve(data, at: "/w/toy-n.pth")
        let file = try scene.store().fetch(weightSet(data, urls: [url], sha256: String(sha256(data).prefix(8)), exactSize: false))
        XCTAssertEqual(file.sha256, sha256(data))
        let wrong = String(sha256(data).prefix(7)) + (sha256(data).dropFirst(7).first == "0" ? "1" : "0")
        let other = scene.serve(data, at: "/w/toy-o.pth")
        let text = errorText { try scene.store().fetch(weightSet(data, urls: [other], sha256: wrong, exactSize: false)) }
        XCTAssertTrue(text.contains(wrong), text)
    }

    /// A server that goes silent mid-transfer times out after the idle timeout; the retry resumes.
    func testStalledTransferTimesOutAndResumes() throws {
        let data = weightBytes(300_000)
        let url = scene.serve(data, at: "/w/toy-p.pth", .init(stallAfter: 100_000))
        let started = Date()
        let file = try scene.store().fetch(weightSet(data, urls: [url]))
        XCTAssertLessThan(Date().timeIntervalSince(started), 10)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: file.path)), data)
        XCTAssertEqual(scene.server.requests.map { $0.headers["range"] }, [nil, "bytes=100000-"])
    }

    /// A body larger than the file can be is refused: the exact size, or 4× an approximate one.
    func testOversizedBodyIsRefused() throws {
        let data = weightBytes(50_000)
        let url = scene.serve(data, at: "/w/toy-q.pth")
        let exact = WeightSet(name: "TOY", source: .urls([url]), bytes: 40_000, sizeIsExact: true, sha256: sha256(data),
                              licence: "test", top1: nil, top5: nil, classNames: [], preprocessing: .imageNet())
        var text = errorText { try scene.store().fetch(exact) }
        XCTAssertTrue(text.contains("50000") && text.contains(url), text)
        let rough = WeightSet(name: "TOY", source: .urls([url]), bytes: 10_000, sizeIsExact: false, sha256: sha256(data),
                              licence: "test", top1: nil, top5: nil, classNames: [], preprocessing: .imageNet())
        text = errorText { try scene.store().fetch(rough) }
        XCTAssertTrue(text.contains("40000"), text)
        XCTAssertEqual(listing(scene.cache), [])
    }

    /// libcurl under URLSession takes `http_proxy` from the environment: a host that does not
    /// resolve is fetched through the proxy (the loopback server), and `NO_PROXY` bypasses it.
    func testProxyFromEnvironment() throws {
        let data = weightBytes(10_000)
        scene.server.route("/x.pth", .file(data))
        let direct = try LoopbackHTTPServer()
        defer { direct.stop() }
        direct.route("/y.pth", .file(data))
        let saved = ["http_proxy", "NO_PROXY", "no_proxy"].map { ($0, ProcessInfo.processInfo.environment[$0]) }
        defer { for (name, value) in saved { if let value { setenv(name, value, 1) } else { unsetenv(name) } } }
        setenv("http_proxy", scene.server.baseURL, 1)
        unsetenv("no_proxy")
        setenv("NO_PROXY", "127.0.0.1", 1)

        let file = try scene.store().fetch(weightSet(data, urls: ["http://weights.invalid/x.pth"]))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: file.path)), data)
        XCTAssertEqual(scene.server.requests.map(\.target), ["http://weights.invalid/x.pth"])

        XCTAssertEqual(try scene.store().fetch(weightSet(data, urls: [direct.baseURL + "/y.pth"])).origin,
                       .download(direct.baseURL + "/y.pth"))
        XCTAssertEqual(direct.requests.map(\.target), ["/y.pth"])
        XCTAssertEqual(scene.server.requests.count, 1, "NO_PROXY bypasses the proxy")
    }

    /// A write that fails (here the file size limit, as a full disk would) removes the partial
    /// file and leaves the cache as it was; the error names the path and errno's text.
    func testWriteFailureLeavesTheCacheAsItWas() throws {
        let small = weightBytes(1000, seed: 3)
        let store = scene.store()
        _ = try store.fetch(weightSet(small, urls: [scene.serve(small, at: "/w/toy-r.pth")]))
        let before = listing(scene.cache)
        let data = weightBytes(2_000_000)
        let url = scene.serve(data, at: "/w/toy-s.pth")

        var saved = rlimit()
        getrlimit(Int32(RLIMIT_FSIZE.rawValue), &saved)
        var limited = saved
        limited.rlim_cur = 500_000
        XCTAssertEqual(setrlimit(Int32(RLIMIT_FSIZE.rawValue), &limited), 0)
        let text = errorText { try store.fetch(weightSet(data, urls: [url])) }
        setrlimit(Int32(RLIMIT_FSIZE.rawValue), &saved)

        XCTAssertTrue(text.contains(scene.cache + "/toy-s.pth.partial") && text.contains("File too large"), text)
        XCTAssertEqual(listing(scene.cache), before)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: scene.cache + "/toy-r.pth")), small)
    }
}

final class Reports: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [TransferProgress] = []
    func add(_ report: TransferProgress) { lock.lock(); list.append(report); lock.unlock() }
    var last: TransferProgress? { lock.lock(); defer { lock.unlock() }; return list.last }
}
