import { statSync } from "node:fs";
import { dirname } from "node:path";
import { WeftError } from "./weft-error.ts";

/** A folder Weft writes to, as the user configured it. */
export interface LocalFolder {
  /** The configured folder, e.g. /home/me/.weft/datastore. */
  root: string;
  /** Where it was configured, e.g. "WEFT_DATASTORE_SYSROOT_LOCAL or --datastore-root". */
  variable: string;
}

/**
 * Throws CONFIG unless `folder.root` can be a folder: it is one, or it does not exist
 * yet and its nearest existing ancestor is a folder. Only stats; creates nothing.
 */
export function checkFolder(folder: LocalFolder): void {
  for (let path = folder.root; ; path = dirname(path)) {
    const stat = safeStat(path);
    if (stat?.isDirectory()) return;
    if (stat) throw notAFolder(folder, path);
    if (dirname(path) === path) return;
  }
}

const READ_ONLY = new Set(["EACCES", "EPERM", "EROFS"]);
const FULL = new Set(["ENOSPC", "EDQUOT"]);
const NOT_A_FOLDER = new Set(["ENOTDIR", "EEXIST"]);

/**
 * The CONFIG WeftError for a failed write under `folder` when the folder is a file,
 * read-only or full; anything else (a bug, a race) is returned unchanged. Exit 2: the
 * user fixes it by pointing the variable elsewhere or making room.
 */
export function folderWriteError(error: unknown, folder: LocalFolder): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === undefined) return error;
  const path = (error as NodeJS.ErrnoException).path ?? folder.root;
  const where = `${folder.root} [${folder.variable}]`;
  const elsewhere = `Set ${folder.variable} to a folder you can write to, e.g. ./.weft`;
  if (NOT_A_FOLDER.has(code)) {
    const file = fileAncestor(path);
    if (file) return notAFolder(folder, file, error);
  }
  if (READ_ONLY.has(code)) {
    return new WeftError("CONFIG", `Cannot write to ${where}: ${path} is read-only or not writable by this user (${code}).`, { hint: `${elsewhere}, or make it writable.`, cause: error });
  }
  if (FULL.has(code)) {
    return new WeftError("CONFIG", `Cannot write to ${where}: the device holding ${path} is full (${code}).`, { hint: `Free space there, or set ${folder.variable} to a folder on another device.`, cause: error });
  }
  return error;
}

function notAFolder(folder: LocalFolder, file: string, cause?: unknown): WeftError {
  const what = file === folder.root ? "is a file, not a folder" : `is inside ${file}, which is a file, not a folder`;
  return new WeftError("CONFIG", `${folder.root} [${folder.variable}] ${what}.`, {
    hint: `Set ${folder.variable} to a folder (it is created if missing), e.g. ./.weft${/DATASTORE/.test(folder.variable) ? "/datastore" : ""}; or move the file away.`,
    ...(cause === undefined ? {} : { cause }),
  });
}

/** The nearest ancestor of `path` (itself included) that exists and is not a folder. */
function fileAncestor(path: string): string | undefined {
  for (let p = path; ; p = dirname(p)) {
    const stat = safeStat(p);
    if (stat) return stat.isDirectory() ? undefined : p;
    if (dirname(p) === p) return undefined;
  }
}

/** The stat of `path`, or undefined when nothing is there (ENOTDIR: a file is further up). */
function safeStat(path: string): ReturnType<typeof statSync> {
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}
