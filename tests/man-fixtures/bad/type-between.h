/* fixture: a macro between the comment and bad_type_between */
/* Do something.
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
#define BAD_FLAG 1
OSX_API int bad_type_between(void);
