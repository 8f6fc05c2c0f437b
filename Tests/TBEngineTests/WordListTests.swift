import TBEngine
import TBStore
import TBTargetfile
import TBTestSupport
import XCTest

/// Lists of names as make reads them (issue 10, items 15 and 16): prerequisites, outs
/// and steps split at blanks after expansion; a backslash keeps a blank in a name.
final class WordListTests: XCTestCase {
    func testAListVariableGivesOnePrerequisitePerWord() throws {
        let bed = Testbed("""
            SRCS = a.c  b.c
            app: $(SRCS) main.c
                out app
                run write $(out) built
            """, files: ["a.c": "a", "b.c": "b", "main.c": "m"])
        try bed.build("app")
        XCTAssertEqual(bed.fs.contents("app"), "built")
        let (again, _) = try bed.build("app")
        XCTAssertEqual(again.ran, 0)
        bed.fs.write("b.c", "b2")
        let (third, _) = try bed.build("app")
        XCTAssertEqual(third.ran, 1)
    }

    func testAListVariableCanNameTargetsAndFiles() throws {
        let bed = Testbed("""
            PARTS = gen a.c
            gen:
                out gen.txt
                run write $(out) g
            app: $(PARTS)
                run echo $(gen.out)
            """, files: ["a.c": "a"])
        let (_, observer) = try bed.build("app")
        XCTAssertEqual(observer.decidedTargets, ["gen", "app"])
        XCTAssertEqual(bed.commandsByHost, ["local": ["write .gen.txt.tbmake-new g", "echo gen.txt"]])
    }

    func testAMissingWordOfAListIsNamedAlone() throws {
        let bed = Testbed("""
            SRCS = a.c b.c
            app: $(SRCS)
                run true
            """, files: ["a.c": "a"])
        XCTAssertThrowsError(try bed.build("app")) { error in
            XCTAssertEqual("\(error)", "Targetfile:2:6: no such file or target 'b.c'")
        }
    }

    func testAnEmptyListVariableGivesNoPrerequisite() throws {
        let bed = Testbed("""
            EXTRA =
            app: $(EXTRA)
                run true
            """)
        let (summary, _) = try bed.build("app")
        XCTAssertEqual(summary.ran, 1)
    }

    func testOutsFromAListVariable() throws {
        let bed = Testbed("""
            OUTS = x.o y.o
            objs:
                out $(OUTS)
                run write x.o.tbmake-new x ; write .x.o.tbmake-new x ; write .y.o.tbmake-new y
            """)
        try bed.build("objs")
        XCTAssertEqual(bed.fs.contents("x.o"), "x")
        XCTAssertEqual(bed.fs.contents("y.o"), "y")
    }

    func testStepsFromAListVariable() throws {
        let bed = Testbed("""
            ORDER = b a
            a:
                run say a
            b:
                run say b
            seq:
                steps $(ORDER)
            """)
        try bed.build("seq")
        XCTAssertEqual(bed.commandsByHost, ["local": ["say b", "say a"]])
    }

    func testABackslashKeepsABlankInAPrerequisiteOutAndState() throws {
        let bed = Testbed("""
            IMG = vm\\ images/disk.img
            copy: vm\\ images/disk.img
                out out\\ dir/copy\\ 1.img
                state st\\ ate
                run copy $(out) $(state)
            list: $(IMG) copy
                run echo $(copy.out) "$(copy.state)" $(copy.k)
            """, files: ["vm images/disk.img": "d"])
        bed.script = { context in
            guard context.command.hasPrefix("copy ") else { return 0 }
            XCTAssertEqual(context.command, "copy 'out dir/.copy 1.img.tbmake-new' '.st ate.tbmake-new'")
            context.fileSystem.write("out dir/.copy 1.img.tbmake-new", "c")
            context.fileSystem.write(".st ate.tbmake-new", "k=v")
            return 0
        }
        try bed.build("list")
        XCTAssertEqual(bed.fs.contents("out dir/copy 1.img"), "c")
        XCTAssertEqual(bed.fs.contents("st ate"), "k=v")
        XCTAssertEqual(bed.commandsByHost["local"]?.last, "echo 'out dir/copy 1.img' \"st ate\" v")
        bed.fs.write("vm images/disk.img", "d2")
        let (summary, _) = try bed.build("list")
        XCTAssertEqual(summary.ran, 2)
    }

    func testABackslashKeepsABlankInPutAndGetPaths() throws {
        let bed = Testbed("""
            host box = local
            t:
                host box
                put vm\\ images/disk.img -> /srv/disk\\ copy.img
                get /srv/log\\ file -> logs/box\\ log
            """, files: ["vm images/disk.img": "d"])
        try bed.build("t")
        XCTAssertEqual(bed.executor("box").events.filter { $0.hasPrefix("put") || $0.hasPrefix("get") },
                       ["put vm images/disk.img -> /srv/disk copy.img", "get /srv/log file -> logs/box log"])
    }
}
