//! The preview in a real headless Chromium (Debian's `chromium` and `chromium-driver`, which
//! `.ci/run` installs): every page of the example calendar is laid out with nothing
//! overflowing its box, frames keep their platform's ratio, images are thumbnails, and the
//! Instagram fold is where it should be. Screenshots of a month, a week and one card per
//! platform are kept in `target/tmp/preview-screenshots/` for people to look at.
//!
//! Skipped, with a message, when Chromium or chromedriver is not installed, unless
//! `POSTCAL_REQUIRE_BROWSER=1` (CI sets it, so CI never skips it silently).

use std::path::Path;

use serde_json::Value;

use super::webdriver::{self, Browser};
use super::{example_calendar, long_caption, preview};

/// Every layout problem on the current page, as sentences (empty when there is none).
const LAYOUT: &str = r#"
const tol = 1, problems = [];
const root = document.documentElement;
if (root.scrollWidth > root.clientWidth + tol)
  problems.push(`the page scrolls sideways: ${root.scrollWidth} > ${root.clientWidth}`);
const name = el => el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).replace(/ /g, '.') : '');
function inside(el, box, what) {
  const r = el.getBoundingClientRect(), b = box.getBoundingClientRect();
  if (r.width === 0 && r.height === 0) return;
  if (r.left < b.left - tol || r.right > b.right + tol)
    problems.push(`${name(el)} sticks out of its ${what}: [${r.left}, ${r.right}] not in [${b.left}, ${b.right}]`);
}
document.querySelectorAll('.day, .week .col, .months li').forEach(box =>
  box.querySelectorAll('.slot, .num, a, .counts').forEach(el => inside(el, box, 'day')));
document.querySelectorAll('.card').forEach(card => card.querySelectorAll('*').forEach(el => {
  const strip = el.closest('.strip');
  if (!strip || strip === el) inside(el, card, 'card');
}));
document.querySelectorAll('.card .text, .caption, .note, .linkbox, .meta, h1, .slots li, .summary, .counts')
  .forEach(el => { if (el.scrollWidth > el.clientWidth + tol)
    problems.push(`the content of ${name(el)} overflows: ${el.scrollWidth} > ${el.clientWidth}`); });
document.querySelectorAll('.frame').forEach(f => {
  const m = /aspect-ratio:\s*(\d+)\s*\/\s*(\d+)/.exec(f.getAttribute('style') || '');
  if (!m) return;
  const r = f.getBoundingClientRect(), want = m[1] / m[2];
  if (Math.abs(r.width / r.height - want) > 0.02)
    problems.push(`a frame is ${(r.width / r.height).toFixed(3)}, not ${want.toFixed(3)}`);
});
document.querySelectorAll('img').forEach(i => {
  if (!i.complete || i.naturalWidth === 0) problems.push(`an image did not load: ${i.src}`);
  else if (i.naturalWidth > 640 || i.naturalHeight > 1138) problems.push(`not a thumbnail: ${i.src}`);
});
return problems;
"#;

