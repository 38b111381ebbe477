/// A value decoded from a pickle. Lists and dicts are shared references, as in Python, so
/// that the memo and later APPEND/SETITEM opcodes see the same object.
indirect enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    /// An integer beyond 64 bits: its little-endian two's-complement bytes.
    case bigInt([UInt8])
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple([PickleValue])
    case list(PickleList)
    case dict(PickleDict)
    /// A global that passed the allowlist (a callable or a storage class, never imported).
    case global(module: String, name: String)
    /// What the persistent loader made of a persistent id (a storage).
    case storage(PickledStorage)
    /// A tensor rebuilt by `_rebuild_tensor_v2` and friends: a view of a storage.
    case tensor(PickledTensor)

    /// A short description of the kind of value, for error messages.
    var kind: String {
        switch self {
        case .none: return "None"
        case .bool: return "a bool"
        case .int, .bigInt: return "an int"
        case .float: return "a float"
        case .string: return "a string"
        case .bytes: return "bytes"
        case .tuple: return "a tuple"
        case .list: return "a list"
        case .dict: return "a dict"
        case let .global(module, name): return "\(module).\(name)"
        case .storage: return "a storage"
        case .tensor: return "a tensor"
        }
    }
}

/// A pickled value that holds others and can grow while it is being built.
class PickleContainer {
    /// How deeply the container nests: 1 plus its deepest item's depth.
    fileprivate(set) var depth = 1
    /// Whether the container sits inside another value; it may no longer grow then.
    fileprivate(set) var isNested = false
}

final class PickleList: PickleContainer {
    var items: [PickleValue] = []
}

/// A dict in insertion order; string keys are looked up by index.
final class PickleDict: PickleContainer {
    private(set) var entries: [(key: PickleValue, value: PickleValue)] = []
    private var stringIndex: [String: Int] = [:]

    func set(_ key: PickleValue, _ value: PickleValue) {
        if case let .string(s) = key {
            if let i = stringIndex[s] { entries[i].value = value; return }
            stringIndex[s] = entries.count
        }
        entries.append((key, value))
    }

    subscript(key: String) -> PickleValue? { stringIndex[key].map { entries[$0].value } }
}

/// A storage reference in a pickle: the element type, the storage key, the element count,
/// and (legacy format) the elements of its root storage that a storage view covers.
struct PickledStorage {
    let type: ElementType
    let key: String
    let count: Int
    var view: Range<Int>?
}

/// `_rebuild_tensor_v2(storage, storage_offset, size, stride, …)`.
struct PickledTensor {
    let storage: PickledStorage
    let layout: ElementLayout
}

/// A restricted unpickler for PyTorch state dicts. It decodes the opcodes that `torch.save`
/// emits (protocol 2, and the usual opcodes of protocols up to 5) into `PickleValue`s and
/// never imports or calls anything: GLOBAL may only name the few callables a state dict
/// needs (`collections.OrderedDict`, torch's tensor and parameter rebuilders, the typed
/// storage classes), which are interpreted here. Any other global is refused by name.
struct Unpickler {
    /// Turns a persistent id (the argument of BINPERSID) into a value.
    typealias PersistentLoader = (_ pid: PickleValue, _ offset: Int) throws -> PickleValue

    /// The deepest nesting of tuples, lists and dicts a pickle may have (a state dict needs
    /// a few levels). It keeps every walk over a decoded value, and its release, shallow.
    static let maximumDepth = 100
    /// The most values a pickle may push (a state dict needs about 20 per tensor), which
    /// bounds the unpickler's memory whatever the file's size.
    static let maximumPushCount = 4_000_000

    /// A value on the stack or in the memo, with how deeply it nests (0: no items). A list's
    /// or dict's depth is the container's own, which grows as items are added.
    private struct Item {
        let value: PickleValue
        private let fixedDepth: Int

        init(_ value: PickleValue, depth: Int = 0) {
            self.value = value
            fixedDepth = depth
        }

        var container: PickleContainer? {
            switch value {
            case let .list(list): return list
            case let .dict(dict): return dict
            default: return nil
            }
        }

        var depth: Int { container?.depth ?? fixedDepth }
    }

    private let bytes: UnsafeRawBufferPointer
    private let file: String
    private let persistentLoad: PersistentLoader
    private var position: Int
    private var stack: [Item] = []
    private var marks: [Int] = []
    private var memo: [Int: Item] = [:]
    private var pushCount = 0
    /// Where the opcode being executed starts.
    private var opcodeStart = 0

