import SimBus

/// The bus as the core sees it: Wishbone-like word accesses with byte lanes.
public protocol LM32Bus: AnyObject {
    /// Instruction fetch of the aligned word at `address`.
    func fetch(_ address: UInt32) -> BusResult
    /// Data read: the whole 32-bit bus word for an access with byte lanes `sel`.
    func read(_ address: UInt32, sel: UInt8) -> BusResult
    /// Data write of `data` (already replicated across lanes) under `sel`;
    /// false when the slave answers with ERR.
    func write(_ address: UInt32, data: UInt32, sel: UInt8) -> Bool
}

/// Exception IDs (reference §3.1).
public enum ExceptionID: Int, Sendable {
    case reset = 0, breakpoint = 1, instructionBusError = 2, watchpoint = 3, dataBusError = 4
    case divideByZero = 5, interrupt = 6, systemCall = 7

    var isDebug: Bool { self == .breakpoint || self == .watchpoint }
}

/// The functional LM32 core: executes one instruction per step with the RTL's
/// architectural semantics (r0 is an ordinary register, undefined opcodes add,
/// no alignment exceptions, exceptions with the RTL's ea/ba/IE behaviour).
/// Every architectural write goes through `writeGPR`/`writeCSR`/`store`,
/// which also feed the trace.
public final class LM32Core {
    public let config: CoreConfig
    public let bus: any LM32Bus

    /// Architectural state. It lives behind a pointer so that the hot loop
    /// pays no dynamic exclusivity checks (class properties would).
    struct State {
        var pc: UInt32 = 0
        var ie: UInt32 = 0
        var im: UInt32 = 0
        var ip: UInt32 = 0
        var eba: UInt32 = 0
        var deba: UInt32 = 0
        var dc: UInt32 = 0
        var interruptLines: UInt32 = 0
        var retired: UInt64 = 0
        var tracing = false
        /// Any breakpoint enabled or any watchpoint armed in DC.
        var debugArmed = false
        // Sticky data bus error (reference §3.6) and the PC of the last load/store.
        var dataBusErrorPending = false
        var lastMemoryPC: UInt32 = 0
    }
    private let s: UnsafeMutablePointer<State>
    /// r0…r31, then BP0…BP3, then WP0…WP3.
    private let r: UnsafeMutablePointer<UInt32>
    private static let bpBase = 32, wpBase = 36

    public var pc: UInt32 { s.pointee.pc }
    public var gpr: [UInt32] { (0..<32).map { r[$0] } }
    public func register(_ n: Int) -> UInt32 { r[n & 31] }
    public var ie: UInt32 { s.pointee.ie }
    public var im: UInt32 { s.pointee.im }
    public var ip: UInt32 { s.pointee.ip }
    public var eba: UInt32 { s.pointee.eba }
    public var deba: UInt32 { s.pointee.deba }
    public var dc: UInt32 { s.pointee.dc }
    /// Interrupt input lines; sampled into IP before every instruction.
    public var interruptLines: UInt32 {
        get { s.pointee.interruptLines }
        set { s.pointee.interruptLines = newValue }
    }
    /// Retired instructions (exception entries count as retirements, as in the RTL).
    public var retired: UInt64 { s.pointee.retired }

    public var trace: TraceSink? {
        didSet { s.pointee.tracing = trace != nil }
    }
    private var effects: [Effect] = []

    public init(config: CoreConfig, bus: any LM32Bus) {
        self.config = config
        self.bus = bus
        s = .allocate(capacity: 1)
        s.initialize(to: State())
        r = .allocate(capacity: 40)
        r.initialize(repeating: 0, count: 40)
        effects.reserveCapacity(4)
        reset()
    }

    deinit {
        s.deallocate()
        r.deallocate()
    }

    /// Reset as the RTL does; registers keep their values (the RTL's register
    /// file is not reset), except that r0 starts at 0 as after power-up.
    public func reset() {
        let lines = s.pointee.interruptLines, tracing = s.pointee.tracing
        s.pointee = State()
        s.pointee.pc = config.ebaReset
        s.pointee.eba = config.ebaReset & 0xFFFF_FE00
        s.pointee.deba = config.debaReset & 0xFFFF_FE00
        s.pointee.interruptLines = lines
        s.pointee.tracing = tracing
        for i in 32..<40 { r[i] = 0 }
    }

    /// Set a register without tracing (loader and tests only).
    public func setRegister(_ n: Int, _ v: UInt32) { r[n & 31] = v }
    public func setPC(_ v: UInt32) { s.pointee.pc = v }

