/// A capability found by walking the list: its ID and offset.
public struct FoundCapability: Hashable, Sendable {
    public var id: UInt8
    public var offset: Int
}

/// What enumeration found and set up, read back through configuration TLPs.
public struct EnumeratedDevice: Hashable, Sendable {
    public var id: PCIeID
    public var vendorID: UInt16
    public var deviceID: UInt16
    /// BAR0's size from the sizing write of all ones, and the base assigned.
    public var bar0Size: UInt32
    public var bar0Base: UInt32
    /// In list order.
    public var capabilities: [FoundCapability]
    /// Configuration dwords 0...63 after set-up, as `lspci -vv` needs them.
    public var config: [UInt32]

    public func capability(_ id: UInt8) -> Int? { capabilities.first { $0.id == id }?.offset }
}

public enum EnumerationError: Error, Hashable, Sendable, CustomStringConvertible {
    case notAMemoryBAR(UInt32)
    case capabilityLoop(Int)
    case missingCapability(String)

    public var description: String {
        switch self {
        case .notAMemoryBAR(let v): "BAR0 reads 0x\(String(v, radix: 16)) after sizing: not a 32-bit memory BAR"
        case .capabilityLoop(let o): "capability list revisits offset 0x\(String(o, radix: 16))"
        case .missingCapability(let n): "the device has no \(n) capability"
        }
    }
}

/// Host software's access to the device's configuration space: the modelled system, or
/// the lock-step of the cycle-exact and the RTL endpoint under the same host.
public protocol ConfigurationAccess {
    var hostConfiguration: HostConfiguration { get }
    func configRead(_ register: Int) throws -> UInt32
    func configWrite(_ register: Int, _ value: UInt32, firstBE: UInt8) throws
}

extension PCIeSystem: ConfigurationAccess {
    public var hostConfiguration: HostConfiguration { host.configuration }
}

extension ConfigurationAccess {
    /// Enumerates the device as a root complex's firmware would, all by configuration TLPs:
    /// reads the IDs, sizes BAR0 and assigns it, walks the capability list, programs MSI
    /// (address, data, enable), max payload / read request size and the RCB, then enables
    /// memory space and bus mastering.
    public func enumerate() throws -> EnumeratedDevice {
        let hc = hostConfiguration
        let ids = try configRead(0)
        guard ids & 0xFFFF != 0xFFFF else { throw HostError.noDevice }
        try configWrite(1, 0, firstBE: 0b0011)                 // decoding off while BAR0 moves
        try configWrite(4, 0xFFFF_FFFF, firstBE: 0xF)
        let sized = try configRead(4)
        guard sized & 0x7 == 0, sized & ~0xF != 0 else { throw EnumerationError.notAMemoryBAR(sized) }
        let size = ~(sized & ~0xF) &+ 1
        try configWrite(4, hc.bar0Base, firstBE: 0xF)

        var caps: [FoundCapability] = []
        var at = Int(try configRead(0x34 / 4) & 0xFC)
        while at != 0 {
            guard !caps.contains(where: { $0.offset == at }) else { throw EnumerationError.capabilityLoop(at) }
            let d = try configRead(at / 4)
            caps.append(FoundCapability(id: UInt8(d & 0xFF), offset: at))
            at = Int((d >> 8) & 0xFC)
        }
        guard let msi = caps.first(where: { $0.id == ConfigSpace.msiCapabilityID })?.offset else {
            throw EnumerationError.missingCapability("MSI")
        }
        guard let pcie = caps.first(where: { $0.id == ConfigSpace.pcieCapabilityID })?.offset else {
            throw EnumerationError.missingCapability("PCI Express")
        }
        try configWrite((msi + 4) / 4, UInt32(truncatingIfNeeded: hc.msiAddress), firstBE: 0xF)
        try configWrite((msi + 8) / 4, UInt32(hc.msiAddress >> 32), firstBE: 0xF)
        try configWrite((msi + 0xC) / 4, UInt32(hc.msiData), firstBE: 0b0011)
        try configWrite(msi / 4, 1 << 16, firstBE: 0b1100)       // MSI enable, one vector

        let mps = UInt32(PCIeSize.encoding(bytes: hc.maxPayload) ?? 0)
        let mrrs = UInt32(PCIeSize.encoding(bytes: hc.maxReadRequest) ?? 2)
        let devctl = try configRead((pcie + 8) / 4) & 0xFFFF
        try configWrite((pcie + 8) / 4, devctl & ~0x70E0 | mps << 5 | mrrs << 12, firstBE: 0b0011)
        let lnkctl = try configRead((pcie + 0x10) / 4) & 0xFFFF
        try configWrite((pcie + 0x10) / 4, lnkctl & ~0x8 | (hc.readCompletionBoundary == 128 ? 0x8 : 0), firstBE: 0b0011)
        try configWrite(1, 0x0006, firstBE: 0b0011)               // memory space, bus master

        let dump = try (0..<64).map { try configRead($0) }
        return EnumeratedDevice(id: hc.deviceID, vendorID: UInt16(ids & 0xFFFF), deviceID: UInt16(ids >> 16),
                                bar0Size: size, bar0Base: hc.bar0Base, capabilities: caps,
                                config: dump)
    }
}

