import CGSL

/// An error reported by GSL, or a statistic that cannot be computed from its input.
public enum StatisticsError: Error, Equatable, CustomStringConvertible {
    /// GSL returned a non-zero status code.
    case gsl(function: String, status: Int32, reason: String)
    /// The input cannot give the statistic (for example n < 2 for a standard deviation).
    case insufficientData(String)
    /// An argument outside its domain (for example a confidence level outside (0, 1)).
    case invalidArgument(String)
    /// A logistic model's outcome is separated (completely or quasi-completely) along these coefficients:
    /// maximum likelihood has no finite estimate (Firth's penalised likelihood has one).
    case separated([String])

    public var description: String {
        switch self {
        case let .gsl(function, status, reason): return "\(function) failed (GSL status \(status)): \(reason)"
        case let .insufficientData(message): return "insufficient data: \(message)"
        case .separated: return "insufficient data: \(reason)"
        case let .invalidArgument(message): return "invalid argument: \(message)"
        }
    }

    /// The reason alone, for a table's "not computed (...)" note.
    public var reason: String {
        switch self {
        case .gsl: return description
        case let .insufficientData(message), let .invalidArgument(message): return message
        case let .separated(names):
            return "perfect or quasi-complete separation: the outcome is separated along "
                + "\(names.isEmpty ? "the intercept" : names.joined(separator: ", ")), so maximum likelihood has no "
                + "finite odds ratio; remove or combine the predictor that separates the outcome"
        }
    }
}

/// The one place that configures GSL for use from Swift.
///
/// GSL's default error handler prints and calls `abort()`; a toolkit must never crash on bad data,
/// so the handler is switched off once, before any GSL call, and status codes become Swift errors.
enum GSL {
    /// Touch before every GSL call; Swift runs the initialiser exactly once, thread-safely.
    static let ready: Void = {
        _ = gsl_set_error_handler_off()
    }()

    /// Turns a GSL status code into a thrown `StatisticsError`.
    static func check(_ status: Int32, _ function: String) throws {
        guard status == Int32(GSL_SUCCESS) else {
            let reason = String(cString: gsl_strerror(status))
            throw StatisticsError.gsl(function: function, status: status, reason: reason)
        }
    }
}
