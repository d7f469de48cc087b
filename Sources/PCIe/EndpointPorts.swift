/// The ports of the RTL endpoint (RTL/soc/socsim_pcie_endpoint.v) as the lock-step
/// sees them, declared once: the verilated bridge's input and output lists (the
/// generated `RTL/bridge/socsim_pcie_ports.inc`, written by `socsim generate`), the
/// cycle-exact model's input and output vectors (`EndpointCycle`) and the comparison's
/// signal names and order all come from this list.
public enum EndpointPorts {
    public enum Direction: Sendable { case input, output }

    /// One port: its name in the Verilog, width in bits (at most 64), direction, and the
    /// clock domain it belongs to (index into `clocks`).
    public struct Port: Hashable, Sendable {
        public let name: String
        public let width: Int
        public let direction: Direction
        public let domain: Int
        public let doc: String

        /// The bits a value of this port may hold.
        public var mask: UInt64 { width == 64 ? .max : (1 << UInt64(width)) - 1 }
    }

    /// The clock ports in domain order, each with the name of the SoC description's
    /// clock it is driven by (`SoCDescription.clocks`: the system clock, then the PCIe
    /// user clock).
    public static let clocks: [(description: String, port: String)] = [("sys_clk", "clk"), ("pcie_user_clk", "user_clk")]
    public static let systemDomain = 0, userDomain = 1

    static func input(_ name: String, _ width: Int, _ domain: Int, _ doc: String) -> Port {
        Port(name: name, width: width, direction: .input, domain: domain, doc: doc)
    }

    static func output(_ name: String, _ width: Int, _ domain: Int, _ doc: String) -> Port {
        Port(name: name, width: width, direction: .output, domain: domain, doc: doc)
    }

    /// Every port but the clocks, in the order of the vectors.
    public static let ports: [Port] = [
        input("user_rst", 1, userDomain, "user clock domain reset"),
        input("rx_data", 32, userDomain, "TLP dword from the host"),
        input("rx_sop", 1, userDomain, "first dword of a TLP"),
        input("rx_eop", 1, userDomain, "last dword of a TLP"),
        input("rx_valid", 1, userDomain, "the host offers a dword"),
        input("tx_ready", 1, userDomain, "the host takes tx_data"),
        input("rst", 1, systemDomain, "system clock domain reset"),
        input("we", 1, systemDomain, "CSR write"),
        input("adr", 10, systemDomain, "CSR word address (bits 6:0 decoded)"),
        input("dat_w", 32, systemDomain, "CSR write data"),
        input("m_dat_r", 32, systemDomain, "DMA master: read data"),
        input("m_ack", 1, systemDomain, "DMA master: acknowledge"),
        input("m_err", 1, systemDomain, "DMA master: error"),
        output("rx_ready", 1, userDomain, "the receive crossing has room"),
        output("tx_data", 32, userDomain, "TLP dword to the host"),
        output("tx_sop", 1, userDomain, "first dword of a TLP"),
        output("tx_eop", 1, userDomain, "last dword of a TLP"),
        output("tx_valid", 1, userDomain, "the endpoint offers a dword"),
        output("dat_r", 32, systemDomain, "CSR read data at adr"),
        output("irq", 1, systemDomain, "IRQ 5"),
        output("cycle", 64, systemDomain, "device cycle counter"),
        output("m_cyc", 1, systemDomain, "DMA master: cycle"),
        output("m_stb", 1, systemDomain, "DMA master: strobe"),
        output("m_adr", 32, systemDomain, "DMA master: address"),
        output("m_we", 1, systemDomain, "DMA master: write"),
        output("m_sel", 4, systemDomain, "DMA master: byte lanes"),
        output("m_cti", 3, systemDomain, "DMA master: cycle type"),
        output("m_dat_w", 32, systemDomain, "DMA master: write data"),
    ]

    public static let inputs = ports.filter { $0.direction == .input }
    public static let outputs = ports.filter { $0.direction == .output }

    /// The index of a port in its direction's vector.
    public static func inputIndex(_ name: String) -> Int {
        guard let i = inputs.firstIndex(where: { $0.name == name }) else { preconditionFailure("no input \(name)") }
        return i
    }

    public static func outputIndex(_ name: String) -> Int {
        guard let i = outputs.firstIndex(where: { $0.name == name }) else { preconditionFailure("no output \(name)") }
        return i
    }

