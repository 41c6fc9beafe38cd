// swift-tools-version: 6.2
import PackageDescription

/// Settings shared by every target: Swift 6 mode, strict concurrency, no warnings.
let strictSettings: [SwiftSetting] = [
  .swiftLanguageMode(.v6),
  .enableUpcomingFeature("ExistentialAny"),
  .enableUpcomingFeature("MemberImportVisibility"),
  .treatAllWarnings(as: .error),
]

let package = Package(
  name: "amexist",
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "amexist", targets: ["amexist"]),
    .library(name: "AmexistDomain", targets: ["AmexistDomain"]),
    .library(name: "RegistryStore", targets: ["RegistryStore"]),
    .library(name: "TransparencyLog", targets: ["TransparencyLog"]),
    .library(name: "Attestation", targets: ["Attestation"]),
    .library(name: "RegistryStoreSQLite", targets: ["RegistryStoreSQLite"]),
    .library(name: "RegistryStorePostgres", targets: ["RegistryStorePostgres"]),
    .library(name: "Documents", targets: ["Documents"]),
    .library(name: "RegistryService", targets: ["RegistryService"]),
    .library(name: "RegistryServer", targets: ["RegistryServer"]),
    .library(name: "AmexistCLI", targets: ["AmexistCLI"]),
    .library(name: "Witness", targets: ["Witness"]),
  ],
  dependencies: [
    .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
    // Without its default traits: the registry reads no swift-configuration files.
    .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
    .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    // zlib through NIO buffers: reading a printed attestation that another program re-saved
    // with compressed streams.
    .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
    // Settings from flags, AMEXIST_* variables and a JSON configuration file.
    .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0"),
    .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    // Reading the OpenAPI document, to render the API page from it.
    .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
  ],
  targets: [
    .target(name: "AmexistDomain", swiftSettings: strictSettings),
    .target(
      name: "TransparencyLog",
      dependencies: [.product(name: "Crypto", package: "swift-crypto")],
      swiftSettings: strictSettings
    ),
    .target(
      name: "RegistryStore", dependencies: ["AmexistDomain", "TransparencyLog"],
      swiftSettings: strictSettings),
    .target(
      name: "Attestation",
      dependencies: [
        "AmexistDomain", "TransparencyLog",
        .product(name: "Crypto", package: "swift-crypto"),
        .product(name: "CryptoExtras", package: "swift-crypto"),
        .product(name: "CompressNIO", package: "compress-nio"),
        .product(name: "NIOCore", package: "swift-nio"),
      ],
      swiftSettings: strictSettings
    ),
    .target(
      name: "Documents",
      dependencies: [
        "AmexistDomain", "Attestation", "TransparencyLog",
        .product(name: "Crypto", package: "swift-crypto"),
        .product(name: "CompressNIO", package: "compress-nio"),
        .product(name: "NIOCore", package: "swift-nio"),
      ],
      swiftSettings: strictSettings
    ),
    .target(
      name: "RegistryStoreSQLite",
      dependencies: [
        "AmexistDomain", "RegistryStore", "TransparencyLog",
        .product(name: "GRDB", package: "GRDB.swift"),
      ],
      swiftSettings: strictSettings
    ),
    .target(
      name: "RegistryStorePostgres",
      dependencies: [
        "AmexistDomain", "RegistryStore", "TransparencyLog",
        .product(name: "PostgresNIO", package: "postgres-nio"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
      ],
      swiftSettings: strictSettings
    ),
    .target(
      name: "RegistryService",
      dependencies: [
        "AmexistDomain", "RegistryStore", "Attestation", "TransparencyLog", "CHeapTrim",
        .product(name: "Crypto", package: "swift-crypto"),
      ],
      swiftSettings: strictSettings
    ),
    // glibc's malloc_trim, which Swift's Glibc module does not export.
    .target(name: "CHeapTrim"),
    .target(
      name: "RegistryServer",
      dependencies: [
        "AmexistDomain", "Attestation", "Documents", "RegistryStore", "RegistryService",
        "TransparencyLog",
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "HummingbirdCore", package: "hummingbird"),
        .product(name: "Mustache", package: "swift-mustache"),
        .product(name: "Yams", package: "Yams"),
        .product(name: "Prometheus", package: "swift-prometheus"),
        .product(name: "Logging", package: "swift-log"),
      ],
      resources: [.copy("Resources")],
      swiftSettings: strictSettings
    ),
    .target(
      name: "Witness",
      dependencies: [
        "TransparencyLog", "AmexistDomain", "Attestation", "RegistryService", "RegistryStore",
        .product(name: "AsyncHTTPClient", package: "async-http-client"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOHTTP1", package: "swift-nio"),
        .product(name: "GRDB", package: "GRDB.swift"),
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "Logging", package: "swift-log"),
      ],
      swiftSettings: strictSettings
    ),
    .target(
      name: "AmexistCLI",
      dependencies: [
        "AmexistDomain", "Attestation", "Documents", "RegistryStore", "RegistryStoreSQLite",
        "RegistryStorePostgres", "RegistryService", "RegistryServer", "TransparencyLog", "Witness",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "AsyncHTTPClient", package: "async-http-client"),
        .product(name: "Configuration", package: "swift-configuration"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        .product(name: "UnixSignals", package: "swift-service-lifecycle"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOHTTP1", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
      ],
      swiftSettings: strictSettings
    ),
    .executableTarget(name: "amexist", dependencies: ["AmexistCLI"], swiftSettings: strictSettings),
    // Speed measurements (Benchmarks/*.sh run them); no dependency beyond the project's own.
    .executableTarget(
      name: "amexist-benchmark",
      dependencies: ["AmexistDomain", "Attestation", "Documents", "TransparencyLog"],
      path: "Benchmarks/AttestationSpeed",
      swiftSettings: strictSettings
    ),
    .executableTarget(
      name: "amexist-log-benchmark",
      dependencies: [
        "AmexistDomain", "Attestation", "RegistryStore", "RegistryStoreSQLite", "TransparencyLog",
        .product(name: "GRDB", package: "GRDB.swift"),
      ],
      path: "Benchmarks/LogSpeed",
      swiftSettings: strictSettings
    ),
    .executableTarget(
      name: "amexist-read-benchmark",
      dependencies: [
        "AmexistDomain", "Attestation", "RegistryService", "RegistryStore", "RegistryStoreSQLite",
        "TransparencyLog",
      ],
      path: "Benchmarks/ReadSpeed",
      swiftSettings: strictSettings
    ),
    .executableTarget(
      name: "amexist-witness-benchmark",
      dependencies: [
        "AmexistDomain", "RegistryService", "RegistryStoreSQLite", "TransparencyLog", "Witness",
        .product(name: "AsyncHTTPClient", package: "async-http-client"),
        .product(name: "Crypto", package: "swift-crypto"),
        .product(name: "Hummingbird", package: "hummingbird"),
      ],
      path: "Benchmarks/WitnessSpeed",
      swiftSettings: strictSettings
    ),
    .executableTarget(
      name: "amexist-status-benchmark",
      dependencies: [
        "AmexistDomain", "Attestation", "RegistryService", "RegistryStore", "RegistryStoreSQLite",
        "TransparencyLog",
      ],
      path: "Benchmarks/StatusSpeed",
      swiftSettings: strictSettings
    ),
    .executableTarget(
      name: "amexist-store-benchmark",
      dependencies: [
        "AmexistDomain", "Attestation", "RegistryStore", "RegistryStorePostgres",
        "RegistryStoreSQLite", "TransparencyLog",
      ],
      path: "Benchmarks/StoreSpeed",
      swiftSettings: strictSettings
    ),
    .executableTarget(
      name: "amexist-bare-route",
      dependencies: [
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
      ],
      path: "Benchmarks/BareRoute",
      swiftSettings: strictSettings
    ),
    // The parsers under libFuzzer (Fuzz/run.sh); without -DFUZZING the executable replays inputs.
    .target(
      name: "FuzzTargets",
      dependencies: [
        "AmexistDomain", "Attestation", "Documents", "RegistryService", "TransparencyLog",
        .product(name: "Crypto", package: "swift-crypto"),
        .product(name: "CryptoExtras", package: "swift-crypto"),
      ],
      swiftSettings: strictSettings
    ),
    .executableTarget(
      name: "amexist-fuzz", dependencies: ["FuzzTargets"], swiftSettings: strictSettings),
    // Test-only: an SQLite VFS that simulates power loss (catalogue F3).
    .target(name: "SQLitePowerLoss", linkerSettings: [.linkedLibrary("sqlite3")]),
    .target(
      name: "RegistryTesting",
      dependencies: [
        "AmexistDomain", "RegistryStore", "RegistryService", "TransparencyLog", "Attestation",
        .product(name: "Crypto", package: "swift-crypto"),
      ],
      swiftSettings: strictSettings
    ),
    .testTarget(
      name: "FuzzRegressionTests",
      dependencies: ["FuzzTargets", "RegistryTesting"],
      swiftSettings: strictSettings
    ),
    .testTarget(
      name: "AmexistDomainTests",
      dependencies: ["AmexistDomain", "RegistryTesting"],
      swiftSettings: strictSettings
    ),
    .testTarget(
      name: "WitnessTests",
      dependencies: [
        "Witness", "TransparencyLog", "RegistryTesting",
        .product(name: "AsyncHTTPClient", package: "async-http-client"),
        .product(name: "Crypto", package: "swift-crypto"),
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "HummingbirdTesting", package: "hummingbird"),
      ],
      swiftSettings: strictSettings
    ),
    .testTarget(
      name: "TransparencyLogTests",
      dependencies: ["TransparencyLog", "RegistryTesting"],
      swiftSettings: strictSettings
    ),
    .testTarget(
      name: "AttestationTests",
      dependencies: [
        "AmexistDomain", "Attestation", "RegistryTesting", "TransparencyLog",
        .product(name: "Crypto", package: "swift-crypto"),
        .product(name: "CompressNIO", package: "compress-nio"),
        .product(name: "NIOCore", package: "swift-nio"),
      ],
      swiftSettings: strictSettings
    ),
    .testTarget(
      name: "DocumentsTests",
      dependencies: [
        "AmexistDomain", "Attestation", "Documents", "RegistryTesting", "TransparencyLog",
      ],
      swiftSettings: strictSettings
    ),
    .testTarget(
      name: "RegistryStoreSQLiteTests",
      dependencies: [
        "AmexistDomain", "RegistryService", "RegistryStore", "RegistryStoreSQLite",
        "RegistryTesting", "SQLitePowerLoss", "TransparencyLog",
        .product(name: "GRDB", package: "GRDB.swift"),
      ],
      swiftSettings: strictSettings
    ),
    .testTarget(
      name: "RegistryStorePostgresTests",
      dependencies: [
        "AmexistDomain", "RegistryStore", "RegistryStorePostgres", "RegistryStoreSQLite",
        "RegistryTesting", "TransparencyLog",
      ],
      swiftSettings: strictSettings
    ),
    .testTarget(
      name: "RegistryServiceTests",
      dependencies: [
        "AmexistDomain", "Attestation", "RegistryStore", "RegistryStoreSQLite", "RegistryService",
        "RegistryTesting", "TransparencyLog", .product(name: "GRDB", package: "GRDB.swift"),
        .product(name: "Crypto", package: "swift-crypto"),
      ],
      swiftSettings: strictSettings
    ),
    .testTarget(
      name: "RegistryServerTests",
      dependencies: [
        "AmexistCLI", "AmexistDomain", "Attestation", "RegistryServer", "RegistryService",
        "RegistryStore", "RegistryStoreSQLite", "RegistryTesting", "TransparencyLog",
        .product(name: "HummingbirdTesting", package: "hummingbird"),
      ],
      swiftSettings: strictSettings
    ),
    .testTarget(
      name: "AmexistCLITests",
      dependencies: [
        "amexist", "AmexistDomain", "Attestation", "RegistryService", "RegistryStore",
        "RegistryStorePostgres", "RegistryStoreSQLite", "RegistryTesting", "TransparencyLog",
      ],
      swiftSettings: strictSettings
    ),
  ]
)
