import XCTest

/// Each family against torchvision 0.14 (see `ZooParity.check`), one model at a time.
final class ZooParityTests: XCTestCase {
    func testAlexNetMatchesTorchvision() throws {
        try ZooParity.check("alexnet")
    }

    func testVGGsMatchTorchvision() throws {
        for depth in [11, 13, 16, 19] {
            try ZooParity.check("vgg\(depth)")
            try ZooParity.check("vgg\(depth)_bn")
        }
    }

    func testResNetsMatchTorchvision() throws {
        for name in ["resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "resnext50_32x4d", "wide_resnet50_2"] {
            try ZooParity.check(name)
        }
    }

    func testSqueezeNetsMatchTorchvision() throws {
        try ZooParity.check("squeezenet1_0")
        try ZooParity.check("squeezenet1_1")
    }

    func testMobileNetV2MatchesTorchvision() throws {
        try ZooParity.check("mobilenet_v2")
    }

    func testEfficientNetsMatchTorchvision() throws {
        for name in ["efficientnet_b0", "efficientnet_b1", "efficientnet_b2", "efficientnet_b3"] {
            try ZooParity.check(name)
        }
    }

    func testRegNetY400MFMatchesTorchvision() throws {
        try ZooParity.check("regnet_y_400mf")
    }
}
