// swift-tools-version:6.0
import PackageDescription

// Layers, bottom to top; each target imports only the ones listed before it.
//   C libraries (CCrypto, CSSH2, CArchive, CCurl) → TBStore → TBTargetfile → TBEngine
//   → TBHosts (local, ssh) and TBSnapshot (archives) → tbmake
let package = Package(
    name: "tbmake",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "tbmake", targets: ["tbmake"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CCrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        .systemLibrary(
            name: "CSSH2",
            pkgConfig: "libssh2",
            providers: [.apt(["libssh2-1-dev"])]
        ),
        .systemLibrary(
            name: "CArchive",
            pkgConfig: "libarchive",
            providers: [.apt(["libarchive-dev"])]
        ),
        // libcurl's headers only: the library is loaded when first used (Sources/CCurl/shim.h).
        .systemLibrary(
            name: "CCurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .target(name: "TBStore", dependencies: ["CCrypto"]),
        .target(name: "TBTargetfile", dependencies: ["TBStore"]),
        .target(name: "TBEngine", dependencies: ["TBStore", "TBTargetfile"]),
        .target(name: "TBHosts", dependencies: ["TBEngine", "TBStore", "CSSH2", "CCrypto"]),
        .target(name: "TBSnapshot", dependencies: ["TBStore", "CArchive"]),
        .executableTarget(
            name: "tbmake",
            dependencies: [
                "TBEngine", "TBHosts", "TBSnapshot", "TBStore", "TBTargetfile", "CCurl",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(name: "TBTestSupport", dependencies: ["TBEngine", "TBStore", "TBTargetfile"], path: "Tests/TBTestSupport"),
        .testTarget(name: "TBStoreTests", dependencies: ["TBStore"]),
        .testTarget(name: "TBTargetfileTests", dependencies: ["TBTargetfile"]),
        .testTarget(name: "TBEngineTests", dependencies: ["TBEngine", "TBTestSupport"]),
        .testTarget(name: "TBHostsTests", dependencies: ["TBHosts", "TBStore", "TBTestSupport"]),
        .testTarget(name: "TBSnapshotTests", dependencies: ["TBSnapshot", "TBStore"]),
        .testTarget(name: "EndToEndTests", dependencies: ["TBTestSupport"]),
    ],
    swiftLanguageModes: [.v5]
)
