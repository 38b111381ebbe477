import GraftNN

/// What the zoo knows about an architecture: how to build it and what input it expects.
public struct ModelSpec: Sendable {
    public let name: String
    /// Input channels, height and width.
    public let inputShape: [Int]
    /// Dotted name of the classification head.
    public let head: String
    let build: @Sendable (_ numClasses: Int) throws -> Module

    /// A fresh model with `numClasses` outputs.
    public func make(numClasses: Int) throws -> Module { try build(numClasses) }
}

/// The architectures Graft can build, by name.
public enum ModelZoo {
    public static let specs: [ModelSpec] = [
        ModelSpec(name: "lenet5", inputShape: [1, 32, 32], head: "fc3") { try LeNet5(numClasses: $0) },
    ]

    /// Known model names, in zoo order.
    public static var names: [String] { specs.map(\.name) }

    /// The spec named `name`; the error lists the known names.
    public static func spec(_ name: String) throws -> ModelSpec {
        guard let s = specs.first(where: { $0.name == name }) else { throw UnknownModelError(name: name) }
        return s
    }
}

/// A model name the zoo does not know.
public struct UnknownModelError: Error, CustomStringConvertible {
    public let name: String
    public var description: String { "unknown model '\(name)'; known models: \(ModelZoo.names.joined(separator: ", "))" }
}
