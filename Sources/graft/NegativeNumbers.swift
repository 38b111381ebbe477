/// swift-argument-parser reads `-1` as a flag, so `--lr -1` fails where `--lr=-1` works. This
/// joins each negative number to the long option just before it (`--lr -1` → `--lr=-1`), up to
/// a `--`; the option then accepts or refuses the value by its own rules.
func attachingNegativeNumbers(_ arguments: [String]) -> [String] {
    var result: [String] = []
    for argument in arguments {
        if let option = result.last, option.hasPrefix("--"), option.count > 2, !option.contains("="), !result.contains("--"),
           argument.count > 1, argument.hasPrefix("-"), Double(argument) != nil {
            result[result.count - 1] = option + "=" + argument
        } else {
            result.append(argument)
        }
    }
    return result
}
