import ArgumentParser
import SoC

/// `--random N --seed S` runs seeds S … S+N−1: N is at least 1 and the last
/// seed is at most 2^64−1 (seeds do not wrap around).
func validateSeeds(first: UInt64, count: UInt64) throws {
    guard count >= 1 else { throw ValidationError("--random must be at least 1") }
    guard first <= UInt64.max - (count - 1) else {
        throw ValidationError("--random \(count) from --seed \(first) passes the last seed, \(UInt64.max)")
    }
}

/// A program image must fit the machine's memories (exit 2 otherwise), as the
/// RTL loaders require; the models' loaders would wrap or trap.
func requireFit(_ image: ProgramImage, in memories: [LoadableMemory], undecoded: UInt32 = 0) throws {
    if let why = image.misplacement(in: memories, undecoded: undecoded) { throw InputError(why) }
}
