import ArgumentParser
import GraftONNX

/// How to read a `--model` that is an ONNX file: what the file cannot say about its input.
struct ONNXFlags: ParsableArguments {
    @Flag(help: "ONNX: read tensors the model stores in files beside it.")
    var allowExternalData = false
    @Option(help: "ONNX: the side of the network's square input, where the file leaves it open (or to change it).")
    var inputSize: Int?
    @Option(help: ArgumentHelp("ONNX: per-channel mean the input is normalised with, in the network's units and channel order (default: ImageNet's).", valueName: "M[,M,M]"))
    var mean: String?
    @Option(help: ArgumentHelp("ONNX: per-channel standard deviation, as --mean (default: ImageNet's).", valueName: "S[,S,S]"))
    var std: String?
    @Option(help: "ONNX: the value of a white pixel for the network: 1 for [0, 1] inputs, 255 for [0, 255] (default: 1).")
    var scale: Float?
    @Option(help: ArgumentHelp("ONNX: the order of the colour channels the network reads (default: rgb).", valueName: "rgb|bgr"))
    var channelOrder: String?
    @Option(help: ArgumentHelp("ONNX: the input's layout, where its shape does not tell (default: from the shape).", valueName: "nchw|nhwc"))
    var layout: String?
    @Option(help: ArgumentHelp("ONNX: the node name of the classifier to replace (default: the last Gemm, MatMul or 1×1 Conv before the output).", valueName: "NODE"))
    var head: String?

    /// Whether any flag is given.
    private var given: Bool {
        allowExternalData || inputSize != nil || mean != nil || std != nil || scale != nil || channelOrder != nil || layout != nil || head != nil
    }

    /// The flags as import options; throws naming the flag that does not parse.
    func options() throws -> ONNXImportOptions {
        func values(_ text: String?, _ flag: String) throws -> [Float]? {
            try text.map { t in
                try t.split(separator: ",", omittingEmptySubsequences: false).map { part in
                    guard let v = Float(part.trimmingCharacters(in: .whitespaces)), v.isFinite else {
                        throw ValidationError("--\(flag) '\(t)': expected one or three comma-separated numbers")
                    }
                    return v
                }
            }
        }
        if let s = inputSize, !(1...2048).contains(s) { throw ValidationError("--input-size must be 1 to 2048, not \(s)") }
        let order = try channelOrder.map { o in
            guard let v = ImportedInput.ChannelOrder(rawValue: o) else { throw ValidationError("--channel-order '\(o)': expected rgb or bgr") }
            return v
        }
        let layout = try self.layout.map { l in
            guard let v = ImportedInput.Layout(rawValue: l) else { throw ValidationError("--layout '\(l)': expected nchw or nhwc") }
            return v
        }
        return ONNXImportOptions(allowExternalData: allowExternalData, inputSize: inputSize, layout: layout,
                                 channelOrder: order ?? .rgb, head: head, mean: try values(mean, "mean"),
                                 std: try values(std, "std"), scale: scale)
    }

    /// Imports `model` into the zoo when it is an ONNX file; the flags with any other model are
    /// a usage error.
    func register(_ model: String) throws {
        guard ONNXModels.isONNXPath(model) else {
            if given { throw ValidationError("the ONNX flags (--input-size, --mean, --head, …) go with --model FILE.onnx, not '\(model)'") }
            return
        }
        let options = try options()
        do {
            try ONNXModels.register(model, options: options)
        } catch {
            throw ValidationError("--model \(model): \(error)")
        }
    }
}
