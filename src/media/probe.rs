//! Probing media by content. (Placeholder signature; the real implementation lands with the
//! media-probe work: JPEG/PNG/WebP headers with EXIF orientation, MP4/MOV boxes.)

use std::path::Path;

use super::MediaInfo;

/// Why a file could not be probed.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("cannot read the file: {0}")]
    Io(#[from] std::io::Error),
    #[error("not a supported image or video (the first bytes match no known format)")]
    Unrecognized,
    #[error("the file looks like {format} but its header is damaged: {reason}")]
    Corrupt {
        format: &'static str,
        reason: String,
    },
}

/// Probes a file on disk, reading headers only.
pub fn probe_file(path: &Path) -> Result<MediaInfo, ProbeError> {
    let bytes = std::fs::read(path)?;
    probe_bytes(&bytes)
}

/// Probes media held in memory (the sandbox judges downloaded bytes this way).
pub fn probe_bytes(_bytes: &[u8]) -> Result<MediaInfo, ProbeError> {
    Err(ProbeError::Unrecognized)
}