    // MARK: chokepoints

    @inline(__always) private func writeGPR(_ n: Int, _ v: UInt32) {
        r[n] = v
        if s.pointee.tracing { effects.append(.reg(n, v)) }
    }

    private func writeCSR(_ n: Int, _ v: UInt32) {
        let csr = config.debug ? n & 31 : n & 7
        switch csr {
        case CSR.ie.rawValue: s.pointee.ie = v & (config.debug ? 7 : 3)
        case CSR.im.rawValue: s.pointee.im = v
        case CSR.ip.rawValue: s.pointee.ip &= ~v
        case CSR.icc.rawValue, CSR.dcc.rawValue: break   // cache invalidation: no architectural effect
        case CSR.eba.rawValue: s.pointee.eba = v & 0xFFFF_FE00
        case CSR.dc.rawValue where config.debug: s.pointee.dc = v
        case CSR.deba.rawValue where config.debug: s.pointee.deba = v & 0xFFFF_FE00
        case 16...19 where config.debug && csr - 16 < config.breakpoints: r[Self.bpBase + csr - 16] = v
        case 24...27 where config.debug && csr - 24 < config.watchpoints: r[Self.wpBase + csr - 24] = v
        default: break
        }
        var armed = s.pointee.dc & 0xFC != 0
        for i in 0..<4 where r[Self.bpBase + i] & 1 != 0 { armed = true }
        s.pointee.debugArmed = config.debug && armed
        if s.pointee.tracing { effects.append(.csr(csr, readCSR(csr))) }
    }

    /// CSR read. Write-only and absent CSRs read 0 (the RTL returns an
    /// undefined value).
    public func readCSR(_ n: Int) -> UInt32 {
        switch config.debug ? n & 31 : n & 7 {
        case CSR.ie.rawValue: return ie
        case CSR.im.rawValue: return im
        case CSR.ip.rawValue: return ip
        case CSR.cc.rawValue: return config.cycleCounter ? UInt32(truncatingIfNeeded: s.pointee.retired) : 0
        case CSR.cfg.rawValue: return config.cfg
        case CSR.eba.rawValue: return eba
        case CSR.deba.rawValue where config.debug: return deba
        case CSR.dc.rawValue where config.debug: return dc
        default: return 0
        }
    }

    // MARK: execution

