import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One GET of a weight file into its partial file through Foundation's URLSession (libcurl,
/// which honours `http_proxy`, `HTTPS_PROXY` and `NO_PROXY`): asks only for the rest
/// (`Range: bytes=N-`) when the partial file holds N bytes, streams the body into it, follows
/// a bounded number of redirects, and fails when the connection stays silent for the timeout.
final class HTTPAttempt: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    enum Outcome {
        /// The partial file holds the whole body.
        case complete
        /// The partial file was emptied (the server cannot resume it); ask again from the start.
        case restart
        /// A failure another attempt may get past (a dropped connection, a timeout, a busy server).
        case retry(WeightFetchError)
        case failed(WeightFetchError)
    }

    static let redirectLimit = 10

    private let url: URL
    private let partial: PartialFile
    private let expected: ExpectedFile
    private let fallbackTotal: Int64?
    private let progress: (@Sendable (TransferProgress) -> Void)?
    private let finished = DispatchSemaphore(value: 0)
    // Touched only on the session's serial delegate queue until `finished` is signalled.
    private var outcome: Outcome?
    private var requestedFrom: Int64 = 0
    private var total: Int64?
    private var receivedNow: Int64 = 0
    private var redirects = 0
    private var started = DispatchTime.now()
    private var lastReport = DispatchTime.now()

    private init(url: URL, partial: PartialFile, expected: ExpectedFile, fallbackTotal: Int64?,
                 progress: (@Sendable (TransferProgress) -> Void)?) {
        self.url = url; self.partial = partial; self.expected = expected
        self.fallbackTotal = fallbackTotal; self.progress = progress
    }

    /// Runs one attempt and waits for its end.
    static func run(_ url: URL, into partial: PartialFile, expected: ExpectedFile, fallbackTotal: Int64?, timeout: Double,
                    progress: (@Sendable (TransferProgress) -> Void)?) -> Outcome {
        let attempt = HTTPAttempt(url: url, partial: partial, expected: expected, fallbackTotal: fallbackTotal, progress: progress)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = 7 * 24 * 3600
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        configuration.httpShouldSetCookies = false
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        let session = URLSession(configuration: configuration, delegate: attempt, delegateQueue: queue)
        attempt.requestedFrom = partial.size
        attempt.started = .now()
        session.dataTask(with: attempt.request(for: url)).resume()
        attempt.finished.wait()
        session.finishTasksAndInvalidate()
        return attempt.outcome ?? .failed(.connection(url: url.absoluteString, detail: "the transfer ended without an outcome"))
    }

    private func request(for url: URL) -> URLRequest {
        var request = URLRequest(url: url)
        request.cachePolicy = .reloadIgnoringLocalCacheData
        request.setValue("identity", forHTTPHeaderField: "Accept-Encoding")
        request.setValue("graft", forHTTPHeaderField: "User-Agent")
        if requestedFrom > 0 { request.setValue("bytes=\(requestedFrom)-", forHTTPHeaderField: "Range") }
        return request
    }

    private func settle(_ result: Outcome) {
        if outcome == nil { outcome = result }
    }

    private var urlText: String { url.absoluteString }

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        redirects += 1
        guard redirects <= Self.redirectLimit else {
            settle(.failed(.connection(url: urlText, detail: "more than \(Self.redirectLimit) redirects")))
            completionHandler(nil)
            return
        }
        guard let next = request.url, ["http", "https"].contains(next.scheme?.lowercased() ?? "") else {
            settle(.failed(.connection(url: urlText, detail: "redirected to \(request.url?.absoluteString ?? "nothing"), not http(s)")))
            completionHandler(nil)
            return
        }
        completionHandler(self.request(for: next))
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        let decision = accept(response)
        if let decision { settle(decision) }
        completionHandler(decision == nil ? .allow : .cancel)
    }

    /// Nil when the body is wanted, else the attempt's outcome.
    private func accept(_ response: URLResponse) -> Outcome? {
        guard outcome == nil else { return outcome }
        guard let http = response as? HTTPURLResponse else {
            return .failed(.connection(url: urlText, detail: "not an HTTP response"))
        }
        let responseURL = response.url?.absoluteString ?? urlText
        do {
            switch http.statusCode {
            case 200:
                if partial.size > 0 { try partial.truncate() }   // the server sends the whole file
                if http.expectedContentLength >= 0 { total = http.expectedContentLength }
            case 206 where requestedFrom > 0:
                let range = http.value(forHTTPHeaderField: "Content-Range").flatMap(ContentRange.init)
                guard let range, range.first == requestedFrom, range.first == partial.size else {
                    try partial.truncate()
                    return .restart
                }
                total = range.total ?? range.last.map { $0 + 1 }
            case 416 where requestedFrom > 0:
                // Nothing past what the partial file holds: it is whole if the server's size says so.
                let range = http.value(forHTTPHeaderField: "Content-Range").flatMap(ContentRange.init)
                if let size = range?.total, size == partial.size { return .complete }
                try partial.truncate()
                return .restart
            case 408, 429, 502, 503, 504:   // busy or a gateway's hiccup: worth another try
                return .retry(.httpStatus(url: responseURL, status: http.statusCode))
            default:
                return .failed(.httpStatus(url: responseURL, status: http.statusCode))
            }
        } catch let error as WeightFetchError {
            return .failed(error)
        } catch {
            return .failed(.writeFailed(path: partial.path, reason: "\(error)"))
        }
        if let total {
            if let exact = expected.exactSize, total != Int64(exact) {
                return .failed(.wrongSize(source: responseURL, detail: "the server announces \(total) bytes; \(expected.fileName) has \(exact)"))
            }
            if total > Int64(expected.maximumSize) {
                return .failed(.wrongSize(source: responseURL, detail: "the server announces \(total) bytes, more than the \(expected.maximumSize) allowed for \(expected.fileName)"))
            }
        }
        return nil
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        guard outcome == nil else { return }
        do {
            guard partial.size + Int64(data.count) <= Int64(expected.maximumSize) else {
                throw WeightFetchError.wrongSize(source: urlText, detail: "the body exceeds the \(expected.maximumSize) bytes allowed for \(expected.fileName)")
            }
            try data.withUnsafeBytes { try partial.append($0) }
        } catch let error as WeightFetchError {
            settle(.failed(error))
            dataTask.cancel()
            return
        } catch {
            settle(.failed(.writeFailed(path: partial.path, reason: "\(error)")))
            dataTask.cancel()
            return
        }
        receivedNow += Int64(data.count)
        let now = DispatchTime.now()
        if now.uptimeNanoseconds - lastReport.uptimeNanoseconds >= 100_000_000 {
            lastReport = now
            report(now)
        }
    }

    private func report(_ now: DispatchTime) {
        guard let progress else { return }
        let seconds = Double(now.uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
        progress(TransferProgress(fileName: expected.fileName, received: partial.size, total: total ?? fallbackTotal,
                                  bytesPerSecond: seconds > 0 ? Double(receivedNow) / seconds : 0))
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        if let error {
            settle(Self.classify(error, url: urlText))
        } else if let total, partial.size != total {
            settle(.retry(.connection(url: urlText, detail: "the connection closed after \(partial.size) of \(total) bytes")))
        } else {
            report(.now())
            settle(.complete)
        }
        finished.signal()
    }

    /// A refused connection, an unknown host, no network or a TLS failure is reported at once;
    /// anything else (a dropped connection, a timeout, a transfer cut short) is worth another try.
    private static func classify(_ error: Error, url: String) -> Outcome {
        let error = error as NSError
        let described = (error.userInfo[NSLocalizedDescriptionKey] as? String) ?? "error \(error.code) (\(error.domain))"
        switch error.code {
        case NSURLErrorCannotConnectToHost: return .failed(.connection(url: url, detail: "cannot connect (connection refused)"))
        case NSURLErrorCannotFindHost, NSURLErrorDNSLookupFailed:
            return .failed(.connection(url: url, detail: "cannot resolve the host name"))
        case NSURLErrorNotConnectedToInternet: return .failed(.connection(url: url, detail: "no network"))
        case NSURLErrorBadURL, NSURLErrorUnsupportedURL, NSURLErrorCancelled,
             NSURLErrorClientCertificateRequired...NSURLErrorSecureConnectionFailed:
            return .failed(.connection(url: url, detail: described))
        case NSURLErrorTimedOut: return .retry(.connection(url: url, detail: "no data for the timeout (timed out)"))
        case NSURLErrorNetworkConnectionLost: return .retry(.connection(url: url, detail: "the connection was lost"))
        default: return .retry(.connection(url: url, detail: described))
        }
    }
}

/// A `Content-Range` header: `bytes FIRST-LAST/TOTAL`, `bytes */TOTAL`, `TOTAL` possibly `*`.
struct ContentRange {
    let first: Int64?
    let last: Int64?
    let total: Int64?

    init?(_ header: String) {
        /// A run of ASCII digits that fits in Int64 (no sign).
        func number<S: StringProtocol>(_ text: S) -> Int64? {
            guard !text.isEmpty, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
            return Int64(text)
        }
        let text = header.trimmingCharacters(in: .whitespaces)
        guard text.lowercased().hasPrefix("bytes ") else { return nil }
        let parts = text.dropFirst(6).split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        if parts[1] == "*" { total = nil } else {
            guard let t = number(parts[1]) else { return nil }
            total = t
        }
        if parts[0] == "*" {
            first = nil; last = nil
        } else {
            let bounds = parts[0].split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
            guard bounds.count == 2, let a = number(bounds[0]), let b = number(bounds[1]), b >= a, b < Int64.max else { return nil }
            if let total, b >= total { return nil }
            first = a; last = b
        }
    }
}
