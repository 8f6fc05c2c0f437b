import XCTest
@testable import TBTargetfile

/// The node-set and sequence keywords (`foreach`, `parallel`, `steps`), top-level
/// `lock`, and host patterns (`host fit* = local`): what they parse to, and the exact
/// message and location of each mistake.
final class NodesSyntaxTests: XCTestCase {
    // MARK: - What parses

    func testForeachParallelAndTimeoutOfAFanOut() throws {
        let tf = try load("""
            load: images/$(node).ndz
                foreach node in $(NODES)
                parallel 8
                timeout 300s
                run load $(node)
            """)
        let spec = try target(tf, "load")
        XCTAssertEqual(spec.foreachVariable, "node")
        XCTAssertEqual(spec.foreachNodes?.description, "$(NODES)")
        XCTAssertEqual(spec.foreachNodes?.location, loc(2, 21), "the nodes, after 'in '")
        XCTAssertEqual(spec.parallel, 8)
        XCTAssertEqual(spec.timeout, 300)
        XCTAssertEqual(spec.writtenSteps, ["run load $(node)"])
        XCTAssertEqual(spec.sequence, [])
        XCTAssertFalse(spec.isAggregate)
    }

    func testForeachKeepsALiteralSpecWithSeveralWords() throws {
        let tf = try load("t:\n    foreach n in   1-12 fit15-reboot18 ~4-6\n    run x\n")
        let spec = try target(tf, "t")
        XCTAssertEqual(spec.foreachVariable, "n")
        XCTAssertEqual(spec.foreachNodes?.description, "1-12 fit15-reboot18 ~4-6")
        XCTAssertEqual(spec.foreachNodes?.location, loc(2, 20))
    }

    func testStepsAreTemplatesInTheWrittenOrder() throws {
        let tf = try load("""
            s: p
                steps c a $(b)
                steps d
            """)
        let spec = try target(tf, "s")
        XCTAssertEqual(spec.sequence.map(\.description), ["c", "a", "$(b)", "d"], "several steps lines add up")
        XCTAssertEqual(spec.sequence.map(\.location), [loc(2, 11), loc(2, 13), loc(2, 15), loc(3, 11)])
        XCTAssertEqual(spec.writtenPrerequisites, ["p"])
        XCTAssertEqual(spec.steps, [], "a sequence has no recipe")
        XCTAssertFalse(spec.isAggregate, "it has a body")
    }

    func testAggregateWithoutBodyIsNotASequence() throws {
        let spec = try target(try load("all: a b c\na:\n    run a\nb:\n    run b\nc:\n    run c\n"), "all")
        XCTAssertTrue(spec.isAggregate)
        XCTAssertEqual(spec.sequence, [])
    }

    func testLockIsATemplateWithItsLocation() throws {
        let tf = try load("dir = /tmp/x\nlock $(dir)/pipeline.lock\nt:\n    run x\n")
        XCTAssertEqual(tf.lock?.description, "$(dir)/pipeline.lock")
        XCTAssertEqual(tf.lock?.location, loc(2, 6))
        XCTAssertNil(try load("t:\n    run x\n").lock)
    }

    func testLockFollowedByAColonIsATargetNamedLock() throws {
        let tf = try load("lock: a\na:\n    run a\n")
        XCTAssertNil(tf.lock)
        XCTAssertEqual(try target(tf, "lock").writtenPrerequisites, ["a"])
    }

    /// A keyword followed by '=' or '?=' names a variable; otherwise it declares, even
    /// when a ':' comes later on the line.
    func testKeywordsFollowedByAnAssignmentAreVariables() throws {
        let tf = try load("lock = /tmp/x\nhost ?= dev2\ninclude = a.tb\nsecret = s\nt:\n    run x\n")
        XCTAssertNil(tf.lock)
        XCTAssertEqual(tf.hosts, [:])
        XCTAssertEqual(tf.variables["lock"]?.value.literalValue, "/tmp/x")
        XCTAssertEqual(tf.variables["host"]?.value.literalValue, "dev2")
        XCTAssertEqual(tf.variables["host"]?.isDefault, true)
        XCTAssertEqual(tf.variables["include"]?.value.literalValue, "a.tb")
        XCTAssertEqual(tf.variables["secret"]?.value.literalValue, "s")
        XCTAssertEqual(try load("lock /mnt/a:b\nt:\n    run x\n").lock?.description, "/mnt/a:b")
    }

