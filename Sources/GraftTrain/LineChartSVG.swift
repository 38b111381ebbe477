import Foundation

/// A small line chart over epochs as inline SVG: axes with ticks, grid lines, a legend, and
/// per series one `<polyline>` (one point per value) with a marker at each point. Points
/// must be finite.
struct LineChartSVG {
    struct Series {
        var name: String
        var color: String
        var points: [(x: Double, y: Double)]
    }

    var title: String
    var yLabel: String
    var series: [Series]
    /// Clamp the y axis to this range (accuracy: 0…1).
    var yLimits: ClosedRange<Double>
    /// Tick labels as percentages of 1.
    var percent = false

    static let width = 520.0, height = 300.0
    static let left = 60.0, right = 16.0, top = 34.0, bottom = 46.0

    func svg() -> String {
        let all = series.flatMap(\.points)
        let (w, h) = (LineChartSVG.width, LineChartSVG.height)
        let plot = (x0: LineChartSVG.left, x1: w - LineChartSVG.right, y0: LineChartSVG.top, y1: h - LineChartSVG.bottom)
        var xs = all.map(\.x), ys = all.map(\.y)
        if xs.isEmpty { xs = [1]; ys = [yLimits.lowerBound, yLimits.upperBound] }
        let xMin = xs.min()!, xMax = xs.max()!
        let xDomain = xMin == xMax ? (xMin - 1)...(xMax + 1) : xMin...xMax
        let yTicks = niceTicks(ys.min()!, ys.max()!, limits: yLimits)
        // Multiples of a nice step, and the first epoch unless a multiple crowds it.
        var xTicks = niceTicks(xDomain.lowerBound, xDomain.upperBound, limits: xDomain, integers: true).filter { (xMin...xMax).contains($0) }
        if xMin == xMin.rounded(), let next = xTicks.first(where: { $0 > xMin }), !xTicks.contains(xMin),
           next - xMin >= (xTicks.count > 1 ? xTicks[1] - xTicks[0] : 1) / 2 {
            xTicks.insert(xMin, at: 0)
        }
        func px(_ x: Double) -> Double {
            plot.x0 + (x - xDomain.lowerBound) / (xDomain.upperBound - xDomain.lowerBound) * (plot.x1 - plot.x0)
        }
        func py(_ y: Double) -> Double {
            let (lo, hi) = (yTicks.first!, yTicks.last!)
            return plot.y1 - (y - lo) / (hi - lo) * (plot.y1 - plot.y0)
        }
        let yDecimals = decimals(yTicks.count > 1 ? yTicks[1] - yTicks[0] : 1, percent: percent)

        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 \(f(w)) \(f(h))\" role=\"img\" aria-label=\"\(title.xmlEscaped)\">"
        s += "<text class=\"chart-title\" x=\"\(f(plot.x0))\" y=\"20\">\(title.xmlEscaped)</text>"
        for t in yTicks {
            let y = f(py(t))
            s += "<line class=\"grid\" x1=\"\(f(plot.x0))\" x2=\"\(f(plot.x1))\" y1=\"\(y)\" y2=\"\(y)\"/>"
            s += "<text class=\"tick\" x=\"\(f(plot.x0 - 6))\" y=\"\(y)\" text-anchor=\"end\" dominant-baseline=\"middle\">\(label(t, decimals: yDecimals))</text>"
        }
        for t in xTicks {
            let x = f(px(t))
            s += "<line class=\"axis\" x1=\"\(x)\" x2=\"\(x)\" y1=\"\(f(plot.y1))\" y2=\"\(f(plot.y1 + 5))\"/>"
            s += "<text class=\"tick\" x=\"\(x)\" y=\"\(f(plot.y1 + 18))\" text-anchor=\"middle\">\(Int(t.rounded()))</text>"
        }
        s += "<line class=\"axis\" x1=\"\(f(plot.x0))\" x2=\"\(f(plot.x0))\" y1=\"\(f(plot.y0))\" y2=\"\(f(plot.y1))\"/>"
        s += "<line class=\"axis\" x1=\"\(f(plot.x0))\" x2=\"\(f(plot.x1))\" y1=\"\(f(plot.y1))\" y2=\"\(f(plot.y1))\"/>"
        s += "<text class=\"axis-label\" x=\"\(f((plot.x0 + plot.x1) / 2))\" y=\"\(f(h - 8))\" text-anchor=\"middle\">epoch</text>"
        s += "<text class=\"axis-label\" transform=\"translate(14 \(f((plot.y0 + plot.y1) / 2))) rotate(-90)\" text-anchor=\"middle\">\(yLabel.xmlEscaped)</text>"
        for one in series where !one.points.isEmpty {
            let points = one.points.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
            s += "<polyline class=\"curve\" data-series=\"\(one.name.xmlEscaped)\" fill=\"none\" stroke=\"\(one.color)\" stroke-width=\"2\" stroke-linejoin=\"round\" points=\"\(points)\"/>"
            for p in one.points {
                s += "<circle cx=\"\(f(px(p.x)))\" cy=\"\(f(py(p.y)))\" r=\"2.5\" fill=\"\(one.color)\"/>"
            }
        }
        // Legend, top right, one row per series.
        let shown = series.filter { !$0.points.isEmpty }
        for (i, one) in shown.enumerated() {
            let y = 14.0 + 14 * Double(i), x = plot.x1 - 110
            s += "<line x1=\"\(f(x))\" x2=\"\(f(x + 18))\" y1=\"\(f(y))\" y2=\"\(f(y))\" stroke=\"\(one.color)\" stroke-width=\"2.5\"/>"
            s += "<text class=\"legend\" x=\"\(f(x + 24))\" y=\"\(f(y))\" dominant-baseline=\"middle\">\(one.name.xmlEscaped)</text>"
        }
        return s + "</svg>"
    }

