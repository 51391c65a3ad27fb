import ArgumentParser
import Foundation
import OutcomesAnalyses
import OutcomesInstruments
import OutcomesServer
import OutcomesStore

/// Where the server keeps responses: the SQLite file (default) or a shared PostgreSQL database.
struct ServerStoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The SQLite database of responses (the default store; default: \(Store.defaultPath)).", valueName: "path"))
    var db: String?

    @Option(name: .long, help: ArgumentHelp("""
        A PostgreSQL database to use instead, shared by several servers: postgres://user@host:port/database \
        (or set OUTCOMES_POSTGRES_URL). Give the password in PGPASSWORD or ~/.pgpass (PGPASSFILE), not in the \
        URL, where other users of the machine can see it.
        """, valueName: "url"))
    var postgres: String?

    func validate() throws {
        if db != nil, postgres != nil { throw ValidationError("give --db or --postgres, not both") }
    }

    func backend() async throws -> any SubmissionBackend {
        let environment = ProcessInfo.processInfo.environment["OUTCOMES_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
        if let url = postgres ?? (db == nil ? environment : nil) { return try await PostgresBackend(url: url) }
        return try SQLiteBackend(path: db ?? Store.defaultPath, upgradeNotice: { printError("note: \($0)") })
    }
}

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the site submission server: sites submit responses over HTTP, evaluators run analyses.",
        discussion: """
        Each site holds its own token (outcomes token add --site CODE) and may submit and read its own \
        site's responses only; an evaluator's token (outcomes token add --evaluator) reads every site's \
        and runs the analyses in --analyses. Submissions are CSV (the interchange format) or JSON, \
        validated against the instruments in --instruments, and stored whole or not at all: a rejected \
        submission gets every problem back (row and field) and stores nothing. The same response sent \
        twice is stored once. Every request is logged in the database (api_requests).

        A PostgreSQL store is given by --postgres or OUTCOMES_POSTGRES_URL (postgres://user@host:port/db); \
        its password comes from PGPASSWORD or the password file (~/.pgpass, or PGPASSFILE, lines \
        host:port:database:user:password, readable by its owner only), so that it is not on the command line.

        The API is described in docs/openapi.yaml. Example:
          outcomes token add --site north --name "North clinic"
          outcomes serve --port 8080
          curl -H "Authorization: Bearer $TOKEN" -H "Content-Type: text/csv" \\
               --data-binary @north.csv "http://127.0.0.1:8080/v1/submissions?instrument=budget-holder"
        """)

    @Option(help: ArgumentHelp("Address to listen on (127.0.0.1: this machine only; 0.0.0.0: every interface, behind TLS).",
                               valueName: "host"))
    var host = "127.0.0.1"

    @Option(help: ArgumentHelp("Port to listen on.", valueName: "port"))
    var port = 8080

    @Option(help: ArgumentHelp("Folder of instrument files the server accepts responses to.", valueName: "dir"))
    var instruments = "instruments"

    @Option(help: ArgumentHelp("Folder of analysis files an evaluator may run.", valueName: "dir"))
    var analyses = "analyses"

    @OptionGroup var store: ServerStoreOptions

    @OptionGroup(title: "Limits") var limits: ServerLimitOptions

    func run() async throws {
        do {
            let served = try loadInstruments(instruments)
            let definitions = try loadAnalyses(analyses)
            let backend = try await store.backend()
            try await backend.register(served)
            let server = SubmissionServer(backend: backend, instruments: served, analyses: definitions,
                                          generator: "outcomes \(Outcomes.version)", limits: limits.limits)
            let host = host, port = port, count = served.count, analyses = definitions.count, store = backend.description
            try await server.run(host: host, port: port) {
                print("Serving \(count) instrument\(count == 1 ? "" : "s") and \(analyses) analyses from \(store) on http://\(host):\(port) (Ctrl-C to stop)")
            }
        } catch {
            throw reportAndExit(error)
        }
    }

    func loadInstruments(_ directory: String) throws -> [ServedInstrument] {
        let files = try yamlFiles(in: directory, what: "instruments", option: "--instruments")
        var served: [ServedInstrument] = [], problems: [Diagnostic] = []
        for file in files {
            do {
                let text = try String(decoding: readInputFile(file), as: UTF8.self)
                served.append(ServedInstrument(instrument: try InstrumentParser.parse(text, file: file), definition: text))
            } catch let list as DiagnosticList { problems += list.diagnostics }
        }
        if !problems.isEmpty { throw DiagnosticList(problems) }
        return served
    }

    func loadAnalyses(_ directory: String) throws -> [AnalysisDefinition] {
        guard FileManager.default.fileExists(atPath: directory) else { return [] }
        var definitions: [AnalysisDefinition] = [], problems: [Diagnostic] = []
        for file in try yamlFiles(in: directory, what: "analyses", option: "--analyses") {
            guard SiteNames.isAnalysisFile(file) else { continue }
            do { definitions.append(try AnalysisDefinition.load(file: file)) } catch let list as DiagnosticList { problems += list.diagnostics }
        }
        if !problems.isEmpty { throw DiagnosticList(problems) }
        return definitions
    }
}

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Make, list and revoke the submission server's tokens.",
        discussion: "Only a SHA-256 of each token is stored: a new token is shown once, so hand it to its holder then.",
        subcommands: [Add.self, List.self, Revoke.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a token for a site (it submits and reads that site's responses only) or an evaluator.")
        @Option(help: ArgumentHelp("The site code the token submits for (as in the CSV files' site column).", valueName: "code"))
        var site: String?
        @Flag(help: "An evaluator's token: reads every site's records and runs analyses; submits nothing.")
        var evaluator = false
        @Option(help: ArgumentHelp("Who holds it, for the request log (default: the site, or 'evaluator').", valueName: "text"))
        var name: String?
        @OptionGroup var store: ServerStoreOptions

        func validate() throws {
            guard (site != nil) != evaluator else { throw ValidationError("give either --site CODE or --evaluator") }
        }

        func run() async throws {
            do {
                let backend = try await store.backend()
                let made = try await backend.addToken(name: name ?? site ?? "evaluator", role: evaluator ? .evaluator : .site, site: site)
                print("Token \(made.id) for \(site.map { "site \($0)" } ?? "an evaluator") (shown once; keep it secret):")
                print(made.token)
            } catch {
                throw reportAndExit(error)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens (never the tokens themselves).")
        @OptionGroup var store: ServerStoreOptions
        func run() async throws {
            do {
                for token in try await store.backend().tokens() {
                    let who = token.principal.site.map { "site \($0)" } ?? "evaluator"
                    print("\(token.principal.tokenID)\t\(who)\t\(token.principal.name)\tmade \(token.createdAt)\(token.revokedAt.map { "\trevoked \($0)" } ?? "")")
                }
            } catch {
                throw reportAndExit(error)
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token: its holder can no longer use the server.")
        @Argument(help: ArgumentHelp("The token's number (outcomes token list).", valueName: "id"))
        var id: Int64
        @OptionGroup var store: ServerStoreOptions
        func run() async throws {
            do {
                guard try await store.backend().revokeToken(id: id) else {
                    throw ValidationError("no live token \(id) (outcomes token list shows them)")
                }
                print("Token \(id) revoked.")
            } catch {
                throw reportAndExit(error)
            }
        }
    }
}
