#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One-shot SHA-256.
public enum SHA256 {
    /// Files are read in chunks of this size, so memory use does not depend on file size.
    static let chunkSize = 1 << 20

    /// SHA-256 of the UTF-8 bytes of `string`.
    public static func digest(_ string: String) -> Digest {
        let hasher = SHA256Hasher()
        hasher.update(string)
        return hasher.finalize()
    }

    /// SHA-256 of `bytes`.
    public static func digest(_ bytes: [UInt8]) -> Digest {
        let hasher = SHA256Hasher()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// SHA-256 of the file at `path` (following symlinks), streamed in 1 MiB chunks.
    /// Throws `.io` if the file cannot be opened or read (a directory cannot be read).
    public static func digest(fileAt path: String) throws(StoreError) -> Digest {
        let file = try FileDescriptor.open(path, O_RDONLY)
        // Small files are the common case: don't map a whole chunk for a 2 KiB file.
        let sizeHint = file.sizeHint()
        let capacity = sizeHint.map { max(4096, min(chunkSize, Int(clamping: $0) + 1)) } ?? chunkSize
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
        defer { buffer.deallocate() }
        let hasher = SHA256Hasher()
        while true {
            let count = try file.read(into: buffer)
            if count == 0 { break }
            hasher.update(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        }
        return hasher.finalize()
    }
}
