/// Encodes the few kinds of Python value a state dict is made of as a protocol-2 pickle,
/// with the opcodes `torch.save` itself emits (GLOBAL, REDUCE, BINPERSID, BINUNICODE, …) and
/// no memo, so that both `pickle` and torch's `weights_only` unpickler accept it.
enum PickleWriter {
    indirect enum Value {
        case int(Int)
        case bool(Bool)
        case string(String)
        case tuple([Value])
        /// `module.name`, pushed with GLOBAL.
        case global(module: String, name: String)
        /// `callable(*arguments)`, with REDUCE.
        case call(Value, [Value])
        /// An object the unpickler's `persistent_load` makes from this id (BINPERSID).
        case persistent(Value)
        /// `collections.OrderedDict()` filled with these string-keyed items in order.
        case orderedDict([(String, Value)])
    }

    /// The pickle of `value`: PROTO 2, the value, STOP.
    static func pickle(_ value: Value) -> [UInt8] {
        var out: [UInt8] = [0x80, 2]
        emit(value, into: &out)
        out.append(0x2e)   // STOP
        return out
    }

    private static func emit(_ value: Value, into out: inout [UInt8]) {
        switch value {
        case let .int(i): emitInt(i, into: &out)
        case let .bool(b): out.append(b ? 0x88 : 0x89)                     // NEWTRUE / NEWFALSE
        case let .string(s):                                                // BINUNICODE
            out.append(0x58)
            appendLittleEndian(UInt32(s.utf8.count), to: &out)
            out += s.utf8
        case let .tuple(items):
            switch items.count {
            case 0: out.append(0x29)                                        // EMPTY_TUPLE
            case 1...3:
                for item in items { emit(item, into: &out) }
                out.append([0x85, 0x86, 0x87][items.count - 1])             // TUPLE1..3
            default:
                out.append(0x28)                                            // MARK
                for item in items { emit(item, into: &out) }
                out.append(0x74)                                            // TUPLE
            }
        case let .global(module, name):                                     // GLOBAL
            out.append(0x63)
            out += module.utf8
            out.append(0x0a)
            out += name.utf8
            out.append(0x0a)
        case let .call(callable, arguments):
            emit(callable, into: &out)
            emit(.tuple(arguments), into: &out)
            out.append(0x52)                                                // REDUCE
        case let .persistent(id):
            emit(id, into: &out)
            out.append(0x51)                                                // BINPERSID
        case let .orderedDict(items):
            emit(.call(.global(module: "collections", name: "OrderedDict"), []), into: &out)
            guard !items.isEmpty else { return }
            out.append(0x28)                                                // MARK
            for (key, item) in items {
                emit(.string(key), into: &out)
                emit(item, into: &out)
            }
            out.append(0x75)                                                // SETITEMS
        }
    }

    private static func emitInt(_ i: Int, into out: inout [UInt8]) {
        switch i {
        case 0...0xff: out += [0x4b, UInt8(i)]                              // BININT1
        case 0x100...0xffff:                                                // BININT2
            out.append(0x4d)
            appendLittleEndian(UInt16(i), to: &out)
        case Int(Int32.min)...Int(Int32.max):                               // BININT
            out.append(0x4a)
            appendLittleEndian(Int32(i), to: &out)
        default:                                                            // LONG1: shortest two's complement
            var bytes = withUnsafeBytes(of: Int64(i).littleEndian) { Array($0) }
            while bytes.count > 1 {
                let top = bytes[bytes.count - 1], next = bytes[bytes.count - 2]
                guard (top == 0 && next < 0x80) || (top == 0xff && next >= 0x80) else { break }
                bytes.removeLast()
            }
            out += [0x8a, UInt8(bytes.count)] + bytes
        }
    }
}

/// Appends the little-endian bytes of `value`.
func appendLittleEndian<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
    withUnsafeBytes(of: value.littleEndian) { out += $0 }
}
