import SoC
import Testing

@Suite struct ProgramImageTests {
    @Test func verilogHexWithCRLFAndComments() throws {
        let image = try ProgramImage.verilogHex("@00000400\r\n78 01 FF 00 // mvhi\r\n@00000800\r\n01\r\n")
        #expect(image.segments == [.init(address: 0x400, bytes: [0x78, 0x01, 0xFF, 0x00]), .init(address: 0x800, bytes: [1])])
        #expect(image.entry == 0x400)
    }

    @Test(arguments: [("@zz\n", 1, 1), ("00 11\n0x2\n", 2, 1), ("00 1\n", 1, 4), ("@10\n00 123\n", 2, 4)])
    func malformedHexNamesLineAndColumn(text: String, line: Int, column: Int) {
        #expect(throws: HexFormatError.self) { try ProgramImage.verilogHex(text) }
        do { _ = try ProgramImage.verilogHex(text) } catch {
            #expect(error.line == line && error.column == column, "\(error)")
        }
    }

    @Test func labelsPreferProgramSymbolsOverLinkerScriptOnes() {
        let image = ProgramImage(segments: [], entry: 0, symbols: [(0, "_ftext"), (0, "_start"), (0x20, "loop")])
        #expect(image.label(for: 0) == "_start")
        #expect(image.label(for: 0x24) == "loop+0x4")
        #expect(image.symbol(at: 0x20) == "loop")
        #expect(image.symbol(at: 0x24) == nil)
    }
}
