//! The directory readers open: tantivy's mmap directory, made to work on a read-only volume.
//!
//! An index may be shipped read-only (a container image, a read-only mount). tantivy's reader
//! takes its meta lock by opening `.tantivy-meta.lock` for writing, which fails there, and every
//! search failed with it. The lock keeps a reader from loading `meta.json` while a writer's
//! garbage collection deletes files; on a volume nobody can write, there is no such writer, so
//! a lock that could not be taken for that reason is granted without a file.

use std::path::Path;
use std::sync::Arc;

use tantivy::directory::error::{DeleteError, LockError, OpenReadError, OpenWriteError};
use tantivy::directory::{
    Directory, DirectoryLock, FileHandle, Lock, MmapDirectory, WatchCallback, WatchHandle, WritePtr,
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
