//! What each article file looked like when it was last read: its size, modification time
//! and content hash. A file whose size and time are unchanged is not read again (as git's
//! index does), so a sync of an unchanged corpus is a directory listing and some `stat`
//! calls, in the process that read the files and, through the file kept beside the index,
//! in the next one.
//!
//! The file is a cache, never the truth: an entry counts only when its hash is the one the
//! index's last commit holds for the path, so a file lost, torn or left by an older commit
//! costs a re-read, never a wrong answer. A file modified within [`RACY`] of being read may
//! change again within the file system's clock tick without its time moving, so it is not
//! remembered at all.

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

/// The file beside the index's own files.
pub const SEEN_FILE: &str = "kb-seen.json";

/// How recent a modification time may be before it is not trusted.
pub const RACY: Duration = Duration::from_secs(2);

/// One file as it was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seen {
    /// Modification time: seconds and nanoseconds since the Unix epoch.
    pub modified: (u64, u32),
    pub len: u64,
    /// blake3 of the bytes, hex.
    pub hash: String,
}

impl Seen {
    /// A file of `len` bytes modified at `modified` and read `now` with hash `hash`; `None`
    /// when its time is too recent to be trusted, or before 1970.
    pub fn of(modified: SystemTime, len: u64, hash: &str, now: SystemTime) -> Option<Seen> {
        if now.duration_since(modified).is_ok_and(|age| age < RACY) || modified > now {
            return None;
        }
        let since = modified.duration_since(SystemTime::UNIX_EPOCH).ok()?;
        Some(Seen {
            modified: (since.as_secs(), since.subsec_nanos()),
            len,
            hash: hash.to_owned(),
        })
    }

    /// Whether a file with this modification time and size is, as far as `stat` tells, the
    /// one that was read.
    pub fn matches(&self, modified: SystemTime, len: u64) -> bool {
        modified
            .duration_since(SystemTime::UNIX_EPOCH)
            .is_ok_and(|d| (d.as_secs(), d.subsec_nanos()) == self.modified)
            && len == self.len
    }
}

/// The seen files of one articles folder, as kept on disk.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Kept {
    /// The articles folder (absolute) the paths are relative to.
    root: String,
    files: HashMap<String, Seen>,
}

/// The entries kept in `index_dir` for the articles under `root` (absolute); empty when
/// there are none, they are of another folder, or the file cannot be read.
pub fn load(index_dir: &Path, root: &str) -> HashMap<String, Seen> {
    let Ok(bytes) = std::fs::read(index_dir.join(SEEN_FILE)) else {
        return HashMap::new();
    };
    match serde_json::from_slice::<Kept>(&bytes) {
        Ok(kept) if kept.root == root => kept.files,
        Ok(_) => HashMap::new(),
        Err(e) => {
            tracing::debug!("ignoring {SEEN_FILE}: {e}");
            HashMap::new()
        }
    }
}

/// Keeps `files` in `index_dir` for the next process, replacing the file whole (a new file
/// renamed over it). A failure is logged: the next run then reads the files again.
pub fn save(index_dir: &Path, root: &str, files: &HashMap<String, Seen>) {
    #[derive(Serialize)]
    struct KeptRef<'a> {
        root: &'a str,
        files: &'a HashMap<String, Seen>,
    }
    let tmp = index_dir.join(format!("{SEEN_FILE}.tmp"));
    let written = serde_json::to_vec(&KeptRef { root, files })
        .map_err(std::io::Error::other)
        .and_then(|bytes| std::fs::write(&tmp, bytes))
        .and_then(|()| std::fs::rename(&tmp, index_dir.join(SEEN_FILE)));
    if let Err(e) = written {
        tracing::debug!("keeping {SEEN_FILE} in {}: {e}", index_dir.display());
        let _ = std::fs::remove_file(&tmp);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recent_time_is_not_trusted_and_an_old_one_matches_exactly() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let recent = now - Duration::from_millis(500);
        assert_eq!(Seen::of(recent, 10, "h", now), None);
        assert_eq!(Seen::of(now + Duration::from_secs(5), 10, "h", now), None);
        let old = now - Duration::from_secs(60) + Duration::from_nanos(7);
        let seen = Seen::of(old, 10, "h", now).expect("trusted");
        assert!(seen.matches(old, 10));
        assert!(!seen.matches(old, 11));
        assert!(!seen.matches(old + Duration::from_nanos(1), 10));
    }

    #[test]
    fn kept_entries_come_back_for_their_folder_only() {
        let dir = tempfile::TempDir::new().expect("a folder");
        let now = SystemTime::now();
        let mut files = HashMap::new();
        let seen = Seen::of(now - Duration::from_secs(10), 3, "abc", now).expect("trusted");
        files.insert("a.md".to_owned(), seen.clone());
        save(dir.path(), "/articles", &files);
        assert_eq!(load(dir.path(), "/articles").get("a.md"), Some(&seen));
        assert!(load(dir.path(), "/other").is_empty());
        std::fs::write(dir.path().join(SEEN_FILE), b"{ torn").expect("write");
        assert!(load(dir.path(), "/articles").is_empty());
    }
}
