//! The remuxer on real ffmpeg files (`tests/fixtures/media/`, see its README) and on
//! hand-built boxes: `moov` first, no `elst`, identical samples, and the reel rules pass.

use std::io::Cursor;
use std::path::Path;

use sha2::{Digest, Sha256};

use super::*;
use crate::diag::{Diagnostics, SourceId, Span};
use crate::manifest::MediaRef;
use crate::media::synth::{self, VideoSpec};
use crate::media::{MediaInfo, probe_bytes};
use crate::rules::MediaItem;
use crate::rules::limits::{VideoLimits, check_video};
use crate::yaml::Sp;

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/media")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn run(input: &[u8]) -> Result<(Vec<u8>, Report), RemuxError> {
    let mut out = Vec::new();
    let report = remux(&mut Cursor::new(input), input.len() as u64, &mut out)?;
    Ok((out, report))
}

fn inspect_bytes(bytes: &[u8]) -> Inspection {
    inspect(&mut Cursor::new(bytes), bytes.len() as u64).expect("inspect")
}

fn tracks(bytes: &[u8]) -> Vec<samples::TrackSamples> {
    samples::read(&mut Cursor::new(bytes), bytes.len() as u64).expect("sample tables")
}

fn sample_hashes(bytes: &[u8], track: &samples::TrackSamples) -> Vec<[u8; 32]> {
    track
        .samples
        .iter()
        .map(|&(at, size)| {
            let at = at as usize;
            let sample = bytes
                .get(at..at + size as usize)
                .expect("sample inside the file");
            Sha256::digest(sample).into()
        })
        .collect()
}

/// Composition offsets of a `ctts` body, one per entry.
fn ctts_offsets(body: &[u8]) -> Vec<(u32, i32)> {
    body[8..]
        .chunks_exact(8)
        .map(|e| {
            let n = u32::from_be_bytes([e[0], e[1], e[2], e[3]]);
            (n, i32::from_be_bytes([e[4], e[5], e[6], e[7]]))
        })
        .collect()
}

/// Per-sample durations of an `stts` body.
fn durations(stts: &[u8]) -> Vec<u32> {
    stts[8..]
        .chunks_exact(8)
        .flat_map(|e| {
            let n = u32::from_be_bytes([e[0], e[1], e[2], e[3]]);
            let delta = u32::from_be_bytes([e[4], e[5], e[6], e[7]]);
            std::iter::repeat_n(delta, n as usize)
        })
        .collect()
}

/// How one track's timing moved: composition offsets earlier, first sample longer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Moved {
    earlier: i32,
    later: u32,
}

/// Checks everything a remux promises, and returns how each track's timing moved.
fn assert_same_samples(input: &[u8], output: &[u8]) -> Vec<Moved> {
    let (before, after) = (tracks(input), tracks(output));
    assert_eq!(before.len(), after.len(), "track count");
    let mut moves = Vec::new();
    for (i, (b, a)) in before.iter().zip(&after).enumerate() {
        assert!(!b.samples.is_empty(), "track {i} has samples");
        assert_eq!(b.samples.len(), a.samples.len(), "track {i} sample count");
        let sizes = |t: &samples::TrackSamples| t.samples.iter().map(|s| s.1).collect::<Vec<_>>();
        assert_eq!(sizes(b), sizes(a), "track {i} sample sizes");
        assert!(
            sample_hashes(input, b) == sample_hashes(output, a),
            "track {i} sample bytes"
        );
        let table = |t: &samples::TrackSamples, kind: &[u8; 4]| {
            t.tables
                .iter()
                .find(|(k, _)| k == kind)
                .map(|(_, body)| body.clone())
        };
        let kinds = |t: &samples::TrackSamples| {
            t.tables
                .iter()
                .map(|(k, _)| *k)
                .filter(|k| k != b"co64" && k != b"stco")
                .collect::<Vec<_>>()
        };
        assert_eq!(kinds(b), kinds(a), "track {i}: the same tables");
        for kind in kinds(b).iter().filter(|&k| k != b"stts" && k != b"ctts") {
            assert!(
                table(b, kind) == table(a, kind),
                "track {i}: `{}` unchanged",
                String::from_utf8_lossy(kind)
            );
        }
        let (old, new) = (
            durations(&table(b, b"stts").expect("stts")),
            durations(&table(a, b"stts").expect("stts")),
        );
        assert_eq!(
            old[1..],
            new[1..],
            "track {i}: decode times unchanged after the first sample"
        );
        let later = new[0] - old[0];
        let earlier = match (table(b, b"ctts"), table(a, b"ctts")) {
            (Some(old), Some(new)) => {
                let (old, new) = (ctts_offsets(&old), ctts_offsets(&new));
                assert_eq!(old.len(), new.len());
                let by = old[0].1 - new[0].1;
                for ((n0, o0), (n1, o1)) in old.iter().zip(&new) {
                    assert_eq!(
                        (n0, o0 - by),
                        (n1, *o1),
                        "track {i}: ctts moved by a constant"
                    );
                    assert!(*o1 >= 0, "track {i}: offsets stay non-negative");
                }
                by
            }
            (None, None) => 0,
            other => panic!("track {i}: ctts appeared or vanished: {other:?}"),
        };
        moves.push(Moved { earlier, later });
    }
    moves
}

