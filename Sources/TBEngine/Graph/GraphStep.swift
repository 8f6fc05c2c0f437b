import TBTargetfile

/// One pending call of the graph's depth-first walk. The walk keeps these on a stack of
/// its own rather than the thread's, so the depth of the Targetfile's dependencies
/// (a chain of a million targets) costs memory, never a stack overflow.
protocol GraphStep: AnyObject {
    /// The target this step holds on the path of targets being added (for cycles).
    var pathEntry: String? { get }
    /// Goes on: first with nil, then with the node of each step it asked for.
    func resume(_ graph: BuildGraph, with returned: Int?) throws -> GraphStepResult
}

enum GraphStepResult {
    /// Run this step, then resume the asking step with its node.
    case need(GraphStep)
    /// This step's node is the other step's.
    case replace(GraphStep)
    /// This step's node.
    case done(Int)
}

extension BuildGraph {
    /// Runs `first` and what it asks for, depth first, on an explicit stack.
    func walk(_ first: GraphStep) throws -> Int {
        var stack: [GraphStep] = []
        func push(_ step: GraphStep) {
            if let entry = step.pathEntry { enter(entry) }
            stack.append(step)
        }
        func pop() {
            if stack.removeLast().pathEntry != nil { leave() }
        }
        push(first)
        var returned: Int?
        do {
            while let top = stack.last {
                switch try top.resume(self, with: returned) {
                case .need(let step):
                    push(step)
                    returned = nil
                case .replace(let step):
                    pop()
                    push(step)
                    returned = nil
                case .done(let index):
                    pop()
                    if stack.isEmpty { return index }
                    returned = index
                }
            }
        } catch {
            while !stack.isEmpty { pop() }
            throw error
        }
        preconditionFailure("the walk ended without a node")
    }
}

/// The words of a list of templates, one at a time, each template expanded and split
/// at blanks only when its turn comes (so errors come in the written order).
struct WordQueue {
    let templates: [Template]
    private var next = 0
    private var pending: [String] = []
    private var template: Template?

    init(_ templates: [Template]) { self.templates = templates }

    /// The next word and the template it came from; nil after the last.
    mutating func next(in scope: inout Scope) throws -> (word: String, template: Template)? {
        while pending.isEmpty {
            guard next < templates.count else { return nil }
            template = templates[next]
            next += 1
            pending = try scope.expandWords(template!).reversed()
        }
        return (pending.removeLast(), template!)
    }
}
