import XCTest
import GraftCore
@testable import GraftData

final class TransformRegistryTests: XCTestCase {
    /// A value of `kind` other than any default, as the syntax writes it.
    func sampleValue(_ kind: SpecParameter.Kind) -> String {
        func quarter(_ r: ClosedRange<Float>, _ k: Float) -> Float { r.lowerBound + (r.upperBound - r.lowerBound) * k / 4 }
        switch kind {
        case .size: return "24x16"
        case let .integer(r): return "\(r.lowerBound + (r.upperBound - r.lowerBound) / 64)"
        case let .number(r): return specNumber(quarter(r, 1))
        case let .range(r, _): return "\(specNumber(quarter(r, 1)))-\(specNumber(quarter(r, 3)))"
        case let .pair(r): return "\(specNumber(quarter(r, 1)))x\(specNumber(quarter(r, 2)))"
        case let .choice(words): return words[words.count - 1]
        case let .integerOrWord(r, _): return "\(r.lowerBound)"
        case .numbersOrWord: return "0.25/0.5/1"
        }
    }

    /// The transform `entry` builds from `values` (by name), with its spelling.
    func built(_ entry: TransformEntry, _ values: [(String, String)]) throws -> (TransformEntry.Built, String) {
        let built = try entry.build(values.map { "\($0.0)=\($0.1)" })
        let spec: String?
        switch built {
        case let .image(t):
            XCTAssertEqual((t as? any SpecTransform).map { type(of: $0).specEntry.name }, entry.name, "\(entry.name) builds a transform of another entry")
            spec = (t as? any SpecTransform)?.spec
        case let .sample(t):
            XCTAssertEqual((t as? any SpecTransform).map { type(of: $0).specEntry.name }, entry.name, "\(entry.name) builds a transform of another entry")
            spec = (t as? any SpecTransform)?.spec
        }
        return (built, try XCTUnwrap(spec, "\(entry.name) does not print back"))
    }