/// `lspci -vv`-style text for an enumerated device, from its configuration dwords only.
public enum LspciFormatter {
    public static func format(_ d: EnumeratedDevice) -> String {
        let c = d.config
        func byte(_ off: Int) -> UInt32 { (c[off / 4] >> UInt32(8 * (off % 4))) & 0xFF }
        func word(_ off: Int) -> UInt32 { (c[off / 4] >> UInt32(8 * (off % 4))) & 0xFFFF }
        func flag(_ name: String, _ v: UInt32, _ bit: Int) -> String { name + ((v >> UInt32(bit)) & 1 == 1 ? "+" : "-") }
        func h(_ v: UInt32, _ w: Int) -> String { hex(v, width: w) }
        let classCode = c[2] >> 8
        let command = word(4), status = word(6)
        var out: [String] = []
        out.append("\(d.id) Class [\(h(classCode >> 8, 4))]: Device [\(h(word(0), 4)):\(h(word(2), 4))] (rev \(h(byte(8), 2)))")
        out.append("\tSubsystem: Device [\(h(word(0x2C), 4)):\(h(word(0x2E), 4))]")
        out.append("\tControl: " + [flag("I/O", command, 0), flag("Mem", command, 1), flag("BusMaster", command, 2),
                                    flag("ParErr", command, 6), flag("SERR", command, 8), flag("DisINTx", command, 10)]
            .joined(separator: " "))
        out.append("\tStatus: " + [flag("Cap", status, 4), flag("INTx", status, 3), flag(">TAbort", status, 11),
                                   flag("<TAbort", status, 12), flag("<MAbort", status, 13), flag(">SERR", status, 14),
                                   flag("<PERR", status, 15)].joined(separator: " "))
        let bar = c[4]
        out.append("\tRegion 0: Memory at \(h(bar & ~0xF, 8)) (32-bit, \(bar & 8 != 0 ? "prefetchable" : "non-prefetchable")) "
                   + "[size=\(d.bar0Size >= 1024 ? "\(d.bar0Size / 1024)K" : "\(d.bar0Size)")]")
        for (id, at) in d.capabilities.map({ ($0.id, $0.offset) }) {
            let head = "\tCapabilities: [\(h(UInt32(at), 2))] "
            switch id {
            case ConfigSpace.pmCapabilityID:
                out.append(head + "Power Management version \(word(at + 2) & 7)")
                out.append("\t\tStatus: D\(word(at + 4) & 3) NoSoftRst\(word(at + 4) & 8 != 0 ? "+" : "-")")
            case ConfigSpace.msiCapabilityID:
                let ctl = word(at + 2)
                out.append(head + "MSI: " + [flag("Enable", ctl, 0), "Count=\(1 << ((ctl >> 4) & 7))/\(1 << ((ctl >> 1) & 7))",
                                             flag("Maskable", ctl, 8), flag("64bit", ctl, 7)].joined(separator: " "))
                out.append("\t\tAddress: \(h(c[(at + 8) / 4], 8))\(h(c[(at + 4) / 4], 8))  Data: \(h(word(at + 0xC), 4))")
            case ConfigSpace.pcieCapabilityID:
                let devcap = c[(at + 4) / 4], devctl = word(at + 8), devsta = word(at + 0xA)
                let lnkcap = c[(at + 0xC) / 4], lnkctl = word(at + 0x10), lnksta = word(at + 0x12)
                func size(_ e: UInt32) -> String { PCIeSize.bytes(encoding: UInt8(e)).map { "\($0) bytes" } ?? "reserved" }
                func speed(_ s: UInt32) -> String {
                    switch s {
                    case 1: "2.5GT/s"
                    case 2: "5GT/s"
                    case 3: "8GT/s"
                    default: "unknown"
                    }
                }
                out.append(head + "Express (v\(word(at + 2) & 0xF)) Endpoint, MSI 00")
                out.append("\t\tDevCap:\tMaxPayload \(size(devcap & 7)), PhantFunc 0, " + flag("ExtTag", devcap, 5)
                           + " " + flag("RBE", devcap, 15))
                out.append("\t\tDevCtl:\t" + [flag("CorrErr", devctl, 0), flag("NonFatalErr", devctl, 1),
                                              flag("FatalErr", devctl, 2), flag("UnsupReq", devctl, 3)].joined(separator: " "))
                out.append("\t\t\t" + [flag("RlxdOrd", devctl, 4), flag("ExtTag", devctl, 8), flag("NoSnoop", devctl, 11)]
                    .joined(separator: " "))
                out.append("\t\t\tMaxPayload \(size((devctl >> 5) & 7)), MaxReadReq \(size((devctl >> 12) & 7))")
                out.append("\t\tDevSta:\t" + [flag("CorrErr", devsta, 0), flag("NonFatalErr", devsta, 1),
                                              flag("FatalErr", devsta, 2), flag("UnsupReq", devsta, 3),
                                              flag("TransPend", devsta, 5)].joined(separator: " "))
                out.append("\t\tLnkCap:\tPort #0, Speed \(speed(lnkcap & 0xF)), Width x\((lnkcap >> 4) & 0x3F)")
                out.append("\t\tLnkCtl:\tASPM \(lnkctl & 3 == 0 ? "Disabled" : "L\(lnkctl & 3)"); RCB \(lnkctl & 8 != 0 ? 128 : 64) bytes, "
                           + flag("CommClk", lnkctl, 6) + " " + flag("ExtSynch", lnkctl, 7))
                out.append("\t\tLnkSta:\tSpeed \(speed(lnksta & 0xF)), Width x\((lnksta >> 4) & 0x3F)")
            default:
                out.append(head + "Capability ID \(h(UInt32(id), 2))")
            }
        }
        return out.joined(separator: "\n") + "\n"
    }
}
