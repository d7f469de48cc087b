// The cycle model's per-cycle observations written as a VCD whose scopes,
// names, widths and timing are those of a Verilator VCD of the RTL top the
// model runs on, traced by the bridge: the test bench (RTL/tb/socsim_tb_top.v)
// or the milkymist SoC (RTL/soc/socsim_soc_top.v), so that the two files of
// one run diff clean and open with the same GTKWave save files (Waves/*.gtkw).
//
// Timing, as the bridge dumps the RTL (RTL/bridge/bridge.cpp, one_cycle):
// with period P and `origin` the start of cycle 0, cycle k spans
// [origin + kP, origin + (k+1)P), the clock rises at origin + kP + P/2 and
// falls at origin + (k+1)P. The values of cycle k (what the edge ending it
// acts on) appear at the rising edge that starts it, origin + kP - P/2, and
// at origin for cycle 0. The origin is 4P = 50 000 ps by default, as in the
// RTL harnesses (Conformance.LockStep, the tests): the bridge creates the bench
// with two reset cycles, the program is loaded, and reset is applied for two
// more (which also re-evaluates the RAM's read ports after the load).
//
// Names: every port of the top (socsim_tb_top, or socsim_soc_top but for the
// UART's serial pins) under TOP and TOP.<top> (as Verilator writes them), the
// CPU's Wishbone and interrupt ports under TOP.<top>.lm32, and the pipeline
// signals the observation outputs are assigned from under lm32.cpu,
// lm32.cpu.instruction_unit and lm32.cpu.interrupt_unit. Aliases share one
// identifier, as in Verilator's files.
//
// The file ends at the falling edge after the values of the cycle the run
// stopped in (`finish(next:)`), where the bridge's file ends after as many
// edges.

import Foundation
import LM32Cycle
import Waves

// `scratch` holds a CycleObservation's bytes, read as little-endian words.
#if _endian(big)
#error("CycleVCD reads the observation's fields as little-endian words")
#endif

public struct CycleVCDOptions: Sendable {
    /// Clock period in ps (even). 12 500 = 80 MHz, the bridge's default.
    public var clockPeriodPs: UInt64 = 12_500
    /// Clock periods before cycle 0: 4 = the bridge's two reset cycles at
    /// creation plus `RTLModel.reset()`'s two after loading the program.
    public var resetCycles: UInt64 = 4
    /// Write cycles in [from, to] only.
    public var fromCycle: UInt64 = 0
    public var toCycle: UInt64 = .max
    /// Keep only signals whose full name starts with one of these (all when empty).
    public var scopes: [String] = []
    public init() {}
}

/// The RTL top a model VCD mirrors.
public enum CycleVCDTop: Sendable, Equatable {
    /// RTL/tb/socsim_tb_top.v with this configuration (wait states, error windows).
    case bench(BenchConfig)
    /// RTL/soc/socsim_soc_top.v, the milkymist SoC, with its SDRAM latency
    /// input; `cycleCounter`: the CPU has one (lm32.cpu.cc exists; not in the
    /// milkymist profile).
    case soc(sdramLatency: Int, cycleCounter: Bool = false)

    /// The top module's name (the scope under TOP).
    public var module: String {
        switch self {
        case .bench: "socsim_tb_top"
        case .soc: "socsim_soc_top"
        }
    }

    var isSoC: Bool { if case .soc = self { true } else { false } }
}

/// The signals a cycle observation supplies, in one place: the name of each
/// source under the top, its width and how to read it.
public enum CycleSource: Int, CaseIterable, Sendable {
    case clk, rst, irq, extBreak, iWait, dWait, iErrEn, iErrLo, iErrHi, dErrEn, dErrLo, dErrHi
    case iAdr, iDatW, iDatR, iSel, iCti, iBte, iCyc, iStb, iWe, iAck, iErr
    case dAdr, dDatW, dDatR, dSel, dCti, dBte, dCyc, dStb, dWe, dAck, dErr
    case pcF, pcD, pcX, pcM, pcW, valid, stall, kill, retire, insnW, rfWe, rfIdx, rfData
    case excW, eidW, ie, eie, bie, ip, im, cc
    case tdevEnd, tdevResult, tdevName, tdevChar, tdevData
    // socsim_soc_top only
    case socRst, sdramLatency, gpioIn, gpioOut, uartTxWr, uartTxData, uartThre

