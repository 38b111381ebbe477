/// Counts the floating-point operations that ops report while `counting(_:)` runs, so that a
/// model summary can give each layer the FLOPs of the ops it ran, whatever its type. A
/// multiply-add counts two. Ops report their forward work only; nothing is counted outside
/// `counting(_:)`.
public enum FLOPCounter {
    /// The total of the innermost `counting(_:)` in progress; nil when none is.
    private static var running: Int?

    /// Runs `body` and returns its result with the FLOPs the ops it ran reported. Calls nest:
    /// an inner call sees its own body's FLOPs, and they count in the outer call's total too.
    public static func counting<R>(_ body: () throws -> R) rethrows -> (result: R, flops: Int) {
        let outer = running
        running = 0
        defer {
            let inner = running ?? 0
            running = outer.map { saturatingSum($0, inner) }
        }
        let result = try body()
        return (result, running ?? 0)
    }

    /// Whether a count is in progress.
    static var isCounting: Bool { running != nil }

    /// Adds `flops` to the count in progress, if any.
    static func add(_ flops: Int) {
        guard let total = running else { return }
        running = saturatingSum(total, flops)
    }

    /// Adds the product of `factors` (saturating at `Int.max`) to the count in progress.
    static func add(product factors: Int...) {
        guard isCounting else { return }
        var product = 1
        for f in factors {
            let (p, overflow) = product.multipliedReportingOverflow(by: f)
            product = overflow ? Int.max : p
        }
        add(product)
    }

    private static func saturatingSum(_ a: Int, _ b: Int) -> Int {
        let (s, overflow) = a.addingReportingOverflow(b)
        return overflow ? Int.max : s
    }
}
