import ArgumentParser
import GraftCore

/// `--precision fp32|bf16|int8` and `--calibration-batches`, shared by the commands that run models.
struct PrecisionOption: ParsableArguments {
    @Option(help: "fp32; bf16: convolutions and fully connected layers multiply in bfloat16 (CPUs with AVX512-BF16; about 2× faster); int8: what does not train runs quantised to 8 bits (CPUs with AVX512-VNNI or AVX-VNNI), with the activation ranges a checkpoint carries or calibrated on the first --calibration-batches batches of the images at hand.")
    var precision: ComputePrecision = .float32

    @Option(name: .customLong("calibration-batches"), help: ArgumentHelp("With --precision int8 and no ranges in the checkpoint: how many batches (images, for predict) calibrate the activation ranges (1-\(PrecisionOption.maxCalibrationBatches)).", valueName: "N"))
    var calibrationBatches = 4

    static let maxCalibrationBatches = 256

    func validate() throws {
        guard (1...Self.maxCalibrationBatches).contains(calibrationBatches) else {
            throw ValidationError("--calibration-batches must be between 1 and \(Self.maxCalibrationBatches), not \(calibrationBatches)")
        }
    }
}

extension ComputePrecision: ExpressibleByArgument {}
