#ifndef TBMAKE_CSSH2_SHIM_H
#define TBMAKE_CSSH2_SHIM_H
#include <libssh2.h>
#include <libssh2_sftp.h>
/* libssh2's convenience API is function-like macros Swift cannot import; the ssh
   executor's shims (static inline wrappers of the *_ex forms) are added here. */
#endif
