#ifndef TBMAKE_CSSH2_SHIM_H
#define TBMAKE_CSSH2_SHIM_H
#include <errno.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <libssh2.h>
#include <libssh2_sftp.h>
/* libssh2's convenience API is function-like macros Swift cannot import; these are
   static inline wrappers of the *_ex forms they expand to, for the ssh executor. */

/* When bytes last arrived from the host (CLOCK_MONOTONIC, ns), written by the receive
   callback below from inside libssh2 calls; the keepalive check reads it. */
typedef struct { long long last_receive_ns; } tb_ssh2_activity;

/* libssh2's own receive (recv(2), -errno on failure), plus the time of arrival. */
static ssize_t tb_ssh2_recv(libssh2_socket_t socket, void *buffer, size_t length, int flags, void **abstract) {
    ssize_t n = recv(socket, buffer, length, flags);
    if (n < 0) return -errno;
    if (n > 0) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        ((tb_ssh2_activity *)*abstract)->last_receive_ns = (long long)now.tv_sec * 1000000000LL + now.tv_nsec;
    }
    return n;
}

/* A session whose receives are timed into `activity` (which must outlive it). */
static inline LIBSSH2_SESSION *tb_ssh2_session_init(tb_ssh2_activity *activity) {
    LIBSSH2_SESSION *session = libssh2_session_init_ex(NULL, NULL, NULL, activity);
    if (session) libssh2_session_callback_set(session, LIBSSH2_CALLBACK_RECV, (void *)tb_ssh2_recv);
    return session;
}
static inline int tb_ssh2_session_disconnect(LIBSSH2_SESSION *session, const char *description) {
    return libssh2_session_disconnect_ex(session, SSH_DISCONNECT_BY_APPLICATION, description, "");
}
static inline int tb_ssh2_userauth_publickey_fromfile(LIBSSH2_SESSION *session, const char *user,
        const char *publickey, const char *privatekey, const char *passphrase) {
    return libssh2_userauth_publickey_fromfile_ex(session, user, (unsigned int)strlen(user),
                                                  publickey, privatekey, passphrase);
}
static inline LIBSSH2_CHANNEL *tb_ssh2_channel_open_session(LIBSSH2_SESSION *session) {
    return libssh2_channel_open_ex(session, "session", sizeof("session") - 1,
                                   LIBSSH2_CHANNEL_WINDOW_DEFAULT, LIBSSH2_CHANNEL_PACKET_DEFAULT,
                                   NULL, 0);
}
static inline int tb_ssh2_channel_exec(LIBSSH2_CHANNEL *channel, const char *command) {
    return libssh2_channel_process_startup(channel, "exec", sizeof("exec") - 1,
                                           command, (unsigned int)strlen(command));
}
/* stream 0: stdout; SSH_EXTENDED_DATA_STDERR (1): stderr. */
static inline ssize_t tb_ssh2_channel_read(LIBSSH2_CHANNEL *channel, int stream, char *buffer, size_t size) {
    return libssh2_channel_read_ex(channel, stream, buffer, size);
}
static inline int tb_ssh2_channel_close(LIBSSH2_CHANNEL *channel) { return libssh2_channel_close(channel); }

/* SFTP */
static inline LIBSSH2_SFTP_HANDLE *tb_sftp_open(LIBSSH2_SFTP *sftp, const char *path, unsigned long flags,
                                                long mode) {
    return libssh2_sftp_open_ex(sftp, path, (unsigned int)strlen(path), flags, mode, LIBSSH2_SFTP_OPENFILE);
}
static inline LIBSSH2_SFTP_HANDLE *tb_sftp_opendir(LIBSSH2_SFTP *sftp, const char *path) {
    return libssh2_sftp_open_ex(sftp, path, (unsigned int)strlen(path), 0, 0, LIBSSH2_SFTP_OPENDIR);
}
static inline int tb_sftp_readdir(LIBSSH2_SFTP_HANDLE *handle, char *buffer, size_t size,
                                  LIBSSH2_SFTP_ATTRIBUTES *attrs) {
    return libssh2_sftp_readdir_ex(handle, buffer, size, NULL, 0, attrs);
}
static inline int tb_sftp_stat(LIBSSH2_SFTP *sftp, const char *path, int follow, LIBSSH2_SFTP_ATTRIBUTES *attrs) {
    return libssh2_sftp_stat_ex(sftp, path, (unsigned int)strlen(path),
                                follow ? LIBSSH2_SFTP_STAT : LIBSSH2_SFTP_LSTAT, attrs);
}
static inline int tb_sftp_setstat(LIBSSH2_SFTP *sftp, const char *path, LIBSSH2_SFTP_ATTRIBUTES *attrs) {
    return libssh2_sftp_stat_ex(sftp, path, (unsigned int)strlen(path), LIBSSH2_SFTP_SETSTAT, attrs);
}
static inline int tb_sftp_fsetstat(LIBSSH2_SFTP_HANDLE *handle, LIBSSH2_SFTP_ATTRIBUTES *attrs) {
    return libssh2_sftp_fstat_ex(handle, attrs, 1);
}
static inline int tb_sftp_mkdir(LIBSSH2_SFTP *sftp, const char *path, long mode) {
    return libssh2_sftp_mkdir_ex(sftp, path, (unsigned int)strlen(path), mode);
}
static inline int tb_sftp_readlink(LIBSSH2_SFTP *sftp, const char *path, char *buffer, unsigned int size) {
    return libssh2_sftp_symlink_ex(sftp, path, (unsigned int)strlen(path), buffer, size, LIBSSH2_SFTP_READLINK);
}
static inline int tb_sftp_close(LIBSSH2_SFTP_HANDLE *handle) { return libssh2_sftp_close_handle(handle); }
#endif
