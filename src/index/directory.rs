//! The directories an index is opened through: tantivy's mmap directory, made to work on a
//! read-only volume ([`ReadDirectory`]) and to reach the disk once per commit
//! ([`WriteDirectory`]).
//!
//! An index may be shipped read-only (a container image, a read-only mount). tantivy's reader
//! takes its meta lock by opening `.tantivy-meta.lock` for writing, which fails there, and every
//! search failed with it. The lock keeps a reader from loading `meta.json` while a writer's
//! garbage collection deletes files; on a volume nobody can write, there is no such writer, so
//! a lock that could not be taken for that reason is granted without a file.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tantivy::directory::error::{DeleteError, LockError, OpenReadError, OpenWriteError};
use tantivy::directory::{
    AntiCallToken, Directory, DirectoryLock, FileHandle, Lock, MmapDirectory, TerminatingWrite,
    WatchCallback, WatchHandle, WritePtr,
};

/// [`MmapDirectory`] whose locks are granted on a read-only file system.
#[derive(Debug, Clone)]
pub struct ReadDirectory {
    inner: MmapDirectory,
}

impl ReadDirectory {
    /// Opens `dir`.
    pub fn open(
        dir: &Path,
    ) -> Result<ReadDirectory, tantivy::directory::error::OpenDirectoryError> {
        Ok(ReadDirectory {
            inner: MmapDirectory::open(dir)?,
        })
    }
}

/// True for the errors of a file that cannot be created because nothing here can be written.
pub fn is_read_only(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::ReadOnlyFilesystem | std::io::ErrorKind::PermissionDenied
    )
}

impl Directory for ReadDirectory {
    fn get_file_handle(&self, path: &Path) -> Result<Arc<dyn FileHandle>, OpenReadError> {
        self.inner.get_file_handle(path)
    }

    fn delete(&self, path: &Path) -> Result<(), DeleteError> {
        self.inner.delete(path)
    }

    fn exists(&self, path: &Path) -> Result<bool, OpenReadError> {
        self.inner.exists(path)
    }

    fn open_write(&self, path: &Path) -> Result<WritePtr, OpenWriteError> {
        self.inner.open_write(path)
    }

    fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, OpenReadError> {
        self.inner.atomic_read(path)
    }

    fn atomic_write(&self, path: &Path, data: &[u8]) -> std::io::Result<()> {
        self.inner.atomic_write(path, data)
    }

    fn sync_directory(&self) -> std::io::Result<()> {
        self.inner.sync_directory()
    }

    fn acquire_lock(&self, lock: &Lock) -> Result<DirectoryLock, LockError> {
        match self.inner.acquire_lock(lock) {
            Err(LockError::IoError(e)) if is_read_only(&e) => {
                tracing::debug!(
                    "{}: {e}; read-only index, no lock needed",
                    lock.filepath.display()
                );
                Ok(DirectoryLock::from(Box::new(())))
            }
            other => other,
        }
    }

    fn watch(&self, watch_callback: WatchCallback) -> tantivy::Result<WatchHandle> {
        self.inner.watch(watch_callback)
    }
}

/// The commit file: the one write that makes everything before it part of the index.
const META: &str = "meta.json";

/// The writer's directory: like [`ReadDirectory`], but files reach the disk once per commit
/// rather than one by one.
///
/// tantivy's mmap directory syncs every file it finishes and every `.managed.json` update:
/// 34 `fdatasync` calls for a one-article commit, 0.15 s of its 0.25 s on this machine's disk,
/// which is most of the time a watched change takes to become searchable. Here segment files
/// and `.managed.json` are written without syncing, and the write of `meta.json` first
/// flushes the whole file system (`syncfs`, one call) and then writes itself as tantivy does
/// (synced temporary file, rename, synced folder). A commit still names only files that are
/// on disk, so a power cut leaves the previous commit or this one, as before; a killed process
/// loses nothing either way (the page cache outlives it).
#[derive(Debug, Clone)]
pub struct WriteDirectory {
    inner: ReadDirectory,
    root: PathBuf,
}

impl WriteDirectory {
    /// Opens `dir`.
    pub fn open(
        dir: &Path,
    ) -> Result<WriteDirectory, tantivy::directory::error::OpenDirectoryError> {
        Ok(WriteDirectory {
            inner: ReadDirectory::open(dir)?,
            root: dir.to_owned(),
        })
    }

    /// Makes every write so far durable.
    fn flush_file_system(&self) -> std::io::Result<()> {
        let dir = File::open(&self.root)?;
        #[cfg(target_os = "linux")]
        rustix::fs::syncfs(&dir)?;
        #[cfg(not(target_os = "linux"))]
        {
            // No per-file-system flush elsewhere: a global one.
            drop(dir);
            rustix::fs::sync();
        }
        Ok(())
    }
}

/// A file written without syncing; [`WriteDirectory`] syncs before the commit.
struct UnsyncedFile(File);

impl Write for UnsyncedFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

impl TerminatingWrite for UnsyncedFile {
    fn terminate_ref(&mut self, _: AntiCallToken) -> std::io::Result<()> {
        self.0.flush()?;
        super::failpoint::hit_in_merge();
        Ok(())
    }
}

impl Directory for WriteDirectory {
    fn get_file_handle(&self, path: &Path) -> Result<Arc<dyn FileHandle>, OpenReadError> {
        self.inner.get_file_handle(path)
    }

    fn delete(&self, path: &Path) -> Result<(), DeleteError> {
        self.inner.delete(path)?;
        // tantivy deletes only in its garbage collection.
        super::failpoint::hit("gc");
        Ok(())
    }

    fn exists(&self, path: &Path) -> Result<bool, OpenReadError> {
        self.inner.exists(path)
    }

    fn open_write(&self, path: &Path) -> Result<WritePtr, OpenWriteError> {
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(self.root.join(path))
            .map_err(|e| {
                if e.kind() == std::io::ErrorKind::AlreadyExists {
                    OpenWriteError::FileAlreadyExists(path.to_owned())
                } else {
                    OpenWriteError::wrap_io_error(e, path.to_owned())
                }
            })?;
        Ok(BufWriter::new(Box::new(UnsyncedFile(file))))
    }

    fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, OpenReadError> {
        self.inner.atomic_read(path)
    }

    fn atomic_write(&self, path: &Path, data: &[u8]) -> std::io::Result<()> {
        if path == Path::new(META) {
            self.flush_file_system()?;
            super::failpoint::hit("before-meta");
            self.inner.atomic_write(path, data)?;
            super::failpoint::hit("after-meta");
            return Ok(());
        }
        // One writer at a time holds the index, so a fixed temporary name cannot clash.
        let name = path
            .file_name()
            .map_or_else(Default::default, |n| n.to_string_lossy());
        let temporary = self.root.join(format!(".{name}.kb-tmp"));
        std::fs::write(&temporary, data)?;
        std::fs::rename(&temporary, self.root.join(path))
    }

    fn sync_directory(&self) -> std::io::Result<()> {
        // Done with the next commit: see the type's documentation.
        Ok(())
    }

    fn acquire_lock(&self, lock: &Lock) -> Result<DirectoryLock, LockError> {
        self.inner.acquire_lock(lock)
    }

    fn watch(&self, watch_callback: WatchCallback) -> tantivy::Result<WatchHandle> {
        self.inner.watch(watch_callback)
    }
}
