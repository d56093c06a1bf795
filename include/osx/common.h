/* libosx: definitions shared by every public header. */
#ifndef OSX_COMMON_H
#define OSX_COMMON_H

#if defined(__GNUC__) || defined(__clang__)
#define OSX_API __attribute__((visibility("default")))
#else
#define OSX_API
#endif

/* _Noreturn is C only; the GNU attribute is understood by C and C++ alike. */
#if defined(__GNUC__) || defined(__clang__)
#define OSX_NORETURN __attribute__((noreturn))
#elif !defined(__cplusplus)
#define OSX_NORETURN _Noreturn
#else
#define OSX_NORETURN [[noreturn]]
#endif

/*
 * OSX_NONNULL(1, 2): these pointer parameters must not be NULL.  The
 * compiler warns a caller that passes NULL; the library still checks and
 * answers EINVAL at run time.  The library and its tests are built with
 * OSX_NO_NONNULL, so the compiler cannot drop those run-time checks (and
 * tests can pass NULL on purpose).
 */
#if (defined(__GNUC__) || defined(__clang__)) && !defined(OSX_NO_NONNULL)
#define OSX_NONNULL(...) __attribute__((nonnull(__VA_ARGS__)))
#else
#define OSX_NONNULL(...)
#endif

#ifdef __cplusplus
#define OSX_BEGIN_DECLS extern "C" {
#define OSX_END_DECLS }
#else
#define OSX_BEGIN_DECLS
#define OSX_END_DECLS
#endif

#endif
