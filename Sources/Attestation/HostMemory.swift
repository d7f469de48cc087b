import Automaton

/// Host physical memory as the security hypervisor and the link see it:
/// byte-addressed with 64-bit addresses. The hypervisor model reads the
/// challenge and its own image through this, so whatever a device write or an
/// attacker put there is what it computes over.
public protocol HostMemory: AnyObject {
    /// `count` bytes from `address`; nil when the range wraps past 2^64.
    func read(at address: UInt64, count: Int) -> [UInt8]?
    /// Stores `bytes` from `address`; false when the range wraps past 2^64.
    @discardableResult func write(at address: UInt64, _ bytes: [UInt8]) -> Bool
    /// The little-endian 32-bit word at `address` (no alignment required); nil past 2^64.
    func word32(at address: UInt64) -> UInt32?
}

extension HostMemory {
    public func word32(at address: UInt64) -> UInt32? {
        guard let b = read(at: address, count: 4) else { return nil }
        return UInt32(b[0]) | UInt32(b[1]) << 8 | UInt32(b[2]) << 16 | UInt32(b[3]) << 24
    }
}

/// Sparse host memory in 4 KiB pages: bytes never written read as zero.
public final class SparseHostMemory: HostMemory {
    public static let pageBytes = 4_096
    private var pages: [UInt64: [UInt8]] = [:]

    public init() {}

    /// The number of pages that hold written bytes.
    public var populatedPages: Int { pages.count }

    public func read(at address: UInt64, count: Int) -> [UInt8]? {
        guard count >= 0, fits(address, count) else { return nil }
        var out = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let a = address + UInt64(done)
            let page = a / UInt64(Self.pageBytes), offset = Int(a % UInt64(Self.pageBytes))
            let n = min(count - done, Self.pageBytes - offset)
            if let p = pages[page] { out.replaceSubrange(done..<done + n, with: p[offset..<offset + n]) }
            done += n
        }
        return out
    }

    @discardableResult
    public func write(at address: UInt64, _ bytes: [UInt8]) -> Bool {
        guard fits(address, bytes.count) else { return false }
        var done = 0
        while done < bytes.count {
            let a = address + UInt64(done)
            let page = a / UInt64(Self.pageBytes), offset = Int(a % UInt64(Self.pageBytes))
            let n = min(bytes.count - done, Self.pageBytes - offset)
            pages[page, default: [UInt8](repeating: 0, count: Self.pageBytes)]
                .replaceSubrange(offset..<offset + n, with: bytes[done..<done + n])
            done += n
        }
        return true
    }

    /// One page lookup for an aligned word (the automaton's reads), no array built.
    public func word32(at address: UInt64) -> UInt32? {
        let offset = Int(address % UInt64(Self.pageBytes))
        guard address & 3 == 0 else {
            guard let b = read(at: address, count: 4) else { return nil }
            return UInt32(b[0]) | UInt32(b[1]) << 8 | UInt32(b[2]) << 16 | UInt32(b[3]) << 24
        }
        guard let p = pages[address / UInt64(Self.pageBytes)] else { return 0 }
        return UInt32(p[offset]) | UInt32(p[offset + 1]) << 8 | UInt32(p[offset + 2]) << 16 | UInt32(p[offset + 3]) << 24
    }

    private func fits(_ address: UInt64, _ count: Int) -> Bool {
        count == 0 || address <= UInt64.max - UInt64(count - 1)
    }
}
