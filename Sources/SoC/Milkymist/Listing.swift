import Automaton
import LM32
import SimBus

/// Text generated from a `SoCDescription`: the map `socsim map` prints and the
/// headers `socsim header` writes. Everything comes from the same values the
/// machine decodes, so the three cannot disagree.
extension SoCDescription {
    /// Software's address of a CSR bank (the uncached alias).
    public func uncachedCSRBase(bank: Int) -> UInt32 { csrBase(bank: bank) | Self.uncachedAliasBit }

    /// The memory map, CSR banks, interrupt lines and every device's registers.
    public func mapListing() -> String {
        var out: [String] = []
        out.append("SoC \(name): clock \(clock.name) \(clockHertz) Hz (period \(clock.period.picoseconds) ps); "
                   + "device timing in cycles of this clock")
        for d in otherClocks {
            let c = clock(named: d.name)!
            out.append("Clock domain \(c.name) \(d.hertz) Hz (period \(c.period.picoseconds) ps): \(d.summary)")
        }
        func h(_ v: UInt32) -> String { "0x" + String(v, radix: 16) }
        out.append("CPU: LM32, \(cpu.name) profile: I-cache \(cpu.icache ? "4 KiB" : "off"), D-cache \(cpu.dcache ? "4 KiB" : "off"), "
                   + "cycle counter \(cpu.cycleCounter ? "on" : "off"), EBA reset \(h(cpu.ebaReset)), "
                   + "DEBA reset \(h(cpu.debaReset)), CFG \(hex32(cpu.cfg))")
        out.append("")
        out.append("Memory map (decoding ignores bit 31: address | 0x80000000 is the uncached alias; "
                   + "any other address is a bus error)")
        out.append(table(["base", "last", "size", "region", "read", "write", "description"],
                         regions.map { r in
                             [hex32(r.base), hex32(r.last), sizeText(r.size), r.name,
                              "\(r.timing.readCycles)", "\(r.timing.writeCycles)", r.summary]
                         }))
        out.append("read/write: cycles CYC is held for one single access, ACK in the last.")
        if let csr = region(.csr) {
            out.append("")
            out.append("CSR banks (4 KiB each from \(hex32(csr.base)); software uses \(hex32(csr.base | Self.uncachedAliasBit))). "
                       + "The bridge ignores byte selects; a read samples the device in cycle "
                       + "\(CSRBridge.readSampleCycle + 1) of \(CSRBridge.readCycles), a write lands at the end of cycle "
                       + "\(CSRBridge.writeCommitCycle + 1) of \(CSRBridge.writeCycles). Banks without a device read 0.")
            out.append(table(["bank", "address", "device", "decodes", "description"],
                             csrBanks.map { b in
                                 ["\(b.bank)", hex32(uncachedCSRBase(bank: b.bank)), b.name,
                                  b.registers.map { "0x\(String($0.size, radix: 16)) bytes" } ?? "reserved", b.summary]
                             }))
        }
        out.append("")
        out.append("Interrupt lines (each sets its bit of IP)")
        out.append(table(["line", "name", "source", "description"],
                         interrupts.map { ["\($0.number)", $0.name, $0.source, $0.summary] }))
        for b in csrBanks {
            guard let m = b.registers else { continue }
            out.append("")
            out.append("Registers of \(b.name) (bank \(b.bank) at \(hex32(uncachedCSRBase(bank: b.bank))); "
                       + "0x\(String(m.size, radix: 16)) bytes decoded, aliased through the bank)")
            out.append(m.markdown())
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// The constants firmware needs, as (name, value, comment) in output order.
    private func constants() -> [(String, String, String)] {
        var c: [(String, String, String)] = [("SOC_CLOCK_HZ", "\(clockHertz)", "system clock")]
        c.append(("SOC_UNCACHED", hex32(Self.uncachedAliasBit), "OR into an address to bypass the D-cache"))
        for r in regions {
            let n = RegisterMap.identifier(r.name)
            c.append(("\(n)_BASE", hex32(r.base), r.summary))
            c.append(("\(n)_SIZE", hex32(r.size), ""))
        }
        for b in csrBanks {
            c.append(("\(RegisterMap.identifier(b.name))_BASE", hex32(uncachedCSRBase(bank: b.bank)),
                      "CSR bank \(b.bank), uncached"))
        }
        for l in interrupts {
            c.append(("IRQ_\(RegisterMap.identifier(l.name))", "\(l.number)", l.summary))
        }
        return c + Self.wireConstants
    }

    /// The challenge and the answer as they travel over PCIe (docs/automaton.md), for
    /// firmware that builds or checks them: from `ChallengeMessage` and `AnswerMessage`.
    static let wireConstants: [(String, String, String)] = [
        ("CHALLENGE_MAGIC", hex32(ChallengeMessage.magic), "challenge (wire layout, little-endian words)"),
        ("CHALLENGE_SIZE", "\(ChallengeMessage.size)", ""),
        ("CHALLENGE_MAGIC_OFFSET", "0", ""),
        ("CHALLENGE_ID_OFFSET", "\(ChallengeMessage.idOffset)", ""),
        ("CHALLENGE_NONCE_OFFSET", "\(ChallengeMessage.nonceOffset)", "bits 31:0, then 63:32"),
        ("CHALLENGE_WINDOW_BASE_OFFSET", "\(ChallengeMessage.windowBaseOffset)", ""),
        ("CHALLENGE_WINDOW_WORDS_OFFSET", "\(ChallengeMessage.windowWordsOffset)", ""),
        ("CHALLENGE_STEPS_OFFSET", "\(ChallengeMessage.stepsOffset)", ""),
        ("CHALLENGE_COUNTS_OFFSET", "\(ChallengeMessage.countsOffset)", "state count byte, then environment count byte"),
        ("CHALLENGE_ENVIRONMENT_OFFSET", "\(ChallengeMessage.environmentOffset)", "test selectors"),
        ("CHALLENGE_TABLE_OFFSET", "\(ChallengeMessage.tableOffset)", "constant, then descriptor, per state"),
        ("ANSWER_MAGIC", hex32(AnswerMessage.magic), "answer: magic, id, digest a, b, final state, steps done"),
        ("ANSWER_SIZE", "\(AnswerMessage.size)", ""),
    ]

    /// A C header for firmware authors.
    public func cHeader() -> String {
        let g = "SOCSIM_\(RegisterMap.identifier(name))_H"
        var out = ["/* Generated by `socsim header` from the \(name) SoC description. Do not edit. */",
                   "#ifndef \(g)", "#define \(g)", ""]
        for (n, v, comment) in constants() {
            out.append("#define \(n) \(v)u" + (comment.isEmpty ? "" : " /* \(comment) */"))
        }
        out.append("")
        out.append("/* A 32-bit CSR: CSR(UART_BASE, UART_RXTX) = c; */")
        out.append("#define CSR(base, reg) (*(volatile unsigned int *)((base) + (reg)))")
        for b in csrBanks {
            guard let m = b.registers else { continue }
            out.append("")
            out.append(m.cHeader(prefix: b.name))
        }
        out += ["", "#endif /* \(g) */"]
        return out.joined(separator: "\n") + "\n"
    }

    /// The same constants for assembly sources (`.include "soc.inc"`).
    public func asmInclude() -> String {
        var out = ["# Generated by `socsim header --asm` from the \(name) SoC description. Do not edit."]
        for (n, v, comment) in constants() {
            out.append(".equ \(n), \(v)" + (comment.isEmpty ? "" : "  # \(comment)"))
        }
        for b in csrBanks {
            guard let m = b.registers else { continue }
            out.append(m.asmEquates(prefix: b.name))
        }
        return out.joined(separator: "\n") + "\n"
    }
}

private func hex32(_ v: UInt32) -> String {
    let s = String(v, radix: 16)
    return "0x" + String(repeating: "0", count: 8 - s.count) + s
}

private func sizeText(_ v: UInt32) -> String {
    if v >= 1 << 20 && v % (1 << 20) == 0 { return "\(v >> 20) MiB" }
    if v >= 1 << 10 && v % (1 << 10) == 0 { return "\(v >> 10) KiB" }
    return "\(v) B"
}

/// Columns padded to their widest cell; the last column is not padded.
private func table(_ header: [String], _ rows: [[String]]) -> String {
    let all = [header] + rows
    var widths = [Int](repeating: 0, count: header.count)
    for r in all { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
    return all.map { r in
        r.enumerated().map { i, c in
            i == r.count - 1 ? c : c + String(repeating: " ", count: widths[i] - c.count)
        }.joined(separator: "  ").trimmingTrailingSpaces()
    }.joined(separator: "\n")
}

private extension String {
    func trimmingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
