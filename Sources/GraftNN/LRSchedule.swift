/// A learning-rate curve: the factor by which each parameter group's base learning rate is
/// multiplied after `step` scheduler steps (step 0 is the state before any `step()` call,
/// as a freshly built torch scheduler).
public protocol LRSchedule: Sendable {
    func factor(at step: Int) -> Double
}
