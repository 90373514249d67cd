//! What probing costs and what it survives: big files cost only header reads, oversized
//! metadata is refused before it is read, and thousands of truncated and mutated files (generated
//! and real) give errors, never panics.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use super::fixture_tests::fixture;
use super::tests::find_top_level;
use super::*;
use crate::media::synth::{self, VideoSpec};

#[test]
fn an_oversized_moov_is_refused_before_it_is_read() {
    let mut file = synth::mp4(&VideoSpec {
        moov_first: false,
        ..VideoSpec::default()
    });
    let moov = find_top_level(&file, b"moov");
    file.truncate(moov);
    // A 64-bit moov header claiming 1 GiB, backed by a sparse file.
    let size = 1u64 << 30;
    file.extend(1u32.to_be_bytes());
    file.extend(b"moov");
    file.extend(size.to_be_bytes());
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("huge-moov.mp4");
    let mut f = std::fs::File::create(&path).expect("create");
    f.write_all(&file).expect("write");
    f.set_len(moov as u64 + size).expect("sparse");
    let err = probe_file(&path).map(|_| ()).unwrap_err().to_string();
    assert!(
        err.contains("metadata (`moov` box) is 1073741808 bytes, more than the 67108864"),
        "{err}"
    );
}

/// A reader that counts the bytes it hands out.
pub(super) struct Counting<R> {
    pub inner: R,
    pub bytes: u64,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }
}

impl<R: Seek> Seek for Counting<R> {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(pos)
    }
}

pub(super) fn bytes_read_probing(path: &Path) -> (MediaInfo, u64) {
    let mut reader = Counting {
        inner: std::fs::File::open(path).expect("open"),
        bytes: 0,
    };
    let info = probe_reader(&mut reader).unwrap_or_else(|e| panic!("probe: {e}"));
    (info, reader.bytes)
}

#[test]
fn a_big_jpeg_costs_only_its_headers() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("big.jpg");
    std::fs::write(&path, synth::jpeg_with_orientation(4000, 3000, 6)).expect("write");
    let (info, read) = bytes_read_probing(&path);
    assert_eq!(info.dimensions(), (3000, 4000));
    assert!(read < 1024, "read {read} bytes");
    eprintln!("4000×3000 JPEG: {read} bytes read of {}", info.size_bytes);
}

#[test]
fn a_big_mp4_costs_only_its_box_headers_and_moov() {
    // ftyp, a 64-bit mdat header claiming 50 MB of (sparse) samples, then moov at the end.
    let small = synth::mp4(&VideoSpec {
        moov_first: false,
        ..VideoSpec::default()
    });
    let moov_at = find_top_level(&small, b"moov");
    let moov = &small[moov_at..];
    let ftyp = &small[..find_top_level(&small, b"mdat")];
    let mdat_len: u64 = 50 * 1000 * 1000;
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("big.mp4");
    let mut f = std::fs::File::create(&path).expect("create");
    f.write_all(ftyp).expect("write");
    f.write_all(&1u32.to_be_bytes()).expect("write");
    f.write_all(b"mdat").expect("write");
    f.write_all(&(mdat_len + 16).to_be_bytes()).expect("write");
    f.seek(SeekFrom::Current(mdat_len as i64)).expect("seek");
    f.write_all(moov).expect("write");
    drop(f);
    let (info, read) = bytes_read_probing(&path);
    let v = info.video().expect("a video");
    assert!(!v.moov_before_mdat);
    assert_eq!(v.duration_ms, 10_000);
    // Besides moov: the first 16 bytes, the ftyp brands and three box headers.
    assert!(
        read < moov.len() as u64 + 256,
        "read {read} bytes, moov is {}",
        moov.len()
    );
    eprintln!(
        "{} byte MP4: {read} bytes read (moov {} bytes)",
        info.size_bytes,
        moov.len()
    );
}

/// xorshift64: deterministic, dependency-free randomness for the mutation test.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[test]
fn truncated_and_mutated_files_never_panic() {
    let mut seeds: Vec<Vec<u8>> = vec![
        synth::jpeg_with_orientation(48, 32, 6),
        synth::mpo(16, 16),
        synth::png(20, 10),
        synth::webp(20, 10),
        synth::gif(20, 10),
        synth::heic(64, 48, 1),
        synth::mp4(&VideoSpec {
            duration_ms: 500,
            ..VideoSpec::default()
        }),
        synth::mp4(&VideoSpec {
            duration_ms: 500,
            moov_first: false,
            quicktime: true,
            edit_list: true,
            ..VideoSpec::default()
        }),
    ];
    // Real files bring what the generators do not write: avcC/hvcC, QuickTime atoms, EBML.
    for name in [
        "h264-aac-moov-last.mp4",
        "clip.mov",
        "clip.webm",
        "image.heic",
        "orientation-6.jpg",
    ] {
        seeds.push(std::fs::read(fixture(name)).expect("fixture"));
    }
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let mut probed = 0;
    for seed in &seeds {
        // Every truncation of the first 600 bytes, then a sample of the rest.
        for len in (0..seed.len().min(600)).chain((600..seed.len()).step_by(97)) {
            let _ = probe_bytes(&seed[..len]);
            probed += 1;
        }
        for _ in 0..1500 {
            let mut bytes = seed.clone();
            for _ in 0..1 + rng.below(4) {
                // Half the time near either end, where the metadata of real files is.
                let len = bytes.len();
                let at = match rng.below(4) {
                    0 => rng.below(len.min(4096)),
                    1 => len - 1 - rng.below(len.min(4096)),
                    _ => rng.below(len),
                };
                match rng.below(4) {
                    0 => bytes[at] = rng.next() as u8,
                    1 => bytes[at] = 0xFF,
                    2 => bytes[at] = 0,
                    // A length field gone huge.
                    _ => bytes[at..].iter_mut().take(4).for_each(|b| *b = 0x7F),
                }
            }
            let _ = probe_bytes(&bytes);
            probed += 1;
        }
    }
    assert!(probed > 10_000, "{probed}");
}
