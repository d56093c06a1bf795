/* fixture: one comment above two declarations (bad_shared) */
/* Read or write.
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API int bad_shared_read(void);
OSX_API int bad_shared(void);
