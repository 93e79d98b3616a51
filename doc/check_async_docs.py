#!/usr/bin/env python3
"""Checks Doxygen's XML output (doc/Doxyfile writes it beside the HTML): every public
function named async_* documents, as Boost.MySQL's reference does, its handler signature,
the executor that runs the handler, its per-operation cancellation and the lifetimes of the
objects it uses, each as a `@par` section with the title below. Prints one line per
function; exits 1 when one lacks a section, or when no async function is found at all.

    check_async_docs.py XML_DIR
"""
import glob
import os
import sys
import xml.etree.ElementTree as ET

REQUIRED = ["Handler signature", "Executor", "Per-operation cancellation", "Object lifetimes"]


def sections(member):
    titles = set()
    for sect in member.iter("simplesect"):
        if sect.get("kind") == "par":
            title = sect.find("title")
            if title is not None:
                titles.add("".join(title.itertext()).strip())
    return titles


def main(xml_dir):
    seen = {}
    for path in sorted(glob.glob(os.path.join(xml_dir, "*.xml"))):
        if os.path.basename(path) in ("index.xml", "Doxyfile.xml"):
            continue
        root = ET.parse(path).getroot()
        for compound in root.iter("compounddef"):
            owner = compound.findtext("compoundname", "")
            for m in compound.iter("memberdef"):
                name = m.findtext("name", "")
                if m.get("kind") != "function" or not name.startswith("async_"):
                    continue
                if m.get("prot", "public") != "public" or "::detail" in owner:
                    continue
                loc = m.find("location")
                key = (loc.get("file"), loc.get("line")) if loc is not None else (owner, name)
                seen.setdefault(key, (owner + "::" + name + m.findtext("argsstring", ""), sections(m)))
    failed = 0
    for (file, line), (sig, have) in sorted(seen.items()):
        missing = [t for t in REQUIRED if t not in have]
        status = "ok" if not missing else "missing " + ", ".join(missing)
        print(f"{os.path.basename(file)}:{line}: {sig}: {status}")
        failed += bool(missing)
    if not seen:
        print("no async_* function found in " + xml_dir)
        return 1
    print(f"{len(seen) - failed} of {len(seen)} async functions document " + ", ".join(REQUIRED))
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
