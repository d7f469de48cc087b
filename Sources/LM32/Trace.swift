import SimBus

/// One architectural effect of a retired instruction, recorded at the single
/// chokepoint through which the core makes every architectural write.
public enum Effect: Equatable, Sendable {
    /// General-purpose register write.
    case reg(Int, UInt32)
    /// Memory write (address, size, value as stored — only the written bytes).
    case mem(UInt32, AccessSize, UInt32)
    /// CSR write (number, the value the CSR holds afterwards).
    case csr(Int, UInt32)
    /// The instruction was replaced by an exception entry with this ID.
    case exception(Int)
}

/// What the core reports for every retired instruction.
public struct Retirement: Sendable {
    /// Cycle of retirement. The functional core counts one cycle per
    /// retirement; the cycle-exact model reports true clock cycles.
    public var cycle: UInt64
    public var pc: UInt32
    public var word: UInt32
    public var effects: [Effect]
    public init(cycle: UInt64, pc: UInt32, word: UInt32, effects: [Effect]) {
        self.cycle = cycle; self.pc = pc; self.word = word; self.effects = effects
    }
}

/// Receives retirements. A core with no sink pays one branch per write.
public protocol TraceSink: AnyObject {
    func retire(_ r: Retirement)
}

/// The instruction trace text format, version 1 (see docs/trace-format.md).
public enum TraceFormat {
    public static let version = 1
    public static let header = "#socsim-trace 1\n#cycle\tpc\tinsn\tdisasm\teffects\n"

    /// One line, without the newline.
    public static func line(_ r: Retirement, symbol: ((UInt32) -> String?)? = nil) -> String {
        var s = String(r.cycle)
        s += "\t" + hex8(r.pc) + "\t" + hex8(r.word) + "\t"
        s += Disassembler.text(r.word, pc: r.pc, symbol: symbol)
        s += "\t"
        var first = true
        for e in r.effects {
            if !first { s += " " }
            first = false
            switch e {
            case let .reg(n, v): s += "r\(n)=0x" + hex8(v)
            case let .mem(a, size, v):
                let w = size.rawValue * 8
                s += "mw\(w)[0x" + hex8(a) + "]=0x" + hexN(v, digits: size.rawValue * 2)
            case let .csr(n, v): s += "csr." + CSR.printName(n) + "=0x" + hex8(v)
            case let .exception(eid): s += "exc=\(eid)"
            }
        }
        return s
    }

    @inline(__always) static func hex8(_ v: UInt32) -> String { hexN(v, digits: 8) }
    static func hexN(_ v: UInt32, digits: Int) -> String {
        let s = String(v, radix: 16)
        return s.count >= digits ? s : String(repeating: "0", count: digits - s.count) + s
    }
}

/// A trace sink that renders text lines into a caller-provided writer.
public final class TextTraceSink: TraceSink {
    let write: (String) -> Void
    let symbol: ((UInt32) -> String?)?
    public init(symbol: ((UInt32) -> String?)? = nil, write: @escaping (String) -> Void) {
        self.write = write
        self.symbol = symbol
        write(TraceFormat.header)
    }
    public func retire(_ r: Retirement) { write(TraceFormat.line(r, symbol: symbol) + "\n") }
}
