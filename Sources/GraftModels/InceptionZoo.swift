import GraftNN

extension ModelZoo {
    /// GoogLeNet, Inception-v3 and EfficientNet-Lite0.
    static let inceptionSpecs: [ModelSpec] = [
        ModelSpec(name: "googlenet", head: "fc", auxiliaryHeads: ["aux1", "aux2"], auxiliaryLossWeight: 0.3,
                  stages: ["conv1", "conv2", "conv3", "inception3a", "inception3b", "inception4a", "inception4b",
                           "inception4c", "inception4d", "inception4e", "inception5a", "inception5b", "fc"],
                  preprocessing: .imageNet(),
                  build: { try GoogLeNet(numClasses: $0) }),
        ModelSpec(name: "inception_v3", head: "fc", auxiliaryHeads: ["AuxLogits"], auxiliaryLossWeight: 0.4,
                  stages: ["Conv2d_1a_3x3", "Conv2d_2a_3x3", "Conv2d_2b_3x3", "Conv2d_3b_1x1", "Conv2d_4a_3x3",
                           "Mixed_5b", "Mixed_5c", "Mixed_5d", "Mixed_6a", "Mixed_6b", "Mixed_6c", "Mixed_6d",
                           "Mixed_6e", "Mixed_7a", "Mixed_7b", "Mixed_7c", "fc"],
                  preprocessing: .imageNet(resize: 342, crop: 299),
                  build: { try InceptionV3(numClasses: $0) }),
        ModelSpec(name: "efficientnet_lite0", head: "_fc",
                  stages: ["_conv_stem", "_bn0"] + (0..<16).map { "_blocks.\($0)" } + ["_conv_head", "_bn1", "_fc"],
                  preprocessing: Preprocessing(channels: 3, inputSize: 224, resizeShorter: 256,
                                               mean: [127.0 / 255, 127.0 / 255, 127.0 / 255],
                                               std: [128.0 / 255, 128.0 / 255, 128.0 / 255]),
                  build: { try EfficientNetLite0(numClasses: $0) }),
    ]
}
