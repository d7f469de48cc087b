/// Source locations and the single error type of the assembler and linker.

/// A position in a source file: 1-based line and column.
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file; self.line = line; self.column = column
    }

    public var description: String { "\(file):\(line):\(column)" }
}

/// An assembler or linker error: `file.S:12:5: error: unknown instruction 'ad'`.
/// `notes` add context (macro expansion, previous definition, include chain).
public struct AssemblerError: Error, Equatable, Sendable, CustomStringConvertible {
    public var location: SourceLocation
    public var message: String
    public var notes: [Note]

    public struct Note: Equatable, Sendable {
        public var location: SourceLocation
        public var message: String
        public init(location: SourceLocation, message: String) { self.location = location; self.message = message }
    }

    public init(_ location: SourceLocation, _ message: String, notes: [Note] = []) {
        self.location = location; self.message = message; self.notes = notes
    }

    public var description: String {
        var s = "\(location): error: \(message)"
        for n in notes { s += "\n\(n.location): note: \(n.message)" }
        return s
    }
}

/// The assembler's name for the error type the brief calls `Diagnostic`.
public typealias Diagnostic = AssemblerError
