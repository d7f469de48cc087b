// `socsim pcie storm --rtl`: the hostile storm (PCIe.HostileTraffic) against the
// verilated RTL endpoint in lock-step with the cycle-exact model, while a
// firmware-like driver keeps moving data by DMA both ways and sends an MSI after
// each transfer. The counters are read through CSR bank 3 from both (dat_r after
// every edge is compared, so they are equal unless the run stopped at a divergence).

import PCIe
import SimKernel

public enum EndpointLockStepStorm {
    /// Host memory the driver's transfers use, and the device memory they use.
    public static let hostBuffer: UInt64 = 0x1000_0000
    public static let deviceBuffer: Range<UInt32> = 0x8000 ..< 0xC000

    /// Runs `tlps` storm packets (seed `seed`), 16 every 800 system cycles (10 us), the
    /// host setting the device up again after a batch that undid its set-up; returns the
    /// report text (the RTL's counters) and the broken invariants.
    public static func run(tlps: Int, seed: UInt64, batch: Int = 16) throws -> (text: String, violations: [String]) {
        let ls = try EndpointLockStep(seed: seed)
        let device = try ls.enumerate()
        var traffic = HostileTraffic(seed: seed, device: device.id, bar0Base: device.bar0Base, rootID: ls.hostConfiguration.rootID)
        var rng = SplitMix64(seed: seed ^ 0x5EED)
        ls.writeHostMemory(hostBuffer, (0..<(deviceBuffer.count + 4096)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        var sent = 0, transfers = 0, reenumerations = 0
        let reg = { (name: String) -> Int in EndpointRegisters.csrMap.register(name)!.offset / 4 }
        let cyclesPerBatch = 800
        do {
            while sent < tlps {
                if ls.dmaIdle {
                    if transfers > 0 { ls.firmware([FirmwareAccess(dword: reg("MSI_CONTROL"), value: 1)]) }
                    let n = 1 + Int(rng.next() % UInt64(deviceBuffer.count))
                    let local = UInt32(Int(deviceBuffer.lowerBound) + Int(rng.next() % UInt64(deviceBuffer.count - n + 1)))
                    ls.firmware([
                        FirmwareAccess(dword: reg("DMA_LOCAL"), value: local),
                        FirmwareAccess(dword: reg("DMA_HOST_LO"), value: UInt32(hostBuffer) + UInt32(rng.next() % 4096)),
                        FirmwareAccess(dword: reg("DMA_HOST_HI"), value: 0),
                        FirmwareAccess(dword: reg("DMA_LENGTH"), value: UInt32(n)),
                        FirmwareAccess(dword: reg("DMA_CONTROL"), value: rng.next() % 2 == 0 ? 3 : 1),
                    ])
                    transfers += 1
                }
                for _ in 0..<min(batch, tlps - sent) {
                    ls.hostSend(traffic.next())
                    sent += 1
                }
                var cycles = 0
                while cycles < cyclesPerBatch {
                    if try ls.step().domain == EndpointPorts.systemDomain { cycles += 1 }
                }
                // The host's software notices when the storm turned decoding or bus
                // mastering off, moved BAR0 or redirected the MSI, and sets the device up again.
                let msi = device.capability(ConfigSpace.msiCapabilityID) ?? 0
                if try ls.configRead(1) & 0x6 != 0x6 || ls.configRead(4) & ~0xFFF != device.bar0Base
                    || ls.configRead(msi / 4) >> 16 & 1 != 1 || ls.configRead(msi / 4 + 1) != device.config[msi / 4 + 1]
                    || ls.configRead(msi / 4 + 2) != device.config[msi / 4 + 2]
                    || ls.configRead(msi / 4 + 3) & 0xFFFF != device.config[msi / 4 + 3] & 0xFFFF {
                    _ = try ls.enumerate()
                    reenumerations += 1
                }
            }
            try ls.drain()
        } catch let d as EndpointDivergence {
            return ("storm --rtl: model and RTL diverged at \(d)\n", ["divergence: \(d)"])
        }
        var counters: [(String, UInt64)] = []
        var model: [UInt64] = []
        var violations: [String] = []
        for c in EndpointCounter.allCases {
            let v = try ls.csrRead(reg(c.registerName))
            counters.append((c.registerName, UInt64(v.rtl)))
            model.append(UInt64(v.model))
            if v.model != v.rtl { violations.append("\(c.registerName): RTL \(v.rtl), model \(v.model)") }
        }
        let received = counters[EndpointCounter.tlpsReceived.rawValue].1
        let dispositions = EndpointCounter.allCases.filter(\.isDisposition).map { counters[$0.rawValue].1 }.reduce(0, +)
        if dispositions != received { violations.append("dispositions sum to \(dispositions), TLPS_RECEIVED is \(received)") }
        if received != UInt64(ls.packetsSent) { violations.append("the host sent \(ls.packetsSent) packets, the RTL counted \(received)") }
        if UInt64(ls.root.interrupts.count) != counters[EndpointCounter.msiSent.rawValue].1 {
            violations.append("\(counters[EndpointCounter.msiSent.rawValue].1) MSIs sent, \(ls.root.interrupts.count) interrupts at the host")
        }
        if ls.root.malformedFromDevice != 0 { violations.append("\(ls.root.malformedFromDevice) malformed packets from the device") }
        let summary = "storm --rtl: \(tlps) TLPs, seed \(seed), \(transfers) firmware DMA transfers, \(reenumerations) re-enumerations, "
            + "\(ls.edgeCount) edges "
            + "compared (model and RTL), simulated \(ls.now.picoseconds / 1_000_000) us; counters read from the RTL, equal to the model's"
        return (StormReport.text(summary: summary, counters: counters, violations: violations), violations)
    }
}
