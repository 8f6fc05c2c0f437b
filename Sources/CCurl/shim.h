#ifndef TBMAKE_CCURL_SHIM_H
#define TBMAKE_CCURL_SHIM_H
#include <curl/curl.h>
#include <dlfcn.h>
#include <pthread.h>

/* libcurl is loaded when first used (dlopen), not when tbmake starts: it and the
   libraries it needs cost about 5 ms to every run, also the many that name no remote
   cache or lock URL. Swift calls libcurl only through the tb_curl_* functions below.
   Without libcurl on the machine, tb_curl_global_init fails (CURLE_FAILED_INIT) and
   tb_curl_easy_init returns NULL. */
typedef struct {
    CURLcode (*global_init)(long);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *);
    void (*easy_reset)(CURL *);
    CURLcode (*easy_perform)(CURL *);
    const char *(*easy_strerror)(CURLcode);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
} tb_curl_api;

/* The loaded functions; all NULL until loaded, or when libcurl cannot be loaded.
   (Statics inside functions: Swift's importer emits those, not file-scope ones.) */
static inline tb_curl_api *tb_curl_state(void) {
    static tb_curl_api api;
    return &api;
}

static inline void tb_curl_load(void) {
    void *library = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!library) return;
    tb_curl_api api;
    *(void **)&api.global_init = dlsym(library, "curl_global_init");
    *(void **)&api.easy_init = dlsym(library, "curl_easy_init");
    *(void **)&api.easy_cleanup = dlsym(library, "curl_easy_cleanup");
    *(void **)&api.easy_reset = dlsym(library, "curl_easy_reset");
    *(void **)&api.easy_perform = dlsym(library, "curl_easy_perform");
    *(void **)&api.easy_strerror = dlsym(library, "curl_easy_strerror");
    *(void **)&api.easy_setopt = dlsym(library, "curl_easy_setopt");
    *(void **)&api.easy_getinfo = dlsym(library, "curl_easy_getinfo");
    *(void **)&api.slist_append = dlsym(library, "curl_slist_append");
    *(void **)&api.slist_free_all = dlsym(library, "curl_slist_free_all");
    if (api.global_init && api.easy_init && api.easy_cleanup && api.easy_reset && api.easy_perform
        && api.easy_strerror && api.easy_setopt && api.easy_getinfo && api.slist_append && api.slist_free_all)
        *tb_curl_state() = api;
}

/* The loaded API, or NULL when libcurl cannot be loaded. */
static inline const tb_curl_api *tb_curl(void) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, tb_curl_load);
    return tb_curl_state()->easy_init ? tb_curl_state() : NULL;
}

static inline CURLcode tb_curl_global_init(long flags) {
    const tb_curl_api *c = tb_curl(); return c ? c->global_init(flags) : CURLE_FAILED_INIT;
}
static inline CURL *tb_curl_easy_init(void) { const tb_curl_api *c = tb_curl(); return c ? c->easy_init() : NULL; }
static inline void tb_curl_easy_cleanup(CURL *h) { const tb_curl_api *c = tb_curl(); if (c) c->easy_cleanup(h); }
static inline void tb_curl_easy_reset(CURL *h) { const tb_curl_api *c = tb_curl(); if (c) c->easy_reset(h); }
static inline CURLcode tb_curl_easy_perform(CURL *h) {
    const tb_curl_api *c = tb_curl(); return c ? c->easy_perform(h) : CURLE_FAILED_INIT;
}
static inline const char *tb_curl_easy_strerror(CURLcode code) {
    const tb_curl_api *c = tb_curl(); return c ? c->easy_strerror(code) : "libcurl (libcurl.so.4) cannot be loaded";
}
static inline struct curl_slist *tb_curl_slist_append(struct curl_slist *list, const char *line) {
    const tb_curl_api *c = tb_curl(); return c ? c->slist_append(list, line) : NULL;
}
static inline void tb_curl_slist_free_all(struct curl_slist *list) { const tb_curl_api *c = tb_curl(); if (c) c->slist_free_all(list); }

/* curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call: one
   fixed-type wrapper per kind of argument. */
static inline CURLcode tb_curl_setopt_long(CURL *h, CURLoption o, long v) {
    const tb_curl_api *c = tb_curl(); return c ? c->easy_setopt(h, o, v) : CURLE_FAILED_INIT;
}
static inline CURLcode tb_curl_setopt_off(CURL *h, CURLoption o, curl_off_t v) {
    const tb_curl_api *c = tb_curl(); return c ? c->easy_setopt(h, o, v) : CURLE_FAILED_INIT;
}
static inline CURLcode tb_curl_setopt_string(CURL *h, CURLoption o, const char *v) {
    const tb_curl_api *c = tb_curl(); return c ? c->easy_setopt(h, o, v) : CURLE_FAILED_INIT;
}
static inline CURLcode tb_curl_setopt_pointer(CURL *h, CURLoption o, void *v) {
    const tb_curl_api *c = tb_curl(); return c ? c->easy_setopt(h, o, v) : CURLE_FAILED_INIT;
}
static inline CURLcode tb_curl_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) {
    const tb_curl_api *c = tb_curl(); return c ? c->easy_setopt(h, o, v) : CURLE_FAILED_INIT;
}
typedef size_t (*tb_curl_data_callback)(char *, size_t, size_t, void *);
static inline CURLcode tb_curl_setopt_callback(CURL *h, CURLoption o, tb_curl_data_callback v) {
    const tb_curl_api *c = tb_curl(); return c ? c->easy_setopt(h, o, v) : CURLE_FAILED_INIT;
}
static inline CURLcode tb_curl_getinfo_long(CURL *h, CURLINFO i, long *v) {
    const tb_curl_api *c = tb_curl(); return c ? c->easy_getinfo(h, i, v) : CURLE_FAILED_INIT;
}
#endif
