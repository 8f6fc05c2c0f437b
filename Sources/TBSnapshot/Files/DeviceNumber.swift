/// glibc's `major`/`minor`/`makedev` (macros in <sys/sysmacros.h>), for Linux's 64-bit dev_t.
enum DeviceNumber {
    static func major(_ dev: UInt64) -> UInt32 {
        UInt32(truncatingIfNeeded: ((dev >> 8) & 0xfff) | ((dev >> 32) & ~UInt64(0xfff)))
    }

    static func minor(_ dev: UInt64) -> UInt32 {
        UInt32(truncatingIfNeeded: (dev & 0xff) | ((dev >> 12) & ~UInt64(0xff)))
    }

    static func make(major: UInt32, minor: UInt32) -> UInt64 {
        let major = UInt64(major), minor = UInt64(minor)
        return (minor & 0xff) | ((major & 0xfff) << 8) | ((minor & ~UInt64(0xff)) << 12) | ((major & ~UInt64(0xfff)) << 32)
    }
}
