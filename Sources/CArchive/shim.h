#ifndef TBMAKE_CARCHIVE_SHIM_H
#define TBMAKE_CARCHIVE_SHIM_H
#include <archive.h>
#include <archive_entry.h>
#include <locale.h>
/* Macros Swift cannot import (AE_IFREG and friends are casts) get static inline wrappers here. */
static inline unsigned int tb_ae_ifmt(void) { return (unsigned int)AE_IFMT; }
static inline unsigned int tb_ae_ifreg(void) { return (unsigned int)AE_IFREG; }
static inline unsigned int tb_ae_ifdir(void) { return (unsigned int)AE_IFDIR; }
static inline unsigned int tb_ae_iflnk(void) { return (unsigned int)AE_IFLNK; }
static inline unsigned int tb_ae_ifchr(void) { return (unsigned int)AE_IFCHR; }
static inline unsigned int tb_ae_ifblk(void) { return (unsigned int)AE_IFBLK; }
static inline unsigned int tb_ae_ififo(void) { return (unsigned int)AE_IFIFO; }
static inline unsigned int tb_ae_ifsock(void) { return (unsigned int)AE_IFSOCK; }
/* sync_file_range(2), which glibc declares only under _GNU_SOURCE (same types as there). */
extern int sync_file_range(int fd, long offset, long count, unsigned int flags);
static inline int tb_start_writeback(int fd) { return sync_file_range(fd, 0, 0, 2 /* SYNC_FILE_RANGE_WRITE */); }
/* archive_set_error is variadic: a fixed "%s" form, for errors a read callback reports. */
static inline void tb_archive_set_error(struct archive *archive, int error, const char *message) {
    archive_set_error(archive, error, "%s", message);
}
/* LC_CTYPE_MASK is an expression macro Swift cannot import. */
static inline int tb_lc_ctype_mask(void) { return LC_CTYPE_MASK; }
#endif