    /// Execute one instruction or take one exception. Returns the retirement
    /// when tracing, for callers that want it.
    public func step() {
        let pc = s.pointee.pc
        s.pointee.ip |= s.pointee.interruptLines
        if s.pointee.tracing { effects.removeAll(keepingCapacity: true) }

        // Older instruction's data bus error surfaces first (reference §3.4).
        if s.pointee.dataBusErrorPending {
            s.pointee.dataBusErrorPending = false
            enter(.dataBusError, at: pc, word: 0, savedPC: s.pointee.lastMemoryPC)
            return
        }
        // Breakpoint registers match the instruction reaching X.
        if s.pointee.debugArmed {
            for i in 0..<config.breakpoints {
                let bp = r[Self.bpBase + i]
                if bp & 1 != 0 && (bp & ~3) == pc {
                    enter(.breakpoint, at: pc, word: 0, savedPC: pc)
                    return
                }
            }
        }
        let word: UInt32
        switch bus.fetch(pc) {
        case .ok(let w): word = w
        case .error:
            enter(.instructionBusError, at: pc, word: 0, savedPC: pc)
            return
        }

        let f = Fields(word)
        let op = Op.decode(word)
        let ra = r[f.a], rb = r[f.b]
        var next = pc &+ 4

        // Exceptions of this instruction, in RTL priority order.
        if s.pointee.debugArmed,
           op == .lb || op == .lbu || op == .lh || op == .lhu || op == .lw || op == .sb || op == .sh || op == .sw,
           watchpointHit(address: ra &+ f.simm16, isStore: op == .sb || op == .sh || op == .sw) {
            enter(.watchpoint, at: pc, word: word, savedPC: pc)
            return
        }
        if (op == .divu || op == .modu) && rb == 0 {
            enter(.divideByZero, at: pc, word: word, savedPC: pc)
            return
        }
        if s.pointee.ie & 1 != 0 && s.pointee.ip & s.pointee.im != 0 {
            enter(.interrupt, at: pc, word: word, savedPC: pc)
            return
        }

        switch op {
        case .add, .undefined, .user: writeGPR(f.c, ra &+ rb)
        case .addi: writeGPR(f.b, ra &+ f.simm16)
        case .sub: writeGPR(f.c, ra &- rb)
        case .and: writeGPR(f.c, ra & rb)
        case .andi: writeGPR(f.b, ra & f.imm16)
        case .andhi: writeGPR(f.b, ra & (f.imm16 << 16))
        case .or: writeGPR(f.c, ra | rb)
        case .ori: writeGPR(f.b, ra | f.imm16)
        case .orhi: writeGPR(f.b, ra | (f.imm16 << 16))
        case .xor: writeGPR(f.c, ra ^ rb)
        case .xori: writeGPR(f.b, ra ^ f.imm16)
        case .nor: writeGPR(f.c, ~(ra | rb))
        case .nori: writeGPR(f.b, ~(ra | f.imm16))
        case .xnor: writeGPR(f.c, ~(ra ^ rb))
        case .xnori: writeGPR(f.b, ~(ra ^ f.imm16))
        case .sl: writeGPR(f.c, ra << (rb & 31))
        case .sli: writeGPR(f.b, ra << (f.imm16 & 31))
        case .sr: writeGPR(f.c, UInt32(bitPattern: Int32(bitPattern: ra) >> Int32(rb & 31)))
        case .sri: writeGPR(f.b, UInt32(bitPattern: Int32(bitPattern: ra) >> Int32(f.imm16 & 31)))
        case .sru: writeGPR(f.c, ra >> (rb & 31))
        case .srui: writeGPR(f.b, ra >> (f.imm16 & 31))
        case .mul: writeGPR(f.c, ra &* rb)
        case .muli: writeGPR(f.b, ra &* f.simm16)
        case .divu: writeGPR(f.c, ra / rb)
        case .modu: writeGPR(f.c, ra % rb)
        case .sextb: writeGPR(f.c, UInt32(bitPattern: Int32(Int8(truncatingIfNeeded: ra))))
        case .sexth: writeGPR(f.c, UInt32(bitPattern: Int32(Int16(truncatingIfNeeded: ra))))
        case .cmpe: writeGPR(f.c, ra == rb ? 1 : 0)
        case .cmpei: writeGPR(f.b, ra == f.simm16 ? 1 : 0)
        case .cmpne: writeGPR(f.c, ra != rb ? 1 : 0)
        case .cmpnei: writeGPR(f.b, ra != f.simm16 ? 1 : 0)
        case .cmpg: writeGPR(f.c, Int32(bitPattern: ra) > Int32(bitPattern: rb) ? 1 : 0)
        case .cmpgi: writeGPR(f.b, Int32(bitPattern: ra) > Int32(bitPattern: f.simm16) ? 1 : 0)
        case .cmpge: writeGPR(f.c, Int32(bitPattern: ra) >= Int32(bitPattern: rb) ? 1 : 0)
        case .cmpgei: writeGPR(f.b, Int32(bitPattern: ra) >= Int32(bitPattern: f.simm16) ? 1 : 0)
        case .cmpgu: writeGPR(f.c, ra > rb ? 1 : 0)
        case .cmpgui: writeGPR(f.b, ra > f.imm16 ? 1 : 0)
        case .cmpgeu: writeGPR(f.c, ra >= rb ? 1 : 0)
        case .cmpgeui: writeGPR(f.b, ra >= f.imm16 ? 1 : 0)
        case .lb: load(f.b, ra &+ f.simm16, .byte, signed: true, pc: pc)
        case .lbu: load(f.b, ra &+ f.simm16, .byte, signed: false, pc: pc)
        case .lh: load(f.b, ra &+ f.simm16, .half, signed: true, pc: pc)
        case .lhu: load(f.b, ra &+ f.simm16, .half, signed: false, pc: pc)
        case .lw: load(f.b, ra &+ f.simm16, .word, signed: false, pc: pc)
        case .sb: store(ra &+ f.simm16, .byte, rb, pc: pc)
        case .sh: store(ra &+ f.simm16, .half, rb, pc: pc)
        case .sw: store(ra &+ f.simm16, .word, rb, pc: pc)
        case .be: if ra == rb { next = pc &+ (f.simm16 << 2) }
        case .bne: if ra != rb { next = pc &+ (f.simm16 << 2) }
        case .bg: if Int32(bitPattern: ra) > Int32(bitPattern: rb) { next = pc &+ (f.simm16 << 2) }
        case .bge: if Int32(bitPattern: ra) >= Int32(bitPattern: rb) { next = pc &+ (f.simm16 << 2) }
        case .bgu: if ra > rb { next = pc &+ (f.simm16 << 2) }
        case .bgeu: if ra >= rb { next = pc &+ (f.simm16 << 2) }
        case .bi: next = pc &+ (f.simm26 << 2)
        case .calli: writeGPR(29, pc &+ 4); next = pc &+ (f.simm26 << 2)
        case .call: writeGPR(29, pc &+ 4); next = ra
        case .b:
            next = ra
            // `b ea` is eret, `b ba` is bret: only field A is examined.
            let ie = s.pointee.ie
            if f.a == 30 { setIE(ie & ~1 | (ie >> 1) & 1) }
            else if f.a == 31 && config.debug { setIE(ie & ~1 | (ie >> 2) & 1) }
        case .rcsr: writeGPR(f.c, readCSR(f.a))
        case .wcsr: writeCSR(f.a, rb)
        case .raise:
            // The RTL looks only at bit 2: 1 = scall, 0 = break.
            if word & 4 != 0 { enter(.systemCall, at: pc, word: word, savedPC: pc); return }
            if config.debug { enter(.breakpoint, at: pc, word: word, savedPC: pc); return }
        }
        s.pointee.pc = next & ~3
        retire(pc: pc, word: word)
    }

