/* fixture: a function without any comment (bad_missing) */
/* ok.
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API int bad_ok(void);
OSX_API int bad_missing(void);
