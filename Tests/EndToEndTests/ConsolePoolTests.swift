import Foundation
import XCTest

/// `pool console`: the recipe runs alone with tbmake's standard input and output, so it
/// may ask (`read -p`) before a destructive step.
final class ConsolePoolTests: XCTestCase {
    private let targetfile = """
        confirm:
            pool console
            run  printf 'erase the disk? ' && read answer && test "$answer" = yes
            run  echo erased > erased.txt

        """

    func testAConsoleRecipeReadsTbmakesInputAndWritesToItsOutput() throws {
        let project = try Project(targetfile: targetfile)
        let binary = try TBMakeBinary.path()
        let yes = try project.shell("echo yes | '\(binary)' confirm")
        XCTAssertEqual(yes.status, 0, "\(yes)")
        XCTAssertTrue(yes.stdout.hasPrefix("[0/1, 1 running, ") && yes.stdout.contains("s] confirm\nerase the disk? "), yes.stdout)
        XCTAssertEqual(try project.read("erased.txt"), "erased\n")

        XCTAssertEqual(try project.shell("rm erased.txt").status, 0)
        let no = try project.shell("echo no | '\(binary)' -B confirm")
        XCTAssertEqual(no.status, 1, "\(no)")
        XCTAssertFalse(project.exists("erased.txt"), "the answer was no: nothing erased")
    }

    func testAConsoleRecipeGetsTheTerminalOfAPseudoTerminal() throws {
        guard TBMakeBinary.which("script") != nil else { throw XCTSkip("script(1) is not installed") }
        let project = try Project(targetfile: targetfile)
        let binary = try TBMakeBinary.path()
        // script gives tbmake a pseudo-terminal; the recipe reads it in the foreground.
        let run = try project.shell("printf 'yes\\n' | script -qec \"'\(binary)' confirm\" /dev/null")
        XCTAssertEqual(run.status, 0, "\(run)")
        XCTAssertEqual(try project.read("erased.txt"), "erased\n")
    }
}