    /// A port of the test bench only (its configuration inputs).
    var benchOnly: Bool { (CycleSource.iWait.rawValue...CycleSource.dErrHi.rawValue).contains(rawValue) }
    /// A port of the SoC top only.
    var socOnly: Bool { rawValue >= CycleSource.socRst.rawValue }

    /// The port name in socsim_tb_top.
    public var name: String {
        switch self {
        case .clk: "clk"; case .rst: "rst"; case .irq: "irq"; case .extBreak: "ext_break"
        case .iWait: "i_wait"; case .dWait: "d_wait"; case .iErrEn: "i_err_en"; case .iErrLo: "i_err_lo"
        case .iErrHi: "i_err_hi"; case .dErrEn: "d_err_en"; case .dErrLo: "d_err_lo"; case .dErrHi: "d_err_hi"
        case .iAdr: "i_adr"; case .iDatW: "i_dat_w"; case .iDatR: "i_dat_r"; case .iSel: "i_sel"; case .iCti: "i_cti"
        case .iBte: "i_bte"; case .iCyc: "i_cyc"; case .iStb: "i_stb"; case .iWe: "i_we"; case .iAck: "i_ack"; case .iErr: "i_err"
        case .dAdr: "d_adr"; case .dDatW: "d_dat_w"; case .dDatR: "d_dat_r"; case .dSel: "d_sel"; case .dCti: "d_cti"
        case .dBte: "d_bte"; case .dCyc: "d_cyc"; case .dStb: "d_stb"; case .dWe: "d_we"; case .dAck: "d_ack"; case .dErr: "d_err"
        case .pcF: "pc_f"; case .pcD: "pc_d"; case .pcX: "pc_x"; case .pcM: "pc_m"; case .pcW: "pc_w"
        case .valid: "valid"; case .stall: "stall"; case .kill: "kill"; case .retire: "retire"; case .insnW: "insn_w"
        case .rfWe: "rf_we"; case .rfIdx: "rf_idx"; case .rfData: "rf_data"; case .excW: "exc_w"; case .eidW: "eid_w"
        case .ie: "ie"; case .eie: "eie"; case .bie: "bie"; case .ip: "ip"; case .im: "im"; case .cc: "cc"
        case .tdevEnd: "tdev_end"; case .tdevResult: "tdev_result"; case .tdevName: "tdev_name"
        case .tdevChar: "tdev_char"; case .tdevData: "tdev_data"
        case .socRst: "soc_rst"; case .sdramLatency: "sdram_latency"; case .gpioIn: "gpio_in"; case .gpioOut: "gpio_out"
        case .uartTxWr: "uart_tx_wr"; case .uartTxData: "uart_tx_data"; case .uartThre: "uart_thre"
        }
    }

    public var width: Int {
        switch self {
        case .irq, .iErrLo, .iErrHi, .dErrLo, .dErrHi, .iAdr, .iDatW, .iDatR, .dAdr, .dDatW, .dDatR,
             .pcF, .pcD, .pcX, .pcM, .pcW, .insnW, .rfData, .ip, .im, .cc, .tdevData: 32
        case .iWait, .dWait, .sdramLatency, .gpioIn, .gpioOut, .uartTxData: 8
        case .iSel, .dSel: 4
        case .iCti, .dCti, .eidW: 3
        case .iBte, .dBte, .excW: 2
        case .valid, .stall, .kill, .rfIdx: 5
        default: 1
        }
    }
}

/// Writes observations to a `VCDWriter`.
public final class CycleVCD {
    /// Version of the names, widths and timing described in docs/waves.md;
    /// bump it when they change.
    public static let formatVersion = 2

    /// The `$version` text of a model VCD.
    public static func versionLine(profile: String, top: CycleVCDTop? = nil) -> String {
        "SoCSim cycle model, waves format \(formatVersion), profile \(profile)" + (top?.isSoC == true ? ", top socsim_soc_top" : "")
    }

    public let writer: VCDWriter
    public let options: CycleVCDOptions
    public let top: CycleVCDTop
    private let bench: BenchConfig
    private let sdramLatency: UInt64
    private let half: UInt64

