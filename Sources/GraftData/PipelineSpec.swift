import GraftCore

/// The command line's pipeline syntax, parsed by `Pipeline(spec:mean:std:)` and written back
/// by `Pipeline.spec`.
///
/// Grammar (spaces are ignored, names also accept `_` for `-`):
///
///     pipeline := step { "," step }
///     step     := name [ "(" [ argument { "," argument } ] ")" ]
///     argument := [ key "=" ] value          positional arguments fill parameters in order
///     value    := number | range | size | pair | word
///     range    := number "-" number          e.g. 0.08-1, -10-10
///     size     := integer | integer "x" integer   width x height
///     pair     := number | number "x" number      x and y
///
/// Steps before `normalize` work on the 8-bit image, steps after it on the normalised float
/// sample (only `random-erasing`); without `normalize`, it is implied after the last image
/// step. The transforms and their parameters (defaults in brackets) are listed in
/// `Pipeline.specHelp`.
extension Pipeline {
    /// The help text for the pipeline syntax: grammar and every transform with its parameters.
    public static let specHelp = """
    Pipeline syntax: steps separated by commas, each `name` or `name(arguments)`.
    Arguments are positional (in the order listed) or `key=value`. A range is
    `low-high` (0.08-1, -10-10); a size is `N` (square, or the shorter side for
    resize) or `WxH`; a pair is `v` or `XxY`. Steps before `normalize` act on the
    8-bit image, steps after it on the normalised sample; `normalize` (ToTensor +
    Normalize with the model's mean/std) is implied after the last image step.
    Example: random-resized-crop(224, scale=0.08-1), hflip,
             color-jitter(0.4, 0.4, 0.4), pca-lighting(0.1), normalize

    Image steps:
      resize(size, interpolation=bilinear)
          N: shorter side N; WxH: exact; interpolation bilinear | area | nearest
      center-crop(size)
          central N×N or W×H window (black padding if larger)
      random-crop(size, padding=0)
          random window after zero padding on every side
      random-resized-crop(size, scale=0.08-1, ratio=0.75-1.3333334)
          random box (area fraction, aspect ratio), resized to size×size
      hflip(p=0.5)
          mirror left–right with probability p
      vflip(p=0.5)
          flip top–bottom with probability p
      rotate(degrees)
          angle uniform in ±degrees (or a range), counterclockwise, fill 0
      shear(x, y=0)
          shear angles in degrees: ±x (or a range) and ±y
      affine(degrees=0, translate=0, scale=1, shear=0, shear-y=0)
          one random affine warp; translate: fraction of the size (pair)
      elastic(alpha=50, sigma=5)
          elastic deformation: smoothed displacements of up to alpha pixels
      grid-distortion(steps=5, limit=0.3)
          piecewise-linear grid warp, cells stretched by 1 ± limit
      color-jitter(brightness=0, contrast=0, saturation=0, hue=0)
          torchvision ColorJitter: factors 1 ± x (hue ± x), random order
      color-shift(max=20)
          per-channel offset uniform in ±max levels ("+20 R, −20 G, +20 B")
      pca-lighting(std=0.1)
          AlexNet lighting noise along ImageNet's RGB principal components
      grayscale(p=1, channels=same)
          luma with probability p, over 1 or 3 channels (default: as input)
    The normalisation step:
      normalize
          (v / 255 − mean) / std per channel
    Sample steps (after normalize):
      random-erasing(p=0.5, scale=0.02-0.33, ratio=0.3-3.3, value=0)
          erase a random box (Cutout); value: a number, a/b/c, or random
    """

    /// The transform names the syntax knows.
    public static let specNames = ["resize", "center-crop", "random-crop", "random-resized-crop", "hflip", "vflip", "rotate", "shear",
                                   "affine", "elastic", "grid-distortion", "color-jitter", "color-shift", "pca-lighting", "grayscale",
                                   "normalize", "random-erasing"]

