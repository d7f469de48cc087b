import Foundation

/// --vcd-max-bytes by default: 1 GiB. A cycle-exact run writes 130 to 180
/// bytes of VCD per cycle, so the default --max-cycles (10^8) of a program
/// that never ends would write 13 to 18 GB; the limit stops it after some
/// 6 to 8 million cycles instead.
let defaultVCDMaxBytes: UInt64 = 1 << 30

extension CycleRunOptions {
    /// The VCD's size when it has reached --vcd-max-bytes, else nil. The run
    /// then stops and the VCD is finished as at any other stop (it ends with
    /// the values of the cycle the run stopped in), so it stays valid.
    func vcdFull(_ bytes: UInt64) -> UInt64? {
        vcdMaxBytes != 0 && bytes >= vcdMaxBytes ? bytes : nil
    }

    /// The stop of a run whose VCD reached the limit (exit 3, as a cycle limit).
    func vcdLimitStop(_ bytes: UInt64) -> RunReport.Stop {
        .vcdSizeLimit(path: vcd ?? "", bytes: bytes, limit: vcdMaxBytes)
    }
}

/// The size of a file on disk (Verilator's VCD of an --rtl run), 0 if unknown.
func fileSize(_ path: String) -> UInt64 {
    var st = stat()
    return stat(path, &st) == 0 ? UInt64(st.st_size) : 0
}