    @inline(__always) private func retire(pc: UInt32, word: UInt32) {
        s.pointee.retired &+= 1
        if s.pointee.tracing, let t = trace {
            t.retire(Retirement(cycle: s.pointee.retired, pc: pc, word: word, effects: effects))
        }
    }

    private func setIE(_ v: UInt32) {
        s.pointee.ie = v
        if s.pointee.tracing { effects.append(.csr(CSR.ie.rawValue, v)) }
    }

    private func watchpointHit(address: UInt32, isStore: Bool) -> Bool {
        guard config.debug else { return false }
        for i in 0..<config.watchpoints {
            let ctl = (s.pointee.dc >> UInt32(2 * i + 2)) & 3
            let enabled = isStore ? ctl & 2 != 0 : ctl & 1 != 0
            if enabled && r[Self.wpBase + i] == address { return true }
        }
        return false
    }

    private func load(_ rd: Int, _ address: UInt32, _ size: AccessSize, signed: Bool, pc: UInt32) {
        s.pointee.lastMemoryPC = pc
        let sel = size.select(at: address)
        var value: UInt32 = 0
        switch bus.read(address, sel: sel) {
        case .ok(let w): value = (w >> size.laneShift(at: address)) & size.mask
        case .error: s.pointee.dataBusErrorPending = true   // the load still completes (garbage: 0 here)
        }
        if signed {
            value = size == .byte ? UInt32(bitPattern: Int32(Int8(truncatingIfNeeded: value)))
                                  : UInt32(bitPattern: Int32(Int16(truncatingIfNeeded: value)))
        }
        writeGPR(rd, value)
    }

    private func store(_ address: UInt32, _ size: AccessSize, _ value: UInt32, pc: UInt32) {
        s.pointee.lastMemoryPC = pc
        let ok = bus.write(address, data: size.replicate(value), sel: size.select(at: address))
        if !ok { s.pointee.dataBusErrorPending = true }
        if s.pointee.tracing {
            let aligned = size == .word ? address & ~3 : size == .half ? address & ~1 : address
            effects.append(.mem(aligned, size, value & size.mask))
        }
    }

    /// Exception entry (reference §3.2): the instruction becomes a write of
    /// `savedPC` to ea (ba for debug exceptions); IE is saved into EIE (BIE).
    private func enter(_ eid: ExceptionID, at pc: UInt32, word: UInt32, savedPC: UInt32) {
        let debugException = eid.isDebug
        let ie = s.pointee.ie
        if debugException {
            writeGPR(31, savedPC)
            setIE((ie & ~0b101) | (ie & 1) << 2)
        } else {
            writeGPR(30, savedPC)
            setIE((ie & ~0b011) | (ie & 1) << 1)
        }
        if s.pointee.tracing { effects.append(.exception(eid.rawValue)) }
        let base = (debugException || s.pointee.dc & 2 != 0) ? s.pointee.deba : s.pointee.eba
        s.pointee.pc = base | UInt32(eid.rawValue) << 5
        retire(pc: pc, word: word)
    }
}
