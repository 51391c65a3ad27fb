import OutcomesStatistics
import OutcomesStore

/// The weighted estimates of one group of rows at a time, for kinds that compute group by group: the
/// group becomes the design's only domain, so each estimate is `svymean` on `subset(design, group)`.
struct WeightedGroups {
    let design: SurveyDesign
    let interval: SurveyEstimate.Interval
    let confidence: Double
    /// The design's summary for the result (nil without weights).
    let summary: Weighting.Summary

    /// The analysis's design, or nil when it has no weights.
    init?(_ definition: AnalysisDefinition, frame: ResponseFrame) throws {
        guard let weighting = definition.weighting else { return nil }
        (design, summary) = try weighting.design(frame, file: definition.file)
        interval = weighting.interval
        confidence = definition.confidence
    }

    /// 0 for the group's rows, -1 for the rest.
    func domain(_ rows: [Int]) -> [Int32] {
        var codes = Array(repeating: Int32(-1), count: design.count)
        for row in rows { codes[row] = 0 }
        return codes
    }

    /// Each category's weighted share among the group's rows in `answering` categories.
    func shares(_ rows: [Int], categories: [UInt8], answering: Set<UInt8>) throws -> [SurveyEstimate?] {
        try shares(in: domain(rows), categories: categories, answering: answering)
    }

    /// The same for a group already coded as a domain (`domain(_:)`), for several estimates of one group.
    func shares(in domain: [Int32], categories: [UInt8], answering: Set<UInt8>) throws -> [SurveyEstimate?] {
        try design.shares(categories: categories, answering: answering, domains: domain, domainCount: 1,
                          confidence: confidence, interval: interval)[0]
    }

    /// The weighted summary of the group's values (NaN: none); nil with fewer than two.
    func summary(_ rows: [Int], values: [Double]) throws -> Summary? {
        try design.summaries(values: values, domains: domain(rows), domainCount: 1, confidence: confidence)[0]
    }
}

extension ProportionEstimate {
    /// The share with its figures replaced by a weighted estimate's (counts stay unweighted).
    func weighted(by survey: SurveyEstimate?) -> ProportionEstimate {
        guard let survey, n > 0 else { return self }
        var estimate = self
        (estimate.proportion, estimate.lower, estimate.upper) = (survey.estimate, survey.lower, survey.upper)
        estimate.survey = survey
        return estimate
    }
}
