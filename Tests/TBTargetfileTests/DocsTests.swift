import Foundation
import XCTest
@testable import TBTargetfile

/// The language documentation and the repository's own Targetfile must parse.
final class DocsTests: XCTestCase {
    /// The repository root: three levels above this file (Tests/TBTargetfileTests/DocsTests.swift).
    private static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    private static func read(_ relative: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(relative), encoding: .utf8)
    }

    /// The contents of every fenced code block of a Markdown text, with the line of its
    /// first line — except blocks tagged with another language (```ini).
    static func fencedBlocks(_ markdown: String) -> [(line: Int, text: String)] {
        var blocks: [(Int, String)] = []
        var current: [String]?
        var inBlock = false
        var start = 0
        for (i, line) in markdown.components(separatedBy: "\n").enumerated() {
            if line.hasPrefix("```") {
                if inBlock {
                    if let lines = current { blocks.append((start, lines.joined(separator: "\n") + "\n")) }
                    current = nil
                    inBlock = false
                } else {
                    inBlock = true
                    let language = line.dropFirst(3).trimmingCharacters(in: .whitespaces)
                    current = language.isEmpty || language == "targetfile" ? [] : nil
                    start = i + 2
                }
            } else {
                current?.append(line)
            }
        }
        return blocks
    }

    private static func isName(_ s: Substring) -> Bool {
        !s.isEmpty && s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) }
    }

    /// A block looks like a Targetfile when a line is `NAME:` or an assignment.
    static func looksLikeTargetfile(_ block: String) -> Bool {
        block.split(separator: "\n").contains { line in
            if let colon = line.firstIndex(of: ":"), isName(line[..<colon]) { return true }
            if let eq = line.firstIndex(of: "=") {
                var name = line[..<eq]
                if name.hasSuffix("?") { name = name.dropLast() }
                return isName(name.trimmingBlanks())
            }
            return false
        }
    }

    /// The grammar block (`:=`) and the error examples (`FILE:LINE:COL: message`) are not Targetfiles.
    static func isGrammarOrErrors(_ block: String) -> Bool {
        block.contains(":=") || block.split(separator: "\n").contains { line in
            let fields = line.split(separator: ":", maxSplits: 3, omittingEmptySubsequences: false)
            return fields.count == 4 && Int(fields[1]) != nil && Int(fields[2]) != nil
        }
    }

    /// Stand-ins for the files a block includes: empty, but declaring the rules the block
    /// `use`s without declaring them, with the parameters it binds.
    static func standIns(for block: String, path: String) -> [String: String] {
        var includes: [String] = []
        var declared: Set<String> = []
        var used: [(rule: String, parameters: [String])] = []
        for raw in block.split(separator: "\n") {
            let line = raw.trimmingBlanks()
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let first = words.first else { continue }
            if first == "include", words.count == 2, !raw.hasPrefix(" ") { includes.append(String(words[1])) }
            if first == "rule", words.count >= 2 {
                declared.insert(String(words[1].prefix { $0 != "(" && $0 != ":" }))
            }
            if first == "use", words.count >= 2 {
                used.append((String(words[1]), words.dropFirst(2).map { String($0.prefix { $0 != "=" }) }))
            }
        }
        var rules: [String: [String]] = [:]
        var order: [String] = []
        for (rule, parameters) in used where !declared.contains(rule) {
            if rules[rule] == nil { order.append(rule) }
            for p in parameters where !(rules[rule] ?? []).contains(p) { rules[rule, default: []].append(p) }
        }
        let ruleText = order.map { "rule \($0)(\(rules[$0]!.joined(separator: ", "))):\n    run true\n" }.joined()
        let directory = Targetfile.Loader.directory(of: path)
        var files: [String: String] = [:]
        for (i, include) in includes.enumerated() {
            files[Targetfile.Loader.join(directory: directory, include)] = i == 0 ? ruleText : ""
        }
        return files
    }

    func testStandInsDeclareTheUsedRules() {
        let files = DocsTests.standIns(for: "include r/a.tb\ninclude b.tb\nrule own:\nt:\n    use rpm flavour=dev\n    use own\n"
                                       + "u:\n    use rpm on=x flavour=y\n", path: "Targetfile")
        XCTAssertEqual(files, ["r/a.tb": "rule rpm(flavour, on):\n    run true\n", "b.tb": ""])
    }

    func testEveryTargetfileExampleOfTheDocsParses() throws {
        let markdown = try DocsTests.read("docs/targetfile.md")
        let blocks = DocsTests.fencedBlocks(markdown)
        XCTAssertGreaterThanOrEqual(blocks.count, 3, "the docs hold an example, the grammar and the errors")
        let examples = blocks.filter { DocsTests.looksLikeTargetfile($0.text) && !DocsTests.isGrammarOrErrors($0.text) }
        XCTAssertFalse(examples.isEmpty, "no Targetfile example found in docs/targetfile.md")
        XCTAssertEqual(blocks.filter { DocsTests.isGrammarOrErrors($0.text) }.count, 2, "the grammar and the errors blocks")
        for (line, text) in examples {
            let files = DocsTests.standIns(for: text, path: "Targetfile")
            do {
                let tf = try Targetfile.parse(text, path: "Targetfile", files: files)
                XCTAssertFalse(tf.targets.isEmpty && tf.variables.isEmpty && tf.hosts.isEmpty,
                               "docs/targetfile.md:\(line): the example declares nothing")
            } catch {
                XCTFail("docs/targetfile.md:\(line): example does not parse: \(error.description)")
            }
        }
    }

    func testTheDocsFirstExample() throws {
        let markdown = try DocsTests.read("docs/targetfile.md")
        let text = try XCTUnwrap(DocsTests.fencedBlocks(markdown).first { DocsTests.looksLikeTargetfile($0.text) }).text
        let tf = try Targetfile.parse(text, files: DocsTests.standIns(for: text, path: "Targetfile"))
        XCTAssertEqual(tf.targets.map(\.name), ["dev-rpm", "prod-install", "all"])
        XCTAssertEqual(tf.defaultTarget, "dev-rpm")
        XCTAssertEqual(tf.variables["version"]?.value.literalValue, "1.0")
        XCTAssertEqual(tf.variables["flavour"]?.isDefault, true)
        XCTAssertEqual(tf.hosts.keys.sorted(), ["dev2", "prod"])
        XCTAssertEqual(try target(tf, "dev-rpm").comment, "Build the dev flavour of the rpm inside dev2.")
        XCTAssertEqual(try target(tf, "dev-rpm").writtenParameters, ["flavour": "dev"])
        XCTAssertTrue(try target(tf, "all").isAggregate)
        XCTAssertEqual(try target(tf, "prod-install").writtenSteps, [
            "put $(prod-rpm.out) -> $(root)/tmp/prod.rpm",
            "run rpm --root $(root) -Uvh --nodeps $(root)/tmp/prod.rpm",
        ])
    }

    func testTheDocsListTheBodyKeywordsTheParserKnows() throws {
        let markdown = try DocsTests.read("docs/targetfile.md")
        let section = try XCTUnwrap(markdown.components(separatedBy: "## Body keywords").dropFirst().first)
            .components(separatedBy: "\n## ").first ?? ""
        var documented: [String] = []
        for line in section.split(separator: "\n") where line.hasPrefix("| `") {
            let cell = line.dropFirst(3).prefix { $0 != "`" }
            documented.append(String(cell.prefix { $0 != " " }))
        }
        XCTAssertEqual(documented, BodyStatement.keywords)
    }

    /// The grammar's `statement` rule names every keyword the parser knows, in its order.
    func testTheGrammarHasEveryBodyKeyword() throws {
        let markdown = try DocsTests.read("docs/targetfile.md")
        let grammar = try XCTUnwrap(DocsTests.fencedBlocks(markdown).first { $0.text.contains("statement   :=") }).text
        let rule = try XCTUnwrap(grammar.components(separatedBy: "statement   :=").dropFirst().first)
            .components(separatedBy: "\nword").first ?? ""
        var named: [String] = []
        for line in rule.split(separator: "\n") {
            let quoted = line.split(separator: "\"", omittingEmptySubsequences: false)
            for (i, piece) in quoted.enumerated() where i % 2 == 1 && piece.allSatisfy(\.isLetter)
                && (i == 1 || quoted[i - 1].trimmingBlanks() == "|" || quoted[i - 1].trimmingBlanks().hasSuffix("(")) {
                named.append(String(piece))
            }
        }
        XCTAssertEqual(named, ["host", "out", "state", "always", "nocache", "timeout", "retry", "env", "run", "put", "get",
                               "pack", "unpack", "exclude", "use", "foreach", "parallel", "pool", "steps", "wait"])
        XCTAssertEqual(Set(named), Set(BodyStatement.keywords))
    }

    func testTheRepositoryTargetfile() throws {
        let root = DocsTests.root.path
        let tf = try Targetfile.load(path: root + "/Targetfile") { path in
            try? String(contentsOfFile: path, encoding: .utf8)
        }
        XCTAssertEqual(tf.targets.map(\.name), [
            "all", "dev-rpm", "dev-install", "prod-rpm", "prod-install", "bond-flavour", "bonding-node", "node-info",
        ])
        XCTAssertEqual(tf.defaultTarget, "all")
        XCTAssertTrue(try target(tf, "all").isAggregate)
        XCTAssertEqual(try target(tf, "all").writtenPrerequisites, ["prod-install", "bonding-node"])
        XCTAssertEqual(tf.rules.keys.sorted(), ["rpm", "rpm-install"])
        XCTAssertEqual(tf.hosts.keys.sorted(), ["dev2", "prod"])
        XCTAssertEqual(try target(tf, "dev-rpm").writtenParameters, ["flavour": "dev"])
        XCTAssertEqual(try target(tf, "dev-rpm").writtenPrerequisites, ["demo/kata/**"])
        XCTAssertEqual(try target(tf, "prod-install").writtenParameters, ["flavour": "prod", "on": "prod"])
        XCTAssertEqual(try target(tf, "bonding-node").location.file, root + "/rules/bonding.tb")
        for spec in tf.targets {
            XCTAssertNotNil(spec.comment, "\(spec.name) has a description")
        }
    }
}
