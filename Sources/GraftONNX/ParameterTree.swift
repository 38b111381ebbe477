import GraftCore
import GraftNN

/// A module that only holds parameters, buffers and children under the components of dotted
/// initializer names (`features.0.weight` → `features` → `0` → `weight`).
final class ParameterHolder: Module {}

/// Registers each tensor in `root` under its dotted name, with a holder module per prefix, so
/// that `stateDict()` lists it under exactly that name. The names must have passed `checkTensorNames`.
func registerTensors(_ entries: [(name: String, tensor: Tensor, role: ImportedParameter.Role)], in root: Module) {
    for (name, tensor, role) in entries {
        let (owner, last) = holder(of: name, in: root)
        switch role {
        case .parameter: owner.registerParameter(last, tensor)
        case .buffer: owner.registerBuffer(last, tensor)
        }
    }
}

/// Throws, naming it, when a name has an empty component, repeats, or is both a tensor's name
/// and a prefix of another's: names a module tree cannot hold.
func checkTensorNames(_ names: [String]) throws {
    var tensors = Set<String>(), prefixes = Set<String>()
    for name in names {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard !parts.contains(where: \.isEmpty) else { throw ONNXError(file: "", message: "tensor name '\(name)' has an empty component") }
        guard tensors.insert(name).inserted else { throw ONNXError(file: "", message: "tensor name '\(name)' is used twice") }
        for i in 1..<parts.count { prefixes.insert(parts[..<i].joined(separator: ".")) }
    }
    if let clash = tensors.intersection(prefixes).sorted().first {
        throw ONNXError(file: "", message: "tensor name '\(clash)' collides with the names under it ('\(clash).…')")
    }
}

/// The module that holds the entry `name` of `root` (made, with the holders above it, where
/// missing) and the entry's last component.
func holder(of name: String, in root: Module) -> (Module, String) {
    var parts = name.split(separator: ".").map(String.init)
    let last = parts.removeLast()
    var owner = root
    for part in parts {
        if let next = owner.module(at: part) { owner = next } else {
            let made = ParameterHolder()
            owner.register(part, made)
            owner = made
        }
    }
    return (owner, last)
}
