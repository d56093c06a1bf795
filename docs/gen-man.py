#!/usr/bin/env python3
"""Generate section-3 man pages and the docs' safety tables from the
public headers.

Every `OSX_API` declaration becomes osx_NAME.3.  Its prototype is the
SYNOPSIS and the comment block that ends on the line directly above it is
the DESCRIPTION; the comment's first sentence is the NAME (whatis) line.
A comment across a blank line, or one above another declaration, does not
count: a function without a comment of its own is an error, and so is a
comment whose last line is not a safety line of exactly this form:

    * Safety: MT-Safe, AS-Safe, non-blocking.
    * Safety: MT-Unsafe (reason), AS-Unsafe, blocks (on what).
    * Safety: MT-Safe, AS-Unsafe (reason), non-blocking.

The safety line becomes the page's ATTRIBUTES section and a row of the
Markdown table that each docs/ page carries between
`<!-- safety-table osx/HEADER.h -->` and `<!-- end safety-table -->`.

    gen-man.py --list HEADER...                 print the page file names
    gen-man.py --outdir DIR VERSION HEADER...   write the pages
    gen-man.py --docs DOCDIR HEADER...          rewrite the docs' tables
Any error (a missing or malformed comment) is printed as FILE:LINE: ... and
the exit status is 1.
"""
import os
import re
import sys

SAFETY = re.compile(r"Safety: (MT-Safe|MT-Unsafe \(.+?\)), (AS-Safe|AS-Unsafe(?: \(.+?\))?), "
                    r"(non-blocking|blocks \(.+\))\.$")
TABLE_BEGIN = re.compile(r"<!-- safety-table osx/(\w+\.h) -->$")
TABLE_END = "<!-- end safety-table -->"


class Func:
    def __init__(self, name, decl, comment, safety):
        self.name, self.decl, self.comment, self.safety = name, decl, comment, safety


def parse(path, errors):
    """The OSX_API functions of a header, in order; problems go to errors."""
    lines = open(path, encoding="utf-8").read().split("\n")
    funcs = []
    comment, comment_end = None, -1  # the last comment block and its last line
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        if line.startswith("/*"):
            block = [line]
            while "*/" not in lines[i]:
                i += 1
                block.append(lines[i].strip())
            comment, comment_end = clean_comment(block), i
        elif line.startswith("OSX_API"):
            start = i
            decl = [line]
            while ";" not in lines[i]:
                i += 1
                decl.append(lines[i].strip())
            text = " ".join(decl)[len("OSX_API"):].strip()
            text = re.sub(r"\s+", " ", text).replace("( ", "(")
            m = re.match(r"[^(]*?(\w+)\s*\(", text)
            if not m:
                errors.append("%s:%d: cannot read this declaration" % (path, start + 1))
            elif comment_end != start - 1:
                errors.append("%s:%d: %s has no doc comment of its own directly above it"
                              % (path, start + 1, m.group(1)))
            else:
                body, safety = split_safety(comment)
                if safety is None:
                    errors.append("%s:%d: the comment of %s does not end with a line "
                                  "'Safety: MT-..., AS-..., non-blocking|blocks (...).'"
                                  % (path, comment_end + 1, m.group(1)))
                elif not summary(body):
                    errors.append("%s:%d: the comment of %s has no text before its "
                                  "safety line" % (path, comment_end + 1, m.group(1)))
                else:
                    funcs.append(Func(m.group(1), text, body, safety))
        i += 1
    return funcs


def clean_comment(block):
    text = "\n".join(block)
    text = re.sub(r"^/\*+\s?", "", text)
    text = re.sub(r"\s*\*+/$", "", text)
    return "\n".join(re.sub(r"^\*\s?", "", l) for l in text.split("\n")).strip()


def split_safety(comment):
    """(the comment without its last line, (mt, as, blocking)), or
    (comment, None) when the last line is not a safety line."""
    head, _, last = comment.rpartition("\n")
    m = SAFETY.match(last.strip())
    if not m:
        return comment, None
    return head.rstrip(), m.groups()


def summary(comment):
    """The first sentence, up to a '.' followed by white space, without it
    (the dots of "e.g.", "i.e." and "cf." end no sentence)."""
    text = " ".join(comment.split())
    for m in re.finditer(r"\.(?:\s|$)", text):
        if not re.search(r"(?:^|\W)(?:e\.g|i\.e|cf)$", text[:m.start()]):
            return text[:m.start()].strip()
    return text.strip()


def roff(text):
    """Plain text to roff: blank lines are paragraphs, indented lines
    (examples in the header comments) are kept as they are."""
    out, verbatim = [], False
    for line in text.replace("\\", "\\e").split("\n"):
        indented = bool(line[:1] in (" ", "\t") and line.strip())
        if indented != verbatim:
            out.append(".nf" if indented else ".fi")
            verbatim = indented
        line = line.strip() if not indented else line
        if line.startswith((".", "'")):
            line = "\\&" + line
        out.append(line if line.strip() else ".PP")
    if verbatim:
        out.append(".fi")
    return "\n".join(out)


def header_title(path):
    first = open(path, encoding="utf-8").readline()
    m = re.match(r"/\*\s*(?:libosx:\s*)?(.*?)\s*(\*/)?$", first.strip())
    return m.group(1).rstrip(".") if m else "libosx"


