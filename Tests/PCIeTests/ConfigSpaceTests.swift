import Foundation
import Testing
@testable import PCIe
import SimBus

@Suite struct RegisterDSLTests {
    @Test func accessModesAreImplementedOnce() throws {
        let map = try RegisterMap("dev", size: 0x10) {
            Register("CTRL", at: 0x00) {
                Field("EN", bit: 0, .readWrite)
                Field("IRQ", bit: 1, .writeOneToClear)
                Field("VERSION", bits: 4...7, .readOnly, reset: 0xA)
                Field("COUNT", bits: 8...15, .readWrite, reset: 0x55)
            }
        }
        var file = RegisterFile(map)
        #expect(file.read(at: 0, count: 4) == 0x55A0)
        file.set("CTRL", "IRQ", to: 1)                               // hardware raises IRQ
        file.write(at: 0, count: 4, value: 0xFFFF_FF01)             // EN=1, IRQ write 0 keeps it, VERSION ignored
        #expect(file.read(at: 0, count: 4) == 0xFFA3)               // undeclared bits 31:16 and 3:2 read 0
        file.write(at: 0, count: 4, value: 0x0000_0002)             // W1C clears IRQ, EN written 0
        #expect(file.value(of: "CTRL", "IRQ") == 0)
        #expect(file.value(of: "CTRL", "EN") == 0)
        file.write(at: 0, count: 4, value: 0x1234, byteEnables: 0b0010)  // only byte 1 (COUNT)
        #expect(file.value(of: "CTRL", "COUNT") == 0x12)
        #expect(file.value(of: "CTRL", "EN") == 0)
    }

