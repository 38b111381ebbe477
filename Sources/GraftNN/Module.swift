import GraftCore

/// A layer or a model: the counterpart of `torch.nn.Module`. A module declares its children,
/// parameters and buffers once, as stored properties (`let conv1: Conv2d`,
/// `@ModuleInfo var fc: Module`, `@ParameterInfo var weight: Tensor`,
/// `@BufferInfo(key: "running_mean") var runningMean: Tensor`); their names and declaration
/// order give the `stateDict()` keys and their order, exactly PyTorch's
/// (`layer1.0.conv1.weight`, …). Subclasses override `forward(_:)`.
///
/// Modules whose structure is known only at run time (`Sequential`) add entries with
/// `register(_:_:)`, `registerParameter(_:_:)` and `registerBuffer(_:_:)`; those follow the
/// declared ones.
open class Module {
    private var declarations: [Declaration] = []
    private var addedParameters: [(String, Tensor)] = []
    private var addedBuffers: [(String, Tensor)] = []
    /// The children added by `register(_:_:)`, in order.
    public private(set) var registeredChildren: [(String, Module)] = []
    /// Whether the module is in training mode (dropout active, batch statistics, …).
    public private(set) var training = true

    /// Reads the declarations of the subclass, whose stored properties are all set by now.
    public init() {
        declarations = Declaration.reflecting(self)
        var names = Set<String>()
        for d in declarations {
            precondition(names.insert(d.name).inserted, "\(type(of: self)): '\(d.name)' is declared twice")
        }
    }

    // MARK: Entries

    /// The direct sub-modules, in declaration order, then the registered ones.
    public var children: [(String, Module)] {
        declarations.compactMap { d in d.kind == .child ? d.child().map { (d.name, $0) } : nil } + registeredChildren
    }

    /// This module's own parameters (not its children's), in order.
    private var ownParameters: [(String, Tensor)] {
        declarations.compactMap { d in d.kind == .parameter ? d.tensor().map { (d.name, $0) } : nil } + addedParameters
    }

    /// This module's own buffers, in order.
    private var ownBuffers: [(String, Tensor)] {
        declarations.compactMap { d in d.kind == .buffer ? d.tensor().map { (d.name, $0) } : nil } + addedBuffers
    }

    /// Adds `child` under `name`, or replaces the registered child of that name in place
    /// (keeping its position, as when a classifier head is swapped).
    public func register(_ name: String, _ child: Module) {
        checkName(name, kind: "child", sameKind: registeredChildren.contains { $0.0 == name })
        if let i = registeredChildren.firstIndex(where: { $0.0 == name }) {
            registeredChildren[i].1 = child
        } else {
            registeredChildren.append((name, child))
        }
    }

    /// Adds or replaces a trainable parameter (its `requiresGrad` is set). `nil` declares an
    /// absent parameter, like torch's `bias=None`: it is then not listed anywhere.
    public func registerParameter(_ name: String, _ tensor: Tensor?) {
        checkName(name, kind: "parameter", sameKind: addedParameters.contains { $0.0 == name })
        let i = addedParameters.firstIndex { $0.0 == name }
        guard let tensor else {
            if let i { addedParameters.remove(at: i) }
            return
        }
        tensor.requiresGrad = true
        if let i { addedParameters[i].1 = tensor } else { addedParameters.append((name, tensor)) }
    }

    /// Adds or replaces a buffer: state saved in `stateDict()` but not trained (running means).
    public func registerBuffer(_ name: String, _ tensor: Tensor) {
        checkName(name, kind: "buffer", sameKind: addedBuffers.contains { $0.0 == name })
        if let i = addedBuffers.firstIndex(where: { $0.0 == name }) {
            addedBuffers[i].1 = tensor
        } else {
            addedBuffers.append((name, tensor))
        }
    }

    /// A name must be non-empty, dot-free, not declared, and not already registered as another
    /// kind of entry (`sameKind`: the name is taken by an entry of this kind, which is then replaced).
    private func checkName(_ name: String, kind: String, sameKind: Bool) {
        precondition(!name.isEmpty && !name.contains("."), "\(type(of: self)): invalid \(kind) name '\(name)'")
        precondition(!declarations.contains { $0.name == name }, "\(type(of: self)): '\(name)' is declared as a property")
        let taken = addedParameters.contains { $0.0 == name } || addedBuffers.contains { $0.0 == name }
            || registeredChildren.contains { $0.0 == name }
        precondition(!taken || sameKind, "\(type(of: self)): '\(name)' is already registered as another kind than \(kind)")
    }

    /// Puts `replacement` in the place of the direct child `name`, through its declaration or
    /// registration.
    private func replaceChild(_ name: String, with replacement: Module) throws {
        if let d = declarations.first(where: { $0.name == name && $0.kind == .child }) {
            try d.replaceChild(replacement)
        } else {
            register(name, replacement)
        }
    }