    private func f(_ v: Double) -> String { String(format: "%.1f", v) }

    private func label(_ v: Double, decimals: Int) -> String {
        percent ? String(format: "%.\(decimals)f%%", v * 100) : String(format: "%.\(decimals)f", v)
    }

    /// Digits after the point that show ticks `step` apart exactly.
    private func decimals(_ step: Double, percent: Bool) -> Int {
        let s = percent ? step * 100 : step
        return (0...6).first { d in abs(s * pow(10, Double(d)) - (s * pow(10, Double(d))).rounded()) < 1e-6 } ?? 6
    }
}

/// Ticks at a "nice" step (1, 2, 2.5 or 5 × 10ᵏ), about five, covering `lo…hi` within
/// `limits`; the first and last tick bound the axis. Where no such step exists in floating
/// point (a span too small or too close to the largest double), the ticks are `lo` and `hi`.
func niceTicks(_ lo: Double, _ hi: Double, limits: ClosedRange<Double>, integers: Bool = false) -> [Double] {
    guard lo.isFinite, hi.isFinite else { return [0, 1] }
    var (lo, hi) = (max(lo, limits.lowerBound), min(hi, limits.upperBound))
    if hi <= lo {
        let pad = lo == 0 ? 1 : abs(lo) * 0.1
        (lo, hi) = (max(lo - pad, limits.lowerBound), min(hi + pad, limits.upperBound))
        if hi <= lo { (lo, hi) = (lo - 1, lo + 1) }
    }
    let raw = (hi - lo) / 5, magnitude = pow(10, floor(log10(raw)))
    var step = ([1, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude)
    if integers { step = max(1, step.rounded(.up)) }
    let first = (lo / step).rounded(.down) * step, last = (hi / step).rounded(.up) * step
    let steps = ((last - first) / step).rounded()
    guard step > 0, first.isFinite, last.isFinite, steps >= 1, steps <= 20 else { return [lo, hi] }
    return (0...Int(steps)).map { first + Double($0) * step }
}
