// The observed signals of the RTL tops and of the cycle model, declared once
// (docs/observation.md). Everything that names them derives from `signals`:
//   * the bridge's observation record and its fill code
//     (RTL/bridge/socsim_bridge_obs.h, RTL/bridge/socsim_fill_obs.inc),
//   * the CPU's observation ports and their assignments
//     (RTL/common/socsim_cpu_ports.vh, RTL/common/socsim_cpu_obs_assign.vh),
//   * the model's `CycleObservation` and its field table
//     (Sources/LM32Cycle/Observation+Schema.swift),
//   * the RTL-to-model conversion and the comparison's field list
//     (Sources/Conformance/Observation+Schema.swift),
//   * the model VCD's names, widths, aliases and sources (CycleWaves reads
//     `signals` when a VCD is declared).
// The generated files are committed; `socsim generate` rewrites
// them and a test fails when one is stale.

/// The RTL tops a signal belongs to.
public struct Tops: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// RTL/tb/socsim_tb_top.v (profiles testbench-*).
    public static let bench = Tops(rawValue: 1)
    /// RTL/soc/socsim_soc_top.v (profile milkymist).
    public static let soc = Tops(rawValue: 2)
    public static let both: Tops = [.bench, .soc]
}

/// A scope of the CPU's hierarchy under the top, as Verilator names it.
public enum Scope: String, Sendable, Hashable, CaseIterable {
    case lm32 = "lm32"
    case cpu = "lm32.cpu"
    case instructionUnit = "lm32.cpu.instruction_unit"
    case interruptUnit = "lm32.cpu.interrupt_unit"
    /// The path under the top, one element per level.
    public var path: [String] { rawValue.split(separator: ".").map(String.init) }
}

/// When a name or an assignment exists.
public enum Condition: String, Sendable, Hashable {
    case always
    /// Only on this top.
    case bench, soc
    /// The CPU has a cycle counter (CFG_CYCLE_COUNTER_ENABLED; lm32.cpu.cc exists).
    case cycleCounter
}

/// Another name of a signal inside the CPU (the VCD declares it as an alias).
public struct Alias: Sendable, Hashable {
    public var scope: Scope
    public var name: String
    public var when: Condition
    public init(_ scope: Scope, _ name: String, when: Condition = .always) {
        self.scope = scope; self.name = name; self.when = when
    }
}

/// How the CPU's observation port is driven (socsim_cpu_obs_assign.vh).
public enum Driver: Sendable, Hashable {
    /// Wired by socsim_cpu.vh (the lm32_top instance) or by the top.
    case external
    /// A register of socsim_cpu_obs.vh (`output reg`).
    case register
    /// `assign port = <scope>.<name>` (0 when the condition does not hold);
    /// the VCD shows the inner signal as an alias.
    case path(Alias)
    /// `assign port = {<bits>, <lsb zeros>}` over inner signals, most
    /// significant first in the Verilog; the VCD declares each inner signal
    /// on its own (after every port), the bits listed here least significant
    /// first. `lsb`: the inner signal is the port's bits [width-1:lsb].
    case slices(Scope, [String], lsb: Int)
    /// `assign port = <Verilog expression>`; no inner name in the VCD.
    case expression(String)
}

/// Where the model VCD takes a signal's value from.
public enum VCDSource: Sendable, Hashable {
    /// The signal's observation field.
    case field
    /// Another observation field (Swift path), e.g. STB follows CYC.
    case same(String)
    /// Bit `n` of the packed field `of`.
    case bit(of: String, Int)
    /// The clock.
    case clock
    /// Tied to 0 in every observed cycle.
    case zero
    /// A value the observation does not carry, supplied by the VCD writer
    /// by the signal's port name (the bench's configuration, the SDRAM
    /// latency, the external break).
    case supplied
    /// Not in the model VCD.
    case absent
}