    func testLockInAnIncludedFileCounts() throws {
        let tf = try load("include rules.tb\nt:\n    run x\n", files: ["rules.tb": "lock /tmp/l\n"])
        XCTAssertEqual(tf.lock?.description, "/tmp/l")
        XCTAssertEqual(tf.lock?.location, loc(1, 6, "rules.tb"))
    }

    func testHostPatternDeclaresEveryMatchingName() throws {
        let tf = try load("host fit* = local\nhost dev2 = local\nhost *-vm = local\nt:\n    run x\n")
        XCTAssertEqual(tf.hostPatterns.map(\.name), ["fit*", "*-vm"])
        XCTAssertEqual(tf.host(named: "fit01")?.name, "fit*")
        XCTAssertEqual(tf.host(named: "fit01")?.kind, .local)
        XCTAssertEqual(tf.host(named: "fit37")?.location, loc(1, 6), "the pattern's declaration, at its name")
        XCTAssertEqual(tf.host(named: "head-vm")?.name, "*-vm")
        XCTAssertEqual(tf.host(named: "dev2")?.name, "dev2", "an exact declaration")
        XCTAssertNil(tf.host(named: "reboot01"))
        XCTAssertNil(tf.host(named: "xfit01"), "the pattern is anchored at the start")
        XCTAssertNil(tf.host(named: "head-vm2"), "and at the end")
    }

    func testPatternMatching() {
        XCTAssertTrue(Targetfile.matches(pattern: "fit*", "fit"))
        XCTAssertTrue(Targetfile.matches(pattern: "f*t*1", "fit01"))
        XCTAssertTrue(Targetfile.matches(pattern: "*", "anything"))
        XCTAssertTrue(Targetfile.matches(pattern: "a*a", "aa"))
        XCTAssertFalse(Targetfile.matches(pattern: "a*a", "a"), "the prefix and suffix may not overlap")
        XCTAssertFalse(Targetfile.matches(pattern: "fit0*", "fit10"))
        XCTAssertFalse(Targetfile.matches(pattern: "fit01", "fit011"), "no star: equality")
    }

    func testExactDeclarationWinsOverAnEarlierPattern() throws {
        let tf = try load("host fit* = local\nhost fit02 = ssh root@fit02\nt:\n    run x\n")
        XCTAssertEqual(tf.host(named: "fit01")?.kind, .local)
        XCTAssertEqual(tf.host(named: "fit02")?.name, "fit02")
        XCTAssertEqual(tf.host(named: "fit02")?.location, loc(2, 6))
    }

    // MARK: - Errors

    func testForeachWithoutIn() {
        XCTAssertEqual(errorOf("t:\n    foreach x\n    run x\n"), "Targetfile:2:13: expected 'foreach NAME in NODES'")
    }

    func testForeachWithAnotherWordThanIn() {
        XCTAssertEqual(errorOf("t:\n    foreach x on 1-3\n    run x\n"), "Targetfile:2:13: expected 'foreach NAME in NODES'")
        XCTAssertEqual(errorOf("t:\n    foreach x inside 1-3\n    run x\n"), "Targetfile:2:13: expected 'foreach NAME in NODES'")
    }

    func testForeachWithoutNodes() {
        XCTAssertEqual(errorOf("t:\n    foreach x in\n    run x\n"), "Targetfile:2:13: expected nodes after 'foreach x in'")
        XCTAssertEqual(errorOf("t:\n    foreach x in   \n    run x\n"), "Targetfile:2:13: expected nodes after 'foreach x in'")
    }

