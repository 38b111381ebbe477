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

final class PickleList {
    var items: [PickleValue] = []
}

/// A dict in insertion order; string keys are looked up by index.
final class PickleDict {
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

    private let bytes: UnsafeRawBufferPointer
    private let file: String
    private let persistentLoad: PersistentLoader
    private var position: Int
    private var stack: [PickleValue] = []
    private var marks: [Int] = []
    private var memo: [Int: PickleValue] = [:]
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

    private mutating func pop() throws -> PickleValue {
        guard let v = stack.popLast(), marks.last.map({ stack.count >= $0 }) ?? true else { throw failure("stack underflow") }
        return v
    }

    private mutating func popMark() throws -> [PickleValue] {
        guard let m = marks.popLast() else { throw failure("no MARK") }
        defer { stack.removeSubrange(m...) }
        return Array(stack[m...])
    }

    private func top() throws -> PickleValue {
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
                return stack[0]
            case 0x28: marks.append(stack.count)                           // MARK
            case 0x30: _ = try pop()                                       // POP
            case 0x31: _ = try popMark()                                   // POP_MARK
            case 0x32: stack.append(try top())                             // DUP
            case 0x4e: stack.append(.none)                                 // NONE
            case 0x88: stack.append(.bool(true))                           // NEWTRUE
            case 0x89: stack.append(.bool(false))                          // NEWFALSE
            case 0x4a: stack.append(.int(Int(try uint(Int32.self))))       // BININT
            case 0x4b: stack.append(.int(Int(try uint(UInt8.self))))       // BININT1
            case 0x4d: stack.append(.int(Int(try uint(UInt16.self))))      // BININT2
            case 0x8a: stack.append(try long(Int(try uint(UInt8.self))))   // LONG1
            case 0x8b:                                                     // LONG4
                let n = try uint(Int32.self)
                guard n >= 0 else { throw failure("negative LONG4 length") }
                stack.append(try long(Int(n)))
            case 0x47:                                                     // BINFLOAT (big-endian)
                stack.append(.float(Double(bitPattern: UInt64(bigEndian: try take(8).loadUnaligned(as: UInt64.self)))))
            case 0x58: stack.append(.string(try utf8(try length(UInt32.self))))        // BINUNICODE
            case 0x8c: stack.append(.string(try utf8(try length(UInt8.self))))         // SHORT_BINUNICODE
            case 0x8d: stack.append(.string(try utf8(try length(UInt64.self))))        // BINUNICODE8
            case 0x54: stack.append(.string(try utf8(try length(UInt32.self))))        // BINSTRING (Python 2)
            case 0x55: stack.append(.string(try utf8(try length(UInt8.self))))         // SHORT_BINSTRING
            case 0x42: stack.append(.bytes(Array(try take(try length(UInt32.self)))))  // BINBYTES
            case 0x43: stack.append(.bytes(Array(try take(try length(UInt8.self)))))   // SHORT_BINBYTES
            case 0x8e: stack.append(.bytes(Array(try take(try length(UInt64.self)))))  // BINBYTES8
            case 0x29: stack.append(.tuple([]))                            // EMPTY_TUPLE
            case 0x74: stack.append(.tuple(try popMark()))                 // TUPLE
            case 0x85: stack.append(.tuple([try pop()]))                   // TUPLE1
            case 0x86:                                                     // TUPLE2
                let b = try pop(), a = try pop()
                stack.append(.tuple([a, b]))
            case 0x87:                                                     // TUPLE3
                let c = try pop(), b = try pop(), a = try pop()
                stack.append(.tuple([a, b, c]))
            case 0x5d: stack.append(.list(PickleList()))                   // EMPTY_LIST
            case 0x6c:                                                     // LIST
                let list = PickleList()
                list.items = try popMark()
                stack.append(.list(list))
            case 0x61: try append([try pop()])                             // APPEND
            case 0x65: try append(try popMark())                           // APPENDS
            case 0x7d: stack.append(.dict(PickleDict()))                   // EMPTY_DICT
            case 0x64:                                                     // DICT
                let dict = PickleDict()
                try setItems(dict, try popMark())
                stack.append(.dict(dict))
            case 0x73:                                                     // SETITEM
                let value = try pop(), key = try pop()
                try setItems(try dictOnTop(), [key, value])
            case 0x75:                                                     // SETITEMS
                let items = try popMark()
                try setItems(try dictOnTop(), items)
            case 0x71: memo[Int(try uint(UInt8.self))] = try top()         // BINPUT
            case 0x72: memo[Int(try uint(UInt32.self))] = try top()        // LONG_BINPUT
            case 0x94: memo[memo.count] = try top()                        // MEMOIZE
            case 0x70: memo[try decimal()] = try top()                     // PUT
            case 0x68: stack.append(try memoized(Int(try uint(UInt8.self))))    // BINGET
            case 0x6a: stack.append(try memoized(Int(try uint(UInt32.self))))   // LONG_BINGET
            case 0x67: stack.append(try memoized(try decimal()))                // GET
            case 0x63:                                                     // GLOBAL
                let module = try line(), name = try line()
                stack.append(try global(module, name))
            case 0x93:                                                     // STACK_GLOBAL
                guard case let .string(name) = try pop(), case let .string(module) = try pop() else {
                    throw failure("STACK_GLOBAL needs two strings")
                }
                stack.append(try global(module, name))
            case 0x51: stack.append(try persistentLoad(try pop(), opcodeStart))       // BINPERSID
            case 0x52:                                                     // REDUCE
                let args = try pop(), callable = try pop()
                stack.append(try call(callable, args))
            case 0x81:                                                     // NEWOBJ
                let args = try pop(), cls = try pop()
                stack.append(try call(cls, args))
            case 0x62:                                                     // BUILD
                _ = try pop()   // the state: attributes such as a state dict's _metadata, not needed
                switch try top() {
                case .dict, .tensor: break
                default: throw failure("BUILD on \(try top().kind)")
                }
            default:
                throw failure("opcode 0x\(String(op, radix: 16)) is not supported in a weight file")
            }
        }
    }

    private mutating func decimal() throws -> Int {
        guard let n = Int(try line()), n >= 0 else { throw failure("bad memo index") }
        return n
    }

    private func memoized(_ index: Int) throws -> PickleValue {
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

    private mutating func append(_ items: [PickleValue]) throws {
        guard case let .list(list) = try top() else { throw failure("APPEND to \(try top().kind)") }
        list.items += items
    }

    private func dictOnTop() throws -> PickleDict {
        guard case let .dict(dict) = try top() else { throw failure("SETITEM on \(try top().kind)") }
        return dict
    }

    private func setItems(_ dict: PickleDict, _ items: [PickleValue]) throws {
        guard items.count % 2 == 0 else { throw failure("odd number of items for a dict") }
        for i in stride(from: 0, to: items.count, by: 2) { dict.set(items[i], items[i + 1]) }
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
