import Foundation
import GraftCore
import GraftData
import GraftIO
import GraftModels
import GraftNN
@testable import GraftTrain
import XCTest
import GraftTestSupport

final class PrefixCacheTests: XCTestCase {
    /// ResNet-18 at 32 px with its last stage (batch norms) and a new head with a hidden layer and
    /// dropout training, on 33 training images (batches of 8: the one left over is dropped, a
    /// different one each epoch) and 3 validation images.
    private func options(_ data: String, _ out: String) -> TransferOptions {
        var o = TransferOptions(model: "resnet18", data: data)
        o.weights = "none"; o.freeze = .last(1); o.hidden = [16]; o.dropout = 0.25
        o.out = out + "/run"; o.cacheDirectory = out + "/cache"
        o.epochs = 2; o.batchSize = 8; o.imageSize = 32; o.workers = 2; o.seed = 3
        o.augment = "random-resized-crop(32), hflip"
        return o
    }

    /// Whether the two checkpoint files hold the same tensors to the bit.
    private func assertSameBits(_ first: String, _ second: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let a = try SafeTensors.read(first), b = try SafeTensors.read(second)
        XCTAssertEqual(a.tensors.map(\.0), b.tensors.map(\.0), file: file, line: line)
        XCTAssertTrue(a.tensors.contains { $0.0 == "layer4.0.bn1.running_mean" }, file: file, line: line)
        for ((name, x), (_, y)) in zip(a.tensors, b.tensors) {
            if x.dtype == .int64 {
                XCTAssertEqual(x.int64Values, y.int64Values, name, file: file, line: line)
            } else {
                XCTAssertEqual(x.toArray().map(\.bitPattern), y.toArray().map(\.bitPattern), name, file: file, line: line)
            }
        }
    }

    /// With a view per epoch, the prefix cache trains to the same bits as a run without it:
    /// every parameter and buffer of the last checkpoint, and the validation scores; a run stopped
    /// after epoch 1 and resumed (reading the cache) ends with the same bits too.
    func testViewPerEpochTrainsBitIdenticallyToNoCache() throws {
        let data = try makeSyntheticImageFolder()
        let out = try temporaryFolder("prefix-bits")
        defer { for f in [data, out] { try? FileManager.default.removeItem(atPath: f) } }
        var o = options(data, out)
        o.cacheViews = o.epochs
        let reporter = CollectingReporter()
        let cached = try runTransferTraining(o, reporter: reporter)
        XCTAssertTrue(reporter.notes.contains { $0.contains("prefix cache") && $0.contains("computed 2 views × [256, 2, 2] of 33 training images") },
                      "\(reporter.notes)")
        XCTAssertNotNil(cached.trunkSeconds)
        XCTAssertNotNil(cached.cachedEpochSeconds)
        o.featureCache = false; o.out = out + "/uncached"
        let uncachedReporter = CollectingReporter()
        let uncached = try runTransferTraining(o, reporter: uncachedReporter)
        XCTAssertNil(uncached.trunkSeconds)
        try assertSameBits(cached.lastCheckpoint, uncached.lastCheckpoint)
        XCTAssertEqual(reporter.epochs.map(\.trainLoss), uncachedReporter.epochs.map(\.trainLoss))
        XCTAssertEqual(reporter.epochs.map(\.valTop1), uncachedReporter.epochs.map(\.valTop1))
        XCTAssertEqual(reporter.epochs.map(\.valLoss), uncachedReporter.epochs.map(\.valLoss))
        o.featureCache = true; o.out = out + "/resumed"; o.stopAfter = 1
        _ = try runTransferTraining(o, reporter: CollectingReporter())
        o.stopAfter = nil; o.resume = true
        let resumedReporter = CollectingReporter()
        let resumed = try runTransferTraining(o, reporter: resumedReporter)
        XCTAssertTrue(resumedReporter.notes.contains { $0.contains("read 2 views") }, "\(resumedReporter.notes)")
        try assertSameBits(resumed.lastCheckpoint, cached.lastCheckpoint)
    }

    /// Fewer views than epochs: epoch 3 trains on view 0 again; with a budget of one byte the cache
    /// is read from its file. A second run at another learning rate reads the cache; a bf16 cache
    /// is another file.
    func testFewerViewsReadFromDiskAndReusedAtAnotherLearningRate() throws {
        let data = try makeSyntheticImageFolder()
        let out = try temporaryFolder("prefix-reuse")
        defer { for f in [data, out] { try? FileManager.default.removeItem(atPath: f) } }
        var o = options(data, out)
        o.epochs = 3; o.cacheViews = 2; o.cacheBudget = 1
        let first = CollectingReporter()
        _ = try runTransferTraining(o, reporter: first)
        XCTAssertTrue(first.notes.contains { $0.contains("read from disk") && $0.contains("computed 2 views") }, "\(first.notes)")
        XCTAssertEqual(first.epochs.count, 3)
        XCTAssertTrue(first.epochs.allSatisfy { $0.trainLoss.isFinite })
        o.learningRate = 1e-3; o.overwrite = true; o.cacheBudget = nil
        let second = CollectingReporter()
        _ = try runTransferTraining(o, reporter: second)
        XCTAssertTrue(second.notes.contains { $0.contains("in memory") && $0.contains("read 2 views") && $0.contains("read 1 view ") },
                      "\(second.notes)")
        o.cachePrecision = .bfloat16
        let third = CollectingReporter()
        _ = try runTransferTraining(o, reporter: third)
        XCTAssertTrue(third.notes.contains { $0.contains("computed 2 views") && $0.contains("bf16") }, "\(third.notes)")
        XCTAssertTrue(third.epochs.allSatisfy { $0.trainLoss.isFinite })
    }

