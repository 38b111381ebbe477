import Foundation

/// The JSON that checkpoints and training states keep in their safetensors metadata: sorted
/// keys, slashes as they are, and non-finite numbers (a diverged loss) as the strings "nan", "inf", "-inf".
enum MetadataJSON {
    /// Non-finite numbers as the strings "nan", "inf" and "-inf" (every JSON Graft writes).
    static let nonFiniteEncoding = JSONEncoder.NonConformingFloatEncodingStrategy.convertToString(
        positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")

    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = nonFiniteEncoding
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Decodes `text`; a failure is described in a few words naming the field at fault.
    static func decode<T: Decodable>(_ type: T.Type, from text: String, file: String) throws -> T {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do {
            return try decoder.decode(type, from: Data(text.utf8))
        } catch let error as DecodingError {
            throw CheckpointError.badMetadata(file: file, reason: describe(error))
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined().drop { $0 == "." }.description
        }
        switch error {
        case let .keyNotFound(key, context):
            return "missing field '\(path(context.codingPath + [key]))'"
        case let .typeMismatch(_, context), let .valueNotFound(_, context):
            return "field '\(path(context.codingPath))' has the wrong type"
        case let .dataCorrupted(context) where context.codingPath.isEmpty:
            return "not valid JSON"
        case let .dataCorrupted(context):
            return "field '\(path(context.codingPath))': \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}
