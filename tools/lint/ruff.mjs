// Ruff, the real one through its WebAssembly build (@astral-sh/ruff-wasm-nodejs, pinned in
// package-lock.json), for machines where `pip install ruff` is not possible. tools/lint/lint.py
// calls it; natively `ruff check` and `ruff format` read the same ruff.toml.
//
//   node tools/lint/ruff.mjs check|format-check|fix < REQUEST.json
//
// REQUEST: {"settings": <ruff.toml as JSON>, "files": [paths relative to the working directory]}.
// check:        prints "path:row:col: CODE message" per diagnostic (ruff's concise format).
// format-check: prints "Would reformat: path" per file the formatter would change.
// fix:          sorts imports (the fixes of rule I001, as `ruff check --select I --fix`), then
//               formats (`ruff format`); prints "fixed: path" per file it rewrote.
// Exit status: 0 nothing found (or fix done), 1 findings, 2 a usage or input error.
import fs from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { Workspace, PositionEncoding } = require("@astral-sh/ruff-wasm-nodejs");

const mode = process.argv[2];
if (!["check", "format-check", "fix"].includes(mode)) {
    console.error("usage: node ruff.mjs check|format-check|fix < REQUEST.json");
    process.exit(2);
}
const request = JSON.parse(fs.readFileSync(0, "utf8"));
// Utf16: columns count UTF-16 code units, as JavaScript strings index them.
const workspace = new Workspace(request.settings, PositionEncoding.Utf16);

// Offset in `text` of a 1-based {row, column}.
function offsetOf(lineStarts, location) {
    return lineStarts[location.row - 1] + location.column - 1;
}

// `text` with the edits of one fix applied (edits do not overlap; applied from the end).
function applyFix(text, fix) {
    const lineStarts = [0];
    for (let i = 0; i < text.length; i++) {
        if (text[i] === "\n") lineStarts.push(i + 1);
    }
    lineStarts.push(text.length);
    const edits = fix.edits
        .map((e) => ({
            start: offsetOf(lineStarts, e.location),
            end: offsetOf(lineStarts, e.end_location),
            content: e.content ?? "",
        }))
        .sort((a, b) => b.start - a.start);
    for (const e of edits) text = text.slice(0, e.start) + e.content + text.slice(e.end);
    return text;
}

// `text` with its imports sorted: one I001 fix per import block, each applied to a fresh check.
function sortImports(text) {
    for (let pass = 0; pass < 100; pass++) {
        const unsorted = workspace.check(text).find((d) => d.code === "I001" && d.fix);
        if (!unsorted) return text;
        text = applyFix(text, unsorted.fix);
    }
    throw new Error("import sorting did not settle");
}

let findings = 0;
for (const path of request.files) {
    const text = fs.readFileSync(path, "utf8");
    if (mode === "check") {
        const diagnostics = workspace.check(text);
        diagnostics.sort((a, b) => a.start_location.row - b.start_location.row ||
            a.start_location.column - b.start_location.column);
        for (const d of diagnostics) {
            const where = `${path}:${d.start_location.row}:${d.start_location.column}`;
            console.log(`${where}: ${d.code ?? "syntax-error"} ${d.message}`);
            findings++;
        }
    } else if (mode === "format-check") {
        if (workspace.format(text) !== text) {
            console.log(`Would reformat: ${path}`);
            findings++;
        }
    } else {
        const fixed = workspace.format(sortImports(text));
        if (fixed !== text) {
            fs.writeFileSync(path, fixed);
            console.log(`fixed: ${path}`);
        }
    }
}
process.exit(findings > 0 ? 1 : 0);
