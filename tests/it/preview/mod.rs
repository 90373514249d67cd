//! `postcal preview` and `postcal export ics`: the calendar as a team browses it and subscribes
//! to it. The site's structure (`site.rs`), its layout in a real headless Chromium
//! (`browser.rs`, through a minimal WebDriver client in `webdriver.rs`), and the ICS feed
//! (`ics.rs`).

mod browser;
mod ics;
mod site;
mod webdriver;

use std::path::Path;

use crate::util::{Output, Postcal, copy_tree, repo_root};

/// "Now" for every preview test: just before the example calendar's first post.
pub const NOW: &str = "2026-11-30 09:00";

/// A 2,300-character caption: over Instagram's 2,200, folded after 125 characters.
pub fn long_caption() -> String {
    let sentence = "Slow mornings at the roastery: beans cooling, the smell of caramel. ";
    let mut text = sentence.repeat(2_300 / sentence.len() + 1);
    text.truncate(2_300);
    text
}

/// The example calendar plus what the acceptance asks for: an Instagram post with a
/// 2,300-character caption and a 4000×3000 photo, and a Threads post over 500 characters.
pub fn example_calendar(dir: &Path) {
    copy_tree(&repo_root().join("examples/calendar"), dir);
    std::fs::write(
        dir.join("media/big-4000x3000.jpg"),
        postcal::media::synth::jpeg(4000, 3000),
    )
    .expect("write the big photo");
    std::fs::write(
        dir.join("posts/2026-12-15-long-caption.yaml"),
        format!(
            "id: 2026-12-long-caption\nat: 2026-12-15 10:00\ntext: \"{}\"\n\
             media:\n  - file: media/big-4000x3000.jpg\n    alt: The roastery at dawn\n\
             targets:\n  instagram/harborlane: {{}}\n",
            long_caption()
        ),
    )
    .expect("write the long caption");
    std::fs::write(
        dir.join("posts/2026-12-16-threads-long.yaml"),
        format!(
            "id: 2026-12-threads-long\nat: 2026-12-16 10:00\ntext: \"{}\"\n\
             targets:\n  threads/harborlane: {{}}\n",
            "Too long for Threads. ".repeat(25)
        ),
    )
    .expect("write the long Threads post");
}

/// Runs `postcal preview DIR --out OUT --now NOW`.
pub fn preview(dir: &Path, out: &Path) -> Output {
    let output = Postcal::new()
        .args([
            "preview".as_ref(),
            dir.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
        ])
        .args(["--now", NOW])
        .run();
    assert_eq!(output.code, Some(0), "{}", output.stderr);
    output
}

/// Reads a file of the site.
pub fn read(out: &Path, page: &str) -> String {
    std::fs::read_to_string(out.join(page)).unwrap_or_else(|e| panic!("{page}: {e}"))
}