def page(f, header, version):
    base = os.path.basename(header)
    mt, as_, blocking = f.safety
    body = [
        '.TH %s 3 "" "libosx %s" "libosx manual"' % (f.name.upper(), version),
        ".SH NAME",
        "%s \\- %s" % (f.name.replace("_", "\\_"), roff(summary(f.comment))),
        ".SH SYNOPSIS",
        ".nf",
        ".B #include <osx/%s>" % base,
        ".PP",
        roff(f.decl),
        ".fi",
        ".PP",
        "Link with \\fI$(pkg-config \\-\\-cflags \\-\\-libs libosx)\\fP.",
        ".SH DESCRIPTION",
        roff(f.comment),
    ]
    if re.search(r"[^t] osx_error \*err\);$", f.decl):
        body += [
            ".SH ERRORS",
            "On failure the call returns \\-1 (or NULL for a pointer result) and,",
            "when \\fIerr\\fP is not NULL, fills it with the errno, the failing",
            "call and the file name(s); \\fBerrno\\fP equals \\fIerr\\->code\\fP on",
            "return. On success \\fIerr\\fP is left untouched.",
            "Invalid arguments are reported the same way (EINVAL, ENAMETOOLONG).",
        ]
    # As glibc's manual marks them (attributes(7)), plus whether it can wait.
    body += [
        ".SH ATTRIBUTES",
        ".TP", "Thread safety", roff(mt),
        ".TP", "Async-signal safety", roff(as_),
        ".TP", "Blocking", roff(blocking),
    ]
    body += [".SH SEE ALSO", "\\fBlibosx\\fP(3), \\fBosx_error_format\\fP(3), "
             "\\fBattributes\\fP(7)"]
    return "\n".join(body) + "\n"


def index(entries, version):
    body = [
        '.TH LIBOSX 3 "" "libosx %s" "libosx manual"' % version,
        ".SH NAME",
        "libosx \\- Python's os module primitives for C",
        ".SH SYNOPSIS",
        ".B #include <osx/osx.h>",
        ".PP",
        "Link with \\fI$(pkg-config \\-\\-cflags \\-\\-libs libosx)\\fP.",
        ".SH DESCRIPTION",
        "Every failing call returns \\-1 (or NULL), fills an optional",
        "\\fBosx_error\\fP and leaves errno equal to its code; every fd the",
        "library creates is close-on-exec.",
    ]
    for header, title, names in entries:
        body += [".SS <osx/%s>: %s" % (os.path.basename(header), roff(title))]
        body += ["\\fB%s\\fP(3)" % n.replace("_", "\\_") + ("," if k + 1 < len(names) else "")
                 for k, n in enumerate(names)]
    return "\n".join(body) + "\n"


def table(funcs):
    rows = ["| function | thread safety | async-signal safety | blocking |",
            "| --- | --- | --- | --- |"]
    rows += ["| `%s` | %s | %s | %s |" % ((f.name,) + f.safety) for f in funcs]
    return rows


def update_docs(docdir, parsed, errors):
    """Rewrite each docs page's safety tables; every header with functions
    must have one."""
    seen = set()
    for md in sorted(os.listdir(docdir)):
        if not md.endswith(".md"):
            continue
        path = os.path.join(docdir, md)
        lines = open(path, encoding="utf-8").read().split("\n")
        out, i, changed = [], 0, False
        while i < len(lines):
            out.append(lines[i])
            m = TABLE_BEGIN.match(lines[i].strip())
            i += 1
            if not m:
                continue
            end = i
            while end < len(lines) and lines[end].strip() != TABLE_END:
                end += 1
            if m.group(1) not in parsed or end == len(lines):
                errors.append("%s:%d: no header %s or no '%s'"
                              % (path, i, m.group(1), TABLE_END))
                continue
            seen.add(m.group(1))
            new = table(parsed[m.group(1)])
            changed |= lines[i:end] != new
            out += new
            i = end
        if changed:
            with open(path, "w", encoding="utf-8") as f:
                f.write("\n".join(out))
    for base, funcs in parsed.items():
        if funcs and base not in seen:
            errors.append("%s: no page has '<!-- safety-table osx/%s -->'" % (docdir, base))


def main(argv):
    if not argv or argv[0] not in ("--list", "--outdir", "--docs") or \
            len(argv) < {"--list": 1, "--outdir": 3, "--docs": 2}[argv[0]]:
        sys.exit(__doc__)
    mode = argv[0]
    headers = argv[1:] if mode == "--list" else argv[3:] if mode == "--outdir" else argv[2:]
    errors = []
    parsed = {h: parse(h, errors) for h in headers}
    names = [f.name for h in headers for f in parsed[h]]
    for n in set(names):
        if names.count(n) > 1:
            errors.append("%s is declared twice" % n)
    if mode == "--list" and not errors:
        print("\n".join(["libosx.3"] + [n + ".3" for n in names]))
    elif mode == "--outdir" and not errors:
        outdir, version = argv[1], argv[2]
        entries = []
        for h in headers:
            for f in parsed[h]:
                with open(os.path.join(outdir, f.name + ".3"), "w", encoding="utf-8") as out:
                    out.write(page(f, h, version))
            if parsed[h]:
                entries.append((h, header_title(h), [f.name for f in parsed[h]]))
        with open(os.path.join(outdir, "libosx.3"), "w", encoding="utf-8") as out:
            out.write(index(entries, version))
    elif mode == "--docs" and not errors:
        update_docs(argv[1], {os.path.basename(h): parsed[h] for h in headers}, errors)
    for e in errors:
        print(e, file=sys.stderr)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main(sys.argv[1:])
