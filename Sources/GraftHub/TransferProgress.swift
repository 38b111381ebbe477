/// How far a download has come.
public struct TransferProgress: Sendable, Equatable {
    public let fileName: String
    /// Bytes of the file on disk so far (a resumed download counts what it resumed from).
    public let received: Int64
    /// The whole size, when the server or the weight set tells it.
    public let total: Int64?
    /// The rate of this connection so far.
    public let bytesPerSecond: Double

    public init(fileName: String, received: Int64, total: Int64?, bytesPerSecond: Double) {
        self.fileName = fileName; self.received = received; self.total = total; self.bytesPerSecond = bytesPerSecond
    }
}