/// How the comparison of model and RTL treats a field.
public enum Compare: Sendable, Hashable {
    case never
    case always
    /// Only when this Swift condition over the observation `o` (or, inside a
    /// Wishbone port, `b`) holds on a side; fields listed in that side's order.
    case when(String)
}

/// The field of the observation records (C and Swift) carrying a signal.
public struct Field: Sendable, Hashable {
    /// The C field (`socsim_rtl_obs_t`); nil: the bridge does not report it.
    public var c: String?
    /// The Swift field (`CycleObservation`); nil: the model does not carry it.
    public var swift: String?
    public var compare: Compare
    /// The port the bridge reads on a top, when not the signal's own.
    public var port: [Condition: String]
    public init(c: String?, swift: String?, compare: Compare = .always, port: [Condition: String] = [:]) {
        self.c = c; self.swift = swift; self.compare = compare; self.port = port
    }
}

/// One observed signal: a port of the RTL top(s), its width, its record
/// field, where it comes from inside the CPU and how it is compared.
public struct ObservedSignal: Sendable, Hashable {
    /// The top's port (the VCD name under TOP and TOP.<top>).
    public var port: String
    public var width: Int
    public var tops: Tops
    /// One line for the generated comments.
    public var doc: String
    /// The observation field; `packed`: one bit of a field shared by several
    /// signals (the bit is the signal's rank among them).
    public var field: Field?
    public var packed: String?
    public var vcd: VCDSource
    /// Declared in socsim_cpu_ports.vh (the CPU's observation ports, in both tops).
    public var cpuPort: Bool
    public var driver: Driver
    /// Other names in the VCD (after those of `driver`).
    public var also: [Alias]
    /// The top drives it (its VCD value changes with the falling clock, as
    /// the bridge sets inputs between cycles).
    public var inputOn: Tops

    public init(_ port: String, _ width: Int, tops: Tops = .both, doc: String, field: Field? = nil, packed: String? = nil,
                vcd: VCDSource = .field, cpuPort: Bool = false, driver: Driver = .external, also: [Alias] = [],
                inputOn: Tops = []) {
        self.port = port; self.width = width; self.tops = tops; self.doc = doc; self.field = field; self.packed = packed
        self.vcd = vcd; self.cpuPort = cpuPort; self.driver = driver; self.also = also; self.inputOn = inputOn
    }
}

/// A Wishbone master port of the CPU: its signals carry the prefix, its
/// fields live in a record of their own (`socsim_wb_t`, `CycleObservation.Wishbone`).
public struct WishbonePort: Sendable, Hashable {
    /// Field of the observation records ("ibus").
    public var field: String
    /// Port prefix ("i" → i_adr).
    public var prefix: String
    /// The CPU's port prefix (I_ADR_O).
    public var cpuPrefix: String
    /// Members also named in the instruction unit (by the CPU's port name
    /// in lower case: i_adr_o, ...).
    public var unitNames: Set<String>
    public var doc: String
}

/// A member of every Wishbone port.
public struct WishboneMember: Sendable, Hashable {
    public var name: String
    public var width: Int
    /// The Swift field (nil: not in the model's record).
    public var swift: String?
    /// The CPU's port suffix (ADR_O).
    public var cpuName: String
    public var vcd: VCDSource
    public var compare: Compare
    public var doc: String
}

public enum ObservationSchema {
    /// The cycle counter heading both records (not a port).
    public static let cycleDoc = "k, counted from reset release"

