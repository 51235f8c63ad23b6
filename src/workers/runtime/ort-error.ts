/**
 * onnxruntime's own error text, made fit to show a user: one line, without
 * the paths of the machine onnxruntime was built on (/onnxruntime_src/…,
 * /mnt/vss/_work/…, C:\a\_work\…), the C++ function signatures that follow
 * them, the web build's "ERROR_CODE: 6, ERROR_MESSAGE:" wrapping and any
 * stack text. Shared by the browser worker and the CLI (sessions.ts creates,
 * run-session.ts runs), for onnxruntime-web and onnxruntime-node alike.
 */

/** The longest runtime text kept; past it, an ellipsis (a shape list can run to pages). */
export const RUNTIME_TEXT_MAX = 400;

const SOURCE_EXT = 'h|hh|hpp|hxx|c|cc|cpp|cxx|cu|cuh|inc|mm|m';
/** A source file and line, optionally under a directory: onnxruntime's CodeLocation. */
const SOURCE_AT = new RegExp(
  String.raw`(?:(?:[A-Za-z]:)?[\\/](?:[^\s\\/'"]+[\\/])*)?[\w.+-]+\.(?:${SOURCE_EXT}):\d+`,
  'g',
);
/** Folders that only exist on a build agent: Azure Pipelines, GitHub runners, onnxruntime's Docker builds. */
const BUILD_ROOTS = [
  /\/onnxruntime_src\//,
  /[\\/]_work[\\/]/,
  /^\/mnt\/vss\//,
  /^\/mnt\/azure_nvme_temp\//,
  /^\/__w\//,
  /^\/(?:home|Users)\/runner\//,
  /^\/build\/onnxruntime\//,
  /^[A-Za-z]:\\a\\/,
];
/** An absolute path (POSIX or Windows), for the build-root test above. */
const ABSOLUTE_PATH = /(?:[A-Za-z]:\\|\/)(?:[^\s\\/'"(),:]+[\\/])+[^\s\\/'"(),:]*/g;

/** The index just past the parenthesis that closes the one at `open`, or -1. */
function closing(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return i + 1;
  }
  return -1;
}

/**
 * How much of `rest` is the function a CodeLocation names after "file:line ":
 * a full signature with a qualified name (gcc, clang, emscripten:
 * `void onnxruntime::X::F(const T&, int) const [with T = float]`), or one
 * word (`Compute`, MSVC's `onnxruntime::X::F`). 0 when there is none.
 */
function functionLength(rest: string): number {
  const signature = /^[^()\n]{0,240}?::~?[\w]+(?:<[^()]*>)?\(/.exec(rest);
  if (signature) {
    let end = closing(rest, signature[0].length - 1);
    if (end < 0) return 0;
    end += /^(?:\s*const)?(?:\s*(?:noexcept|&&?))?(?:\s*\[with [^\]]*\])?/.exec(rest.slice(end))![0].length;
    return end;
  }
  return /^[A-Za-z_~][\w:~]*(?=\s|$)/.exec(rest)?.[0].length ?? 0;
}

function withoutSourceLocations(text: string): string {
  let out = '';
  let at = 0;
  for (const m of text.matchAll(SOURCE_AT)) {
    if (m.index < at) continue;
    out += text.slice(at, m.index);
    let end = m.index + m[0].length;
    const spaces = /^\s*/.exec(text.slice(end))![0].length;
    const fn = functionLength(text.slice(end + spaces));
    end += spaces + fn;
    at = end + (/^\s*/.exec(text.slice(end))?.[0].length ?? 0);
  }
  return out + text.slice(at);
}

/** A build agent's path becomes its last part (a library's name says enough); the user's paths stay. */
function withoutBuildPaths(text: string): string {
  return text.replace(ABSOLUTE_PATH, (p) => {
    if (!BUILD_ROOTS.some((r) => r.test(p))) return p;
    const parts = p.split(/[\\/]/).filter(Boolean);
    return parts[parts.length - 1] ?? '';
  });
}

/** What onnxruntime said, as one short line a user can read. */
export function runtimeText(error: unknown): string {
  let text =
    error instanceof Error
      ? error.message
      : typeof error === 'string'
        ? error
        : String(error ?? 'unknown error');
  // Stack text: a JS stack appended to the message, or onnxruntime's own "Stacktrace:".
  text = text.split(/\n\s+at\s|\s*Stacktrace:/)[0];
  text = text
    // eslint-disable-next-line no-control-regex -- the logger's colour codes
    .replace(/\u001b\[[0-9;]*m/g, '')
    .replace(/\[E:onnxruntime:[^\]]*\]\s*/g, '')
    .replace(/Can't create a session\.\s*/g, '')
    .replace(/failed to call OrtRun\(\)\.\s*/g, '')
    .replace(/ERROR_CODE: \d+, ERROR_MESSAGE:\s*/g, '')
    .replace(/\[ONNXRuntimeError\]\s*:\s*\d+\s*:\s*[A-Z_]+\s*:\s*/g, '');
  text = withoutSourceLocations(text);
  text = withoutBuildPaths(text);
  text = text
    // onnxruntime-node's node signature: `In Node, ("name", Op, "domain", -1) : (inputs) -> (outputs) , Error …`
    .replace(
      /(?:This is an invalid model\. )?In Node, \("([^"]*)", ([\w.]+), "[^"]*", -?\d+\) : .*? , Error /g,
      'invalid model: node "$1" ($2): ',
    )
    .replace(
      /Non-zero status code returned while running (\S+) node\. Name:'([^']*)' Status Message:\s*/g,
      "node '$2' ($1): ",
    )
    .replace(/\s+/g, ' ')
    .replace(/\s+([,.:;])/g, '$1')
    .trim();
  if (text === '') text = 'no message';
  if (text.length > RUNTIME_TEXT_MAX) text = `${text.slice(0, RUNTIME_TEXT_MAX - 1).trimEnd()}…`;
  return text;
}

/** One line for a session onnxruntime could not create: the file, the runtime, what it said. */
export function loadErrorLine(file: string, runtime: string, error: unknown): string {
  return `${file} could not be loaded by ${runtime}: ${runtimeText(error)}`;
}

/** One line for a run onnxruntime refused: the file, the inputs it was given, the runtime, what it said. */
export function runErrorLine(file: string, runtime: string, inputs: string, error: unknown): string {
  return `${file} failed in ${runtime} on ${inputs}: ${runtimeText(error)}`;
}

/** Which runtime made a session, for its run errors (set by sessions.ts as it creates one). */
const runtimes = new WeakMap<object, string>();

export function nameSessionRuntime(session: object, runtime: string): void {
  runtimes.set(session, runtime);
}

export function sessionRuntime(session: object): string {
  return runtimes.get(session) ?? 'onnxruntime';
}
