import Foundation
import Testing
import Waves

/// Issue 17, item 9: a `--vcd` run of a program that never ends stops at
/// --vcd-max-bytes (default 1 GiB) with exit 3 and a message, its VCD
/// finished cleanly: readable by our reader and by GTKWave's vcd2fst.
@Suite(.serialized) struct VCDSizeLimitTests {
    static let forever = "loop:\n    addi r1, r1, 1\n    bi loop\n"
    static let foreverMain = ".global main\nmain:\n    addi r1, r1, 1\n    bi main\n"

    @Test(arguments: [
        (["run"], forever), (["run", "--rtl"], forever),
        (["run", "--soc", "milkymist", "--cycle"], foreverMain), (["run", "--soc", "milkymist", "--rtl"], foreverMain),
    ] as [([String], String)])
    func aRunThatNeverEndsStopsAtTheVCDSizeLimit(command: [String], program: String) throws {
        let src = Tools.tempPath("forever-\(command.count)-\(command.last!).S")
        try program.write(toFile: src, atomically: true, encoding: .utf8)
        let vcd = src + ".vcd"
        let limit = 300_000
        let r = try Tools.run(try Tools.socsim(), command + [src, "--vcd", vcd, "--vcd-max-bytes", "\(limit)"])
        #expect(r.status == 3, "\(r.stderr)")
        #expect(r.stderr.contains("socsim: VCD size limit reached after ") && r.stderr.contains("(--vcd-max-bytes \(limit)); the VCD ends there"),
                "\(r.stderr)")
        let size = try #require(try FileManager.default.attributesOfItem(atPath: vcd)[.size] as? Int)
        // checked between chunks of cycles: past the limit by less than one chunk's worth
        #expect(size >= limit && size < 64 << 20, "\(size) bytes")
        var s = try VCDStream(bytes: try Tools.read(vcd))
        let end = try s.drain()
        #expect(end > 0)
        let fst = try Tools.run(try Tools.vcd2fst(), [vcd, vcd + ".fst"])
        #expect(fst.status == 0, "\(fst.stderr)")
        try? FileManager.default.removeItem(atPath: vcd)
        try? FileManager.default.removeItem(atPath: vcd + ".fst")
    }

    @Test func theLimitIsDocumentedAndNeedsAVCD() throws {
        let help = try Tools.run(try Tools.socsim(), ["run", "--help"])
        #expect(help.stdout.contains("--vcd-max-bytes") && help.stdout.contains("1073741824"), "\(help.stdout)")
        let src = Tools.tempPath("nop.S")
        try "nop\n".write(toFile: src, atomically: true, encoding: .utf8)
        let r = try Tools.run(try Tools.socsim(), ["run", src, "--vcd-max-bytes", "10"])
        #expect(r.status == 2 && r.stderr.contains("--vcd-max-bytes need --vcd"), "\(r.stderr)")
        // 0: no limit (a short run ends normally)
        let unlimited = try Tools.run(try Tools.socsim(), ["run", src, "--vcd", src + ".vcd", "--vcd-max-bytes", "0", "--max-cycles", "100"])
        #expect(unlimited.status == 3 && unlimited.stderr.contains("cycle limit reached"), "\(unlimited.stderr)")
    }
}