    /// The members of a Wishbone port, in port order.
    public static let wishbone: [WishboneMember] = [
        .init(name: "adr", width: 32, swift: "adr", cpuName: "ADR_O", vcd: .field, compare: .when("b.cyc"), doc: "ADR_O"),
        .init(name: "dat_w", width: 32, swift: "datW", cpuName: "DAT_O", vcd: .field, compare: .when("b.we"),
              doc: "DAT_O (master to slave)"),
        .init(name: "dat_r", width: 32, swift: "datR", cpuName: "DAT_I", vcd: .field,
              compare: .when("!b.we && (b.ack || b.err)"),
              doc: "DAT_I (slave to master; test bench: the RAM word at adr[15:2]; SoC: the beat's data in its ACK cycle, else 0)"),
        .init(name: "sel", width: 4, swift: "sel", cpuName: "SEL_O", vcd: .field, compare: .when("b.cyc"), doc: "SEL_O[3:0]"),
        .init(name: "cti", width: 3, swift: "cti", cpuName: "CTI_O", vcd: .field, compare: .when("b.cyc"), doc: "CTI_O[2:0]"),
        .init(name: "bte", width: 2, swift: nil, cpuName: "BTE_O", vcd: .zero, compare: .never, doc: "BTE_O[1:0]"),
        .init(name: "cyc", width: 1, swift: "cyc", cpuName: "CYC_O", vcd: .field, compare: .always, doc: "CYC_O"),
        .init(name: "stb", width: 1, swift: nil, cpuName: "STB_O", vcd: .same("cyc"), compare: .never, doc: "STB_O (the LM32 drives it with CYC)"),
        .init(name: "we", width: 1, swift: "we", cpuName: "WE_O", vcd: .field, compare: .when("b.cyc"), doc: "WE_O"),
        .init(name: "ack", width: 1, swift: "ack", cpuName: "ACK_I", vcd: .field, compare: .when("b.cyc"), doc: "ACK_I"),
        .init(name: "err", width: 1, swift: "err", cpuName: "ERR_I", vcd: .field, compare: .when("b.cyc"), doc: "ERR_I"),
    ]

    /// The order a port's members are compared in (the guard first, the data last).
    public static let wishboneCompareOrder = ["cyc", "adr", "sel", "cti", "we", "ack", "err", "dat_w", "dat_r"]

    /// The CPU's Wishbone master ports.
    public static let ports: [WishbonePort] = [
        .init(field: "ibus", prefix: "i", cpuPrefix: "I_",
              unitNames: ["adr", "dat_r", "cyc", "stb", "ack", "err", "sel", "cti"],
              doc: "instruction Wishbone port as seen by the CPU (and on the bus)"),
        .init(field: "dbus", prefix: "d", cpuPrefix: "D_", unitNames: [],
              doc: "data Wishbone port as seen by the CPU (and on the bus)"),
    ]

    /// Fields compared first, in this order (a Wishbone port by its field
    /// name); the other compared fields follow in `signals` order.
    public static let reportFirst = ["retire", "pc_w", "rf_we", "insn_w", "rf_idx", "rf_data", "exc_w", "eid_w", "ibus", "dbus"]

