import Foundation
import Testing
@testable import OutcomesStatistics

/// Firth's penalised logistic regression against brglm2 (estimates, standard errors) and the profile
/// penalised likelihood computed in R by a general optimiser (intervals, p-values), with separation known by
/// construction or as published and Konis's linear program solved by lpSolve
/// (scripts/reference/firth_reference.R). Tolerances: estimates and standard
/// errors 1e-6 relative; interval limits 1e-4 of the standard error and p-values 1e-5 (R's BFGS optimum
/// is accurate to about that).
@Suite struct FirthAgainstBrglm2 {
    struct Case { var name: String; var y: [Double]; var predictors: [[Double]]; var names: [String]; var r: [String: Any] }

    static func cases() throws -> [Case] {
        let url = Bundle.module.bundleURL.appendingPathComponent("Fixtures/reference-firth.json")
        let reference = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        return (reference["cases"] as! [[String: Any]]).map { c in
            let data = c["data"] as! [String: [Double]], names = c["predictors"] as! [String]
            let outcome = data.keys.first { !names.contains($0) }!
            return Case(name: c["name"] as! String, y: data[outcome]!, predictors: names.map { data[$0]! },
                        names: names, r: c)
        }
    }

    static func values(_ c: Case, _ key: String) -> [Double] { (c.r[key] as! [Any]).map { ($0 as! NSNumber).doubleValue } }

    @Test func estimatesErrorsIntervalsAndPValuesMatch() throws {
        let cases = try Self.cases()
        #expect(cases.count == 4)
        for c in cases {
            let fit = try Regression.firth(y: c.y, predictors: c.predictors, names: c.names)
            let (estimate, se, lower, upper, p) = (Self.values(c, "estimate"), Self.values(c, "se"),
                                                   Self.values(c, "lower"), Self.values(c, "upper"), Self.values(c, "p"))
            for (j, k) in fit.coefficients.enumerated() {
                let at = "\(c.name) \(k.name)"
                #expect(abs(k.estimate - estimate[j]) <= 1e-6 * max(1, abs(estimate[j])), "\(at) estimate \(k.estimate) vs \(estimate[j])")
                #expect(abs(k.se - se[j]) <= 1e-6 * se[j], "\(at) SE \(k.se) vs \(se[j])")
                #expect(abs(k.lower - lower[j]) <= 1e-4 * se[j], "\(at) lower \(k.lower) vs \(lower[j])")
                #expect(abs(k.upper - upper[j]) <= 1e-4 * se[j], "\(at) upper \(k.upper) vs \(upper[j])")
                #expect(abs(k.pValue - p[j]) <= 1e-5, "\(at) p \(k.pValue) vs \(p[j])")
            }
        }
    }

    /// Konis's linear program finds the separation that is there, in the direction it runs, and no other.
    @Test func separationIsDetectedExactly() throws {
        for c in try Self.cases() {
            let result = try Separation.check(y: c.y, predictors: c.predictors, names: c.names)
            #expect(result.separated == (c.r["separated"] as! Bool), "\(c.name)")
            // The directions lpSolve's optimum takes on the same linear program (for quasi-complete separation
            // the known infinite coefficients; under complete separation one of many separating directions).
            #expect(result.infinite == (c.r["lp_infinite"] as! [Int]), "\(c.name): \(result.infinite)")
            if c.name != "complete" { #expect(result.infinite == (c.r["infinite"] as! [Int]), "\(c.name)") }
        }
        // Maximum likelihood refuses the separated subgroup, naming the separating predictor.
        let subgroup = try #require(try Self.cases().first { $0.name == "subgroup_no_control_events" })
        #expect {
            try Regression.logistic(y: subgroup.y, predictors: subgroup.predictors, names: subgroup.names)
        } throws: { "\($0)".contains("separation") && "\($0)".contains("arm") }
    }
}
