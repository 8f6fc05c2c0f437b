/// URLs as tbmake shows them: without the password a `user:pass@` carries.
enum RemoteURL {
    /// `https://user:secret@cache.lab/x` → `https://user:***@cache.lab/x`; other text as is.
    static func masked(_ url: String) -> String {
        guard let schemeEnd = url.firstRange(of: "://") else { return url }
        let rest = url[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@") else { return url }
        let userInfo = rest[..<at]
        let user = userInfo.firstIndex(of: ":").map { userInfo[..<$0] } ?? userInfo
        return url[..<schemeEnd.upperBound] + user + ":***" + rest[at...]
    }

    /// Every credential of `url` replaced by `***` in `text` (a message from curl or a
    /// server may quote the URL).
    static func masking(_ text: String, of url: String) -> String {
        guard let password = password(of: url) else { return text }
        return text.replacing(password, with: "***")
    }

    /// The password of a `user:pass@` in `url`, if any.
    static func password(of url: String) -> String? {
        guard let schemeEnd = url.firstRange(of: "://") else { return nil }
        let rest = url[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@"),
              let colon = rest[..<at].firstIndex(of: ":") else { return nil }
        let password = String(rest[rest.index(after: colon)..<at])
        return password.isEmpty ? nil : password
    }

    /// The URL without a trailing `/`.
    static func base(_ url: String) -> String {
        var trimmed = Substring(url)
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        return String(trimmed)
    }

    /// Whether tbmake speaks the URL's scheme.
    static func isHTTP(_ text: String) -> Bool {
        text.hasPrefix("http://") || text.hasPrefix("https://")
    }
}
