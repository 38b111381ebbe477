import GraftCore

/// `torch.nn.CrossEntropyLoss` with mean reduction, optional class weights and label smoothing.
public struct CrossEntropyLoss {
    public var weight: Tensor?
    public var labelSmoothing: Float

    public init(weight: Tensor? = nil, labelSmoothing: Float = 0) {
        self.weight = weight
        self.labelSmoothing = labelSmoothing
    }

    public func callAsFunction(_ logits: Tensor, _ labels: Tensor) throws -> Tensor {
        try crossEntropy(logits, labels: labels, weight: weight, labelSmoothing: labelSmoothing)
    }
}
