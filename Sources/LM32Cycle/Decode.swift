import LM32

/// The control bits `lm32_decoder.v` derives from an instruction word, for the
/// CPU options of our profiles (pipelined multiplier and barrel shifter, sign
/// extension, multi-cycle divider, debug). Built once per primary opcode from
/// the instruction table's `Op`; the few bits that depend on other fields
/// (eret/bret, scall/break) are taken from the word by `DecodedInstruction`.
struct OpControl: Sendable, Hashable {
    /// One bit per control signal (see the accessors), plus d_result_sel_1 in bits 40-41.
    private(set) var bits: UInt64 = 0
    var dResultSel0Pc: Bool {
        @inline(__always) get { bits & (1 << 0) != 0 }
        set { if newValue { bits |= 1 << 0 } else { bits &= ~(1 << 0) } }
    }
    var xSelCSR: Bool {
        @inline(__always) get { bits & (1 << 1) != 0 }
        set { if newValue { bits |= 1 << 1 } else { bits &= ~(1 << 1) } }
    }
    var xSelMC: Bool {
        @inline(__always) get { bits & (1 << 2) != 0 }
        set { if newValue { bits |= 1 << 2 } else { bits &= ~(1 << 2) } }
    }
    var xSelSext: Bool {
        @inline(__always) get { bits & (1 << 3) != 0 }
        set { if newValue { bits |= 1 << 3 } else { bits &= ~(1 << 3) } }
    }
    var xSelLogic: Bool {
        @inline(__always) get { bits & (1 << 4) != 0 }
        set { if newValue { bits |= 1 << 4 } else { bits &= ~(1 << 4) } }
    }
    var xSelAdd: Bool {
        @inline(__always) get { bits & (1 << 5) != 0 }
        set { if newValue { bits |= 1 << 5 } else { bits &= ~(1 << 5) } }
    }
    var mSelCompare: Bool {
        @inline(__always) get { bits & (1 << 6) != 0 }
        set { if newValue { bits |= 1 << 6 } else { bits &= ~(1 << 6) } }
    }
    var mSelShift: Bool {
        @inline(__always) get { bits & (1 << 7) != 0 }
        set { if newValue { bits |= 1 << 7 } else { bits &= ~(1 << 7) } }
    }
    var wSelLoad: Bool {
        @inline(__always) get { bits & (1 << 8) != 0 }
        set { if newValue { bits |= 1 << 8 } else { bits &= ~(1 << 8) } }
    }
    var wSelMul: Bool {
        @inline(__always) get { bits & (1 << 9) != 0 }
        set { if newValue { bits |= 1 << 9 } else { bits &= ~(1 << 9) } }
    }
    var xBypass: Bool {
        @inline(__always) get { bits & (1 << 10) != 0 }
        set { if newValue { bits |= 1 << 10 } else { bits &= ~(1 << 10) } }
    }
    var mBypass: Bool {
        @inline(__always) get { bits & (1 << 11) != 0 }
        set { if newValue { bits |= 1 << 11 } else { bits &= ~(1 << 11) } }
    }
    var readEnable0: Bool {
        @inline(__always) get { bits & (1 << 12) != 0 }
        set { if newValue { bits |= 1 << 12 } else { bits &= ~(1 << 12) } }
    }
    var readEnable1: Bool {
        @inline(__always) get { bits & (1 << 13) != 0 }
        set { if newValue { bits |= 1 << 13 } else { bits &= ~(1 << 13) } }
    }
    var writeEnable: Bool {
        @inline(__always) get { bits & (1 << 14) != 0 }
        set { if newValue { bits |= 1 << 14 } else { bits &= ~(1 << 14) } }
    }
    var load: Bool {
        @inline(__always) get { bits & (1 << 15) != 0 }
        set { if newValue { bits |= 1 << 15 } else { bits &= ~(1 << 15) } }
    }
    var store: Bool {
        @inline(__always) get { bits & (1 << 16) != 0 }
        set { if newValue { bits |= 1 << 16 } else { bits &= ~(1 << 16) } }
    }
    var adderOp: Bool {
        @inline(__always) get { bits & (1 << 17) != 0 }
        set { if newValue { bits |= 1 << 17 } else { bits &= ~(1 << 17) } }
    }
    var branch: Bool {
        @inline(__always) get { bits & (1 << 18) != 0 }
        set { if newValue { bits |= 1 << 18 } else { bits &= ~(1 << 18) } }
    }
    var biUnconditional: Bool {
        @inline(__always) get { bits & (1 << 19) != 0 }
        set { if newValue { bits |= 1 << 19 } else { bits &= ~(1 << 19) } }
    }
    var biConditional: Bool {
        @inline(__always) get { bits & (1 << 20) != 0 }
        set { if newValue { bits |= 1 << 20 } else { bits &= ~(1 << 20) } }
    }
    var branchReg: Bool {
        @inline(__always) get { bits & (1 << 21) != 0 }
        set { if newValue { bits |= 1 << 21 } else { bits &= ~(1 << 21) } }
    }
    var raise: Bool {
        @inline(__always) get { bits & (1 << 22) != 0 }
        set { if newValue { bits |= 1 << 22 } else { bits &= ~(1 << 22) } }
    }
    var opB: Bool {
        @inline(__always) get { bits & (1 << 23) != 0 }
        set { if newValue { bits |= 1 << 23 } else { bits &= ~(1 << 23) } }
    }
    var divide: Bool {
        @inline(__always) get { bits & (1 << 24) != 0 }
        set { if newValue { bits |= 1 << 24 } else { bits &= ~(1 << 24) } }
    }
    var modulus: Bool {
        @inline(__always) get { bits & (1 << 25) != 0 }
        set { if newValue { bits |= 1 << 25 } else { bits &= ~(1 << 25) } }
    }
    var wcsr: Bool {
        @inline(__always) get { bits & (1 << 26) != 0 }
        set { if newValue { bits |= 1 << 26 } else { bits &= ~(1 << 26) } }
    }
    var call: Bool {
        @inline(__always) get { bits & (1 << 27) != 0 }
        set { if newValue { bits |= 1 << 27 } else { bits &= ~(1 << 27) } }
    }
    var signExtendImmediate: Bool {
        @inline(__always) get { bits & (1 << 28) != 0 }
        set { if newValue { bits |= 1 << 28 } else { bits &= ~(1 << 28) } }
    }
    var selectHighImmediate: Bool {
        @inline(__always) get { bits & (1 << 29) != 0 }
        set { if newValue { bits |= 1 << 29 } else { bits &= ~(1 << 29) } }
    }
    /// d_result_sel_1: 0 zero, 1 register B, 2 immediate.
    var dResultSel1: UInt8 {
        @inline(__always) get { UInt8((bits >> 40) & 3) }
        set { bits = (bits & ~(3 << 40)) | UInt64(newValue & 3) << 40 }
    }

