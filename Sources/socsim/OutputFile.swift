#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import Foundation
import Verilated

/// Every file socsim writes (`asm -o`, `run --trace`, the model's `--vcd`,
/// `attest` outputs, `conform --vcd-dir`): opened in place with
/// open(O_WRONLY | O_CREAT | O_TRUNC) as a shell's `>` does, never written to
/// a temporary file renamed over the path. A symlink is followed and its
/// target written; a FIFO or a device node is written through and stays what
/// it is (a FIFO waits for its reader). A write or close that fails (a full
/// disk, /dev/full) is an error naming the file (exit 2), never success.
final class OutputFile {
    let path: String
    private var fd: Int32
    private var buffer: [UInt8] = []
    /// The first failed write of the buffered text (`write(_:)`), reported
    /// by `close()`; later text is dropped.
    private(set) var failure: InputError?
    private let counting = NSLock()
    private var written: UInt64 = 0
    /// Bytes written so far (read from any thread: the VCD writer writes on
    /// its own while the run checks --vcd-max-bytes).
    var bytesWritten: UInt64 { counting.withLock { written } }

    init(path: String) throws {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if fd < 0 { throw InputError("cannot create '\(path)': \(String(cString: strerror(errno)))") }
    }

    /// Write `bytes` now, all of them (write(2) may take fewer at a time).
    func write(_ bytes: UnsafeRawBufferPointer) throws {
        if let failure { throw failure }
        var off = 0
        while off < bytes.count {
            let n = Foundation.write(fd, bytes.baseAddress! + off, bytes.count - off)
            if n < 0 {
                if errno == EINTR { continue }
                let e = writeError(errno)
                failure = e
                throw e
            }
            off += n
        }
        counting.withLock { written += UInt64(bytes.count) }
    }

    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    /// Buffered text for writers that cannot throw (the trace sink): a
    /// failure is kept in `failure` and thrown by `close()`.
    func write(_ s: String) {
        guard failure == nil else { return }
        buffer.append(contentsOf: s.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    /// Write the buffered text; a failure is kept in `failure`.
    func flush() {
        guard !buffer.isEmpty else { return }
        defer { buffer.removeAll(keepingCapacity: true) }
        try? write(buffer)
    }

    /// Flush and close; throws the first failure of this file's writes or of
    /// close(2) itself (some file systems report a full disk only there).
    /// Closing twice is a no-op.
    func close() throws {
        guard fd >= 0 else { return }
        flush()
        let r = Foundation.close(fd)
        let closeErrno = errno
        fd = -1
        if let failure { throw failure }
        if r != 0 && closeErrno != EINTR { throw writeError(closeErrno) }
    }

    /// Close after a writer that wrote through this file ended with
    /// `writerError` (nil when it did not fail): that error first, else the
    /// file's own.
    func close(after writerError: Error?) throws {
        let closing = Result { try close() }
        if let e = writerError as? InputError { throw e }
        if let writerError { throw InputError("cannot write '\(path)': \(writerError)") }
        try closing.get()
    }

    private func writeError(_ code: Int32) -> InputError {
        InputError("cannot write '\(path)': \(String(cString: strerror(code)))")
    }

    /// Write the whole of `bytes` to `path` in place.
    static func write(_ bytes: [UInt8], to path: String) throws {
        let f = try OutputFile(path: path)
        do { try f.write(bytes) } catch { try? f.close(); throw error }
        try f.close()
    }

    deinit { if fd >= 0 { _ = Foundation.close(fd) } }
}

/// Standard output and standard error, written through C stdio so that they
/// keep their order with `print`. FileHandle's writes trap on a write error
/// (`socsim run > /dev/full` died of SIGILL); here a failed standard output
/// is remembered and reported at exit (`Console.outputFailure`), and a
/// failed standard error is ignored (there is nowhere left to report it).
struct Console {
    private let stream: UnsafeMutablePointer<FILE>
    nonisolated(unsafe) static let output = Console(stream: stdout)
    nonisolated(unsafe) static let error = Console(stream: stderr)

    /// Write and flush (the run's output appears as the program sends it).
    func write(_ d: Data) {
        if !d.isEmpty { _ = d.withUnsafeBytes { fwrite($0.baseAddress!, 1, $0.count, stream) } }
        if fflush(stream) != 0 && stream == stdout && Self.firstOutputErrno == 0 { Self.firstOutputErrno = errno }
    }

    /// `s` with control characters shown as escapes (`\x00`, `\x1b`,
    /// `\u{85}`; newlines and tabs kept), for messages that quote input.
    static func escapingControls(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        for u in s.unicodeScalars {
            let v = u.value
            if (v < 0x20 && u != "\n" && u != "\t") || v == 0x7F {
                out += "\\x\(v < 0x10 ? "0" : "")\(String(v, radix: 16))".unicodeScalars
            } else if (0x80...0x9F).contains(v) {
                out += "\\u{\(String(v, radix: 16))}".unicodeScalars
            } else {
                out.append(u)
            }
        }
        return String(out)
    }

    nonisolated(unsafe) private static var firstOutputErrno: Int32 = 0

    /// Why standard output lost bytes (after a last flush), or nil.
    static var outputFailure: String? {
        if fflush(stdout) != 0 && firstOutputErrno == 0 { firstOutputErrno = errno }
        guard ferror(stdout) != 0 || firstOutputErrno != 0 else { return nil }
        return "cannot write standard output: " + (firstOutputErrno != 0 ? String(cString: strerror(firstOutputErrno)) : "write error")
    }
}

extension RTLModel {
    /// `--rtl --vcd`: Verilator's VCD through the bridge's file, which opens
    /// and fails as `OutputFile` does (exit 2, the file named).
    func startOutputVCD(path: String) throws {
        try reportingRTLVCDErrors { try startVCD(path: path) }
    }

    /// Close the VCD; a write that failed during the run is thrown now.
    func stopOutputVCD() throws {
        try reportingRTLVCDErrors { try stopVCD() }
    }
}

/// `body` with the bridge's VCD file errors (trace_open, trace_close: the
/// file cannot be created or written) as input errors, exit 2.
func reportingRTLVCDErrors<R>(_ body: () throws -> R) throws -> R {
    do { return try body() } catch let e as RTLError {
        if case .call(let function, _, let message) = e, function == "trace_open" || function == "trace_close" {
            throw InputError(message)
        }
        throw e
    }
}
