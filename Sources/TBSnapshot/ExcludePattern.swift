import TBStore

/// A pattern left out of a snapshot: a `PathPattern` over paths relative to the
/// snapshot's root. `**/initrd*` matches `initrd.img` and `tftpboot/xcat/initrd.img`;
/// `**/rootimg/**` matches a `rootimg` directory anywhere and everything under it.
public typealias ExcludePattern = PathPattern
