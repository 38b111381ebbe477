import GraftCore
import XCTest

final class MemoryPlanningTests: XCTestCase {
    /// A chain a → b → c → d: c reuses a's buffer once b has read a; b's buffer is not reused
    /// by c (b is read there), and d, an output, gets a buffer nobody else takes after it.
    func testADeadValuesBufferIsReusedAndALiveOneIsNot() {
        let steps = [BufferAccess(reads: [], writes: 0), BufferAccess(reads: [0], writes: 1),
                     BufferAccess(reads: [1], writes: 2), BufferAccess(reads: [2], writes: 3)]
        let plan = planMemory(steps, bytes: [0: 100, 1: 100, 2: 100, 3: 100], kept: [3])
        XCTAssertEqual(plan.bufferOf[2], plan.bufferOf[0], "a is dead when c is written")
        XCTAssertNotEqual(plan.bufferOf[2], plan.bufferOf[1], "b is read while c is written")
        XCTAssertNotEqual(plan.bufferOf[3], plan.bufferOf[2])
        XCTAssertEqual(plan.totalBytes, 200)
    }

    /// A value read again later keeps its buffer: the skip connection's input is not overwritten.
    func testAValueStillReadLaterKeepsItsBuffer() {
        let steps = [BufferAccess(reads: [], writes: 0), BufferAccess(reads: [0], writes: 1),
                     BufferAccess(reads: [1], writes: 2), BufferAccess(reads: [2, 0], writes: 3)]
        let plan = planMemory(steps, bytes: [0: 64, 1: 64, 2: 64, 3: 64], kept: [3])
        XCTAssertEqual(Set([0, 1, 2].compactMap { plan.bufferOf[$0] }).count, 3)
        XCTAssertEqual(plan.bufferOf[2], 2, "value 1's buffer is busy until step 2 ends, 0's until step 3")
    }

    /// In place only where the overwritten value dies: an eltwise over a value that is read
    /// later gets a buffer of its own; one over a dying value takes that value's buffer; a
    /// kept value (an output) is never overwritten.
    func testInPlaceOnlyWhenTheInputDiesThere() {
        let steps = [BufferAccess(reads: [], writes: 0), BufferAccess(reads: [0], writes: 1, inPlaceOf: 0),
                     BufferAccess(reads: [1], writes: 2, inPlaceOf: 1), BufferAccess(reads: [2, 0], writes: 3, inPlaceOf: 2)]
        let plan = planMemory(steps, bytes: [0: 32, 1: 32, 2: 32, 3: 32], kept: [2])
        XCTAssertNotEqual(plan.bufferOf[1], plan.bufferOf[0], "value 0 is read by step 3")
        XCTAssertEqual(plan.bufferOf[2], plan.bufferOf[1], "value 1 dies at step 2")
        XCTAssertNotEqual(plan.bufferOf[3], plan.bufferOf[2], "value 2 is an output")
    }

    /// A freed buffer too small for the next value grows rather than a new one being made.
    func testAFreeBufferGrows() {
        let steps = [BufferAccess(reads: [], writes: 0), BufferAccess(reads: [0], writes: 1),
                     BufferAccess(reads: [1], writes: 2)]
        let plan = planMemory(steps, bytes: [0: 10, 1: 10, 2: 40], kept: [2])
        XCTAssertEqual(plan.bufferBytes.count, 2)
        XCTAssertEqual(plan.totalBytes, 50)
    }
}