fn no_problems(limits: &VideoLimits, info: &MediaInfo) -> Vec<String> {
    let reference = MediaRef {
        file: Sp::new("reel.mp4".to_owned(), Span::new(SourceId::FIRST, 0, 0)),
        alt: None,
        span: Span::new(SourceId::FIRST, 0, 0),
    };
    let item = MediaItem {
        reference: &reference,
        info: Some(info),
    };
    let mut diags = Diagnostics::new();
    check_video(limits, &item, &mut diags);
    diags
        .iter()
        .map(|d| format!("{}: {}", d.code, d.message))
        .collect()
}

#[test]
fn ffmpeg_reels_come_out_fast_start_without_edit_lists_and_with_the_same_samples() {
    let moved = |earlier, later| Moved { earlier, later };
    let cases = [
        // 30 fps, B-frames: 2 frames (1024/15360) of delay, smallest offset 1 frame; AAC
        // 48 kHz with 1024 samples of priming. Video 1 frame earlier, audio 12 ms later.
        (
            "reel-edit-list-moov-last.mp4",
            true,
            [moved(512, 0), moved(0, 576)],
        ),
        // 25 fps, B-pyramid: 2 frames (1024/12800) of delay, smallest offset 0; AAC 44.1 kHz.
        // The video cannot move, the audio waits 56.8 ms (2504 samples), as ffmpeg
        // -use_editlist 0 writes it.
        ("reel-edit-list.mov", false, [moved(0, 0), moved(0, 2504)]),
    ];
    for (name, moved_moov, want_moves) in cases {
        let input = fixture(name);
        let before = inspect_bytes(&input);
        assert!(
            before.has_edit_lists && before.needs_remux(),
            "{name}: {before:?}"
        );
        assert_eq!(before.moov_before_mdat, !moved_moov, "{name}");
        let (output, report) = run(&input).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            report,
            Report {
                dropped_edit_lists: true,
                moved_moov,
                widened_offsets: false
            },
            "{name}"
        );
        let after = inspect_bytes(&output);
        assert!(
            after.moov_before_mdat && !after.has_edit_lists,
            "{name}: {after:?}"
        );
        assert!(
            !output.windows(4).any(|w| w == b"edts" || w == b"elst"),
            "{name}: no edit box left"
        );
        let moves = assert_same_samples(&input, &output);
        assert_eq!(moves, want_moves, "{name}");

        let info = probe_bytes(&output).expect("probe");
        let video = info.video().expect("a video");
        assert!(
            video.duration_ms >= 3_200,
            "{name}: {} ms",
            video.duration_ms
        );
        assert_eq!(info.format, probe_bytes(&input).expect("probe").format);
        for limits in [
            &crate::rules::instagram::LIMITS.reel,
            &crate::rules::instagram::LIMITS.story_video,
            &crate::rules::threads::LIMITS.video,
        ] {
            assert_eq!(
                no_problems(limits, &info),
                Vec::<String>::new(),
                "{name}: {}",
                limits.what
            );
        }
        assert!(
            !no_problems(
                &crate::rules::instagram::LIMITS.reel,
                &probe_bytes(&input).expect("probe")
            )
            .is_empty()
        );
    }
}

#[test]
fn a_fast_start_file_without_edit_lists_needs_nothing() {
    let input = fixture("h264-aac-faststart.mp4");
    assert!(!inspect_bytes(&input).needs_remux());
    // Remuxing it anyway changes nothing that matters.
    let (output, report) = run(&input).expect("remux");
    assert_eq!(report, Report::default());
    assert_eq!(output, input, "same boxes in the same order, same headers");
}

