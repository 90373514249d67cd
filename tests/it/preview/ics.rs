//! `postcal export ics`: valid RFC 5545 (checked line by line here, and parsed by the
//! `icalendar` crate), one event per slot, state in the summary, and UIDs that survive
//! renaming, reordering and editing manifests.

use std::collections::BTreeMap;
use std::path::Path;

use crate::util::{Postcal, copy_tree, repo_root};

fn export(dir: &Path) -> String {
    let out = Postcal::new()
        .args(["export".as_ref(), "ics".as_ref(), dir.as_os_str()])
        .args(["--now", super::NOW])
        .run();
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    out.stdout
}

/// Problems with `text` as an iCalendar stream (RFC 5545 §3.1, §3.4, §3.6.1, §3.3.11), for
/// the parts postcal writes.
fn rfc5545_problems(text: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if !text.ends_with("\r\n") {
        problems.push("does not end with CRLF".into());
    }
    for (n, line) in text.split("\r\n").enumerate() {
        if line.contains('\n') || line.contains('\r') {
            problems.push(format!("line {n}: a bare CR or LF"));
        }
        if line.len() > 75 {
            problems.push(format!("line {n}: {} octets", line.len()));
        }
    }
    let unfolded = text.replace("\r\n ", "");
    let mut stack: Vec<String> = Vec::new();
    let mut props: Vec<BTreeMap<String, Vec<String>>> = Vec::new();
    let mut uids = std::collections::HashSet::new();
    for line in unfolded.split("\r\n").filter(|l| !l.is_empty()) {
        let Some((head, value)) = line.split_once(':') else {
            problems.push(format!("no `:` in {line:?}"));
            continue;
        };
        let name = head.split(';').next().unwrap_or("");
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            problems.push(format!("bad property name in {line:?}"));
        }
        match name {
            "BEGIN" => {
                stack.push(value.to_owned());
                props.push(BTreeMap::new());
            }
            "END" => {
                if stack.pop().as_deref() != Some(value) {
                    problems.push(format!("END:{value} does not close what is open"));
                }
                let p = props.pop().unwrap_or_default();
                let one = |k: &str| p.get(k).map_or(0, Vec::len) == 1;
                match value {
                    "VCALENDAR"
                        if !one("PRODID") || p.get("VERSION") != Some(&vec!["2.0".to_owned()]) =>
                    {
                        problems.push("VCALENDAR without one PRODID and VERSION:2.0".into());
                    }
                    "VEVENT" => {
                        for k in ["UID", "DTSTAMP", "DTSTART", "SUMMARY"] {
                            if !one(k) {
                                problems.push(format!("VEVENT without exactly one {k}"));
                            }
                        }
                        let utc = |v: &str| {
                            v.len() == 16
                                && v.as_bytes()[8] == b'T'
                                && v.ends_with('Z')
                                && v.chars().filter(char::is_ascii_digit).count() == 14
                        };
                        for k in ["DTSTAMP", "DTSTART"] {
                            if !p.get(k).is_some_and(|v| v.iter().all(|v| utc(v))) {
                                problems
                                    .push(format!("{k} is not a UTC DATE-TIME: {:?}", p.get(k)));
                            }
                        }
                        if p.contains_key("DTEND") && p.contains_key("DURATION") {
                            problems.push("both DTEND and DURATION".into());
                        }
                        for uid in p.get("UID").into_iter().flatten() {
                            if !uids.insert(uid.clone()) {
                                problems.push(format!("UID {uid} twice"));
                            }
                        }
                        for k in ["SUMMARY", "DESCRIPTION"] {
                            for v in p.get(k).into_iter().flatten() {
                                let unescaped =
                                    v.replace("\\\\", "").replace("\\;", "").replace("\\,", "");
                                if unescaped.contains([';', ',']) {
                                    problems.push(format!("{k} has an unescaped ; or ,: {v:?}"));
                                }
                            }
                        }
                    }
                    _ => {}
                }
            }
            _ => match props.last_mut() {
                Some(p) => p.entry(name.to_owned()).or_default().push(value.to_owned()),
                None => problems.push(format!("{name} outside any component")),
            },
        }
    }
    if !stack.is_empty() {
        problems.push(format!("unclosed: {stack:?}"));
    }
    problems
}