/// The Instagram caption of the long-caption post: where it folds, before and after "more".
const FOLD: &str = r#"
const card = document.querySelector('#t-instagram-harborlane');
const c = card.querySelector('.caption');
const box = el => { const r = el.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
const seen = el => el.checkVisibility() && el.getBoundingClientRect().height > 0;
const before = { shown: Array.from(c.querySelector('.shown').textContent).length,
  more: box(c.querySelector('.more')), moreSeen: seen(c.querySelector('.more')),
  restSeen: seen(c.querySelector('.rest')), card: box(card), fold: c.dataset.fold,
  error: Array.from(card.querySelectorAll('.note.error')).some(n => seen(n) && n.textContent.includes('instagram::caption-too-long')) };
c.querySelector('summary').click();
const mark = c.querySelector('mark.over');
return { before, after: { open: c.open, restSeen: seen(c.querySelector('.rest')),
  moreSeen: seen(c.querySelector('.more')), mark: box(mark), markChars: Array.from(mark.textContent).length, card: box(card) } };
"#;

fn browser_or_skip(width: u32, height: u32) -> Option<Browser> {
    match webdriver::installed() {
        Some((chromium, driver)) => Some(Browser::start(chromium, driver, width, height)),
        None if std::env::var("POSTCAL_REQUIRE_BROWSER").is_ok_and(|v| v == "1") => {
            panic!("POSTCAL_REQUIRE_BROWSER=1 but Chromium or chromedriver is not installed")
        }
        None => {
            eprintln!(
                "SKIPPED: the browser test needs Chromium and chromedriver \
                 (apt-get install -y chromium chromium-driver); .ci/run installs them"
            );
            None
        }
    }
}

fn save(name: &str, png: &[u8]) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("preview-screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    std::fs::write(dir.join(format!("{name}.png")), png).expect("save screenshot");
    let picture = image::load_from_memory(png).expect("a PNG");
    let colours: std::collections::HashSet<[u8; 3]> =
        picture.to_rgb8().pixels().step_by(7).map(|p| p.0).collect();
    assert!(
        colours.len() > 20,
        "{name}: the screenshot is blank ({} colours)",
        colours.len()
    );
}

fn problems(b: &Browser) -> Vec<String> {
    match b.eval(LAYOUT) {
        Value::Array(items) => items
            .into_iter()
            .map(|v| v.as_str().unwrap_or("?").to_owned())
            .collect(),
        other => panic!("layout script: {other}"),
    }
}

#[test]
fn the_example_calendar_lays_out_in_a_real_browser() {
    let Some(desktop) = browser_or_skip(1280, 1000) else {
        return;
    };
    let cal = tempfile::tempdir().expect("tempdir");
    let out = tempfile::tempdir().expect("tempdir");
    example_calendar(cal.path());
    preview(cal.path(), out.path());

    let mut pages = vec![out.path().join("index.html")];
    for dir in ["months", "weeks", "posts"] {
        for entry in std::fs::read_dir(out.path().join(dir)).expect("dir") {
            pages.push(entry.expect("entry").path());
        }
    }
    let mut all = Vec::new();
    for page in &pages {
        desktop.open(page);
        for p in problems(&desktop) {
            all.push(format!(
                "{}: {p}",
                page.strip_prefix(out.path()).unwrap_or(page).display()
            ));
        }
    }
    assert!(
        all.is_empty(),
        "layout problems at 1280 px:\n{}",
        all.join("\n")
    );

    desktop.open(&out.path().join("months/2026-12.html"));
    save("month-2026-12", &desktop.screenshot());
    desktop.open(&out.path().join("weeks/2026-W49.html"));
    save("week-2026-W49", &desktop.screenshot());
    for (page, card, name) in [
        (
            "2026-12-winter-blend",
            "#t-instagram-harborlane",
            "instagram-feed",
        ),
        (
            "2026-12-roastery-tour",
            "#t-instagram-harborlane",
            "instagram-carousel",
        ),
        (
            "2026-12-long-caption",
            "#t-instagram-harborlane",
            "instagram-long-caption",
        ),
        ("2026-12-winter-blend", "#t-threads-harborlane", "threads"),
        (
            "2026-12-threads-long",
            "#t-threads-harborlane",
            "threads-over-500",
        ),
        (
            "2026-12-pour-over-guide",
            "#t-tiktok-harborlane",
            "tiktok-video",
        ),
        (
            "2026-12-gift-boxes",
            "#t-tiktok-harborlane",
            "tiktok-photos",
        ),
        ("2026-12-winter-blend", "#t-facebook-harborlane", "facebook"),
    ] {
        desktop.open(&out.path().join(format!("posts/{page}.html")));
        save(name, &desktop.element_screenshot(card));
    }

    // The fold: 125 characters, then "… more" inside the card; the rest hidden until opened,
    // and then the 100 characters past 2,200 marked, inside the card.
    desktop.open(&out.path().join("posts/2026-12-long-caption.html"));
    let fold = desktop.eval(FOLD);
    let before = &fold["before"];
    let shown = long_caption()
        .chars()
        .take(125)
        .collect::<String>()
        .trim_end()
        .chars()
        .count();
    assert_eq!(before["shown"], shown, "{fold}");
    assert_eq!(before["fold"], "characters");
    assert_eq!(
        (before["moreSeen"].as_bool(), before["restSeen"].as_bool()),
        (Some(true), Some(false)),
        "{fold}"
    );
    let within = |b: &Value, c: &Value| {
        (0..4).all(|i| {
            let (x, y) = (
                b[i].as_f64().unwrap_or(f64::NAN),
                c[i].as_f64().unwrap_or(f64::NAN),
            );
            if i < 2 { x >= y - 1.0 } else { x <= y + 1.0 }
        })
    };
    assert!(
        within(&before["more"], &before["card"]),
        "… more is inside the card: {fold}"
    );
    assert_eq!(
        before["error"], true,
        "the caption's error is shown on the card: {fold}"
    );
    let after = &fold["after"];
    assert_eq!(
        (
            after["open"].as_bool(),
            after["restSeen"].as_bool(),
            after["moreSeen"].as_bool()
        ),
        (Some(true), Some(true), Some(false)),
        "{fold}"
    );
    assert_eq!(after["markChars"], 100);
    assert!(
        within(&after["mark"], &after["card"]),
        "the marked overflow stays in the card: {fold}"
    );
    save(
        "instagram-long-caption-open",
        &desktop.element_screenshot("#t-instagram-harborlane"),
    );
    drop(desktop);

    // On a phone's width too, nothing sticks out.
    let Some(phone) = browser_or_skip(390, 844) else {
        return;
    };
    let mut all = Vec::new();
    for page in [
        "index.html",
        "months/2026-12.html",
        "weeks/2026-W49.html",
        "posts/2026-12-long-caption.html",
        "posts/2026-12-roastery-tour.html",
    ] {
        phone.open(&out.path().join(page));
        all.extend(problems(&phone).into_iter().map(|p| format!("{page}: {p}")));
    }
    assert!(
        all.is_empty(),
        "layout problems at 390 px:\n{}",
        all.join("\n")
    );
    phone.open(&out.path().join("months/2026-12.html"));
    save("month-2026-12-phone", &phone.screenshot());
}
