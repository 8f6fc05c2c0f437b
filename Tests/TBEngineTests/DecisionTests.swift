import TBEngine
import TBStore
import TBTestSupport
import XCTest

/// DESIGN §1 "Decision": always, never ran, key differs (naming the first component that
/// differs), output missing or modified, otherwise up to date.
final class DecisionTests: XCTestCase {
    /// One target with a file input and an output.
    private func project() -> Testbed {
        Testbed("""
            a: src.c
                out a.txt
                run write $(out) built
            """, files: ["src.c": "int main;"])
    }

    func testFirstRunRunsBecauseNeverRan() throws {
        let bed = project()
        let (summary, observer) = try bed.build("a")
        XCTAssertEqual(observer.decisionsByTarget, ["a": Decision(.run, .neverRan)])
        XCTAssertEqual(summary, .counts(ran: 1))
        XCTAssertEqual(bed.executor().commands, ["write .a.txt.tbmake-new built"])
        XCTAssertEqual(bed.fs.snapshot, ["src.c": "int main;", "a.txt": "built"])
        XCTAssertEqual(bed.store.recordedTargets, ["a"])
        XCTAssertEqual(observer.startedTargets, ["a"])
        XCTAssertEqual(observer.statuses, ["a": .ok])
    }

    func testSecondRunSkipsUpToDate() throws {
        let bed = project()
        try bed.build("a")
        let (summary, observer) = try bed.build("a")
        XCTAssertEqual(observer.decisionsByTarget, ["a": Decision(.skip, .upToDate)])
        XCTAssertEqual(summary, .counts(skipped: 1))
        XCTAssertEqual(bed.executor().calls, [])
        XCTAssertEqual(bed.store.recordedTargets, ["a"], "a skipped target records nothing new")
        XCTAssertEqual(observer.startedTargets, [])
        XCTAssertEqual(observer.results.count, 0)
    }

    func testEditedInputRunsNamingTheInput() throws {
        let bed = project()
        try bed.build("a")
        bed.fs.write("src.c", "int main(void);")
        let (summary, observer) = try bed.build("a")
        XCTAssertEqual(observer.decisionsByTarget, ["a": Decision(.run, .inputChanged(path: "src.c"))])
        XCTAssertEqual(observer.decision("a")?.reason.description, "input src.c changed")
        XCTAssertEqual(summary, .counts(ran: 1))
        XCTAssertEqual(bed.executor().commands, ["write .a.txt.tbmake-new built"])
    }

    func testSameContentRewrittenIsNotAChange() throws {
        let bed = project()
        try bed.build("a")
        let before = bed.fs.stat("src.c")!
        bed.fs.touch("src.c")
        bed.fs.touch("a.txt")
        XCTAssertNotEqual(bed.fs.stat("src.c")!.mtimeNs, before.mtimeNs, "the fake file system moved mtime on")
        let (summary, observer) = try bed.build("a")
        XCTAssertEqual(observer.decisionsByTarget, ["a": Decision(.skip, .upToDate)])
        XCTAssertEqual(summary, .counts(skipped: 1))
        XCTAssertEqual(bed.executor().calls, [])
    }

    func testEditedRecipeRunsBecauseRecipeChanged() throws {
        let bed = project()
        try bed.build("a")
        bed.targetfile = """
            a: src.c
                out a.txt
                run write $(out) built again
            """
        let (summary, observer) = try bed.build("a")
        XCTAssertEqual(observer.decisionsByTarget, ["a": Decision(.run, .recipeChanged)])
        XCTAssertEqual(summary, .counts(ran: 1))
        XCTAssertEqual(bed.fs.contents("a.txt"), "built again")
    }

    func testEnvironmentSettingIsPartOfTheRecipe() throws {
        let bed = Testbed("""
            a:
                out a.txt
                env MODE=fast
                run write $(out) x
            """)
        try bed.build("a")
        XCTAssertEqual(bed.executor().calls, [.run(command: "write .a.txt.tbmake-new x", environment: ["MODE": "fast"])])
        bed.targetfile = bed.targetfile.replacingOccurrences(of: "MODE=fast", with: "MODE=slow")
        let (_, observer) = try bed.build("a")
        XCTAssertEqual(observer.decisionsByTarget, ["a": Decision(.run, .recipeChanged)])
        XCTAssertEqual(bed.executor().calls, [.run(command: "write .a.txt.tbmake-new x", environment: ["MODE": "slow"])])
    }

