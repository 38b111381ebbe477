import GraftCore
import GraftNN

/// The 3×3, stride 1, padding 1 average pool of the Inception-v3 pool branches
/// (`F.avg_pool2d` defaults: the padding counts in the divisor).
private let poolBranch = Pool2dConfig(kernel: (3, 3), stride: (1, 1), padding: (1, 1))

/// Inception-v3's 35×35 module (torchvision's `InceptionA`, the paper's figure 5 with the 5×5
/// branch kept): 1×1 64 | 1×1 48 → 5×5 64 | 1×1 64 → 3×3 96 → 3×3 96 | avg pool → 1×1
/// `poolFeatures`, concatenated (224 + `poolFeatures` channels).
public final class InceptionA: Module {
    public let branch1x1: BasicConv2d
    public let branch5x5_1: BasicConv2d, branch5x5_2: BasicConv2d
    public let branch3x3dbl_1: BasicConv2d, branch3x3dbl_2: BasicConv2d, branch3x3dbl_3: BasicConv2d
    public let branch_pool: BasicConv2d

    public init(_ inChannels: Int, poolFeatures: Int) throws {
        branch1x1 = try BasicConv2d(inChannels, 64, kernelSize: 1)
        branch5x5_1 = try BasicConv2d(inChannels, 48, kernelSize: 1)
        branch5x5_2 = try BasicConv2d(48, 64, kernelSize: 5, padding: 2)
        branch3x3dbl_1 = try BasicConv2d(inChannels, 64, kernelSize: 1)
        branch3x3dbl_2 = try BasicConv2d(64, 96, kernelSize: 3, padding: 1)
        branch3x3dbl_3 = try BasicConv2d(96, 96, kernelSize: 3, padding: 1)
        branch_pool = try BasicConv2d(inChannels, poolFeatures, kernelSize: 1)
        super.init()
    }

    public override func forward(_ x: Tensor) throws -> Tensor {
        try concat([branch1x1(x),
                    branch5x5_2(branch5x5_1(x)),
                    branch3x3dbl_3(branch3x3dbl_2(branch3x3dbl_1(x))),
                    branch_pool(avgPool2d(x, poolBranch))], axis: 1)
    }
}

/// Inception-v3's grid reduction 35 → 17 (torchvision's `InceptionB`, the paper's figure 10):
/// 3×3/2 384 | 1×1 64 → 3×3 96 → 3×3/2 96 | 3×3/2 max pool, concatenated (480 + in channels).
public final class InceptionB: Module {
    public let branch3x3: BasicConv2d
    public let branch3x3dbl_1: BasicConv2d, branch3x3dbl_2: BasicConv2d, branch3x3dbl_3: BasicConv2d

    public init(_ inChannels: Int) throws {
        branch3x3 = try BasicConv2d(inChannels, 384, kernelSize: 3, stride: 2)
        branch3x3dbl_1 = try BasicConv2d(inChannels, 64, kernelSize: 1)
        branch3x3dbl_2 = try BasicConv2d(64, 96, kernelSize: 3, padding: 1)
        branch3x3dbl_3 = try BasicConv2d(96, 96, kernelSize: 3, stride: 2)
        super.init()
    }

    public override func forward(_ x: Tensor) throws -> Tensor {
        try concat([branch3x3(x),
                    branch3x3dbl_3(branch3x3dbl_2(branch3x3dbl_1(x))),
                    maxPool2d(x, Pool2dConfig(kernel: (3, 3), stride: (2, 2)))], axis: 1)
    }
}

/// Inception-v3's 17×17 module with factorised 7×7 convolutions (torchvision's `InceptionC`,
/// the paper's figure 6): 1×1 192 | 1×1 c7 → 1×7 c7 → 7×1 192 | 1×1 c7 → 7×1 → 1×7 → 7×1 →
/// 1×7 192 | avg pool → 1×1 192, concatenated (768 channels).
public final class InceptionC: Module {
    public let branch1x1: BasicConv2d
    public let branch7x7_1: BasicConv2d, branch7x7_2: BasicConv2d, branch7x7_3: BasicConv2d
    public let branch7x7dbl_1: BasicConv2d, branch7x7dbl_2: BasicConv2d, branch7x7dbl_3: BasicConv2d
    public let branch7x7dbl_4: BasicConv2d, branch7x7dbl_5: BasicConv2d
    public let branch_pool: BasicConv2d

    public init(_ inChannels: Int, channels7x7 c7: Int) throws {
        branch1x1 = try BasicConv2d(inChannels, 192, kernelSize: 1)
        branch7x7_1 = try BasicConv2d(inChannels, c7, kernelSize: 1)
        branch7x7_2 = try BasicConv2d(c7, c7, kernelSize: (1, 7), padding: (0, 3))
        branch7x7_3 = try BasicConv2d(c7, 192, kernelSize: (7, 1), padding: (3, 0))
        branch7x7dbl_1 = try BasicConv2d(inChannels, c7, kernelSize: 1)
        branch7x7dbl_2 = try BasicConv2d(c7, c7, kernelSize: (7, 1), padding: (3, 0))
        branch7x7dbl_3 = try BasicConv2d(c7, c7, kernelSize: (1, 7), padding: (0, 3))
        branch7x7dbl_4 = try BasicConv2d(c7, c7, kernelSize: (7, 1), padding: (3, 0))
        branch7x7dbl_5 = try BasicConv2d(c7, 192, kernelSize: (1, 7), padding: (0, 3))
        branch_pool = try BasicConv2d(inChannels, 192, kernelSize: 1)
        super.init()
    }

