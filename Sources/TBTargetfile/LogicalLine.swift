/// One line of a Targetfile after joining `\` continuations and removing comments.
struct LogicalLine {
    /// The content: no comment, no leading blanks, no trailing blanks.
    var text: Substring
    /// Where `text` starts.
    var location: SourceLocation
    /// Whether the line started with a blank (it belongs to a body).
    var indented: Bool
    /// For a line holding only a comment: the comment's text without `#`s and blanks.
    var comment: String?
}