    func testOverriddenVariableRerunsOnlyTheTargetThatUsesIt() throws {
        let bed = Testbed("""
            flavour ?= f21
            all: uses ignores
            uses:
                out uses.txt
                run write $(out) $(flavour)
            ignores:
                out ignores.txt
                run write $(out) plain
            """)
        try bed.build("all")
        let (summary, observer) = try bed.build("all", overrides: ["flavour": "f22"])
        XCTAssertEqual(observer.decisionsByTarget, [
            "uses": Decision(.run, .variableChanged(name: "flavour", from: "f21", to: "f22")),
            "ignores": Decision(.skip, .upToDate),
            "all": Decision(.skip, .aggregate),
        ])
        XCTAssertEqual(observer.decision("uses")?.reason.description, "variable flavour changed f21→f22")
        XCTAssertEqual(summary, .counts(ran: 1, skipped: 2))
        XCTAssertEqual(bed.executor().commands, ["write .uses.txt.tbmake-new f22"])
        XCTAssertEqual(bed.fs.contents("uses.txt"), "f22")
    }

    func testEnvironmentOverridesOnlyDefaultDefinitions() throws {
        let bed = Testbed("""
            soft ?= s1
            hard = h1
            a:
                out a.txt
                run write $(out) $(soft) $(hard)
            """)
        try bed.build("a", environment: ["soft": "s2", "hard": "h2"])
        XCTAssertEqual(bed.fs.contents("a.txt"), "s2 h1")
        let (_, observer) = try bed.build("a", environment: ["hard": "h2"])
        XCTAssertEqual(observer.decisionsByTarget, ["a": Decision(.run, .variableChanged(name: "soft", from: "s2", to: "s1"))])
    }

    func testVariableUsedInOutNameIsPartOfTheKey() throws {
        let bed = Testbed("""
            version = 1.0
            a:
                out dist/a-$(version).txt
                run write $(out) a
            """)
        try bed.build("a")
        let (_, observer) = try bed.build("a", overrides: ["version": "1.1"])
        XCTAssertEqual(observer.decisionsByTarget, ["a": Decision(.run, .variableChanged(name: "version", from: "1.0", to: "1.1"))])
        XCTAssertEqual(bed.executor().commands, ["write dist/.a-1.1.txt.tbmake-new a"])
        XCTAssertEqual(bed.fs.contents("dist/a-1.1.txt"), "a")
    }

    func testChangedHostIdentityRunsBecauseHostChanged() throws {
        let bed = Testbed("""
            host dev2 = local
            a:
                host dev2
                out a.txt
                run write $(out) on $(root)
            other:
                out other.txt
                run write $(out) here
            """)
        try bed.build("a", "other")
        XCTAssertEqual(bed.executor("dev2").commands, ["write .a.txt.tbmake-new on /sandbox/dev2"])
        XCTAssertEqual(bed.executor("local").commands, ["write .other.txt.tbmake-new here"])
        bed.executor("dev2").identityString = "dev2-reprovisioned"
        let (summary, observer) = try bed.build("a", "other")
        XCTAssertEqual(observer.decisionsByTarget, [
            "a": Decision(.run, .hostChanged(name: "dev2")),
            "other": Decision(.skip, .upToDate),
        ])
        XCTAssertEqual(observer.decision("a")?.reason.description, "host dev2 changed")
        XCTAssertEqual(summary, .counts(ran: 1, skipped: 1))
    }

    func testHostIsPreparedOnceBeforeItsIdentityIsAsked() throws {
        let bed = Testbed("""
            host dev2 = local
            all: a b
            a:
                host dev2
                run true a
            b:
                host dev2
                run true b
            """)
        let dev2 = bed.executor("dev2")
        try bed.build("all")
        // Prepared and identified once, before either runs; a and b take no -j slot, so
        // they run side by side, in either order.
        XCTAssertEqual(Array(dev2.events.prefix(2)), ["prepare", "identity"])
        XCTAssertEqual(dev2.events.dropFirst(2).sorted(), ["run true a", "run true b"])
        XCTAssertEqual(bed.executor("local").events, [], "the implicit host is not part of any key here")
    }

