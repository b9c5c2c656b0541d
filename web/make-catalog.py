#!/usr/bin/env python3
"""Build the teachers' page message catalog for one language.

xgettext (-L JavaScript) extracts the page's English source strings from
its JavaScript files; the translations come from the language's PO file in
po/. The output is a JSON object the page loads as messages-LANG.json:

    {"language": "zh_CN", "plural_forms": "nplurals=1; plural=0;",
     "messages": {"Raise hand": "举手", "{count} student": ["{count} 名学生"]}}

Plural entries map the singular msgid to the list of plural forms. Fuzzy
and empty translations are left out, so the page shows the English text.
Strings without a translation are listed on stderr; with --check they make
the exit status 1.

Only the Python standard library is used.
"""

import argparse
import ast
import json
import os
import subprocess
import sys
import tempfile


class PoError(Exception):
    """The PO text is malformed; the message names the line."""


def parse_po(text, source_name):
    """Return the entries of a PO or POT text as a list of dicts.

    Each dict has msgctxt (or None), msgid, msgid_plural (or None),
    msgstr (a list: one string, or the plural forms in order) and fuzzy.
    Obsolete entries (#~) are skipped.
    """
    entries = []
    entry = None
    field = None
    fuzzy = False

    def finish():
        nonlocal entry
        if entry is not None and entry.get("msgid") is not None:
            forms = entry.pop("forms")
            entry["msgstr"] = [forms[index] for index in sorted(forms)]
            entries.append(entry)
        entry = None

    for number, raw_line in enumerate(text.splitlines(), start=1):
        line = raw_line.strip()
        if line.startswith("#~") or line == "":
            continue
        if line.startswith("#"):
            # Flags such as "#, fuzzy, c-format" belong to the next entry.
            if line.startswith("#,") and "fuzzy" in (flag.strip() for flag in line[2:].split(",")):
                fuzzy = True
            continue

        if line.startswith('"'):
            if entry is None or field is None:
                raise PoError(f"{source_name}:{number}: a string continues no keyword")
            value = _unquote(line, source_name, number)
            if isinstance(field, int):
                entry["forms"][field] += value
            else:
                entry[field] += value
            continue

        keyword, _, rest = line.partition(" ")
        rest = rest.strip()
        # An entry starts at msgctxt, or at msgid when no msgctxt began it.
        if keyword == "msgctxt" or (keyword == "msgid" and (entry is None or entry["msgid"] is not None)):
            finish()
            entry = {"msgctxt": None, "msgid": None, "msgid_plural": None, "forms": {}, "fuzzy": fuzzy}
            fuzzy = False
        if entry is None:
            raise PoError(f"{source_name}:{number}: {keyword} before any msgid")

        if keyword in ("msgctxt", "msgid", "msgid_plural"):
            entry[keyword] = _unquote(rest, source_name, number)
            field = keyword
        elif keyword == "msgstr":
            entry["forms"][0] = _unquote(rest, source_name, number)
            field = 0
        elif keyword.startswith("msgstr[") and keyword.endswith("]"):
            try:
                index = int(keyword[len("msgstr["):-1])
            except ValueError:
                raise PoError(f"{source_name}:{number}: invalid plural index in {keyword}") from None
            entry["forms"][index] = _unquote(rest, source_name, number)
            field = index
        else:
            raise PoError(f"{source_name}:{number}: unknown keyword {keyword!r}")
    finish()
    return entries


def _unquote(text, source_name, number):
    if len(text) < 2 or not text.startswith('"') or not text.endswith('"'):
        raise PoError(f"{source_name}:{number}: expected a quoted string, found {text!r}")
    try:
        # PO strings use C escapes, which Python's string literal syntax
        # covers for the escapes gettext writes (\n \t \" \\).
        return ast.literal_eval(text)
    except (SyntaxError, ValueError) as error:
        raise PoError(f"{source_name}:{number}: invalid string {text!r}: {error}") from None


def header_field(entries, name):
    """Return a field of the PO header (the entry with an empty msgid)."""
    for entry in entries:
        if entry["msgid"] == "" and entry["msgctxt"] is None:
            for line in entry["msgstr"][0].splitlines():
                key, _, value = line.partition(":")
                if key.strip().lower() == name.lower():
                    return value.strip()
    return None


def extract_strings(xgettext, sources):
    """Run xgettext on the JavaScript sources; return the POT entries."""
    with tempfile.TemporaryDirectory(prefix="ss-web-catalog-") as workdir:
        pot_path = os.path.join(workdir, "web.pot")
        command = [xgettext, "--language=JavaScript", "--from-code=UTF-8", "--no-location",
                   "--output", pot_path, *sources]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise PoError(f"{' '.join(command)} failed with status {result.returncode}: "
                          f"{result.stderr.strip()}")
        if not os.path.exists(pot_path):
            # xgettext writes nothing when the sources hold no marked string.
            return []
        with open(pot_path, encoding="utf-8") as pot:
            return parse_po(pot.read(), pot_path)


def build_catalog(language, po_entries, source_entries):
    """Return (catalog dict, list of msgids without a translation)."""
    translations = {(entry["msgctxt"], entry["msgid"]): entry for entry in po_entries
                    if entry["msgid"] != "" and not entry["fuzzy"]}
    messages = {}
    missing = []
    for source in source_entries:
        if source["msgid"] == "":
            continue
        translated = translations.get((source["msgctxt"], source["msgid"]))
        forms = translated["msgstr"] if translated else []
        if not forms or any(form == "" for form in forms):
            missing.append(source["msgid"])
            continue
        if source["msgid_plural"] is not None:
            messages[source["msgid"]] = forms
        else:
            messages[source["msgid"]] = forms[0]

    plural_forms = header_field(po_entries, "Plural-Forms") or "nplurals=2; plural=(n != 1);"
    catalog = {"language": language, "plural_forms": plural_forms,
               "messages": dict(sorted(messages.items()))}
    return catalog, missing


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--xgettext", default="xgettext", help="path of xgettext (default: from PATH)")
    parser.add_argument("--po", required=True, help="the language's PO file, e.g. po/zh_CN.po")
    parser.add_argument("--language", required=True, help="language code, e.g. zh_CN")
    parser.add_argument("--output", help="JSON file to write; omit with --check")
    parser.add_argument("--check", action="store_true",
                        help="exit with status 1 when a page string has no translation")
    parser.add_argument("sources", nargs="+", help="the page's JavaScript files")
    args = parser.parse_args(argv)
    if args.output is None and not args.check:
        parser.error("give --output FILE, --check, or both")
    return args


def main(argv):
    args = parse_args(argv)
    try:
        with open(args.po, encoding="utf-8") as po_file:
            po_entries = parse_po(po_file.read(), args.po)
        source_entries = extract_strings(args.xgettext, args.sources)
    except (OSError, PoError) as error:
        print(f"make-catalog: {error}", file=sys.stderr)
        return 2

    catalog, missing = build_catalog(args.language, po_entries, source_entries)
    if args.output is not None:
        with open(args.output, "w", encoding="utf-8") as output:
            json.dump(catalog, output, ensure_ascii=False, indent=1)
            output.write("\n")

    if missing:
        total = sum(1 for entry in source_entries if entry["msgid"] != "")
        print(f"make-catalog: {len(missing)} of the page's {total} strings have "
              f"no {args.language} translation in {args.po}; the page shows them in English:",
              file=sys.stderr)
        for msgid in missing:
            print(f"  {msgid!r}", file=sys.stderr)
        if args.check:
            return 1
    elif args.check:
        print(f"make-catalog: all {len(catalog['messages'])} page strings have a "
              f"{args.language} translation")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
