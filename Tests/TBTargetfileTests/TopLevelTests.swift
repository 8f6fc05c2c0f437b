import XCTest
@testable import TBTargetfile

/// Variables, hosts, targets, aggregates, the default target.
final class TopLevelTests: XCTestCase {
    func testVariableAssignmentKeepsTheValueAsWritten() throws {
        let tf = try load("version = 1.0\nname=$(version)-x\nempty =\n")
        let version = try XCTUnwrap(tf.variables["version"])
        XCTAssertEqual(version.value.literalValue, "1.0")
        XCTAssertFalse(version.isDefault)
        XCTAssertEqual(version.location, loc(1, 1))
        XCTAssertEqual(version.value.location, loc(1, 11))

        let name = try XCTUnwrap(tf.variables["name"])
        XCTAssertEqual(name.value.parts, [.reference("version", column: 6), .literal("-x")])
        XCTAssertNil(name.value.literalValue)
        XCTAssertEqual(name.location, loc(2, 1))

        let empty = try XCTUnwrap(tf.variables["empty"])
        XCTAssertEqual(empty.value.parts, [])
        XCTAssertEqual(empty.value.literalValue, "")
        XCTAssertEqual(tf.variables.count, 3)
        XCTAssertEqual(tf.targets.count, 0)
        XCTAssertNil(tf.defaultTarget)
    }

    func testValueKeepsInnerBlanks() throws {
        let tf = try load("flags  =   -O2  -g\t-Wall\n")
        XCTAssertEqual(tf.variables["flags"]?.value.literalValue, "-O2  -g\t-Wall")
        XCTAssertEqual(tf.variables["flags"]?.value.location, loc(1, 12))
    }

    func testDefaultAssignment() throws {
        let tf = try load("flavour ?= f21\n")
        let v = try XCTUnwrap(tf.variables["flavour"])
        XCTAssertTrue(v.isDefault)
        XCTAssertEqual(v.value.literalValue, "f21")
        XCTAssertEqual(v.value.location, loc(1, 12))
    }

    func testLaterDefaultDoesNotOverride() throws {
        let tf = try load("a = 1\na ?= 2\nb ?= 3\nb ?= 4\n")
        XCTAssertEqual(tf.variables["a"]?.value.literalValue, "1")
        XCTAssertEqual(tf.variables["a"]?.isDefault, false)
        XCTAssertEqual(tf.variables["a"]?.location, loc(1, 1))
        XCTAssertEqual(tf.variables["b"]?.value.literalValue, "3")
        XCTAssertEqual(tf.variables["b"]?.location, loc(3, 1))
    }

    func testLaterPlainAssignmentOverridesBoth() throws {
        let tf = try load("a ?= 1\na = 2\na = 3\n")
        XCTAssertEqual(tf.variables["a"]?.value.literalValue, "3")
        XCTAssertEqual(tf.variables["a"]?.isDefault, false)
        XCTAssertEqual(tf.variables["a"]?.location, loc(3, 1))
    }

    func testDefaultInIncludedFileDoesNotOverrideMainDefinition() throws {
        let tf = try load("v = main\ninclude x.tb\n", files: ["x.tb": "v ?= included\nw ?= only-here\n"])
        XCTAssertEqual(tf.variables["v"]?.value.literalValue, "main")
        XCTAssertEqual(tf.variables["w"]?.value.literalValue, "only-here")
        XCTAssertEqual(tf.variables["w"]?.location, loc(2, 1, "x.tb"))
    }

    func testHosts() throws {
        let tf = try load("""
            host dev2 = local
            host prod=local
            host far = ssh root@ab-kata-prod:2222
            host tmpl = ssh $(user)@h
            """)
        XCTAssertEqual(tf.hosts.count, 4)
        XCTAssertEqual(tf.hosts["dev2"]?.kind, .local)
        XCTAssertEqual(tf.hosts["dev2"]?.location, loc(1, 6))
        XCTAssertEqual(tf.hosts["prod"]?.kind, .local)
        guard case .ssh(let address)? = tf.hosts["far"]?.kind else { return XCTFail("far is not ssh") }
        XCTAssertEqual(address.literalValue, "root@ab-kata-prod:2222")
        XCTAssertEqual(address.location, loc(3, 16))
        guard case .ssh(let t)? = tf.hosts["tmpl"]?.kind else { return XCTFail("tmpl is not ssh") }
        XCTAssertEqual(t.parts, [.reference("user", column: 17), .literal("@h")])
        XCTAssertTrue(tf.targets.isEmpty)
    }

