/// Expressions as GNU as parses them, with its operator precedence (gas/expr.c
/// `op_rank`): unary `- ~ ! +`; then `* / % << >>`; then `| & ^ !`; then `+ -`;
/// then `== != <> < > <= >=`; then `&&`; lowest `||`. Comparisons yield -1
/// (true) or 0.

public indirect enum Expr: Sendable, Equatable {
    case number(Int64)
    case symbol(String, SourceLocation)
    /// `.` : an offset in a section of the object being assembled.
    case location(section: Int, offset: Int64)
    case unary(String, Expr, SourceLocation)
    case binary(String, Expr, Expr, SourceLocation)

    /// Whether the expression mentions any symbol.
    public var isConstant: Bool {
        switch self {
        case .number: return true
        case .symbol, .location: return false
        case .unary(_, let e, _): return e.isConstant
        case .binary(_, let a, let b, _): return a.isConstant && b.isConstant
        }
    }
}

/// A value during assembly: absolute, or an offset in a section of this object.
enum Value: Equatable, Sendable {
    case absolute(Int64)
    case relative(section: Int, offset: Int64)
}

/// Parser context: how to name `.` and numeric local labels.
protocol ExpressionContext {
    func currentLocation() -> Expr
    mutating func localLabelReference(_ label: Int, forward: Bool, at: SourceLocation) throws(AssemblerError) -> String
}

struct ExpressionParser<C: ExpressionContext> {
    var context: C
    /// Nodes created and current nesting: both bounded, so that evaluation
    /// (recursive over the tree) cannot exhaust the stack.
    var nodes = 0
    var depth = 0
    static var maxNodes: Int { 256 }
    static var maxDepth: Int { 100 }

    init(context: C) { self.context = context }

    mutating func count(_ ts: TokenStream) throws(AssemblerError) {
        nodes += 1
        if nodes > Self.maxNodes { throw ts.error("expression too complex (more than \(Self.maxNodes) terms)") }
    }

    /// Binary operator ranks as in gas/expr.c (`op_rank`): higher binds tighter.
    static func level(_ op: String) -> Int? {
        switch op {
        case "*", "/", "%", "<<", ">>": return 6
        case "|", "&", "^", "!": return 5      // binary `!` is or-not: a | ~b
        case "+", "-": return 4
        case "==", "!=", "<>", "<", ">", "<=", ">=": return 3
        case "&&": return 2
        case "||": return 1
        default: return nil
        }
    }

    mutating func parse(_ ts: inout TokenStream) throws(AssemblerError) -> Expr {
        try parseBinary(&ts, minLevel: 1)
    }

    mutating func parseBinary(_ ts: inout TokenStream, minLevel: Int) throws(AssemblerError) -> Expr {
        var lhs = try parseUnary(&ts)
        while let t = ts.peek, case .punct(let op) = t.kind, let lv = Self.level(op), lv >= minLevel {
            ts.pos += 1
            let rhs = try parseBinary(&ts, minLevel: lv + 1)
            var l = ts.location; l.column = t.column
            lhs = .binary(op, lhs, rhs, l)
        }
        return lhs
    }

    mutating func parseUnary(_ ts: inout TokenStream) throws(AssemblerError) -> Expr {
        guard let t = ts.peek else { throw ts.error("expected an expression at end of line") }
        try count(ts)
        depth += 1
        defer { depth -= 1 }
        if depth > Self.maxDepth { throw ts.error("expression nested too deeply (more than \(Self.maxDepth) levels)") }
        var loc = ts.location; loc.column = t.column
        switch t.kind {
        case .punct("-"), .punct("~"), .punct("!"), .punct("+"):
            ts.pos += 1
            let e = try parseUnary(&ts)
            if case .punct(let op) = t.kind {
                if op == "+" { return e }
                if case .number(let v) = e {
                    switch op {
                    case "-": return .number(0 &- v)
                    case "~": return .number(~v)
                    default: return .number(v == 0 ? 1 : 0)
                    }
                }
                return .unary(op, e, loc)
            }
            return e
        case .punct("("):
            ts.pos += 1
            let e = try parse(&ts)
            try ts.expect(")", "to close '('")
            return e
        case .number(let v):
            ts.pos += 1
            return .number(v)
        case .localRef(let n, let fwd):
            ts.pos += 1
            return .symbol(try context.localLabelReference(n, forward: fwd, at: loc), loc)
        case .identifier(let s):
            ts.pos += 1
            if s == "." { return context.currentLocation() }
            return .symbol(s, loc)
        case .string:
            throw ts.error("a string is not allowed in an expression")
        case .punct(let p):
            throw ts.error("expected an expression but found '\(p)'")
        }
    }
}