    /// No control signal set.
    init() {}

    /// branch_predict: an immediate branch (bi or a conditional one).
    @inline(__always) var branchPredict: Bool { bits & (1 << 19 | 1 << 20) != 0 }

    /// The bits the M stage keeps (m_result_sel_compare/shift, w_result_sel_load/mul,
    /// m_bypass_enable, load, store, branch, branch_predict, write_enable).
    static let mStageMask: UInt64 = 1 << 6 | 1 << 7 | 1 << 8 | 1 << 9 | 1 << 11 | 1 << 15 | 1 << 16 | 1 << 18
        | 1 << 19 | 1 << 20 | 1 << 14

    /// The M stage's control bits loaded from these X-stage ones: an
    /// exception in X clears w_result_sel_load/mul and sets write_enable.
    @inline(__always) func mStage(exception: Bool) -> OpControl {
        var m = OpControl()
        m.bits = bits & Self.mStageMask
        if exception { m.wSelLoad = false; m.wSelMul = false; m.writeEnable = true }
        return m
    }

    init(_ op: Op) {
        let arith = op == .add || op == .addi || op == .sub
        let logical: Bool
        switch op {
        case .and, .andi, .andhi, .nor, .nori, .or, .ori, .orhi, .xor, .xori, .xnor, .xnori: logical = true
        default: logical = false
        }
        let cmp: Bool
        switch op {
        case .cmpe, .cmpei, .cmpg, .cmpgi, .cmpge, .cmpgei, .cmpgeu, .cmpgeui, .cmpgu, .cmpgui, .cmpne, .cmpnei: cmp = true
        default: cmp = false
        }
        let biCond: Bool
        switch op {
        case .be, .bg, .bge, .bgeu, .bgu, .bne: biCond = true
        default: biCond = false
        }
        let bra = op == .b || op == .bi || biCond
        let call = op == .call || op == .calli
        let shift: Bool
        switch op {
        case .sl, .sli, .sr, .sri, .sru, .srui: shift = true
        default: shift = false
        }
        let sext = op == .sextb || op == .sexth
        let load: Bool
        switch op {
        case .lb, .lbu, .lh, .lhu, .lw: load = true
        default: load = false
        }
        let store = op == .sb || op == .sh || op == .sw
        let bit31 = op != .undefined && op.rawValue & 0x20 != 0 || op == .undefined

        self.call = call
        dResultSel0Pc = call
        if call { dResultSel1 = 0 } else if !bit31 && !bra { dResultSel1 = 2 } else { dResultSel1 = 1 }
        if op == .rcsr { xSelCSR = true }
        else if op == .divu || op == .modu { xSelMC = true }
        else if sext { xSelSext = true }
        else if logical { xSelLogic = true }
        else { xSelAdd = true }
        mSelCompare = cmp
        mSelShift = shift
        wSelLoad = load
        wSelMul = op == .mul || op == .muli
        xBypass = arith || logical || op == .divu || op == .modu || sext || op == .rcsr
        mBypass = xBypass || shift || cmp
        readEnable0 = !(op == .bi || op == .calli)
        readEnable1 = !(op == .bi || op == .calli || load)
        writeEnable = !(bra || op == .raise || store || op == .wcsr)
        self.load = load
        self.store = store
        adderOp = op == .sub || cmp || bra
        branch = bra || call
        biUnconditional = op == .bi
        biConditional = biCond
        branchReg = op == .call || op == .b
        raise = op == .raise
        opB = op == .b
        divide = op == .divu
        modulus = op == .modu
        wcsr = op == .wcsr
        // ~(op_and | op_cmpgeu | op_cmpgu | op_nor | op_or | op_xnor | op_xor): both forms.
        switch op {
        case .and, .andi, .cmpgeu, .cmpgeui, .cmpgu, .cmpgui, .nor, .nori, .or, .ori, .xnor, .xnori, .xor, .xori:
            signExtendImmediate = false
        default: signExtendImmediate = true
        }
        selectHighImmediate = op == .andhi || op == .orhi
    }