    /// Decodes the pickle that starts at `offset`; returns its value and the offset just
    /// after its STOP opcode.
    static func load(_ bytes: UnsafeRawBufferPointer, at offset: Int = 0, file: String,
                     persistentLoad: @escaping PersistentLoader) throws -> (PickleValue, end: Int) {
        var u = Unpickler(bytes: bytes, file: file, persistentLoad: persistentLoad, position: offset)
        let value = try u.run()
        return (value, u.position)
    }

    private init(bytes: UnsafeRawBufferPointer, file: String, persistentLoad: @escaping PersistentLoader, position: Int) {
        self.bytes = bytes
        self.file = file
        self.persistentLoad = persistentLoad
        self.position = position
    }

    // MARK: Reading bytes

    private func failure(_ detail: String) -> WeightFileError {
        .badPickle(file: file, offset: opcodeStart, detail: detail)
    }

    private mutating func take(_ n: Int) throws -> UnsafeRawBufferPointer {
        guard n >= 0, n <= bytes.count - position else {
            throw WeightFileError.truncated(file: file, detail: "the pickle ends inside the opcode at offset \(opcodeStart)")
        }
        defer { position += n }
        return UnsafeRawBufferPointer(rebasing: bytes[position..<position + n])
    }

    private mutating func uint<T: FixedWidthInteger>(_: T.Type) throws -> T {
        try take(MemoryLayout<T>.size).littleEndian(0, as: T.self)
    }

    private mutating func length<T: FixedWidthInteger>(_: T.Type) throws -> Int {
        let n = try uint(T.self)
        guard let length = Int(exactly: n), length <= bytes.count - position else {
            throw WeightFileError.truncated(file: file, detail: "the pickle ends inside the opcode at offset \(opcodeStart)")
        }
        return length
    }

    private mutating func utf8(_ n: Int) throws -> String {
        guard let s = String(validating: try take(n), as: UTF8.self) else { throw failure("string is not valid UTF-8") }
        return s
    }

    /// A newline-terminated line (text opcodes).
    private mutating func line() throws -> String {
        guard let end = bytes[position...].firstIndex(of: 0x0a) else {
            throw WeightFileError.truncated(file: file, detail: "the pickle ends inside the opcode at offset \(opcodeStart)")
        }
        let s = try utf8(end - position)
        position += 1
        return s
    }

    // MARK: The stack

    private mutating func push(_ item: Item) throws {
        pushCount += 1
        guard pushCount <= Unpickler.maximumPushCount else {
            throw failure("more than \(Unpickler.maximumPushCount) values; a state dict needs far fewer")
        }
        stack.append(item)
    }

    private mutating func push(_ value: PickleValue) throws { try push(Item(value)) }

    private mutating func pop() throws -> Item {
        guard let v = stack.popLast(), marks.last.map({ stack.count >= $0 }) ?? true else { throw failure("stack underflow") }
        return v
    }

    private mutating func popMark() throws -> [Item] {
        guard let m = marks.popLast() else { throw failure("no MARK") }
        defer { stack.removeSubrange(m...) }
        return Array(stack[m...])
    }

    private func top() throws -> Item {
        guard let v = stack.last, marks.last.map({ stack.count > $0 }) ?? true else { throw failure("stack underflow") }
        return v
    }

    // MARK: Running

