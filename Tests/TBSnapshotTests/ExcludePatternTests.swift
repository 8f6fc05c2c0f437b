import Testing
@testable import TBSnapshot

@Suite struct ExcludePatternTests {
    @Test func doubleStarSpansComponents() {
        let initrd = ExcludePattern("**/initrd*")
        #expect(initrd.matches("initrd.img"))
        #expect(initrd.matches("tftpboot/xcat/osimage/initrd.img"))
        #expect(!initrd.matches("tftpboot/myinitrd"))
        let rootimg = ExcludePattern("**/rootimg/**")
        #expect(rootimg.matches("install/netboot/rootimg"))
        #expect(rootimg.matches("install/netboot/rootimg/etc/passwd"))
        #expect(!rootimg.matches("install/netboot/rootimg2"))
    }

    @Test func starAndQuestionMarkStayInOneComponent() {
        #expect(ExcludePattern("install/*.rpm").matches("install/a.rpm"))
        #expect(!ExcludePattern("install/*.rpm").matches("install/x/a.rpm"))
        #expect(ExcludePattern("etc/?ost?").matches("etc/hosts"))
        #expect(!ExcludePattern("etc/?ost?").matches("etc/host"))
        #expect(ExcludePattern("*").matches("anything"))
        #expect(!ExcludePattern("*").matches("a/b"))
        #expect(ExcludePattern("a/**/z").matches("a/z"))
        #expect(ExcludePattern("a/**/z").matches("a/b/c/z"))
        #expect(ExcludePattern("*a*b*").matches("xxaxxbxx"))
    }

    @Test func invalidSpecPathsAreRefused() throws {
        let elsewhere = "must name something under the root (not '.', no empty components)"
        for (path, reason) in [("/etc", "must be relative to the snapshot root"), ("../x", "must not contain '..'"),
                               ("a/../b", "must not contain '..'"), (".", elsewhere), ("", elsewhere)] {
            #expect(throws: SnapshotError.invalidSpecPath(path: path, reason: reason)) { try Snapshot.normalisedRoots([path]) }
        }
        #expect(try Snapshot.normalisedRoots(["install/", "install/rpms", "etc/xcat", "etc"]) == ["etc", "install"])
    }
}