    /// The pipeline `spec` describes (see `Pipeline.specHelp`), normalising with `mean` and
    /// `std`; throws naming the bad token, listing the known transforms for an unknown name.
    public init(spec: String, mean: [Float], std: [Float]) throws {
        var images: [any ImageTransform] = [], samples: [any SampleTransform] = []
        var normalized = false
        let steps = try SpecParser.split(spec.filter { !$0.isWhitespace }, separator: ",", in: spec)
        guard !(steps.count == 1 && steps[0].isEmpty) else { throw SpecParser.error("empty pipeline") }
        for step in steps {
            let (name, arguments) = try SpecParser.step(step)
            if name == "normalize" {
                guard !normalized else { throw SpecParser.error("'normalize' appears twice") }
                guard arguments.isEmpty else { throw SpecParser.error("'\(step)': normalize takes no arguments (mean and std come from the model)") }
                normalized = true
            } else if name == "random-erasing" {
                guard normalized else { throw SpecParser.error("'\(step)' works on the normalised sample; put it after 'normalize'") }
                samples.append(try SpecParser.randomErasing(SpecArguments(name, ["p", "scale", "ratio", "value"], arguments)))
            } else {
                guard !normalized else { throw SpecParser.error("'\(step)' works on the 8-bit image; put it before 'normalize'") }
                images.append(try SpecParser.imageTransform(name, arguments, step: step))
            }
        }
        self.init(imageTransforms: images, toSample: try ToSample(mean: mean, std: std), sampleTransforms: samples)
    }

    /// The pipeline in the spec syntax (its normalisation as `normalize`), or nil when a step
    /// has no spelling there (a transform from elsewhere, lighting with custom components).
    public var spec: String? {
        var parts: [String] = []
        for t in imageTransforms {
            guard let s = (t as? SpecSpelling)?.spec else { return nil }
            parts.append(s)
        }
        parts.append("normalize")
        for t in sampleTransforms {
            guard let s = (t as? SpecSpelling)?.spec else { return nil }
            parts.append(s)
        }
        return parts.joined(separator: ", ")
    }
}

/// A transform's spelling in the pipeline syntax.
protocol SpecSpelling { var spec: String? { get } }

/// One step's arguments, by parameter name.
struct SpecArguments {
    let transform: String
    var values: [String: String] = [:]

    init(_ transform: String, _ parameters: [String], _ raw: [String]) throws {
        self.transform = transform
        var position = 0
        for argument in raw {
            let key: String, value: String
            if let equals = argument.firstIndex(of: "=") {
                key = String(argument[..<equals]).replacingUnderscores
                value = String(argument[argument.index(after: equals)...])
                guard parameters.contains(key) else {
                    throw SpecParser.error("'\(argument)': \(transform) has no parameter '\(key)'; it takes \(parameters.joined(separator: ", "))")
                }
            } else {
                guard position < parameters.count else {
                    throw SpecParser.error("'\(argument)': \(transform) takes at most \(parameters.count) arguments (\(parameters.joined(separator: ", ")))")
                }
                key = parameters[position]; value = argument
                position += 1
            }
            guard values[key] == nil else { throw SpecParser.error("'\(argument)': \(transform)'s \(key) is given twice") }
            guard !value.isEmpty else { throw SpecParser.error("'\(argument)': \(transform)'s \(key) has no value") }
            values[key] = value
        }
    }

    func bad(_ key: String, _ expected: String) -> GraftError {
        SpecParser.error("'\(key)=\(values[key] ?? "")': \(transform)'s \(key) must be \(expected)")
    }

    func required(_ key: String) throws -> String {
        guard let v = values[key] else { throw SpecParser.error("\(transform) needs its \(key)") }
        return v
    }

    /// Throws unless `value` lies in `allowed` (and is not NaN).
    func check<T: Comparable>(_ key: String, _ value: T, in allowed: ClosedRange<T>) throws {
        guard allowed.contains(value) else { throw bad(key, "between \(allowed.lowerBound) and \(allowed.upperBound)") }
    }

    func float(_ key: String, _ fallback: Float, in allowed: ClosedRange<Float>) throws -> Float {
        guard let v = values[key] else { return fallback }
        guard let f = Float(v), f.isFinite else { throw bad(key, "a number") }
        try check(key, f, in: allowed)
        return f
    }

    func int(_ key: String, _ fallback: Int? = nil, in allowed: ClosedRange<Int>) throws -> Int {
        guard let v = values[key] else {
            if let fallback { return fallback }
            throw SpecParser.error("\(transform) needs its \(key)")
        }
        guard let i = Int(v) else { throw bad(key, "an integer") }
        try check(key, i, in: allowed)
        return i
    }

