import Glibc

/// glibc functions that Swift's Glibc module does not import (they are declared only
/// under `_GNU_SOURCE`). They are looked up once, by name, in the running process;
/// each is `nil` when the C library lacks it, and callers fall back.
enum GNUExtensions {
    typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32
    typealias CopyFileRange = @convention(c) (
        Int32, UnsafeMutablePointer<Int64>?, Int32, UnsafeMutablePointer<Int64>?, Int, UInt32
    ) -> Int
    typealias AddChdir = @convention(c) (
        UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>
    ) -> Int32

    typealias AddClosefrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    static let pipe2: Pipe2? = lookUp("pipe2")
    static let copyFileRange: CopyFileRange? = lookUp("copy_file_range")
    /// glibc ≥ 2.29.
    static let addChdir: AddChdir? = lookUp("posix_spawn_file_actions_addchdir_np")
    /// glibc ≥ 2.34.
    static let addClosefrom: AddClosefrom? = lookUp("posix_spawn_file_actions_addclosefrom_np")

    private static func lookUp<F>(_ name: String) -> F? {
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, name) else { return nil }
        return unsafeBitCast(symbol, to: F.self)
    }
}