    /// The two transforms give the same result on the same input with the same seed.
    func assertSameEffect(_ a: TransformEntry.Built, _ b: TransformEntry.Built, _ context: String) throws {
        let image = patternImage(width: 40, height: 36)
        var g = RandomGenerator(seed: 9), h = g
        switch (a, b) {
        case let (.image(x), .image(y)):
            XCTAssert(try x.apply(image, using: &g) == y.apply(image, using: &h), "\(context): the two give different images")
        case let (.sample(x), .sample(y)):
            var s = try ToSample(mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25]).apply(image), t = s
            try x.apply(&s, using: &g)
            try y.apply(&t, using: &h)
            XCTAssert(s == t, "\(context): the two give different samples")
        default: XCTFail("\(context): built on different stages")
        }
    }

    func testEveryEntryPrintsBackWhatParsesToTheSameDescription() throws {
        XCTAssertEqual(Set(TransformRegistry.entries.map(\.name)).count, TransformRegistry.entries.count, "names are unique")
        for entry in TransformRegistry.entries {
            let required = entry.parameters.filter { $0.defaultValue == nil }.map { ($0.name, sampleValue($0.kind)) }
            let every = entry.parameters.map { ($0.name, sampleValue($0.kind)) }
            for p in entry.parameters { XCTAssertNotEqual(sampleValue(p.kind), p.defaultValue, "\(entry.name).\(p.name)") }
            for values in [required, every] {
                let (first, printed) = try built(entry, values)
                let texts = try PipelineGrammar.stepTexts(printed)
                XCTAssertEqual(texts.count, 1, printed)
                let step = try PipelineGrammar.step(texts[0])
                XCTAssertEqual(step.name, entry.name, printed)
                let again = try entry.build(step.arguments)
                XCTAssertEqual(spelling(of: again), printed, "\(entry.name): printed, parsed and printed again")
                try assertSameEffect(first, again, printed)
            }
            // Every parameter given prints back as given: none is dropped or mixed up.
            XCTAssertEqual(try built(entry, every).1, entry.spelling(every.map(\.1)), entry.name)
            // A default left out acts as the default given.
            let defaults = entry.parameters.map { p in (p.name, p.defaultValue ?? sampleValue(p.kind)) }
            XCTAssertEqual(try built(entry, required).1, try built(entry, defaults).1, "\(entry.name)'s defaults")
        }
    }

    func spelling(of built: TransformEntry.Built) -> String? {
        switch built {
        case let .image(t): return (t as? any SpecTransform)?.spec
        case let .sample(t): return (t as? any SpecTransform)?.spec
        }
    }

    func testHelpListsEveryEntryWithItsParameters() {
        let help = Pipeline.specHelp
        for entry in TransformRegistry.entries {
            XCTAssert(help.contains("\n  \(entry.usage)\n      \(entry.summary)\n"), entry.name)
            for p in entry.parameters { XCTAssert(help.contains("      \(p.name)") && help.contains(p.help), "\(entry.name).\(p.name)") }
        }
        XCTAssertEqual(Pipeline.specNames.count, TransformRegistry.entries.count + 1)
        XCTAssertEqual(Set(Pipeline.specNames), Set(TransformRegistry.entries.map(\.name) + ["normalize"]))
        XCTAssert(help.contains("resize(size, interpolation=bilinear)") && help.contains("bilinear | bicubic | area | nearest"), help)
    }

    func testUnknownNamesListTheKnownOnes() {
        func message(_ spec: String) -> String {
            do { _ = try Pipeline(spec: spec, mean: [0], std: [1]); return "" } catch { return "\(error)" }
        }
        let unknown = message("hflip, sharpen(2)")
        XCTAssert(unknown.contains("unknown transform 'sharpen'"), unknown)
        for entry in TransformRegistry.entries { XCTAssert(unknown.contains(entry.name), "\(entry.name) in \(unknown)") }
        for entry in TransformRegistry.entries {
            let step = "\(entry.name)(bogus=1)"
            let text = message(entry.stage == .image ? step : "normalize, \(step)")
            XCTAssert(text.contains("'bogus=1': \(entry.name) has no parameter 'bogus'"), text)
            XCTAssert(text.contains("it takes \(entry.parameters.map(\.name).joined(separator: ", "))"), text)
        }
    }

    func testDrawnParametersAreWhatApplyDraws() throws {
        let image = patternImage(width: 50, height: 30)
        let drawing: [any ImageTransform] = [try RandomResizedCrop(size: 12, scale: 0.2...1), try HorizontalFlip(p: 0.5),
                                             try ColorJitter(brightness: 0.4, contrast: 0.4, saturation: 0.4)]
        for transform in drawing {
            for seed in 0..<8 as Range<UInt64> {
                var a = RandomGenerator(seed: seed), b = a
                let drawn = try XCTUnwrap(transform.drawnParameters(width: image.width, height: image.height, channels: 3, using: &a))
                _ = try transform.apply(image, using: &b)
                XCTAssertEqual(a, b, "\(transform) draws as apply draws")
                var c = RandomGenerator(seed: seed)
                switch drawn.kind {
                case let .resizedCrop(box, size):
                    let crop = try XCTUnwrap(transform as? RandomResizedCrop)
                    let expected = crop.box(width: image.width, height: image.height, using: &c)
                    XCTAssert(box == expected && size == 12, "\(box) \(expected)")
                case let .mirror(m): XCTAssertEqual(m, c.nextFloat() < 0.5)
                case let .colorJitter(draw): XCTAssertEqual(draw, try XCTUnwrap(transform as? ColorJitter).draw(using: &c))
                }
            }
        }
        // Transforms the fused path cannot stand in for draw nothing.
        let others: [any ImageTransform] = [try Resize(shorterSide: 8), try VerticalFlip(), Rotation(degrees: -5...5),
                                            try ColorJitter(hue: 0.1)]
        for transform in others {
            var g = RandomGenerator(seed: 1)
            XCTAssertNil(transform.drawnParameters(width: 50, height: 30, channels: 3, using: &g), "\(transform)")
            XCTAssertEqual(g, RandomGenerator(seed: 1))
        }
        var g = RandomGenerator(seed: 1)
        XCTAssertNil(try ColorJitter(brightness: 0.4).drawnParameters(width: 50, height: 30, channels: 4, using: &g))
    }

    func testAnUnfusablePipelineLeavesTheGeneratorAlone() throws {
        let image = patternImage(width: 40, height: 30)
        for spec in ["random-resized-crop(16), hflip, rotate(10)", "random-resized-crop(16), color-jitter(0.4), color-jitter(0.2)",
                     "random-resized-crop(16), random-resized-crop(8)", "hflip, random-resized-crop(16)"] {
            let pipeline = try Pipeline(spec: spec, mean: [0], std: [1])
            var g = RandomGenerator(seed: 4)
            XCTAssertNil(try pipeline.fusedSample(image, using: &g), spec)
            XCTAssertEqual(g, RandomGenerator(seed: 4), spec)
        }
    }
}