    func testDeletedOutputRunsBecauseOutputMissing() throws {
        let bed = project()
        try bed.build("a")
        bed.fs.removeFile("a.txt")
        let (summary, observer) = try bed.build("a")
        XCTAssertEqual(observer.decisionsByTarget, ["a": Decision(.run, .outputMissing(path: "a.txt"))])
        XCTAssertEqual(summary, .counts(ran: 1))
        XCTAssertEqual(bed.fs.contents("a.txt"), "built")
    }

    func testModifiedOutputRunsBecauseOutputModified() throws {
        let bed = project()
        try bed.build("a")
        bed.fs.write("a.txt", "hand edited")
        let (summary, observer) = try bed.build("a")
        XCTAssertEqual(observer.decisionsByTarget, ["a": Decision(.run, .outputModified(path: "a.txt"))])
        XCTAssertEqual(observer.decision("a")?.reason.description, "output a.txt was modified")
        XCTAssertEqual(summary, .counts(ran: 1))
        XCTAssertEqual(bed.fs.contents("a.txt"), "built")
    }

    func testMissingStateFileRunsBecauseStateMissing() throws {
        let bed = Testbed("""
            node:
                state arg-node
                run write $(state) hostname=fit01
            """)
        try bed.build("node")
        XCTAssertEqual(bed.fs.contents("arg-node"), "hostname=fit01")
        bed.fs.removeFile("arg-node")
        let (summary, observer) = try bed.build("node")
        XCTAssertEqual(observer.decisionsByTarget, ["node": Decision(.run, .stateMissing(path: "arg-node"))])
        XCTAssertEqual(summary, .counts(ran: 1))
        XCTAssertEqual(bed.executor().commands, ["write .arg-node.tbmake-new hostname=fit01"])
    }

    func testAlwaysRunsEveryTime() throws {
        let bed = Testbed("""
            a:
                always
                out a.txt
                run write $(out) a
            """)
        for _ in 0..<2 {
            let (summary, observer) = try bed.build("a")
            XCTAssertEqual(observer.decisionsByTarget, ["a": Decision(.run, .always)])
            XCTAssertEqual(summary, .counts(ran: 1))
            XCTAssertEqual(bed.executor().commands, ["write .a.txt.tbmake-new a"])
        }
    }

    func testForceRunsEveryTargetOfTheClosure() throws {
        let bed = Testbed("""
            all: a b
            a:
                out a.txt
                run write $(out) a
            b: a
                out b.txt
                run write $(out) b
            """)
        try bed.build("all")
        let (summary, observer) = try bed.build("all", options: .with { $0.force = true })
        XCTAssertEqual(observer.decisionsByTarget, [
            "a": Decision(.run, .forced),
            "b": Decision(.run, .forced),
            "all": Decision(.skip, .aggregate),
        ])
        XCTAssertEqual(observer.decidedTargets, ["a", "b", "all"])
        XCTAssertEqual(summary, .counts(ran: 2, skipped: 1))
        XCTAssertEqual(bed.executor().commands, ["write .a.txt.tbmake-new a", "write .b.txt.tbmake-new b"])
    }

    func testForceOnATargetThatNeverRanSaysForced() throws {
        let bed = project()
        let (_, observer) = try bed.build("a", options: .with { $0.force = true })
        XCTAssertEqual(observer.decisionsByTarget, ["a": Decision(.run, .forced)])
    }

    func testAlwaysComesBeforeForce() throws {
        let bed = Testbed("""
            a:
                always
                run true
            """)
        let (_, observer) = try bed.build("a", options: .with { $0.force = true })
        XCTAssertEqual(observer.decisionsByTarget, ["a": Decision(.run, .always)])
    }

    func testAggregateIsSkippedAsAggregate() throws {
        let bed = Testbed("""
            all: a b
            a:
                run true a
            b:
                run true b
            """)
        let (summary, observer) = try bed.build("all")
        XCTAssertEqual(observer.decisionsByTarget, [
            "a": Decision(.run, .neverRan),
            "b": Decision(.run, .neverRan),
            "all": Decision(.skip, .aggregate),
        ])
        XCTAssertEqual(summary, .counts(ran: 2, skipped: 1))
        XCTAssertEqual(observer.starts.map(\.total), [2, 2], "an aggregate has no recipe to count")
        XCTAssertEqual(observer.starts.map(\.started), [1, 2])
        XCTAssertEqual(bed.store.recordedTargets, ["a", "b"], "an aggregate records no trace")
    }

