/// A first-in, first-out queue: pushing and popping are O(1), so that a run over
/// 100,000 targets does not slow down as it goes.
struct FIFO<Element> {
    private var items: [Element] = []
    private var head = 0

    var isEmpty: Bool { head == items.count }

    mutating func push(_ item: Element) { items.append(item) }

    mutating func push<S: Sequence>(contentsOf items: S) where S.Element == Element { self.items.append(contentsOf: items) }

    mutating func pop() -> Element? {
        guard head < items.count else { return nil }
        let item = items[head]
        head += 1
        if head > 1024 && head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
        return item
    }

    /// Takes every item out, in order.
    mutating func drain() -> [Element] {
        let rest = Array(items[head...])
        items = []
        head = 0
        return rest
    }
}
