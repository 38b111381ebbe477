import GraftCore

/// A child module declared once, as a stored property whose name (or `key`) is its
/// `stateDict()` name: `@ModuleInfo var fc: Module`, `@ModuleInfo(key: "_fc") var fc: Linear`.
///
/// A plain `let` property holding a module is a child too, named after the property; declare a
/// child with `@ModuleInfo` when it needs another name or may be replaced (`replaceModule`, head
/// surgery): the property and the module tree then always see the same module. `Value` is a
/// module type or an optional one (a child that may be absent, like torchvision's `None`).
@propertyWrapper
public final class ModuleInfo<Value: ModuleSlotValue>: Declared<Value> {
    /// A child named `key`, or after the property; assign it before use.
    public override init(key: String? = nil) { super.init(key: key) }

    /// A child holding `wrappedValue`, named `key` or after the property.
    public init(wrappedValue: Value, key: String? = nil) { super.init(value: wrappedValue, key: key) }

    /// The child. Reading it before it was assigned is a programming error.
    public var wrappedValue: Value {
        get { read("ModuleInfo") }
        set { value = newValue }
    }
}

/// A trainable parameter declared once: `@ParameterInfo var weight: Tensor`,
/// `@ParameterInfo var bias: Tensor?` (nil: absent, like torch's `bias=None`). Assigning a tensor
/// marks it as requiring a gradient.
@propertyWrapper
public final class ParameterInfo<Value: TensorSlotValue>: Declared<Value> {
    /// A parameter named `key`, or after the property; assign it before use.
    public override init(key: String? = nil) { super.init(key: key) }

    /// A parameter holding `wrappedValue`, named `key` or after the property.
    public init(wrappedValue: Value, key: String? = nil) {
        wrappedValue.tensor?.requiresGrad = true
        super.init(value: wrappedValue, key: key)
    }

    /// The parameter. Reading it before it was assigned is a programming error.
    public var wrappedValue: Value {
        get { read("ParameterInfo") }
        set {
            newValue.tensor?.requiresGrad = true
            value = newValue
        }
    }
}

/// State saved in `stateDict()` but not trained, declared once:
/// `@BufferInfo(key: "running_mean") var runningMean: Tensor`.
@propertyWrapper
public final class BufferInfo<Value: TensorSlotValue>: Declared<Value> {
    /// A buffer named `key`, or after the property; assign it before use.
    public override init(key: String? = nil) { super.init(key: key) }

    /// A buffer holding `wrappedValue`, named `key` or after the property.
    public init(wrappedValue: Value, key: String? = nil) { super.init(value: wrappedValue, key: key) }

    /// The buffer. Reading it before it was assigned is a programming error.
    public var wrappedValue: Value {
        get { read("BufferInfo") }
        set { value = newValue }
    }
}

/// What the declaration wrappers keep: the value, once assigned, and the `stateDict()` name
/// when it differs from the property's.
public class Declared<Value> {
    var value: Value?
    /// The `stateDict()` name, when it differs from the property's.
    public let key: String?

    init(key: String?) { self.key = key }

    init(value: Value, key: String?) {
        self.value = value
        self.key = key
    }

    /// The value; reading it before it was assigned is a programming error in the model.
    func read(_ wrapper: String) -> Value {
        guard let value else { preconditionFailure("@\(wrapper)\(key.map { "(key: \"\($0)\")" } ?? "") read before it was assigned") }
        return value
    }
}

/// What `@ModuleInfo` can hold: a module, or an optional one.
public protocol ModuleSlotValue {
    /// The module held, nil for an absent optional child.
    var module: Module? { get }
    /// `module` as this type, or nil when it is not one.
    static func holding(_ module: Module) -> Self?
}

extension Module: ModuleSlotValue {
    public var module: Module? { self }
    public static func holding(_ module: Module) -> Self? { module as? Self }
}

extension Optional: ModuleSlotValue where Wrapped: Module {
    public var module: Module? { self }
    public static func holding(_ module: Module) -> Self? { (module as? Wrapped).map { .some($0) } }
}

/// What `@ParameterInfo` and `@BufferInfo` can hold: a tensor, or an optional one.
public protocol TensorSlotValue {
    /// The tensor held, nil for an absent optional entry.
    var tensor: Tensor? { get }
}

extension Tensor: TensorSlotValue {
    public var tensor: Tensor? { self }
}

extension Optional: TensorSlotValue where Wrapped == Tensor {
    public var tensor: Tensor? { self }
}

/// One entry of a module as its declarations give it: a child, a parameter or a buffer, read
/// through the storage that the property uses.
struct Declaration {
    enum Kind { case child, parameter, buffer }

    let name: String
    let kind: Kind
    /// The child now held (nil: absent).
    let child: () -> Module?
    /// The tensor now held (nil: absent).
    let tensor: () -> Tensor?
    /// Puts a module in the child's place; throws when the declaration cannot hold it.
    let replaceChild: (Module) throws -> Void

    /// The declarations of `module`'s stored properties, superclass first, in declaration order:
    /// `@ModuleInfo`, `@ParameterInfo` and `@BufferInfo` properties, and plain properties
    /// holding a module (or an optional one).
    static func reflecting(_ module: Module) -> [Declaration] {
        var levels: [Mirror] = []
        var mirror: Mirror? = Mirror(reflecting: module)
        while let m = mirror, m.subjectType != Module.self {
            levels.append(m)
            mirror = m.superclassMirror
        }
        var out: [Declaration] = []
        for level in levels.reversed() {
            for case let (label?, value) in level.children where !label.hasPrefix("$") {
                if let slot = value as? DeclaredSlot {
                    out.append(slot.declaration(propertyName: String(label.dropFirst())))
                } else if let child = value as? Module {
                    let owner = String(describing: type(of: module))
                    out.append(Declaration(name: label, kind: .child, child: { child }, tensor: { nil },
                                           replaceChild: { _ in throw GraftError.invalidArgument(op: "replaceModule", detail: "\(owner).\(label) is a constant; declare it @ModuleInfo var to replace it") }))
                }
            }
        }
        return out
    }
}

/// The storage of a declared property, which `Declaration.reflecting` finds by reflection.
protocol DeclaredSlot {
    func declaration(propertyName: String) -> Declaration
}

extension ModuleInfo: DeclaredSlot {
    func declaration(propertyName: String) -> Declaration {
        let name = key ?? propertyName
        return Declaration(name: name, kind: .child, child: { self.value?.module }, tensor: { nil },
                           replaceChild: { m in
                               guard let typed = Value.holding(m) else {
                                   throw GraftError.invalidArgument(op: "replaceModule", detail: "'\(name)' holds a \(Value.self), not a \(type(of: m))")
                               }
                               self.value = typed
                           })
    }
}

extension ParameterInfo: DeclaredSlot {
    func declaration(propertyName: String) -> Declaration {
        Declaration(name: key ?? propertyName, kind: .parameter, child: { nil }, tensor: { self.value?.tensor },
                    replaceChild: { _ in })
    }
}

extension BufferInfo: DeclaredSlot {
    func declaration(propertyName: String) -> Declaration {
        Declaration(name: key ?? propertyName, kind: .buffer, child: { nil }, tensor: { self.value?.tensor },
                    replaceChild: { _ in })
    }
}
