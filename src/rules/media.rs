//! Resolving media paths and probing the files, each file once however many posts use it.
//! Its codes are the `media::` ones of [`crate::diag::Code`].

use std::collections::HashMap;
use std::path::Path;

use crate::diag::{Code, Diagnostic, Diagnostics, suggest};
use crate::manifest::{Calendar, MediaRef};
use crate::media::path::{MediaPathError, MediaRoot, normalize};
use crate::media::{MediaFormat, MediaInfo, ProbeError, probe_reader};
use crate::regular_file::Kind;

/// What became of one media path.
#[derive(Debug)]
enum Entry {
    Probed(MediaInfo),
    Failed(Problem),
}

#[derive(Debug, Clone)]
enum Problem {
    Escapes(&'static str),
    NotFound {
        suggestion: Option<String>,
    },
    NotAFile(Kind),
    Unreadable(String),
    Unrecognized(String),
    /// A video container without a video track (an audio-only MP4): no platform takes it.
    NoVideoTrack,
}

/// Probed media by normalised path (relative to the calendar root).
#[derive(Debug, Default)]
pub struct MediaCatalog {
    entries: HashMap<String, Entry>,
    root: Option<MediaRoot>,
    /// How many files were actually probed (for tests and benchmarks: once per file).
    probes: usize,
}

impl MediaCatalog {
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of distinct files probed so far.
    pub fn probes(&self) -> usize {
        self.probes
    }

    /// What probing found for this reference, if the file was resolved and probed.
    pub fn get(&self, reference: &MediaRef) -> Option<&MediaInfo> {
        let key = normalize(&reference.file).ok()?;
        match self.entries.get(&key)? {
            Entry::Probed(info) => Some(info),
            Entry::Failed(_) => None,
        }
    }

    /// What probing found for a path written outside a media list (see [`Self::resolve_path`]).
    pub fn get_path(&self, path: &str) -> Option<&MediaInfo> {
        match self.entries.get(&normalize(path).ok()?)? {
            Entry::Probed(info) => Some(info),
            Entry::Failed(_) => None,
        }
    }

    /// Probes a path written in a manifest (relative to the calendar root), for media named
    /// outside `media:` lists (an Instagram reel `cover`). Reports problems at `span`.
    pub fn resolve_path(
        &mut self,
        calendar: &Calendar,
        path: &crate::yaml::Sp<String>,
        diags: &mut Diagnostics,
    ) {
        let reference = MediaRef {
            file: path.clone(),
            alt: None,
            span: path.span,
        };
        self.resolve(calendar, &reference, diags);
    }

    /// Resolves and probes the file of `reference` (once per file), reporting at the reference
    /// every problem that makes it unusable.
    pub fn resolve(&mut self, calendar: &Calendar, reference: &MediaRef, diags: &mut Diagnostics) {
        let written = reference.file.value.as_str();
        let key = match normalize(written) {
            Ok(key) => key,
            Err(why) => {
                diags.push(problem_diagnostic(
                    written,
                    &Problem::Escapes(why),
                    reference,
                ));
                return;
            }
        };
        if !self.entries.contains_key(&key) {
            let entry = self.probe(calendar, &key);
            if let Entry::Probed(info) = &entry
                && let Some(d) = extension_mismatch(written, info, reference)
            {
                diags.push(d);
            }
            self.entries.insert(key.clone(), entry);
        }
        if let Some(Entry::Failed(problem)) = self.entries.get(&key) {
            diags.push(problem_diagnostic(written, problem, reference));
        }
    }