    func testTargetWithPrerequisites() throws {
        let tf = try load("""
            build: src/main.c  lib/**\t$(version).txt other
                run cc -o build src/main.c
            """)
        let t = try target(tf, "build")
        XCTAssertEqual(t.location, loc(1, 1))
        XCTAssertEqual(t.writtenPrerequisites, ["src/main.c", "lib/**", "$(version).txt", "other"])
        XCTAssertEqual(t.prerequisites.map(\.location), [loc(1, 8), loc(1, 20), loc(1, 27), loc(1, 42)])
        XCTAssertEqual(t.prerequisites[2].parts, [.reference("version", column: 27), .literal(".txt")])
        XCTAssertFalse(t.isAggregate)
        XCTAssertEqual(t.writtenSteps, ["run cc -o build src/main.c"])
        XCTAssertEqual(t.steps[0].location, loc(2, 5))
        XCTAssertNil(t.host)
        XCTAssertNil(t.state)
        XCTAssertNil(t.timeout)
        XCTAssertEqual(t.retry, 0)
        XCTAssertFalse(t.always)
        XCTAssertEqual(t.parameters, [:])
    }

    func testTargetNamesMayContainDotsSlashesAndAts() throws {
        let tf = try load("out/lib.a: x\n    run true\nuser@host: y\n    run true\nv1.2_x-y: z\n    run true\n")
        XCTAssertEqual(tf.targets.map(\.name), ["out/lib.a", "user@host", "v1.2_x-y"])
        XCTAssertEqual(tf.targetIndex, ["out/lib.a": 0, "user@host": 1, "v1.2_x-y": 2])
    }

    func testTargetWithoutPrerequisitesOrBody() throws {
        let tf = try load("nothing:\n")
        let t = try target(tf, "nothing")
        XCTAssertEqual(t.prerequisites, [])
        XCTAssertTrue(t.isAggregate)
        XCTAssertEqual(t.steps, [])
    }

    func testAggregates() throws {
        let tf = try load("""
            all: a b c

            a:
                run echo a
            b: a
                always
            c: b
            """)
        XCTAssertEqual(tf.targets.map(\.name), ["all", "a", "b", "c"])
        XCTAssertEqual(tf.targets.map(\.isAggregate), [true, false, false, true])
        XCTAssertEqual(try target(tf, "all").writtenPrerequisites, ["a", "b", "c"])
        XCTAssertEqual(try target(tf, "c").writtenPrerequisites, ["b"])
        XCTAssertTrue(try target(tf, "b").always)
    }

    func testBodyOnlyOfCommentsAndBlankLinesStillAggregate() throws {
        let tf = try load("all: a\n\n    # only a comment\n\nb:\n    run x\n")
        XCTAssertTrue(try target(tf, "all").isAggregate)
        XCTAssertFalse(try target(tf, "b").isAggregate)
    }

    func testBodyContinuesAcrossBlankAndCommentLines() throws {
        let tf = try load("t:\n    run one\n\n# a comment at column 1\n    run two\n\t\trun three\n")
        XCTAssertEqual(try target(tf, "t").writtenSteps, ["run one", "run two", "run three"])
        XCTAssertEqual(try target(tf, "t").steps.map(\.location), [loc(2, 5), loc(5, 5), loc(6, 3)])
    }

    func testTopLevelLineEndsABody() throws {
        let tf = try load("a:\n    run 1\nv = 2\nb:\n    run 3\n")
        XCTAssertEqual(try target(tf, "a").writtenSteps, ["run 1"])
        XCTAssertEqual(try target(tf, "b").writtenSteps, ["run 3"])
        XCTAssertEqual(tf.variables["v"]?.value.literalValue, "2")
    }

    func testDefaultTargetIsFirstOfMainFile() throws {
        let tf = try load("b:\n    run b\na:\n    run a\n")
        XCTAssertEqual(tf.defaultTarget, "b")
    }

    func testDefaultTargetIgnoresTargetsOfAnIncludeBeforeIt() throws {
        let tf = try load("include lib.tb\n\nmain: lib-target\n", files: ["lib.tb": "lib-target:\n    run x\n"])
        XCTAssertEqual(tf.targets.map(\.name), ["lib-target", "main"])
        XCTAssertEqual(tf.defaultTarget, "main")
        XCTAssertEqual(try target(tf, "lib-target").location, loc(1, 1, "lib.tb"))
    }

    func testDefaultTargetFallsBackToIncludedTargets() throws {
        let tf = try load("include lib.tb\n", files: ["lib.tb": "first:\n    run x\nsecond:\n    run y\n"])
        XCTAssertEqual(tf.defaultTarget, "first")
    }

    func testEmptyFile() throws {
        let tf = try load("")
        XCTAssertTrue(tf.targets.isEmpty)
        XCTAssertTrue(tf.variables.isEmpty)
        XCTAssertNil(tf.defaultTarget)
        XCTAssertEqual(tf.path, "Targetfile")
    }

    func testKeywordsAsTargetNames() throws {
        let tf = try load("host:\n    run h\ninclude: x\nrule:\n    run r\n")
        XCTAssertEqual(tf.targets.map(\.name), ["host", "include", "rule"])
        XCTAssertEqual(try target(tf, "include").writtenPrerequisites, ["x"])
    }
}