    public override func forward(_ x: Tensor) throws -> Tensor {
        let b7 = try branch7x7_3(branch7x7_2(branch7x7_1(x)))
        var d = try branch7x7dbl_3(branch7x7dbl_2(branch7x7dbl_1(x)))
        d = try branch7x7dbl_5(branch7x7dbl_4(d))
        return try concat([branch1x1(x), b7, d, branch_pool(avgPool2d(x, poolBranch))], axis: 1)
    }
}

/// Inception-v3's grid reduction 17 → 8 (torchvision's `InceptionD`): 1×1 192 → 3×3/2 320 |
/// 1×1 192 → 1×7 192 → 7×1 192 → 3×3/2 192 | 3×3/2 max pool, concatenated (512 + in channels).
public final class InceptionD: Module {
    public let branch3x3_1: BasicConv2d, branch3x3_2: BasicConv2d
    public let branch7x7x3_1: BasicConv2d, branch7x7x3_2: BasicConv2d, branch7x7x3_3: BasicConv2d, branch7x7x3_4: BasicConv2d

    public init(_ inChannels: Int) throws {
        branch3x3_1 = try BasicConv2d(inChannels, 192, kernelSize: 1)
        branch3x3_2 = try BasicConv2d(192, 320, kernelSize: 3, stride: 2)
        branch7x7x3_1 = try BasicConv2d(inChannels, 192, kernelSize: 1)
        branch7x7x3_2 = try BasicConv2d(192, 192, kernelSize: (1, 7), padding: (0, 3))
        branch7x7x3_3 = try BasicConv2d(192, 192, kernelSize: (7, 1), padding: (3, 0))
        branch7x7x3_4 = try BasicConv2d(192, 192, kernelSize: 3, stride: 2)
        super.init()
    }

    public override func forward(_ x: Tensor) throws -> Tensor {
        let b3 = try branch3x3_2(branch3x3_1(x))
        let b7 = try branch7x7x3_4(branch7x7x3_3(branch7x7x3_2(branch7x7x3_1(x))))
        return try concat([b3, b7, maxPool2d(x, Pool2dConfig(kernel: (3, 3), stride: (2, 2)))], axis: 1)
    }
}

/// Inception-v3's 8×8 module with expanded filter banks (torchvision's `InceptionE`, the
/// paper's figure 7): 1×1 320 | 1×1 384 → (1×3 384 ‖ 3×1 384) | 1×1 448 → 3×3 384 →
/// (1×3 384 ‖ 3×1 384) | avg pool → 1×1 192, concatenated (2048 channels).
public final class InceptionE: Module {
    public let branch1x1: BasicConv2d
    public let branch3x3_1: BasicConv2d, branch3x3_2a: BasicConv2d, branch3x3_2b: BasicConv2d
    public let branch3x3dbl_1: BasicConv2d, branch3x3dbl_2: BasicConv2d
    public let branch3x3dbl_3a: BasicConv2d, branch3x3dbl_3b: BasicConv2d
    public let branch_pool: BasicConv2d

    public init(_ inChannels: Int) throws {
        branch1x1 = try BasicConv2d(inChannels, 320, kernelSize: 1)
        branch3x3_1 = try BasicConv2d(inChannels, 384, kernelSize: 1)
        branch3x3_2a = try BasicConv2d(384, 384, kernelSize: (1, 3), padding: (0, 1))
        branch3x3_2b = try BasicConv2d(384, 384, kernelSize: (3, 1), padding: (1, 0))
        branch3x3dbl_1 = try BasicConv2d(inChannels, 448, kernelSize: 1)
        branch3x3dbl_2 = try BasicConv2d(448, 384, kernelSize: 3, padding: 1)
        branch3x3dbl_3a = try BasicConv2d(384, 384, kernelSize: (1, 3), padding: (0, 1))
        branch3x3dbl_3b = try BasicConv2d(384, 384, kernelSize: (3, 1), padding: (1, 0))
        branch_pool = try BasicConv2d(inChannels, 192, kernelSize: 1)
        super.init()
    }

    public override func forward(_ x: Tensor) throws -> Tensor {
        let s = try branch3x3_1(x)
        let b3 = try concat([branch3x3_2a(s), branch3x3_2b(s)], axis: 1)
        let d = try branch3x3dbl_2(branch3x3dbl_1(x))
        let bd = try concat([branch3x3dbl_3a(d), branch3x3dbl_3b(d)], axis: 1)
        return try concat([branch1x1(x), b3, bd, branch_pool(avgPool2d(x, poolBranch))], axis: 1)
    }
}

/// Inception-v3's auxiliary classifier (torchvision's `InceptionAux`) on the 768×17×17 output
/// of `Mixed_6e`: 5×5/3 average pool → 768×5×5, 1×1 `conv0` 128, 5×5 `conv1` 768 → 768×1×1,
/// global average pool, flatten, `fc` 768 → classes.
public final class InceptionV3Auxiliary: Module {
    public let conv0: BasicConv2d
    public let conv1: BasicConv2d
    /// The final layer (a `Linear` as built; after `ModelSpec.replaceHead`, whatever replaced it).
    @ModuleInfo public var fc: Module

    public init(_ inChannels: Int, numClasses: Int) throws {
        conv0 = try BasicConv2d(inChannels, 128, kernelSize: 1)
        conv1 = try BasicConv2d(128, 768, kernelSize: 5)
        fc = try Linear(inFeatures: 768, outFeatures: numClasses)
        super.init()
    }

    public override func forward(_ x: Tensor) throws -> Tensor {
        var h = try avgPool2d(x, Pool2dConfig(kernel: (5, 5), stride: (3, 3)))
        h = try conv1(conv0(h))
        h = try adaptiveAvgPool2d(h, outputSize: (1, 1)).flattened()
        return try fc(h)
    }
}