    @Test func declarationsAreCheckedAtConstruction() {
        func error(_ build: () throws -> RegisterMap) -> RegisterMapError? {
            do { _ = try build(); return nil } catch { return error as? RegisterMapError }
        }
        #expect(error { try RegisterMap("m", size: 8) {
            Register("A", at: 0) { Field("X", bits: 0...3, .readWrite); Field("Y", bits: 3...4, .readOnly) }
        } } == .overlappingFields(register: "A", "X", "Y"))
        #expect(error { try RegisterMap("m", size: 8) {
            Register("A", at: 0, bytes: 2) { Field("X", bits: 12...16, .readWrite) }
        } } == .fieldOutsideRegister(register: "A", field: "X"))
        #expect(error { try RegisterMap("m", size: 8) {
            Register("A", at: 0) { Field("X", bits: 0...1, .readWrite, reset: 4) }
        } } == .resetValueTooWide(register: "A", field: "X", value: 4))
        #expect(error { try RegisterMap("m", size: 8) {
            Register("A", at: 0); Register("B", at: 2, bytes: 2)
        } } == .overlappingRegisters("A", "B"))
        #expect(error { try RegisterMap("m", size: 8) { Register("A", at: 8) } }
                == .registerOutsideMap(register: "A", offset: 8, mapSize: 8))
        #expect(error { try RegisterMap("m", size: 8) { Register("A", at: 2) } }
                == .misalignedRegister(register: "A", offset: 2))
        #expect(error { try RegisterMap("m", size: 8) { Register("A", at: 0); Register("A", at: 4) } }
                == .duplicateName("A"))
    }

    @Test func markdownTableListsEveryField() throws {
        let map = try RegisterMap("m", size: 8) {
            Register("CTRL", at: 0) { Field("EN", bit: 0, .readWrite, "enable"); Field("ST", bits: 4...5, .writeOneToClear) }
        }
        #expect(map.markdown() == """
            | offset | register | bits | field | access | reset | description |
            |---|---|---|---|---|---|---|
            | 0x000 | CTRL | 5:4 | ST | RW1C | 0x0 |  |
            | 0x000 | CTRL | 0 | EN | RW | 0x0 | enable |
            """)
    }
}

extension RegisterDSLTests {
    @Test func taggedFieldsAreReportedOncePerField() throws {
        var file = RegisterFile(try RegisterMap("m", size: 8) {
            Register("CTRL", at: 0) {
                Field("EN", bit: 0, .readWrite)
                Field("TURBO", bit: 1, .readWrite, tagged: true)
                Field("LOWPOWER", bit: 2, .readWrite, tagged: true)
            }
        })
        file.write(at: 0, count: 4, value: 1)                // byte 0 covers the tagged bits too
        file.write(at: 0, count: 4, value: 2)
        file.write(at: 0, count: 4, value: 6)
        #expect(file.unmodelledWrites == ["CTRL.TURBO", "CTRL.LOWPOWER"])
        #expect(file.value(of: "CTRL", "TURBO") == 1)       // still behaves as declared
    }

    @Test func cHeaderForFirmware() throws {
        let map = try RegisterMap("uart", size: 8) {
            Register("CTRL", at: 4) { Field("EN", bit: 0, .readWrite); Field("DIV", bits: 8...15, .readWrite) }
        }
        #expect(map.cHeader(prefix: "uart") == """
            /* Generated from the uart register map. Do not edit. */
            #ifndef UART_REGS_H
            #define UART_REGS_H

            #define UART_CTRL 0x004
            #define UART_CTRL_EN_SHIFT 0
            #define UART_CTRL_EN_MASK 0x1u
            #define UART_CTRL_DIV_SHIFT 8
            #define UART_CTRL_DIV_MASK 0xff00u

            #endif

            """)
    }
}

@Suite struct ConfigSpaceTests {
    @Test func identityAndClassCode() {
        let cs = ConfigSpace()
        #expect(cs.read(dword: 0) == 0x0001_1AB4)             // device ID << 16 | vendor ID
        #expect(cs.read(dword: 2) == 0x1180_0000)             // class 11 80 00, revision 0
        #expect(cs.read(dword: 3) == 0)                       // header type 0
        #expect(cs.read(dword: 0x2C / 4) == 0x0001_1AB4)
    }

    @Test func bar0SizingReadBack() {
        var cs = ConfigSpace()
        #expect(cs.read(dword: 4) == 0)
        cs.write(dword: 4, value: 0xFFFF_FFFF)
        let readBack = cs.read(dword: 4)
        #expect(readBack == 0xFFFF_F000)                      // 4 KiB, 32-bit, non-prefetchable memory
        #expect(~(readBack & ~0xF) &+ 1 == 4096)              // the host's size computation
        cs.write(dword: 4, value: 0xFEBF_1234)                // assign a base; low bits are read-only zero
        #expect(cs.read(dword: 4) == 0xFEBF_1000)
        #expect(cs.bar0Base == 0xFEBF_1000)
        #expect(!cs.bar0Contains(0xFEBF_1000))                // memory space not yet enabled
        cs.write(dword: 1, value: 0x0000_0002, firstBE: 0b0011)
        #expect(cs.bar0Contains(0xFEBF_1FFC) && !cs.bar0Contains(0xFEBF_2000))
        // Unimplemented BARs read 0 and ignore the sizing write.
        cs.write(dword: 5, value: 0xFFFF_FFFF)
        #expect(cs.read(dword: 5) == 0)
        // A 1 MiB BAR reads back 0xFFF00000 (the Spartan-6 example's value).
        var options = ConfigSpaceOptions()
        options.bar0Size = 1 << 20
        var big = ConfigSpace(options)
        big.write(dword: 4, value: 0xFFFF_FFFF)
        #expect(big.read(dword: 4) == 0xFFF0_0000)
    }

    @Test func readOnlyFieldsIgnoreWrites() {
        var cs = ConfigSpace()
        let before = (0..<64).map { cs.read(dword: $0) }
        cs.write(dword: 0, value: 0xDEAD_BEEF)                // IDs
        cs.write(dword: 2, value: 0xFFFF_FFFF)                // revision, class
        cs.write(dword: 0x34 / 4, value: 0xFFFF_FFFF)         // capability pointer
        #expect(cs.read(dword: 0) == before[0])
        #expect(cs.read(dword: 2) == before[2])
        #expect(cs.read(dword: 0x34 / 4) == before[0x34 / 4])
        // COMMAND: I/O space is read-only 0; the status half of dword 1 keeps CAPABILITIES_LIST.
        cs.write(dword: 1, value: 0x0000_FFFF)
        #expect(cs.read(dword: 1) == 0x0010_0546)             // status 0x0010, command bits 10, 8, 6, 2, 1
        #expect(cs.busMasterEnabled && cs.memorySpaceEnabled)
    }

    @Test func statusErrorBitsAreWriteOneToClear() {
        var cs = ConfigSpace()
        cs.raise("STATUS", "RECEIVED_MASTER_ABORT")
        cs.raise("STATUS", "DETECTED_PARITY_ERROR")
        #expect(cs.read(dword: 1) >> 16 == 0xA010)
        cs.write(dword: 1, value: 0x0000_0000, firstBE: 0b1100)   // writing 0 leaves them
        #expect(cs.read(dword: 1) >> 16 == 0xA010)
        cs.write(dword: 1, value: 0x2000_0000, firstBE: 0b1100)   // 1 clears bit 13 only
        #expect(cs.read(dword: 1) >> 16 == 0x8010)
        cs.write(dword: 1, value: 0xFFFF_0000, firstBE: 0b1100)   // all ones: errors clear, RO bits stay
        #expect(cs.read(dword: 1) >> 16 == 0x0010)
    }

    @Test func capabilityChainWalksToMSIAndPCIExpressAndEnds() {
        let cs = ConfigSpace()
        func byte(_ offset: Int) -> UInt8 { UInt8(truncatingIfNeeded: cs.read(dword: offset / 4) >> (8 * UInt32(offset % 4))) }
        #expect(cs.read(dword: 1) & (1 << 20) != 0)           // Status.CAPABILITIES_LIST
        var pointer = Int(byte(0x34))
        var chain: [(UInt8, Int)] = []
        while pointer != 0 {
            #expect(pointer % 4 == 0 && pointer >= 0x40 && pointer < 0x100)
            chain.append((byte(pointer), pointer))
            pointer = Int(byte(pointer + 1))
            if chain.count > 48 { break }                     // a loop would never end
        }
        #expect(chain.map(\.0) == [0x01, 0x05, 0x10])         // PM, MSI, PCI Express; next = 0 ends it
        let msi = chain[1].1, pcie = chain[2].1
        #expect(chain.map(\.1) == [0x40, 0x48, 0x58])         // placed by the allocator, dword-aligned
        // MSI: Message Control = 64-bit capable, one vector, disabled.
        #expect(cs.read(dword: msi / 4) >> 16 == 0x0080)
        // PCI Express: version 2 endpoint; DevCap MPS supported 010 (512 B).
        #expect(cs.read(dword: pcie / 4) >> 16 == 0x0002)
        #expect(cs.read(dword: pcie / 4 + 1) & 7 == 2)
        // Device Control reset: MRRS 010 (512 B), no snoop, relaxed ordering, MPS 000 (128 B).
        #expect(cs.read(dword: pcie / 4 + 2) & 0xFFFF == 0x2810)
        #expect(cs.maxPayloadSize == 128 && cs.maxReadRequestSize == 512)
        // Extended configuration space is empty: the extended capability header at 0x100 reads 0.
        #expect(cs.read(dword: 0x40) == 0)
    }

    @Test func msiAndDeviceControlAreProgrammable() {
        var cs = ConfigSpace()
        let msi = cs.capabilities.first { $0.id == ConfigSpace.msiCapabilityID }!.offset
        let pcie = cs.capabilities.first { $0.id == ConfigSpace.pcieCapabilityID }!.offset
        cs.write(dword: msi / 4 + 1, value: 0xFEE0_0003)      // low address bits 1:0 are read-only zero
        cs.write(dword: msi / 4 + 2, value: 0x0000_0001)
        cs.write(dword: msi / 4 + 3, value: 0xFFFF_4041)      // 16-bit data; upper half undeclared
        cs.write(dword: msi / 4, value: 0x0001_0000, firstBE: 0b1100)
        #expect(cs.msiEnabled && cs.msiAddress == 0x1_FEE0_0000 && cs.msiData == 0x4041)
        #expect(cs.read(dword: msi / 4 + 3) == 0x4041)
        // MPS 256 (001), MRRS 1024 (011): DevCtl bits 7:5 and 14:12.
        cs.write(dword: pcie / 4 + 2, value: 0x3000 | 0x20 | 0x810, firstBE: 0b0011)
        #expect(cs.maxPayloadSize == 256 && cs.maxReadRequestSize == 1024)
        cs.write(dword: pcie / 4 + 4, value: 0x8, firstBE: 0b0001)   // Link Control RCB = 128
        #expect(cs.readCompletionBoundary == 128)
    }

    @Test func msiWithPerVectorMasking() {
        var options = ConfigSpaceOptions()
        options.msiPerVectorMasking = true
        var cs = ConfigSpace(options)
        // MSI grows to 0x18 bytes, so the allocator moves the PCI Express capability to 0x60.
        #expect(cs.capabilities.map(\.offset) == [0x40, 0x48, 0x60])
        #expect(cs.read(dword: 0x48 / 4) == 0x0180_6005)      // control: masking + 64-bit; next 0x60; ID 5
        #expect(!cs.msiMasked)
        cs.write(dword: (0x48 + 0x10) / 4, value: 0xFFFF_FFFF)  // one vector: only mask bit 0 exists
        #expect(cs.read(dword: (0x48 + 0x10) / 4) == 1 && cs.msiMasked)
        cs.write(dword: (0x48 + 0x14) / 4, value: 0xFFFF_FFFF)  // pending bits are read-only
        #expect(cs.read(dword: (0x48 + 0x14) / 4) == 0)
    }

    @Test func configurationTLPsAreAnswered() throws {
        var cs = ConfigSpace()
        let ours = PCIeID(bus: 3, device: 0, function: 0)
        let write = TLP.configWrite(ConfigRequestHeader(requester: rc, tag: 9, target: ours, register: 4),
                                    payload: [0xFF, 0xFF, 0xFF, 0xFF])
        let cpl = cs.handle(write)
        #expect(cpl == .completion(CompletionHeader(completer: ours, byteCount: 4, requester: rc, tag: 9, lowerAddress: 0)))
        #expect(cs.capturedID == ours)
        let read = TLP.configRead(ConfigRequestHeader(requester: rc, tag: 10, target: ours, register: 4))
        // CplD, Length 1, Byte Count 4, payload = 0xFFFFF000 little-endian.
        let handled = cs.handle(read)
        let answer = try #require(handled)
        #expect(try TLPCodec.encode(answer) == bytes("4a000001 03000004 00000a00 00f0ffff"))
        #expect(cs.handle(TLP.msi(requester: rc, address: 0, data: 0)) == nil)
    }
}

/// docs/tlp.md carries the configuration-space table generated from the declaration; this
/// keeps the two in step (re-generate with `ConfigSpace().registers.map.markdown()`).
@Suite struct ConfigSpaceDocsTests {
    @Test func docsTableMatchesTheDeclaration() throws {
        // Tests/PCIeTests/ConfigSpaceTests.swift -> the repository root.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let doc = try String(contentsOf: root.appendingPathComponent("docs/tlp.md"), encoding: .utf8)
        #expect(doc.contains(ConfigSpace().registers.map.markdown()))
    }
}