    private mutating func run() throws -> PickleValue {
        while true {
            opcodeStart = position
            let op = try take(1)[0]
            switch op {
            case 0x80: _ = try take(1)                                     // PROTO
            case 0x95: _ = try take(8)                                     // FRAME
            case 0x2e:                                                     // STOP
                guard stack.count == 1, marks.isEmpty else { throw failure("STOP with \(stack.count) values on the stack") }
                return stack[0].value
            case 0x28: marks.append(stack.count)                           // MARK
            case 0x30: _ = try pop()                                       // POP
            case 0x31: _ = try popMark()                                   // POP_MARK
            case 0x32: try push(try top())                                 // DUP
            case 0x4e: try push(.none)                                     // NONE
            case 0x88: try push(.bool(true))                               // NEWTRUE
            case 0x89: try push(.bool(false))                              // NEWFALSE
            case 0x4a: try push(.int(Int(try uint(Int32.self))))           // BININT
            case 0x4b: try push(.int(Int(try uint(UInt8.self))))           // BININT1
            case 0x4d: try push(.int(Int(try uint(UInt16.self))))          // BININT2
            case 0x8a: try push(try long(Int(try uint(UInt8.self))))       // LONG1
            case 0x8b:                                                     // LONG4
                let n = try uint(Int32.self)
                guard n >= 0 else { throw failure("negative LONG4 length") }
                try push(try long(Int(n)))
            case 0x47:                                                     // BINFLOAT (big-endian)
                try push(.float(Double(bitPattern: UInt64(bigEndian: try take(8).loadUnaligned(as: UInt64.self)))))
            case 0x58: try push(.string(try utf8(try length(UInt32.self))))           // BINUNICODE
            case 0x8c: try push(.string(try utf8(try length(UInt8.self))))            // SHORT_BINUNICODE
            case 0x8d: try push(.string(try utf8(try length(UInt64.self))))           // BINUNICODE8
            case 0x54: try push(.string(try utf8(try length(UInt32.self))))           // BINSTRING (Python 2)
            case 0x55: try push(.string(try utf8(try length(UInt8.self))))            // SHORT_BINSTRING
            case 0x42: try push(.bytes(Array(try take(try length(UInt32.self)))))     // BINBYTES
            case 0x43: try push(.bytes(Array(try take(try length(UInt8.self)))))      // SHORT_BINBYTES
            case 0x8e: try push(.bytes(Array(try take(try length(UInt64.self)))))     // BINBYTES8
            case 0x29: try push(.tuple([]))                                // EMPTY_TUPLE
            case 0x74: try pushTuple(try popMark())                        // TUPLE
            case 0x85: try pushTuple([try pop()])                          // TUPLE1
            case 0x86:                                                     // TUPLE2
                let b = try pop(), a = try pop()
                try pushTuple([a, b])
            case 0x87:                                                     // TUPLE3
                let c = try pop(), b = try pop(), a = try pop()
                try pushTuple([a, b, c])
            case 0x5d: try push(.list(PickleList()))                       // EMPTY_LIST
            case 0x6c:                                                     // LIST
                let list = PickleList()
                try append(try popMark(), to: list)
                try push(.list(list))
            case 0x61: try append([try pop()], to: try listOnTop())        // APPEND
            case 0x65:                                                     // APPENDS
                let items = try popMark()
                try append(items, to: try listOnTop())
            case 0x7d: try push(.dict(PickleDict()))                       // EMPTY_DICT
            case 0x64:                                                     // DICT
                let dict = PickleDict()
                try setItems(try popMark(), in: dict)
                try push(.dict(dict))
            case 0x73:                                                     // SETITEM
                let value = try pop(), key = try pop()
                try setItems([key, value], in: try dictOnTop())
            case 0x75:                                                     // SETITEMS
                let items = try popMark()
                try setItems(items, in: try dictOnTop())
            case 0x71: memo[Int(try uint(UInt8.self))] = try top()         // BINPUT
            case 0x72: memo[Int(try uint(UInt32.self))] = try top()        // LONG_BINPUT
            case 0x94: memo[memo.count] = try top()                        // MEMOIZE
            case 0x70: memo[try decimal()] = try top()                     // PUT
            case 0x68: try push(try memoized(Int(try uint(UInt8.self))))   // BINGET
            case 0x6a: try push(try memoized(Int(try uint(UInt32.self))))  // LONG_BINGET
            case 0x67: try push(try memoized(try decimal()))               // GET
            case 0x63:                                                     // GLOBAL
                let module = try line(), name = try line()
                try push(try global(module, name))
            case 0x93:                                                     // STACK_GLOBAL
                guard case let .string(name) = try pop().value, case let .string(module) = try pop().value else {
                    throw failure("STACK_GLOBAL needs two strings")
                }
                try push(try global(module, name))
            case 0x51: try push(try persistentLoad(try pop().value, opcodeStart))     // BINPERSID
            case 0x52, 0x81:                                               // REDUCE, NEWOBJ
                let args = try pop(), callable = try pop()
                let result = try call(callable.value, args.value)
                // An OrderedDict holds what its arguments held, so it nests no deeper.
                if case let .dict(dict) = result { dict.depth = max(dict.depth, args.depth) }
                try push(result)
            case 0x62:                                                     // BUILD
                _ = try pop()   // the state: attributes such as a state dict's _metadata, not needed
                switch try top().value {
                case .dict, .tensor: break
                default: throw failure("BUILD on \(try top().value.kind)")
                }
            default:
                throw failure("opcode 0x\(String(op, radix: 16)) is not supported in a weight file")
            }
        }
    }

    /// The depth of a container of `items`, which may no longer grow once inside it; throws
    /// beyond `maximumDepth`.
    private func nest(_ items: [Item]) throws -> Int {
        let depth = 1 + (items.map(\.depth).max() ?? 0)
        guard depth <= Unpickler.maximumDepth else {
            throw failure("values nest deeper than \(Unpickler.maximumDepth) levels; a state dict needs a few")
        }
        for item in items { item.container?.isNested = true }
        return depth
    }

    private mutating func pushTuple(_ items: [Item]) throws {
        try push(Item(.tuple(items.map(\.value)), depth: try nest(items)))
    }