/// Each event's UID → (DTSTART, SUMMARY), through the `icalendar` crate's parser.
fn events(text: &str) -> BTreeMap<String, (String, String)> {
    let unfolded = icalendar::parser::unfold(text);
    let calendar = icalendar::parser::read_calendar(&unfolded).expect("icalendar parses it");
    let parsed: icalendar::Calendar = text.parse().expect("icalendar reads it as a calendar");
    assert_eq!(parsed.components.len(), calendar.components.len());
    let mut out = BTreeMap::new();
    for c in calendar.components.iter().filter(|c| c.name == "VEVENT") {
        let prop = |k: &str| {
            c.find_prop(k)
                .map(|p| p.val.as_str().to_owned())
                .unwrap_or_default()
        };
        out.insert(prop("UID"), (prop("DTSTART"), prop("SUMMARY")));
    }
    out
}

#[test]
fn the_ics_feed_is_valid_rfc_5545_with_one_event_per_slot() {
    let cal = tempfile::tempdir().expect("tempdir");
    super::example_calendar(cal.path());
    let text = export(cal.path());
    assert_eq!(rfc5545_problems(&text), Vec::<String>::new());
    let events = events(&text);
    assert_eq!(
        events.len(),
        text.matches("BEGIN:VEVENT").count(),
        "UIDs are distinct"
    );
    assert!(events.len() > 40, "{} events", events.len());
    let summaries: Vec<&str> = events.values().map(|(_, s)| s.as_str()).collect();
    assert!(
        summaries.contains(&"[waiting] 2026-12-winter-blend → instagram/harborlane"),
        "{summaries:?}"
    );
    assert!(summaries.contains(&"[blocked] 2026-12-long-caption → instagram/harborlane"));
    // The weekly post is listed every Monday of the window (92 days from 30 November).
    let mondays = summaries
        .iter()
        .filter(|s| s.contains("monday-roast-schedule → threads"))
        .count();
    assert!((12..=14).contains(&mondays), "{mondays}");
}

#[test]
fn uids_survive_renames_reorders_and_edits() {
    let a = tempfile::tempdir().expect("tempdir");
    let b = tempfile::tempdir().expect("tempdir");
    copy_tree(&repo_root().join("examples/calendar"), a.path());
    copy_tree(&repo_root().join("examples/calendar"), b.path());
    // In B: every manifest renamed into reverse order, and two of them merged into one file
    // with their documents swapped.
    let posts = b.path().join("posts");
    let mut names: Vec<_> = std::fs::read_dir(&posts)
        .expect("posts")
        .map(|e| e.expect("e").file_name())
        .collect();
    names.sort();
    let first = std::fs::read_to_string(posts.join(&names[0])).expect("first");
    let second = std::fs::read_to_string(posts.join(&names[1])).expect("second");
    std::fs::write(
        posts.join("zz-merged.yaml"),
        format!("{second}\n---\n{first}"),
    )
    .expect("merge");
    std::fs::remove_file(posts.join(&names[0])).expect("rm");
    std::fs::remove_file(posts.join(&names[1])).expect("rm");
    for (i, name) in names.iter().enumerate().skip(2) {
        std::fs::rename(
            posts.join(name),
            posts.join(format!("{:02}-{}", 99 - i, name.to_string_lossy())),
        )
        .expect("rename");
    }
    let (ea, eb) = (events(&export(a.path())), events(&export(b.path())));
    assert_eq!(ea, eb, "the same events under the same UIDs");

    // Editing captions changes no UID; moving a one-off post's time moves its event.
    let merged = std::fs::read_to_string(posts.join("zz-merged.yaml")).expect("merged");
    let moved = merged
        .replace("at: 2026-12-01 09:00", "at: 2026-12-01 10:30")
        .replace("The Winter Blend is back.", "Back: the Winter Blend.");
    assert_ne!(moved, merged);
    std::fs::write(posts.join("zz-merged.yaml"), moved).expect("edit");
    let ec = events(&export(b.path()));
    assert_eq!(ea.keys().collect::<Vec<_>>(), ec.keys().collect::<Vec<_>>());
    let changed: Vec<_> = ea
        .iter()
        .filter(|(uid, e)| ec[*uid] != **e)
        .map(|(_, (start, s))| (start.clone(), s.clone()))
        .collect();
    assert_eq!(
        changed.len(),
        3,
        "the winter blend's three targets moved: {changed:?}"
    );
    assert!(
        changed
            .iter()
            .all(|(start, s)| start == "20261201T080000Z" && s.contains("winter-blend"))
    );
}

