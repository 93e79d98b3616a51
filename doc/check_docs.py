#!/usr/bin/env python3
"""Checks what Doxygen's warnings do not, in its XML output (doc/Doxyfile writes it beside
the HTML):
 1. every enumerator of a public enum has a doc comment (Doxygen 1.9 does not warn about
    an undocumented enumerator);
 2. every public function named async_* documents, as Boost.MySQL's reference does, its
    handler signature, the executor that runs the handler, its per-operation cancellation
    and the lifetimes of the objects it uses, each as a `@par` section with the title below.
Prints one line per async function and per fault; exits 1 on any fault, or when no async
function is found at all.

    check_docs.py XML_DIR
"""
import glob
import os
import sys
import xml.etree.ElementTree as ET

REQUIRED = ["Handler signature", "Executor", "Per-operation cancellation", "Object lifetimes"]


def text(node):
    return "".join(node.itertext()).strip() if node is not None else ""


def sections(member):
    titles = set()
    for sect in member.iter("simplesect"):
        if sect.get("kind") == "par":
            titles.add(text(sect.find("title")))
    return titles


def where(member):
    loc = member.find("location")
    return (os.path.basename(loc.get("file")), int(loc.get("line"))) if loc is not None else ("?", 0)


def main(xml_dir):
    asyncs = {}
    faults = set()
    for path in sorted(glob.glob(os.path.join(xml_dir, "*.xml"))):
        if os.path.basename(path) in ("index.xml", "Doxyfile.xml"):
            continue
        for compound in ET.parse(path).getroot().iter("compounddef"):
            owner = compound.findtext("compoundname", "")
            if "::detail" in owner:
                continue
            for m in compound.iter("memberdef"):
                if m.get("prot", "public") != "public":
                    continue
                name = m.findtext("name", "")
                if m.get("kind") == "enum":
                    for v in m.findall("enumvalue"):
                        if not text(v.find("briefdescription")) and not text(v.find("detaileddescription")):
                            file, line = where(m)
                            faults.add(f"{file}:{line}: {owner}::{name}::{v.findtext('name')}: enumerator not documented")
                elif m.get("kind") == "function" and name.startswith("async_"):
                    asyncs.setdefault(where(m), (f"{owner}::{name}{m.findtext('argsstring', '')}", sections(m)))
    for (file, line), (sig, have) in sorted(asyncs.items()):
        missing = [t for t in REQUIRED if t not in have]
        if missing:
            faults.add(f"{file}:{line}: {sig}: missing " + ", ".join(missing))
        else:
            print(f"{file}:{line}: {sig}: ok")
    for f in sorted(faults):
        print(f)
    if not asyncs:
        print("no async_* function found in " + xml_dir)
        return 1
    print(f"{len(asyncs)} async functions, {len(faults)} faults (sections checked: " + ", ".join(REQUIRED) + ")")
    return 1 if faults else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
