import XCTest
@testable import TBTargetfile

final class IncludeTests: XCTestCase {
    func testIncludeIsRelativeToTheIncludingFile() throws {
        let tf = try load("include rules/x.tb\nmain: lib\n", path: "proj/Targetfile", files: [
            "proj/rules/x.tb": "include y.tb\nlib: deeper\n    run lib\n",
            "proj/rules/y.tb": "deeper:\n    run deeper\n",
            // Decoys: resolving against the wrong directory would find these.
            "rules/x.tb": "wrong-x:\n",
            "proj/y.tb": "wrong-y:\n",
            "y.tb": "wrong-y:\n",
        ])
        XCTAssertEqual(tf.path, "proj/Targetfile")
        XCTAssertEqual(tf.targets.map(\.name), ["deeper", "lib", "main"])
        XCTAssertEqual(try target(tf, "lib").location, loc(2, 1, "proj/rules/x.tb"))
        XCTAssertEqual(try target(tf, "deeper").location, loc(1, 1, "proj/rules/y.tb"))
        XCTAssertEqual(try target(tf, "main").location, loc(2, 1, "proj/Targetfile"))
        XCTAssertEqual(tf.defaultTarget, "main")
    }

    func testIncludeFromTheCurrentDirectory() throws {
        let tf = try load("include a.tb\n", files: ["a.tb": "include sub/b.tb\n", "sub/b.tb": "v = 1\n"])
        XCTAssertEqual(tf.variables["v"]?.location, loc(1, 1, "sub/b.tb"))
    }

    func testAbsoluteInclude() throws {
        let tf = try load("include /etc/tb/common.tb\n", path: "p/Targetfile", files: ["/etc/tb/common.tb": "v = abs\n"])
        XCTAssertEqual(tf.variables["v"]?.value.literalValue, "abs")
    }

    func testIncludedDeclarationsComeInPlace() throws {
        let tf = try load("a:\n    run a\ninclude m.tb\nz:\n    run z\n", files: ["m.tb": "m:\n    run m\n"])
        XCTAssertEqual(tf.targets.map(\.name), ["a", "m", "z"])
        XCTAssertEqual(tf.targetIndex["m"], 1)
    }

    func testSameFileIncludedTwiceDeclaresTwice() {
        XCTAssertEqual(errorOf("include v.tb\ninclude v.tb\n", files: ["v.tb": "\nt:\n    run x\n"]),
                       "v.tb:2:1: target 't' already declared at v.tb:2:1")
    }

    func testMissingInclude() {
        XCTAssertEqual(errorOf("v = 1\ninclude rules/missing.tb\n"),
                       "Targetfile:2:9: cannot include 'rules/missing.tb': no such file")
        XCTAssertEqual(errorOf("include   a.tb\n", path: "p/Targetfile", files: ["a.tb": ""]),
                       "p/Targetfile:1:11: cannot include 'a.tb': no such file")
    }

    func testMissingIncludeInsideAnIncludedFile() {
        XCTAssertEqual(errorOf("include r/a.tb\n", files: ["r/a.tb": "\ninclude b.tb\n", "b.tb": ""]),
                       "r/a.tb:2:9: cannot include 'b.tb': no such file")
    }

    func testIncludeCycle() {
        XCTAssertEqual(errorOf("include a.tb\n", files: ["a.tb": "include b.tb\n", "b.tb": "v = 1\ninclude a.tb\n"]),
                       "b.tb:2:9: include cycle: 'a.tb' includes itself")
    }

    func testSelfInclude() {
        XCTAssertEqual(errorOf("include Targetfile\n"), "Targetfile:1:9: include cycle: 'Targetfile' includes itself")
        XCTAssertEqual(errorOf("v = 1\ninclude Targetfile\n", path: "p/Targetfile"),
                       "p/Targetfile:2:9: include cycle: 'Targetfile' includes itself")
    }

    func testIncludeOfMainFromIncludedFile() {
        XCTAssertEqual(errorOf("include sub/a.tb\n", path: "Targetfile", files: ["sub/a.tb": "include ../Targetfile\n"]),
                       "sub/a.tb:1:9: include cycle: '../Targetfile' includes itself")
    }

    func testIncludePathWithDotComponentsTerminates() {
        // A file system answers for `./x` and `a/../x` as for `x`; the loader must still see the cycle.
        var files = ["Targetfile": "include ./Targetfile\n"]
        let read: (String) -> String? = { path in
            var parts: [Substring] = []
            for part in path.split(separator: "/") {
                if part == "." { continue }
                if part == "..", !parts.isEmpty { parts.removeLast(); continue }
                parts.append(part)
            }
            return files[parts.joined(separator: "/")]
        }
        XCTAssertThrowsError(try Targetfile.load(path: "Targetfile", readFile: read)) { error in
            XCTAssertEqual((error as? TargetfileError)?.message, "include cycle: './Targetfile' includes itself")
        }
        files = ["Targetfile": "include r/a.tb\n", "r/a.tb": "include ../r/a.tb\n"]
        XCTAssertThrowsError(try Targetfile.load(path: "Targetfile", readFile: read)) { error in
            XCTAssertEqual((error as? TargetfileError)?.description, "r/a.tb:1:9: include cycle: '../r/a.tb' includes itself")
        }
    }

    func testIncludeWithVariableIsRejected() {
        XCTAssertEqual(errorOf("include $(dir)/x.tb\n"), "Targetfile:1:9: include paths cannot use variables")
    }

    func testIncludeWithoutAPath() {
        XCTAssertEqual(errorOf("include\n"),
                       "Targetfile:1:8: expected a target ('NAME:'), a variable ('NAME = VALUE'), include, host or rule")
    }

    func testMissingMainFile() {
        XCTAssertThrowsError(try Targetfile.load(path: "nowhere/Targetfile", readFile: { _ in nil })) { error in
            XCTAssertEqual((error as? TargetfileError)?.description, "nowhere/Targetfile:1:1: no such Targetfile")
        }
    }

    func testErrorsInIncludedFilesNameThatFile() {
        XCTAssertEqual(errorOf("include r/x.tb\n", path: "p/Targetfile", files: ["p/r/x.tb": "t:\n    rn\n"]),
                       "p/r/x.tb:2:5: unknown keyword 'rn' (expected host, out, state, always, nocache, timeout, retry, env, run, put, get, pack, unpack, exclude, use, foreach, parallel, pool, steps, wait)")
    }
}
