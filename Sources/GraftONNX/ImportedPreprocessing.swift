import GraftModels

extension ONNXImportOptions {
    /// The preprocessing the options describe for a network reading `input`: a square crop of
    /// its side (resized from 256/224 of it, as ImageNet models are evaluated), normalised with
    /// `mean` and `std` in the units `scale` gives (ImageNet's when none of the three is given;
    /// mean 0 and std 1 with only a scale), in RGB order for Graft's pipeline.
    func preprocessing(for input: ImportedInput) throws -> Preprocessing {
        guard let side = input.height, input.width == side else {
            throw ONNXError(file: "", message: "the network reads \(input.height ?? 0) × \(input.width ?? 0) images; give a square size with --input-size")
        }
        let s = scale ?? 1
        guard s.isFinite, s > 0 else { throw ONNXError(file: "", message: "--scale must be a positive number, not \(s)") }
        let imageNet = Preprocessing.imageNet()
        var m = mean ?? (describesValues ? [0] : imageNet.mean.map { $0 * s })
        var d = std ?? (describesValues ? [1] : imageNet.std.map { $0 * s })
        if input.channelOrder == .bgr && mean != nil { m.reverse() }
        if input.channelOrder == .bgr && std != nil { d.reverse() }
        let resize = Int((Double(side) * 256 / 224).rounded())
        let preprocessing = Preprocessing(channels: input.channels, inputSize: side, resizeShorter: resize,
                                          mean: m.map { $0 / s }, std: d.map { $0 / s })
        if let (key, problem) = preprocessing.invalidField(expectedChannels: input.channels) {
            throw ONNXError(file: "", message: "--\(key.hasPrefix("mean") ? "mean" : key.hasPrefix("std") ? "std" : "input-size") \(problem)")
        }
        return preprocessing
    }
}