    /// What changes from cycle to cycle, behind a pointer (a class's stored
    /// `var` is checked for exclusive access at run time on every access).
    private struct State {
        var started = false
        var failed = false
        var extBreak = false
        var lastCycle: UInt64? = nil
    }
    private let st: UnsafeMutablePointer<State> = {
        let p = UnsafeMutablePointer<State>.allocate(capacity: 1)
        p.initialize(to: State())
        return p
    }()
    /// The first error `observe` met (recording stopped there).
    public var error: Error? {
        // the writer thread sets it before it marks itself failed (under its lock)
        if let thread, !thread.failedSoFar { return nil }
        return storedError
    }
    private var storedError: Error?
    /// Formats batches while the model runs (`startWriterThread`).
    private var thread: WriterThread?

    /// A VCD with the test bench's names.
    public convenience init(writer: VCDWriter, bench: BenchConfig, options: CycleVCDOptions = CycleVCDOptions()) {
        self.init(writer: writer, top: .bench(bench), options: options)
    }

    public init(writer: VCDWriter, top flavour: CycleVCDTop, options: CycleVCDOptions = CycleVCDOptions()) {
        precondition(options.clockPeriodPs >= 2 && options.clockPeriodPs % 2 == 0, "even clock period")
        self.writer = writer
        self.top = flavour
        var cycleCounter = true
        switch flavour {
        case .bench(let b):
            bench = b; sdramLatency = 0
            inputs = (.irq, .extBreak)
        case .soc(let latency, let cc):
            bench = BenchConfig(); sdramLatency = UInt64(max(0, latency)); cycleCounter = cc
            inputs = (.extBreak, .gpioIn)
        }
        self.options = options
        half = options.clockPeriodPs / 2
        // declared signal per source (nil: filtered out) and the derived ones
        var signal = [VCDWriter.Signal?](repeating: nil, count: CycleSource.allCases.count)
        var pc30: [VCDWriter.Signal?] = []
        var bits: [(VCDWriter.Signal, CycleSource, Int)] = []

        let top = ["TOP"], tb = ["TOP", flavour.module], lm32 = tb + ["lm32"], cpu = lm32 + ["cpu"]
        let iu = cpu + ["instruction_unit"], intu = cpu + ["interrupt_unit"]
        func keep(_ scope: [String], _ name: String) -> Bool {
            if options.scopes.isEmpty { return true }
            let full = (scope + [name]).joined(separator: ".")
            return options.scopes.contains { full == $0 || full.hasPrefix($0 + ".") }
        }
        // Every name of one source; the first kept one declares it, the rest alias it.
        let soc = flavour.isSoC
        // the CPU's reset: the bench's rst, the SoC's soc_rst
        let cpuReset: CycleSource = soc ? .socRst : .rst
        func names(_ s: CycleSource) -> [([String], String)] {
            if soc ? s.benchOnly : s.socOnly { return [] }
            var n: [([String], String)] = [(top, s.name), (tb, s.name)]
            let cpuPorts: [CycleSource: String] = [
                .iAdr: "I_ADR_O", .iDatW: "I_DAT_O", .iDatR: "I_DAT_I", .iSel: "I_SEL_O", .iCti: "I_CTI_O", .iBte: "I_BTE_O",
                .iCyc: "I_CYC_O", .iStb: "I_STB_O", .iWe: "I_WE_O", .iAck: "I_ACK_I", .iErr: "I_ERR_I",
                .dAdr: "D_ADR_O", .dDatW: "D_DAT_O", .dDatR: "D_DAT_I", .dSel: "D_SEL_O", .dCti: "D_CTI_O", .dBte: "D_BTE_O",
                .dCyc: "D_CYC_O", .dStb: "D_STB_O", .dWe: "D_WE_O", .dAck: "D_ACK_I", .dErr: "D_ERR_I",
            ]
            if let p = cpuPorts[s] { n += [(lm32, p), (cpu, p)] }
            if s == cpuReset { n += [(lm32, "rst_i"), (cpu, "rst_i"), (iu, "rst_i"), (intu, "rst_i")] }
            switch s {
            case .clk: n += [(lm32, "clk_i"), (cpu, "clk_i"), (iu, "clk_i"), (intu, "clk_i")]
            case .irq: n += [(lm32, "interrupt"), (cpu, "interrupt"), (intu, "interrupt")]
            case .extBreak: n += [(lm32, "ext_break"), (cpu, "ext_break")]
            case .iAdr: n += [(iu, "i_adr_o")]
            case .iDatR: n += [(iu, "i_dat_i")]
            case .iCyc: n += [(iu, "i_cyc_o")]
            case .iStb: n += [(iu, "i_stb_o")]
            case .iAck: n += [(iu, "i_ack_i")]
            case .iErr: n += [(iu, "i_err_i")]
            case .iSel: n += [(iu, "i_sel_o")]
            case .iCti: n += [(iu, "i_cti_o")]
            case .cc: if cycleCounter { n += [(cpu, "cc")] }
            case .rfData: n += [(cpu, "w_result")]
            case .rfIdx: n += [(cpu, "write_idx_w")]
            case .rfWe: n += [(cpu, "reg_write_enable_q_w")]
            case .ie: n += [(intu, "ie")]
            case .eie: n += [(intu, "eie")]
            case .bie: n += [(intu, "bie")]
            case .ip: n += [(intu, "ip")]
            case .im: n += [(intu, "im")]
            default: break
            }
            return n.filter { keep($0.0, $0.1) }
        }
        for s in CycleSource.allCases {
            let n = names(s)
            guard let first = n.first else { continue }
            let sig = writer.declare(scope: first.0, name: first.1, width: s.width)
            for a in n.dropFirst() { writer.alias(sig, scope: a.0, name: a.1) }
            signal[s.rawValue] = sig
        }
        // The instruction unit's word-address PCs ([31:2]).
        for (s, name) in [(CycleSource.pcF, "pc_f"), (.pcD, "pc_d"), (.pcX, "pc_x"), (.pcM, "pc_m"), (.pcW, "pc_w")] {
            pc30.append(keep(iu, name) ? writer.declare(scope: iu, name: name, width: 30, lsb: 2) : nil)
            _ = s
        }
        // The CPU's one-bit pipeline signals behind valid/stall/kill/exc_w.
        let stageBits: [(CycleSource, [String])] = [
            (.valid, ["valid_f", "valid_d", "valid_x", "valid_m", "valid_w"]),
            (.stall, ["stall_a", "stall_f", "stall_d", "stall_x", "stall_m"]),
            (.kill, ["kill_f", "kill_d", "kill_x", "kill_m", "kill_w"]),
            (.excW, ["non_debug_exception_q_w", "debug_exception_q_w"]),
        ]
        for (src, list) in stageBits {
            for (bit, name) in list.enumerated() where keep(cpu, name) {
                bits.append((writer.declare(scope: cpu, name: name, width: 1), src, bit))
            }
        }

        // Where each declared signal's value is read (declaration order:
        // sources, the 30-bit PCs, the stage bits): from the observation
        // stored at the start of `scratch`, or from the words after it
        // (`begin` takes them all). At the rising edges the writer gathers
        // the observation's fields but the inputs from the recorded
        // observation itself; the clock, the inputs (set at the falling
        // edges) and the side words (constant) are not gathered.
        let inputs = self.inputs
        var now: [(Int, Int)] = []
        func read(_ sig: VCDWriter.Signal, _ src: CycleSource, _ shift: Int) {
            let (offset, s) = Self.location(src)
            now.append((offset, s + shift))
            if src == inputs.0 || src == inputs.1 { return }
            if let w = Self.inObservation(src) { writer.gather(sig, offset: w.offset, shift: w.shift + shift) }
        }
        for s in CycleSource.allCases { if let sig = signal[s.rawValue] { read(sig, s, 0) } }
        for (n, s) in pc30.enumerated() { if let s { read(s, CycleSource(rawValue: CycleSource.pcF.rawValue + n)!, 2) } }
        for (sig, src, bit) in bits { read(sig, src, bit) }
        initialPlan = now
        inputSignal = (signal[inputs.0.rawValue], signal[inputs.1.rawValue])
        // an input outside the observation is the external break
        let in0 = Self.inObservation(inputs.0), in1 = Self.inObservation(inputs.1)
        inputOffset = (in0?.offset, in1?.offset)
        inputShift = (in0?.shift ?? 0, in1?.shift ?? 0)
        clock = signal[CycleSource.clk.rawValue]
        scratch = .allocate(byteCount: Self.side(.count), alignment: 16)
        scratch.initializeMemory(as: UInt8.self, repeating: 0, count: Self.side(.count))
        let word = { (w: Side, v: UInt64) in self.scratch.storeBytes(of: v, toByteOffset: Self.side(w), as: UInt64.self) }
        word(.iWait, UInt64(bench.instructionWaitStates))
        word(.dWait, UInt64(bench.dataWaitStates))
        word(.iErrEn, bench.instructionErrorWindow != nil ? 1 : 0)
        word(.iErrLo, UInt64(bench.instructionErrorWindow?.lowerBound ?? 0))
        word(.iErrHi, UInt64(bench.instructionErrorWindow?.upperBound ?? 0))
        word(.dErrEn, bench.dataErrorWindow != nil ? 1 : 0)
        word(.dErrLo, UInt64(bench.dataErrorWindow?.lowerBound ?? 0))
        word(.dErrHi, UInt64(bench.dataErrorWindow?.upperBound ?? 0))
        word(.sdramLatency, sdramLatency)
    }

