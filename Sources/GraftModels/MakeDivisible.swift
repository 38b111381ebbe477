/// torchvision's `_make_divisible`: `value` rounded to the nearest multiple of `divisor` (at
/// least `divisor`), rounded up by one step when that loses more than 10 %.
func makeDivisible(_ value: Double, _ divisor: Int = 8) -> Int {
    let rounded = max(divisor, Int(value + Double(divisor) / 2) / divisor * divisor)
    return Double(rounded) < 0.9 * value ? rounded + divisor : rounded
}