#[test]
fn synthetic_moov_last_with_edit_list_is_fixed() {
    let input = synth::mp4(&VideoSpec {
        moov_first: false,
        edit_list: true,
        quicktime: true,
        ..VideoSpec::default()
    });
    let (output, report) = run(&input).expect("remux");
    assert!(report.moved_moov && report.dropped_edit_lists);
    assert_same_samples(&input, &output);
    let info = probe_bytes(&output).expect("probe");
    let video = info.video().expect("video");
    assert!(video.moov_before_mdat && !video.has_edit_list);
    // The movie now lasts as long as its longest track: the AAC frames run 5 ms past 10 s.
    assert_eq!(video.duration_ms, 10_006);
}

#[test]
fn fragmented_files_are_refused_with_advice() {
    let mut input = synth::mp4(&VideoSpec {
        edit_list: true,
        ..VideoSpec::default()
    });
    input.extend([0, 0, 0, 16]);
    input.extend(b"moof");
    input.extend([0; 8]);
    assert!(inspect_bytes(&input).fragmented);
    let err = run(&input).map(|_| ()).unwrap_err();
    assert!(matches!(err, RemuxError::Fragmented), "{err}");
    assert!(err.to_string().contains("-movflags +faststart"), "{err}");
}

#[test]
fn damaged_files_give_errors_not_panics() {
    let input = fixture("reel-edit-list-moov-last.mp4");
    for cut in [0, 7, 30, input.len() / 2, input.len() - 1] {
        assert!(run(&input[..cut]).is_err(), "cut at {cut}");
    }
    // Flip bytes all over the moov: any result but a panic will do.
    let moov = input.windows(4).position(|w| w == b"moov").expect("moov");
    for i in (moov..input.len()).step_by(7) {
        let mut bad = input.clone();
        bad[i] ^= 0xA5;
        let _ = run(&bad);
    }
}

/// Offsets just under 4 GiB cross it once `moov` moves in front of them: the 32-bit table
/// becomes a `co64`, planned without writing a 4 GiB file.
#[test]
fn offsets_past_4_gib_switch_stco_to_co64() {
    let small = synth::mp4(&VideoSpec {
        duration_ms: 1_000,
        moov_first: false,
        ..VideoSpec::default()
    });
    let src_boxes = layout::scan(&mut Cursor::new(&small), small.len() as u64).expect("scan");
    let [ftyp, mdat, moov_box] = [src_boxes[0], src_boxes[1], src_boxes[2]];
    // A filler `free` box pushes a copy of the samples to just under 4 GiB.
    let samples_at: u64 = (1 << 32) - 400;
    let filler_at = ftyp.body_at + ftyp.body_len;
    let filler = TopBox {
        kind: *b"free",
        body_at: filler_at + 8,
        body_len: samples_at - 8 - (filler_at + 8),
    };
    let far_mdat = TopBox {
        kind: *b"mdat",
        body_at: samples_at,
        body_len: mdat.body_len,
    };
    let moov_body = &small[moov_box.body_at as usize..];
    let mut moov = Node::parse(*b"moov", moov_body).expect("parse");
    let mut old = Vec::new();
    for (_, offsets) in moov.chunk_tables_mut() {
        for o in offsets.iter_mut() {
            *o = *o - mdat.body_at + samples_at;
            old.push(*o);
        }
    }
    assert!(old.iter().all(|&o| o < 1 << 32));
    let mut body = Vec::new();
    moov.write(&mut body);
    let moved_moov = TopBox {
        kind: *b"moov",
        body_at: samples_at + far_mdat.body_len + 8,
        body_len: body.len() as u64 - 8,
    };
    let boxes = [ftyp, filler, far_mdat, moved_moov];
    let (order, new_moov, report) = plan(&boxes, &body[8..]).expect("plan");
    assert!(report.widened_offsets);
    assert_eq!(order[1], Piece::Moov);
    let mut parsed = Node::parse(*b"moov", &new_moov[8..]).expect("parse new moov");
    let mut new = Vec::new();
    for (wide, offsets) in parsed.chunk_tables_mut() {
        assert!(*wide, "every table crossed 4 GiB");
        new.extend(offsets.iter().copied());
    }
    let grown = new_moov.len() as u64;
    assert_eq!(new, old.iter().map(|o| o + grown).collect::<Vec<_>>());
    assert!(new.iter().all(|&o| o > 1 << 32));
}