    /// Time (ps) at which cycle k's values appear.
    public func valueTime(_ k: UInt64) -> UInt64 {
        k == 0 ? origin : origin + k * options.clockPeriodPs - half
    }

    /// The start of cycle 0 (ps).
    private var origin: UInt64 { options.resetCycles * options.clockPeriodPs }

    /// The words after the observation in `scratch`: what the observation
    /// does not carry (constant inputs, the clock, the external break);
    /// `zero` for ports tied to 0.
    private enum Side: Int {
        case zero, clk, extBreak
        case iWait, dWait, iErrEn, iErrLo, iErrHi, dErrEn, dErrLo, dErrHi, sdramLatency
        case count
    }

    /// The byte offset of a side word in `scratch` (`.count`: the size of
    /// `scratch`, 8 bytes readable past every offset).
    private static func side(_ w: Side) -> Int {
        (MemoryLayout<CycleObservation>.size + 7) / 8 * 8 + 8 * w.rawValue
    }

    /// Where a source's value is in `scratch`: byte offset and right shift
    /// (the observation's fields are read 8 bytes at a time, little-endian,
    /// and masked to the signal's width by the writer).
    private static func location(_ s: CycleSource) -> (Int, Int) {
        let sides: [CycleSource: Side] = [
            .clk: .clk, .rst: .zero, .iBte: .zero, .dBte: .zero, .extBreak: .extBreak, .sdramLatency: .sdramLatency,
            .iWait: .iWait, .dWait: .dWait, .iErrEn: .iErrEn, .iErrLo: .iErrLo, .iErrHi: .iErrHi,
            .dErrEn: .dErrEn, .dErrLo: .dErrLo, .dErrHi: .dErrHi,
        ]
        if let w = sides[s] { return (side(w), 0) }
        let tdev: [CycleSource: UInt8] = [
            .tdevEnd: TestDeviceBits.end, .tdevResult: TestDeviceBits.result,
            .tdevName: TestDeviceBits.name, .tdevChar: TestDeviceBits.character,
        ]
        if let bit = tdev[s] { return (MemoryLayout<CycleObservation>.offset(of: \.tdev)!, bit.trailingZeroBitCount) }
        let fields: [CycleSource: PartialKeyPath<CycleObservation>] = [
            .irq: \.interrupt,
            .iAdr: \.ibus.adr, .iDatW: \.ibus.datW, .iDatR: \.ibus.datR, .iSel: \.ibus.sel, .iCti: \.ibus.cti,
            .iCyc: \.ibus.cyc, .iStb: \.ibus.cyc, .iWe: \.ibus.we, .iAck: \.ibus.ack, .iErr: \.ibus.err,
            .dAdr: \.dbus.adr, .dDatW: \.dbus.datW, .dDatR: \.dbus.datR, .dSel: \.dbus.sel, .dCti: \.dbus.cti,
            .dCyc: \.dbus.cyc, .dStb: \.dbus.cyc, .dWe: \.dbus.we, .dAck: \.dbus.ack, .dErr: \.dbus.err,
            .pcF: \.pcF, .pcD: \.pcD, .pcX: \.pcX, .pcM: \.pcM, .pcW: \.pcW,
            .valid: \.valid, .stall: \.stall, .kill: \.kill, .retire: \.retire, .insnW: \.insnW,
            .rfWe: \.rfWe, .rfIdx: \.rfIdx, .rfData: \.rfData, .excW: \.excW, .eidW: \.eidW,
            .ie: \.ie, .eie: \.eie, .bie: \.bie, .ip: \.ip, .im: \.im, .cc: \.cc, .tdevData: \.tdevData,
            .socRst: \.reset, .gpioIn: \.gpioIn, .gpioOut: \.gpioOut,
            .uartTxWr: \.uartTxWr, .uartTxData: \.uartTxData, .uartThre: \.uartThre,
        ]
        return (MemoryLayout<CycleObservation>.offset(of: fields[s]!)!, 0)
    }

