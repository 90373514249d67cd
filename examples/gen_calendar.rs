//! Generates large calendars for benchmarking `postcal validate` (and `plan`).
//!
//! ```text
//! cargo run --release --example gen_calendar -- DIR --posts 10000
//! cargo run --release --example gen_calendar -- DIR --posts 1000 --large-jpegs
//! cargo run --release --example gen_calendar -- DIR --posts 10000 --records
//! ```
//!
//! `--posts N` writes N text-only manifests (Threads + Facebook targets, varied text lengths,
//! hashtags and links, a few repeating). `--large-jpegs` instead makes every post an Instagram
//! feed post with its own 4000×3000 JPEG: one real, noisy (so realistically large) JPEG is
//! written once and hard-linked under N names (copied if the file system refuses links), so
//! each post has a distinct path that postcal must open and probe.
//!
//! `--records` also writes a state store (`DIR/.postcal`) with as many records as posts: the
//! slots of the first posts are recorded as published from their current content (the plan
//! finds nothing to do for them), and the rest of the records belong to posts whose manifests
//! no longer exist (orphans). So `postcal plan DIR` compares N posts against N records.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut dir: Option<PathBuf> = None;
    let mut posts = 10_000usize;
    let mut large_jpegs = false;
    let mut records = false;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--posts" => match args.next().and_then(|n| n.parse().ok()) {
                Some(n) => posts = n,
                None => return usage("--posts takes a number"),
            },
            "--large-jpegs" => large_jpegs = true,
            "--records" => records = true,
            "-h" | "--help" => return usage(""),
            other if dir.is_none() && !other.starts_with('-') => dir = Some(other.into()),
            other => return usage(&format!("unexpected argument `{other}`")),
        }
    }
    let Some(dir) = dir else {
        return usage("give the directory to create");
    };
    let result = generate(&dir, posts, large_jpegs).and_then(|()| {
        if records {
            write_records(&dir, posts)
        } else {
            Ok(0)
        }
    });
    match result {
        Ok(records) => {
            println!(
                "wrote {posts} posts and {records} records to {}",
                dir.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn usage(problem: &str) -> ExitCode {
    if !problem.is_empty() {
        eprintln!("error: {problem}");
    }
    eprintln!("usage: gen_calendar DIR [--posts N] [--large-jpegs] [--records]");
    if problem.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(64)
    }
}

fn generate(dir: &Path, posts: usize, large_jpegs: bool) -> std::io::Result<()> {
    if dir.join("postcal.yaml").exists() {
        return Err(std::io::Error::other(format!(
            "{} already holds a calendar",
            dir.display()
        )));
    }
    std::fs::create_dir_all(dir.join("posts"))?;
    std::fs::create_dir_all(dir.join("media"))?;
    std::fs::write(
        dir.join("postcal.yaml"),
        "timezone: Europe/Berlin\n\
         accounts:\n  \
           instagram/bench: { id: \"17841400000000000\" }\n  \
           threads/bench: { id: \"17841400000000001\" }\n  \
           facebook/bench-page: { id: \"100000000000000\" }\n",
    )?;
    let source_jpeg = dir.join("media/source-4000x3000.jpg");
    if large_jpegs {
        std::fs::write(&source_jpeg, noisy_jpeg(4000, 3000)?)?;
    }
    let start = chrono::NaiveDate::from_ymd_opt(2027, 1, 4).unwrap_or_default();
    for i in 0..posts {
        // 16 posts a day between 06:00 and 21:00: never inside a DST gap or overlap.
        let day = start + chrono::Duration::days((i / 16) as i64);
        let hour = 6 + i % 16;
        let manifest = if large_jpegs {
            let media = dir.join(format!("media/photo-{i:05}.jpg"));
            if std::fs::hard_link(&source_jpeg, &media).is_err() {
                std::fs::copy(&source_jpeg, &media)?;
            }
            format!(
                "id: photo-{i:05}\nat: {day} {hour:02}:15\ntext: Photo {i} of the day #bench #photo\n\
                 media:\n  - file: media/photo-{i:05}.jpg\n    alt: Benchmark photo {i}\n\
                 targets:\n  instagram/bench: {{ kind: feed }}\n"
            )
        } else {
            let words = "calendar as code ".repeat(1 + i % 20);
            let until = day + chrono::Duration::days(365);
            let repeat = if i % 50 == 0 {
                format!("repeat: \"0 9 * * MON\"\nuntil: {until} 09:00\n")
            } else {
                String::new()
            };
            format!(
                "id: post-{i:05}\nat: {day} {hour:02}:00\n{repeat}text: |\n  Post {i}: {words}#bench #post{}\n  https://example.com/{i}\n\
                 targets:\n  threads/bench: {{ topic_tag: bench }}\n  facebook/bench-page: {{}}\n",
                i % 7
            )
        };
        std::fs::write(dir.join(format!("posts/{i:05}.yaml")), manifest)?;
    }
    Ok(())
}

/// Writes `n` records: every slot of the first posts as published from its current content,
/// then orphans (slots of posts that no longer exist) up to `n`.
fn write_records(dir: &Path, n: usize) -> std::io::Result<usize> {
    use postcal::plan::desired;
    use postcal::state::{OpenMode, Record, Revision, SledStore, SlotKey, SlotState, Store};

    let desired = desired::load(dir).map_err(std::io::Error::other)?;
    let mut store = SledStore::open(&dir.join(".postcal"), OpenMode::Create)
        .map_err(std::io::Error::other)?
        .ok_or_else(|| std::io::Error::other("could not create the state store"))?;
    let mut written = 0;
    let write = |store: &mut SledStore, mut record: Record, remote: String| {
        record.attempts = 1;
        record.state = SlotState::Published {
            remote_id: remote,
            permalink: None,
            at: record.key.at,
        };
        store.write(&record).map_err(std::io::Error::other)
    };
    'posts: for post in &desired.posts {
        let Some(schedule) = &post.schedule else {
            continue;
        };
        for target in &post.targets {
            if written >= n / 2 {
                break 'posts;
            }
            let key = SlotKey::new(&post.id, target.key.clone(), schedule.start);
            let record = Record::planned(
                key,
                target.content_hash.clone(),
                post.revision.clone(),
                schedule.start,
            );
            write(&mut store, record, format!("media-{written}"))?;
            written += 1;
        }
    }
    let long_ago = chrono::DateTime::parse_from_rfc3339("2026-01-05T09:00:00Z")
        .map_err(std::io::Error::other)?
        .to_utc();
    for i in 0..n - written {
        let at = long_ago + chrono::Duration::minutes(i as i64);
        let revision = Revision {
            path: format!("posts/gone/{i:05}.yaml"),
            file_hash: "0".repeat(64),
            commit: None,
        };
        let key = SlotKey::new(format!("gone-{i:05}"), "threads/bench".parse().unwrap(), at);
        let record = Record::planned(key, "0".repeat(64), revision, at);
        write(&mut store, record, format!("gone-{i}"))?;
    }
    store.flush().map_err(std::io::Error::other)?;
    Ok(n)
}

/// A 4:3 JPEG with per-pixel noise, so it is as large as a real photo (a few MB).
fn noisy_jpeg(width: u32, height: u32) -> std::io::Result<Vec<u8>> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut pixels = Vec::with_capacity((width * height * 3) as usize);
    for y in 0..height {
        for x in 0..width {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let n = state.to_le_bytes();
            // A gradient with mild sensor-like noise: about the size of a real 12 MP photo.
            let base = [(x * 255 / width) as u8, (y * 255 / height) as u8, 128];
            for c in 0..3 {
                pixels.push(base[c].wrapping_add(n[c] & 0x0f));
            }
        }
    }
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .encode(&pixels, width, height, image::ExtendedColorType::Rgb8)
        .map_err(std::io::Error::other)?;
    Ok(out)
}
