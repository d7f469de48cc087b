import Foundation
import Verilated
import Waves

/// Where RTL/build.sh puts GTKWave's FST writer (compiled from Verilator's
/// include/gtkwave): beside the RTL libraries.
var fstLibraryPath: String { RTLLibrary.buildDirectory + "/fst/libsocsim_fst.so" }

/// Write the VCD at `vcdPath` as an FST file at `fstPath` (streaming: memory
/// bounded whatever the VCD's size).
func convertToFST(vcdPath: String, fstPath: String) throws {
    let library: FSTLibrary
    do { library = try FSTLibrary.load(path: fstLibraryPath) } catch { throw InputError(error.description) }
    var stream = try WaveCommand.open(vcdPath)
    let created: Bool
    do { created = try FSTWriter.convert(&stream, to: fstPath, version: "SoCSim", library: library) }
    catch { throw WaveCommand.failure(vcdPath, error) }
    if !created { throw InputError("cannot create '\(fstPath)'") }
}

extension CycleRunOptions {
    /// The VCD the run writes: --vcd, else with --fst alone a temporary one
    /// beside the FST file (converted, then removed).
    var vcdPath: String? { vcd ?? fst.map { $0 + ".vcd.tmp" } }

    /// --fst: the run's VCD written as FST once the run has stopped.
    func finishFST() throws {
        guard let fst, let source = vcdPath else { return }
        defer { if vcd == nil { unlink(source) } }
        try convertToFST(vcdPath: source, fstPath: fst)
    }
}