    func testForeachWithoutAnything() {
        XCTAssertEqual(errorOf("t:\n    foreach\n    run x\n"), "Targetfile:2:5: 'foreach' needs an argument")
    }

    func testForeachVariableMustBeAName() {
        XCTAssertEqual(errorOf("t:\n    foreach $(x) in 1-3\n    run x\n"), "Targetfile:2:13: expected 'foreach NAME in NODES'")
    }

    func testParallelZero() {
        XCTAssertEqual(errorOf("t:\n    foreach n in 1-3\n    parallel 0\n    run x\n"),
                       "Targetfile:3:14: invalid parallel limit '0': expected a whole number from 1")
    }

    func testParallelNotANumber() {
        XCTAssertEqual(errorOf("t:\n    foreach n in 1-3\n    parallel -2\n    run x\n"),
                       "Targetfile:3:14: invalid parallel limit '-2': expected a whole number from 1")
        XCTAssertEqual(errorOf("t:\n    foreach n in 1-3\n    parallel 2 3\n    run x\n"),
                       "Targetfile:3:14: invalid parallel limit '2 3': expected a whole number from 1")
        XCTAssertEqual(errorOf("t:\n    foreach n in 1-3\n    parallel\n    run x\n"),
                       "Targetfile:3:5: 'parallel' needs an argument")
    }

    func testParallelWithoutForeach() {
        XCTAssertEqual(errorOf("a:\n    run a\nt:\n    parallel 2\n    run x\n"), "Targetfile:3:1: 'parallel' needs 'foreach' in 't'")
    }

    func testParallelWithoutForeachThroughARule() {
        XCTAssertEqual(errorOf("rule r():\n    parallel 2\nt:\n    use r\n    run x\n"),
                       "Targetfile:3:1: 'parallel' needs 'foreach' in 't'")
    }

    func testForeachAndParallelThroughARule() throws {
        let spec = try target(try load("rule fan(nodes):\n    foreach node in $(nodes)\n    parallel 2\nt:\n    use fan nodes=1-4\n    run x $(node)\n"), "t")
        XCTAssertEqual(spec.foreachVariable, "node")
        XCTAssertEqual(spec.foreachNodes?.description, "$(nodes)")
        XCTAssertEqual(spec.writtenParameters, ["nodes": "1-4"])
        XCTAssertEqual(spec.parallel, 2)
    }

    func testStepsAndRunInOneTarget() {
        XCTAssertEqual(errorOf("a:\n    run a\ns:\n    steps a\n    run b\n"),
                       "Targetfile:3:1: 's' has steps, so it cannot have a recipe of its own")
        XCTAssertEqual(errorOf("a:\n    run a\ns:\n    put x -> y\n    steps a\n"),
                       "Targetfile:3:1: 's' has steps, so it cannot have a recipe of its own")
    }

    func testStepsWithoutTargets() {
        XCTAssertEqual(errorOf("s:\n    steps\n"), "Targetfile:2:5: 'steps' needs an argument")
    }

    func testTwoLockLines() {
        XCTAssertEqual(errorOf("lock /tmp/a\nlock /tmp/b\nt:\n    run x\n"), "Targetfile:2:6: only one 'lock' per Targetfile")
    }

    func testTwoLockLinesAcrossAnInclude() {
        XCTAssertEqual(errorOf("lock /tmp/a\ninclude r.tb\nt:\n    run x\n", files: ["r.tb": "\nlock /tmp/b\n"]),
                       "r.tb:2:6: only one 'lock' per Targetfile")
    }

    func testInvalidHostPatternName() {
        XCTAssertEqual(errorOf("host fit? = local\nt:\n    run x\n"), "Targetfile:1:6: invalid host name 'fit?'")
    }

    func testSamePatternTwice() {
        XCTAssertEqual(errorOf("host fit* = local\nhost fit* = local\nt:\n    run x\n"),
                       "Targetfile:2:6: host 'fit*' already declared at Targetfile:1:6")
    }
}
