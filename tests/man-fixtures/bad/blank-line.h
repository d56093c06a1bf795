/* fixture: the comment is across a blank line from bad_blank_line */
/* Not mine any more.
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */

OSX_API int bad_blank_line(void);
