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

/// What a resolver says about a symbol: its value (nil: not known yet), or
/// an expression that defines it, to be evaluated in its place. `key` names
/// the definition uniquely (cycles and repeated uses are found by it), `scope`
/// is where the names inside `expression` are looked up.
enum Resolution<Scope> {
    case value(Value?)
    case expand(Expr, key: String, name: String, definedAt: SourceLocation?, scope: Scope)
}

/// Evaluation, iterative: a chain of symbols defined in terms of each other
/// may be as long as memory allows (GNU as has no limit either). Each
/// expanded symbol's value goes into `memo` under its key, so that it is
/// evaluated once however often it is used; a caller may keep `memo` across
/// evaluations as long as no definition changes.
enum Evaluator {
    typealias Resolver<Scope> = (String, SourceLocation, Scope) throws(AssemblerError) -> Resolution<Scope>

    private enum Step<Scope> {
        case eval(Expr, Scope)
        case unary(String, SourceLocation)
        /// The left operand is on the value stack; the right one is
        /// evaluated only when the left one is known (as a short-circuit).
        case right(String, Expr, SourceLocation, Scope)
        case binary(String, SourceLocation)
        case defined(key: String)
    }

    /// The value of `e`, or nil when a symbol it needs is not known (yet).
    static func evaluate<Scope>(_ e: Expr, scope: Scope, memo: inout [String: Value?],
                                _ resolve: Resolver<Scope>) throws(AssemblerError) -> Value? {
        var steps: [Step<Scope>] = [.eval(e, scope)]
        var values: [Value?] = []
        var expanding = Set<String>()
        while let step = steps.popLast() {
            switch step {
            case .eval(let e, let scope):
                switch e {
                case .number(let v): values.append(.absolute(v))
                case .location(let s, let o): values.append(.relative(section: s, offset: o))
                case .symbol(let name, let loc):
                    switch try resolve(name, loc, scope) {
                    case .value(let v): values.append(v)
                    case let .expand(x, key, shown, definedAt, inner):
                        if let v = memo[key] { values.append(v); break }
                        guard !expanding.contains(key) else {
                            throw AssemblerError(definedAt ?? loc, "symbol '\(shown)' is defined in terms of itself")
                        }
                        expanding.insert(key)
                        steps.append(.defined(key: key))
                        steps.append(.eval(x, inner))
                    }
                case .unary(let op, let a, let loc):
                    steps.append(.unary(op, loc))
                    steps.append(.eval(a, scope))
                case .binary(let op, let a, let b, let loc):
                    steps.append(.right(op, b, loc, scope))
                    steps.append(.eval(a, scope))
                }
            case .unary(let op, let loc):
                guard case .absolute(let x)?? = values.last else {
                    if values.last! != nil {
                        throw AssemblerError(loc, "invalid operand for unary '\(op)': the value is an address that is not yet known")
                    }
                    break      // unknown stays unknown
                }
                values[values.count - 1] = .absolute(op == "-" ? 0 &- x : op == "~" ? ~x : (x == 0 ? 1 : 0))
            case let .right(op, b, loc, scope):
                if values.last! == nil { break }      // unknown left operand: the result is unknown
                steps.append(.binary(op, loc))
                steps.append(.eval(b, scope))
            case .binary(let op, let loc):
                let vb = values.removeLast(), va = values.removeLast()
                guard let va, let vb else { values.append(nil); break }
                values.append(try apply(op, va, vb, loc))
            case .defined(let key):
                expanding.remove(key)
                memo[key] = values.last!
            }
        }
        return values.last!
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
