import Foundation
import Testing
@testable import OutcomesStatistics

/// Exact k x 2 Fisher p-values from scripts/reference/fisher_groups_reference.py (exhaustive
/// enumeration in exact fractions, cross-checked there against SciPy's Monte Carlo estimate).
struct FisherGroupsCase: Decodable {
    var table: [[Int]]
    var p: Double
    var table_probability: Double

    static let all: [FisherGroupsCase] = {
        let url = Bundle.module.bundleURL.appendingPathComponent("Fixtures/reference-fisher-groups.json")
        return try! JSONDecoder().decode([FisherGroupsCase].self, from: Data(contentsOf: url))
    }()
}

@Suite struct FisherExactForGroups {
    @Test(arguments: 0..<FisherGroupsCase.all.count)
    func exactPValueMatchesEnumerationInFractions(_ index: Int) throws {
        let c = FisherGroupsCase.all[index]
        let test = try Contingency.fisherExact(groups: c.table)
        #expect(test.monteCarloTables == nil)
        expectClose(test.pValue, c.p, "table \(index) p")
        expectClose(test.tableProbability, c.table_probability, "table \(index) probability")
    }

    @Test func twoByTwoAgreesWithTheTwoByTwoTest() throws {
        let table = [[6, 2], [1, 4]]
        #expect(abs(try Contingency.fisherExact(groups: table).pValue - (try Contingency.fisherExact(table).pValue)) < 1e-12)
    }

    /// Forced past the enumeration limit, the Monte Carlo estimate lands within 4 standard errors.
    @Test func monteCarloEstimateIsCloseToTheExactValue() throws {
        for c in FisherGroupsCase.all where c.table.count > 2 {
            let estimate = try Contingency.fisherExact(groups: c.table, monteCarloTables: 50_000, enumerationLimit: 0)
            #expect(estimate.monteCarloTables == 50_000)
            let se = (max(c.p * (1 - c.p), 1e-4) / 50_000).squareRoot()
            #expect(abs(estimate.pValue - c.p) < 4 * se + 1e-4, "\(c.table): \(estimate.pValue) vs \(c.p)")
        }
    }

    @Test func emptyRowsAreIgnoredAndOneOutcomeGivesOne() throws {
        let withEmpty = try Contingency.fisherExact(groups: [[3, 5], [0, 0], [7, 2]])
        let without = try Contingency.fisherExact(groups: [[3, 5], [7, 2]])
        #expect(withEmpty.pValue == without.pValue)
        #expect(try Contingency.fisherExact(groups: [[3, 0], [7, 0]]).pValue == 1)
    }
}

@Suite struct IndependenceTestChoice {
    @Test func chiSquareWhenExpectedCountsAreLarge() throws {
        let test = try Contingency.independence(groups: [[50, 30], [20, 45], [30, 30]])
        #expect(test.method == .chiSquare)
        let chi = try Contingency.chiSquare([[50, 30], [20, 45], [30, 30]])
        #expect(test.pValue == chi.pValue && test.df == 2)
        #expect(test.reason == "all expected counts were 5 or more")
    }

    @Test func fisherWhenAnExpectedCountIsSmall() throws {
        let c = FisherGroupsCase.all[0]
        let test = try Contingency.independence(groups: c.table)
        #expect(test.method == .fisher)
        expectClose(test.pValue, c.p, "p")
        #expect(test.reason.hasPrefix("an expected count was below 5 (smallest "))
        #expect(test.methodName == "Fisher's exact test")
    }

    @Test func nothingToCompare() {
        #expect(throws: StatisticsError.self) { try Contingency.independence(groups: [[4, 0], [6, 0]]) }
        #expect(throws: StatisticsError.self) { try Contingency.independence(groups: [[4, 2], [0, 0]]) }
    }
}
