import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A small HTTP/1.1 server on 127.0.0.1 for tests that must not leave the machine: a thread per
/// connection, one request per connection (`Connection: close`). It serves files (honouring
/// `Range: bytes=N-`), redirects and error statuses, can cut or stall a transfer for the first
/// requests of a path, and records every request, including proxy-style absolute-form ones
/// (`GET http://host/path HTTP/1.1`).
public final class LoopbackHTTPServer: @unchecked Sendable {
    /// What a path answers.
    public enum Route: Sendable {
        /// The bytes, with Content-Length, as 200 or (for a Range request) 206 or 416.
        case file(Data, FileBehaviour = FileBehaviour())
        /// 302 to the location.
        case redirect(String)
        /// The status with a short text body.
        case status(Int)
    }

    /// How a file is served.
    public struct FileBehaviour: Sendable {
        /// For the first `cutRequests` requests, close the connection after this many body bytes.
        public var cutAfter: Int?
        public var cutRequests: Int
        /// For the first `stallRequests` requests, send this many body bytes, then nothing until the server stops.
        public var stallAfter: Int?
        public var stallRequests: Int
        /// Answer a Range request with the whole file (200), as a server without range support does.
        public var ignoreRange: Bool
        /// Send the body in pieces of this many bytes, pausing `pause` seconds after each.
        public var piece: Int
        public var pause: Double
        public var contentType: String

        public init(cutAfter: Int? = nil, cutRequests: Int = 1, stallAfter: Int? = nil, stallRequests: Int = 1,
                    ignoreRange: Bool = false, piece: Int = 65536, pause: Double = 0,
                    contentType: String = "application/octet-stream") {
            self.cutAfter = cutAfter; self.cutRequests = cutRequests
            self.stallAfter = stallAfter; self.stallRequests = stallRequests
            self.ignoreRange = ignoreRange; self.piece = max(1, piece); self.pause = pause
            self.contentType = contentType
        }
    }

    /// A request as received.
    public struct Request: Sendable {
        public let method: String
        /// The request target as sent: `/path` or, through a proxy, `http://host/path`.
        public let target: String
        public let path: String
        /// Header values by lowercased name.
        public let headers: [String: String]
    }

    public let port: UInt16
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    private let listener: Int32
    private let state = NSCondition()
    private var routes: [String: Route] = [:]
    private var recorded: [Request] = []
    private var served = 0
    private var stopped = false
    private var open: Set<Int32> = []
    private var acceptThread: Thread?

    /// Starts listening on an unused port of 127.0.0.1.
    public init() throws {
        let (fd, port) = try Self.bindLoopback()
        guard listen(fd, 64) == 0 else {
            close(fd)
            throw ServerError("listen: \(String(cString: strerror(errno)))")
        }
        listener = fd
        self.port = port
        let thread = Thread { self.acceptLoop() }   // holds the server until stop()
        acceptThread = thread
        thread.start()
    }

    deinit { stop() }

    /// A port on 127.0.0.1 where nothing listens (a connection to it is refused).
    public static func unusedPort() throws -> UInt16 {
        let (fd, port) = try bindLoopback()
        close(fd)
        return port
    }

    /// Sets what `path` answers.
    public func route(_ path: String, _ route: Route) {
        state.lock(); defer { state.unlock() }
        routes[path] = route
    }

    /// Every request so far, in arrival order.
    public var requests: [Request] {
        state.lock(); defer { state.unlock() }
        return recorded
    }

    /// The requests for `path`.
    public func requests(for path: String) -> [Request] { requests.filter { $0.path == path } }

    /// Body bytes sent so far, over all requests.
    public var bytesServed: Int {
        state.lock(); defer { state.unlock() }
        return served
    }

    /// Stops listening, ends stalled transfers and closes open connections.
    public func stop() {
        state.lock()
        let wasStopped = stopped
        stopped = true
        for fd in open { shutdown(fd, Int32(SHUT_RDWR)) }
        state.broadcast()
        state.unlock()
        if !wasStopped {
            shutdown(listener, Int32(SHUT_RDWR))
            close(listener)
        }
    }