    /// Each port's index in its vector, by name.
    public static let input = (
        userReset: inputIndex("user_rst"), rxData: inputIndex("rx_data"),
        rxSop: inputIndex("rx_sop"), rxEop: inputIndex("rx_eop"),
        rxValid: inputIndex("rx_valid"), txReady: inputIndex("tx_ready"),
        reset: inputIndex("rst"), we: inputIndex("we"), adr: inputIndex("adr"),
        datW: inputIndex("dat_w"), mDatR: inputIndex("m_dat_r"),
        mAck: inputIndex("m_ack"), mErr: inputIndex("m_err"))
    public static let output = (
        rxReady: outputIndex("rx_ready"), txData: outputIndex("tx_data"),
        txSop: outputIndex("tx_sop"), txEop: outputIndex("tx_eop"),
        txValid: outputIndex("tx_valid"), datR: outputIndex("dat_r"),
        irq: outputIndex("irq"), cycle: outputIndex("cycle"),
        mCyc: outputIndex("m_cyc"), mStb: outputIndex("m_stb"),
        mAdr: outputIndex("m_adr"), mWe: outputIndex("m_we"),
        mSel: outputIndex("m_sel"), mCti: outputIndex("m_cti"),
        mDatW: outputIndex("m_dat_w"))

    /// Sets the stream inputs of `inputs` (an input vector) to the host's beat.
    public static func setStream(_ b: HostStreamBeat, in inputs: inout [UInt64]) {
        inputs[input.rxValid] = b.valid ? 1 : 0
        inputs[input.rxData] = UInt64(b.data)
        inputs[input.rxSop] = b.sop ? 1 : 0
        inputs[input.rxEop] = b.eop ? 1 : 0
        inputs[input.txReady] = b.txReady ? 1 : 0
    }

    /// The stream outputs of `outputs` (an output vector) as the host sees them.
    public static func deviceStream(_ outputs: [UInt64]) -> DeviceStreamBeat {
        DeviceStreamBeat(rxReady: outputs[output.rxReady] != 0, data: UInt32(truncatingIfNeeded: outputs[output.txData]),
                         sop: outputs[output.txSop] != 0, eop: outputs[output.txEop] != 0,
                         valid: outputs[output.txValid] != 0)
    }

    /// The completion timeout of the port-driven build, in system cycles (100 us at 80
    /// MHz; the RTL's default is 50 ms): RTL/build.sh passes it as the parameter
    /// CPL_TIMEOUT_CYCLES, and the lock-step gives the model the same timeout, so that
    /// random scenarios reach timeouts in a short run.
    public static let completionTimeoutCycles: UInt64 = 8_000

    public static let includePath = "RTL/bridge/socsim_pcie_ports.inc"

    /// The bridge's port lists as X-macros: `SOCSIM_PORTS_CLOCKS(X)` with X(description
    /// name, port), `SOCSIM_PORTS_INPUTS(X)` and `SOCSIM_PORTS_OUTPUTS(X)` with X(port,
    /// width), in vector order.
    public static func include() -> String {
        var s = """
        // Generated by `socsim generate` from Sources/PCIe/EndpointPorts.swift. Do not edit.
        // The ports of the verilated PCIe endpoint in the order of the bridge's vectors
        // (RTL/bridge/ported_bridge.cpp).

        """
        s += "#define SOCSIM_PORTS_TOP \"socsim_pcie_endpoint\"\n"
        s += "// RTL/build.sh passes this as the parameter CPL_TIMEOUT_CYCLES\n"
        s += "#define SOCSIM_PCIE_CPL_TIMEOUT_CYCLES \(completionTimeoutCycles)\n"
        s += "#define SOCSIM_PORTS_CLOCKS(X)" + clocks.map { " X(\($0.description), \($0.port))" }.joined() + "\n"
        for (macro, list) in [("SOCSIM_PORTS_INPUTS", inputs), ("SOCSIM_PORTS_OUTPUTS", outputs)] {
            s += "#define \(macro)(X)"
            for p in list { s += " \\\n    X(\(p.name), \(p.width))" }
            s += "\n"
        }
        return s
    }

    public static func files() -> [(path: String, text: String)] { [(includePath, include())] }
}
