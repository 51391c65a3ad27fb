import CGSL

/// The eigen-decomposition of a real symmetric matrix, by GSL's `gsl_eigen_symmv`, and the matrix
/// functions built from it.
struct SymmetricEigen {
    /// Eigenvalues, and the eigenvectors as the columns of a row-major n x n matrix.
    var values: [Double]
    var vectors: [Double]
    var n: Int

    /// Decomposes the row-major n x n symmetric matrix `a` (only its values are read; it is copied).
    init(_ a: [Double], n: Int) throws {
        _ = GSL.ready
        precondition(a.count == n * n, "a symmetric matrix needs n x n values")
        self.n = n
        var matrix = a, values = [Double](repeating: 0, count: n), vectors = [Double](repeating: 0, count: n * n)
        guard n > 0 else { self.values = []; self.vectors = []; return }
        try matrix.withUnsafeMutableBufferPointer { m in
            try values.withUnsafeMutableBufferPointer { v in
                try vectors.withUnsafeMutableBufferPointer { e in
                    var mView = gsl_matrix_view_array(m.baseAddress, n, n)
                    var vView = gsl_vector_view_array(v.baseAddress, n)
                    var eView = gsl_matrix_view_array(e.baseAddress, n, n)
                    guard let work = gsl_eigen_symmv_alloc(n) else {
                        throw StatisticsError.insufficientData("out of memory for a \(n) x \(n) eigen-decomposition")
                    }
                    defer { gsl_eigen_symmv_free(work) }
                    try GSL.check(gsl_eigen_symmv(&mView.matrix, &vView.vector, &eView.matrix, work), "gsl_eigen_symmv")
                }
            }
        }
        self.values = values
        self.vectors = vectors
    }

    /// Q f(Λ) Q', row-major: the matrix function f of the decomposed matrix.
    func applying(_ f: (Double) -> Double) -> [Double] {
        let fl = values.map(f)
        var result = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in i..<n {
                var s = 0.0
                for k in 0..<n { s += vectors[i * n + k] * fl[k] * vectors[j * n + k] }
                result[i * n + j] = s
                result[j * n + i] = s
            }
        }
        return result
    }
}

/// Small dense row-major matrix products for p x p work (p is a model's handful of coefficients).
enum Dense {
    /// a (r x k) times b (k x c).
    static func multiply(_ a: [Double], _ b: [Double], _ r: Int, _ k: Int, _ c: Int) -> [Double] {
        var result = [Double](repeating: 0, count: r * c)
        for i in 0..<r {
            for l in 0..<k {
                let ail = a[i * k + l]
                if ail == 0 { continue }
                for j in 0..<c { result[i * c + j] += ail * b[l * c + j] }
            }
        }
        return result
    }

    /// The transpose of a (r x c).
    static func transpose(_ a: [Double], _ r: Int, _ c: Int) -> [Double] {
        var result = [Double](repeating: 0, count: r * c)
        for i in 0..<r { for j in 0..<c { result[j * r + i] = a[i * c + j] } }
        return result
    }

    /// a (r x c) times the vector x (c).
    static func apply(_ a: [Double], _ x: [Double], _ r: Int, _ c: Int) -> [Double] {
        (0..<r).map { i in (0..<c).reduce(0) { $0 + a[i * c + $1] * x[$1] } }
    }

    static func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
}
