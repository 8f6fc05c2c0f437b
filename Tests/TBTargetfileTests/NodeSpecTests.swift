import XCTest
@testable import TBTargetfile

/// Node specs as the imaging tools take them (seed 003): `1-12 fit15-reboot18 ~4-6`.
final class NodeSpecTests: XCTestCase {
    private func nodes(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> [Int] {
        do {
            return try NodeSpec(text).nodes
        } catch {
            XCTFail("unexpected error: \(error)", file: file, line: line)
            return []
        }
    }

    private func nodes(words: [String], file: StaticString = #filePath, line: UInt = #line) -> [Int] {
        do {
            return try NodeSpec(words: words).nodes
        } catch {
            XCTFail("unexpected error: \(error)", file: file, line: line)
            return []
        }
    }

    /// The description of the error `words` raise, or nil when they parse.
    private func error(_ words: [String]) -> String? {
        do {
            _ = try NodeSpec(words: words)
            return nil
        } catch {
            return error.description
        }
    }

    private func error(_ word: String) -> String? { error([word]) }

    private let expected = "expected a node number, fitNN, rebootNN, a range a-b[-step], a host name, a hostlist such as node[01-50,60], or ~ to exclude"

    func testTheSeedsExample() {
        XCTAssertEqual(nodes("1-12 fit15-reboot18 ~4-6"), [1, 2, 3, 7, 8, 9, 10, 11, 12, 15, 16, 17, 18])
        XCTAssertEqual(nodes(words: ["1-12", "fit15-reboot18", "~4-6"]), [1, 2, 3, 7, 8, 9, 10, 11, 12, 15, 16, 17, 18])
    }

    func testSingleNodes() {
        XCTAssertEqual(nodes("4"), [4])
        XCTAssertEqual(nodes("004"), [4])
        XCTAssertEqual(nodes("fit04"), [4])
        XCTAssertEqual(nodes("fit4"), [4])
        XCTAssertEqual(nodes("reboot18"), [18])
        XCTAssertEqual(nodes("1 4 5"), [1, 4, 5])
        XCTAssertEqual(nodes("fit100"), [100])
        XCTAssertEqual(nodes("9999"), [9999])
    }

    func testRanges() {
        XCTAssertEqual(nodes("1-4"), [1, 2, 3, 4])
        XCTAssertEqual(nodes("4-4"), [4])
        XCTAssertEqual(nodes("fit15-reboot18"), [15, 16, 17, 18])
        XCTAssertEqual(nodes("reboot01-fit03"), [1, 2, 3])
        XCTAssertEqual(nodes("fit08-11"), [8, 9, 10, 11])
        XCTAssertEqual(nodes("8-fit11"), [8, 9, 10, 11])
        XCTAssertEqual(nodes("098-fit101"), [98, 99, 100, 101])
    }

    func testSteppedRanges() {
        XCTAssertEqual(nodes("1-12-3"), [1, 4, 7, 10])
        XCTAssertEqual(nodes("4-16-2"), [4, 6, 8, 10, 12, 14, 16])
        XCTAssertEqual(nodes("fit01-reboot12-5"), [1, 6, 11])
        XCTAssertEqual(nodes("1-3-5"), [1])
        XCTAssertEqual(nodes("1-3-1"), [1, 2, 3])
        XCTAssertEqual(nodes("2-2-7"), [2])
    }

    func testExclusionsApplyLeftToRight() {
        XCTAssertEqual(nodes("1-12 ~4-6"), [1, 2, 3, 7, 8, 9, 10, 11, 12])
        // a later word without ~ adds again
        XCTAssertEqual(nodes("1-12 ~4-6 5"), [1, 2, 3, 5, 7, 8, 9, 10, 11, 12])
        // ~ removes only what was listed before it
        XCTAssertEqual(nodes("~4-6 1-8"), [1, 2, 3, 4, 5, 6, 7, 8])
        XCTAssertEqual(nodes("~3"), [])
        XCTAssertEqual(nodes("1-5 ~9"), [1, 2, 3, 4, 5])
        XCTAssertEqual(nodes("1-5 ~fit02 ~reboot04"), [1, 3, 5])
        XCTAssertEqual(nodes("1-12 ~1-12-2"), [2, 4, 6, 8, 10, 12])
        XCTAssertEqual(nodes("1-37 ~4-16-2"), [1, 2, 3, 5, 7, 9, 11, 13, 15] + Array(17...37))
        XCTAssertEqual(nodes("1-6 ~2-5 3"), [1, 3, 6])
    }

    func testInventoryRanges() {
        XCTAssertEqual(nodes("fit[01:03]"), [1, 2, 3])
        XCTAssertEqual(nodes("fit[1:3]"), [1, 2, 3])
        XCTAssertEqual(nodes("reboot[8:11]"), [8, 9, 10, 11])
        XCTAssertEqual(nodes("[2:4]"), [2, 3, 4])
        XCTAssertEqual(nodes("fit[1:12:3]"), [1, 4, 7, 10])
        XCTAssertEqual(nodes("fit[01:37]"), Array(1...37))
        XCTAssertEqual(nodes("fit[01:12] ~fit[04:06]"), [1, 2, 3, 7, 8, 9, 10, 11, 12])
        XCTAssertEqual(nodes("fit[01:06] ~[2:5] fit[3:3]"), [1, 3, 6])
    }

    func testDuplicatesRemovedAndSorted() {
        XCTAssertEqual(nodes("5 3 5 fit03 1-4"), [1, 2, 3, 4, 5])
        XCTAssertEqual(nodes("12-14 1 fit[13:15]"), [1, 12, 13, 14, 15])
        XCTAssertEqual(NodeSpec(nodes: [9, 2, 9, 1]).nodes, [1, 2, 9])
    }

    func testEmpty() throws {
        XCTAssertEqual(try NodeSpec(words: []).nodes, [])
        XCTAssertEqual(nodes(""), [])
        XCTAssertEqual(nodes("  \t\n "), [])
        XCTAssertTrue(try NodeSpec("").isEmpty)
    }

    func testTextSplitsOnBlanks() {
        XCTAssertEqual(nodes(" 1\t3\n5  fit07\r\n9 "), [1, 3, 5, 7, 9])
    }

    func testMalformedWords() {
        XCTAssertEqual(error("1-"), "malformed node spec '1-': \(expected)")
        XCTAssertEqual(error("-3"), "malformed node spec '-3': \(expected)")
        XCTAssertEqual(error("1--3"), "malformed node spec '1--3': \(expected)")
        XCTAssertEqual(error("1-12-3-4"), "malformed node spec '1-12-3-4': \(expected)")
        XCTAssertEqual(error("1-12-fit3"), "malformed node spec '1-12-fit3': \(expected)")
        XCTAssertEqual(error("1,2"), "malformed node spec '1,2': \(expected)")
        XCTAssertEqual(error("~~4"), "malformed node spec '~~4': \(expected)")
        XCTAssertEqual(error("4~"), "malformed node spec '4~': \(expected)")
        XCTAssertEqual(error("node/3"), "malformed node spec 'node/3': \(expected)")
        XCTAssertEqual(error("pc7..lab"), "malformed node spec 'pc7..lab': \(expected)")
        XCTAssertEqual(error("pc7."), "malformed node spec 'pc7.': \(expected)")
        XCTAssertEqual(error(""), "malformed node spec '': \(expected)")
        XCTAssertEqual(error("12-3"), "malformed node spec '12-3': range goes down from 12 to 3")
        XCTAssertEqual(error("fit12-reboot03-2"), "malformed node spec 'fit12-reboot03-2': range goes down from 12 to 3")
        XCTAssertEqual(error("0"), "malformed node spec '0': node numbers start at 1")
        XCTAssertEqual(error("fit00"), "malformed node spec 'fit00': node numbers start at 1")
        XCTAssertEqual(error("0-3"), "malformed node spec '0-3': node numbers start at 1")
        XCTAssertEqual(error("10000"), "malformed node spec '10000': node numbers stop at 9999")
        XCTAssertEqual(error("1-99999999999999999999999"),
                       "malformed node spec '1-99999999999999999999999': node numbers stop at 9999")
        XCTAssertEqual(error("1-12-0"), "malformed node spec '1-12-0': step must be at least 1")
        XCTAssertEqual(error("~"), "malformed node spec '~': '~' must be attached to the nodes it excludes, as in ~4-6")
    }

    /// Any host name is a node: the cluster world's (xCAT's cn001, OneLab's FQDNs).
    func testHostNamesAreNodes() throws {
        let spec = try NodeSpec("cn010 cn002 pc7.lab.example fedora-21 FIT04 data04 fit-3 3 fit01")
        XCTAssertEqual(spec.nodes, [1, 3])
        XCTAssertEqual(spec.hostNames, ["FIT04", "cn002", "cn010", "data04", "fedora-21", "fit-3", "pc7.lab.example"])
        XCTAssertEqual(spec.names(), ["FIT04", "cn002", "cn010", "data04", "fedora-21", "fit01", "fit03", "fit-3", "pc7.lab.example"])
        XCTAssertEqual(try NodeSpec("cn1 cn2 cn3 ~cn2 ~fedora-21").names(), ["cn1", "cn3"])
        XCTAssertEqual(try NodeSpec(spec.description), spec)
    }

    func testHostlists() throws {
        XCTAssertEqual(try NodeSpec("node[01-03,10]").names(), ["node01", "node02", "node03", "node10"])
        XCTAssertEqual(try NodeSpec("cn[001-128]").hostNames.count, 128)
        XCTAssertEqual(try NodeSpec("cn[001-128]").hostNames.prefix(2), ["cn001", "cn002"])
        XCTAssertEqual(try NodeSpec("cn[001-128]").hostNames.last, "cn128")
        XCTAssertEqual(try NodeSpec("rack[1-2]-n[1-2].lab").names(), ["rack1-n1.lab", "rack1-n2.lab", "rack2-n1.lab", "rack2-n2.lab"])
        XCTAssertEqual(try NodeSpec("node[1-10] ~node[3-9]").names(), ["node1", "node2", "node10"])
        XCTAssertEqual(try NodeSpec("node[8-12]").hostNames, ["node8", "node9", "node10", "node11", "node12"])
        // A hostlist of numbered nodes gives numbered nodes: fit[01-03] is 1-3.
        XCTAssertEqual(try NodeSpec("fit[01-03,05] ~fit02").nodes, [1, 3, 5])
        XCTAssertEqual(try NodeSpec("fit[04]").nodes, [4])
        let hostlist = "expected a hostlist such as node[01-50,60] or cn[001-128]"
        XCTAssertEqual(error("node[1-]"), "malformed node spec 'node[1-]': \(hostlist)")
        XCTAssertEqual(error("node[a-b]"), "malformed node spec 'node[a-b]': \(hostlist)")
        XCTAssertEqual(error("node[1-3"), "malformed node spec 'node[1-3': \(hostlist)")
        XCTAssertEqual(error("node]1["), "malformed node spec 'node]1[': \(hostlist)")
        XCTAssertEqual(error("node[5-3]"), "malformed node spec 'node[5-3]': range goes down from 5 to 3")
        XCTAssertEqual(error("n[1-1000][1-1000]"), "malformed node spec 'n[1-1000][1-1000]': spells more than 100000 names")
        XCTAssertEqual(error("n[1-100000]x[1-100000]"), "malformed node spec 'n[1-100000]x[1-100000]': spells more than 100000 names")
    }

    func testNaturalOrder() {
        XCTAssertEqual(["n10", "n9", "n1", "m2", "n01"].sorted(by: NodeSpec.naturallyPrecedes), ["m2", "n01", "n1", "n9", "n10"])
    }

    func testMalformedInventoryRanges() {
        let inventory = "expected an inventory range such as fit[01:37] or fit[1:12:3]"
        XCTAssertEqual(error("fit[01:]"), "malformed node spec 'fit[01:]': \(inventory)")
        XCTAssertEqual(error("fit[1:3"), "malformed node spec 'fit[1:3': \(inventory)")
        XCTAssertEqual(error("fit[1:3]x"), "malformed node spec 'fit[1:3]x': \(inventory)")
        XCTAssertEqual(error("data[1:3]"), "malformed node spec 'data[1:3]': \(inventory)")
        XCTAssertEqual(error("fit[1:2:3:4]"), "malformed node spec 'fit[1:2:3:4]': \(inventory)")
        XCTAssertEqual(error("fit[fit1:3]"), "malformed node spec 'fit[fit1:3]': \(inventory)")
        XCTAssertEqual(error("~fit[a:b]"), "malformed node spec '~fit[a:b]': \(inventory)")
        XCTAssertEqual(error("fit[6:4]"), "malformed node spec 'fit[6:4]': range goes down from 6 to 4")
        XCTAssertEqual(error("fit[0:4]"), "malformed node spec 'fit[0:4]': node numbers start at 1")
        XCTAssertEqual(error("fit[1:4:0]"), "malformed node spec 'fit[1:4:0]': step must be at least 1")
    }

    func testTheFirstBadWordIsReported() {
        XCTAssertEqual(error(["1-3", "1--3", "12-3"]), "malformed node spec '1--3': \(expected)")
    }

    func testErrorValue() {
        do {
            _ = try NodeSpec("1 1--3")
            XCTFail("expected an error")
        } catch {
            XCTAssertEqual(error, NodeSpec.ParseError(word: "1--3", reason: expected))
            XCTAssertEqual(error.word, "1--3")
            XCTAssertEqual(error.reason, expected)
        }
    }

    func testOtherPrefixes() throws {
        XCTAssertEqual(try NodeSpec("node3-node5 ~pdu4", prefixes: ["node", "pdu"]).nodes, [3, 5])
        XCTAssertEqual(try NodeSpec("fit04", prefixes: ["node"]).hostNames, ["fit04"], "only the given prefixes number a node")
        XCTAssertThrowsError(try NodeSpec("4--5", prefixes: ["node"])) { error in
            XCTAssertEqual("\(error)",
                           "malformed node spec '4--5': expected a node number, nodeNN, a range a-b[-step], a host name, a hostlist such as node[01-50,60], or ~ to exclude")
        }
        // a prefix may hold a '-': the whole word is a numbered node, in brackets or not
        XCTAssertEqual(try NodeSpec("graphene-[1-5] ~graphene-3", prefixes: ["graphene-"]).nodes, [1, 2, 4, 5])
        XCTAssertEqual(try NodeSpec("1-3 graphene-2", prefixes: ["graphene-"]).nodes, [1, 2, 3])
        // the longest prefix wins
        XCTAssertEqual(try NodeSpec("nodex7 node8", prefixes: ["node", "nodex"]).nodes, [7, 8])
    }

    func testNames() throws {
        XCTAssertEqual(try NodeSpec("1 37 100 fit05 1234").names(), ["fit01", "fit05", "fit37", "fit100", "fit1234"])
        XCTAssertEqual(try NodeSpec("1-3").names(prefix: "reboot"), ["reboot01", "reboot02", "reboot03"])
        XCTAssertEqual(try NodeSpec("1 10 cn[001-002]", prefixes: ["cn"]).names(prefix: "cn", digits: 3), ["cn001", "cn002", "cn010"])
        XCTAssertEqual(try NodeSpec("").names(), [])
    }

    func testDescriptionParsesBack() throws {
        let spec = try NodeSpec("1-12 fit15-reboot18 ~4-6 20 22-23")
        XCTAssertEqual(spec.description, "1-3 7-12 15-18 20 22-23")
        XCTAssertEqual(try NodeSpec(spec.description), spec)
        XCTAssertEqual(try NodeSpec("").description, "")
    }
}
