import Foundation

/// Downloads a URL into a partial file with HTTP attempts: a dropped connection, a timeout or
/// a busy server is retried up to `settings.retries` times, waiting `settings.retryDelay`
/// seconds and twice as long each time after, each retry resuming where the partial file ends.
enum ResumableDownload {
    static func run(_ address: String, into partial: PartialFile, expected: ExpectedFile, fallbackTotal: Int64?,
                    settings: WeightStoreSettings, progress: (@Sendable (TransferProgress) -> Void)?) throws {
        guard let url = URL(string: address), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
            throw WeightFetchError.connection(url: address, detail: "not an http(s) URL")
        }
        var delay = settings.retryDelay.isFinite ? max(0, settings.retryDelay) : 0
        var retriesLeft = max(0, settings.retries)
        var attempts = 1
        // libcurl under URLSession counts the idle timeout in whole seconds.
        let timeout = settings.timeout.isFinite && settings.timeout > 0 ? max(1, settings.timeout.rounded(.up)) : 60
        while true {
            switch HTTPAttempt.run(url, into: partial, expected: expected, fallbackTotal: fallbackTotal,
                                   timeout: timeout, progress: progress) {
            case .complete:
                return
            case .failed(let error):
                throw error
            case .restart:
                guard retriesLeft > 0 else {
                    throw WeightFetchError.connection(url: address, detail: "the server cannot resume the download and it did not start over")
                }
                retriesLeft -= 1
                attempts += 1
            case .retry(let error):
                guard retriesLeft > 0 else {
                    if case let .connection(url, detail) = error, attempts > 1 {
                        throw WeightFetchError.connection(url: url, detail: "\(detail) (\(attempts) attempts)")
                    }
                    throw error
                }
                retriesLeft -= 1
                attempts += 1
                Thread.sleep(forTimeInterval: delay)
                delay = min(delay * 2, 300)
            }
        }
    }
}
