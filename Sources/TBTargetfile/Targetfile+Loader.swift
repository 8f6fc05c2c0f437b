extension Targetfile {
    /// Follows includes and gathers declarations, then resolves `use`.
    struct Loader {
        let readFile: (String) -> String?
        var variables: [String: VariableDefinition] = [:]
        var hosts: [String: HostDeclaration] = [:]
        var rules: [String: RuleDeclaration] = [:]
        var declarations: [TargetDeclaration] = []
        var declared: [String: SourceLocation] = [:]
        var firstMainTarget: String?
        var lock: Template?
        var inventory: Template?
        var secrets: Set<String> = []
        var hostPatterns: [HostDeclaration] = []
        var pools: [String: PoolDeclaration] = [:]

        init(readFile: @escaping (String) -> String?) { self.readFile = readFile }

        /// Reads `source` (the text of `path`) and, in place of each `include`, the file
        /// it names. The files being read are kept on a stack of this function's own.
        mutating func load(source: String, path: String) throws(TargetfileError) {
            var files: [(items: [TopLevelItem], next: Int, path: String)] = [(try Parser.parse(source, file: path), 0, path)]
            var reading: Set<String> = [Loader.normalize(path)]
            while let top = files.indices.last {
                guard files[top].next < files[top].items.count else {
                    reading.remove(Loader.normalize(files.removeLast().path))
                    continue
                }
                let item = files[top].items[files[top].next]
                files[top].next += 1
                let path = files[top].path
                switch item {
                case .include(let template):
                    guard let relative = template.literalValue else {
                        throw TargetfileError(template.location, "include paths cannot use variables")
                    }
                    let target = Loader.join(directory: Loader.directory(of: path), relative)
                    if reading.contains(target) {
                        throw TargetfileError(template.location, "include cycle: '\(relative)' includes itself")
                    }
                    guard let text = readFile(target) else {
                        throw TargetfileError(template.location, "cannot include '\(relative)': no such file")
                    }
                    files.append((try Parser.parse(text, file: target), 0, target))
                    reading.insert(target)
                case .variable(let v):
                    if v.isDefault && variables[v.name] != nil { continue }
                    variables[v.name] = v
                case .secret(let names, _):
                    secrets.formUnion(names)
                case .inventory(let path):
                    if inventory != nil { throw TargetfileError(path.location, "only one 'inventory' per Targetfile") }
                    inventory = path
                case .lock(let path):
                    if lock != nil { throw TargetfileError(path.location, "only one 'lock' per Targetfile") }
                    lock = path
                case .pool(let p):
                    if let previous = pools[p.name] {
                        throw TargetfileError(p.location, "pool '\(p.name)' already declared at \(previous.location)")
                    }
                    pools[p.name] = p
                case .host(let h):
                    if h.name.contains("*") { hostPatterns.append(h) }
                    if let previous = hosts[h.name] {
                        throw TargetfileError(h.location, "host '\(h.name)' already declared at \(previous.location)")
                    }
                    hosts[h.name] = h
                case .rule(let r):
                    if let previous = rules[r.name] {
                        throw TargetfileError(r.location, "rule '\(r.name)' already declared at \(previous.location)")
                    }
                    rules[r.name] = r
                case .target(let t):
                    if let previous = declared[t.name] {
                        throw TargetfileError(t.location, "target '\(t.name)' already declared at \(previous)")
                    }
                    declared[t.name] = t.location
                    declarations.append(t)
                    if files.count == 1 && firstMainTarget == nil { firstMainTarget = t.name }
                }
            }
        }

        func finish(path: String) throws(TargetfileError) -> Targetfile {
            var targets: [TargetSpec] = []
            targets.reserveCapacity(declarations.count)
            var index: [String: Int] = [:]
            index.reserveCapacity(declarations.count)
            for declaration in declarations {
                index[declaration.name] = targets.count
                targets.append(try resolve(declaration))
            }
            var targetfile = Targetfile(path: path, variables: variables, hosts: hosts, rules: rules, targets: targets,
                                        targetIndex: index, defaultTarget: firstMainTarget ?? declarations.first?.name)
            targetfile.lock = lock
            targetfile.inventory = inventory
            targetfile.secrets = secrets
            targetfile.hostPatterns = hostPatterns
            targetfile.pools = pools
            return targetfile
        }

        /// Takes the bodies of `use`d rules into the target; later singular settings win.
        func resolve(_ declaration: TargetDeclaration) throws(TargetfileError) -> TargetSpec {
            var spec = TargetSpec(name: declaration.name, location: declaration.location, comment: declaration.comment,
                                  prerequisites: declaration.prerequisites, parameters: [:], host: nil, outs: [],
                                  state: nil, always: false, timeout: nil, retry: 0, environment: [], steps: [],
                                  isAggregate: declaration.body.isEmpty)
            try apply(declaration.body, to: &spec)
            if !spec.sequence.isEmpty && !spec.steps.isEmpty {
                throw TargetfileError(declaration.location, "'\(spec.name)' has steps, so it cannot have a recipe of its own")
            }
            if spec.parallel != nil && spec.foreachVariable == nil {
                throw TargetfileError(declaration.location, "'parallel' needs 'foreach' in '\(spec.name)'")
            }
            if let pool = spec.pool, pool != PoolDeclaration.consoleName, pools[pool] == nil {
                throw TargetfileError(spec.poolLocation ?? declaration.location,
                                      "no pool named '\(pool)' (declare it with 'pool \(pool) = DEPTH')")
            }
            return spec
        }

        /// Applies `body` to `spec`, each `use`d rule's body in place of its `use` line.
        /// The rules being taken in are kept on a stack of this function's own, so a
        /// chain of `use` of any length costs no thread stack.
        private func apply(_ body: [LocatedStatement], to spec: inout TargetSpec) throws(TargetfileError) {
            var bodies: [(lines: [LocatedStatement], next: Int)] = [(body, 0)]
            var chain: [String] = []   // the rule whose body is bodies[i + 1]
            var inChain: Set<String> = []
            while let top = bodies.indices.last {
                guard bodies[top].next < bodies[top].lines.count else {
                    bodies.removeLast()
                    if let rule = chain.popLast() { inChain.remove(rule) }
                    continue
                }
                let line = bodies[top].lines[bodies[top].next]
                bodies[top].next += 1
                switch line.statement {
                case .host(let t): spec.host = t
                case .out(let ts): spec.outs += ts
                case .state(let t): spec.state = t
                case .always: spec.always = true
                case .nocache: spec.noCache = true
                case .pack(let root, let paths, let to):
                    spec.steps.append(.init(action: .pack(root: root, paths: paths, to: to), location: line.location))
                case .unpack(let from, let to):
                    spec.steps.append(.init(action: .unpack(from: from, to: to), location: line.location))
                case .exclude(let patterns): spec.excludes += patterns
                case .foreach(let variable, let nodes):
                    spec.foreachVariable = variable
                    spec.foreachNodes = nodes
                case .parallel(let n): spec.parallel = n
                case .pool(let name):
                    spec.pool = name
                    spec.poolLocation = line.location
                case .wait(let seconds): spec.wait = seconds
                case .steps(let targets):
                    spec.sequence += targets
                case .timeout(let s): spec.timeout = s
                case .retry(let n): spec.retry = n
                case .env(let name, let value): spec.environment.append(.init(name: name, value: value))
                case .run(let t): spec.steps.append(.init(action: .run(t), location: line.location))
                case .put(let from, let to): spec.steps.append(.init(action: .put(from: from, to: to), location: line.location))
                case .get(let from, let to): spec.steps.append(.init(action: .get(from: from, to: to), location: line.location))
                case .use(let name, let bindings):
                    guard let rule = rules[name] else {
                        throw TargetfileError(line.location, "unknown rule '\(name)'")
                    }
                    if inChain.contains(name) {
                        throw TargetfileError(line.location, "rule cycle: \((chain + [name]).joined(separator: " -> "))")
                    }
                    for binding in bindings where !rule.parameters.contains(binding.name) {
                        // The value starts after `NAME=`: point at the name.
                        throw TargetfileError(binding.value.location.advanced(by: -(binding.name.utf8.count + 1)),
                                              "rule '\(name)' has no parameter '\(binding.name)'")
                    }
                    for parameter in rule.parameters where !bindings.contains(where: { $0.name == parameter }) {
                        throw TargetfileError(line.location, "rule '\(name)' needs a value for parameter '\(parameter)'")
                    }
                    for binding in bindings { spec.parameters[binding.name] = binding.value }
                    spec.prerequisites += rule.prerequisites
                    chain.append(name)
                    inChain.insert(name)
                    bodies.append((rule.body, 0))
                }
            }
        }

        static func directory(of path: String) -> String {
            guard let slash = path.lastIndex(of: "/") else { return "" }
            return String(path[..<slash])
        }

        /// `directory/path`, normalized (see `normalize`).
        static func join(directory: String, _ path: String) -> String {
            if path.hasPrefix("/") || directory.isEmpty { return normalize(path) }
            return normalize(directory + "/" + path)
        }

        /// Without `.` components and with `x/..` pairs removed, so that one file has one
        /// name and an include cycle through `./` or `../` is seen (rather than recursing forever).
        static func normalize(_ path: String) -> String {
            var parts: [Substring] = []
            for part in path.split(separator: "/") {
                if part == "." { continue }
                if part == "..", let last = parts.last, last != ".." { parts.removeLast(); continue }
                parts.append(part)
            }
            let joined = parts.joined(separator: "/")
            if path.hasPrefix("/") { return "/" + joined }
            return joined.isEmpty ? "." : joined
        }
    }
}