    /// A range `low-high` inside `allowed`; a single number `v` means `−v...v` when
    /// `symmetric`, else `v...v`.
    func range(_ key: String, _ fallback: ClosedRange<Float>, symmetric: Bool, in allowed: ClosedRange<Float>) throws -> ClosedRange<Float> {
        guard let v = values[key] else { return fallback }
        let parsed: ClosedRange<Float>
        if let f = Float(v), f.isFinite {
            if symmetric { guard f >= 0 else { throw bad(key, "a non-negative number or a range low-high") } }
            parsed = symmetric ? -f...f : f...f
        } else {
            let chars = Array(v)
            let ranges = (1..<max(chars.count, 1)).lazy.filter { chars[$0] == "-" && (chars[$0 - 1].isNumber || chars[$0 - 1] == ".") }
                .compactMap { i -> ClosedRange<Float>? in
                    guard let lo = Float(String(chars[..<i])), let hi = Float(String(chars[(i + 1)...])),
                          lo.isFinite, hi.isFinite, lo <= hi else { return nil }
                    return lo...hi
                }
            guard let first = ranges.first else { throw bad(key, "a range low-high with low ≤ high") }
            parsed = first
        }
        guard allowed.contains(parsed.lowerBound), allowed.contains(parsed.upperBound) else {
            throw bad(key, "within \(allowed.lowerBound)…\(allowed.upperBound)")
        }
        return parsed
    }

    /// `N` or `WxH`, each side in 1…`Pipeline.maximumSide`.
    func size(_ key: String) throws -> (width: Int, height: Int, square: Bool) {
        let v = try required(key)
        let sides = 1...Pipeline.maximumSide
        if let n = Int(v) {
            try check(key, n, in: sides)
            return (n, n, true)
        }
        let parts = v.split(separator: "x", omittingEmptySubsequences: false)
        guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]) else { throw bad(key, "N or WxH") }
        guard sides.contains(w), sides.contains(h) else { throw bad(key, "N or WxH with sides between 1 and \(Pipeline.maximumSide)") }
        return (w, h, false)
    }

    /// `v` (both) or `XxY`, each in `allowed`.
    func pair(_ key: String, _ fallback: Float, in allowed: ClosedRange<Float>) throws -> (x: Float, y: Float) {
        guard let v = values[key] else { return (fallback, fallback) }
        let parts = v.split(separator: "x", omittingEmptySubsequences: false)
        let numbers = parts.compactMap { Float(String($0)) }
        guard numbers.count == parts.count, parts.count == 1 || parts.count == 2 else { throw bad(key, "a number or XxY") }
        guard numbers.allSatisfy(allowed.contains) else { throw bad(key, "a number or XxY, each between \(allowed.lowerBound) and \(allowed.upperBound)") }
        return (numbers[0], numbers[parts.count - 1])
    }
}

enum SpecParser {
    static func error(_ detail: String) -> GraftError { GraftError.invalidArgument(op: "Pipeline spec", detail: detail) }

    /// `text` split at `separator` outside parentheses; throws on unbalanced parentheses.
    static func split(_ text: String, separator: Character, in spec: String) throws -> [String] {
        var parts: [String] = [], current = "", depth = 0
        for ch in text {
            if ch == "(" { depth += 1 }
            if ch == ")" {
                depth -= 1
                guard depth >= 0 else { throw error("unbalanced ')' in '\(spec)'") }
            }
            if ch == separator && depth == 0 { parts.append(current); current = "" } else { current.append(ch) }
        }
        guard depth == 0 else { throw error("unclosed '(' in '\(spec)'") }
        parts.append(current)
        return parts
    }

    /// A step's name and raw arguments.
    static func step(_ step: String) throws -> (String, [String]) {
        guard !step.isEmpty else { throw error("an empty step (two commas in a row, or a trailing comma)") }
        guard let open = step.firstIndex(of: "(") else { return (try known(step), []) }
        guard step.last == ")" else { throw error("'\(step)': text after ')'") }
        let name = try known(String(step[..<open]))
        let inner = String(step[step.index(after: open)..<step.index(before: step.endIndex)])
        if inner.isEmpty { return (name, []) }
        let arguments = try split(inner, separator: ",", in: step)
        for a in arguments where a.isEmpty { throw error("'\(step)': an empty argument") }
        return (name, arguments)
    }

    static func known(_ raw: String) throws -> String {
        let name = raw.lowercased().replacingUnderscores
        guard Pipeline.specNames.contains(name) else {
            throw error("unknown transform '\(raw)'; known transforms: \(Pipeline.specNames.joined(separator: ", "))")
        }
        return name
    }

