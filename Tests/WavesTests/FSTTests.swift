import Foundation
import Testing
import Waves

/// `--fst FILE` (issue 17): GTKWave's FST written with the FST writer
/// Verilator ships, from the model and from the RTL; `fst2vcd` gives back a
/// VCD equal to the run's own (socsim wave diff).
@Suite(.serialized) struct FSTTests {
    static func fst2vcd() throws -> String {
        for d in ["/usr/bin", "/usr/local/bin", "/bin"] where FileManager.default.isExecutableFile(atPath: d + "/fst2vcd") {
            return d + "/fst2vcd"
        }
        throw Tools.Missing(description: "fst2vcd (Debian package gtkwave) is not installed; \(Tools.hint)")
    }

    static let program = """
        _start: mvi r1, 200
        loop:   addi r1, r1, -1
                bne r1, r0, loop
                mvhi r2, 0xffff
                sw (r2+0), r0
        """

    @Test(arguments: [["run", "--max-cycles", "100000"], ["run", "--rtl", "--max-cycles", "100000"], ["run", "--soc", "milkymist", "--cycle", "--max-cycles", "30000"],
                      ["run", "--soc", "milkymist", "--rtl", "--max-cycles", "3000"]])
    func fstEqualsTheVCDAfterConversion(command: [String]) throws {
        let soc = command.contains("milkymist")
        let src = Tools.tempPath("fst-\(command.joined(separator: "_")).S")
        // on the SoC, `bi .` with interrupts off halts the firmware
        try (soc ? ".global main\nmain: bi main\n" : Self.program).write(toFile: src, atomically: true, encoding: .utf8)
        let vcd = src + ".vcd", fst = src + ".fst", back = src + ".back.vcd"
        let r = try Tools.run(try Tools.socsim(), command + [src, "--vcd", vcd, "--fst", fst])
        #expect(r.status == 0, "\(r.stderr)")
        let conv = try Tools.run(try Self.fst2vcd(), [fst])
        #expect(conv.status == 0, "\(conv.stderr)")
        try conv.stdout.write(toFile: back, atomically: true, encoding: .utf8)
        let diff = try Tools.run(try Tools.socsim(), ["wave", "diff", vcd, back])
        #expect(diff.status == 0 && diff.stdout.contains("no differences"), "\(diff.stdout)")
        #expect(!diff.stdout.contains("compared 0 signals"))
        let sizes = try [vcd, fst].map { try #require(try FileManager.default.attributesOfItem(atPath: $0)[.size] as? Int) }
        #expect(sizes[1] * 4 < sizes[0], "FST \(sizes[1]) bytes, VCD \(sizes[0])")
        for p in [src, vcd, fst, back] { try? FileManager.default.removeItem(atPath: p) }
    }

    @Test func fstAloneLeavesNoVCDAndAMissingWriterIsAnInputError() throws {
        let src = Tools.tempPath("fst-alone.S")
        try Self.program.write(toFile: src, atomically: true, encoding: .utf8)
        let fst = src + ".fst"
        let r = try Tools.run(try Tools.socsim(), ["run", src, "--fst", fst])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(FileManager.default.fileExists(atPath: fst) && !FileManager.default.fileExists(atPath: fst + ".vcd.tmp"))
        let conv = try Tools.run(try Self.fst2vcd(), [fst])
        #expect(conv.stdout.contains("$var wire 32") && conv.stdout.contains("pc_w"), "\(conv.stdout.prefix(400))")
        let missing = try Tools.run(try Tools.socsim(), ["run", src, "--fst", fst], environment: ["SOCSIM_RTL_LIB_DIR": "/nonexistent"])
        #expect(missing.status == 2 && missing.stderr.contains("/nonexistent/fst/libsocsim_fst.so does not exist; build it with `RTL/build.sh`"),
                "\(missing.stderr)")
        try? FileManager.default.removeItem(atPath: src)
        try? FileManager.default.removeItem(atPath: fst)
    }
}