    func testGlobInputAddedAndRemoved() throws {
        let bed = Testbed("""
            a: src/*.c
                out a.txt
                run write $(out) a
            """, files: ["src/one.c": "1", "src/notes.md": "n"])
        try bed.build("a")
        bed.fs.write("src/two.c", "2")
        var (_, observer) = try bed.build("a")
        XCTAssertEqual(observer.decisionsByTarget, ["a": Decision(.run, .inputAdded(path: "src/two.c"))])
        bed.fs.write("src/notes.md", "not an input")
        (_, observer) = try bed.build("a")
        XCTAssertEqual(observer.decisionsByTarget, ["a": Decision(.skip, .upToDate)])
        bed.fs.removeFile("src/one.c")
        (_, observer) = try bed.build("a")
        XCTAssertEqual(observer.decisionsByTarget, ["a": Decision(.run, .inputRemoved(path: "src/one.c"))])
    }

    func testDirectoryInputCoversEveryFileUnderIt() throws {
        let bed = Testbed("""
            a: demo
                out a.txt
                run write $(out) a
            """, files: ["demo/x/deep.txt": "d", "demo/top.txt": "t"])
        try bed.build("a")
        bed.fs.write("demo/x/deep.txt", "changed")
        let (_, observer) = try bed.build("a")
        XCTAssertEqual(observer.decisionsByTarget, ["a": Decision(.run, .inputChanged(path: "demo/x/deep.txt"))])
    }

    func testAddedAndRemovedDependency() throws {
        let bed = Testbed("""
            a:
                out a.txt
                run write $(out) a
            b:
                out b.txt
                run write $(out) b
            """)
        try bed.build("b")
        bed.targetfile = bed.targetfile.replacingOccurrences(of: "b:\n", with: "b: a\n")
        var (_, observer) = try bed.build("b")
        XCTAssertEqual(observer.decisionsByTarget, ["a": Decision(.run, .neverRan), "b": Decision(.run, .dependencyAdded(name: "a"))])
        bed.targetfile = bed.targetfile.replacingOccurrences(of: "b: a\n", with: "b:\n")
        (_, observer) = try bed.build("b")
        XCTAssertEqual(observer.decisionsByTarget, ["b": Decision(.run, .dependencyRemoved(name: "a"))])
    }

    /// The first differing component is named, in key order: variables, host, recipe,
    /// inputs, dependencies.
    func testFirstDifferingComponentIsNamed() throws {
        let bed = Testbed("""
            v ?= 1
            a: in.txt
                out a.txt
                run write $(out) $(v)
            """, files: ["in.txt": "i"])
        try bed.build("a")
        bed.fs.write("in.txt", "j")
        let (_, observer) = try bed.build("a", overrides: ["v": "2"])
        XCTAssertEqual(observer.decisionsByTarget, ["a": Decision(.run, .variableChanged(name: "v", from: "1", to: "2"))])
    }

    func testTopLevelAndRecursiveGlobs() throws {
        let bed = Testbed("""
            a: *.c demo/**
                out a.txt
                run write $(out) a
            """, files: ["x.c": "x", "y.h": "y", "demo/k/kata.spec": "s", "demo/k/.hidden": "h", ".tbmake/log": "l"])
        try bed.build("a")
        // `demo/**` is every file under demo, like a directory input: dot files too.
        XCTAssertEqual(bed.store.trace(for: "a")?.components.map(\.name),
                       ["recipe", "in:demo/k/.hidden", "in:demo/k/kata.spec", "in:x.c"])
    }

    func testVariableDefinedThroughAnotherIsUsedWithIt() throws {
        let bed = Testbed("""
            base ?= f21
            flavour = $(base)-x
            a:
                out a.txt
                run write $(out) $(flavour)
            """)
        try bed.build("a")
        XCTAssertEqual(bed.store.trace(for: "a")?.components.filter { $0.name.hasPrefix("var:") },
                       [KeyComponent(name: "var:base", value: "f21"), KeyComponent(name: "var:flavour", value: "f21-x")])
        let (_, observer) = try bed.build("a", overrides: ["base": "f22"])
        XCTAssertEqual(observer.decisionsByTarget, ["a": Decision(.run, .variableChanged(name: "base", from: "f21", to: "f22"))])
        XCTAssertEqual(bed.fs.contents("a.txt"), "f22-x")
    }
}
