import Foundation
import Testing
@testable import TBStore

@Suite struct TreeListingTests {
    @Test func encodesEveryKindAndDecodesItBack() throws {
        let listing = TreeListing(entries: [
            .init(path: "bin", mode: 0o755, kind: .directory),
            .init(path: "bin/run me", mode: 0o555, kind: .file(SHA256.digest("x"))),
            .init(path: "etc/tab\tand\nnewline\\", mode: 0o444, kind: .file(SHA256.digest("y"))),
            .init(path: "link", mode: 0o777, kind: .symlink(target: "../a b\\c")),
        ])
        let text = String(decoding: listing.encoded(), as: UTF8.self)
        #expect(text == """
            tbmake tree 1
            d\t755\t-\tbin
            f\t555\t\(SHA256.digest("x").hex)\tbin/run me
            f\t444\t\(SHA256.digest("y").hex)\tetc/tab\\tand\\nnewline\\\\
            l\t777\t../a b\\\\c\tlink

            """)
        #expect(TreeListing.decode(listing.encoded()) == listing)
        #expect(listing.digest == SHA256.digest(listing.encoded()))
    }

    @Test func refusesWhatIsNotAListingOrLeavesTheTree() {
        let digest = SHA256.digest("x").hex
        for text in ["not a listing\n", "tbmake tree 1\nf\t644\t\(digest)\t../escape\n",
                     "tbmake tree 1\nf\t644\t\(digest)\t/etc/passwd\n", "tbmake tree 1\nf\t644\t\(digest)\ta//b\n",
                     "tbmake tree 1\nx\t644\t-\ta\n", "tbmake tree 1\nf\t644\tnothex\ta\n", "tbmake tree 1\nd\t755\t-\ta"] {
            #expect(TreeListing.decode(Array(text.utf8)) == nil, "\(text)")
        }
    }
}
