import Foundation
import Testing
@testable import PCIe
import SimBus

/// The RTL endpoint's includes are what `socsim generate` makes of the Swift
/// declarations now, and their masks say what the register files do.
@Suite struct EndpointVerilogTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test(arguments: EndpointVerilog.files().map(\.path))
    func generatedIncludeIsCurrent(_ path: String) throws {
        let f = try #require(EndpointVerilog.files().first { $0.path == path })
        let onDisk = try String(contentsOf: Self.root.appendingPathComponent(path), encoding: .utf8)
        #expect(onDisk == f.text, "\(path) is stale: run `swift run socsim generate`")
    }

    /// Applying the generated masks to a dword reproduces `RegisterFile.write` for every
    /// configuration dword, from the reset value and from all ones set by hardware.
    @Test func configMasksActLikeTheRegisterFile() {
        let space = ConfigSpace()
        let n = EndpointVerilog.dwordsUsed(space.registers.map)
        let m = EndpointVerilog.masks(space.registers.map, dwords: n)
        for dw in 0..<n {
            for value: UInt32 in [0xFFFF_FFFF, 0x0000_0000, 0xA5A5_5A5A] {
                var file = RegisterFile(space.registers.map)
                #expect(UInt32(truncatingIfNeeded: file.read(at: 4 * dw, count: 4)) == m.reset[dw])
                file.write(at: 4 * dw, count: 4, value: UInt64(value))
                let expected = (m.reset[dw] & ~m.written[dw] & ~(m.cleared[dw] & value)) | (value & m.written[dw])
                #expect(UInt32(truncatingIfNeeded: file.read(at: 4 * dw, count: 4)) == expected, "dword \(dw)")
            }
        }
        // BAR0 sizing: all ones read back as the 4 KiB size mask.
        #expect(m.written[4] == ~UInt32(space.options.bar0Size - 1))
    }

    /// The host may write only the answers, the doorbell and SCRATCH; the firmware only
    /// FIRMWARE_READY, the verdicts, SCRATCH and the CSR-only block.
    @Test func sidesWriteWhatTheTablesSay() {
        let n = EndpointRegisters.csrSize / 4
        let host = EndpointVerilog.masks(EndpointRegisters.bar0Map, dwords: n)
        let fw = EndpointVerilog.masks(EndpointRegisters.csrMap, dwords: n)
        let hostWritable = (0..<n).filter { host.written[$0] != 0 }
        #expect(hostWritable == Array(0...8) + [0x44 / 4])
        #expect(fw.written[0x2C / 4] == 1 << 2)
        #expect(fw.cleared[0x128 / 4] == 0xF && fw.action[0x110 / 4] == 1 && fw.action[0x11C / 4] == 1)
        #expect(host.reset[0x40 / 4] == EndpointRegisters.magic)
    }
}
