//! The site's structure: self-contained, every slot on the calendar pages, each post's page
//! with its cards, fold, limits, thumbnails and diagnostics, and incremental runs.

use std::path::Path;

use postcal::state::{OpenMode, Record, Revision, SledStore, SlotKey, SlotState, Store};

use super::{example_calendar, long_caption, preview, read};

fn pages_under(out: &Path, dir: &str) -> Vec<String> {
    let mut pages: Vec<String> = std::fs::read_dir(out.join(dir))
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|e| format!("{dir}/{}", e.expect("entry").file_name().to_string_lossy()))
        .filter(|p| p.ends_with(".html"))
        .collect();
    pages.sort();
    pages
}

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

#[test]
fn the_preview_is_a_self_contained_site_with_every_slot() {
    let cal = tempfile::tempdir().expect("tempdir");
    let out = tempfile::tempdir().expect("tempdir");
    example_calendar(cal.path());
    preview(cal.path(), out.path());

    assert_eq!(
        pages_under(out.path(), "months"),
        [
            "months/2026-12.html",
            "months/2027-01.html",
            "months/2027-02.html"
        ]
    );
    let posts = pages_under(out.path(), "posts");
    assert_eq!(posts.len(), 15, "{posts:?}");
    let mut pages = vec!["index.html".to_owned()];
    pages.extend(posts);
    pages.extend(pages_under(out.path(), "months"));
    pages.extend(pages_under(out.path(), "weeks"));
    for page in &pages {
        let html = read(out.path(), page);
        assert!(html.starts_with("<!DOCTYPE html>"), "{page}");
        assert!(!html.contains("<script"), "{page} has a script");
        assert!(
            !html.contains("src=\"http"),
            "{page} loads from the network"
        );
        assert!(
            !html.contains("<link rel=\"stylesheet\" href=\"http"),
            "{page}"
        );
        for src in html.split("src=\"").skip(1) {
            let src = &src[..src.find('"').expect("closing quote")];
            assert!(src.starts_with("../thumbs/"), "{page}: <img src={src}>");
            let file = out.path().join(page).parent().expect("dir").join(src);
            assert!(file.is_file(), "{page}: {src} is missing");
        }
    }
    let css = read(out.path(), "assets/preview.css");
    assert!(
        !css.contains("url(") && !css.contains("@import"),
        "the CSS loads nothing"
    );

    // Every slot is on one month page and one week page, and in the ICS feed.
    let chips = |dir: &str| -> usize {
        pages_under(out.path(), dir)
            .iter()
            .map(|p| count(&read(out.path(), p), " data-at=\""))
            .sum()
    };
    let ics = crate::util::Postcal::new()
        .args(["export".as_ref(), "ics".as_ref(), cal.path().as_os_str()])
        .args(["--now", super::NOW])
        .run();
    let events = count(&ics.stdout, "BEGIN:VEVENT");
    assert!(events > 40, "{events} events");
    assert_eq!(chips("months"), events);
    assert_eq!(chips("weeks"), events);
    let index = read(out.path(), "index.html");
    assert!(
        index.contains(&format!("{events} slots in 3 months")),
        "{index}"
    );
    assert!(
        index.contains("href=\"posts/2026-12-long-caption.html\""),
        "posts with errors are listed"
    );
}