    fn probe(&mut self, calendar: &Calendar, key: &str) -> Entry {
        let root = self
            .root
            .get_or_insert_with(|| MediaRoot::new(&calendar.root));
        let file = match root.open(key) {
            Ok(file) => file,
            Err(e) => {
                return Entry::Failed(match e {
                    MediaPathError::Invalid(why) => Problem::Escapes(why),
                    MediaPathError::Escapes => {
                        Problem::Escapes("it is a symlink to a file outside the calendar")
                    }
                    MediaPathError::NotFound => Problem::NotFound {
                        suggestion: nearby_file(&calendar.root, key),
                    },
                    MediaPathError::NotAFile(kind) => Problem::NotAFile(kind),
                    MediaPathError::Unreadable(e) => Problem::Unreadable(e),
                });
            }
        };
        self.probes += 1;
        match probe_reader(file.into_file()) {
            Ok(info) if info.video().is_some_and(|v| v.codec.is_none()) => {
                Entry::Failed(Problem::NoVideoTrack)
            }
            Ok(info) => Entry::Probed(info),
            Err(ProbeError::Io(e)) => Entry::Failed(Problem::Unreadable(e.to_string())),
            Err(e) => Entry::Failed(Problem::Unrecognized(e.to_string())),
        }
    }
}

/// The file in the same directory whose name is closest to the missing one.
/// The file the manifest probably meant, written as the manifest must write it (from the
/// calendar root): the same name with another extension first (`photo.webp` for a missing
/// `photo.jpg`), else the closest name in the same folder.
fn nearby_file(root: &Path, key: &str) -> Option<String> {
    let (folder, name) = match key.rsplit_once('/') {
        Some((folder, name)) => (Some(folder), name),
        None => (None, key),
    };
    let names: Vec<String> = std::fs::read_dir(root.join(folder.unwrap_or(".")))
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    let stem = |n: &str| n.rsplit_once('.').map_or(n, |(stem, _)| stem).to_owned();
    let near = names
        .iter()
        .find(|n| n.as_str() != name && stem(n) == stem(name))
        .map(String::as_str)
        .or_else(|| suggest::closest(name, names.iter().map(String::as_str)))?;
    Some(match folder {
        Some(folder) => format!("{folder}/{near}"),
        None => near.to_owned(),
    })
}

fn problem_diagnostic(written: &str, problem: &Problem, reference: &MediaRef) -> Diagnostic {
    let span = reference.file.span;
    match problem {
        Problem::Escapes(why) => Diagnostic::error(
            Code::MediaPathEscapesRoot,
            format!("media path `{written}` is not inside the calendar: {why}"),
        )
        .at(span, "outside the calendar")
        .help("media paths are relative to the calendar root, e.g. `media/photo.jpg`; copy the file into the calendar"),
        Problem::NotFound { suggestion } => {
            let d = Diagnostic::error(Code::MediaNotFound, format!("media file `{written}` does not exist"))
                .at(span, "no such file");
            match suggestion {
                Some(near) => d.help(format!("did you mean `{near}`? (paths are relative to the calendar root)")),
                None => d.help("check the path; it is relative to the calendar root, e.g. `media/photo.jpg`"),
            }
        }
        Problem::NotAFile(kind) => Diagnostic::error(Code::MediaNotAFile, format!("media path `{written}` is {}, not a file", kind.describe()))
            .at(span, kind.describe())
            .help("name an image or video file"),
        Problem::Unreadable(e) => Diagnostic::error(Code::MediaUnreadable, format!("cannot read media file `{written}`: {e}"))
            .at(span, "unreadable")
            .help("check the path, and the permissions of the file and its directories"),
        Problem::Unrecognized(e) => Diagnostic::error(
            Code::MediaUnrecognized,
            format!("media file `{written}` is not an image or video postcal can read: {e}"),
        )
        .at(span, "not a usable image or video")
        .help("use a JPEG, PNG or WebP image, or an MP4/MOV video"),
        Problem::NoVideoTrack => Diagnostic::error(
            Code::MediaNoVideoTrack,
            format!("media file `{written}` is a video container with no video track"),
        )
        .at(span, "no video track")
        .help("export the video again with its picture; for audio alone, no platform here accepts it"),
    }
}

/// A warning when the extension says one format and the content another.
fn extension_mismatch(written: &str, info: &MediaInfo, reference: &MediaRef) -> Option<Diagnostic> {
    let ext = Path::new(written)
        .extension()?
        .to_str()?
        .to_ascii_lowercase();
    let claimed: &[MediaFormat] = match ext.as_str() {
        "jpg" | "jpeg" => &[MediaFormat::Jpeg, MediaFormat::Mpo],
        "png" => &[MediaFormat::Png],
        "webp" => &[MediaFormat::Webp],
        "gif" => &[MediaFormat::Gif],
        "heic" | "heif" => &[MediaFormat::Heif],
        "tif" | "tiff" => &[MediaFormat::Tiff],
        "mp4" | "m4v" => &[MediaFormat::Mp4, MediaFormat::Mov],
        "mov" => &[MediaFormat::Mov, MediaFormat::Mp4],
        "webm" => &[MediaFormat::Webm],
        _ => return None,
    };
    if claimed.contains(&info.format) {
        return None;
    }
    Some(
        Diagnostic::warning(
            Code::MediaExtensionMismatch,
            format!(
                "`{written}` is named .{ext} but is really {}",
                info.format.name()
            ),
        )
        .at(
            reference.file.span,
            format!("actually {}", info.format.name()),
        )
        .help("postcal goes by the content; rename the file so its extension says what it is"),
    )
}
