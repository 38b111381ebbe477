import Foundation
import GraftHub
import Synchronization

/// A download's progress for people, on standard error: on a terminal a bar redrawn in place
/// with the bytes, the rate and the time left; otherwise a plain line every few seconds and one
/// when the file is complete.
public final class TransferProgressDisplay: Sendable {
    private struct State {
        var lastShown = -Double.infinity
        /// A bar is drawn and its line not yet ended.
        var barOpen = false
    }
    private let terminal: Bool
    private let interval: Double
    private let write: @Sendable (String) -> Void
    private let state = Mutex(State())

    /// `terminal` nil: whether standard error is a terminal. `write` receives the text (standard
    /// error by default).
    public init(terminal: Bool? = nil,
                write: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.terminal = terminal ?? (isatty(STDERR_FILENO) == 1)
        interval = self.terminal ? 0.1 : 5
        self.write = write
    }

    /// Shows `progress`, unless the last showing was too recent and the file is not complete.
    public func show(_ progress: TransferProgress) {
        let complete = progress.total.map { progress.received >= $0 } ?? false
        let now = ProcessInfo.processInfo.systemUptime
        let text: String? = state.withLock { s in
            guard complete || now - s.lastShown >= interval else { return nil }
            s.lastShown = now
            if terminal {
                s.barOpen = !complete
                return "\r\u{1B}[K" + Self.bar(progress) + (complete ? "\n" : "")
            }
            return Self.line(progress) + "\n"
        }
        if let text { write(text) }
    }

    /// Ends a bar left open (a download that failed or stopped short), so that what follows
    /// starts on its own line.
    public func end() {
        let open = state.withLock { s in
            defer { s.barOpen = false; s.lastShown = -Double.infinity }
            return s.barOpen
        }
        if open { write("\n") }
    }

    /// `resnet50-11ad3fa6.pth ██████████·············· 40.1 of 97.8 MiB  12.5 MiB/s  ETA 0:05`
    static func bar(_ p: TransferProgress, width: Int = 24) -> String {
        let filled = fraction(p).map { min(width, max(0, Int(Double(width) * $0))) } ?? 0
        return p.fileName + " " + String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            + " " + figures(p)
    }

    /// `resnet50-11ad3fa6.pth: 40.1 of 97.8 MiB (41%), 12.5 MiB/s, ETA 0:05`
    static func line(_ p: TransferProgress) -> String {
        let percent = fraction(p).map { String(format: " (%.0f%%)", $0 * 100) } ?? ""
        return "\(p.fileName): " + amount(p) + percent + ", " + rate(p) + (eta(p).map { ", ETA " + $0 } ?? "")
    }

    private static func figures(_ p: TransferProgress) -> String {
        amount(p) + "  " + rate(p) + (eta(p).map { "  ETA " + $0 } ?? "")
    }

    /// `40.1 of 97.8 MiB`, or `40.1 MiB` without a known total.
    private static func amount(_ p: TransferProgress) -> String {
        let received = mebibytes(p.received)
        return p.total.map { String(format: "%.1f of %.1f MiB", received, mebibytes($0)) } ?? String(format: "%.1f MiB", received)
    }

    private static func rate(_ p: TransferProgress) -> String {
        p.bytesPerSecond.isFinite && p.bytesPerSecond >= 0 ? String(format: "%.1f MiB/s", p.bytesPerSecond / 1_048_576) : "– MiB/s"
    }

    /// The time left at the current rate, as `m:ss` or `h:mm:ss`; nil when unknown or beyond 100 hours.
    private static func eta(_ p: TransferProgress) -> String? {
        guard let total = p.total, p.bytesPerSecond.isFinite, p.bytesPerSecond > 0 else { return nil }
        let seconds = max(0, Double(total) - Double(p.received)) / p.bytesPerSecond
        guard seconds < 360_000 else { return nil }
        let s = Int(seconds.rounded(.up))
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }

    /// How much of the file has come, 0...1; nil without a positive total.
    private static func fraction(_ p: TransferProgress) -> Double? {
        guard let total = p.total, total > 0 else { return nil }
        return min(1, max(0, Double(p.received) / Double(total)))
    }

    private static func mebibytes(_ bytes: Int64) -> Double { Double(bytes) / 1_048_576 }
}