#[test]
fn a_long_caption_is_folded_and_its_error_shown_at_its_line() {
    let cal = tempfile::tempdir().expect("tempdir");
    let out = tempfile::tempdir().expect("tempdir");
    example_calendar(cal.path());
    preview(cal.path(), out.path());
    let page = read(out.path(), "posts/2026-12-long-caption.html");
    let caption = long_caption();
    let shown: String = caption.chars().take(125).collect();
    assert!(page.contains("data-fold=\"characters\""), "{page}");
    assert!(
        page.contains(&format!(
            "<span class=\"shown\">{}</span><span class=\"more\">… more</span>",
            shown.trim_end()
        )),
        "the feed shows the first 125 characters, then … more"
    );
    assert!(page.contains("Folded after 125 characters"));
    // The 100 characters past 2,200 are marked, and counted.
    let over: String = caption.chars().skip(2_200).collect();
    assert!(
        page.contains(&format!("<mark class=\"over\">{over}</mark>")),
        "{page}"
    );
    assert!(page.contains("<div class=\"count over\">2,300 / 2,200 characters</div>"));
    // The error is on the card and under line 3 of the manifest (`text:`), before line 4.
    let card = &page[page.find("id=\"t-instagram-harborlane\"").expect("card")..];
    let card = &card[..card.find("</section>").expect("card end")];
    assert!(card.contains("instagram::caption-too-long"), "{card}");
    let line3 = page.find("id=\"L3\"").expect("line 3");
    let line4 = page.find("id=\"L4\"").expect("line 4");
    let note = page[line3..]
        .find("instagram::caption-too-long")
        .expect("note")
        + line3;
    assert!(note < line4, "the error sits under its line");
    assert!(page.contains("1 error(s): nothing is published from this post"));
    // Its slot is blocked on the calendar.
    let month = read(out.path(), "months/2026-12.html");
    assert!(
        month.contains("class=\"slot p-instagram s-blocked\""),
        "{month}"
    );
}

#[test]
fn a_large_photo_is_thumbnailed_not_embedded() {
    let cal = tempfile::tempdir().expect("tempdir");
    let out = tempfile::tempdir().expect("tempdir");
    example_calendar(cal.path());
    preview(cal.path(), out.path());
    let page = read(out.path(), "posts/2026-12-long-caption.html");
    let src = page.split("<img src=\"../").nth(1).expect("an image");
    let src = &src[..src.find('"').expect("quote")];
    assert!(
        src.starts_with("thumbs/") && src.ends_with("-4x3.jpg"),
        "{src}"
    );
    let thumb = std::fs::read(out.path().join(src)).expect("thumbnail");
    let picture = image::load_from_memory(&thumb).expect("a JPEG");
    assert_eq!((picture.width(), picture.height()), (640, 480));
    assert!(thumb.len() < 100_000, "{} bytes", thumb.len());
    assert!(
        !page.contains("src=\"../../media"),
        "the original is never embedded"
    );
    assert!(
        page.contains("style=\"aspect-ratio: 4 / 3\""),
        "4:3 is within 4:5–1.91:1"
    );
    // A 1080×1920 story is cropped to 9:16; a 1200×630 Facebook photo is kept whole.
    for entry in std::fs::read_dir(out.path().join("thumbs")).expect("thumbs") {
        let path = entry.expect("entry").path();
        let p = image::open(&path).expect("thumbnail decodes");
        assert!(p.width() <= 640 && p.height() <= 1138, "{}", path.display());
    }
}

#[test]
fn threads_text_past_500_and_each_platforms_card() {
    let cal = tempfile::tempdir().expect("tempdir");
    let out = tempfile::tempdir().expect("tempdir");
    example_calendar(cal.path());
    preview(cal.path(), out.path());
    let threads = read(out.path(), "posts/2026-12-threads-long.html");
    assert!(
        threads.contains("<div class=\"count over\">550 / 500 characters"),
        "{threads}"
    );
    assert!(threads.contains("<mark class=\"over\">"), "{threads}");
    assert!(threads.contains("threads::text-too-long"));

    let reel = read(out.path(), "posts/2026-12-pour-over-guide.html");
    assert!(reel.contains("<section class=\"card p-tiktok\""), "{reel}");
    assert!(reel.contains("class=\"frame video\" style=\"aspect-ratio: 9 / 16\""));
    assert!(
        reel.contains("Cover: the frame at 0:01.0"),
        "TikTok's cover_timestamp"
    );
    let photos = read(out.path(), "posts/2026-12-gift-boxes.html");
    assert!(
        photos.contains("<div class=\"title\"><p class=\"text\">Our holiday gift boxes are here")
    );
    assert!(photos.contains("Cover: photo 1 of 2."));
    let carousel = read(out.path(), "posts/2026-12-roastery-tour.html");
    assert!(
        carousel.contains("<div class=\"strip\">"),
        "a carousel is a strip"
    );
}

