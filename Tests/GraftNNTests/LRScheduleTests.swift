import Foundation
import XCTest
import GraftCore
@testable import GraftNN

final class LRScheduleTests: XCTestCase {
    /// An SGD optimizer over one parameter per learning rate.
    func optimizer(_ lrs: [Float]) throws -> Optimizer {
        try SGD(groups: lrs.map { ParamGroup(parameters: [Tensor.zeros([1])], lr: $0) })
    }

    /// The learning rates of group 0 at positions 0 ..< count.
    func curve(_ schedule: any LRSchedule, base: Float, count: Int) throws -> [Float] {
        let scheduler = LRScheduler(try optimizer([base]), schedule: schedule)
        var lrs = [scheduler.currentLRs[0]]
        for _ in 1..<count {
            scheduler.step()
            lrs.append(scheduler.currentLRs[0])
        }
        return lrs
    }

    func testStepLR() throws {
        let lrs = try curve(try StepLR(stepSize: 3, gamma: 0.5), base: 0.1, count: 10)
        assertNear(lrs, (0..<10).map { 0.1 * pow(0.5, Double($0 / 3)) })
        XCTAssertThrowsError(try StepLR(stepSize: 0))
    }

    func testMultiStepLR() throws {
        let schedule = try MultiStepLR(milestones: [5, 2], gamma: 0.1)
        XCTAssertEqual(schedule.milestones, [2, 5])
        assertNear(try curve(schedule, base: 1, count: 8), [1, 1, 0.1, 0.1, 0.1, 0.01, 0.01, 0.01])
        XCTAssertThrowsError(try MultiStepLR(milestones: [0, 3]))
    }

    func testCosineWithWarmup() throws {
        let lrs = try curve(try CosineWithWarmup(warmupSteps: 4, totalSteps: 12, minFactor: 0.1), base: 0.2, count: 15)
        let expected = (0..<15).map { s -> Double in
            if s < 4 { return 0.2 * Double(s) / 4 }
            let progress = min(1, Double(s - 4) / 8)
            return 0.2 * (0.1 + 0.9 * 0.5 * (1 + cos(Double.pi * progress)))
        }
        assertNear(lrs, expected)
        assertNear([lrs[0], lrs[2], lrs[4], lrs[8], lrs[12], lrs[14]], [0, 0.1, 0.2, 0.11, 0.02, 0.02])
        XCTAssertThrowsError(try CosineWithWarmup(warmupSteps: 5, totalSteps: 5))
        XCTAssertThrowsError(try CosineWithWarmup(warmupSteps: 1, totalSteps: 5, minFactor: 2))
    }

    /// Values printed by torch's OneCycleLR algorithm (max_lr 0.1, total_steps 10, defaults).
    func testOneCycleMatchesTorch() throws {
        let lrs = try curve(try OneCycle(totalSteps: 10), base: 0.1, count: 10)
        assertNear(lrs, [0.0040000000000000036, 0.052000000000000005, 0.1, 0.09504846320134738, 0.0811745653949763,
                         0.06112620219362893, 0.03887419780637107, 0.0188258346050237, 0.004951936798652629, 4e-07])
    }

    func testOneCycleFirstPeakAndLast() throws {
        let lrs = try curve(try OneCycle(totalSteps: 100), base: 0.01, count: 102)
        XCTAssertEqual(Double(lrs[0]), 0.01 / 25, accuracy: 1e-9)
        XCTAssertEqual(lrs.firstIndex(of: lrs.max()!), 29, "peak at pct_start · total − 1")
        XCTAssertEqual(Double(lrs[29]), 0.01, accuracy: 1e-9)
        XCTAssertEqual(Double(lrs[99]), 0.01 / 25 / 1e4, accuracy: 1e-12)
        XCTAssertEqual(lrs[100], lrs[99], "stays at the final rate")
        assertNear([lrs[28], lrs[30], lrs[50]], [0.009971862194340927, 0.009994965352845242, 0.00793893450575732])
        XCTAssertTrue(zip(lrs[..<29], lrs[1...29]).allSatisfy { $0 < $1 })
        XCTAssertTrue(zip(lrs[29..<99], lrs[30...99]).allSatisfy { $0 > $1 })
        XCTAssertThrowsError(try OneCycle(totalSteps: 0))
        XCTAssertThrowsError(try OneCycle(totalSteps: 10, pctStart: 1))
    }

