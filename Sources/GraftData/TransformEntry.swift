/// A transform's entry in the pipeline syntax: its name, which stage of the pipeline it works
/// on, a line of help, its parameters (typed, with defaults and help), how it is built from a
/// step's arguments, and — through `SpecTransform` — how a built one prints back. The help
/// text, the parser and the printer all read these entries (`TransformRegistry.entries`).
public struct TransformEntry: Sendable {
    /// Where a transform works: on the 8-bit image (before `normalize`) or on the normalised
    /// float sample (after it).
    public enum Stage: Sendable { case image, sample }

    /// A transform built from a step.
    public enum Built {
        case image(any ImageTransform)
        case sample(any SampleTransform)
    }

    public let name: String
    public let stage: Stage
    /// What the transform does, in one line.
    public let summary: String
    public let parameters: [SpecParameter]
    let make: @Sendable (SpecArguments) throws -> Built

    /// The entry of an image transform built by `build` from a step's arguments.
    static func image(_ name: String, _ summary: String, _ parameters: [SpecParameter],
                      build: @escaping @Sendable (SpecArguments) throws -> any ImageTransform) -> TransformEntry {
        TransformEntry(name: name, stage: .image, summary: summary, parameters: parameters) { .image(try build($0)) }
    }

    /// The entry of a sample transform built by `build` from a step's arguments.
    static func sample(_ name: String, _ summary: String, _ parameters: [SpecParameter],
                       build: @escaping @Sendable (SpecArguments) throws -> any SampleTransform) -> TransformEntry {
        TransformEntry(name: name, stage: .sample, summary: summary, parameters: parameters) { .sample(try build($0)) }
    }

    /// The transform a step with these raw arguments describes; throws naming the transform
    /// and the argument at fault.
    public func build(_ arguments: [String]) throws -> Built {
        try make(SpecArguments(name, parameters, arguments))
    }

    /// The step `name(…)` with one value per parameter, in order (`writtenBare` ones without
    /// `key=`); nil unless there is one value per parameter.
    public func spelling(_ values: [String]) -> String? {
        guard values.count == parameters.count else { return nil }
        let arguments = zip(parameters, values).map { p, v in p.writtenBare ? v : "\(p.name)=\(v)" }
        return "\(name)(\(arguments.joined(separator: ", ")))"
    }

    /// The entry as the help text lists it: `name(parameter, parameter=default, …)`.
    public var usage: String { parameters.isEmpty ? name : "\(name)(\(parameters.map(\.usage).joined(separator: ", ")))" }
}

/// A transform the pipeline syntax builds and prints back through its registry entry.
public protocol SpecTransform {
    /// Its entry; `TransformRegistry.entries` lists it.
    static var specEntry: TransformEntry { get }
    /// The value of each of the entry's parameters as the syntax writes it, in the entry's
    /// order; nil when this transform has no spelling (PCA lighting with its own components).
    var specValues: [String]? { get }
}

extension SpecTransform {
    /// The transform as one step of the pipeline syntax, or nil when it has no spelling.
    public var spec: String? { specValues.flatMap { Self.specEntry.spelling($0) } }
}

/// A number as the syntax writes it: integral values without a fraction, others in Swift's
/// shortest round-tripping form.
func specNumber(_ v: Float) -> String { v == v.rounded() && abs(v) < 1e7 ? String(Int(v)) : "\(v)" }
/// A range as the syntax writes it: `low-high`.
func specRange(_ r: ClosedRange<Float>) -> String { "\(specNumber(r.lowerBound))-\(specNumber(r.upperBound))" }
/// A size as the syntax writes it: `N` when square, else `WxH`.
func specSize(width: Int, height: Int) -> String { width == height ? "\(width)" : "\(width)x\(height)" }
