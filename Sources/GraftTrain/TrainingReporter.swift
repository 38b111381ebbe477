import Foundation

/// Figures of one finished epoch.
public struct EpochReport: Sendable, Equatable {
    public var epoch: Int
    public var epochs: Int
    public var trainLoss: Double
    public var trainTop1: Double
    public var testLoss: Double
    public var testTop1: Double
    public var learningRate: Float
    public var seconds: Double
    public var imagesPerSecond: Double
}

/// The outcome of a training run.
public struct TrainingSummary: Sendable, Equatable {
    public var testTop1: Double
    public var epochs: Int
    public var seconds: Double
}

/// Receives a training run's progress: text for people, JSON lines for programs.
public protocol TrainingReporter {
    func started(model: String, parameters: Int, trainImages: Int, testImages: Int)
    func epochFinished(_ report: EpochReport)
    func finished(_ summary: TrainingSummary)
}

/// Plain lines, one per epoch.
public struct TextReporter: TrainingReporter {
    public init() {}

    public func started(model: String, parameters: Int, trainImages: Int, testImages: Int) {
        print("training \(model) (\(parameters) parameters) on \(trainImages) images, testing on \(testImages)")
        fflush(stdout)
    }

    public func epochFinished(_ r: EpochReport) {
        let line = String(format: "epoch %d/%d  loss %.4f  train %.2f%%  test loss %.4f  test %.2f%%  lr %.2e  %.1f s  %.0f img/s",
                          r.epoch, r.epochs, r.trainLoss, 100 * r.trainTop1, r.testLoss, 100 * r.testTop1,
                          Double(r.learningRate), r.seconds, r.imagesPerSecond)
        print(line)
        fflush(stdout)
    }

    public func finished(_ s: TrainingSummary) {
        print(String(format: "done: test top-1 %.2f%% after %d epochs in %.1f s", 100 * s.testTop1, s.epochs, s.seconds))
        fflush(stdout)
    }
}

/// One JSON object per line; the last is `{"event": "summary", "test_top1": …, "epochs": …, "seconds": …}`.
public struct JSONLinesReporter: TrainingReporter {
    let write: (String) -> Void

    /// Writes each line with `write` (standard output by default).
    public init(write: @escaping (String) -> Void = { print($0); fflush(stdout) }) { self.write = write }

    func emit(_ object: [String: Any]) {
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        write(String(decoding: data, as: UTF8.self))
    }

    public func started(model: String, parameters: Int, trainImages: Int, testImages: Int) {
        emit(["event": "start", "model": model, "parameters": parameters, "train_images": trainImages, "test_images": testImages])
    }

    public func epochFinished(_ r: EpochReport) {
        emit(["event": "epoch", "epoch": r.epoch, "epochs": r.epochs, "train_loss": r.trainLoss, "train_top1": r.trainTop1,
              "test_loss": r.testLoss, "test_top1": r.testTop1, "lr": Double(r.learningRate), "seconds": r.seconds,
              "img_s": r.imagesPerSecond])
    }

    public func finished(_ s: TrainingSummary) {
        emit(["event": "summary", "test_top1": s.testTop1, "epochs": s.epochs, "seconds": s.seconds])
    }
}
