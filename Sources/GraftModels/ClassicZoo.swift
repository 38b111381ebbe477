import GraftNN

extension ModelZoo {
    /// AlexNet, VGG, ResNet, SqueezeNet and MobileNetV2, built and initialised as torchvision
    /// 0.14 builds them (and `alexnet_lrn`, the 2012 paper's AlexNet, which torchvision lacks),
    /// all for torchvision's ImageNet preprocessing.
    ///
    /// Stages, the units of freezing by depth, are the modules that hold parameters along the
    /// path from input to head, at the granularity of the architecture's table, each one
    /// dotted path (a prefix for `Module.freeze`), the head last. A convolution and its
    /// BatchNorm are two stages (ResNet's `conv1`, `bn1`; VGG-BN's `features.0`,
    /// `features.1`); a residual stage, a Fire module or an inverted residual block is one.
    /// Freezing the first k stages thus freezes the first k of these units.
    static let classicSpecs: [ModelSpec] = [
        classic("alexnet", head: "classifier.6",
                stages: ["features.0", "features.3", "features.6", "features.8", "features.10",
                         "classifier.1", "classifier.4", "classifier.6"]) { try AlexNet(numClasses: $0) },
        classic("alexnet_lrn", head: "classifier.6",
                stages: ["features.0", "features.4", "features.8", "features.10", "features.12",
                         "classifier.0", "classifier.3", "classifier.6"]) { try AlexNetLRN(numClasses: $0) },
    ] + [11, 13, 16, 19].flatMap { depth in
        [false, true].map { batchNorm in
            classic("vgg\(depth)\(batchNorm ? "_bn" : "")", head: "classifier.6",
                    stages: vggStages(depth: depth, batchNorm: batchNorm)) {
                try VGG(depth: depth, batchNorm: batchNorm, numClasses: $0)
            }
        }
    } + [
        resNet("resnet18") { try ResNet.resnet18(numClasses: $0) },
        resNet("resnet34") { try ResNet.resnet34(numClasses: $0) },
        resNet("resnet50") { try ResNet.resnet50(numClasses: $0) },
        resNet("resnet101") { try ResNet.resnet101(numClasses: $0) },
        resNet("resnet152") { try ResNet.resnet152(numClasses: $0) },
        resNet("resnext50_32x4d") { try ResNet.resnext50_32x4d(numClasses: $0) },
        resNet("wide_resnet50_2") { try ResNet.wide_resnet50_2(numClasses: $0) },
        classic("squeezenet1_0", head: "classifier.1",
                stages: [0, 3, 4, 5, 7, 8, 9, 10, 12].map { "features.\($0)" } + ["classifier.1"]) {
            try SqueezeNet(version: .v1_0, numClasses: $0)
        },
        classic("squeezenet1_1", head: "classifier.1",
                stages: [0, 3, 4, 6, 7, 9, 10, 11, 12].map { "features.\($0)" } + ["classifier.1"]) {
            try SqueezeNet(version: .v1_1, numClasses: $0)
        },
        classic("mobilenet_v2", head: "classifier.1",
                stages: (0...18).map { "features.\($0)" } + ["classifier.1"]) { try MobileNetV2(numClasses: $0) },
    ]

    private static func classic(_ name: String, head: String, stages: [String],
                                build: @escaping @Sendable (Int) throws -> Module) -> ModelSpec {
        ModelSpec(name: name, head: head, stages: stages, preprocessing: .imageNet(), build: build)
    }

    private static func resNet(_ name: String, build: @escaping @Sendable (Int) throws -> Module) -> ModelSpec {
        classic(name, head: "fc", stages: ["conv1", "bn1", "layer1", "layer2", "layer3", "layer4", "fc"], build: build)
    }

    /// VGG's convolutions (and BatchNorms) in `features`, then its three fully connected layers.
    private static func vggStages(depth: Int, batchNorm: Bool) -> [String] {
        var stages: [String] = []
        var index = 0
        for entry in VGG.configurations[depth]! {
            if entry == nil {
                index += 1
                continue
            }
            stages.append("features.\(index)")
            if batchNorm { stages.append("features.\(index + 1)") }
            index += batchNorm ? 3 : 2
        }
        return stages + ["classifier.0", "classifier.3", "classifier.6"]
    }
}
