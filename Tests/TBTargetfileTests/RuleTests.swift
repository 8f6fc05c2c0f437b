import XCTest
@testable import TBTargetfile

/// `rule NAME(P...): PREREQS` + body, taken in with `use`.
final class RuleTests: XCTestCase {
    private let rpm = """
        rule rpm(flavour): demo/kata/**
            host dev2
            out  dist/kata-$(flavour).rpm
            env  EPOCH=1
            run  rpmbuild --define "flavour $(flavour)"
            get  $(root)/kata-$(flavour).rpm -> $(out)

        """

    func testRuleDeclaration() throws {
        let tf = try load(rpm)
        let rule = try XCTUnwrap(tf.rules["rpm"])
        XCTAssertEqual(rule.name, "rpm")
        XCTAssertEqual(rule.parameters, ["flavour"])
        XCTAssertEqual(rule.prerequisites.map(\.description), ["demo/kata/**"])
        XCTAssertEqual(rule.prerequisites[0].location, loc(1, 20))
        XCTAssertEqual(rule.body.count, 5)
        XCTAssertEqual(rule.body.map(\.location.line), [2, 3, 4, 5, 6])
        XCTAssertEqual(rule.location, loc(1, 1))
        XCTAssertTrue(tf.targets.isEmpty, "a rule is not a target")
        XCTAssertNil(tf.defaultTarget)
    }

    func testRuleHeaderForms() throws {
        let tf = try load("rule a:\n    run a\nrule b():\n    run b\nrule c( x ,y,  z ) : p q\n    run c\n")
        XCTAssertEqual(tf.rules["a"]?.parameters, [])
        XCTAssertEqual(tf.rules["b"]?.parameters, [])
        XCTAssertEqual(tf.rules["c"]?.parameters, ["x", "y", "z"])
        XCTAssertEqual(tf.rules["c"]?.prerequisites.map(\.description), ["p", "q"])
    }

    func testRuleLocationIsTheRuleKeyword() throws {
        let tf = try load("v = 1\nrule   spaced:\n    run x\n")
        XCTAssertEqual(tf.rules["spaced"]?.location, loc(2, 1))
    }

    func testUseMergesPrerequisitesAndBody() throws {
        let tf = try load(rpm + """
            ## The dev rpm.
            dev-rpm: extra.txt
                timeout 5m
                use rpm flavour=dev
                run  echo done
            """)
        let t = try target(tf, "dev-rpm")
        XCTAssertEqual(t.writtenPrerequisites, ["extra.txt", "demo/kata/**"])
        XCTAssertEqual(t.writtenParameters, ["flavour": "dev"])
        XCTAssertEqual(t.host?.literalValue, "dev2")
        XCTAssertEqual(t.writtenOuts, ["dist/kata-$(flavour).rpm"])
        XCTAssertEqual(t.writtenEnvironment, ["EPOCH=1"])
        XCTAssertEqual(t.timeout, 300)
        XCTAssertEqual(t.writtenSteps, [
            "run rpmbuild --define \"flavour $(flavour)\"",
            "get $(root)/kata-$(flavour).rpm -> $(out)",
            "run echo done",
        ])
        XCTAssertEqual(t.steps.map(\.location), [loc(5, 5), loc(6, 5), loc(11, 5)])
        XCTAssertFalse(t.isAggregate)
        XCTAssertEqual(t.comment, "The dev rpm.")
        XCTAssertEqual(t.location, loc(8, 1))
        XCTAssertEqual(t.parameters["flavour"]?.location, loc(10, 21))
        XCTAssertEqual(expand(t.outs[0], t.parameters.mapValues { $0.literalValue ?? "" }), "dist/kata-dev.rpm")
    }

    func testTwoTargetsUseOneRuleWithTheirOwnParameters() throws {
        let tf = try load(rpm + "dev: \n    use rpm flavour=dev\nprod: dev\n    use rpm flavour=$(pf)\n")
        XCTAssertEqual(try target(tf, "dev").writtenParameters, ["flavour": "dev"])
        XCTAssertEqual(try target(tf, "prod").writtenParameters, ["flavour": "$(pf)"])
        XCTAssertEqual(try target(tf, "prod").writtenPrerequisites, ["dev", "demo/kata/**"])
        XCTAssertEqual(try target(tf, "dev").writtenPrerequisites, ["demo/kata/**"])
    }