    /// A cache that fits neither the budget nor the folder's free space stops the run before any
    /// work, naming its size and what to change; nothing is written.
    func testTooLargeCacheFailsBeforeAnyWork() throws {
        let data = try makeSyntheticImageFolder(perClass: 3)
        let out = try temporaryFolder("prefix-large")
        defer { for f in [data, out] { try? FileManager.default.removeItem(atPath: f) } }
        var o = options(data, out)
        o.cacheViews = 2; o.cacheBudget = 1000
        XCTAssertThrowsError(try runTransferTraining(o, reporter: CollectingReporter(), freeSpace: { _ in 100 })) { error in
            guard let error = error as? TrainingOptionError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.option, .cacheBudget)
            // 2 views of the training images and one of the validation images, 256 × 2 × 2 floats each.
            guard let split = try? TrainingData(o) else { return XCTFail("the data set") }
            let (train, validation) = (split.train.count, split.validation.count)
            let bytes = (2 * train + validation) * 1024 * 4
            XCTAssertTrue(error.problem.contains("takes \(ByteSize.describe(bytes))"), error.problem)
            XCTAssertTrue(error.problem.contains("`cachePrecision` bf16 (\(ByteSize.describe(bytes / 2)))"), error.problem)
            XCTAssertTrue(error.problem.contains("fewer `cacheViews` (1 view: \(ByteSize.describe((train + validation) * 1024 * 4)))"), error.problem)
            for hint in ["`cacheDirectory`", "`featureCache`", "`freeze`", "1000 B", "100 B"] {
                XCTAssertTrue(error.problem.contains(hint), "\(hint): \(error.problem)")
            }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: o.out))
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/cache"))
    }

    /// The key changes with any frozen weight or buffer, any image, the transform, the view count
    /// and the seed, and not with a trained weight.
    func testKeyFollowsWhatThePrefixComputes() throws {
        let data = try makeSyntheticImageFolder(perClass: 2)
        defer { try? FileManager.default.removeItem(atPath: data) }
        GlobalRandom.seed(2)
        let spec = try ModelZoo.spec("resnet18")
        let model = try spec.make(numClasses: 3)
        _ = try FreezePolicy.last(1).apply(to: model, spec: spec)
        setTrainingMode(model)
        let forward = TrainingForward(model)
        let prefix = try XCTUnwrap(try forward.frozenPrefix(inputShape: [4, 3, 32, 32]))
        XCTAssertEqual(prefix.scope, "layer3.1.relu")
        XCTAssertEqual(prefix.frontier.shape, [4, 256, 2, 2])
        let cache = PrefixCache(directory: "/nonexistent", budget: 0)
        func key(dataset: String = data, transform: String = "hflip", views: Int = 2, seed: UInt64 = 1) throws -> UInt64 {
            let loader = try DataLoader(dataset: try ImageFolder(root: dataset), batchSize: 4, shuffle: true, seed: seed) { image, _ in
                Sample(channels: 3, height: image.height, width: image.width, values: [Float](repeating: 0, count: 3 * image.width * image.height))
            }
            let job = PrefixCache.Job(name: "training", loader: loader, firstEpoch: 1, views: views, rowShape: [256, 2, 2],
                                      precision: .float32, makeSample: loader.makeSample)
            let tensors = Dictionary(model.namedParameters() + model.namedBuffers(), uniquingKeysWith: { a, _ in a })
            return try cache.key(job, prefix: prefix, tensors: tensors, ranges: nil, transform: transform, workers: 1, skipBad: false).key
        }
        let base = try key()
        XCTAssertEqual(try key(), base)
        XCTAssertNotEqual(try key(transform: "vflip"), base)
        XCTAssertNotEqual(try key(views: 3), base)
        XCTAssertNotEqual(try key(seed: 2), base)
        let trained = try XCTUnwrap(model.namedParameters().first { $0.0 == "layer4.0.conv1.weight" }?.1)
        trained.assign(Tensor(shape: trained.shape, data: trained.toArray().map { $0 + 1 }))
        XCTAssertEqual(try key(), base, "a trained weight")
        for name in ["layer1.0.conv1.weight", "layer3.1.bn2.running_var"] {
            let frozen = try XCTUnwrap((model.namedParameters() + model.namedBuffers()).first { $0.0 == name }?.1)
            let saved = frozen.toArray()
            frozen.assign(Tensor(shape: frozen.shape, data: saved.enumerated().map { $0.offset == 0 ? $0.element * 1.5 : $0.element }))
            XCTAssertNotEqual(try key(), base, name)
            frozen.assign(Tensor(shape: frozen.shape, data: saved))
        }
        XCTAssertEqual(try key(), base)
        let file = data + "/red-rows/1.png"
        let image = try Image(contentsOf: file)
        var pixels = image.pixels
        pixels[0] ^= 1
        try Image(width: image.width, height: image.height, channels: image.channels, pixels: pixels).writePNG(to: file)
        XCTAssertNotEqual(try key(), base, "an image")
    }

    /// bf16 storage rounds to the nearest bfloat16, ties to even, as a naive search finds it.
    func testBFloat16RoundsToNearestEven() {
        var generator = RandomGenerator(seed: 5)
        var values: [Float] = [0, -0, 1, -1, .infinity, -.infinity, .greatestFiniteMagnitude, 1 + 1.0 / 256, 1 + 3.0 / 256,
                               Float(bitPattern: 0x3F80_8000), Float(bitPattern: 0x3F81_8000), .leastNonzeroMagnitude]
        for _ in 0..<10000 { values.append(Float(bitPattern: UInt32.random(in: 0...UInt32.max, using: &generator))) }
        for x in values where !x.isNaN {
            // The two bfloat16s around x, toward zero and away from it; past the largest finite
            // one, infinity counts as 2^128 (IEEE rounding's overflow threshold).
            let down = x.bitPattern & 0xFFFF_0000, up = down &+ 0x1_0000
            func value(_ bits: UInt32) -> Double {
                bits & 0x7FFF_FFFF == 0x7F80_0000 ? (bits >> 31 == 1 ? -1 : 1) * pow(2, 128) : Double(Float(bitPattern: bits))
            }
            let exact = x.isInfinite ? value(x.bitPattern) : Double(x)
            let (below, above) = (abs(exact - value(down)), abs(value(up) - exact))
            let nearest = down == x.bitPattern || below < above || (below == above && (down >> 16) & 1 == 0) ? down : up
            XCTAssertEqual(UInt32(bfloat16Bits(x)) << 16, nearest, "\(x)")
            XCTAssertEqual(float(bfloat16: bfloat16Bits(x)).bitPattern, nearest)
        }
        XCTAssertTrue(float(bfloat16: bfloat16Bits(.nan)).isNaN)
    }

    func testByteSizesParseAndPrint() {
        XCTAssertEqual(ByteSize.parse("2GiB"), 2 << 30)
        XCTAssertEqual(ByteSize.parse("500MB"), 500_000_000)
        XCTAssertEqual(ByteSize.parse("1.5g"), 3 << 29)
        XCTAssertEqual(ByteSize.parse(" 4096 "), 4096)
        XCTAssertEqual(ByteSize.parse("12 KiB"), 12 * 1024)
        for bad in ["", "GiB", "-1GB", "1e400", "nan", "2 GiBs", "99999999999TiB", "0x10"] { XCTAssertNil(ByteSize.parse(bad), bad) }
        XCTAssertEqual(ByteSize.describe(512), "512 B")
        XCTAssertEqual(ByteSize.describe(3 << 29), "1.50 GiB")
    }

    /// `graft inspect resnet18 --freeze last:K --cache-views 3` at 224 px: with layer3 and layer4
    /// training the cut falls at layer3's input (128 × 28 × 28 per image), with layer4 alone at
    /// layer4's input (256 × 14 × 14); the cache's size and the prefix's FLOPs follow.
    func testInspectNamesTheCut() throws {
        let report = try PrefixCutReport(model: "resnet18", freeze: .last(2), views: 3, images: 1000)
        XCTAssertEqual(report.scope, "layer2.1.relu")
        XCTAssertEqual(report.rowShape, [128, 28, 28])
        let last1 = try PrefixCutReport(model: "resnet18", freeze: .last(1), views: 3, images: 1000)
        XCTAssertEqual(last1.rowShape, [256, 14, 14])
        XCTAssertEqual(last1.bytes(.float32), 3 * 1000 * 256 * 14 * 14 * 4)
        XCTAssertEqual(last1.bytes(.bfloat16), 3 * 1000 * 256 * 14 * 14 * 2)
        XCTAssertGreaterThan(last1.prefixFlops, report.prefixFlops)
        XCTAssertLessThan(last1.prefixFlops, last1.totalFlops)
        XCTAssertTrue(last1.description.contains("layer3.1.relu, [256, 14, 14] per image"), last1.description)
        XCTAssertTrue(last1.description.contains("\(ByteSize.describe(3 * 1000 * 256 * 14 * 14 * 4)) at fp32"), last1.description)
        let head = try PrefixCutReport(model: "inception_v3", freeze: .last(1), views: 1, imageSize: 299, images: 10)
        XCTAssertNil(head.rowShape)
        XCTAssertTrue(head.description.contains("auxiliary heads"), head.description)
    }
}