    /// A one-epoch run on a small set has 1, 2 or 3 steps: every schedule gives finite rates
    /// there, one-cycle from its maximum down to its minimum at the last step (it once refused
    /// fewer than 4 steps).
    func testSchedulesWorkForOneTwoAndThreeSteps() throws {
        let minimum = 1.0 / 25 / 1e4
        let expected: [[Double]] = [[1], [1, minimum], [1, (1 + minimum) / 2, minimum]]
        for total in 1...3 {
            let oneCycle = try OneCycle(totalSteps: total)
            assertNear((0..<total).map { Float(oneCycle.factor(at: $0)) }, expected[total - 1])
            XCTAssertEqual(oneCycle.factor(at: total), expected[total - 1].last!, accuracy: 1e-15, "stays at the last rate")
            let schedules: [any LRSchedule] = [oneCycle, try CosineWithWarmup(warmupSteps: total / 2, totalSteps: total),
                                               try StepLR(stepSize: max(1, total / 3))]
            for schedule in schedules {
                let factors = (0...total).map { schedule.factor(at: $0) }
                XCTAssertTrue(factors.allSatisfy { $0.isFinite && (0...1).contains($0) }, "\(schedule) over \(total) steps: \(factors)")
            }
        }
    }

    func testSchedulesScaleEachGroupsBaseRate() throws {
        let opt = try optimizer([0.1, 0.01])
        let scheduler = LRScheduler(opt, schedule: try StepLR(stepSize: 1, gamma: 0.5))
        scheduler.step()
        assertNear(scheduler.currentLRs, [0.05, 0.005])
        opt.paramGroups.append(ParamGroup(parameters: [Tensor.zeros([1])], lr: 0.4))
        scheduler.step()
        XCTAssertEqual(scheduler.baseLRs, [0.1, 0.01, 0.4])
        assertNear(scheduler.currentLRs, [0.025, 0.0025, 0.1])
    }

    func testSchedulerSetsTheLearningRateTheOptimizerUses() throws {
        let p = Tensor(shape: [1], data: [1])
        p.requiresGrad = true
        let opt = try SGD(parameters: [p], lr: 1)
        let scheduler = LRScheduler(opt, schedule: try MultiStepLR(milestones: [1], gamma: 0.1))
        scheduler.step()
        p.grad = Tensor(shape: [1], data: [1])
        try opt.step()
        XCTAssertEqual(p.item, 0.9, accuracy: 1e-6)
    }

    func testPositionSavesAndRestores() throws {
        let schedule = try CosineWithWarmup(warmupSteps: 3, totalSteps: 20)
        let first = LRScheduler(try optimizer([0.1, 0.3]), schedule: schedule)
        for _ in 0..<7 { first.step() }
        let saved = try JSONDecoder().decode(LRSchedulerState.self, from: JSONEncoder().encode(first.stateDict()))
        XCTAssertEqual(saved, LRSchedulerState(position: 7, baseLRs: [0.1, 0.3]))

        let resumed = LRScheduler(try optimizer([0.1, 0.3]), schedule: schedule)
        try resumed.loadState(saved)
        XCTAssertEqual(resumed.position, 7)
        XCTAssertEqual(resumed.currentLRs, first.currentLRs)
        for _ in 0..<5 {
            first.step()
            resumed.step()
            XCTAssertEqual(resumed.currentLRs, first.currentLRs)
        }
        XCTAssertThrowsError(try LRScheduler(try optimizer([0.1]), schedule: schedule).loadState(saved))
    }
}
