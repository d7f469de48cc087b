import SimBus

/// The endpoint's registers, declared once (docs/pcie-endpoint.md).
///
/// Two views of one device: BAR0 (4 KiB of host memory space) and CSR bank 3 (the
/// firmware's side). The mailbox block at 0x000...0x0FF is the same registers in both
/// views, at the same offsets, with an access mode per side (the host writes answers the
/// firmware only reads; the firmware writes verdict counters the host only reads). The
/// DMA, MSI and interrupt registers at 0x100... exist only on the CSR side. Both
/// `RegisterMap`s, the Markdown tables and the firmware `.equ` include come from here.
public enum EndpointRegisters {
    /// Which side a view is for.
    public enum Side: Hashable, Sendable { case host, firmware }

    /// Mailbox answer words the host writes (ANSWER0...).
    public static let answerWords = 8
    /// BAR0's size in bytes.
    public static let bar0Size = 4096
    /// Offset of the first counter register; counters follow in `EndpointCounter` order.
    public static let countersOffset = 0x80
    /// Offset of the CSR-only block.
    public static let csrOnlyOffset = 0x100
    /// Bytes the CSR view decodes.
    public static let csrSize = 0x200
    /// The value of the read-only ID register: "PCIe" in ASCII.
    public static let magic: UInt32 = 0x5043_4965

    /// The registers at 0x000...0x0FF, in the access modes of `side`.
    public static func shared(_ side: Side) -> [Register] {
        func mode(host: AccessMode, firmware: AccessMode) -> AccessMode { side == .host ? host : firmware }
        var regs: [Register] = (0..<answerWords).map { i in
            Register("ANSWER\(i)", at: 4 * i, "answer word \(i) of the current round") {
                Field("VALUE", bits: 0...31, mode(host: .readWrite, firmware: .readOnly), "written by the host")
            }
        }
        regs += [
            Register("DOORBELL", at: 0x20, "the host rings after writing its answer") {
                Field("VALUE", bits: 0...31, mode(host: .readWrite, firmware: .readOnly),
                      "a host write latches DOORBELL_CYCLE and raises the DOORBELL cause")
            },
            Register("DOORBELL_CYCLE_LO", at: 0x24, "device cycle when the last doorbell TLP arrived, bits 31:0") {
                Field("CYCLE", bits: 0...31, .readOnly)
            },
            Register("DOORBELL_CYCLE_HI", at: 0x28, "bits 63:32 of the same") {
                Field("CYCLE", bits: 0...31, .readOnly)
            },
            Register("STATUS", at: 0x2C) {
                Field("DOORBELL_PENDING", bit: 0, .readOnly, "a doorbell the firmware has not acknowledged")
                Field("DMA_BUSY", bit: 1, .readOnly, "a DMA transfer is in progress")
                Field("FIRMWARE_READY", bit: 2, mode(host: .readOnly, firmware: .readWrite), "set by the firmware")
                Field("ERROR", bit: 3, .readOnly, "an error cause is pending (DMA_ERROR or TRAFFIC_ERROR)")
            },
            Register("VERDICT_TRUSTED", at: 0x30, "rounds judged trusted") {
                Field("COUNT", bits: 0...31, mode(host: .readOnly, firmware: .readWrite))
            },
            Register("VERDICT_WRONG", at: 0x34, "rounds with a wrong answer") {
                Field("COUNT", bits: 0...31, mode(host: .readOnly, firmware: .readWrite))
            },
            Register("VERDICT_LATE", at: 0x38, "rounds answered after the deadline") {
                Field("COUNT", bits: 0...31, mode(host: .readOnly, firmware: .readWrite))
            },
            Register("VERDICT_NO_ANSWER", at: 0x3C, "rounds without an answer") {
                Field("COUNT", bits: 0...31, mode(host: .readOnly, firmware: .readWrite))
            },
            Register("ID", at: 0x40, "identifies the register layout") {
                Field("MAGIC", bits: 0...31, .readOnly, reset: UInt64(magic), "\"PCIe\" in ASCII")
            },
            Register("SCRATCH", at: 0x44, "free for host and firmware") {
                Field("VALUE", bits: 0...31, .readWrite)
            },
        ]
        regs += EndpointCounter.allCases.enumerated().map { i, c in
            Register(c.registerName, at: countersOffset + 4 * i, c.summary) {
                Field("COUNT", bits: 0...31, .readOnly, "saturates at 2^32 - 1")
            }
        }
        return regs
    }