    /// Every signal, in the order of the model VCD's declarations (the test
    /// bench's ports, then the SoC's own).
    public static let signals: [ObservedSignal] = {
        let resetAliases = { (c: Condition) in
            [Alias(.lm32, "rst_i", when: c), Alias(.cpu, "rst_i", when: c), Alias(.instructionUnit, "rst_i", when: c),
             Alias(.interruptUnit, "rst_i", when: c)]
        }
        var s: [ObservedSignal] = [
            ObservedSignal("clk", 1, doc: "clock", vcd: .clock,
                   also: [Alias(.lm32, "clk_i"), Alias(.cpu, "clk_i"), Alias(.instructionUnit, "clk_i"), Alias(.interruptUnit, "clk_i")]),
            ObservedSignal("rst", 1, doc: "reset input", vcd: .zero, also: resetAliases(.bench)),
            ObservedSignal("irq", 32, doc: "interrupt lines as driven (SoC: by the devices)",
                   field: Field(c: "interrupt", swift: "interrupt", compare: .never),
                   also: [Alias(.lm32, "interrupt"), Alias(.cpu, "interrupt"), Alias(.interruptUnit, "interrupt")],
                   inputOn: .bench),
            ObservedSignal("ext_break", 1, doc: "ext_break input as driven", field: Field(c: "ext_break", swift: nil, compare: .never),
                   vcd: .supplied, also: [Alias(.lm32, "ext_break"), Alias(.cpu, "ext_break")], inputOn: .both),
            ObservedSignal("i_wait", 8, tops: .bench, doc: "instruction-bus wait states", vcd: .supplied),
            ObservedSignal("d_wait", 8, tops: .bench, doc: "data-bus wait states", vcd: .supplied),
            ObservedSignal("i_err_en", 1, tops: .bench, doc: "instruction-bus error window enable", vcd: .supplied),
            ObservedSignal("i_err_lo", 32, tops: .bench, doc: "instruction-bus error window low", vcd: .supplied),
            ObservedSignal("i_err_hi", 32, tops: .bench, doc: "instruction-bus error window high", vcd: .supplied),
            ObservedSignal("d_err_en", 1, tops: .bench, doc: "data-bus error window enable", vcd: .supplied),
            ObservedSignal("d_err_lo", 32, tops: .bench, doc: "data-bus error window low", vcd: .supplied),
            ObservedSignal("d_err_hi", 32, tops: .bench, doc: "data-bus error window high", vcd: .supplied),
        ]
        for p in ports {
            for m in wishbone {
                var also = [Alias(.lm32, p.cpuPrefix + m.cpuName), Alias(.cpu, p.cpuPrefix + m.cpuName)]
                if p.unitNames.contains(m.name) {
                    also.append(Alias(.instructionUnit, "\(p.prefix)_\(m.cpuName.lowercased())"))
                }
                s.append(ObservedSignal("\(p.prefix)_\(m.name)", m.width, doc: m.doc,
                                field: Field(c: "\(p.field).\(m.name)", swift: m.swift.map { "\(p.field).\($0)" }, compare: m.compare),
                                vcd: m.vcd == .same("cyc") ? .same("\(p.field).cyc") : m.vcd, cpuPort: true, also: also))
            }
        }
        let stage = { (names: [String]) in Driver.slices(.cpu, names, lsb: 0) }
        s += [
            ObservedSignal("pc_f", 32, doc: "PC of F (byte address)", field: Field(c: "pc_f", swift: "pcF"), cpuPort: true,
                   driver: .slices(.instructionUnit, ["pc_f"], lsb: 2)),
            ObservedSignal("pc_d", 32, doc: "PC of D", field: Field(c: "pc_d", swift: "pcD"), cpuPort: true,
                   driver: .slices(.instructionUnit, ["pc_d"], lsb: 2)),
            ObservedSignal("pc_x", 32, doc: "PC of X", field: Field(c: "pc_x", swift: "pcX"), cpuPort: true,
                   driver: .slices(.instructionUnit, ["pc_x"], lsb: 2)),
            ObservedSignal("pc_m", 32, doc: "PC of M", field: Field(c: "pc_m", swift: "pcM"), cpuPort: true,
                   driver: .slices(.instructionUnit, ["pc_m"], lsb: 2)),
            ObservedSignal("pc_w", 32, doc: "PC of W", field: Field(c: "pc_w", swift: "pcW"), cpuPort: true,
                   driver: .slices(.instructionUnit, ["pc_w"], lsb: 2)),
            ObservedSignal("valid", 5, doc: "valid_f..valid_w in bits 0..4", field: Field(c: "valid", swift: "valid"), cpuPort: true,
                   driver: stage(["valid_f", "valid_d", "valid_x", "valid_m", "valid_w"])),
            ObservedSignal("stall", 5, doc: "stall_a..stall_m in bits 0..4", field: Field(c: "stall", swift: "stall"), cpuPort: true,
                   driver: stage(["stall_a", "stall_f", "stall_d", "stall_x", "stall_m"])),
            ObservedSignal("kill", 5, doc: "kill_f..kill_w in bits 0..4", field: Field(c: "kill", swift: "kill"), cpuPort: true,
                   driver: stage(["kill_f", "kill_d", "kill_x", "kill_m", "kill_w"])),
            ObservedSignal("retire", 1, doc: "valid_w & ~kill_w: the instruction in W completes at the next edge",
                   field: Field(c: "retire", swift: "retire"), cpuPort: true,
                   driver: .expression("lm32.cpu.valid_w & ~lm32.cpu.kill_w")),
            ObservedSignal("insn_w", 32, doc: "the instruction word in W (follows pc_w)",
                   field: Field(c: "insn_w", swift: "insnW", compare: .when("o.retire")), cpuPort: true, driver: .register),
            ObservedSignal("rf_we", 1, doc: "register-file write port (written at the next edge): enable",
                   field: Field(c: "rf_we", swift: "rfWe"), cpuPort: true, driver: .path(Alias(.cpu, "reg_write_enable_q_w"))),
            ObservedSignal("rf_idx", 5, doc: "register-file write port: register number",
                   field: Field(c: "rf_idx", swift: "rfIdx", compare: .when("o.rfWe")), cpuPort: true,
                   driver: .path(Alias(.cpu, "write_idx_w"))),
            ObservedSignal("rf_data", 32, doc: "register-file write port: data",
                   field: Field(c: "rf_data", swift: "rfData", compare: .when("o.rfWe")), cpuPort: true,
                   driver: .path(Alias(.cpu, "w_result"))),
            ObservedSignal("exc_w", 2, doc: "exception taken by the instruction in W: bit 0 non-debug, bit 1 debug",
                   field: Field(c: "exc_w", swift: "excW"), cpuPort: true,
                   driver: stage(["non_debug_exception_q_w", "debug_exception_q_w"])),
            ObservedSignal("eid_w", 3, doc: "its exception ID (the shadow pipeline's eid_w)",
                   field: Field(c: "eid_w", swift: "eidW", compare: .when("o.excW != 0")), cpuPort: true, driver: .register),
            ObservedSignal("ie", 1, doc: "IE CSR: IE", field: Field(c: "ie", swift: "ie"), cpuPort: true,
                   driver: .path(Alias(.interruptUnit, "ie"))),
            ObservedSignal("eie", 1, doc: "IE CSR: EIE", field: Field(c: "eie", swift: "eie"), cpuPort: true,
                   driver: .path(Alias(.interruptUnit, "eie"))),
            ObservedSignal("bie", 1, doc: "IE CSR: BIE", field: Field(c: "bie", swift: "bie"), cpuPort: true,
                   driver: .path(Alias(.interruptUnit, "bie"))),
            ObservedSignal("ip", 32, doc: "interrupt pending CSR", field: Field(c: "ip", swift: "ip"), cpuPort: true,
                   driver: .path(Alias(.interruptUnit, "ip"))),
            ObservedSignal("im", 32, doc: "interrupt mask CSR", field: Field(c: "im", swift: "im"), cpuPort: true,
                   driver: .path(Alias(.interruptUnit, "im"))),
            ObservedSignal("cc", 32, doc: "cycle counter CSR (0 without a cycle counter)", field: Field(c: "cc", swift: "cc"), cpuPort: true,
                   driver: .path(Alias(.cpu, "cc", when: .cycleCounter))),
            ObservedSignal("tdev_end", 1, doc: "test device: end (write to 0xFFFF0000, or 0xBEEF to 0xDEAD0000)", packed: "tdev",
                   vcd: .bit(of: "tdev", 0)),
            ObservedSignal("tdev_result", 1, doc: "test device: result (write to 0xFFFF0004; tdev_data = 0: pass)", packed: "tdev",
                   vcd: .bit(of: "tdev", 1)),
            ObservedSignal("tdev_name", 1, doc: "test device: test name (write to 0xFFFF0008; tdev_data = its address)", packed: "tdev",
                   vcd: .bit(of: "tdev", 2)),
            ObservedSignal("tdev_char", 1, doc: "test device: character (write to 0xFF000000; tdev_data[7:0])", packed: "tdev",
                   vcd: .bit(of: "tdev", 3)),
            ObservedSignal("tdev_data", 32, doc: "data of the test-device event (DAT_O of the write)",
                   field: Field(c: "tdev_data", swift: "tdevData", compare: .never)),
            ObservedSignal("soc_rst", 1, tops: .soc, doc: "the CPU's reset (bench: rst; SoC: rst | the sysctl system reset)",
                   field: Field(c: "reset", swift: "reset", port: [.bench: "rst"]), also: resetAliases(.soc)),
            ObservedSignal("sdram_latency", 8, tops: .soc, doc: "cycles per SDRAM beat", vcd: .supplied),
            ObservedSignal("gpio_in", 8, tops: .soc, doc: "GPIO input pins (the harness sets them; the bridge does not report them)",
                   field: Field(c: nil, swift: "gpioIn"), inputOn: .soc),
            ObservedSignal("gpio_out", 8, tops: .soc, doc: "sysctl GPIO_OUT pins", field: Field(c: "gpio_out", swift: "gpioOut")),
            ObservedSignal("uart_tx_wr", 1, tops: .soc, doc: "an RXTX write is presented this cycle (the byte's stamp)",
                   field: Field(c: "uart_tx_wr", swift: "uartTxWr")),
            ObservedSignal("uart_tx_data", 8, tops: .soc, doc: "the granted master's DAT_O[7:0] (the byte of an RXTX write)",
                   field: Field(c: "uart_tx_data", swift: "uartTxData", compare: .when("o.uartTxWr"))),
            ObservedSignal("uart_tx", 1, tops: .soc, doc: "the UART's serial output pin", field: Field(c: "uart_tx", swift: nil, compare: .never),
                   vcd: .absent),
            ObservedSignal("uart_thre", 1, tops: .soc, doc: "STAT.THRE: the transmitter is idle", field: Field(c: "uart_thre", swift: "uartThre")),
            // the automaton coprocessor (CSR bank 2, IRQ 4, bus master 2)
            ObservedSignal("cop_irq", 1, tops: .soc, doc: "the coprocessor's interrupt (line 4)", field: Field(c: "cop_irq", swift: "copIrq")),
            ObservedSignal("cop_csr_we", 1, tops: .soc, doc: "a CSR write to the coprocessor lands at this cycle's edge",
                   field: Field(c: "cop_csr_we", swift: "copCsrWe")),
            ObservedSignal("cop_csr_re", 1, tops: .soc, doc: "a CSR read samples the coprocessor in this cycle",
                   field: Field(c: "cop_csr_re", swift: "copCsrRe")),
            ObservedSignal("cop_csr_adr", 10, tops: .soc, doc: "the coprocessor's CSR register index (adr[11:2] of the bus; 0 without a write or read)",
                   field: Field(c: "cop_csr_adr", swift: "copCsrAdr", compare: .when("o.copCsrWe || o.copCsrRe"))),
            ObservedSignal("cop_csr_dat_w", 32, tops: .soc, doc: "the coprocessor's CSR write data (0 without a write)",
                   field: Field(c: "cop_csr_dat_w", swift: "copCsrDatW", compare: .when("o.copCsrWe"))),
            ObservedSignal("cop_csr_dat_r", 32, tops: .soc, doc: "the coprocessor's CSR read data, its register at cop_csr_adr (0 without a read)",
                   field: Field(c: "cop_csr_dat_r", swift: "copCsrDatR", compare: .when("o.copCsrRe"))),
            ObservedSignal("cop_cyc", 1, tops: .soc, doc: "the coprocessor master's CYC (= STB; single reads, SEL 1111)",
                   field: Field(c: "cop_cyc", swift: "copCyc")),
            ObservedSignal("cop_adr", 32, tops: .soc, doc: "the coprocessor master's ADR (0 without CYC)",
                   field: Field(c: "cop_adr", swift: "copAdr", compare: .when("o.copCyc"))),
            ObservedSignal("cop_ack", 1, tops: .soc, doc: "the coprocessor master's ACK", field: Field(c: "cop_ack", swift: "copAck")),
            ObservedSignal("cop_err", 1, tops: .soc, doc: "the coprocessor master's ERR", field: Field(c: "cop_err", swift: "copErr")),
            ObservedSignal("cop_dat_r", 32, tops: .soc, doc: "the coprocessor master's DAT_I (the word in its ACK cycle)",
                   field: Field(c: "cop_dat_r", swift: "copDatR", compare: .when("o.copAck"))),
            // the PCIe endpoint (CSR bank 3, IRQ 5, bus master 3): its DMA engine's master
            ObservedSignal("pcie_irq", 1, tops: .soc, doc: "the PCIe endpoint's interrupt (line 5)", field: Field(c: "pcie_irq", swift: "pcieIrq")),
            ObservedSignal("pcie_cyc", 1, tops: .soc, doc: "the endpoint's DMA master's CYC (= STB; single beats)",
                   field: Field(c: "pcie_cyc", swift: "pcieCyc")),
            ObservedSignal("pcie_adr", 32, tops: .soc, doc: "the endpoint's DMA master's ADR (0 without CYC)",
                   field: Field(c: "pcie_adr", swift: "pcieAdr", compare: .when("o.pcieCyc"))),
            ObservedSignal("pcie_we", 1, tops: .soc, doc: "the endpoint's DMA master's WE (0 without CYC)",
                   field: Field(c: "pcie_we", swift: "pcieWe", compare: .when("o.pcieCyc"))),
            ObservedSignal("pcie_ack", 1, tops: .soc, doc: "the endpoint's DMA master's ACK", field: Field(c: "pcie_ack", swift: "pcieAck")),
            ObservedSignal("pcie_err", 1, tops: .soc, doc: "the endpoint's DMA master's ERR", field: Field(c: "pcie_err", swift: "pcieErr")),
            // its stream ports towards the host (PCIe user clock): their values before the user
            // edge of this cycle's step (docs/pcie-endpoint.md, "The SoC lock-step")
            ObservedSignal("pcie_rx_ready", 1, tops: .soc, doc: "the endpoint takes the host's dword (rx_ready)",
                   field: Field(c: "pcie_rx_ready", swift: "pcieRxReady"), vcd: .absent),
            ObservedSignal("pcie_tx_valid", 1, tops: .soc, doc: "the endpoint offers a dword to the host (tx_valid)",
                   field: Field(c: "pcie_tx_valid", swift: "pcieTxValid"), vcd: .absent),
            ObservedSignal("pcie_tx_sop", 1, tops: .soc, doc: "the offered dword starts a TLP (tx_sop)",
                   field: Field(c: "pcie_tx_sop", swift: "pcieTxSop", compare: .when("o.pcieTxValid")), vcd: .absent),
            ObservedSignal("pcie_tx_eop", 1, tops: .soc, doc: "the offered dword ends a TLP (tx_eop)",
                   field: Field(c: "pcie_tx_eop", swift: "pcieTxEop", compare: .when("o.pcieTxValid")), vcd: .absent),
            ObservedSignal("pcie_tx_data", 32, tops: .soc, doc: "the offered dword (tx_data)",
                   field: Field(c: "pcie_tx_data", swift: "pcieTxData", compare: .when("o.pcieTxValid")), vcd: .absent),
        ]
        return s
    }()

    /// The packed fields (name, the signals of its bits in bit order).
    public static var packedFields: [(name: String, bits: [ObservedSignal])] {
        var out: [(String, [ObservedSignal])] = []
        for sig in signals {
            guard let p = sig.packed else { continue }
            if let i = out.firstIndex(where: { $0.0 == p }) { out[i].1.append(sig) } else { out.append((p, [sig])) }
        }
        return out
    }
}
