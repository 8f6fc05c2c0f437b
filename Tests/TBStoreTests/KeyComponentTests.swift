import Testing
@testable import TBStore

@Suite struct KeyComponentTests {
    @Test func digestValuedComponentsKeepTheirExactText() throws {
        let digest = SHA256.digest("abc")
        let lower = KeyComponent(name: "in:a", value: digest.hex)
        #expect(lower.value == digest.hex)
        #expect(lower == KeyComponent(name: "in:a", digest: digest))
        #expect(lower.storage == .digest(digest))

        let upper = KeyComponent(name: "in:a", value: digest.hex.uppercased())
        #expect(upper.value == digest.hex.uppercased())
        #expect(upper != lower)

        var changed = lower
        changed.value = "f21"
        #expect(changed.value == "f21" && changed.storage == .text("f21"))
    }

    @Test func bothKindsRoundTripThroughTheLog() throws {
        let directory = TemporaryDirectory()
        let digest = SHA256.digest("x")
        let components = [
            KeyComponent(name: "in:a", digest: digest),
            KeyComponent(name: "var:upper", value: digest.hex.uppercased()),
            KeyComponent(name: "var:short", value: String(digest.hex.dropLast())),
            KeyComponent(name: "var:long", value: digest.hex + "0"),
        ]
        let log = try BuildLog.open(directory: directory.path, readOnly: false)
        try log.append(sampleTrace("t", components: components))
        try log.close()
        let reloaded = try BuildLog.open(directory: directory.path, readOnly: true)
        #expect(reloaded.traces["t"]?.components == components)
        #expect(reloaded.traces["t"]?.components.map(\.value) == components.map(\.value))
    }
}
