// Folders that hold what one user's processes share on a machine (a storage token, compiled
// code): only this user may have written what is in them.
import { chmodSync, lstatSync, mkdirSync, type Stats } from "node:fs";

const uid = (): number | undefined => process.getuid?.();

/**
 * True when `dir` is a real folder (not a link) owned by this user; `create` makes it
 * (0700) first. Our own folder with access for others is tightened to 0700: a file that
 * another user put there meanwhile is refused by `ownPrivateFile`. False on a platform
 * without user ids (Windows), where nothing is shared this way.
 */
export function privateFolder(dir: string, create: boolean): boolean {
  const me = uid();
  if (me === undefined) return false;
  if (create) mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = lstatSync(dir);
  if (!stat.isDirectory() || stat.uid !== me) return false;
  if ((stat.mode & 0o077) !== 0) chmodSync(dir, 0o700);
  return true;
}

/** True for a regular file of this user's that nobody else may read or write (from `fstat` of the opened file). */
export function ownPrivateFile(stat: Stats): boolean {
  return stat.isFile() && stat.uid === uid() && (stat.mode & 0o077) === 0;
}
