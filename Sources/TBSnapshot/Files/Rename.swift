#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TBStore

/// glibc's `renameat2` (declared only under _GNU_SOURCE, which the Glibc module does not
/// set), looked up once with dlsym.
enum Rename {
    static let noReplace: UInt32 = 1  // RENAME_NOREPLACE
    static let exchange: UInt32 = 2   // RENAME_EXCHANGE

    private typealias Function = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32

    private static let function: Function? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "renameat2") else { return nil }
        return unsafeBitCast(symbol, to: Function.self)
    }()

    /// `renameat2(2)`; sets errno to ENOSYS if the C library lacks it.
    static func renameat2(_ fromDir: Int32, _ from: String, _ toDir: Int32, _ to: String, _ flags: UInt32) -> Int32 {
        guard let function else { errno = ENOSYS; return -1 }
        return function(fromDir, FileName.cString(from), toDir, FileName.cString(to), flags)
    }
}
