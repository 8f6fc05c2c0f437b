import Foundation

/// A real nginx on 127.0.0.1 serving a WebDAV directory, for the remote cache and lock
/// tests: `PUT`/`DELETE` (nginx's dav module, `create_full_put_path`), `LOCK`/`UNLOCK`
/// (Debian's dav-ext module, loaded from /usr/lib/nginx/modules) with a lock timeout of
/// `lockTimeout` seconds, everything — config, pid, logs, temp paths, the served root —
/// in its own directory under /tmp. Stopped by `stop()` or deinit, which removes the
/// directory. Fails, rather than skipping, when nginx or dav-ext is missing: the
/// project's setup installs them.
public final class TestNginx {
    public let directory: String
    public let port: Int
    /// The served directory: `http://127.0.0.1:port/x` is `root/x`.
    public var root: String { directory + "/root" }
    public var errorLog: String { directory + "/error.log" }
    public let scheme: String
    private var pid: pid_t = 0

    public var url: String { "\(scheme)://127.0.0.1:\(port)" }

    /// - Parameters:
    ///   - lockTimeout: seconds a LOCK lasts unless refreshed (dav-ext's default is 60).
    ///   - serverConfig: more directives inside `server { }` (locations answering fixed
    ///     codes, `auth_basic`), placed before the catch-all WebDAV location.
    ///   - certificate: a PEM certificate and key to serve https with.
    public init(lockTimeout: Int = 60, serverConfig: String = "",
                certificate: (cert: String, key: String)? = nil) throws {
        let module = "/usr/lib/nginx/modules/ngx_http_dav_ext_module.so"
        guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/nginx"),
              FileManager.default.fileExists(atPath: module) else {
            throw TestProcessError("nginx with dav-ext is missing: install the Debian packages nginx and "
                                   + "libnginx-mod-http-dav-ext (./scripts/setup --packages does)")
        }
        var template = Array("/tmp/tbmake-nginx-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw POSIXError(.EIO) }
        directory = String(cString: made)
        for sub in ["root", "tmp"] {
            try FileManager.default.createDirectory(atPath: directory + "/" + sub, withIntermediateDirectories: true)
        }
        port = try TestProcess.freePort()
        scheme = certificate == nil ? "http" : "https"
        let listen = certificate.map { "listen 127.0.0.1:\(port) ssl;\n        ssl_certificate \($0.cert);\n        ssl_certificate_key \($0.key);" }
            ?? "listen 127.0.0.1:\(port);"
        try """
            load_module \(module);
            user root;
            worker_processes 2;
            daemon off;
            pid \(directory)/nginx.pid;
            error_log \(errorLog) info;
            events { worker_connections 512; }
            http {
                access_log \(directory)/access.log;
                client_body_temp_path \(directory)/tmp/body;
                proxy_temp_path \(directory)/tmp/proxy;
                fastcgi_temp_path \(directory)/tmp/fastcgi;
                uwsgi_temp_path \(directory)/tmp/uwsgi;
                scgi_temp_path \(directory)/tmp/scgi;
                client_max_body_size 0;
                dav_ext_lock_zone zone=tbmake:1m timeout=\(lockTimeout)s;
                server {
                    \(listen)
                    root \(root);
                    \(serverConfig)
                    location / {
                        dav_methods PUT DELETE;
                        create_full_put_path on;
                        dav_access user:rw group:rw all:r;
                        dav_ext_methods PROPFIND OPTIONS LOCK UNLOCK;
                        dav_ext_lock zone=tbmake;
                    }
                }
            }

            """.write(toFile: directory + "/nginx.conf", atomically: true, encoding: .utf8)
        try start()
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Starts nginx and waits until its port accepts connections.
    public func start() throws {
        pid = try TestProcess.spawn("/usr/sbin/nginx", ["-p", directory, "-e", errorLog, "-c", directory + "/nginx.conf"],
                                    output: directory + "/stdout.log", append: true)
        for _ in 0..<1000 {
            if TestProcess.accepts(port: port) { return }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { break }
            usleep(10_000)
        }
        pid = 0
        throw TestProcessError("nginx did not start: " + ((try? String(contentsOfFile: errorLog, encoding: .utf8)) ?? ""))
    }

    /// Kills nginx and its workers; connections in flight are cut.
    public func stop() {
        guard pid > 0 else { return }
        // The master first: a master that outlived a worker would fork a new one.
        let workers = TestProcess.descendants(of: pid)
        kill(pid, SIGKILL)
        for process in workers { kill(process, SIGKILL) }
        for process in TestProcess.descendants(of: pid) { kill(process, SIGKILL) }
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
        pid = 0
    }
}