    /// Where a source's value is in an observation itself (nil: a side
    /// word): 8 bytes inside it (a batch's last element has nothing after
    /// it, so a field near the end is read with the bytes before it) and
    /// the right shift.
    private static func inObservation(_ s: CycleSource) -> (offset: Int, shift: Int)? {
        let (offset, shift) = location(s)
        let size = MemoryLayout<CycleObservation>.size
        guard offset < size else { return nil }
        let inside = min(offset, size - 8)
        return (inside, shift + 8 * (offset - inside))
    }

    /// The first recorded observation, then the `Side` words (`begin`).
    private let scratch: UnsafeMutableRawPointer
    /// Per declared signal: where its value is in `scratch`.
    private let initialPlan: [(Int, Int)]
    private let clock: VCDWriter.Signal?

    deinit {
        scratch.deallocate()
        st.deinitialize(count: 1)
        st.deallocate()
    }

    /// The top's inputs among the sources (bench: interrupt lines and
    /// external break; SoC: external break and GPIO pins): driven between
    /// cycles, they change with the falling clock.
    private let inputs: (CycleSource, CycleSource)
    /// Their signals (nil: filtered out) and where their values are in an
    /// observation: byte offset (nil: the external break) and right shift.
    private let inputSignal: (VCDWriter.Signal?, VCDWriter.Signal?)
    private let inputOffset: (Int?, Int?)
    private let inputShift: (Int, Int)

