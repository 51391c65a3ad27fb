// swift-tools-version: 6.1
// Outcomes: person-reported outcomes surveys in health and social care, as data.
// One module per concern; the libraries are usable without the CLI.
import PackageDescription

let package = Package(
    name: "Outcomes",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "OutcomesInstruments", targets: ["OutcomesInstruments"]),
        .library(name: "OutcomesStore", targets: ["OutcomesStore"]),
        .library(name: "OutcomesStatistics", targets: ["OutcomesStatistics"]),
        .library(name: "OutcomesAnalyses", targets: ["OutcomesAnalyses"]),
        .library(name: "OutcomesReports", targets: ["OutcomesReports"]),
        .library(name: "OutcomesCapture", targets: ["OutcomesCapture"]),
        .library(name: "OutcomesInterchange", targets: ["OutcomesInterchange"]),
        .library(name: "OutcomesServer", targets: ["OutcomesServer"]),
        .executable(name: "outcomes", targets: ["OutcomesCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        // SHA-256 checksums of imported files and merged databases, for the audit trail.
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        // Reading XLSForm spreadsheets (.xlsx files are zip archives of XML).
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.19"),
        // The site submission server (`outcomes serve`) and its shared PostgreSQL store.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.0"),
        // The server's own connection handler (request deadlines), below Hummingbird's router.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.34.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        // The server's load test: many sites submitting at once, over loopback.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        // System libraries: the only C the package links.
        .systemLibrary(name: "CGSL", path: "Sources/CGSL", pkgConfig: "gsl",
                       providers: [.apt(["libgsl-dev"]), .brew(["gsl"])]),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"]), .brew(["sqlite"])]),
        // SPSS and Stata files from sites (ReadStat has no pkg-config file: linked by name).
        .systemLibrary(name: "CReadStat", path: "Sources/CReadStat", providers: [.apt(["libreadstat-dev"]), .brew(["readstat"])]),

        // Survey instruments as data: definitions, YAML parsing with line numbers, validation, scoring.
        .target(name: "OutcomesInstruments", dependencies: [.product(name: "Yams", package: "Yams")]),
        // The SQLite store: schema, bulk import of the CSV interchange format, reading responses back.
        .target(name: "OutcomesStore", dependencies: [
            "OutcomesInstruments", "CSQLite", .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // Statistics: the only module that talks to GSL.
        .target(name: "OutcomesStatistics", dependencies: ["CGSL"]),
        // Analyses as data: analysis files and the computations they name.
        .target(name: "OutcomesAnalyses", dependencies: [
            "OutcomesInstruments", "OutcomesStore", "OutcomesStatistics", .product(name: "Yams", package: "Yams"),
        ]),
        // The interactive questionnaire walk of `outcomes capture`, as a testable state machine.
        .target(name: "OutcomesCapture", dependencies: ["OutcomesInstruments"]),
        // The seeded generator of realistic sample responses (samples/ and benchmarks use it).
        .target(name: "OutcomesSamples", dependencies: ["OutcomesInstruments", "OutcomesStatistics"]),
        // Evaluation tables written as CSV, Markdown and JSON.
        .target(name: "OutcomesReports", dependencies: ["OutcomesAnalyses", "OutcomesInstruments"]),
        // Other tools' formats: REDCap data dictionaries and XLSForm forms in and out; responses as
        // REDCap, KoboToolbox/ODK, Excel, SPSS and Stata export them; data dictionaries and loader
        // scripts for R and Stata beside exported data.
        .target(name: "OutcomesInterchange", dependencies: [
            "OutcomesInstruments", "OutcomesStore", "CReadStat", .product(name: "ZIPFoundation", package: "ZIPFoundation"),
        ]),
        // The site submission server: an HTTP API on the SQLite store or a shared PostgreSQL one.
        .target(name: "OutcomesServer", dependencies: [
            "OutcomesInstruments", "OutcomesStore", "OutcomesAnalyses", "OutcomesReports",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // Many sites submitting at once to a running server (`scripts/load-test`); not a unit test.
        .executableTarget(name: "OutcomesLoadTest", dependencies: [
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // The thin command-line front end.
        .executableTarget(name: "OutcomesCLI", dependencies: [
            "OutcomesInstruments", "OutcomesStore", "OutcomesStatistics", "OutcomesAnalyses", "OutcomesReports",
            "OutcomesSamples", "OutcomesCapture", "OutcomesInterchange", "OutcomesServer",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // Release-build benchmarks (`swift run -c release outcomes-bench`), kept out of the tests.
        .executableTarget(name: "OutcomesBenchmarks", dependencies: ["OutcomesStatistics"]),

        .testTarget(name: "OutcomesInstrumentsTests", dependencies: ["OutcomesInstruments"]),
        .testTarget(name: "OutcomesStoreTests", dependencies: ["OutcomesStore", "OutcomesStatistics"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "OutcomesCaptureTests", dependencies: ["OutcomesCapture"]),
        .testTarget(name: "OutcomesInterchangeTests", dependencies: ["OutcomesInterchange", "OutcomesInstruments", "OutcomesStore"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "OutcomesStatisticsTests", dependencies: ["OutcomesStatistics"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "OutcomesAnalysesTests", dependencies: ["OutcomesAnalyses", "OutcomesReports"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "OutcomesCLITests", dependencies: ["OutcomesCLI"]),
        .testTarget(name: "OutcomesServerTests", dependencies: [
            "OutcomesServer", "OutcomesStore", "OutcomesInstruments", "OutcomesAnalyses",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