    // MARK: Forward

    /// Computes the module's output. Subclasses override it.
    open func forward(_ x: Tensor) throws -> Tensor {
        throw GraftError.invalidState("\(type(of: self)) does not implement forward(_:)")
    }

    /// `module(x)` runs `forward(x)`.
    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        guard let trace = ModuleTrace.active else { return try forward(x) }
        let (y, flops) = try FLOPCounter.counting { try GraphRecorder.inScope(trace.paths[ObjectIdentifier(self)]) { try forward(x) } }
        trace.record(self, input: x.shape, output: y.shape, flops: flops)
        return y
    }

    /// The main output and the outputs of auxiliary classifiers (GoogLeNet's two, Inception-v3's
    /// one), which models with such heads return in training mode. By default: no auxiliaries.
    open func forwardWithAuxiliary(_ x: Tensor) throws -> (output: Tensor, auxiliary: [Tensor]) {
        (try forward(x), [])
    }

    // MARK: Introspection

    /// This module and every descendant with its dotted path ("" for self, "layer1",
    /// "layer1.0", …), depth first in registration order; a module reached twice is listed once.
    public func namedModules() -> [(String, Module)] {
        var seen = Set<ObjectIdentifier>()
        var out: [(String, Module)] = []
        func visit(_ m: Module, _ path: String) {
            guard seen.insert(ObjectIdentifier(m)).inserted else { return }
            out.append((path, m))
            for (name, child) in m.children { visit(child, path.isEmpty ? name : path + "." + name) }
        }
        visit(self, "")
        return out
    }

    /// Every entry of the tree, torch's `state_dict` order: a module's own parameters, its
    /// own buffers, then each child's entries under the child's prefix. Shared tensors repeat.
    private func entries(parameters: Bool, buffers: Bool) -> [(String, Tensor)] {
        var out: [(String, Tensor)] = []
        func visit(_ m: Module, _ prefix: String) {
            if parameters { out += m.ownParameters.map { (prefix + $0.0, $0.1) } }
            if buffers { out += m.ownBuffers.map { (prefix + $0.0, $0.1) } }
            for (name, child) in m.children { visit(child, prefix + name + ".") }
        }
        visit(self, "")
        return out
    }

    /// All parameters with their dotted names (`layer1.0.conv1.weight`); a tensor shared by
    /// several modules is listed once, under its first name.
    public func namedParameters() -> [(String, Tensor)] {
        var seen = Set<ObjectIdentifier>()
        return entries(parameters: true, buffers: false).filter { seen.insert(ObjectIdentifier($0.1)).inserted }
    }

    /// All buffers with their dotted names (`bn1.running_mean`).
    public func namedBuffers() -> [(String, Tensor)] {
        entries(parameters: false, buffers: true)
    }

    /// The tensors that `torch.save(model.state_dict())` would write, with the same keys in
    /// the same order. Values are detached views sharing the parameters' storage.
    public func stateDict() -> [(String, Tensor)] {
        entries(parameters: true, buffers: true).map { ($0.0, $0.1.detached()) }
    }

    /// All parameters, for an optimizer.
    public func parameters() -> [Tensor] { namedParameters().map(\.1) }

    /// The descendant at a dotted path ("" is this module), or nil.
    public func module(at path: String) -> Module? {
        guard !path.isEmpty else { return self }
        var m: Module = self
        for part in path.split(separator: ".", omittingEmptySubsequences: false) {
            guard let next = m.children.first(where: { $0.0 == part })?.1 else { return nil }
            m = next
        }
        return m
    }

    /// Puts `replacement` in the place of the descendant at a dotted path (keeping its
    /// position, as when a head is swapped) and returns the module it replaced. Throws, changing
    /// nothing, when there is no module at `path`, `path` is "", or the child's declaration cannot
    /// hold `replacement` (a `let` property, or a `@ModuleInfo` of another type).
    @discardableResult
    public func replaceModule(at path: String, with replacement: Module) throws -> Module {
        let dot = path.lastIndex(of: ".")
        let parentPath = dot.map { String(path[..<$0]) } ?? ""
        let name = dot.map { String(path[path.index(after: $0)...]) } ?? path
        guard !name.isEmpty, let parent = module(at: parentPath), let old = parent.module(at: name) else {
            throw GraftError.invalidArgument(op: "replaceModule", detail: "\(type(of: self)) has no module '\(path)'")
        }
        try parent.replaceChild(name, with: replacement)
        return old
    }

    /// The parameter at a dotted path ("weight", "layer1.0.conv1.weight"), or nil.
    public func parameter(named path: String) -> Tensor? {
        let parts = path.split(separator: ".", omittingEmptySubsequences: false)
        guard let owner = module(at: parts.dropLast().joined(separator: ".")) else { return nil }
        return owner.ownParameters.first { $0.0 == parts.last! }?.1
    }

    /// The buffer at a dotted path ("running_mean", "bn1.running_mean"), or nil.
    public func buffer(named path: String) -> Tensor? {
        let parts = path.split(separator: ".", omittingEmptySubsequences: false)
        guard let owner = module(at: parts.dropLast().joined(separator: ".")) else { return nil }
        return owner.ownBuffers.first { $0.0 == parts.last! }?.1
    }

    // MARK: Modes

    /// Puts this module and all descendants in training (`true`) or evaluation mode.
    public func train(_ on: Bool = true) {
        for (_, m) in namedModules() {
            m.training = on
            m.didChangeTrainingMode()
        }
    }

    /// Evaluation mode: `train(false)`.
    public func eval() { train(false) }

    /// Called on each module after `train(_:)` or `eval()` set its mode. Does nothing by default.
    open func didChangeTrainingMode() {}

    // MARK: Freezing

    /// Whether a dotted parameter name lies under one of the prefixes. A prefix matches whole
    /// path components: "layer1" covers "layer1.0.conv1.weight" but not "layer10.weight".
    private static func matches(_ name: String, _ prefixes: [String]?) -> Bool {
        guard let prefixes else { return true }
        return prefixes.contains { p in
            p.isEmpty || name == p || name.hasPrefix(p.hasSuffix(".") ? p : p + ".")
        }
    }

    /// Stops training the parameters under the given name prefixes (all when nil). Returns how
    /// many parameters matched, so that a misspelt prefix can be noticed.
    @discardableResult
    public func freeze(_ prefixes: [String]? = nil) -> Int {
        setRequiresGrad(false, prefixes)
    }

    /// Trains again the parameters under the given name prefixes (all when nil). Returns how
    /// many parameters matched.
    @discardableResult
    public func unfreeze(_ prefixes: [String]? = nil) -> Int {
        setRequiresGrad(true, prefixes)
    }

    private func setRequiresGrad(_ on: Bool, _ prefixes: [String]?) -> Int {
        var n = 0
        for (name, p) in namedParameters() where Module.matches(name, prefixes) {
            p.requiresGrad = on
            n += 1
        }
        return n
    }

    /// Whether the module has parameters and none of them trains: the one test of frozenness
    /// that BatchNorm, training mode, the optimizer and the fused paths ask.
    public var isFrozen: Bool {
        let ps = parameters()
        return !ps.isEmpty && ps.allSatisfy { !$0.requiresGrad }
    }

    /// Number of parameter elements.
    public var parameterCount: Int { parameters().reduce(0) { $0 + $1.count } }

    /// Number of parameter elements that are trained (not frozen).
    public var trainableParameterCount: Int {
        parameters().filter(\.requiresGrad).reduce(0) { $0 + $1.count }
    }

    /// Clears the gradients of all parameters.
    public func zeroGrad() {
        for p in parameters() { p.zeroGrad() }
    }

    // MARK: Loading

    /// Copies the values of `entries` (as `stateDict()` names them) into this module's
    /// parameters and buffers, in place. A shape mismatch throws `GraftError.shapeMismatch`
    /// naming the key. In strict mode, keys missing from `entries` or unknown to the module
    /// throw an error listing them; otherwise they are returned. Nothing is copied when it throws.
    @discardableResult
    public func loadStateDict(_ entries: [(String, Tensor)], strict: Bool = true) throws
        -> (missing: [String], unexpected: [String]) {
        let own = self.entries(parameters: true, buffers: true)
        var given: [String: Tensor] = [:]
        for (k, v) in entries { given[k] = v }
        let ownKeys = Set(own.map(\.0))
        let missing = own.map(\.0).filter { given[$0] == nil }
        var reported = Set<String>()
        let unexpected = entries.map(\.0).filter { !ownKeys.contains($0) && reported.insert($0).inserted }
        for (key, target) in own {
            guard let value = given[key], value.shape != target.shape else { continue }
            throw GraftError.shapeMismatch(op: "loadStateDict", detail: "'\(key)': checkpoint vs model",
                                           lhs: value.shape, rhs: target.shape)
        }
        if strict && !(missing.isEmpty && unexpected.isEmpty) {
            var parts: [String] = []
            if !missing.isEmpty { parts.append("missing keys: " + missing.joined(separator: ", ")) }
            if !unexpected.isEmpty { parts.append("unexpected keys: " + unexpected.joined(separator: ", ")) }
            throw GraftError.invalidArgument(op: "loadStateDict", detail: parts.joined(separator: "; "))
        }
        for (key, target) in own {
            if let value = given[key] { target.assign(value) }
        }
        return (missing, unexpected)
    }
}
