// Release-build benchmarks of the statistics core, on seeded data:
//   swift run -c release OutcomesBenchmarks
// Prints the best of several runs for each task; figures are recorded in BENCHMARKS.md.
import Foundation
import OutcomesStatistics

func best(_ label: String, runs: Int = 3, _ body: () throws -> Void) rethrows {
    var times: [Double] = []
    for _ in 0..<runs {
        let start = ContinuousClock.now
        try body()
        let elapsed = ContinuousClock.now - start
        times.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }
    let line = label.padding(toLength: 66, withPad: " ", startingAt: 0)
    print("\(line) \(String(format: "%8.3f", times.min()!)) s   (runs: \(times.map { String(format: "%.3f", $0) }.joined(separator: ", ")))")
}

let random = RandomSource(seed: 2026)
let groupSize = 500_000
let a: [Double?] = (0..<groupSize).map { _ in random.normal(mean: 50, sd: 10) }
let b: [Double?] = (0..<groupSize).map { _ in random.normal(mean: 50.2, sd: 11) }

let rows = 1_000_000, predictorCount = 10
var predictors = (0..<predictorCount).map { _ in [Double](repeating: 0, count: rows) }
var y = [Double](repeating: 0, count: rows)
var binary = [Double](repeating: 0, count: rows)
for i in 0..<rows {
    var eta = 0.0, linear = 1.0
    for j in 0..<predictorCount {
        let value = random.normal()
        predictors[j][i] = value
        linear += 0.3 * Double(j + 1) / 10 * value
        eta += 0.1 * (j.isMultiple(of: 2) ? 1 : -1) * value
    }
    y[i] = linear + random.normal()
    binary[i] = random.bernoulli(1 / (1 + exp(-(eta - 0.5)))) ? 1 : 0
}
let names = (1...predictorCount).map { "x\($0)" }

print("Outcomes statistics benchmarks (release build, best of 3)")
try best("Welch t-test, 2 x 500,000 values") { _ = try TwoSample.welch(a, b) }
try best("Mann-Whitney U, 2 x 500,000 values (normal approximation)") { _ = try TwoSample.mannWhitney(a, b) }
try best("OLS, 1,000,000 rows x 10 predictors (classical SEs)") { _ = try Regression.ols(y: y, predictors: predictors, names: names) }
let sites = (0..<rows).map { $0 % 100 }
try best("OLS, 1,000,000 rows x 10 predictors (cluster-robust, 100 sites)") {
    _ = try Regression.ols(y: y, predictors: predictors, names: names, covariance: .cluster(sites))
}
try best("Logistic regression, 1,000,000 rows x 10 predictors") {
    _ = try Regression.logistic(y: binary, predictors: predictors, names: names)
}
// Issue #22: the cluster-trial methods, on the same rows (the logistic fit above includes the exact
// separation check, Konis's linear program on the distinct rows).
try best("Separation check alone, 1,000,000 rows x 10 predictors (all rows distinct)") {
    _ = try Separation.check(y: binary, predictors: predictors, names: names)
}
try best("OLS, 1,000,000 rows x 10 predictors (CR2 + Satterthwaite df, 100 sites)") {
    _ = try Regression.ols(y: y, predictors: predictors, names: names, covariance: .cr2(sites))
}
let twentySites = (0..<rows).map { $0 % 20 }
let arm = twentySites.map { Double($0 % 2) }
try best("Wild cluster bootstrap, 1,000,000 rows x 6 predictors, 20 sites, 9,999 replicates") {
    _ = try WildClusterBootstrap.test(y: y, predictors: [arm] + Array(predictors.prefix(5)),
                                      names: ["arm"] + Array(names.prefix(5)), clusters: twentySites,
                                      coefficient: "arm", weights: .rademacher, replicates: 9999, seed: 1)
}
try best("Mixed model (REML, Kenward-Roger), 1,000,000 rows x 10 predictors, 100 sites") {
    _ = try Regression.randomIntercept(y: y, predictors: predictors, names: names, clusters: sites,
                                       degreesOfFreedom: .kenwardRoger)
}
