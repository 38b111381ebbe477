import ArgumentParser
import Foundation
import GraftTrain

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model on a data set and report loss, accuracy and time per epoch.",
        discussion: """
        A directory holding the four IDX files of the MNIST family (train-images-idx3-ubyte[.gz], \
        train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]) is a \
        data set: train-* is used for training and t10k-* for testing.

        Example: graft train --model lenet5 --data /usr/share/datasets/fashion-mnist --epochs 10
        """
    )

    @Option(help: "Model architecture (\(TrainOptions.knownModels.joined(separator: ", "))).")
    var model: String

    @Option(help: "Data set directory.")
    var data: String

    @Option(help: "Number of passes over the training set.")
    var epochs: Int = 10

    @Option(name: .customLong("batch-size"), help: "Images per training step.")
    var batchSize: Int = 64

    @Option(help: "Optimizer: sgd, adam or adamw.")
    var optimizer: String = "adam"

    @Option(name: .customLong("lr"), help: "Peak learning rate.")
    var learningRate: Float = 2e-3

    @Option(help: "SGD momentum.")
    var momentum: Float = 0.9

    @Option(name: .customLong("weight-decay"), help: "Weight decay.")
    var weightDecay: Float = 0

    @Option(help: "Learning-rate schedule: none, step, cosine or onecycle.")
    var schedule: String = "onecycle"

    @Option(name: .customLong("label-smoothing"), help: "Label smoothing ε for the cross-entropy loss.")
    var labelSmoothing: Float = 0

    @Option(help: "Random seed (initialisation, shuffling, dropout).")
    var seed: UInt64 = 0

    @Option(name: .customLong("train-limit"), help: "Use only the first N training images (quick runs).")
    var trainLimit: Int?

    @Flag(help: "Print JSON lines instead of text.")
    var json = false

    var options: TrainOptions {
        TrainOptions(model: model, data: data, epochs: epochs, batchSize: batchSize, optimizer: optimizer,
                     learningRate: learningRate, momentum: momentum, weightDecay: weightDecay, schedule: schedule,
                     labelSmoothing: labelSmoothing, seed: seed, trainLimit: trainLimit)
    }

    func validate() throws {
        do {
            try options.validate()
        } catch let error as TrainOptionsError {
            throw ValidationError(error.description)
        }
    }

    func run() throws {
        do {
            let reporter: TrainingReporter = json ? JSONLinesReporter() : TextReporter()
            _ = try runTraining(options, reporter: reporter)
        } catch {
            FileHandle.standardError.write(Data("graft train: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
