/* fixture: a comment without the Safety: line (bad_no_safety) */
/* Do something. */
OSX_API int bad_no_safety(void);