    static let aspectRatios = 1 / Pipeline.maximumRatio...Pipeline.maximumRatio
    static let angles = -Pipeline.maximumDegrees...Pipeline.maximumDegrees
    /// Shears of ±90° or more have no inverse.
    static let shearAngles: ClosedRange<Float> = -89...89
    static let jitter = 0...Pipeline.maximumJitter

    static func imageTransform(_ name: String, _ raw: [String], step: String) throws -> any ImageTransform {
        func args(_ parameters: [String]) throws -> SpecArguments { try SpecArguments(name, parameters, raw) }
        switch name {
        case "resize":
            let a = try args(["size", "interpolation"])
            let size = try a.size("size")
            let text = a.values["interpolation"] ?? "bilinear"
            guard let interpolation = Resize.Interpolation(rawValue: text) else { throw a.bad("interpolation", "bilinear, area or nearest") }
            return size.square ? try Resize(shorterSide: size.width, interpolation: interpolation)
                : try Resize(width: size.width, height: size.height, interpolation: interpolation)
        case "center-crop":
            let size = try args(["size"]).size("size")
            return try CenterCrop(height: size.height, width: size.width)
        case "random-crop":
            let a = try args(["size", "padding"])
            let size = try a.size("size")
            return try RandomCrop(height: size.height, width: size.width, padding: a.int("padding", 0, in: 0...Pipeline.maximumSide))
        case "random-resized-crop":
            let a = try args(["size", "scale", "ratio"])
            return try RandomResizedCrop(size: a.int("size", in: 1...Pipeline.maximumSide),
                                         scale: a.range("scale", 0.08...1, symmetric: false, in: 0.001...1),
                                         ratio: a.range("ratio", 0.75...(4.0 / 3.0), symmetric: false, in: aspectRatios))
        case "hflip": return try HorizontalFlip(p: args(["p"]).float("p", 0.5, in: 0...1))
        case "vflip": return try VerticalFlip(p: args(["p"]).float("p", 0.5, in: 0...1))
        case "rotate":
            let a = try args(["degrees"])
            _ = try a.required("degrees")
            return Rotation(degrees: try a.range("degrees", 0...0, symmetric: true, in: angles))
        case "shear":
            let a = try args(["x", "y"])
            _ = try a.required("x")
            return try Shear(x: a.range("x", 0...0, symmetric: true, in: shearAngles), y: a.range("y", 0...0, symmetric: true, in: shearAngles))
        case "affine":
            let a = try args(["degrees", "translate", "scale", "shear", "shear-y"])
            return try RandomAffine(degrees: a.range("degrees", 0...0, symmetric: true, in: angles), translate: a.pair("translate", 0, in: 0...1),
                                    scale: a.range("scale", 1...1, symmetric: false, in: 0.001...Pipeline.maximumScale),
                                    shearX: a.range("shear", 0...0, symmetric: true, in: shearAngles),
                                    shearY: a.range("shear-y", 0...0, symmetric: true, in: shearAngles))
        case "elastic":
            let a = try args(["alpha", "sigma"])
            return try ElasticDeformation(alpha: a.float("alpha", 50, in: 0...Pipeline.maximumElasticPixels),
                                          sigma: a.float("sigma", 5, in: 0.001...Pipeline.maximumElasticPixels))
        case "grid-distortion":
            let a = try args(["steps", "limit"])
            return try GridDistortion(steps: a.int("steps", 5, in: 1...Pipeline.maximumGridSteps), limit: a.float("limit", 0.3, in: 0...0.99))
        case "color-jitter":
            let a = try args(["brightness", "contrast", "saturation", "hue"])
            return try ColorJitter(brightness: a.float("brightness", 0, in: jitter), contrast: a.float("contrast", 0, in: jitter),
                                   saturation: a.float("saturation", 0, in: jitter), hue: a.float("hue", 0, in: 0...0.5))
        case "color-shift": return try ColorShift(maxOffset: args(["max"]).float("max", 20, in: 0...255))
        case "pca-lighting": return try PCALighting(std: args(["std"]).float("std", 0.1, in: jitter))
        case "grayscale":
            let a = try args(["p", "channels"])
            let channels: Int? = a.values["channels"] == nil || a.values["channels"] == "same" ? nil : try a.int("channels", in: 1...3)
            return try Grayscale(p: a.float("p", 1, in: 0...1), outputChannels: channels)
        default:
            throw error("'\(step)' works on the normalised sample; put it after 'normalize'")
        }
    }