    private static func bindLoopback() throws -> (Int32, UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ServerError("socket: \(String(cString: strerror(errno)))") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard bound == 0, named == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw ServerError("bind 127.0.0.1: \(reason)")
        }
        return (fd, UInt16(bigEndian: address.sin_port))
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            state.lock()
            if stopped {
                state.unlock()
                close(client)
                return
            }
            open.insert(client)
            state.unlock()
            Thread { [self] in
                serve(client)
                state.lock()
                open.remove(client)
                state.unlock()
                close(client)
            }.start()
        }
    }

    private func serve(_ fd: Int32) {
        guard let request = readRequest(fd) else { return }
        state.lock()
        let index = recorded.filter { $0.path == request.path }.count
        recorded.append(request)
        let route = routes[request.path]
        state.unlock()

        switch route {
        case nil:
            respond(fd, status: 404, headers: [], body: Data("not found\n".utf8))
        case .status(let code):
            respond(fd, status: code, headers: [], body: Data("status \(code)\n".utf8))
        case .redirect(let location):
            respond(fd, status: 302, headers: ["Location: \(location)"], body: Data())
        case let .file(data, behaviour):
            serveFile(fd, request, data, behaviour, index: index)
        }
    }

    private func serveFile(_ fd: Int32, _ request: Request, _ data: Data, _ behaviour: FileBehaviour, index: Int) {
        var start = 0
        var status = 200
        var headers = ["Content-Type: \(behaviour.contentType)", "Accept-Ranges: bytes"]
        if !behaviour.ignoreRange, let range = request.headers["range"], range.hasPrefix("bytes="),
           let first = Int(range.dropFirst(6).prefix { $0 != "-" }) {
            guard first < data.count else {
                respond(fd, status: 416, headers: ["Content-Range: bytes */\(data.count)"], body: Data())
                return
            }
            start = first
            status = 206
            headers.append("Content-Range: bytes \(first)-\(data.count - 1)/\(data.count)")
        }
        let body = data.subdata(in: start..<data.count)
        var limit = body.count
        var stall = false
        if let cut = behaviour.cutAfter, index < behaviour.cutRequests { limit = min(limit, cut) }
        if let after = behaviour.stallAfter, index < behaviour.stallRequests {
            limit = min(limit, after)
            stall = true
        }
        guard send(fd, Data(head(status: status, headers: headers + ["Content-Length: \(body.count)"]).utf8)) else { return }
        var offset = 0
        while offset < limit {
            let end = min(limit, offset + behaviour.piece)
            guard send(fd, body.subdata(in: offset..<end)) else { return }
            state.lock(); served += end - offset; state.unlock()
            offset = end
            if behaviour.pause > 0 { Thread.sleep(forTimeInterval: behaviour.pause) }
        }
        if stall {
            state.lock()
            let until = Date(timeIntervalSinceNow: 60)
            while !stopped && state.wait(until: until) {}
            state.unlock()
        }
        // Returning closes the connection: a cut transfer ends short of its Content-Length.
    }

    private func head(status: Int, headers: [String]) -> String {
        let reasons = [200: "OK", 206: "Partial Content", 302: "Found", 404: "Not Found", 416: "Range Not Satisfiable",
                       500: "Internal Server Error", 503: "Service Unavailable"]
        return (["HTTP/1.1 \(status) \(reasons[status] ?? "Status")"] + headers + ["Connection: close", "", ""])
            .joined(separator: "\r\n")
    }

    private func respond(_ fd: Int32, status: Int, headers: [String], body: Data) {
        guard send(fd, Data(head(status: status, headers: headers + ["Content-Length: \(body.count)"]).utf8)) else { return }
        _ = send(fd, body)
    }

    private func send(_ fd: Int32, _ data: Data) -> Bool {
        data.withUnsafeBytes { bytes in
            var done = 0
            while done < bytes.count {
                let n = Glibc.send(fd, bytes.baseAddress! + done, bytes.count - done, Int32(MSG_NOSIGNAL))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return false }
                done += n
            }
            return true
        }
    }

    /// The request line and headers (at most 64 KiB), or nil when the client sent none.
    private func readRequest(_ fd: Int32) -> Request? {
        var buffer = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 4096)
        let end: [UInt8] = Array("\r\n\r\n".utf8)
        while buffer.count < 65536 {
            let n = recv(fd, &chunk, chunk.count, 0)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return nil }
            buffer += chunk[0..<n]
            if let range = buffer.firstRange(of: end) {
                let lines = String(decoding: buffer[..<range.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
                let parts = lines[0].split(separator: " ")
                guard parts.count == 3 else { return nil }
                let target = String(parts[1])
                var path = target
                if target.lowercased().hasPrefix("http://") || target.lowercased().hasPrefix("https://") {
                    path = URL(string: target)?.path ?? target
                }
                if let query = path.firstIndex(of: "?") { path = String(path[..<query]) }
                if path.isEmpty { path = "/" }
                var headers: [String: String] = [:]
                for line in lines.dropFirst() {
                    guard let colon = line.firstIndex(of: ":") else { continue }
                    headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                }
                return Request(method: String(parts[0]), target: target, path: path, headers: headers)
            }
        }
        return nil
    }
}

public struct ServerError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
