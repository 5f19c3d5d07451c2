// A pack folder from the user's disk, picked with the folder input or dropped on the page, as
// the worker reads it: the folder's name and its files by their path inside it.
import type { PackFolder } from '../workers/protocol';

/** The files of a picked folder (each File's path starts with the folder's name). */
export function folderFromPicker(files: File[]): PackFolder {
  const name = files[0]?.webkitRelativePath.split('/')[0] || 'pack';
  const inFolder = (f: File) => f.webkitRelativePath.split('/').slice(1).join('/') || f.name;
  return { name, files: Object.fromEntries(files.map((f) => [inFolder(f), f])) };
}

/** Every entry of a directory (a reader hands them out in batches until an empty one). */
async function entriesOf(dir: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = dir.createReader();
  const all: FileSystemEntry[] = [];
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (!batch.length) return all;
    all.push(...batch);
  }
}

/** A folder dropped on the page, read recursively. */
export async function folderFromDrop(dir: FileSystemDirectoryEntry): Promise<PackFolder> {
  const files: Record<string, File> = {};
  const walk = async (entry: FileSystemDirectoryEntry, prefix: string) => {
    for (const child of await entriesOf(entry)) {
      if (child.isDirectory) await walk(child as FileSystemDirectoryEntry, `${prefix}${child.name}/`);
      else
        files[`${prefix}${child.name}`] = await new Promise<File>((resolve, reject) =>
          (child as FileSystemFileEntry).file(resolve, reject),
        );
    }
  };
  await walk(dir, '');
  return { name: dir.name, files };
}

/** The directory among dropped items, if one was dropped. */
export function droppedDirectory(data: DataTransfer | null): FileSystemDirectoryEntry | null {
  for (const item of Array.from(data?.items ?? [])) {
    const entry = item.webkitGetAsEntry?.();
    if (entry?.isDirectory) return entry as FileSystemDirectoryEntry;
  }
  return null;
}
