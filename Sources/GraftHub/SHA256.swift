import COpenSSL
import Foundation

/// SHA-256 through OpenSSL's libcrypto, fed in pieces so that a file of any size is hashed
/// with a small buffer.
final class SHA256 {
    private let context: OpaquePointer

    init() throws {
        guard let context = EVP_MD_CTX_new() else { throw SHA256Failure() }
        self.context = context
        guard EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else { throw SHA256Failure() }
    }

    deinit { EVP_MD_CTX_free(context) }

    /// Adds `bytes` to the message.
    func update(_ bytes: UnsafeRawBufferPointer) throws {
        guard bytes.isEmpty || EVP_DigestUpdate(context, bytes.baseAddress, bytes.count) == 1 else { throw SHA256Failure() }
    }

    /// The digest of everything added, as 64 lowercase hex digits.
    func finish() throws -> String {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard EVP_DigestFinal_ex(context, &digest, &length) == 1, length == 32 else { throw SHA256Failure() }
        return digest.prefix(32).map { String(format: "%02x", $0) }.joined()
    }

    /// The SHA-256 of `bytes`.
    static func hex(of bytes: [UInt8]) throws -> String {
        let hasher = try SHA256()
        try bytes.withUnsafeBytes { try hasher.update($0) }
        return try hasher.finish()
    }

    /// The SHA-256 of the file at `path`, read 1 MiB at a time.
    static func hex(ofFile path: String) throws -> String {
        let hasher = try SHA256()
        try forEachChunk(ofFile: path) { try hasher.update($0) }
        return try hasher.finish()
    }
}

/// libcrypto refused to hash (out of memory, or a broken installation).
struct SHA256Failure: Error, CustomStringConvertible {
    var description: String { "OpenSSL's SHA-256 failed (libcrypto)" }
}

extension StringProtocol {
    /// Whether every character is an ASCII hex digit (`Character.isHexDigit` takes fullwidth ones too).
    var isASCIIHex: Bool { utf8.allSatisfy { (0x30...0x39).contains($0) || (0x41...0x46).contains($0) || (0x61...0x66).contains($0) } }
}