    static func randomErasing(_ a: SpecArguments) throws -> RandomErasing {
        var value = RandomErasing.Value.constant([0])
        if let v = a.values["value"] {
            if v == "random" { value = .random } else {
                let parts = v.split(separator: "/", omittingEmptySubsequences: false)
                let numbers = parts.compactMap { Float(String($0)) }.filter(\.isFinite)
                guard numbers.count == parts.count else { throw a.bad("value", "a number, numbers a/b/c, or random") }
                value = .constant(numbers)
            }
        }
        return try RandomErasing(p: a.float("p", 0.5, in: 0...1), scale: a.range("scale", 0.02...0.33, symmetric: false, in: 0...1),
                                 ratio: a.range("ratio", 0.3...3.3, symmetric: false, in: aspectRatios), value: value)
    }
}

extension String {
    var replacingUnderscores: String { String(map { $0 == "_" ? "-" : $0 }) }
}

/// A number as the syntax writes it: integral values without a fraction, others in Swift's
/// shortest round-tripping form.
func specNumber(_ v: Float) -> String { v == v.rounded() && abs(v) < 1e7 ? String(Int(v)) : "\(v)" }
func specRange(_ r: ClosedRange<Float>) -> String { "\(specNumber(r.lowerBound))-\(specNumber(r.upperBound))" }

extension Resize: SpecSpelling {
    var spec: String? {
        switch size {
        case let .shorterSide(s): return "resize(\(s), interpolation=\(interpolation.rawValue))"
        case let .exact(w, h): return "resize(\(w)x\(h), interpolation=\(interpolation.rawValue))"
        }
    }
}
extension CenterCrop: SpecSpelling {
    var spec: String? { width == height ? "center-crop(\(width))" : "center-crop(\(width)x\(height))" }
}
extension RandomCrop: SpecSpelling {
    var spec: String? { "random-crop(\(width == height ? "\(width)" : "\(width)x\(height)"), padding=\(padding))" }
}
extension RandomResizedCrop: SpecSpelling {
    var spec: String? { "random-resized-crop(\(size), scale=\(specRange(scale)), ratio=\(specRange(ratio)))" }
}
extension HorizontalFlip: SpecSpelling { var spec: String? { "hflip(p=\(specNumber(p)))" } }
extension VerticalFlip: SpecSpelling { var spec: String? { "vflip(p=\(specNumber(p)))" } }
extension Rotation: SpecSpelling { var spec: String? { "rotate(degrees=\(specRange(degrees)))" } }
extension Shear: SpecSpelling { var spec: String? { "shear(x=\(specRange(x)), y=\(specRange(y)))" } }
extension RandomAffine: SpecSpelling {
    var spec: String? {
        "affine(degrees=\(specRange(degrees)), translate=\(specNumber(translate.x))x\(specNumber(translate.y)), scale=\(specRange(scale)), "
            + "shear=\(specRange(shearX)), shear-y=\(specRange(shearY)))"
    }
}
extension ElasticDeformation: SpecSpelling { var spec: String? { "elastic(alpha=\(specNumber(alpha)), sigma=\(specNumber(sigma)))" } }
extension GridDistortion: SpecSpelling { var spec: String? { "grid-distortion(steps=\(steps), limit=\(specNumber(limit)))" } }
extension ColorJitter: SpecSpelling {
    var spec: String? {
        let a = arguments.map(specNumber)
        return "color-jitter(brightness=\(a[0]), contrast=\(a[1]), saturation=\(a[2]), hue=\(a[3]))"
    }
}
extension ColorShift: SpecSpelling { var spec: String? { "color-shift(max=\(specNumber(maxOffset)))" } }
extension PCALighting: SpecSpelling {
    var spec: String? {
        eigenvalues == PCALighting.imageNetEigenvalues && eigenvectors == PCALighting.imageNetEigenvectors ? "pca-lighting(std=\(specNumber(std)))" : nil
    }
}
extension Grayscale: SpecSpelling {
    var spec: String? { "grayscale(p=\(specNumber(p)), channels=\(outputChannels.map(String.init) ?? "same"))" }
}
extension RandomErasing: SpecSpelling {
    var spec: String? {
        let v: String
        switch value {
        case .random: v = "random"
        case let .constant(values): v = values.map(specNumber).joined(separator: "/")
        }
        return "random-erasing(p=\(specNumber(p)), scale=\(specRange(scale)), ratio=\(specRange(ratio)), value=\(v))"
    }
}
