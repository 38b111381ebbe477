// swift-tools-version:5.10
import PackageDescription

let package = Package(
    name: "Graft",
    products: [
        .library(name: "Graft", targets: ["Graft"]),
        .executable(name: "graft", targets: ["graft"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        .systemLibrary(name: "CDNNL", providers: [.apt(["libdnnl-dev"])]),
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CImageCodecs", providers: [.apt(["libturbojpeg0-dev", "libspng-dev"])]),
        .systemLibrary(name: "COpenSSL", providers: [.apt(["libssl-dev"])]),
        .target(name: "GraftCore", dependencies: ["CDNNL"]),
        .target(name: "GraftNN", dependencies: ["GraftCore"]),
        .target(name: "GraftModels", dependencies: ["GraftNN"]),
        .target(name: "GraftIO", dependencies: ["GraftNN", "CZlib"]),
        .target(name: "CJPEGRegion", linkerSettings: [.linkedLibrary("jpeg")]),
        .target(name: "GraftData", dependencies: ["GraftCore", "CZlib", "CImageCodecs", "CJPEGRegion"]),
        .target(name: "GraftHub", dependencies: ["GraftCore", "GraftModels", "GraftIO", "COpenSSL"]),
        // ONNX in: onnx.pb.swift is generated from Proto/onnx.proto (onnx 1.23) by protoc with
        // swift-protobuf's protoc-gen-swift 1.39, once, and committed.
        .target(name: "GraftONNX", dependencies: [
            "GraftCore", "GraftNN", "GraftModels", "GraftIO", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        ], exclude: ["Proto/onnx.proto"]),
        .target(name: "GraftTrain", dependencies: ["GraftCore", "GraftModels", "GraftData", "GraftNN", "GraftIO", "GraftHub", "GraftONNX"]),
        .target(name: "Graft", dependencies: ["GraftCore", "GraftNN", "GraftModels", "GraftIO", "GraftData", "GraftHub", "GraftONNX", "GraftTrain"]),
        .executableTarget(name: "graft", dependencies: [
            "GraftTrain", "GraftCore", "GraftData", "GraftIO", "GraftModels", "GraftHub", "GraftONNX",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .target(name: "GraftTestSupport", dependencies: ["GraftCore"], path: "Tests/GraftTestSupport"),
        .testTarget(name: "GraftCoreTests", dependencies: ["GraftCore", "CDNNL"]),
        .testTarget(name: "GraftModelsTests", dependencies: ["GraftCore", "GraftNN", "GraftModels", "GraftIO", "GraftTestSupport"]),
        .testTarget(name: "GraftIOTests", dependencies: ["GraftCore", "GraftNN", "GraftIO", "GraftModels", "GraftTestSupport"]),
        .testTarget(name: "GraftONNXTests", dependencies: [
            "GraftCore", "GraftNN", "GraftModels", "GraftIO", "GraftONNX", "GraftTrain", "GraftTestSupport",
            .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        ]),
        .testTarget(name: "GraftDataTests", dependencies: ["GraftCore", "GraftData", "CZlib", "GraftTestSupport"]),
        .testTarget(name: "GraftNNTests", dependencies: ["GraftCore", "GraftNN", "GraftModels"]),
        .testTarget(name: "GraftTrainTests", dependencies: [
            "GraftCore", "GraftNN", "GraftModels", "GraftIO", "GraftData", "GraftTrain", "Graft", "GraftTestSupport",
        ]),
        .testTarget(name: "GraftHubTests", dependencies: [
            "GraftHub", "GraftModels", "GraftIO", "GraftTrain", "GraftTestSupport",
        ]),
        // A second process for GraftHubTests: fetches one weight file and prints where it came from.
        .executableTarget(name: "graft-hub-probe", dependencies: ["GraftHub", "GraftModels"], path: "Tests/GraftHubProbe"),
        // Hostile inputs: each runs the graft executable as a child and checks how it ended.
        .testTarget(name: "GraftHostileTests", dependencies: [
            "GraftCore", "GraftModels", "GraftIO", "GraftData", "CZlib", "GraftTrain", "Graft", "GraftTestSupport",
        ]),
    ]
)
