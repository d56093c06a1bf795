/* fixture: a Safety: line not in the exact form (bad_safety_form) */
/* Do something.
 * Safety: thread-safe, AS-Safe, non-blocking.
 */
OSX_API int bad_safety_form(void);
