import Foundation
import GraftCore
import GraftData
import GraftHub
import GraftIO
import GraftModels
import GraftNN

/// The outcome of a training run, as its JSON summary line carries it.
public struct TransferSummary: Codable, Sendable {
    /// Best validation top-1 (nil without validation images).
    public var valTop1: Double?
    public var valTop5: Double?
    /// The best checkpoint on the data's test set (IDX t10k files, an ImageFolder's `test/`).
    public var testTop1: Double?
    public var testTop5: Double?
    public var bestEpoch: Int
    /// Epochs trained in the whole run (resumed ones included).
    public var epochs: Int
    public var stoppedEarly: Bool
    /// The best checkpoint (the last one when there is no validation).
    public var checkpoint: String
    public var lastCheckpoint: String
    public var report: String
    public var seconds: Double
    /// With the feature or prefix cache: seconds of the frozen part's pass (or of reading the
    /// cache) and of one cached epoch on average.
    public var trunkSeconds: Double?
    public var cachedEpochSeconds: Double?
    /// Images left out because they failed to decode (the `skipBad` option), described by their errors.
    public var skippedImages: [String] = []
}

/// The files of a run folder.
public struct RunFiles: Sendable {
    public let folder: String
    public init(_ folder: String) { self.folder = folder }
    public var best: String { path("best.safetensors") }
    public var last: String { path("last.safetensors") }
    /// Optimizer, schedule, random state and history for resuming the run.
    public var state: String { path("last.state.safetensors") }
    public var log: String { path("log.jsonl") }
    public var report: String { path("report.html") }
    /// The images the run trains, validates and tests on (`TrainingSubset`).
    public var subset: String { path("subset.json") }
    private func path(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }
}

/// Trains a zoo model on an image data set as `graft train` does, in five steps: the data,
/// the model (pretrained weights — a published set fetched through `store`, made only then and
/// by default as the environment configures it, or a file — and a new head, or from scratch,
/// frozen as `freeze` says), the
/// plan (optimizer, schedule, loss weights, and where a resumed run left off), the epoch loop
/// (on the feature cache when the whole trunk is frozen, on the prefix cache when a frozen
/// prefix hands one tensor to the stages that train, on augmented images otherwise,
/// validating and writing checkpoints every epoch), and the finish (the best checkpoint scored,
/// the HTML report and the summary written into `out`). `freeSpace` tells the prefix cache the
/// free bytes of its folder.
public func runTransferTraining(_ options: TransferOptions, reporter: RunReporter,
                                store: @autoclosure () throws -> WeightStore = try WeightStore(settings: .resolve()),
                                freeSpace: @escaping @Sendable (String) -> Int? = freeBytes(at:))
    throws -> TransferSummary {
    try options.validate()
    let start = DispatchTime.now()
    let data = try TrainingData(options)
    let model = try buildTrainingModel(options, classNames: data.classNames, store: try store(), reporter: reporter)
    var plan = try makeTrainingPlan(options, model: model, data: data, reporter: reporter)
    let session = try openRunSession(options, model: model, plan: plan, data: data, reporter: reporter, freeSpace: freeSpace)
    let loop = try trainEpochs(options, model: model, plan: &plan, session: session, data: data, reporter: reporter)
    return try finishRun(options, model: model, plan: plan, session: session, loop: loop, data: data,
                         reporter: reporter, seconds: seconds(since: start))
}

/// A zoo model with `head`: pretrained weights loaded strictly under their own head, then the
/// head replaced; or, without weights, freshly initialised.
public func buildModel(spec: ModelSpec, weights: String?, head: HeadConfig) throws -> any TransferModel {
    guard let weights else { return try spec.make(head: head) }
    let model = try modelLoaded(from: weights, spec: spec).model
    try model.replaceHead(with: head)
    return model
}

/// The training loss: cross-entropy with optional class weights and label smoothing.
func lossFunction(_ logits: Tensor, labels: Tensor, classWeights: Tensor?, smoothing: Float) throws -> Tensor {
    try crossEntropy(logits, labels: labels, weight: classWeights, labelSmoothing: smoothing)
}

extension FileManager {
    /// Copies `source` over `destination` atomically (copy to a temporary name, then rename).
    func copyItemReplacing(at source: String, to destination: String) throws {
        let temporary = destination + ".copy-\(getpid())"
        try? removeItem(atPath: temporary)
        do {
            try copyItem(atPath: source, toPath: temporary)
        } catch {
            throw DataError.unwritable(file: destination, reason: fileErrorReason(error))
        }
        guard rename(temporary, destination) == 0 else {
            throw DataError.unwritable(file: destination, reason: errnoText())
        }
    }
}