    /// Indexed by the primary opcode (bits 31:26).
    static let table: [OpControl] = (0..<64).map { OpControl(Op.decode(UInt32($0) << 26)) }
    /// The same table at a fixed address (never freed), for the cycle loop.
    nonisolated(unsafe) static let tablePointer: UnsafePointer<OpControl> = {
        let p = UnsafeMutablePointer<OpControl>.allocate(capacity: 64)
        p.initialize(from: table, count: 64)
        return UnsafePointer(p)
    }()
}

/// The decoder outputs for one instruction word (the D stage).
struct DecodedInstruction: Sendable, Hashable {
    var c: OpControl
    var word: UInt32
    var eret: Bool, bret: Bool, scall: Bool, breakOpcode: Bool
    var immediate: UInt32
    /// branch_offset in bytes (the RTL's word offset times 4).
    var branchOffset: UInt32
    /// The register indices, stored as bytes (the records copy decodes
    /// whole every cycle: 32 bytes instead of 56).
    private var writeIndex: UInt8, readIndex0: UInt8, readIndex1: UInt8
    var writeIdx: Int {
        @inline(__always) get { Int(writeIndex) }
        set { writeIndex = UInt8(newValue) }
    }
    var readIdx0: Int {
        @inline(__always) get { Int(readIndex0) }
        set { readIndex0 = UInt8(newValue) }
    }
    var readIdx1: Int {
        @inline(__always) get { Int(readIndex1) }
        set { readIndex1 = UInt8(newValue) }
    }

