extension Node {
    /// Whether the target does anything besides writing its declared `out` files
    /// (DESIGN §1): it runs on a named host (a `local` sandbox or an ssh host), writes a
    /// `state` file, or copies or unpacks something somewhere (`put`, `unpack`). Its
    /// output files are then only a receipt of what it did, so they are never restored
    /// from the cache: it runs whenever it is out of date.
    var hasEffectsElsewhere: Bool {
        if host != nil || state != nil { return true }
        return spec.steps.contains { step in
            switch step.action {
            case .put, .unpack: return true
            case .run, .get, .pack: return false
            }
        }
    }
}