/// Writes records into the calendar's state: `(post, target, at, state)`.
fn record(cal: &Path, post: &str, target: &str, at: &str, state: SlotState) {
    let mut store = SledStore::open(&cal.join(".postcal"), OpenMode::Create)
        .expect("open the store")
        .expect("a store");
    let at = chrono::DateTime::parse_from_rfc3339(at)
        .expect("time")
        .to_utc();
    let key = SlotKey::new(post, target.parse().expect("target"), at);
    let mut r = Record::planned(key, "0".repeat(64), Revision::default(), at);
    r.state = state;
    store.write(&r).expect("write");
    store.flush().expect("flush");
}

#[test]
fn published_and_missed_slots_show_their_state_and_permalink() {
    let cal = tempfile::tempdir().expect("tempdir");
    let out = tempfile::tempdir().expect("tempdir");
    example_calendar(cal.path());
    let permalink = "https://www.instagram.com/p/DAbc123/";
    record(
        cal.path(),
        "2026-12-winter-blend",
        "instagram/harborlane",
        "2026-12-01T08:00:00Z",
        SlotState::Published {
            remote_id: "1790".into(),
            permalink: Some(permalink.into()),
            at: chrono::Utc::now(),
        },
    );
    record(
        cal.path(),
        "2026-12-winter-blend",
        "threads/harborlane",
        "2026-12-01T08:00:00Z",
        SlotState::Missed,
    );
    preview(cal.path(), out.path());
    let page = read(out.path(), "posts/2026-12-winter-blend.html");
    assert!(
        page.contains(&format!("<a class=\"permalink\" href=\"{permalink}\">")),
        "{page}"
    );
    let month = read(out.path(), "months/2026-12.html");
    assert!(month.contains("class=\"slot p-instagram s-published\""));
    assert!(month.contains("class=\"slot p-threads s-missed\""));
    assert!(month.contains("class=\"slot p-facebook s-waiting\""));
}

#[test]
fn a_second_run_writes_nothing_and_an_edit_rewrites_only_its_pages() {
    let cal = tempfile::tempdir().expect("tempdir");
    let out = tempfile::tempdir().expect("tempdir");
    example_calendar(cal.path());
    let first = preview(cal.path(), out.path());
    assert!(first.stderr.contains("0 unchanged"), "{}", first.stderr);
    let stamp = |p: &str| {
        std::fs::metadata(out.path().join(p))
            .and_then(|m| m.modified())
            .expect("mtime")
    };
    let before = stamp("posts/2026-12-winter-blend.html");

    let second = preview(cal.path(), out.path());
    assert!(
        second.stderr.contains("; 0 pages written"),
        "{}",
        second.stderr
    );
    assert!(
        second.stderr.contains("0 thumbnails made"),
        "{}",
        second.stderr
    );
    assert_eq!(stamp("posts/2026-12-winter-blend.html"), before);

    // A new caption changes one post page (the calendar shows no captions).
    let manifest = cal.path().join("posts/2026-12-01-winter-blend.yaml");
    let text = std::fs::read_to_string(&manifest).expect("manifest");
    std::fs::write(
        &manifest,
        text.replace("The Winter Blend is back.", "Winter Blend: back!"),
    )
    .expect("edit");
    let edited = preview(cal.path(), out.path());
    assert!(
        edited.stderr.contains("; 1 pages written"),
        "{}",
        edited.stderr
    );
    assert!(read(out.path(), "posts/2026-12-winter-blend.html").contains("Winter Blend: back!"));

    // A deleted post's page goes, and the calendar pages that showed it are written again.
    std::fs::remove_file(cal.path().join("posts/2026-12-16-threads-long.yaml")).expect("rm");
    let removed = preview(cal.path(), out.path());
    assert!(removed.stderr.contains(", 1 removed"), "{}", removed.stderr);
    assert!(!out.path().join("posts/2026-12-threads-long.html").exists());
}
