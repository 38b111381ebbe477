import Foundation
import GraftCore
import GraftModels
import GraftNN

/// Where training a zoo model under a freeze policy cuts its graph for the prefix cache, and
/// what the cache costs and saves: `graft inspect MODEL --freeze POLICY --cache-views V`.
public struct PrefixCutReport: Sendable {
    public let model: String
    public let freeze: FreezePolicy
    public let imageSize: Int
    /// The module path of the op whose output crosses the cut, and that output's shape per image;
    /// nil when the prefix cache is off for this policy, with the reason in `unavailable`.
    public let scope: String?
    public let rowShape: [Int]?
    public let unavailable: String?
    /// FLOPs per image of the frozen prefix and of the whole forward.
    public let prefixFlops: Int
    public let totalFlops: Int
    public let views: Int
    public let images: Int

    /// The report for `name` trained under `freeze` at `imageSize` (nil: the model's), for a
    /// cache of `views` views of `images` images.
    public init(model name: String, freeze: FreezePolicy, views: Int, imageSize: Int? = nil, images: Int = 1000) throws {
        let spec = try ModelZoo.spec(name)
        guard (1...TransferOptions.maximumCacheViews).contains(views) else {
            throw TrainingOptionError(.cacheViews, "must be 1 to \(TransferOptions.maximumCacheViews), not \(views)")
        }
        guard images > 0 else { throw GraftError.invalidArgument(op: "inspect", detail: "--images must be at least 1, not \(images)") }
        let size = imageSize ?? spec.preprocessing.inputSize
        guard (8...Preprocessing.maximumInputSize).contains(size) else {
            throw TrainingOptionError(.imageSize, "must be 8 to \(Preprocessing.maximumInputSize), not \(size)")
        }
        let model = try spec.make(numClasses: spec.defaultNumClasses)
        _ = try freeze.apply(to: model, spec: spec)
        setTrainingMode(model)
        self.model = name; self.freeze = freeze; self.imageSize = size; self.views = views; self.images = images
        let batch = 2
        let prefix = model.auxiliaryHeads.isEmpty
            ? try TrainingForward(model).frozenPrefix(inputShape: [batch, spec.preprocessing.channels, size, size]) : nil
        scope = prefix.map { $0.scope }
        rowShape = prefix.map { Array($0.frontier.shape.dropFirst()) }
        prefixFlops = (prefix?.flops ?? 0) / batch
        totalFlops = (prefix?.totalFlops ?? 0) / batch
        unavailable = prefix != nil ? nil : !model.auxiliaryHeads.isEmpty
            ? "its auxiliary heads train on the trunk's inner outputs, so runs train without the prefix cache"
            : "not one tensor crosses from the frozen part into the part that trains (nothing is frozen, the trained stages read "
              + "several frozen values, or stochastic depth or dropout in the frozen stages draws every step)"
    }

    /// Bytes of the cache at `precision`, nil without a cut or on overflow.
    public func bytes(_ precision: CachePrecision) -> Int? {
        rowShape.flatMap { PrefixCache.bytes(views: views, images: images, rowShape: $0, precision: precision) }
    }

    /// The report as text.
    public var description: String {
        let title = "\(model) at \(imageSize) px, training with --freeze \(freeze)"
        guard let rowShape, let scope, unavailable == nil else { return "\(title): no prefix cache: \(unavailable ?? "")" }
        let share = totalFlops > 0 ? 100 * Double(prefixFlops) / Double(totalFlops) : 0
        return [
            "\(title): the prefix cache cuts at the output of \(scope.isEmpty ? "the input" : scope), \(shapeString(rowShape)) per image",
            String(format: "the frozen prefix does %.1f%% of the forward's FLOPs (%.3f of %.3f GFLOPs per image): what each cached epoch saves",
                   share, Double(prefixFlops) / 1e9, Double(totalFlops) / 1e9),
            "cache of \(images) images × \(views) view\(views == 1 ? "" : "s"): "
                + CachePrecision.allCases.map { "\(bytes($0).map(ByteSize.describe) ?? "too large") at \($0.rawValue)" }.joined(separator: ", "),
        ].joined(separator: "\n")
    }
}