    func testLaterSettingsWinOverTheRules() throws {
        let tf = try load(rpm + "t:\n    use rpm flavour=x\n    host other\n")
        XCTAssertEqual(try target(tf, "t").host?.literalValue, "other")
        let before = try load(rpm + "t:\n    host other\n    use rpm flavour=x\n")
        XCTAssertEqual(try target(before, "t").host?.literalValue, "dev2")
    }

    func testRuleMayUseAnotherRule() throws {
        let tf = try load("""
            rule inner(x): in.txt
                run inner $(x)
            rule outer(y): out.txt
                run before
                use inner x=$(y)
                run after
            t: p
                use outer y=1
            """)
        let t = try target(tf, "t")
        XCTAssertEqual(t.writtenSteps, ["run before", "run inner $(x)", "run after"])
        XCTAssertEqual(t.writtenPrerequisites, ["p", "out.txt", "in.txt"])
        XCTAssertEqual(t.writtenParameters, ["y": "1", "x": "$(y)"])
    }

    func testRuleUsedTwiceIsNotACycle() throws {
        let tf = try load("rule r:\n    run r\nt:\n    use r\n    use r\n")
        XCTAssertEqual(try target(tf, "t").writtenSteps, ["run r", "run r"])
    }

    func testRuleDeclaredAfterItsUser() throws {
        let tf = try load("t:\n    use late\nrule late:\n    run late\n")
        XCTAssertEqual(try target(tf, "t").writtenSteps, ["run late"])
    }

    func testUnknownRule() {
        XCTAssertEqual(errorOf("t:\n    run x\n    use nope a=b\n"), "Targetfile:3:5: unknown rule 'nope'")
    }

    func testMissingParameter() {
        XCTAssertEqual(errorOf(rpm + "t:\n    use rpm\n"),
                       "Targetfile:8:5: rule 'rpm' needs a value for parameter 'flavour'")
        XCTAssertEqual(errorOf("rule two(a, b):\n    run x\nt:\n    use two b=1\n"),
                       "Targetfile:4:5: rule 'two' needs a value for parameter 'a'")
    }

    func testUnknownParameterPointsAtItsName() {
        XCTAssertEqual(errorOf(rpm + "t:\n    use rpm flavour=dev  flavor=dev\n"),
                       "Targetfile:8:26: rule 'rpm' has no parameter 'flavor'")
    }

    func testRuleCycle() {
        XCTAssertEqual(errorOf("rule a:\n    use b\nrule b:\n    use a\nt:\n    use a\n"),
                       "Targetfile:4:5: rule cycle: a -> b -> a")
        XCTAssertEqual(errorOf("rule self:\n    run x\n    use self\nt:\n    use self\n"),
                       "Targetfile:3:5: rule cycle: self -> self")
    }

    func testUnusedRuleIsNotResolved() throws {
        let tf = try load("rule broken:\n    use missing\nt:\n    run x\n")
        XCTAssertEqual(tf.rules["broken"]?.body.count, 1)
    }

    func testDuplicateRule() {
        XCTAssertEqual(errorOf("rule r:\n    run x\nrule r:\n    run y\n"),
                       "Targetfile:3:1: rule 'r' already declared at Targetfile:1:1")
    }

    func testBadRuleHeaders() {
        XCTAssertEqual(errorOf("rule r(a\n"), "Targetfile:1:7: missing ')' after rule parameters")
        XCTAssertEqual(errorOf("rule r(a,,b):\n"), "Targetfile:1:8: invalid rule parameter ''")
        XCTAssertEqual(errorOf("rule r x:\n"), "Targetfile:1:8: expected ':' after 'rule r(...)'")
        XCTAssertEqual(errorOf("rule (a):\n"), "Targetfile:1:6: expected a rule name after 'rule'")
    }
}