    @inline(__always)
    private func word(_ offset: Int) -> UInt64 {
        UInt64(littleEndian: scratch.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    /// An input's value in the observation at `o`.
    @inline(__always)
    private func input(_ o: UnsafeRawPointer, _ offset: Int?, _ shift: Int) -> UInt64 {
        guard let offset else { return st.pointee.extBreak ? 1 : 0 }
        return UInt64(littleEndian: o.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) &>> UInt64(shift)
    }

    /// The external break input in the cycle being recorded (the
    /// observation does not carry it; set it with the machine's `extBreak`).
    public var extBreak: Bool {
        get { thread?.extBreak ?? st.pointee.extBreak }
        set { if let thread { thread.extBreak = newValue } else { st.pointee.extBreak = newValue } }
    }

    /// From now on `observe(batch:)` copies each batch and returns, and a
    /// thread of its own formats and writes it (the same bytes as without:
    /// the batches are recorded in order, by one thread at a time). The
    /// simulation and the VCD then share two cores. `error` is the thread's
    /// first error; `finish` and `finishObserving` wait for every batch
    /// handed over and end the thread (call one of them: the thread keeps
    /// this object until then). Call before the first observation.
    public func startWriterThread() {
        precondition(thread == nil && !st.pointee.started, "startWriterThread before the first observation")
        // (self is kept until `stop`, which `finish` and `finishObserving` call)
        let t = WriterThread(extBreak: st.pointee.extBreak) { batch, extBreak in
            // on the writer thread; the caller's thread touches nothing of this until `stop`
            self.st.pointee.extBreak = extBreak
            self.observeHere(batch: batch)
            return self.storedError == nil
        }
        thread = t
        t.start()
    }

    /// Wait for the writer thread to record every batch handed to it, and
    /// end it; recording goes on on the caller's thread.
    private func joinWriterThread() {
        guard let t = thread else { return }
        t.stop()
        st.pointee.extBreak = t.extBreak
        thread = nil
    }

    /// `record` for a machine's observer: the first error is kept in
    /// `error` and recording stops there.
    public func observe(_ o: CycleObservation) {
        var o = o
        if let thread { withUnsafePointer(to: &o) { thread.submit(UnsafeBufferPointer(start: $0, count: 1)) }; return }
        observe(at: &o)
    }

    private func observe(at o: UnsafePointer<CycleObservation>) {
        if st.pointee.failed { return }
        do { try record(at: o) } catch { fail(error) }
    }

    private func fail(_ e: Error) {
        storedError = e
        st.pointee.failed = true
    }

    /// `observe` for a machine's batch observer (`batchObserver`): the
    /// observations of consecutive cycles.
    public func observe(batch: UnsafeBufferPointer<CycleObservation>) {
        if let thread { thread.submit(batch); return }
        observeHere(batch: batch)
    }

    private func observeHere(batch: UnsafeBufferPointer<CycleObservation>) {
        guard let base = batch.baseAddress else { return }
        let s = st, from = options.fromCycle, to = options.toCycle
        for i in 0..<batch.count {
            let o = base + i
            let k = o.pointee.cycle
            // after the first recorded cycle, a cycle in the window is one
            // clock period (`record` without its checks)
            if s.pointee.started && !s.pointee.failed && k >= from && k <= to {
                do { try period(o, k) } catch { fail(error); return }
                s.pointee.lastCycle = k
            } else {
                observe(at: o)
            }
        }
    }

    /// After `observe`: `finish(next:)` unless recording failed; the first
    /// error of either.
    public func finishObserving(next: CycleObservation? = nil) -> Error? {
        joinWriterThread()
        if storedError == nil {
            do { try finish(next: next) } catch { fail(error) }
        }
        return storedError
    }

    /// Record the observation of one cycle (cycles in increasing order).
    public func record(_ o: CycleObservation) throws {
        precondition(thread == nil, "record writes on the caller's thread: observe with a writer thread")
        var o = o
        try record(at: &o)
    }

    /// `record` of the observation at `o` (a batch element, not copied twice).
    func record(at o: UnsafePointer<CycleObservation>) throws {
        let k = o.pointee.cycle
        guard k >= options.fromCycle && k <= options.toCycle else { return }
        let s = st
        let t = valueTime(k)
        let clkHigh = k > 0
        if !s.pointee.started {
            s.pointee.started = true
            let sc = scratch
            sc.copyMemory(from: o, byteCount: MemoryLayout<CycleObservation>.size)
            sc.storeBytes(of: clkHigh ? 1 : 0, toByteOffset: Self.side(.clk), as: UInt64.self)
            sc.storeBytes(of: s.pointee.extBreak ? 1 : 0, toByteOffset: Self.side(.extBreak), as: UInt64.self)
            try writer.begin(at: t, initial: initialPlan.map { word($0.0) >> UInt64($0.1) })
            // the falling edge that starts cycle k (the inputs as at the start)
            if clkHigh, let c = clock { try writer.set(c, 0, at: t + half) }
        } else {
            try period(o, k)
        }
        s.pointee.lastCycle = k
    }

    /// A recorded cycle k after the first: the rising edge with cycle k's
    /// values (the clock rises in every cycle after the first recorded
    /// one), then the falling edge that starts cycle k. The top's inputs
    /// (bench: interrupt lines, external break; SoC: external break, GPIO
    /// pins) change between cycles, where the bridge sets them: they show at
    /// the start of cycle k with the falling clock, not at the rising edge.
    @inline(__always)
    private func period(_ o: UnsafePointer<CycleObservation>, _ k: UInt64) throws {
        let raw = UnsafeRawPointer(o)
        let t = origin &+ k &* options.clockPeriodPs &- half
        try writer.clockPeriod(rising: t, clock: clock, gathering: raw, falling: t &+ half,
                               inputSignal.0, input(raw, inputOffset.0, inputShift.0),
                               inputSignal.1, input(raw, inputOffset.1, inputShift.1))
    }

    /// End the file at the falling edge after the last recorded cycle's
    /// values and flush. `next`: the observation of the cycle the run stopped
    /// in, not stepped (the machine's `peekObservation()`); recorded first
    /// when it follows the last recorded cycle inside the window, so that the
    /// file ends where the RTL's does after as many edges (its last rising
    /// edge shows that cycle's values).
    public func finish(next: CycleObservation? = nil) throws {
        joinWriterThread()
        if let e = storedError { throw e }
        if let n = next, n.cycle == (st.pointee.lastCycle.map { $0 + 1 } ?? options.fromCycle) {
            try record(n)
        }
        guard st.pointee.started, let k = st.pointee.lastCycle else { try writer.flush(); return }
        try writer.finish(at: valueTime(k) + (k > 0 ? half : 0))
    }
}

/// The thread of `CycleVCD.startWriterThread`: batches are copied into one
/// of a few buffers (the caller waits while all are taken) and recorded in
/// order by `record`, which returns false once recording failed (later
/// batches are then dropped). All shared state is under `condition`.
private final class WriterThread: @unchecked Sendable {
    private static let buffers = 4, capacity = 1024
    private let condition = NSCondition()
    /// Dropped when the thread ends (it holds the `CycleVCD`).
    private var record: ((UnsafeBufferPointer<CycleObservation>, Bool) -> Bool)?
    /// Copied batches waiting, oldest first (buffer, count, external break).
    private var pending: [(UnsafeMutablePointer<CycleObservation>, Int, Bool)] = []
    private var free: [UnsafeMutablePointer<CycleObservation>] = []
    private var all: [UnsafeMutablePointer<CycleObservation>] = []
    private var failed = false, stopping = false, exited = false, started = false
    /// The external break as the caller last set it (the caller's thread only).
    var extBreak: Bool

    init(extBreak: Bool, record: @escaping (UnsafeBufferPointer<CycleObservation>, Bool) -> Bool) {
        self.extBreak = extBreak
        self.record = record
        for _ in 0..<Self.buffers {
            let b = UnsafeMutablePointer<CycleObservation>.allocate(capacity: Self.capacity)
            b.initialize(repeating: CycleObservation(), count: Self.capacity)
            all.append(b)
        }
        free = all
    }

    deinit {
        for b in all { b.deallocate() }
    }

    /// Recording failed (no batch is recorded after that).
    var failedSoFar: Bool {
        condition.lock()
        defer { condition.unlock() }
        return failed
    }

    func start() {
        started = true
        let t = Thread { [self] in run() }
        t.name = "socsim VCD writer"
        t.start()
    }

    /// Copy a batch for the thread (in pieces of at most `capacity`).
    func submit(_ batch: UnsafeBufferPointer<CycleObservation>) {
        guard let base = batch.baseAddress else { return }
        var done = 0
        while done < batch.count {
            let n = min(Self.capacity, batch.count - done)
            condition.lock()
            while free.isEmpty && !failed { condition.wait() }
            if failed { condition.unlock(); return }
            let b = free.removeLast()
            condition.unlock()
            b.update(from: base + done, count: n)
            condition.lock()
            pending.append((b, n, extBreak))
            condition.broadcast()
            condition.unlock()
            done += n
        }
    }

    private func run() {
        condition.lock()
        while true {
            while pending.isEmpty && !stopping { condition.wait() }
            if pending.isEmpty { break }
            let (b, n, extBreak) = pending.removeFirst()
            let skip = failed
            condition.unlock()
            let ok = !skip && record!(UnsafeBufferPointer(start: b, count: n), extBreak)
            condition.lock()
            if !ok { failed = true }
            free.append(b)
            condition.broadcast()
        }
        exited = true
        condition.broadcast()
        condition.unlock()
    }

    /// Wait until every batch handed over is recorded, and end the thread.
    func stop() {
        guard started else { return }
        condition.lock()
        stopping = true
        condition.broadcast()
        while !exited { condition.wait() }
        condition.unlock()
        started = false
        record = nil
    }
}
