import Foundation
import XCTest

/// Names are bytes through the real binary: `pack`, `unpack`, `put` and `get` round-trip
/// é, CJK, emoji and Latin-1 names, a local and an SFTP `pack` give the same bytes, and a
/// hostile archive's entry name cannot drive the terminal.
final class NameBytesTests: XCTestCase {
    /// A tree of such names under `directory`/tree, made by the shell (printf writes the
    /// Latin-1 byte 0xE9).
    private static let makeTree = """
        mkdir -p tree/sub tree/中文 "tree/$(printf 'r\\351seau').d" && printf accent > tree/sub/é \
        && printf template > tree/réseau.tmpl && printf cjk > tree/中文/名前 && printf emoji > tree/😀 \
        && printf latin-1 > "tree/$(printf 'r\\351seau')" && printf inside > "tree/$(printf 'r\\351seau').d/in" \
        && ln -s "$(printf 'r\\351seau')" tree/link
        """
    /// The tree as `find -printf` shows it, octal escapes for the bytes that are not UTF-8
    /// (GNU find's `%p` escapes only when writing to a terminal: `od -c` makes it exact).
    private static let listTree = "cd tree && find . -printf '%p %y %l\\n' | LC_ALL=C sort | od -An -c | tr -s ' \\n' ' '"

    func testPackUnpackPutAndGetKeepEveryName() throws {
        let hosts = try LoopbackHosts(["mn"])
        let remoteRoot = hosts.directory + "/mn"
        try FileManager.default.createDirectory(atPath: remoteRoot, withIntermediateDirectories: true)
        let project = try Project(targetfile: """
            host mn = ssh mnbox root=\(remoteRoot)
            host box = local

            local:
                out     local.tar.gz local.manifest
                pack    . tree -> $(out)

            upload:
                host    mn
                out     uploaded.txt
                put     tree -> $(root)/tree
                get     $(root)/tree/😀 -> $(out)

            remote: upload
                host    mn
                out     remote.tar.gz remote.manifest
                pack    $(root) tree -> $(out)

            restored: local
                out     restored/done
                unpack  local.tar.gz local.manifest -> restored
                run     touch restored/done

            fetched: upload
                host    mn
                out     fetched/done
                get     $(root)/tree -> fetched/tree
                get     $(root)/tree/sub/é -> $(out)

            boxed:
                host    box
                out     boxed/done
                put     tree -> $(root)/tree
                get     $(root)/tree -> boxed/tree
                get     $(root)/tree/réseau.tmpl -> $(out)
            """)
        XCTAssertEqual(try project.shell(Self.makeTree).status, 0)
        let run = try RunningTBMake(binary: "/usr/bin/env",
                                    arguments: ["-u", "SSH_AUTH_SOCK", try TBMakeBinary.path(), "-C", project.path,
                                                "--ssh-config", hosts.sshConfig, "local", "remote", "restored", "fetched", "boxed"]).wait()
        XCTAssertEqual(run.status, 0, "\(run)")

        XCTAssertEqual(try Data(contentsOf: project.url("remote.tar.gz")), try Data(contentsOf: project.url("local.tar.gz")))
        XCTAssertEqual(try project.read("remote.manifest"), try project.read("local.manifest"))
        XCTAssertTrue(try project.read("local.manifest").contains("file\t0644\t0:0\t7\t"), "the Latin-1 file is listed")
        XCTAssertTrue(try project.read("local.manifest").contains("\ttree/r%E9seau\t-\n"))
        XCTAssertTrue(try project.read("local.manifest").contains("\ttree/link\tr%E9seau\n"))

        let original = try project.shell(Self.listTree).stdout
        XCTAssertTrue(original.contains("r 351 s e a u"), original)
        for copy in ["restored", "fetched", "boxed"] {
            XCTAssertEqual(try project.shell("cd \(copy) && " + Self.listTree).stdout, original, copy)
        }
        XCTAssertEqual(try project.shell("cat \"restored/tree/$(printf 'r\\351seau')\" fetched/tree/sub/é boxed/tree/中文/名前").stdout,
                       "latin-1accentcjk")
        XCTAssertEqual(try project.shell("ls -A . | grep -c tmp").stdout, "0\n", "no temporary file left")
    }

    /// A file whose name is not UTF-8 is an input like any other: listed by a glob,
    /// hashed, and named escaped when it changes.
    func testANameInLatin1BytesIsAnInput() throws {
        let project = try Project(targetfile: """
            snap: tree/**
                out     s.tar s.manifest
                pack    . tree -> $(out)
            """)
        XCTAssertEqual(try project.shell(Self.makeTree).status, 0)
        XCTAssertEqual(try project.tbmake("snap").status, 0)
        XCTAssertEqual(try project.tbmake("snap").stdout, "tbmake: nothing to do, everything is up to date\n")
        XCTAssertEqual(try project.shell("printf changed > \"tree/$(printf 'r\\351seau').d/in\"").status, 0)
        let dry = try project.tbmake("-n", "snap")
        XCTAssertEqual(dry.status, 0, "\(dry)")
        XCTAssertEqual(dry.stdout, #"""
            run     snap  input tree/r\xE9seau.d/in changed
                $ pack . tree -> s.tar s.manifest
            tbmake: 1 would run, 0 up to date (dry run: nothing was changed)

            """#)
    }

    /// An archive entry named to clear the screen and forge a summary line: the unpack
    /// error is one line, the escapes visible as text, and the summary is tbmake's own.
    func testAHostileEntryNameIsShownEscapedOnOneLine() throws {
        let project = try Project(targetfile: """
            restored:
                out     restored/done
                unpack  hostile.tar hostile.manifest -> restored
                run     touch restored/done
            """)
        let made = try project.shell("""
            python3 -c '
            import io, tarfile
            with tarfile.open("hostile.tar", "w", format=tarfile.PAX_FORMAT) as tar:
                d = tarfile.TarInfo("a"); d.type = tarfile.DIRTYPE; d.mode = 0o755; tar.addfile(d)
                f = tarfile.TarInfo("a/\\x1b[2J\\x1b[31mFAKE\\ntbmake: ran 1, up to date 0 in 0.1s"); f.size = 1
                tar.addfile(f, io.BytesIO(b"x"))
            ' && printf 'tbmake snapshot manifest 1\\nformat\\ttar\\nmtime\\t0\\nowners\\tnormalize\\nroot\\ta\\ndir\\t0755\\t0:0\\t0\\t-\\ta\\t-\\nend\\t1\\n' > hostile.manifest
            """)
        XCTAssertEqual(made.status, 0, "\(made)")
        let run = try project.tbmake("restored")
        XCTAssertEqual(run.status, 1, "\(run)")
        let refusal = #"archive does not match its manifest at 'a/\e[2J\e[31mFAKE\ntbmake: ran 1, up to date 0 in 0.1s': entry is not in the manifest"#
        XCTAssertEqual(run.stderr, """
            tbmake: restored failed: \(refusal)
              | $ unpack hostile.tar hostile.manifest -> restored
              | tbmake: \(refusal)
              log: .tbmake/logs/restored.log

            """)
        let lines = run.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines.count, 3, run.stdout)
        XCTAssertEqual(lines.first, "[0/1, 1 running, 0.0s] restored")
        XCTAssertTrue(lines[1].hasPrefix("tbmake: ran 0, up to date 0, failed 1 in "), run.stdout)
        XCTAssertEqual(try project.shell("ls -A restored 2>/dev/null").stdout, "", "nothing extracted")
    }
}