#[test]
fn the_feed_can_be_written_to_a_file_atomically() {
    let cal = tempfile::tempdir().expect("tempdir");
    copy_tree(&repo_root().join("examples/calendar"), cal.path());
    let file = cal.path().join("calendar.ics");
    let out = Postcal::new()
        .args([
            "export".as_ref(),
            "ics".as_ref(),
            cal.path().as_os_str(),
            "--out".as_ref(),
            file.as_os_str(),
        ])
        .args(["--now", super::NOW])
        .run();
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(out.stdout, "");
    let text = std::fs::read_to_string(&file).expect("the file");
    assert!(text.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
    assert_eq!(rfc5545_problems(&text), Vec::<String>::new());
    let leftovers: Vec<_> = std::fs::read_dir(cal.path())
        .expect("dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

/// `GET` over a plain socket: the status line and the body.
fn http_get(url: &str) -> (String, String) {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").expect("http URL");
    let (host, path) = rest.split_once('/').expect("a path");
    let mut tcp = std::net::TcpStream::connect(host).expect("connect");
    tcp.set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .expect("timeout");
    write!(tcp, "GET /{path} HTTP/1.0\r\nHost: {host}\r\n\r\n").expect("request");
    let mut response = String::new();
    tcp.read_to_string(&mut response).expect("response");
    let (head, body) = response.split_once("\r\n\r\n").expect("head and body");
    (head.to_owned(), body.to_owned())
}

#[test]
fn the_daemon_serves_the_live_feed_with_what_it_published() {
    let cal = tempfile::tempdir().expect("tempdir");
    super::example_calendar(cal.path());
    let mut daemon = Postcal::new()
        .args(["run".as_ref(), cal.path().as_os_str()])
        .args(["--sandbox", "--now", "2026-11-30 09:00", "--warp", "60"])
        .args(["--fast-forward", "--fast-forward-pause-ms", "0"])
        .args(["--ics-listen", "127.0.0.1:0"])
        .spawn();
    let limit = std::time::Duration::from_secs(60);
    let log = daemon.wait_for_stdout("the feed's address", limit, |o| o.contains("/calendar.ics"));
    let start = log
        .find("http://127.0.0.1:")
        .expect("the feed's URL is logged");
    let url: String = log[start..]
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '"')
        .collect();
    // Everything is published (the run fast-forwards and then idles): the feed shows it.
    daemon.wait_for_stdout("its summary", limit, |o| {
        o.matches("  published  ").count() >= 42
    });
    let deadline = std::time::Instant::now() + limit;
    let body = loop {
        let (head, body) = http_get(&url);
        assert!(
            head.starts_with("HTTP/1.0 200") || head.starts_with("HTTP/1.1 200"),
            "{head}"
        );
        assert!(
            head.to_ascii_lowercase()
                .contains("content-type: text/calendar"),
            "{head}"
        );
        if body.contains("[published] 2026-12-winter-blend") {
            break body;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never shown as published:\n{body}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert_eq!(rfc5545_problems(&body), Vec::<String>::new());
    let events = events(&body);
    let published = events
        .values()
        .filter(|(_, s)| s.starts_with("[published]"))
        .count();
    assert!(published >= 42, "{published} published events");
    // The same feed as `export ics` (same UIDs), only live.
    let uid_of = |events: &BTreeMap<String, (String, String)>| {
        events
            .iter()
            .find(|(_, (_, s))| s.ends_with("] 2026-12-winter-blend → instagram/harborlane"))
            .map(|(uid, _)| uid.clone())
            .expect("the winter blend's event")
    };
    assert_eq!(uid_of(&events), uid_of(&events_of_export(cal.path())));
    // Read-only: nothing else is served.
    let (head, _) = http_get(&url.replace("/calendar.ics", "/calendar.ics/x"));
    assert!(head.contains(" 404"), "{head}");
    daemon.signal(libc::SIGTERM);
    assert!(
        daemon.wait(std::time::Duration::from_secs(5)),
        "stops on SIGTERM"
    );
}

fn events_of_export(dir: &Path) -> BTreeMap<String, (String, String)> {
    events(&export(dir))
}
