#!/usr/bin/env python3
"""Generate section-3 man pages from the public headers.

Every `OSX_API` declaration becomes osx_NAME.3: its prototype is the
SYNOPSIS and the comment block above it (shared by a group of declarations
that follow one comment) is the DESCRIPTION.  libosx.3 lists them all.

    gen-man.py --list HEADER...           print the page file names
    gen-man.py --outdir DIR VERSION HEADER...   write the pages
"""
import os
import re
import sys


def parse(path):
    """Yield (name, declaration, comment) for each OSX_API function."""
    lines = open(path, encoding="utf-8").read().split("\n")
    comment, i = "", 0
    while i < len(lines):
        line = lines[i].strip()
        if line.startswith("/*"):
            block = [line]
            while "*/" not in lines[i]:
                i += 1
                block.append(lines[i].strip())
            comment = clean_comment(block)
        elif line.startswith("OSX_API"):
            decl = [line]
            while ";" not in lines[i]:
                i += 1
                decl.append(lines[i].strip())
            text = " ".join(decl)[len("OSX_API"):].strip()
            text = re.sub(r"\s+", " ", text).replace("( ", "(")
            m = re.match(r"[^(]*?(\w+)\s*\(", text)
            if m:
                yield m.group(1), text, comment
        elif line and not line.startswith("#"):
            comment = ""  # a type or macro in between: the comment was its own
        i += 1


def clean_comment(block):
    text = "\n".join(block)
    text = re.sub(r"^/\*+\s?", "", text)
    text = re.sub(r"\s*\*+/$", "", text)
    return "\n".join(re.sub(r"^\*\s?", "", l) for l in text.split("\n")).strip()


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


def summary(comment, header_title):
    first = re.split(r"(?<=[.:])\s", comment.replace("\n", " "), maxsplit=1)[0] if comment else ""
    first = first.rstrip(".:")
    return first if 0 < len(first) <= 90 else header_title


def header_title(path):
    first = open(path, encoding="utf-8").readline()
    m = re.match(r"/\*\s*(?:libosx:\s*)?(.*?)\s*(\*/)?$", first.strip())
    return m.group(1).rstrip(".") if m else "libosx"


def page(name, decl, comment, header, title, version):
    base = os.path.basename(header)
    body = [
        '.TH %s 3 "" "libosx %s" "libosx manual"' % (name.upper(), version),
        ".SH NAME",
        "%s \\- %s" % (name.replace("_", "\\_"), roff(summary(comment, title))),
        ".SH SYNOPSIS",
        ".nf",
        ".B #include <osx/%s>" % base,
        ".PP",
        roff(decl),
        ".fi",
        ".PP",
        "Link with \\fI$(pkg-config \\-\\-cflags \\-\\-libs libosx)\\fP.",
        ".SH DESCRIPTION",
        roff(comment) if comment else "See the guide for <osx/%s>." % base,
    ]
    if re.search(r"[^t] osx_error \*err\);$", decl):
        body += [
            ".SH ERRORS",
            "On failure the call returns \\-1 (or NULL for a pointer result) and,",
            "when \\fIerr\\fP is not NULL, fills it with the errno, the failing",
            "call and the file name(s); \\fBerrno\\fP equals \\fIerr\\->code\\fP on",
            "return. On success \\fIerr\\fP is left untouched.",
            "Invalid arguments are reported the same way (EINVAL, ENAMETOOLONG).",
        ]
    body += [".SH SEE ALSO", "\\fBlibosx\\fP(3), \\fBosx_error_format\\fP(3)"]
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


def main(argv):
    if argv[:1] == ["--list"]:
        names = [n for h in argv[1:] for n, _, _ in parse(h)]
        print("\n".join(["libosx.3"] + [n + ".3" for n in names]))
        return
    if argv[:1] != ["--outdir"] or len(argv) < 3:
        sys.exit(__doc__)
    outdir, version, headers = argv[1], argv[2], argv[3:]
    entries = []
    for h in headers:
        title = header_title(h)
        funcs = list(parse(h))
        for name, decl, comment in funcs:
            with open(os.path.join(outdir, name + ".3"), "w", encoding="utf-8") as f:
                f.write(page(name, decl, comment, h, title, version))
        if funcs:
            entries.append((h, title, [n for n, _, _ in funcs]))
    with open(os.path.join(outdir, "libosx.3"), "w", encoding="utf-8") as f:
        f.write(index(entries, version))


if __name__ == "__main__":
    main(sys.argv[1:])
