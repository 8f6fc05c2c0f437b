import XCTest
@testable import TBTargetfile

/// Parses `source` as `path`, failing the test (and rethrowing) on an error.
func load(_ source: String, path: String = "Targetfile", files: [String: String] = [:],
          file: StaticString = #filePath, line: UInt = #line) throws -> Targetfile {
    do {
        return try Targetfile.parse(source, path: path, files: files)
    } catch {
        XCTFail("unexpected error: \(error.description)", file: file, line: line)
        throw error
    }
}

/// The one-line description of the error parsing `source` raises, or nil when it parses.
func errorOf(_ source: String, path: String = "Targetfile", files: [String: String] = [:]) -> String? {
    do {
        _ = try Targetfile.parse(source, path: path, files: files)
        return nil
    } catch {
        return error.description
    }
}

/// The target `name`, failing the test when it is missing.
func target(_ tf: Targetfile, _ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> TargetSpec {
    try XCTUnwrap(tf[target: name], "no target '\(name)'", file: file, line: line)
}

func loc(_ line: Int, _ column: Int, _ file: String = "Targetfile") -> SourceLocation {
    SourceLocation(file: file, line: line, column: column)
}

extension RecipeStepTemplate.Action {
    /// `run TEXT`, `put A -> B`, `get A -> B`, with templates as written.
    var written: String {
        switch self {
        case .run(let t): return "run \(t)"
        case .put(let a, let b): return "put \(a) -> \(b)"
        case .get(let a, let b): return "get \(a) -> \(b)"
        case .pack(let root, let paths, let to):
            return "pack \(root) \(paths.map(\.description).joined(separator: " ")) -> \(to.map(\.description).joined(separator: " "))"
        case .unpack(let from, let to): return "unpack \(from.map(\.description).joined(separator: " ")) -> \(to)"
        }
    }
}

extension TargetSpec {
    var writtenSteps: [String] { steps.map { $0.action.written } }
    var writtenPrerequisites: [String] { prerequisites.map { $0.description } }
    var writtenOuts: [String] { outs.map { $0.description } }
    var writtenEnvironment: [String] { environment.map { "\($0.name)=\($0.value)" } }
    var writtenParameters: [String: String] { parameters.mapValues { $0.description } }
}

/// Expands `template` from `values`; an unknown name expands to `<name?>`.
func expand(_ template: Template, _ values: [String: String]) -> String {
    template.expand { name, _ in values[name] ?? "<\(name)?>" }
}
