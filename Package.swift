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
    ],
    targets: [
        .systemLibrary(name: "CDNNL", providers: [.apt(["libdnnl-dev"])]),
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "GraftCore", dependencies: ["CDNNL"]),
        .target(name: "GraftNN", dependencies: ["GraftCore"]),
        .target(name: "GraftModels", dependencies: ["GraftNN"]),
        .target(name: "GraftData", dependencies: ["GraftCore", "CZlib"]),
        .target(name: "GraftTrain", dependencies: ["GraftModels", "GraftData", "GraftNN"]),
        .target(name: "Graft", dependencies: ["GraftCore", "GraftNN", "GraftModels", "GraftData", "GraftTrain"]),
        .executableTarget(name: "graft", dependencies: [
            "GraftTrain",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "GraftCoreTests", dependencies: ["GraftCore"]),
        .testTarget(name: "GraftNNTests", dependencies: ["GraftNN", "GraftModels"]),
        .testTarget(name: "GraftTrainTests", dependencies: ["GraftTrain", "Graft"]),
    ]
)