    init(_ word: UInt32) { self.init(word, table: OpControl.tablePointer) }

    /// Every field zero (the X stage's decode registers after reset; not
    /// the decoding of any word).
    static let zero = DecodedInstruction(c: OpControl(), word: 0, eret: false, bret: false, scall: false, breakOpcode: false,
                                         immediate: 0, branchOffset: 0, writeIdx: 0, readIdx0: 0, readIdx1: 0)

    private init(c: OpControl, word: UInt32, eret: Bool, bret: Bool, scall: Bool, breakOpcode: Bool, immediate: UInt32,
                 branchOffset: UInt32, writeIdx: Int, readIdx0: Int, readIdx1: Int) {
        self.c = c; self.word = word; self.eret = eret; self.bret = bret; self.scall = scall
        self.breakOpcode = breakOpcode; self.immediate = immediate; self.branchOffset = branchOffset
        writeIndex = UInt8(writeIdx); readIndex0 = UInt8(readIdx0); readIndex1 = UInt8(readIdx1)
    }

    @inline(__always)
    init(_ word: UInt32, table: UnsafePointer<OpControl>) {
        let c = table[Int(word >> 26)]
        self.c = c
        self.word = word
        let a = Int((word >> 21) & 31)
        eret = c.opB && a == 30
        bret = c.opB && a == 31
        scall = c.raise && word & 4 != 0
        breakOpcode = c.raise && word & 4 == 0
        if c.selectHighImmediate {
            immediate = word << 16
        } else if c.signExtendImmediate {
            immediate = UInt32(bitPattern: Int32(Int16(truncatingIfNeeded: word)))
        } else {
            immediate = word & 0xFFFF
        }
        if word & 0x8000_0000 != 0 {
            branchOffset = UInt32(bitPattern: (Int32(bitPattern: word << 6) >> 6) << 2)
        } else {
            branchOffset = UInt32(bitPattern: Int32(Int16(truncatingIfNeeded: word)) << 2)
        }
        if c.call {
            writeIndex = 29
        } else {
            writeIndex = UInt8(truncatingIfNeeded: word & 0x8000_0000 == 0 ? (word >> 16) & 31 : (word >> 11) & 31)
        }
        readIndex0 = UInt8(a)
        readIndex1 = UInt8(truncatingIfNeeded: (word >> 16) & 31)
    }

    @inline(__always) var size: UInt8 { UInt8((word >> 26) & 3) }
    @inline(__always) var signExtend: Bool { word & (1 << 28) != 0 }
    @inline(__always) var logicOp: UInt8 { UInt8((word >> 26) & 15) }
    @inline(__always) var direction: Bool { word & (1 << 29) != 0 }
    @inline(__always) var condition: UInt8 { UInt8((word >> 26) & 7) }
    @inline(__always) var csr: Int { readIdx0 }
    /// branch_predict_taken: bi, or a conditional branch backwards.
    @inline(__always) var branchPredictTaken: Bool { c.biUnconditional || (c.biConditional && word & 0x8000 != 0) }
}
