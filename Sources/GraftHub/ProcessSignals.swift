import Foundation

/// Signals that would end the process where an error should surface instead.
enum ProcessSignals {
    /// Under a file size limit (`ulimit -f`) a write past it raises SIGXFSZ, which kills the
    /// process unless ignored; ignored, the write fails with `EFBIG` and the partial file is
    /// removed with an error that names it. A handler the program installed is kept. (Sockets
    /// need nothing: libcurl sends with `MSG_NOSIGNAL`, and pip's output is read to its end.)
    static func ignoreFileSizeSignal() { _ = installed }

    private static let installed: Void = {
        var current = sigaction()
        if sigaction(SIGXFSZ, nil, &current) == 0, current.__sigaction_handler.sa_handler == nil {
            signal(SIGXFSZ, SIG_IGN)
        }
    }()
}