    /// The CSR-only block: the DMA engine, MSI requests, interrupt causes.
    static let csrOnly: [Register] = [
        Register("DMA_LOCAL", at: 0x100, "device memory address of the transfer") {
            Field("ADDRESS", bits: 0...31, .readWrite)
        },
        Register("DMA_HOST_LO", at: 0x104, "host address, bits 31:0") { Field("ADDRESS", bits: 0...31, .readWrite) },
        Register("DMA_HOST_HI", at: 0x108, "host address, bits 63:32") { Field("ADDRESS", bits: 0...31, .readWrite) },
        Register("DMA_LENGTH", at: 0x10C, "bytes to move") { Field("BYTES", bits: 0...23, .readWrite, "1 ... 2^24 - 1") },
        Register("DMA_CONTROL", at: 0x110) {
            Field("START", bit: 0, .readOnlyWriteAction, "write 1: start (ignored while DMA_BUSY)")
            Field("FROM_HOST", bit: 1, .readWrite, "0: device memory to host (MWr); 1: host to device memory (MRd)")
        },
        Register("DMA_STATUS", at: 0x114) {
            Field("BUSY", bit: 0, .readOnly)
            Field("ERROR", bits: 4...7, .readOnly, "DMAError of the last transfer, 0 = none")
        },
        Register("DMA_DONE_BYTES", at: 0x118, "bytes of the last transfer that reached their destination") {
            Field("BYTES", bits: 0...31, .readOnly)
        },
        Register("MSI_CONTROL", at: 0x11C) {
            Field("SEND", bit: 0, .readOnlyWriteAction, "write 1: send the MSI (counted in MSI_BLOCKED if disabled)")
        },
        Register("MSI_CYCLE_LO", at: 0x120, "device cycle when the last MSI started on the link, bits 31:0") {
            Field("CYCLE", bits: 0...31, .readOnly)
        },
        Register("MSI_CYCLE_HI", at: 0x124, "bits 63:32 of the same") { Field("CYCLE", bits: 0...31, .readOnly) },
        Register("IRQ_PENDING", at: 0x128, "interrupt causes; IRQ 5 = PENDING & ENABLE") {
            for c in EndpointIRQCause.allCases {
                Field(c.fieldName, bit: c.rawValue, .writeOneToClear, c.summary)
            }
        },
        Register("IRQ_ENABLE", at: 0x12C) {
            for c in EndpointIRQCause.allCases { Field(c.fieldName, bit: c.rawValue, .readWrite) }
        },
    ]

    /// BAR0 as the host sees it.
    public static let bar0Map: RegisterMap = build("pcie-bar0", size: bar0Size, shared(.host))
    /// CSR bank 3 as the firmware sees it.
    public static let csrMap: RegisterMap = build("pcie", size: csrSize, shared(.firmware) + csrOnly)
    /// Names of the registers both views share.
    public static let sharedNames: Set<String> = Set(shared(.host).map(\.name))

    static func build(_ name: String, size: Int, _ registers: [Register]) -> RegisterMap {
        do {
            return try RegisterMap(name, size: size, registers: registers)
        } catch {
            preconditionFailure("endpoint register declaration: \(error)")
        }
    }

    /// The firmware include: `.equ PCIE_<REGISTER>...` lines plus the causes and errors.
    public static func asmInclude() -> String {
        var out = csrMap.asmEquates(prefix: "pcie")
        for e in DMAError.allCases where e != .none {
            out += ".equ PCIE_DMA_ERROR_\(RegisterMap.identifier(e.name)), \(e.rawValue)\n"
        }
        return out
    }
}

/// The endpoint's event counters, in register order from `EndpointRegisters.countersOffset`.
/// Every TLP received is counted in `tlpsReceived` and in exactly one of the counters whose
/// `isDisposition` is true, so those sum to `tlpsReceived`.
public enum EndpointCounter: Int, CaseIterable, Hashable, Sendable {
    case tlpsReceived
    case configRequests
    case bar0Reads
    case bar0Writes
    case completions
    case malformed
    case unsupportedRequest
    case poisoned
    case unexpectedCompletion
    case completionMismatch
    case messagesDropped
    case completionTimeouts
    case completionUR
    case completionCA
    case msiSent
    case msiBlocked

