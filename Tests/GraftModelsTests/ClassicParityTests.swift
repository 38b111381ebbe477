import XCTest

/// Each family against torchvision 0.14 (see `ClassicParity.check`), one model at a time.
final class ClassicParityTests: XCTestCase {
    func testAlexNetMatchesTorchvision() throws {
        try ClassicParity.check("alexnet")
    }

    func testVGGsMatchTorchvision() throws {
        for depth in [11, 13, 16, 19] {
            try ClassicParity.check("vgg\(depth)")
            try ClassicParity.check("vgg\(depth)_bn")
        }
    }

    func testResNetsMatchTorchvision() throws {
        for name in ["resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "resnext50_32x4d", "wide_resnet50_2"] {
            try ClassicParity.check(name)
        }
    }

    func testSqueezeNetsMatchTorchvision() throws {
        try ClassicParity.check("squeezenet1_0")
        try ClassicParity.check("squeezenet1_1")
    }

    func testMobileNetV2MatchesTorchvision() throws {
        try ClassicParity.check("mobilenet_v2")
    }
}
