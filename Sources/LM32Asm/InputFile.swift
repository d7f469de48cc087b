import Foundation

/// Reading a whole input file with a size limit: the assembler's sources and
/// `.include`s, and every file `socsim` reads (programs, tables). A regular
/// file's size is checked before reading; pipes, FIFOs and devices
/// (`/dev/zero`) are read a chunk at a time until the limit is passed, so an
/// endless stream costs at most the limit in memory.
public enum InputFile {
    /// The largest input file read whole: 64 MiB, four times the largest
    /// memory a program loads into (the SoC's 16 MiB SDRAM), room for a hex
    /// file's text.
    public static let maxBytes = 64 << 20

    /// Why a file could not be read. `description` names the file.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        /// It does not exist or cannot be opened.
        case cannotOpen(path: String)
        case directory(path: String)
        /// Larger than the limit: `size` as far as known ("300 bytes", "more than 64 bytes").
        case tooLarge(path: String, size: String, limit: Int)
        case readError(path: String, reason: String)

        public var description: String {
            switch self {
            case .cannotOpen(let p): return "cannot read '\(p)'"
            case .directory(let p): return "cannot read '\(p)': a directory"
            case .tooLarge(let p, let size, let limit): return "'\(p)' is too large (\(size); input files are limited to \(limit) bytes)"
            case .readError(let p, let reason): return "cannot read '\(p)': \(reason)"
            }
        }
    }

    /// The bytes of the file at `path`, at most `limit` of them.
    public static func read(_ path: String, limit: Int = maxBytes) throws(Failure) -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw .cannotOpen(path: path) }
        defer { try? handle.close() }
        var st = stat()
        if fstat(handle.fileDescriptor, &st) == 0 {
            if st.st_mode & S_IFMT == S_IFDIR { throw .directory(path: path) }
            if st.st_mode & S_IFMT == S_IFREG && st.st_size > limit {
                throw .tooLarge(path: path, size: "\(st.st_size) bytes", limit: limit)
            }
        }
        var bytes: [UInt8] = []
        while true {
            let chunk: Data?
            do { chunk = try handle.read(upToCount: min(1 << 20, limit + 1 - bytes.count)) } catch {
                throw .readError(path: path, reason: error.localizedDescription)
            }
            guard let chunk, !chunk.isEmpty else { return bytes }
            bytes.append(contentsOf: chunk)
            if bytes.count > limit { throw .tooLarge(path: path, size: "more than \(limit) bytes", limit: limit) }
        }
    }
}