    /// Adds `items` to `container`, which must not sit inside another value (a state dict
    /// is never cyclic) nor end up inside itself.
    private func grow(_ container: PickleContainer, with items: [Item], kind: String) throws {
        guard !container.isNested else {
            throw failure("\(kind) grows after it was put inside another value; a state dict is never cyclic")
        }
        container.depth = max(container.depth, try nest(items))
        guard !container.isNested else { throw failure("\(kind) is put inside itself; a state dict is never cyclic") }
    }

    private mutating func decimal() throws -> Int {
        guard let n = Int(try line()), n >= 0 else { throw failure("bad memo index") }
        return n
    }

    private func memoized(_ index: Int) throws -> Item {
        guard let v = memo[index] else { throw failure("memo entry \(index) is not set") }
        return v
    }

    /// A little-endian two's-complement integer of `n` bytes.
    private mutating func long(_ n: Int) throws -> PickleValue {
        let raw = Array(try take(n))
        guard n <= 8 else { return .bigInt(raw) }
        guard n > 0 else { return .int(0) }
        var v: UInt64 = raw.last! >= 0x80 ? ~0 : 0
        for b in raw.reversed() { v = v << 8 | UInt64(b) }
        return .int(Int(Int64(bitPattern: v)))
    }

    private func listOnTop() throws -> PickleList {
        guard case let .list(list) = try top().value else { throw failure("APPEND to \(try top().value.kind)") }
        return list
    }

    private func append(_ items: [Item], to list: PickleList) throws {
        try grow(list, with: items, kind: "a list")
        list.items += items.map(\.value)
    }

    private func dictOnTop() throws -> PickleDict {
        guard case let .dict(dict) = try top().value else { throw failure("SETITEM on \(try top().value.kind)") }
        return dict
    }

    private func setItems(_ items: [Item], in dict: PickleDict) throws {
        guard items.count % 2 == 0 else { throw failure("odd number of items for a dict") }
        try grow(dict, with: items, kind: "a dict")
        for i in stride(from: 0, to: items.count, by: 2) { dict.set(items[i].value, items[i + 1].value) }
    }

    // MARK: Globals

    /// The callables a state dict needs; everything else is refused.
    static let allowedCallables: Set<String> = [
        "collections.OrderedDict",
        "torch._utils._rebuild_tensor",
        "torch._utils._rebuild_tensor_v2",
        "torch._utils._rebuild_parameter",
        "torch._utils._rebuild_parameter_with_state",
    ]

    private func global(_ module: String, _ name: String) throws -> PickleValue {
        let full = module + "." + name
        // Storage classes (torch.FloatStorage, …) are only names inside persistent ids; the
        // persistent loader refuses the types Graft cannot hold.
        let isStorageClass = module == "torch" && name.hasSuffix("Storage") && name.allSatisfy { $0.isLetter || $0.isNumber }
        guard Unpickler.allowedCallables.contains(full) || isStorageClass else {
            throw WeightFileError.disallowedGlobal(file: file, name: full, offset: opcodeStart)
        }
        return .global(module: module, name: name)
    }

    /// Interprets REDUCE/NEWOBJ of an allowed callable.
    private func call(_ callable: PickleValue, _ args: PickleValue) throws -> PickleValue {
        guard case let .global(module, name) = callable else { throw failure("call of \(callable.kind)") }
        guard case let .tuple(a) = args else { throw failure("arguments of \(module).\(name) are \(args.kind), not a tuple") }
        switch "\(module).\(name)" {
        case "collections.OrderedDict":
            let dict = PickleDict()
            if let first = a.first {
                guard a.count == 1, case let .list(pairs) = first else { throw failure("unexpected OrderedDict arguments") }
                for pair in pairs.items {
                    guard case let .tuple(kv) = pair, kv.count == 2 else { throw failure("OrderedDict item is not a pair") }
                    dict.set(kv[0], kv[1])
                }
            }
            return .dict(dict)
        case "torch._utils._rebuild_tensor", "torch._utils._rebuild_tensor_v2":
            guard a.count >= 4, case let .storage(storage) = a[0], case let .int(offset) = a[1],
                  let shape = ints(a[2]), let strides = ints(a[3]) else {
                throw failure("\(name) needs a storage, an offset, a size and a stride")
            }
            return .tensor(PickledTensor(storage: storage, layout: ElementLayout(shape: shape, strides: strides, offset: offset)))
        case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state":
            guard let data = a.first, case .tensor = data else { throw failure("\(name) needs a tensor") }
            return data
        default:
            throw failure("\(module).\(name) cannot be called")
        }
    }

    private func ints(_ v: PickleValue) -> [Int]? {
        guard case let .tuple(items) = v else { return nil }
        let values = items.compactMap { item -> Int? in
            if case let .int(i) = item { return i }
            return nil
        }
        return values.count == items.count ? values : nil
    }
}
