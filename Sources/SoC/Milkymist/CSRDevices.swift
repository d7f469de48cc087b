/// The milkymist SoC's devices behind the CSR bridge, and the one dispatch
/// of a CSR access to them by bank (docs/soc.md): shared by the functional
/// machine's bus (`MilkymistBus`) and the cycle-exact machine's devices
/// (`SoCCycle.MilkymistCycleDevices`), which differ only in when they bring
/// the devices to a cycle. Offsets are from the CSR window's base; a bank
/// without a device reads 0 and ignores writes; SEL is ignored (the word as
/// stored is written).
public struct MilkymistCSRDevices {
    public let soc: SoCDescription
    public var uart: UART
    public var sysctl: Sysctl
    /// The automaton coprocessor, when the machine gives it a master port
    /// (else its bank reads 0 and ignores writes).
    public var coprocessor: AutomatonCoprocessor?
    /// The coprocessor is clocked by its machine (`AutomatonCoprocessor.clock`,
    /// the cycle-exact SoC, where it is a bus master) rather than advanced
    /// lazily with the other devices (the functional SoC).
    public let coprocessorClocked: Bool
    /// Clocked: the CSR write to the coprocessor presented in a cycle (the
    /// coprocessor's cycle then), for the machine to pass to `clock` at
    /// that cycle's edge.
    public var coprocessorWrite: (cycle: UInt64, index: Int, value: UInt32)?
    /// The PCIe endpoint with its modelled host, when the machine gives it one (the
    /// functional machine; elsewhere its bank reads 0, as on the RTL so far).
    public let pcie: PCIeEndpointDevice?
    public let uartBank: Int, sysctlBank: Int, coprocessorBank: Int?, pcieBank: Int?

    public init(soc: SoCDescription, coprocessorMaster: CoprocessorMaster? = nil, clocked: Bool = false,
                pcie: PCIeEndpointDevice? = nil) {
        guard let u = soc.bank(named: "uart"), let sc = soc.bank(named: "sysctl"),
              let uirq = soc.interrupt(named: "uart"), let girq = soc.interrupt(named: "gpio"),
              let t0 = soc.interrupt(named: "timer0"), let t1 = soc.interrupt(named: "timer1") else {
            preconditionFailure("the SoC description lacks a device or line the machine needs")
        }
        self.soc = soc
        coprocessorClocked = clocked
        uartBank = u.bank; sysctlBank = sc.bank
        uart = UART(line: uirq.number)
        sysctl = Sysctl(clockHertz: soc.clockHertz, gpioLine: girq.number, timerLines: [t0.number, t1.number])
        if let master = coprocessorMaster {
            guard let cp = soc.bank(named: "coprocessor"), let line = soc.interrupt(named: "coprocessor") else {
                preconditionFailure("the SoC description lacks the coprocessor's bank or line")
            }
            coprocessorBank = cp.bank
            coprocessor = AutomatonCoprocessor(line: line.number, master: master)
        } else {
            coprocessorBank = nil
        }
        self.pcie = pcie
        pcieBank = pcie == nil ? nil : soc.bank(named: "pcie")?.bank
    }

    /// Bring the devices to the start of `target` (no-op for a past cycle).
    public mutating func advance(to target: UInt64) {
        uart.advance(to: target)
        sysctl.advance(to: target)
        if !coprocessorClocked && coprocessor != nil { coprocessor!.advance(to: target) }
        pcie?.advance(to: target)
    }

    /// The register at `offset`, read in the devices' current cycle.
    public mutating func read(offset: UInt32) -> UInt32 {
        let (bank, index) = CSRBridge.decode(offset: offset)
        switch bank {
        case uartBank: return uart.read(index: index)
        case sysctlBank: return sysctl.read(index: index)
        case coprocessorBank: return coprocessor?.read(index: index) ?? 0
        case pcieBank: return pcie?.read(index: index) ?? 0
        default: return 0
        }
    }

    /// A write of `data` to the register at `offset` in the devices' current
    /// cycle. Returns the byte the UART started sending, if it did.
    @discardableResult
    public mutating func write(offset: UInt32, data: UInt32) -> UART.Sent? {
        let (bank, index) = CSRBridge.decode(offset: offset)
        switch bank {
        case uartBank:
            let n = uart.sent.count
            uart.write(index: index, value: data)
            return uart.sent.count > n ? uart.sent.last : nil
        case sysctlBank:
            sysctl.write(index: index, value: data)
        case coprocessorBank:
            guard let c = coprocessor else { break }
            if coprocessorClocked { coprocessorWrite = (c.cycle, index, data) } else { coprocessor!.write(index: index, value: data) }
        case pcieBank:
            pcie?.write(index: index, value: data)
        default: break
        }
        return nil
    }

    /// Whether a write at `offset` goes to the UART's RXTX register (the
    /// SoC's uart_tx_wr pin).
    public func isUARTData(offset: UInt32) -> Bool {
        let (bank, index) = CSRBridge.decode(offset: offset)
        return bank == uartBank && UART.alias(index) == UART.rxtx
    }

    /// The system reset: the devices take their reset values from `cycle`
    /// on; the GPIO input pins stay as driven. The PCIe endpoint keeps its state:
    /// the link and the host's set-up survive a reset of the SoC.
    public mutating func reset(at cycle: UInt64) {
        let pins = sysctl.gpioPins
        uart = UART(line: uart.line, cycle: cycle)
        sysctl = Sysctl(clockHertz: soc.clockHertz, gpioLine: sysctl.gpioLine, timerLines: sysctl.timerLines, cycle: cycle)
        sysctl.gpioPins = pins
        if let c = coprocessor { coprocessor = AutomatonCoprocessor(line: c.line, master: c.master, cycle: cycle) }
        coprocessorWrite = nil
    }
}
