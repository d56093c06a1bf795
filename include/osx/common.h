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

#ifdef __cplusplus
#define OSX_BEGIN_DECLS extern "C" {
#define OSX_END_DECLS }
#else
#define OSX_BEGIN_DECLS
#define OSX_END_DECLS
#endif

#endif
