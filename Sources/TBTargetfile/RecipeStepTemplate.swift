/// A recipe step as written: expanded by the engine just before the target is decided.
public struct RecipeStepTemplate: Hashable, Sendable {
    public enum Action: Hashable, Sendable {
        case run(Template)
        case put(from: Template, to: Template)
        case get(from: Template, to: Template)
        /// Destinations expand to the archive and its manifest (often `$(out)`).
        case pack(root: Template, paths: [Template], to: [Template])
        /// Sources expand to the archive and its manifest.
        case unpack(from: [Template], to: Template)
    }

    public var action: Action
    public var location: SourceLocation
}