/// Evaluation. The resolver returns a symbol's value, or nil when it is not
/// (yet) known; the whole expression is then unknown.
enum Evaluator {
    typealias Resolver = (String, SourceLocation) throws(AssemblerError) -> Value?

    static func evaluate(_ e: Expr, _ resolve: Resolver) throws(AssemblerError) -> Value? {
        switch e {
        case .number(let v): return .absolute(v)
        case .location(let s, let o): return .relative(section: s, offset: o)
        case .symbol(let name, let loc): return try resolve(name, loc)
        case .unary(let op, let a, let loc):
            guard let va = try evaluate(a, resolve) else { return nil }
            guard case .absolute(let x) = va else {
                throw AssemblerError(loc, "invalid operand for unary '\(op)': the value is an address that is not yet known")
            }
            switch op {
            case "-": return .absolute(0 &- x)
            case "~": return .absolute(~x)
            default: return .absolute(x == 0 ? 1 : 0)
            }
        case .binary(let op, let a, let b, let loc):
            guard let va = try evaluate(a, resolve), let vb = try evaluate(b, resolve) else { return nil }
            return try apply(op, va, vb, loc)
        }
    }

    static func apply(_ op: String, _ a: Value, _ b: Value, _ loc: SourceLocation) throws(AssemblerError) -> Value {
        switch (op, a, b) {
        case ("+", .relative(let s, let x), .absolute(let y)), ("+", .absolute(let y), .relative(let s, let x)):
            return .relative(section: s, offset: x &+ y)
        case ("-", .relative(let s, let x), .absolute(let y)):
            return .relative(section: s, offset: x &- y)
        case ("-", .relative(let s, let x), .relative(let t, let y)) where s == t:
            return .absolute(x &- y)
        case (_, .absolute(let x), .absolute(let y)):
            return .absolute(try arithmetic(op, x, y, loc))
        default:
            throw AssemblerError(loc, "invalid operands for '\(op)': addresses in different sections (or an address in an arithmetic operation)")
        }
    }

    static func arithmetic(_ op: String, _ x: Int64, _ y: Int64, _ loc: SourceLocation) throws(AssemblerError) -> Int64 {
        switch op {
        case "+": return x &+ y
        case "-": return x &- y
        case "*": return x &* y
        case "/":
            guard y != 0 else { throw AssemblerError(loc, "division by zero") }
            return y == -1 ? 0 &- x : x / y
        case "%":
            guard y != 0 else { throw AssemblerError(loc, "division by zero") }
            return y == -1 ? 0 : x % y
        case "<<": return (y < 0 || y >= 64) ? 0 : x << y
        case ">>": return (y < 0 || y >= 64) ? 0 : Int64(bitPattern: UInt64(bitPattern: x) >> UInt64(y))
        case "&": return x & y
        case "|": return x | y
        case "^": return x ^ y
        case "!": return x | ~y
        case "==": return x == y ? -1 : 0
        case "!=", "<>": return x != y ? -1 : 0
        case "<": return x < y ? -1 : 0
        case ">": return x > y ? -1 : 0
        case "<=": return x <= y ? -1 : 0
        case ">=": return x >= y ? -1 : 0
        case "&&": return (x != 0 && y != 0) ? 1 : 0
        case "||": return (x != 0 || y != 0) ? 1 : 0
        default: throw AssemblerError(loc, "unknown operator '\(op)'")
        }
    }
}
