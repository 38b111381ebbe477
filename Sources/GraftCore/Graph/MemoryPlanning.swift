/// What one step of a plan does to planned values (by id): the values it reads, the value it
/// writes, and a value it may overwrite in place (an element-wise op's input, a fused sum's
/// addend) if nothing reads that value afterwards.
public struct BufferAccess: Sendable, Equatable {
    public var reads: [Int]
    public var writes: Int
    public var inPlaceOf: Int?

    public init(reads: [Int], writes: Int, inPlaceOf: Int? = nil) {
        self.reads = reads; self.writes = writes; self.inPlaceOf = inPlaceOf
    }
}

/// Buffers for the values of a plan: which buffer each value lives in and each buffer's size.
public struct MemoryPlan: Sendable, Equatable {
    /// The buffer index of each written value.
    public var bufferOf: [Int: Int]
    /// The bytes of each buffer.
    public var bufferBytes: [Int]

    /// The bytes of all buffers together.
    public var totalBytes: Int { bufferBytes.reduce(0, +) }
}

/// Assigns buffers to the values `steps` write, in order, by liveness: a value's buffer is
/// free again after the last step that reads it, and a later value takes the smallest free
/// buffer that holds it (or the largest free one, grown). A step writes over its `inPlaceOf`
/// value when that value is last read there, is not kept, and its buffer is large enough.
/// Values in `kept` (outputs) are never freed. `bytes` gives each value's size.
public func planMemory(_ steps: [BufferAccess], bytes: [Int: Int], kept: Set<Int>) -> MemoryPlan {
    var lastRead: [Int: Int] = [:]
    for (index, step) in steps.enumerated() {
        for id in step.reads { lastRead[id] = index }
    }
    var plan = MemoryPlan(bufferOf: [:], bufferBytes: [])
    var free: [Int] = []
    for (index, step) in steps.enumerated() {
        let size = bytes[step.writes] ?? 0
        var dying = Set(step.reads.filter { lastRead[$0] == index && !kept.contains($0) })
        if let victim = step.inPlaceOf, dying.contains(victim), let buffer = plan.bufferOf[victim], plan.bufferBytes[buffer] >= size {
            plan.bufferOf[step.writes] = buffer
            dying.remove(victim)
        } else if let best = free.filter({ plan.bufferBytes[$0] >= size }).min(by: { plan.bufferBytes[$0] < plan.bufferBytes[$1] })
                    ?? free.max(by: { plan.bufferBytes[$0] < plan.bufferBytes[$1] }) {
            free.removeAll { $0 == best }
            plan.bufferBytes[best] = max(plan.bufferBytes[best], size)
            plan.bufferOf[step.writes] = best
        } else {
            plan.bufferOf[step.writes] = plan.bufferBytes.count
            plan.bufferBytes.append(size)
        }
        // A value nobody reads is free at once.
        if lastRead[step.writes] == nil && !kept.contains(step.writes) { dying.insert(step.writes) }
        for id in dying { if let buffer = plan.bufferOf[id], !free.contains(buffer) { free.append(buffer) } }
    }
    return plan
}