    public var registerName: String {
        switch self {
        case .tlpsReceived: "TLPS_RECEIVED"
        case .configRequests: "CONFIG_REQUESTS"
        case .bar0Reads: "BAR0_READS"
        case .bar0Writes: "BAR0_WRITES"
        case .completions: "COMPLETIONS"
        case .malformed: "MALFORMED"
        case .unsupportedRequest: "UNSUPPORTED_REQUESTS"
        case .poisoned: "POISONED"
        case .unexpectedCompletion: "UNEXPECTED_COMPLETIONS"
        case .completionMismatch: "COMPLETION_MISMATCHES"
        case .messagesDropped: "MESSAGES_DROPPED"
        case .completionTimeouts: "COMPLETION_TIMEOUTS"
        case .completionUR: "COMPLETIONS_UR"
        case .completionCA: "COMPLETIONS_CA"
        case .msiSent: "MSI_SENT"
        case .msiBlocked: "MSI_BLOCKED"
        }
    }

    public var summary: String {
        switch self {
        case .tlpsReceived: "TLPs received from the link, well-formed or not"
        case .configRequests: "CfgRd0/CfgWr0 answered with a successful completion"
        case .bar0Reads: "MRd inside BAR0, answered with data"
        case .bar0Writes: "MWr inside BAR0, applied"
        case .completions: "completions accepted for an outstanding DMA read (any status)"
        case .malformed: "TLPs that do not decode: discarded, no completion"
        case .unsupportedRequest: "requests answered UR (non-posted) or discarded as UR (posted)"
        case .poisoned: "poisoned writes and completions: discarded"
        case .unexpectedCompletion: "completions with no outstanding tag or another requester: discarded"
        case .completionMismatch: "completions for an outstanding tag with a wrong Byte Count, Lower Address, length or RCB split: discarded"
        case .messagesDropped: "vendor-defined type 1 messages, silently discarded"
        case .completionTimeouts: "DMA reads not completed in the completion timeout"
        case .completionUR: "DMA reads answered UR"
        case .completionCA: "DMA reads answered CA"
        case .msiSent: "MSI writes sent"
        case .msiBlocked: "MSI requests not sent: MSI or bus mastering disabled"
        }
    }

    /// Counted once for each TLP received, by what became of it.
    public var isDisposition: Bool {
        switch self {
        case .configRequests, .bar0Reads, .bar0Writes, .completions, .malformed, .unsupportedRequest, .poisoned,
             .unexpectedCompletion, .completionMismatch, .messagesDropped: true
        case .tlpsReceived, .completionTimeouts, .completionUR, .completionCA, .msiSent, .msiBlocked: false
        }
    }

    /// Raises the TRAFFIC_ERROR cause when counted.
    public var isTrafficError: Bool {
        switch self {
        case .malformed, .unsupportedRequest, .poisoned, .unexpectedCompletion, .completionMismatch: true
        default: false
        }
    }
}

/// Causes of IRQ 5, bit positions in IRQ_PENDING and IRQ_ENABLE.
public enum EndpointIRQCause: Int, CaseIterable, Hashable, Sendable {
    case dmaDone = 0
    case dmaError = 1
    case doorbell = 2
    case trafficError = 3

    public var fieldName: String {
        switch self {
        case .dmaDone: "DMA_DONE"
        case .dmaError: "DMA_ERROR"
        case .doorbell: "DOORBELL"
        case .trafficError: "TRAFFIC_ERROR"
        }
    }

    public var summary: String {
        switch self {
        case .dmaDone: "a DMA transfer ended without error"
        case .dmaError: "a DMA transfer ended with an error (DMA_STATUS.ERROR)"
        case .doorbell: "the host wrote DOORBELL"
        case .trafficError: "a TLP was counted as an error (malformed, UR, poisoned, unexpected)"
        }
    }
}

/// Why a DMA transfer ended early: DMA_STATUS.ERROR.
public enum DMAError: UInt8, CaseIterable, Hashable, Sendable {
    case none = 0
    case unsupportedRequest = 1
    case completerAbort = 2
    case completionTimeout = 3
    case poisoned = 4
    case busMasterDisabled = 5
    case localRange = 6
    case length = 7

    public var name: String {
        switch self {
        case .none: "none"
        case .unsupportedRequest: "unsupported request"
        case .completerAbort: "completer abort"
        case .completionTimeout: "completion timeout"
        case .poisoned: "poisoned"
        case .busMasterDisabled: "bus master disabled"
        case .localRange: "local range"
        case .length: "length"
        }
    }
}
