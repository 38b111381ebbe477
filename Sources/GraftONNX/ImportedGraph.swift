import GraftCore

/// An ONNX network as Graft runs it: the file's nodes after import (constants folded, layout
/// glue and unfused batch norms rewritten, the classifier lifted out as a layer), the
/// parameters and buffers they read by their initializer names, the head and the stages.
/// Codable: a checkpoint stores it beside the weights, so that it needs nothing else to run.
public struct ImportedGraph: Codable, Sendable, Equatable {
    /// The file's name without its folder and extension.
    public var name: String
    /// What the network reads.
    public var input: ImportedInput
    /// The nodes from the input to the head's input (`features`), in an order that runs.
    public var trunk: [ImportedNode]
    /// The nodes from the head's output to `output` (a trailing softmax removed).
    public var tail: [ImportedNode]
    /// Values known when the graph was imported, by value name (shapes, axes, small constants).
    public var constants: [String: HostTensor]
    /// The tensors the nodes read by name, in first-use order: learned parameters and buffers.
    public var parameters: [ImportedParameter]
    /// The value the trunk ends with: the head's input.
    public var features: String
    /// The classifier, lifted out of the graph as a layer.
    public var head: ImportedHead
    /// The value the tail ends with: the logits.
    public var output: String
    /// Whether the file's output was the softmax of `output` (probabilities), removed for
    /// training: Graft's predictions apply it again.
    public var removedSoftmax: Bool
    /// The units of freezing below the head, input first.
    public var stages: [ImportedStage]
    /// What the import folded or rewrote, as counts by ONNX operator ("Shape": 3, …).
    public var folded: [String: Int]
    /// The file's operator histogram, by ONNX operator.
    public var operators: [String: Int]
    /// The default-domain opset the file declares.
    public var opset: Int
}

/// The network's input: its ONNX name and the layout and channel order it reads.
public struct ImportedInput: Codable, Sendable, Equatable {
    /// How pixels are laid out in the network's input tensor.
    public enum Layout: String, Codable, Sendable, CaseIterable { case nchw, nhwc }
    /// The order of colour channels the network reads.
    public enum ChannelOrder: String, Codable, Sendable, CaseIterable { case rgb, bgr }

    public var name: String
    /// Channels, height and width as the file declares them (nil where symbolic).
    public var channels: Int
    public var height: Int?
    public var width: Int?
    /// The layout the file's input has; Graft always feeds NCHW and transposes when it is NHWC.
    public var layout: Layout
    public var channelOrder: ChannelOrder
}

/// One node of an imported graph: the op with its attributes, the values it reads (value
/// names, parameter names, or "" for an absent optional input) and the values it writes.
public struct ImportedNode: Codable, Sendable, Equatable {
    /// The ONNX node's name (its first output's when the file gave none) and operator.
    public var name: String
    public var onnxOperator: String
    public var op: ImportedOp
    public var inputs: [String]
    public var outputs: [String]
}

/// A tensor of the network's state: its initializer name and shape, and whether it is learned.
public struct ImportedParameter: Codable, Sendable, Equatable {
    public enum Role: String, Codable, Sendable { case parameter, buffer }
    public var name: String
    public var shape: [Int]
    public var role: Role
}

/// The classifier: a fully connected layer or a 1×1 convolution at `path`, whose parameters
/// are `path.weight` (PyTorch's layout) and `path.bias`.
public struct ImportedHead: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case linear, conv }
    public var kind: Kind
    public var path: String
    public var inFeatures: Int
    public var outFeatures: Int
    public var hasBias: Bool
    /// The ONNX nodes it was made from, and the value it writes.
    public var nodes: [String]
    public var output: String
}

/// A unit of freezing: a name (a module prefix of its parameters where they share one, else
/// `stageK`) and the parameters it holds.
public struct ImportedStage: Codable, Sendable, Equatable {
    public var name: String
    public var parameters: [String]
    /// The spatial size of its output ([H, W]), [] when flat.
    public var outputSize: [Int]
    /// The ONNX nodes it runs, first and last.
    public var firstNode: String
    public var lastNode: String
}
